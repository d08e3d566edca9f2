"""BM25 (bm25s, Lucene variant) over jieba tokens."""
from __future__ import annotations

import json
from itertools import chain
from pathlib import Path

import bm25s
import numpy as np


K1, B = 1.2, 0.75


def build_bm25(token_lists: list[list[str]]) -> bm25s.BM25:
    """The bm25s model (Lucene BM25) of the token lists, its score matrix computed with whole-array operations:
    the same arrays as ``bm25s.BM25.index`` (tests/test_index.py), which loops over clauses in Python, in about
    half its time (20,049 law clauses on the loaded 2-core VM: 2.2–3.6 s against 4.4–7.5 s; every write of a
    living index rebuilds BM25)."""
    # bm25s cannot index an empty vocabulary; a placeholder token keeps empty clauses indexable.
    docs = [tokens or ["\u2205"] for tokens in token_lists]
    flat = list(chain.from_iterable(docs))
    vocab = {term: i for i, term in enumerate(dict.fromkeys(flat))}
    ids = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    n_docs, n_vocab = len(docs), len(vocab)
    pairs, tf = np.unique(np.repeat(np.arange(n_docs, dtype=np.int64), lengths) * n_vocab + ids, return_counts=True)
    rows, cols = pairs // n_vocab, pairs % n_vocab
    df = np.bincount(cols, minlength=n_vocab)
    idf = np.log(1 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)  # as bm25s: float32 idf, float64 tf part
    scores = (idf[cols] * (tf / (K1 * ((1 - B) + B * lengths[rows] / lengths.mean()) + tf))).astype(np.float32)
    order = np.lexsort((rows, cols))  # compressed sparse columns: by term, then clause
    indptr = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=n_vocab), out=indptr[1:])
    model = bm25s.BM25(k1=K1, b=B)
    model.scores = {"data": scores[order], "indices": rows[order].astype(np.int32), "indptr": indptr,
                    "num_docs": n_docs}
    model.nonoccurrence_array = None
    vocab.setdefault("", n_vocab)  # bm25s' empty token, past the last column
    model.vocab_dict = vocab
    model.unique_token_ids_set = set(vocab.values())
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


class StoredTokens:
    """Each clause's BM25 tokens as the index stored them (``tokens.jsonl``, one JSON array a line), read a line at a
    time from the file when asked: a candidate's terms without segmenting its text again. Only the line offsets are
    held (16 bytes a clause); the file is read, not mapped, so its pages count as cache, not as the process's memory."""

    CHUNK = 1 << 22  # bytes read at a time while finding the line ends

    def __init__(self, path: Path) -> None:
        ends = []
        with path.open("rb") as f:
            at = 0
            while chunk := f.read(self.CHUNK):
                ends.append(np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10) + at)
                at += len(chunk)
        self._path = path
        self._ends = np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64)
        self._starts = np.concatenate(([0], self._ends[:-1] + 1)).astype(np.int64)

    def __len__(self) -> int:
        return len(self._ends)

    def terms(self, position: int) -> frozenset[str]:
        start = int(self._starts[position])
        with self._path.open("rb") as f:
            f.seek(start)
            line = f.read(int(self._ends[position]) - start)
        return frozenset(json.loads(line.decode("utf-8")))
