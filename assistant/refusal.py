"""Decide whether the retrieved evidence can answer the question at all.

Calibrated on eval/seed_questions.jsonl (thresholds below; see README "Answers"): the answer is
refused when the best clause is semantically far from the question and few of the question's
specific terms occur in the evidence, or when the question asks for a figure that no evidence
sentence contains.
"""
from __future__ import annotations

from dataclasses import dataclass

from index.models import Hit
from index.tokenizer import PolicyTokenizer

from .extractive import NUMBER_RE, QUANTITY_RE, best_sentences, term_weights

DENSE_FLOOR = 0.86   # best clause cosine below this: nothing close enough
Z_NEEDED = 2.7       # best clause this many standard deviations above the corpus background …
COVERAGE_FLOOR = 0.2  # … unless this share of the question's specific terms occurs in the evidence
FIGURE_COVERAGE = 0.9  # a question asking for a figure the evidence lacks is refused below this coverage


@dataclass(frozen=True)
class EvidenceCheck:
    answerable: bool
    dense: float
    dense_z: float
    coverage: float
    reason: str


def check_evidence(question: str, hits: list[Hit], tokenizer: PolicyTokenizer) -> EvidenceCheck:
    if not hits:
        return EvidenceCheck(False, 0.0, 0.0, 0.0, "no evidence")
    dense = max(h.dense_score for h in hits[:3])
    dense_z = max(h.dense_z for h in hits[:3])
    weights = term_weights(question, tokenizer)
    evidence_terms: set[str] = set()
    for hit in hits[:3]:
        evidence_terms.update(tokenizer.tokenize(hit.clause.text))
    total = sum(weights.values())
    coverage = sum(w for t, w in weights.items() if t in evidence_terms) / total if total else 1.0

    def result(ok: bool, reason: str) -> EvidenceCheck:
        return EvidenceCheck(ok, dense, dense_z, coverage, reason)

    if QUANTITY_RE.search(question) and coverage < FIGURE_COVERAGE:
        top = best_sentences(hits[0], weights, tokenizer, True)[:2]
        if not any(NUMBER_RE.search(s.sentence) for s in top):
            return result(False, "asks for a figure the evidence does not state")
    if dense and dense < DENSE_FLOOR:
        return result(False, "no close clause")
    if dense and dense_z < Z_NEEDED and coverage < COVERAGE_FLOOR:
        return result(False, "weak match and question terms missing from evidence")
    return result(True, "evidence found")
