"""Decide whether the retrieved evidence can answer the question at all.

Calibrated on eval/seed_questions.jsonl (thresholds below; see README "Answers"): the answer is
refused when no clause is semantically close to the question, or when the question asks for a
figure (多少、几天、什么时候…) that the best evidence sentences do not contain.
"""
from __future__ import annotations

from dataclasses import dataclass

from index.models import Hit
from index.tokenizer import PolicyTokenizer

from .extractive import best_sentences, figure_pattern, term_weights

DENSE_FLOOR = 0.875    # best clause cosine (multilingual-e5-small) below this: nothing close enough
FIGURE_COVERAGE = 0.9  # a question asking for a figure the evidence lacks is refused below this term coverage


@dataclass(frozen=True)
class EvidenceCheck:
    answerable: bool
    dense: float
    coverage: float
    reason: str


def check_evidence(question: str, hits: list[Hit], tokenizer: PolicyTokenizer) -> EvidenceCheck:
    if not hits:
        return EvidenceCheck(False, 0.0, 0.0, "no evidence")
    dense = max(h.dense_score for h in hits[:3])
    weights = term_weights(question, tokenizer)
    evidence_terms: set[str] = set()
    for hit in hits[:3]:
        evidence_terms |= tokenizer.terms(hit.clause.text)
    total = sum(weights.values())
    coverage = sum(w for t, w in weights.items() if t in evidence_terms) / total if total else 1.0

    def result(ok: bool, reason: str) -> EvidenceCheck:
        return EvidenceCheck(ok, dense, coverage, reason)

    figure = figure_pattern(question)
    if figure is not None and coverage < FIGURE_COVERAGE:
        top = best_sentences(hits[0], weights, tokenizer, figure)[:2]
        if not any(figure.search(s.sentence) for s in top):
            return result(False, "asks for a figure the evidence does not state")
    if dense and dense < DENSE_FLOOR:
        return result(False, "no close clause")
    return result(True, "evidence found")
