"""The real ``policyqa eval`` on part of the seed set, checked against Assistant.search/ask and against ir_measures."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import ir_measures
import pytest
from ir_measures import RR, Qrel, R, Success, nDCG

from policyqa.eval.questions import read_questions, write_questions

EVAL = Path(__file__).resolve().parents[1] / "eval"
CONFIGS = ("bm25", "hybrid")
MEASURES = {Success @ 1: "hit@1", Success @ 5: "hit@5", R @ 1: "recall@1", R @ 3: "recall@3", R @ 5: "recall@5",
            R @ 10: "recall@10", RR @ 10: "mrr@10",
            nDCG @ 10: "ndcg@10"}


def policyqa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "policyqa", *args], capture_output=True, text=True,
                          check=False)


@pytest.fixture(scope="module")
def subset(tmp_path_factory) -> Path:
    """Every 11th seed question: 20 questions of all eight types, four of them unanswerable."""
    path = tmp_path_factory.mktemp("eval") / "subset.jsonl"
    write_questions(path, read_questions(EVAL / "seed_questions.jsonl")[::11])
    return path


@pytest.fixture(scope="module")
def evaluation(subset, bundled_index_dir):
    out = subset.parent / "out"
    done = policyqa("eval", str(subset), "--index", str(bundled_index_dir), "--configs", ",".join(CONFIGS),
                    "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    return out, done


@pytest.fixture(scope="module")
def results(evaluation) -> dict[str, list[dict]]:
    out, _ = evaluation
    return {c: [json.loads(line) for line in (out / f"results-{c}.jsonl").read_text(encoding="utf-8").splitlines()]
            for c in CONFIGS}


@pytest.fixture(scope="module")
def metrics(evaluation) -> dict:
    out, _ = evaluation
    return json.loads((out / "metrics.json").read_text(encoding="utf-8"))


def test_eval_writes_every_output(evaluation, metrics):
    out, done = evaluation
    names = {"report.md", "metrics.json", "qrels.trec", "chart.png"} | {f"run-{c}.trec" for c in CONFIGS} | {
        f"results-{c}.jsonl" for c in CONFIGS}
    assert names <= {p.name for p in out.iterdir()}
    assert (out / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(done.stdout) == metrics and list(metrics) == list(CONFIGS)
    for config in CONFIGS:
        assert {"recall@1", "recall@5", "mrr@10", "ndcg@10", "first_citation_accuracy", "refusal_recall",
                "false_refusal_rate", "latency_ask_p95_ms"} <= set(metrics[config])
        assert metrics[config]["questions"] == 20 and metrics[config]["unanswerable"] == 4
    assert "100%" in done.stderr  # the progress bar


@pytest.fixture(scope="module")
def fresh(assistant, subset) -> dict[str, list[tuple[list[str], object]]]:
    """Fresh Assistant.search / Assistant.ask calls, made the way the CLI makes them."""
    return {config: [([h.clause.clause_id for h in assistant.search(q.question, k=10, mode=config)],
                      assistant.ask(q.question, mode=config)) for q in read_questions(subset)]
            for config in CONFIGS}


def test_results_are_what_the_assistant_returns(subset, results, fresh):
    """No separate code path: the recorded rankings and answers equal fresh Assistant.search/ask calls."""
    questions = read_questions(subset)
    for config in CONFIGS:
        assert [r["id"] for r in results[config]] == [q.id for q in questions]
        for r, (ranking, answer) in zip(results[config], fresh[config]):
            assert r["ranking"] == ranking
            assert (r["refused"], r["answer"]) == (answer.refused, answer.answer)
            assert [(c["clause_id"], c["quote"]) for c in r["citations"]] == [
                (c.clause_id, c.quote) for c in answer.citations]


def test_answer_metrics_recounted_from_the_assistant(assistant, subset, metrics, fresh):
    questions = read_questions(subset)
    for config in CONFIGS:
        answers = [answer for _, answer in fresh[config]]
        answerable = [(q, a) for q, a in zip(questions, answers) if q.relevant]
        unanswerable = [(q, a) for q, a in zip(questions, answers) if not q.relevant]
        first_right = sum(1 for q, a in answerable
                          if not a.refused and a.citations and a.citations[0].clause_id in q.relevant)
        m = metrics[config]
        assert m["first_citation_accuracy"] == first_right / len(answerable)
        assert m["false_refusal_rate"] == sum(a.refused for _, a in answerable) / len(answerable)
        assert m["refusal_recall"] == sum(a.refused for _, a in unanswerable) / len(unanswerable)
        quotes = [c.quote in assistant.clause(c.clause_id).text for a in answers for c in a.citations]
        assert m["verbatim_quote_rate"] == sum(quotes) / len(quotes)


def test_beir_export_read_by_ir_measures_gives_the_report_numbers(evaluation, metrics, subset, bundled_index_dir,
                                                                  assistant):
    out, _ = evaluation
    beir = subset.parent / "beir"
    done = policyqa("eval-beir", "export", str(subset), str(beir), "--index", str(bundled_index_dir))
    assert done.returncode == 0, done.stderr
    corpus_ids = [json.loads(line)["_id"] for line in (beir / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(corpus_ids) == sorted(c.clause_id for c in assistant.index.clauses)

    with (beir / "qrels" / "test.tsv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    qrels = [Qrel(r["query-id"], r["corpus-id"], int(r["score"])) for r in rows]
    for config in CONFIGS:
        run = list(ir_measures.read_trec_run(str(out / f"run-{config}.trec")))
        theirs = ir_measures.calc_aggregate(list(MEASURES), qrels, run)
        assert {MEASURES[m]: v for m, v in theirs.items()} == pytest.approx(
            {name: metrics[config][name] for name in MEASURES.values()}, abs=1e-9)

    back = subset.parent / "back.jsonl"
    assert policyqa("eval-beir", "import", str(beir), str(back)).returncode == 0
    assert read_questions(back) == read_questions(subset)


def test_report_shows_the_numbers_and_the_failures(evaluation, metrics, results):
    out, _ = evaluation
    report = (out / "report.md").read_text(encoding="utf-8")
    assert f"| ndcg@10 | {metrics['bm25']['ndcg@10']:.3f} | {metrics['hybrid']['ndcg@10']:.3f} |" in report
    assert (f"| first_citation_accuracy | {metrics['bm25']['first_citation_accuracy']:.3f} | "
            f"{metrics['hybrid']['first_citation_accuracy']:.3f} |") in report
    for t in ("direct", "paraphrase", "unanswerable", "article_lookup"):
        assert f"### {t} (" in report
    failures = report.split("## Failed questions")[1]
    for config in CONFIGS:
        failed = [r for r in results[config] if r["failure"]]
        assert metrics[config]["failed"] == len(failed)
        section = failures.split(f"### {config}:")[1].split("###")[0]
        assert all(f"| {r['id']} |" in section for r in failed)


def test_help_and_errors(subset, bundled_index_dir, tmp_path):
    assert "eval-beir" in policyqa("--help").stdout and "eval-beir" in policyqa("eval", "--help").stdout
    done = policyqa("eval", str(subset), "--index", str(bundled_index_dir), "--configs", "bm25,sparse")
    assert done.returncode == 2 and "unknown configs" in done.stderr
    done = policyqa("eval", str(EVAL / "law_questions.jsonl"), "--index", str(bundled_index_dir), "--out", str(tmp_path))
    assert done.returncode == 2 and "eval/README.md" in done.stderr and "Traceback" not in done.stderr
    done = policyqa("eval", str(tmp_path / "missing.jsonl"), "--index", str(bundled_index_dir))
    assert done.returncode == 2 and "not found" in done.stderr


def test_runs_answering_differently_are_pooled_for_a_blind_judge_and_scored(evaluation, results, subset,
                                                                           bundled_index_dir):
    out, _ = evaluation
    runs = [f"{out / f'results-{c}.jsonl'}@{bundled_index_dir}" for c in CONFIGS]
    pool = out / "pool"
    done = policyqa("eval-pool", "make", *runs, "--out", str(pool))
    assert done.returncode == 0, done.stderr

    def first(record):
        return None if record["refused"] or not record["citations"] else record["citations"][0]["clause_id"]

    by_config = {c: {r["id"]: r for r in results[c]} for c in CONFIGS}
    differing = [qid for qid in by_config["bm25"]
                 if len({(by_config[c][qid]["refused"], first(by_config[c][qid])) for c in CONFIGS}) > 1]
    assert differing, "the two runs answer every question alike: nothing to pool"
    judge = json.loads((pool / "judge.json").read_text(encoding="utf-8"))
    assert [q["question_id"] for q in judge["questions"]] == differing
    text = json.dumps(judge, ensure_ascii=False)
    assert "relevant" not in text and "results-" not in text  # the judge sees neither labels nor runs
    key = json.loads((pool / "key.json").read_text(encoding="utf-8"))
    for q in judge["questions"]:
        cited = {first(by_config[c][q["question_id"]]) for c in CONFIGS} - {None}
        pooled = {key["tags"][c["tag"]] for c in q["candidates"]}
        assert cited | set(by_config["bm25"][q["question_id"]]["relevant"]) == pooled
        assert all(c["text"] for c in q["candidates"])

    # A judge who agrees with the labels scores each run as the labels do, on the pooled questions.
    verdicts = {tag: "yes" if clause_id in by_config["bm25"][tag.rsplit("#", 1)[0]]["relevant"] else "no"
                for tag, clause_id in key["tags"].items()}
    judgments = pool / "judgments.json"
    judgments.write_text(json.dumps(verdicts), encoding="utf-8")
    done = policyqa("eval-pool", "score", str(pool), str(judgments), "--json")
    assert done.returncode == 0, done.stderr
    scores = json.loads(done.stdout)
    assert scores["same"] == len(results["bm25"]) - len(differing)
    for c, run in zip(CONFIGS, runs):
        right = sum(first(by_config[c][q]) in by_config[c][q]["relevant"] if first(by_config[c][q])
                    else not by_config[c][q]["relevant"] for q in differing)
        assert scores["runs"][run] == {"pooled": len(differing), "judged_right": right, "labelled_right": right}

    # Hostile or mismatched input: a clear message, never a traceback; an existing pool is not overwritten.
    verdicts.pop(next(iter(verdicts)))
    judgments.write_text(json.dumps(verdicts), encoding="utf-8")
    done = policyqa("eval-pool", "score", str(pool), str(judgments))
    assert done.returncode == 2 and "not judged" in done.stderr and "Traceback" not in done.stderr
    judgments.write_text(json.dumps({**verdicts, "seed-999#1": "yes"}), encoding="utf-8")
    done = policyqa("eval-pool", "score", str(pool), str(judgments))
    assert done.returncode == 2 and "does not have" in done.stderr
    judgments.write_text(json.dumps(judge["questions"]), encoding="utf-8")  # the judge's file given back as is
    done = policyqa("eval-pool", "score", str(pool), str(judgments))
    assert done.returncode == 2 and "JSON object" in done.stderr and "Traceback" not in done.stderr
    done = policyqa("eval-pool", "make", *runs, "--out", str(pool))
    assert done.returncode == 2 and "not an empty folder" in done.stderr
    assert json.loads((pool / "key.json").read_text(encoding="utf-8")) == key
    done = policyqa("eval-pool", "make", runs[0], runs[0], "--out", str(out / "pool2"))
    assert done.returncode == 2 and "different runs" in done.stderr and not (out / "pool2").exists()
    done = policyqa("eval-pool", "make", runs[0], f"{subset}@{bundled_index_dir}", "--out", str(out / "pool2"))
    assert done.returncode == 2 and "not a results file" in done.stderr and "Traceback" not in done.stderr
