"""Retrieval, answer and latency metrics (definitions in eval/README.md).

Retrieval metrics follow trec_eval's definitions (binary relevance) so that ``trec_eval -c``, ir_measures and
ranx give the same numbers from our TREC run files. A metric whose denominator is zero is ``None``.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .results import QuestionResult

RECALL_KS = (1, 3, 5, 10)
HIT_KS = (1, 5)
CUTOFF = 10
RETRIEVAL_KEYS = (tuple(f"hit@{k}" for k in HIT_KS) + tuple(f"recall@{k}" for k in RECALL_KS)
                  + (f"mrr@{CUTOFF}", f"ndcg@{CUTOFF}"))
ANSWER_KEYS = ("first_citation_accuracy", "citation_precision", "citation_recall", "refusal_precision",
               "refusal_recall", "false_refusal_rate", "verbatim_quote_rate")
LATENCY_KEYS = ("latency_search_p50_ms", "latency_search_p95_ms", "latency_ask_p50_ms", "latency_ask_p95_ms")


def recall_at(ranking: Sequence[str], relevant: Sequence[str], k: int) -> float:
    """Share of the relevant clauses found in the first ``k`` results."""
    return len(set(ranking[:k]) & set(relevant)) / len(set(relevant))


def hit_at(ranking: Sequence[str], relevant: Sequence[str], k: int) -> float:
    """1 if any relevant clause is among the first ``k`` results (trec_eval's success@k), else 0."""
    return float(bool(set(ranking[:k]) & set(relevant)))


def reciprocal_rank(ranking: Sequence[str], relevant: Sequence[str], k: int = CUTOFF) -> float:
    """1 / rank of the first relevant clause within the first ``k`` results, else 0."""
    relevant = set(relevant)
    return next((1.0 / i for i, cid in enumerate(ranking[:k], 1) if cid in relevant), 0.0)


def ndcg_at(ranking: Sequence[str], relevant: Sequence[str], k: int = CUTOFF) -> float:
    """Binary-gain nDCG: sum of 1/log2(rank+1) over relevant results in the top ``k``, over the ideal sum."""
    relevant = set(relevant)
    dcg = sum(1.0 / math.log2(i + 1) for i, cid in enumerate(ranking[:k], 1) if cid in relevant)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(relevant), k) + 1))
    return dcg / ideal


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def retrieval_metrics(results: Sequence[QuestionResult]) -> dict[str, float | None]:
    """Means over the answerable questions."""
    answerable = [r for r in results if r.question.answerable]
    metrics: dict[str, float | None] = {
        f"hit@{k}": _mean([hit_at(r.ranking, r.question.relevant, k) for r in answerable]) for k in HIT_KS}
    metrics |= {
        f"recall@{k}": _mean([recall_at(r.ranking, r.question.relevant, k) for r in answerable]) for k in RECALL_KS}
    metrics[f"mrr@{CUTOFF}"] = _mean([reciprocal_rank(r.ranking, r.question.relevant) for r in answerable])
    metrics[f"ndcg@{CUTOFF}"] = _mean([ndcg_at(r.ranking, r.question.relevant) for r in answerable])
    return metrics


def answer_metrics(results: Sequence[QuestionResult]) -> dict[str, float | None]:
    answerable = [r for r in results if r.question.answerable]
    unanswerable = [r for r in results if not r.question.answerable]
    answered = [r for r in answerable if not r.refused]
    first_right = sum(1 for r in answered if r.citations and r.citations[0].clause_id in r.question.relevant)
    cited = [(c.clause_id, r.question.relevant) for r in answerable for c in r.citations]
    any_relevant = sum(1 for r in answerable if set(r.cited_ids) & set(r.question.relevant))
    refused_unanswerable = sum(1 for r in unanswerable if r.refused)
    refused_total = sum(1 for r in results if r.refused)
    quotes = [c.verbatim for r in results for c in r.citations]
    return {
        "first_citation_accuracy": _ratio(first_right, len(answerable)),
        "citation_precision": _ratio(sum(1 for cid, rel in cited if cid in rel), len(cited)),
        "citation_recall": _ratio(any_relevant, len(answerable)),
        "refusal_precision": _ratio(refused_unanswerable, refused_total),
        "refusal_recall": _ratio(refused_unanswerable, len(unanswerable)),
        "false_refusal_rate": _ratio(len(answerable) - len(answered), len(answerable)),
        "verbatim_quote_rate": _ratio(sum(quotes), len(quotes)),
    }


def percentile(values: Sequence[float], q: float) -> float | None:
    """numpy's default (linear interpolation between closest ranks)."""
    return float(np.percentile(values, q)) if len(values) else None


def latency_metrics(results: Sequence[QuestionResult]) -> dict[str, float | None]:
    search = [r.search_ms for r in results]
    ask = [r.ask_ms for r in results]
    return {
        "latency_search_p50_ms": percentile(search, 50),
        "latency_search_p95_ms": percentile(search, 95),
        "latency_ask_p50_ms": percentile(ask, 50),
        "latency_ask_p95_ms": percentile(ask, 95),
    }


def counts(results: Sequence[QuestionResult]) -> dict[str, int]:
    return {
        "questions": len(results),
        "answerable": sum(1 for r in results if r.question.answerable),
        "unanswerable": sum(1 for r in results if not r.question.answerable),
        "refused": sum(1 for r in results if r.refused),
        "citations": sum(len(r.citations) for r in results),
        "failed": sum(1 for r in results if r.failure()),
    }


def summarize(results: Sequence[QuestionResult]) -> dict:
    """All metrics of one configuration, overall and per question type (latency overall only)."""
    summary: dict = {**counts(results), **retrieval_metrics(results), **answer_metrics(results),
                     **latency_metrics(results)}
    by_type: dict[str, list[QuestionResult]] = {}
    for r in results:
        by_type.setdefault(r.question.type, []).append(r)
    summary["by_type"] = {t: {**counts(rs), **retrieval_metrics(rs), **answer_metrics(rs)}
                          for t, rs in sorted(by_type.items())}
    return summary
