"""Fitting the ranker on labelled question sets, judged by leave-one-set-out cross-validation.

Each question set was written by a different writer; holding one set out at a time and fitting on the others
measures how the ranker does on a writer it has never seen — the honest "as found" estimate. The held-out set is
answered by the real :meth:`Assistant.ask` with that fold's model, so its figures are those ``policyqa eval`` would
print. The shipped model is then fitted on every set; its answer-or-refuse probability is Platt-calibrated on the
out-of-fold scores, and its refusal threshold chosen on them.
"""
from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
from tqdm import tqdm

from policyqa.assistant.evidence import RANKED
from policyqa.assistant.features import CANDIDATE_FEATURES, QUESTION_FEATURES, Candidates, candidates, question_features
from policyqa.assistant.ranker import LinearModel, RankerModel
from policyqa.assistant.service import Assistant
from policyqa.corpus.errors import UserError

from .fitting import choose_threshold, fit_answerable, fit_platt, fit_ranking
from .metrics import answer_metrics
from .questions import Question, read_questions
from .runner import check_relevant, run_question

MAX_FALSE_REFUSALS = 0.005  # the threshold refuses at most this share of answerable training questions
L2 = 1.0  # the ranking model's penalty
# The answer-or-refuse model's: stronger, since it learns from one row per question (not pairs of clauses) and must
# carry over to corpora whose questions it never saw.
ANSWERABLE_L2 = 3.0
REPORTED = ("first_citation_accuracy", "refusal_recall", "false_refusal_rate")


@dataclass(frozen=True)
class QuestionSet:
    name: str
    path: Path
    index: Path | None  # None: the default index
    questions: tuple[Question, ...]
    # Larger indexes holding the set's documents among many others (the whole law corpus): its questions are also
    # read over them to fit the ranking, so the ranker meets the competition a national corpus brings (other
    # provinces' restatements of a law); the set is still held out and judged over ``index`` alone.
    also: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Example:
    """One question as the ranker sees it; ``candidates`` is None when it is settled before ranking."""

    question: Question
    candidates: Candidates | None

    @property
    def answerable(self) -> bool:
        return bool(self.question.relevant)

    def labels(self) -> np.ndarray:
        relevant = set(self.question.relevant)
        return np.array([cid in relevant for cid in self.candidates.clause_ids], dtype=np.float64)


def parse_set(spec: str) -> tuple[Path, Path | None, tuple[Path, ...]]:
    """``QUESTIONS.jsonl``, ``QUESTIONS.jsonl@INDEX_DIR`` (a set written for another index, e.g. the law set), or
    ``QUESTIONS.jsonl@INDEX_DIR+LARGER_DIR…`` (also fitted on over larger indexes, see :class:`QuestionSet`)."""
    path, _, indexes = spec.partition("@")
    index, *also = indexes.split("+")
    return Path(path), Path(index) if index else None, tuple(Path(a) for a in also if a)


def read_sets(specs: Sequence[str]) -> list[QuestionSet]:
    sets = []
    for spec in specs:
        path, index, also = parse_set(spec)
        name = path.stem.removesuffix("_questions")
        if any(s.name == name for s in sets):
            raise UserError(f"问题集重复：{name} (question set named twice: {name})")
        sets.append(QuestionSet(name, path, index, tuple(read_questions(path)), also))
    if len(sets) < 2:
        raise UserError("交叉验证至少需要两个问题集 (cross-validation by set needs at least two question sets)")
    return sets


class Assistants:
    """One loaded assistant per index folder, shared by the sets written for it."""

    def __init__(self) -> None:
        self._loaded: dict[Path | None, Assistant] = {}

    def __call__(self, index: Path | None) -> Assistant:
        if index not in self._loaded:
            self._loaded[index] = Assistant.load(index)
        return self._loaded[index]


def collect(sets: Sequence[QuestionSet], assistants: Assistants, progress: bool = True,
            larger: bool = False) -> dict[str, list[Example]]:
    """Every question's candidates and their features (independent of any model, so computed once): over each
    set's own index, or (``larger``) over its larger indexes (:attr:`QuestionSet.also`), one list per set."""
    examples: dict[str, list[Example]] = {}
    total = sum(len(s.questions) * (len(s.also) if larger else 1) for s in sets)
    with tqdm(total=total, unit="q", file=sys.stderr, disable=not progress or not total, desc="features") as bar:
        for qs in sets:
            examples[qs.name] = []
            for index in (qs.also if larger else (qs.index,)):
                assistant = assistants(index)
                check_relevant(assistant, qs.questions)
                for q in qs.questions:
                    found = assistant.evidence(q.question)
                    cands = candidates(*_head(found), assistant.index) if found else None
                    examples[qs.name].append(Example(q, cands))
                    bar.update()
    return examples


def _head(found):
    analysis, hits = found
    return analysis, hits[:RANKED]


def _ranked(model: LinearModel, c: Candidates) -> tuple[np.ndarray, np.ndarray]:
    scores = model.score(c.rows)
    order = np.argsort(-scores, kind="stable")
    return order, scores[order]


def _with_candidates(examples: Sequence[Example]) -> list[Example]:
    return [e for e in examples if e.candidates is not None and len(e.candidates.clause_ids)]


def fit(examples: Sequence[Example], embedder: str, calibration: tuple[float, float] = (1.0, 0.0),
        threshold: float | None = None, manifest: dict | None = None,
        ranking_only: Sequence[Example] = ()) -> RankerModel:
    """A model fitted on ``examples``; without a given ``threshold`` it is chosen on the examples themselves.

    ``ranking_only`` (questions read over a larger index, :attr:`QuestionSet.also`) fit which clause ranks first,
    not whether to answer: a question unanswerable over the corpus it was written for may be answered over a larger
    one, so its refusal label does not carry over."""
    ranked = _with_candidates(examples)
    groups = [(e.candidates.rows, e.labels()) for e in [*ranked, *_with_candidates(ranking_only)] if e.answerable]
    ranking = fit_ranking([g for g in groups if 0 < g[1].sum() < len(g[1])], l2=L2)
    rows = np.array([question_features(e.candidates, *_ranked(ranking, e.candidates)) for e in ranked])
    # The label: whether the question has an answer at all (a refused answerable question is a false refusal).
    labels = np.array([e.answerable for e in ranked], dtype=np.float64)
    answerable = fit_answerable(rows, labels, l2=ANSWERABLE_L2)
    model = RankerModel(ranking, answerable, calibration, {embedder: 0.5}, manifest or {})
    if threshold is None:
        probabilities = np.array([model.probability(r) for r in rows])
        threshold = choose_threshold(probabilities, labels, MAX_FALSE_REFUSALS)
    return RankerModel(ranking, answerable, calibration, {embedder: threshold}, manifest or {})


def out_of_fold_logits(model: RankerModel, examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray]:
    """The answerable model's logits and labels on ``examples`` it was not fitted on."""
    logits, labels = [], []
    for e in _with_candidates(examples):
        row = question_features(e.candidates, *_ranked(model.ranking, e.candidates))
        logits.append(model.answerable.score(row[None, :])[0])
        labels.append(float(e.answerable))
    return np.array(logits), np.array(labels)


def evaluate_set(assistant: Assistant, qs: QuestionSet, model: RankerModel, progress: bool = True) -> dict:
    """The answer metrics of ``qs`` answered by the real pipeline with ``model``."""
    assistant.ranker = model
    results = [run_question(assistant, q, "hybrid")
               for q in tqdm(qs.questions, desc=qs.name, unit="q", file=sys.stderr, disable=not progress)]
    return answer_metrics(results)


@dataclass(frozen=True)
class CrossValidation:
    per_set: dict[str, dict]  # held-out set → its answer metrics
    model: RankerModel  # fitted on every set, calibrated and thresholded on the folds

    def mean(self, key: str) -> float:
        values = [m[key] for m in self.per_set.values() if m.get(key) is not None]
        return float(np.mean(values)) if values else float("nan")


def cross_validate(sets: Sequence[QuestionSet], assistants: Assistants, progress: bool = True) -> CrossValidation:
    examples = collect(sets, assistants, progress)
    larger = collect(sets, assistants, progress, larger=True)
    embedder = assistants(sets[0].index).index.manifest["embedder"]["name"]
    per_set: dict[str, dict] = {}
    logits, labels = [], []
    for held_out in sets:
        others = [qs.name for qs in sets if qs.name != held_out.name]
        model = fit([e for n in others for e in examples[n]], embedder,
                    ranking_only=[e for n in others for e in larger[n]])
        per_set[held_out.name] = evaluate_set(assistants(held_out.index), held_out, model, progress)
        fold_logits, fold_labels = out_of_fold_logits(model, examples[held_out.name])
        logits.append(fold_logits)
        labels.append(fold_labels)
    all_logits, all_labels = np.concatenate(logits), np.concatenate(labels)
    calibration = fit_platt(all_logits, all_labels)
    a, b = calibration
    probabilities = 1.0 / (1.0 + np.exp(-(a * all_logits + b)))
    threshold = choose_threshold(probabilities, all_labels, MAX_FALSE_REFUSALS)
    everything = [e for qs in sets for e in examples[qs.name]]
    cv = {name: {k: metrics.get(k) for k in REPORTED} for name, metrics in per_set.items()}
    manifest = {
        "candidate_features": list(CANDIDATE_FEATURES),
        "question_features": list(QUESTION_FEATURES),
        "training_sets": {qs.name: {"file": qs.path.name, "questions": len(qs.questions),
                                    "index": str(qs.index) if qs.index else "default",
                                    **({"also_fitted_over": [str(a) for a in qs.also]} if qs.also else {})}
                          for qs in sets},
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "package_version": _package_version(),
        "embedder": embedder,
        "ranking": "pairwise logistic regression (L2 = 1) over standardised candidate features; a set's questions "
                   "read over its also_fitted_over indexes are fitted on too",
        "answerable": "logistic regression, Platt-calibrated on leave-one-set-out folds",
        "max_false_refusals": MAX_FALSE_REFUSALS,
        "cv_leave_one_set_out": cv,
        "cv_mean": {k: round(float(np.mean([v[k] for v in cv.values() if v[k] is not None])), 4) for k in REPORTED},
    }
    model = fit(everything, embedder, calibration, threshold, manifest,
                ranking_only=[e for qs in sets for e in larger[qs.name]])
    return CrossValidation(per_set, model)


def _package_version() -> str:
    try:
        return version("policyqa")
    except PackageNotFoundError:
        return "unknown"
