"""Follow-up questions read in the light of the conversation, through the real index, the CLI and the eval."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from policyqa.assistant.followup import HistoryTurn, resolve

WATER = HistoryTurn("养老机构用水用电按什么价格收费？", ("yanglao-gaige-2024:（十四）",))
HOME_CHILDCARE = HistoryTurn("家庭托育点需要登记备案吗", ("yanglao-tuoyu-2020:（八）",))


@pytest.mark.parametrize("previous, question, resolved", [
    (WATER, "那托育机构呢？", "托育机构用水用电按什么价格收费？"),         # another institution in its place
    (WATER, "那民办的呢", "民办养老机构用水用电按什么价格收费？"),         # an ownership before the institution
    (WATER, "农村呢", "农村养老机构用水用电按什么价格收费？"),             # a place before the subject
    (WATER, "那用气呢", "养老机构用气用电按什么价格收费？"),               # a word of the same kind
    (HOME_CHILDCARE, "那托育机构呢？", "托育机构需要登记备案吗？"),
    (HOME_CHILDCARE, "要什么条件", "家庭托育点需要登记备案要什么条件？"),  # a new predicate about what was asked
    (HOME_CHILDCARE, "谁负责？", "家庭托育点需要登记备案谁负责？"),
    (WATER, "那托育呢", "托育机构用水用电按什么价格收费？"),               # the other sector (corpus/vocab/sectors.txt)
    (WATER, "补贴标准是多少？", "养老机构用水用电补贴标准是多少？"),       # short, in the words of the last turn
])
def test_a_follow_up_is_resolved_against_the_previous_turn(assistant, previous, question, resolved):
    resolution = resolve(question, [previous], assistant.index)
    assert resolution.rewritten and resolution.resolved == resolved


def test_articles_and_the_cited_document_are_read_from_the_previous_answer(assistant):
    index = assistant.index
    title = index.clause("yanglao-gaige-2024:（十四）").doc_title
    assert resolve("第二十条呢？", [WATER], index).resolved == f"《{title}》第二十条说了什么？"
    assert resolve("下一条呢", [WATER], index).resolved == f"《{title}》（十五）说了什么？"
    assert resolve("它是哪年发的？", [WATER], index).resolved == f"《{title}》是哪年发的？"
    both = HistoryTurn("医养结合两个文件怎么说", ("yanglao-gaige-2024:（十四）", "yanglao-tuoyu-2020:（八）"))
    which = resolve("这个文件是哪年发的？", [both], index)
    assert which.needs_clarification and "还是" in which.clarification  # two documents it may mean


def test_a_paragraph_or_item_after_an_article_is_of_that_article(tmp_path):
    """「第二款呢」 after an answer citing one article is that article's paragraph; after a chapter's outline (many
    articles cited) it is not read as any one of them."""
    from policyqa.corpus import load_corpus
    from policyqa.index import build_index, load_index

    folder = tmp_path / "laws"
    folder.mkdir()
    (folder / "某某服务法.md").write_text("# 中华人民共和国某某服务法\n\n第一条　为了规范服务，制定本法。\n"
                                          "本法所称服务，是指某某服务。\n\n第二条　本法下列用语的含义：\n"
                                          "（一）经营者，是指提供服务的单位。\n（二）场所，是指提供服务的区域。\n", "utf-8")
    build_index(load_corpus([folder]), tmp_path / "index", embedder="none", progress=False)
    index = load_index(tmp_path / "index")
    article = HistoryTurn("某某服务法第一条", ("某某服务法:第一条",))
    title = "中华人民共和国某某服务法"
    assert resolve("第二款呢", [article], index).resolved == f"《{title}》第一条第二款说了什么？"
    items = HistoryTurn("某某服务法第二条", ("某某服务法:第二条",))
    assert resolve("那第（二）项是什么", [items], index).resolved == f"《{title}》第二条第（二）项说了什么？"
    outline = HistoryTurn("某某服务法讲了什么", ("某某服务法:第一条", "某某服务法:第二条"))
    assert "第一条第二款" not in resolve("第二款呢", [outline], index).resolved


@pytest.mark.parametrize("question", [
    "育儿假多少天",                              # a subject of its own
    "托育补贴有哪些",
    "养老院能拿什么补贴？",                      # short and on the last turn's words, but names its institution
    "52号文第十条说了什么",                      # names its document
    "交强险条例第16条呢",                        # names the law of its article, loaded or not
    "国家对普惠托育机构有什么支持政策，那民办的养老机构呢",  # long enough to stand alone
])
def test_a_question_that_stands_on_its_own_is_not_rewritten(assistant, question):
    resolution = resolve(question, [WATER], assistant.index)
    assert not resolution.rewritten and not resolution.needs_clarification


def test_what_cannot_be_resolved_gets_a_clarifying_question(assistant):
    assert resolve("那个呢？", [WATER], assistant.index).needs_clarification
    assert resolve("那另一个呢？", [WATER], assistant.index).needs_clarification
    two = HistoryTurn("兜底保障型和完全市场型养老机构有什么区别", ("yanglao-gaige-2024:（六）",))
    either = resolve("它主要收住谁？", [two], assistant.index)  # 它 may be either of two
    assert either.needs_clarification and either.clarification == "您问的是兜底保障型还是完全市场型养老机构？"
    assert resolve("那托育机构呢？", [], assistant.index).needs_clarification  # nothing before it
    answer = assistant.ask("那个呢？", history=[WATER])
    assert answer.refused and answer.needs_clarification and not answer.citations
    assert answer.answer.startswith("请把问题说完整")


def test_a_resolved_follow_up_is_answered_and_shows_how_it_was_read(assistant):
    answer = assistant.ask("它是哪年发的？", history=[WATER])
    assert answer.question == "它是哪年发的？" and answer.resolved_question.endswith("是哪年发的？")
    assert answer.answer.startswith("按上文理解为：") and answer.citations[0].clause_id == "yanglao-gaige-2024:题注"
    alone = assistant.ask("它是哪年发的？")  # without a conversation the question is taken as it stands
    assert alone.resolved_question is None and not alone.needs_clarification
    # A turn that only asked to clarify leaves the topic to the next one.
    later = assistant.ask("它是哪年发的？", history=[WATER, HistoryTurn("那个呢？")])
    assert later.citations and later.citations[0].clause_id == "yanglao-gaige-2024:题注"
    # Courtesy around a follow-up or an earlier turn is not read; the answer echoes what was typed.
    polite = assistant.ask("你好，那托育机构呢？谢谢", history=[HistoryTurn("请问" + WATER.question, WATER.clause_ids)])
    assert polite.question == "你好，那托育机构呢？谢谢"
    assert polite.resolved_question == "托育机构用水用电按什么价格收费？"


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "policyqa", *args], capture_output=True, text=True, timeout=600,
                          input=stdin, env={**os.environ, "OMP_NUM_THREADS": "1"})


def test_ask_with_a_history_file_and_an_interactive_chat(tmp_path, bundled_index_dir):
    history = tmp_path / "history.json"
    history.write_text(json.dumps([{"question": WATER.question, "clause_ids": list(WATER.clause_ids)}],
                                  ensure_ascii=False), encoding="utf-8")
    result = _cli("ask", "它是哪年发的？", "--index", str(bundled_index_dir), "--history", str(history), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["resolved_question"].endswith("是哪年发的？")
    history.write_text("{not json", encoding="utf-8")
    bad = _cli("ask", "它是哪年发的？", "--index", str(bundled_index_dir), "--history", str(history))
    assert bad.returncode == 2 and "history" in bad.stderr
    chat = _cli("chat", "--index", str(bundled_index_dir),
                stdin="养老机构用水用电按什么价格收费？\n它是哪年发的？\n/新对话\n它是哪年发的？\n\n")
    assert chat.returncode == 0, chat.stderr
    assert "（十四）" in chat.stdout and "按上文理解为：《" in chat.stdout and "已开始新对话" in chat.stdout
    assert "前面没有对话" in chat.stdout  # after /新对话 there is nothing before the follow-up


def test_a_conversation_set_is_evaluated_by_policyqa_eval(tmp_path, bundled_index_dir):
    conversations = tmp_path / "conversations.jsonl"
    rows = [
        {"id": "c1", "turns": [{"question": WATER.question, "relevant": list(WATER.clause_ids)},
                               {"question": "那个呢？", "relevant": [], "kind": "unclear"},
                               {"question": "它是哪年发的？", "relevant": ["yanglao-gaige-2024:题注"], "kind": "followup"}]},
        {"id": "c2", "turns": [{"question": HOME_CHILDCARE.question, "relevant": list(HOME_CHILDCARE.clause_ids)},
                               {"question": "养老机构的水电气热能按居民价格收费吗？",
                                "relevant": ["yanglao-gaige-2024:（十四）"], "kind": "standalone"}]},
    ]
    conversations.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    result = _cli("eval", str(conversations), "--index", str(bundled_index_dir), "--json")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["turns"] == 3 and metrics["resolution_accuracy"] == 1.0
    assert metrics["followup_first_citation"] == 1.0 and metrics["standalone_first_citation"] == 1.0
    assert metrics["clarification_rate"] == 1.0 and metrics["false_clarification_rate"] == 0.0
    rows[0]["turns"][1]["kind"] = "maybe"
    conversations.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    bad = _cli("eval", str(conversations), "--index", str(bundled_index_dir))
    assert bad.returncode == 2 and "kind" in bad.stderr
