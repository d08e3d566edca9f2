"""TREC run and qrels files, the input of trec_eval, ir_measures and ranx.

The score column is ``n - rank + 1`` (n = results for the question), strictly decreasing: trec_eval re-sorts a
run by score and breaks ties by document id, so writing the retrieval scores (fused scores can tie) could
reorder our ranking. The real scores are in ``results-<config>.jsonl``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import quote

from policyqa.corpus.errors import UserError

from .questions import Question
from .results import QuestionResult


_WHITESPACE_RE = re.compile(r"\s")


class TrecFormatError(UserError):
    """An id TREC's columns cannot hold: an empty one."""


def _field(value: str, what: str) -> str:
    """``value`` as one column. A clause labelled by a heading (「第二节 推动居家社区养老服务提质增效」「5.1.1 重伤一级」)
    holds a space: it is written percent-encoded (%20), alike in the run and the qrels, so that they still match."""
    if not value:
        raise TrecFormatError(f"{what} 为空，无法写入 TREC 文件 (cannot be written to a TREC file: empty)")
    return _WHITESPACE_RE.sub(lambda m: quote(m.group(0)), value)


def run_lines(results: Iterable[QuestionResult], tag: str) -> list[str]:
    lines = []
    for r in results:
        qid = _field(r.question.id, "question id")
        n = len(r.ranking)
        for rank, clause_id in enumerate(r.ranking, 1):
            lines.append(f"{qid} Q0 {_field(clause_id, 'clause id')} {rank} {n - rank + 1} {tag}")
    return lines


def qrels_lines(questions: Sequence[Question]) -> list[str]:
    return [f"{_field(q.id, 'question id')} 0 {_field(cid, 'clause id')} 1" for q in questions for cid in q.relevant]


def write_lines(path: Path, lines: list[str]) -> None:
    Path(path).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
