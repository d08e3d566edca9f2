"""Reciprocal-rank fusion of the BM25 and dense rankings.

Parameters chosen on eval/seed_questions.jsonl (see README, "Retrieval"): k=60 damps the
difference between adjacent ranks; BM25 and dense get the weights below.
"""
from __future__ import annotations

from dataclasses import dataclass

RRF_K = 60
BM25_WEIGHT = 1.0
DENSE_WEIGHT = 1.0
CANDIDATES = 100


@dataclass(frozen=True)
class Fused:
    clause: int
    score: float
    bm25_rank: int | None
    dense_rank: int | None


def reciprocal_rank_fusion(bm25_ranking: list[int], dense_ranking: list[int], k: int = RRF_K,
                           bm25_weight: float = BM25_WEIGHT, dense_weight: float = DENSE_WEIGHT) -> list[Fused]:
    """Fuse two rankings of clause indices (best first); ranks in the result are 1-based."""
    bm25_pos = {c: r for r, c in enumerate(bm25_ranking, 1)}
    dense_pos = {c: r for r, c in enumerate(dense_ranking, 1)}
    fused = []
    for c in bm25_pos.keys() | dense_pos.keys():
        br, dr = bm25_pos.get(c), dense_pos.get(c)
        score = (bm25_weight / (k + br) if br else 0.0) + (dense_weight / (k + dr) if dr else 0.0)
        fused.append(Fused(c, score, br, dr))
    fused.sort(key=lambda f: (-f.score, min(f.bm25_rank or 10**9, f.dense_rank or 10**9), f.clause))
    return fused
