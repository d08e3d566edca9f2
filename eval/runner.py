"""Run a question set through the same ``Assistant.search`` / ``Assistant.ask`` calls the CLI makes."""
from __future__ import annotations

import sys
import time
from collections.abc import Sequence

from tqdm import tqdm

from policyqa.assistant.service import Assistant, NotFound
from policyqa.corpus.errors import UserError

from .metrics import CUTOFF
from .questions import Question, QuestionSetError
from .results import CitedClause, QuestionResult

CONFIGS = ("bm25", "dense", "hybrid")  # configuration name = retrieval mode


def parse_configs(text: str) -> list[str]:
    names = [c.strip() for c in text.split(",") if c.strip()]
    unknown = [c for c in names if c not in CONFIGS]
    if unknown or not names:
        raise UserError(f"未知配置 {', '.join(unknown) or text!r} (unknown configs; choose from {', '.join(CONFIGS)})")
    return list(dict.fromkeys(names))


def check_relevant(assistant: Assistant, questions: Sequence[Question]) -> None:
    """Refuse a question set whose relevant clauses are not in the index (most often: the wrong index)."""
    missing = []
    for q in questions:
        for cid in q.relevant:
            try:
                assistant.clause(cid)
            except NotFound:
                missing.append(cid)
    if missing:
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        raise QuestionSetError(
            f"问题集中有 {len(missing)} 个条款编号不在索引中，请先为该问题集建立索引（见 eval/README.md） "
            f"({len(missing)} relevant clause ids are not in the index; build the index this question set "
            f"refers to, see eval/README.md): {shown}")


def _verbatim(assistant: Assistant, clause_id: str, quote: str) -> bool:
    try:
        return bool(quote) and quote in assistant.clause(clause_id).text
    except NotFound:
        return False


def run_question(assistant: Assistant, question: Question, mode: str) -> QuestionResult:
    start = time.perf_counter()
    hits = assistant.search(question.question, k=CUTOFF, mode=mode)
    search_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    answer = assistant.ask(question.question, mode=mode)
    ask_ms = (time.perf_counter() - start) * 1000
    return QuestionResult(
        question=question,
        ranking=tuple(h.clause.clause_id for h in hits),
        scores=tuple(float(h.score) for h in hits),
        refused=answer.refused,
        answer=answer.answer,
        citations=tuple(CitedClause(c.clause_id, c.quote, _verbatim(assistant, c.clause_id, c.quote))
                        for c in answer.citations),
        search_ms=search_ms,
        ask_ms=ask_ms,
    )


def run(assistant: Assistant, questions: Sequence[Question], configs: Sequence[str],
        progress: bool = True) -> dict[str, list[QuestionResult]]:
    """Every question under every configuration. One untimed search+ask per configuration first, so that
    model loading and caches warming up do not land in the first question's latency."""
    results: dict[str, list[QuestionResult]] = {}
    with tqdm(total=len(questions) * len(configs), unit="q", file=sys.stderr, disable=not progress) as bar:
        for config in configs:
            bar.set_description(config)
            run_question(assistant, questions[0], config)
            results[config] = []
            for q in questions:
                results[config].append(run_question(assistant, q, config))
                bar.update()
    return results
