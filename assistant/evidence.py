"""Ranking and answer-or-refuse: the retrieved clauses reordered by the fitted ranker, and the probability that
the best of them answers the question, with the reason when it does not."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from policyqa.index import Hit, Index

from .analysis import QueryAnalysis
from .features import Candidates, candidates, question_features
from .ranker import RankerModel

RANKED = 10  # retrieved clauses the ranker reorders; those after them keep the retrieval's order
# Why the evidence does not answer, by the feature that weighed most against answering.
REASONS = {
    "top_figure_unstated": "问题问的数字或时限，最相关的条款没有写明 (asks for a figure the evidence does not state)",
    "top_required_figure_unstated": "问题问的金额、比例或上限，最相关的条款没有写明 (asks for an amount, share or "
                                    "limit the evidence does not state)",
    "top_things_missing": "问题问的具体事项，最相关的条款没有提到 (asks for something the evidence does not name)",
    "top_kind_mismatch": "问题问的机构类型与条款规定的不同 (asks about another kind of institution)",
    "top_province_missing": "问题问的地方，已加载的文件没有涉及 (asks about a place the evidence does not cover)",
    "unnamed_thing": "问题提到的税种、证件、假期或款项，已加载的文件都没有提到 (names something no loaded document names)",
    "unloaded_place": "问题问的地方，已加载的文件都没有提到 (asks about a place no loaded document names)",
    "dense_best": "没有语义上足够接近的条款 (no clause is close in meaning)",
    "coverage_top3": "最相关的条款只涉及问题的一部分 (the evidence covers little of the question)",
    "top_coverage": "最相关的条款只涉及问题的一部分 (the evidence covers little of the question)",
}
NO_CLOSE_CLAUSE = "no clause retrieved"
GENERIC_REASON = "证据不足以回答 (the evidence is too weak to answer)"


@dataclass(frozen=True)
class RankedEvidence:
    hits: list[Hit]  # best first
    scores: list[float]  # the ranker's score of each hit
    candidates: Candidates
    order: np.ndarray  # candidates' positions in ranked order
    probability: float  # that the best hit answers
    threshold: float
    fitted_threshold: bool  # whether the threshold was fitted for this index's embedder
    answerable: bool
    reason: str
    question_row: np.ndarray

    def trace(self, model: RankerModel, shown: int = 5) -> dict:
        ranking = []
        for position, (hit, score) in enumerate(zip(self.hits[:shown], self.scores[:shown], strict=False)):
            row = self.candidates.rows[self.order[position]] if position < len(self.order) else None
            ranking.append({
                "clause_id": hit.clause.clause_id, "score": round(score, 4),
                "retrieval_rank": int(self.order[position]) + 1 if position < len(self.order) else None,
                "fused": round(hit.score, 4),
                "why": model.ranking.explain(model.ranking.without(row, self.candidates.absent))
                if row is not None else [],
            })
        return {
            "ranking": ranking,
            "decision": {"answerable": self.answerable, "probability": round(self.probability, 4),
                         "threshold": round(self.threshold, 4), "threshold_fitted_for_embedder": self.fitted_threshold,
                         "reason": self.reason, "why": model.answerable.explain(self.question_row, top=5)},
        }


def rank_evidence(analysis: QueryAnalysis, hits: list[Hit], index: Index, model: RankerModel) -> RankedEvidence:
    """``hits`` reordered by the ranker (the first :data:`RANKED`), with the answer-or-refuse decision."""
    threshold, fitted = model.threshold(index.manifest.get("embedder", {}).get("name", ""))
    head, tail = hits[:RANKED], hits[RANKED:]
    found = candidates(analysis, head, index)
    if not head:
        return RankedEvidence([], [], found, np.zeros(0, dtype=int), 0.0, threshold, fitted, False,
                              NO_CLOSE_CLAUSE, np.zeros(0))
    rows = model.ranking.without(found.rows, found.absent)
    scores = model.ranking.score(rows)
    order = np.argsort(-scores, kind="stable")
    row = model.answerable.without(question_features(found, order, scores[order]), found.absent)
    probability = model.probability(row)
    answerable = probability >= threshold
    return RankedEvidence(
        hits=[head[i] for i in order] + tail,
        scores=[float(scores[i]) for i in order] + [float("-inf")] * len(tail),
        candidates=found, order=order, probability=probability, threshold=threshold, fitted_threshold=fitted,
        answerable=answerable, reason="evidence found" if answerable else refusal_reason(model, row),
        question_row=row)


def refusal_reason(model: RankerModel, row: np.ndarray) -> str:
    """The reason named by the feature that weighed most against answering."""
    for part in sorted(model.answerable.explain(row, top=len(row)), key=lambda p: p["contribution"]):
        if part["contribution"] >= 0:
            break
        if part["feature"] in REASONS:
            return REASONS[part["feature"]]
    return GENERIC_REASON
