"""BM25 (bm25s, Lucene variant) over jieba tokens."""
from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np


def build_bm25(token_lists: list[list[str]]) -> bm25s.BM25:
    model = bm25s.BM25(k1=1.2, b=0.75)
    # bm25s cannot index an empty vocabulary; a placeholder token keeps empty clauses indexable.
    model.index([tokens or ["\u2205"] for tokens in token_lists], show_progress=False)
    return model


def save_bm25(model: bm25s.BM25, folder: Path) -> None:
    model.save(str(folder), show_progress=False)


def load_bm25(folder: Path) -> bm25s.BM25:
    return bm25s.BM25.load(str(folder), show_progress=False)


def bm25_scores(model: bm25s.BM25, query_tokens: list[str]) -> np.ndarray:
    """Scores of every clause for the query (zeros when no query term is in the vocabulary)."""
    known = [t for t in query_tokens if t in model.vocab_dict]
    if not known:
        return np.zeros(model.scores["num_docs"], dtype=np.float32)
    return np.asarray(model.get_scores(known), dtype=np.float32)


def top_positive(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest positive scores, ties at the cut broken by the lower index — what a stable
    sort of every score would keep — by a partial sort of the clauses that hold a query term (O(n))."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) <= k:
        return positive
    values = scores[positive]
    threshold = values[np.argpartition(values, len(values) - k)[len(values) - k]]
    above = positive[values > threshold]
    return np.concatenate([above, positive[values == threshold][:k - len(above)]])


def document_frequencies(model: bm25s.BM25) -> dict[str, int]:
    """How many clauses contain each indexed term (the column lengths of bm25s' sparse score matrix)."""
    counts = np.diff(model.scores["indptr"])
    # bm25s keeps an empty-string entry past the last column; it names no term.
    return {term: int(counts[i]) for term, i in model.vocab_dict.items() if i < len(counts)}
