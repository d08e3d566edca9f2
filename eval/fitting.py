"""Fitting the ranker's two linear models (:mod:`policyqa.assistant.ranker`) on labelled examples: L2-regularised
logistic regression by Newton's method, pairwise for the ranking, Platt scaling and the refusal threshold."""
from __future__ import annotations

import numpy as np

from policyqa.assistant.features import CANDIDATE_FEATURES, QUESTION_FEATURES
from policyqa.assistant.ranker import LinearModel


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, intercept: bool = True,
                 iterations: int = 50) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method (x already standardised); returns weights, bias."""
    n, d = x.shape
    design = np.hstack([x, np.ones((n, 1))]) if intercept else x
    w = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    if intercept:
        penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ w, -30, 30)))
        gradient = design.T @ (p - y) + penalty * w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return (w[:-1], float(w[-1])) if intercept else (w, 0.0)


def standardiser(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    return mean, np.where(scale > 1e-9, scale, 1.0)


def fit_ranking(groups: list[tuple[np.ndarray, np.ndarray]], l2: float = 1.0) -> LinearModel:
    """Pairwise: for each question, every (relevant, irrelevant) pair of its candidates ``(rows, labels)``."""
    mean, scale = standardiser(np.vstack([rows for rows, _ in groups]))
    diffs = []
    for rows, labels in groups:
        z = (rows - mean) / scale
        good, bad = z[labels > 0], z[labels <= 0]
        if len(good) and len(bad):
            diffs.append((good[:, None, :] - bad[None, :, :]).reshape(-1, z.shape[1]))
    pairs = np.vstack(diffs)
    x = np.vstack([pairs, -pairs])
    y = np.concatenate([np.ones(len(pairs)), np.zeros(len(pairs))])
    weights, _ = fit_logistic(x, y, l2=l2, intercept=False)
    return LinearModel(CANDIDATE_FEATURES, mean, scale, weights)


def fit_answerable(rows: np.ndarray, labels: np.ndarray, l2: float = 1.0) -> LinearModel:
    mean, scale = standardiser(rows)
    weights, bias = fit_logistic((rows - mean) / scale, labels.astype(np.float64), l2=l2)
    return LinearModel(QUESTION_FEATURES, mean, scale, weights, bias)


def fit_platt(logits: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Platt scaling of out-of-fold logits: p = σ(a·logit + b)."""
    w, b = fit_logistic(logits[:, None], labels.astype(np.float64), l2=1e-3)
    return float(w[0]), b


def choose_threshold(probabilities: np.ndarray, answerable: np.ndarray, max_false_refusals: float) -> float:
    """The highest threshold (most refusals) that refuses at most ``max_false_refusals`` of the answerable
    questions: the refusals it buys are of questions the evidence does not answer."""
    answerable_p = np.sort(probabilities[answerable > 0])
    if not len(answerable_p):
        return 0.5
    allowed = int(np.floor(max_false_refusals * len(answerable_p)))
    # Refusing below t refuses the answerable questions with p < t: at most ``allowed`` of them.
    return float(answerable_p[allowed]) if allowed < len(answerable_p) else 1.0
