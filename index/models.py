"""Records returned by retrieval."""
from __future__ import annotations

from dataclasses import dataclass, field

from policyqa.corpus.models import Clause

SEARCH_MODES: tuple[str, ...] = ("hybrid", "bm25", "dense")


@dataclass(frozen=True)
class Hit:
    """One retrieved citable clause with its fused score.

    ``related`` holds the clauses linked to it (an annex task row and the article it restates),
    returned together with it.
    """

    clause: Clause
    score: float
    dense_score: float = 0.0  # best passage cosine; the evidence check reads it
    related: tuple[Clause, ...] = field(default=())
    # The fused signals, raw and as standard scores over the question's candidates (bm25, bm25_z, window,
    # window_z, clause, clause_z), for the assistant's ranker; empty for a clause that was not retrieved.
    signals: dict[str, float] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict:
        data = self.clause.to_dict()
        data["score"] = round(float(self.score), 6)
        data["related"] = [c.clause_id for c in self.related]
        return data
