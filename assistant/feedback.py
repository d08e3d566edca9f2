"""Readers' verdicts on answers (👍/👎 with an optional comment), kept as JSON lines for review.

One file per day (``feedback-YYYY-MM-DD.jsonl``) in :func:`feedback_dir`; each verdict is appended as one
complete line under a lock, so a crash never leaves half a record. The question text goes to the file only,
never to the log. ``policyqa eval-feedback`` turns a file into a question set (eval/feedback.py).
"""
from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from policyqa.corpus.errors import UserError
from policyqa.corpus.jsonlines import json_lines

from .models import Answer

ENV = "POLICYQA_FEEDBACK_DIR"
MAX_COMMENT_CHARS = 1000
_lock = threading.Lock()


class FeedbackCitation(BaseModel):
    clause_id: str
    doc_title: str
    doc_number: str | None = None
    quote: str


class FeedbackRecord(BaseModel):
    """One line of the feedback log."""

    time: str = Field(description="UTC, ISO 8601")
    verdict: Literal["up", "down"]
    comment: str = ""
    question: str
    resolved_question: str | None = None
    answer: str
    refused: bool
    citations: list[FeedbackCitation] = Field(default_factory=list)
    history: list[str] = Field(default_factory=list, description="the earlier questions of the conversation")

    @classmethod
    def of(cls, answer: Answer, verdict: Literal["up", "down"], comment: str = "",
           history: list[str] | None = None) -> FeedbackRecord:
        return cls(time=datetime.now(UTC).isoformat(timespec="seconds"), verdict=verdict,
                   comment=comment.strip()[:MAX_COMMENT_CHARS], question=answer.question,
                   resolved_question=answer.resolved_question, answer=answer.answer, refused=answer.refused,
                   citations=[FeedbackCitation(clause_id=c.clause_id, doc_title=c.doc_title,
                                               doc_number=c.doc_number, quote=c.quote) for c in answer.citations],
                   history=list(history or []))


def feedback_dir() -> Path:
    """``$POLICYQA_FEEDBACK_DIR``, else ``$XDG_DATA_HOME/policyqa/feedback`` (``~/.local/share/policyqa/feedback``),
    beside the default index."""
    if env := os.environ.get(ENV):
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "policyqa" / "feedback"


def record_feedback(record: FeedbackRecord, folder: Path | None = None) -> Path:
    """Append ``record`` as one line to today's file; the file written. :class:`UserError` when it cannot be."""
    folder = folder or feedback_dir()
    path = folder / f"feedback-{record.time[:10]}.jsonl"
    line = (record.model_dump_json() + "\n").encode("utf-8")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with _lock:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)  # one write of a whole line to a file opened for appending
            finally:
                os.close(fd)
    except OSError as exc:
        raise UserError(f"反馈未能保存 (cannot write the feedback to {folder}: {exc.strerror})") from None
    return path


def read_feedback(path: Path) -> list[FeedbackRecord]:
    """The records of a feedback file; :class:`UserError` naming the line that is not one."""
    records = []
    for where, data in json_lines(path, "反馈"):
        try:
            records.append(FeedbackRecord.model_validate(data))
        except ValueError as exc:
            raise UserError(f"{where}: 不是一条反馈记录 (not a feedback record: "
                            f"{str(exc).splitlines()[0]})") from None
    return records
