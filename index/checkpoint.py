"""Embeddings checkpointed inside the index folder while a build computes them, so a killed build resumes.

Each batch of new vectors is written as one file (``embedding-checkpoint/NNNNNN.npz``: text hashes and float32
vectors), under a temporary name renamed into place, so a file is either whole or absent. The next write of the
same folder with the same embedder reads them back and embeds only what is missing; the checkpoint is removed
once the new generation is current (:func:`policyqa.index.builder.write_generation`).
"""
from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np

CHECKPOINT_DIR = "embedding-checkpoint"
_META = "embedder.json"


class EmbeddingCheckpoint:
    """The vectors a build of ``index_dir`` has computed so far, by text hash."""

    def __init__(self, index_dir: Path, embedder_name: str, dim: int) -> None:
        self.folder = index_dir / CHECKPOINT_DIR
        self._meta = {"name": embedder_name, "dim": dim}
        self._next = 0

    def load(self) -> dict[str, np.ndarray]:
        """Vectors checkpointed by an earlier build with the same embedder; another embedder's are discarded."""
        if not self.folder.is_dir():
            return {}
        try:
            same = json.loads((self.folder / _META).read_text(encoding="utf-8")) == self._meta
        except (OSError, ValueError):
            same = False
        if not same:
            shutil.rmtree(self.folder, ignore_errors=True)
            return {}
        vectors: dict[str, np.ndarray] = {}
        for path in sorted(self.folder.glob("*.npz")):
            try:
                with np.load(path) as data:
                    hashes, block = data["hashes"], data["vectors"]
            except (OSError, ValueError, KeyError, zipfile.BadZipFile):
                continue  # unreadable (a disk error): those texts are embedded again
            if block.shape == (len(hashes), self._meta["dim"]):
                vectors.update(zip(hashes.tolist(), block))
            self._next = max(self._next, int(path.stem) + 1)
        return vectors

    def add(self, hashes: list[str], vectors: np.ndarray) -> None:
        """Write one batch of new vectors, whole or not at all."""
        if not hashes:
            return
        if not self.folder.is_dir():
            self.folder.mkdir(parents=True)
            (self.folder / _META).write_text(json.dumps(self._meta), encoding="utf-8")
        path = self.folder / f"{self._next:06d}.npz"
        partial = path.with_name(f".{path.name}.partial")
        with partial.open("wb") as f:
            np.savez(f, hashes=np.array(hashes), vectors=np.asarray(vectors, dtype=np.float32))
            f.flush()
            os.fsync(f.fileno())
        partial.replace(path)
        self._next += 1

