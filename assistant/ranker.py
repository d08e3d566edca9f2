"""The fitted ranker: which retrieved clause answers first, and whether the evidence answers at all.

Two linear models over :mod:`policyqa.assistant.features`, fitted by ``policyqa train-ranker`` on labelled question
sets and shipped as JSON (``ranker_model.json`` beside this module, with its manifest: features, training sets,
date, package version, cross-validation scores):

- ``ranking`` scores each candidate clause (pairwise logistic regression: a relevant clause should outscore an
  irrelevant one of the same question);
- ``answerable`` gives the probability that the best-ranked evidence answers the question (logistic regression on
  the evidence's features, Platt-calibrated on cross-validation folds); below ``threshold`` the answer is refused.
  The threshold is stored per embedder, since dense cosines are on each model's own scale.

Both are plain weighted sums, so every decision can be explained feature by feature (:meth:`LinearModel.explain`).
Fitting lives in :mod:`policyqa.eval.fitting`; this module only reads and applies a fitted model.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from policyqa.corpus.errors import UserError

from .features import CANDIDATE_FEATURES, QUESTION_FEATURES

DEFAULT_MODEL = Path(__file__).with_name("ranker_model.json")
MODEL_FORMAT = 1


@dataclass(frozen=True)
class LinearModel:
    """``bias + weights · (x − mean) / scale``; features named so a model cannot be applied to the wrong columns."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float = 0.0

    def score(self, rows: np.ndarray) -> np.ndarray:
        return ((rows - self.mean) / self.scale) @ self.weights + self.bias

    def without(self, rows: np.ndarray, absent: frozenset[str]) -> np.ndarray:
        """``rows`` with the ``absent`` features at the mean they were fitted on, so they move no score: a search
        mode that computes no dense signal (bm25) is scored on what it has, not on zeros the model never saw."""
        columns = [i for i, name in enumerate(self.features) if name in absent]
        if not columns:
            return rows
        rows = np.array(rows, dtype=np.float64, copy=True)
        rows[..., columns] = self.mean[columns]
        return rows

    def explain(self, row: np.ndarray, top: int = 4) -> list[dict]:
        """The features that moved this row's score most (contribution = weight × standardised value)."""
        parts = ((row - self.mean) / self.scale) * self.weights
        order = np.argsort(-np.abs(parts))[:top]
        return [{"feature": self.features[i], "value": round(float(row[i]), 4),
                 "contribution": round(float(parts[i]), 4)} for i in order if abs(parts[i]) > 1e-6]

    def to_dict(self) -> dict:
        return {"features": list(self.features), "mean": self.mean.round(8).tolist(),
                "scale": self.scale.round(8).tolist(), "weights": self.weights.round(8).tolist(),
                "bias": round(float(self.bias), 8)}

    @classmethod
    def from_dict(cls, data: dict, expected: tuple[str, ...]) -> "LinearModel":
        if tuple(data["features"]) != expected:
            raise UserError("排序模型的特征与当前版本不符，请用 `policyqa train-ranker` 重新训练 "
                            "(the ranker model's features differ from this version's; retrain it)")
        return cls(tuple(data["features"]), np.asarray(data["mean"], dtype=np.float64),
                   np.asarray(data["scale"], dtype=np.float64), np.asarray(data["weights"], dtype=np.float64),
                   float(data.get("bias", 0.0)))


@dataclass(frozen=True)
class RankerModel:
    ranking: LinearModel
    answerable: LinearModel
    calibration: tuple[float, float]  # Platt scaling of the answerable logit: p = σ(a·logit + b)
    thresholds: dict[str, float]  # per embedder name: refuse below this probability
    manifest: dict = field(default_factory=dict)

    def probability(self, question_row: np.ndarray) -> float:
        a, b = self.calibration
        return float(1.0 / (1.0 + np.exp(-(a * self.answerable.score(question_row[None, :])[0] + b))))

    def threshold(self, embedder: str) -> tuple[float, bool]:
        """The refusal threshold for ``embedder``, and whether it was fitted for it (else the first one's)."""
        if embedder in self.thresholds:
            return self.thresholds[embedder], True
        return next(iter(self.thresholds.values())), False

    def to_dict(self) -> dict:
        return {"format": MODEL_FORMAT, "manifest": self.manifest, "ranking": self.ranking.to_dict(),
                "answerable": self.answerable.to_dict(), "calibration": list(self.calibration),
                "thresholds": self.thresholds}

    def save(self, path: Path) -> None:
        """Written to a temporary file beside ``path`` and renamed over it: never half-written."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.to_dict(), f, ensure_ascii=False, indent=1)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path | None = None) -> "RankerModel":
        """``path``, else ``$POLICYQA_RANKER``, else the model shipped with the package."""
        path = Path(path or os.environ.get("POLICYQA_RANKER") or DEFAULT_MODEL)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserError(f"找不到排序模型 {path} (ranker model not found: {path})") from None
        except (OSError, ValueError) as exc:
            raise UserError(f"排序模型无法读取 {path} (unreadable ranker model: {exc})") from None
        if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
            raise UserError(f"排序模型格式不符 {path} (ranker model format is not {MODEL_FORMAT}; retrain it)")
        try:
            return cls(LinearModel.from_dict(data["ranking"], CANDIDATE_FEATURES),
                       LinearModel.from_dict(data["answerable"], QUESTION_FEATURES),
                       (float(data["calibration"][0]), float(data["calibration"][1])),
                       {str(k): float(v) for k, v in data["thresholds"].items()}, data.get("manifest", {}))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise UserError(f"排序模型不完整 {path} (incomplete ranker model: {exc!r})") from None
