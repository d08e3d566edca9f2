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

    def to_dict(self) -> dict:
        data = self.clause.to_dict()
        data["score"] = round(float(self.score), 6)
        data["related"] = [c.clause_id for c in self.related]
        return data
