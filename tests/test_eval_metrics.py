"""Every evaluation metric on a tiny example computed by hand (values in the comments)."""
from __future__ import annotations

from math import log2

import pytest

from policyqa.eval.metrics import (
    answer_metrics,
    hit_at,
    latency_metrics,
    ndcg_at,
    percentile,
    recall_at,
    reciprocal_rank,
    retrieval_metrics,
    summarize,
)
from policyqa.eval.questions import Question
from policyqa.eval.results import CitedClause, QuestionResult


def _result(qid, relevant, ranking=(), refused=False, cites=(), qtype="t", search_ms=0.0, ask_ms=0.0):
    """``cites``: clause ids; an id ending in "!" is cited with a quote that is not verbatim."""
    citations = tuple(CitedClause(c.rstrip("!"), "quote", not c.endswith("!")) for c in cites)
    return QuestionResult(
        question=Question(qid, f"question {qid}", tuple(relevant), qtype), ranking=tuple(ranking),
        scores=tuple(1.0 / (i + 1) for i in range(len(ranking))), refused=refused,
        answer="refused" if refused else "answer", citations=citations, search_ms=search_ms, ask_ms=ask_ms)


# Retrieval: three answerable questions and one unanswerable (which retrieval metrics ignore).
RETRIEVAL = [
    _result("q1", ["a", "b"], ["x", "a", "y", "b", "z"], qtype="t1"),  # relevant at ranks 2 and 4
    _result("q2", ["c"], ["c", "d"], qtype="t1"),                      # relevant at rank 1
    _result("q3", ["e"], ["f", "g", "h"], qtype="t2"),                 # relevant not retrieved
    _result("q4", [], ["a"], qtype="unanswerable"),
]
NDCG_Q1 = (1 / log2(3) + 1 / log2(5)) / (1 + 1 / log2(3))  # DCG of ranks 2 and 4 / ideal DCG of ranks 1 and 2


def test_per_question_retrieval_metrics():
    ranking, relevant = ["x", "a", "y", "b", "z"], ["a", "b"]
    assert [recall_at(ranking, relevant, k) for k in (1, 2, 3, 4, 10)] == [0.0, 0.5, 0.5, 1.0, 1.0]
    assert reciprocal_rank(ranking, relevant) == 0.5
    assert reciprocal_rank(ranking, relevant, k=1) == 0.0
    assert [hit_at(ranking, relevant, k) for k in (1, 2, 5)] == [0.0, 1.0, 1.0]
    assert ndcg_at(ranking, relevant) == pytest.approx(NDCG_Q1)
    assert ndcg_at(ranking, relevant) == pytest.approx(0.6509209298)
    assert ndcg_at(["c", "d"], ["c"]) == 1.0
    # cut-off: relevant "b" at rank 4 falls outside k=3; the ideal is still two relevant clauses
    assert ndcg_at(ranking, relevant, k=3) == pytest.approx((1 / log2(3)) / (1 + 1 / log2(3)))
    assert ndcg_at(["f"], ["e"]) == 0.0


def test_retrieval_means_over_answerable_questions():
    m = retrieval_metrics(RETRIEVAL)
    assert m["hit@1"] == pytest.approx((0 + 1 + 0) / 3) and m["hit@5"] == pytest.approx((1 + 1 + 0) / 3)
    assert m["recall@1"] == pytest.approx((0 + 1 + 0) / 3)
    assert m["recall@3"] == pytest.approx((0.5 + 1 + 0) / 3)
    assert m["recall@5"] == pytest.approx((1 + 1 + 0) / 3)
    assert m["recall@10"] == pytest.approx((1 + 1 + 0) / 3)
    assert m["mrr@10"] == pytest.approx((0.5 + 1 + 0) / 3)
    assert m["ndcg@10"] == pytest.approx((NDCG_Q1 + 1 + 0) / 3)


def test_retrieval_metrics_match_ir_measures_on_the_example():
    import ir_measures
    from ir_measures import RR, Qrel, R, ScoredDoc, Success, nDCG

    qrels = [Qrel(r.question.id, cid, 1) for r in RETRIEVAL for cid in r.question.relevant]
    run = [ScoredDoc(r.question.id, cid, s) for r in RETRIEVAL for cid, s in zip(r.ranking, r.scores)]
    names = {Success @ 1: "hit@1", Success @ 5: "hit@5", R @ 1: "recall@1", R @ 3: "recall@3", R @ 5: "recall@5",
             R @ 10: "recall@10", RR @ 10: "mrr@10", nDCG @ 10: "ndcg@10"}
    theirs = ir_measures.calc_aggregate(list(names), qrels, run)
    assert {names[m]: v for m, v in theirs.items()} == pytest.approx(retrieval_metrics(RETRIEVAL))


# Answers: four answerable questions, four unanswerable ones.
ANSWERS = [
    _result("q1", ["a", "b"], cites=["a", "x!", "b", "a"]),  # first right; 3 of 4 citations relevant; x not verbatim
    _result("q2", ["c"], cites=["d", "c"]),                  # first wrong; 1 of 2 relevant
    _result("q3", ["e"], refused=True),                      # false refusal
    _result("q9", ["h"], cites=["h", "i"]),                  # first right; 1 of 2 relevant
    _result("q4", [], refused=True, qtype="unanswerable"),   # right refusal
    _result("q5", [], cites=["a"], qtype="unanswerable"),    # answered an unanswerable question
    _result("q6", [], refused=True, qtype="unanswerable"),   # right refusal
    _result("q7", [], cites=["z!"], qtype="unanswerable"),   # answered, and the quote is not verbatim
    _result("q10", [], refused=True, qtype="unanswerable"),  # right refusal
]


def test_answer_metrics():
    m = answer_metrics(ANSWERS)
    assert m["first_citation_accuracy"] == 2 / 4   # q1, q9 of q1, q2, q3, q9
    assert m["citation_precision"] == 5 / 8        # a, b, a (q1) + c (q2) + h (q9) of 4 + 2 + 2 emitted
    assert m["citation_recall"] == 3 / 4           # q1, q2, q9 cite at least one relevant clause
    assert m["refusal_recall"] == 3 / 5            # q4, q6, q10 of five unanswerable
    assert m["refusal_precision"] == 3 / 4         # q4, q6, q10 of the four refusals (q3 too)
    assert m["false_refusal_rate"] == 1 / 4        # q3
    assert m["verbatim_quote_rate"] == 8 / 10      # all 10 citations but x (q1) and z (q7)


def test_undefined_answer_metrics_are_none():
    only_answered = [_result("q1", ["a"], cites=["b"])]
    m = answer_metrics(only_answered)
    assert m["refusal_recall"] is None and m["refusal_precision"] is None
    assert m["first_citation_accuracy"] == 0.0 and m["citation_precision"] == 0.0
    m = answer_metrics([_result("q4", [], refused=True)])
    assert m["first_citation_accuracy"] is None and m["citation_precision"] is None
    assert m["verbatim_quote_rate"] is None and m["false_refusal_rate"] is None
    assert m["refusal_recall"] == 1.0 and m["refusal_precision"] == 1.0
    assert retrieval_metrics([_result("q4", [], ["a"])])["ndcg@10"] is None


def test_failures():
    assert [r.failure() for r in ANSWERS] == [
        None, "wrong_first_citation", "false_refusal", None, None, "answered_unanswerable", None,
        "answered_unanswerable", None]
    assert [r.first_relevant_rank() for r in RETRIEVAL] == [2, 1, None, None]


def test_latency_percentiles():
    assert percentile([10, 20, 30, 40], 50) == 25.0
    assert percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)  # 30 + 0.85 · (40 − 30)
    assert percentile([], 50) is None
    results = [_result(f"q{i}", ["a"], search_ms=s, ask_ms=a) for i, (s, a) in enumerate([(1, 10), (3, 30), (2, 20)])]
    assert latency_metrics(results) == pytest.approx({
        "latency_search_p50_ms": 2.0, "latency_search_p95_ms": 2.9,
        "latency_ask_p50_ms": 20.0, "latency_ask_p95_ms": 29.0})


def test_summary_breaks_down_by_type():
    s = summarize(RETRIEVAL)
    assert (s["questions"], s["answerable"], s["unanswerable"]) == (4, 3, 1)
    assert set(s["by_type"]) == {"t1", "t2", "unanswerable"}
    t1 = s["by_type"]["t1"]
    assert t1["recall@1"] == 0.5 and t1["mrr@10"] == 0.75 and t1["ndcg@10"] == pytest.approx((NDCG_Q1 + 1) / 2)
    assert s["by_type"]["t2"]["recall@10"] == 0.0
    assert s["by_type"]["unanswerable"]["ndcg@10"] is None
    assert "latency_ask_p50_ms" in s and "latency_ask_p50_ms" not in t1
