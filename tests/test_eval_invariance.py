"""policyqa eval-invariance: rewrites that ask the same thing, asked of the real assistant over the bundled index."""
import json
import subprocess
import sys

from policyqa.eval.invariance import REWRITES, run_invariance
from policyqa.eval.questions import Question


def test_each_rewrite_asks_the_same_thing():
    assert REWRITES["arabic_article_numbers"]("52号文第二十三条说了什么") == "52号文第23条说了什么"
    assert REWRITES["full_width_digits"]("52号文第十条") == "５２号文第十条"
    assert REWRITES["thanks"]("养老机构怎么收费？") == "养老机构怎么收费？谢谢！"
    assert REWRITES["thanks"]("养老机构怎么收费") == "养老机构怎么收费，谢谢！"
    assert REWRITES["no_closing_mark"]("养老机构怎么收费？") == "养老机构怎么收费"


def test_named_documents_and_articles_survive_every_rewrite(assistant):
    questions = [Question("a", "52号文第十条说了什么", ("yanglao-tuoyu-2020:（十）",), "lookup"),
                 Question("b", "52号文是哪天印发的？", ("yanglao-tuoyu-2020:结语",), "lookup"),
                 Question("c", "养老机构用水用电按什么价格收费？", ("yanglao-gaige-2024:（十四）",), "direct")]
    counts, moves = run_invariance(assistant, questions, list(REWRITES))
    assert counts["full_width_digits"]["tried"] == 2 and counts["greeting"]["tried"] == 3
    assert counts["arabic_article_numbers"]["tried"] == 1
    assert moves == [], moves


def test_the_command_prints_counts_and_refuses_an_unknown_rewrite(bundled_index_dir, tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"id": "a", "question": "52号文第十条说了什么", "relevant": ["yanglao-tuoyu-2020:（十）"],
                                "type": "lookup"}, ensure_ascii=False) + "\n", encoding="utf-8")
    run = lambda *extra: subprocess.run([sys.executable, "-m", "policyqa", "eval-invariance", str(path),  # noqa: E731
                                         "--index", str(bundled_index_dir), *extra], capture_output=True, text=True)
    done = run("--rewrites", "greeting,full_width_digits", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["rewrites"]["full_width_digits"] == {"tried": 1, "moved": 0, "better": 0, "worse": 0}
    assert report["moves"] == []
    refused = run("--rewrites", "shouting")
    assert refused.returncode == 2 and "unknown rewrite" in refused.stderr and "Traceback" not in refused.stderr
