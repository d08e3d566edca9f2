"""Score fusion of the lexical and dense signals of one question.

Each signal (BM25 score, best-window cosine, whole-clause cosine) is z-normalised over the question's
candidate clauses, so unbounded BM25 scores and cosines become comparable and a signal that singles out
one clause counts for more than one that barely separates them; the weighted sum is squashed into (0, 1).

Weights chosen on eval/seed_questions.jsonl and eval/dev_questions.jsonl (docs/results.md, "Design choices"): against
reciprocal-rank fusion of BM25 and windows they raised top-1 on the plain-speech dev set from 0.658 to
0.725 and left the seed set unchanged.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from policyqa.corpus.models import Clause

from .models import Hit
from .scope import OUT_OF_SCOPE_PENALTY

CANDIDATES = 100
SUPERSEDED_PENALTY = 0.5  # standard-score units (a text not in force when searched)
WEIGHTS = {"bm25": 0.3, "window": 0.3, "clause": 0.4}


def zscores(values: np.ndarray) -> np.ndarray:
    """Standard scores; all zeros when the values do not vary (nothing to tell apart)."""
    values = np.asarray(values, dtype=np.float64)
    std = values.std()
    return (values - values.mean()) / std if std > 1e-9 else np.zeros_like(values)


def standardised(signals: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each signal with its standard scores beside it (``bm25`` → ``bm25`` and ``bm25_z``)."""
    out: dict[str, np.ndarray] = {}
    for name, values in signals.items():
        out[name] = np.asarray(values, dtype=np.float64)
        out[f"{name}_z"] = zscores(values)
    return out


def fuse(signals: dict[str, np.ndarray], penalty: np.ndarray | None = None,
         weights: dict[str, float] = WEIGHTS) -> np.ndarray:
    """Fused scores in (0, 1) of candidates whose ``signals`` are aligned arrays (any subset of ``weights``).

    ``penalty`` (in standard-score units) is subtracted before squashing, e.g. for superseded versions.
    """
    total = sum(weights[name] for name in signals)
    combined = sum(weights[name] / total * zscores(values) for name, values in signals.items())
    if penalty is not None:
        combined = combined - penalty
    return 1.0 / (1.0 + np.exp(-combined))


def penalties(outdated: np.ndarray | None, outside: np.ndarray | None) -> np.ndarray | None:
    """Per candidate, what its fused score loses: a text not in force, a local rule outside the question's places
    (:mod:`policyqa.index.scope`); None when nothing loses."""
    parts = [weight * mask.astype(np.float64) for weight, mask in ((SUPERSEDED_PENALTY, outdated),
                                                                    (OUT_OF_SCOPE_PENALTY, outside))
             if mask is not None and mask.any()]
    return sum(parts) if parts else None


def fused_hits(cands: np.ndarray, signals: dict[str, np.ndarray], penalty: np.ndarray | None,
               best_window: dict[int, float], k: int, clause_at: Callable[[int], Clause],
               clause_by_id: Callable[[str], Clause | None]) -> list[Hit]:
    """The ``k`` best of the candidate clause positions ``cands`` by fused score (ties: the lower position first),
    as hits carrying their linked clauses and standardised signals. Shared by every backend's ``search``."""
    scores = fuse(signals, penalty)
    features = standardised(signals)
    hits = []
    for i in np.lexsort((cands, -scores))[:k]:
        clause = clause_at(int(cands[i]))
        related = tuple(c for c in (clause_by_id(cid) for cid in clause.links) if c is not None)
        hits.append(Hit(clause=clause, score=float(scores[i]), dense_score=best_window.get(int(cands[i]), 0.0),
                        related=related, signals={name: float(v[i]) for name, v in features.items()}))
    return hits
