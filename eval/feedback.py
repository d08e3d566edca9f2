"""``policyqa eval-feedback FEEDBACK.jsonl OUT.jsonl``: the UI's feedback log as a question set for review.

A 👍 keeps the clause ids its answer cited as ``relevant``; a 👎 becomes a question with an empty ``relevant`` and
a note asking a reviewer to fill in the right clauses (or to leave it empty when the right answer is a refusal).
A follow-up is written as it was understood (``resolved_question``), so the question stands on its own.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from policyqa.assistant.feedback import FeedbackRecord, read_feedback

from .questions import Question, write_questions

REVIEW = "待审核：读者点了👎"


def _note(record: FeedbackRecord) -> str:
    parts = [REVIEW if record.verdict == "down" else "读者点了👍，relevant 为回答所引条款"]
    if record.comment:
        parts.append(f"意见：{record.comment}")
    if record.resolved_question:
        parts.append(f"原问题（追问）：{record.question}")
    cited = "、".join(c.clause_id for c in record.citations)
    parts.append(f"原回答{'拒答' if record.refused else '引用 ' + (cited or '无')}")
    if record.verdict == "down":
        parts.append("请填写正确条款的编号；应当拒答时保持 relevant 为空")
    return "；".join(parts)


def feedback_questions(records: list[FeedbackRecord]) -> list[Question]:
    """One question per distinct (question, verdict), in the order first given."""
    seen: set[tuple[str, str]] = set()
    questions = []
    for record in records:
        text = record.resolved_question or record.question
        if (text, record.verdict) in seen:
            continue
        seen.add((text, record.verdict))
        relevant = tuple(dict.fromkeys(c.clause_id for c in record.citations)) if record.verdict == "up" else ()
        questions.append(Question(id=f"fb-{record.time[:10].replace('-', '')}-{len(questions) + 1:03d}",
                                  question=text, relevant=relevant, type=f"feedback-{record.verdict}",
                                  note=_note(record)))
    return questions


def feedback_to_set(args: argparse.Namespace) -> int:
    records = [r for path in args.feedback for r in read_feedback(Path(path))]
    questions = feedback_questions(records)
    write_questions(Path(args.out), questions)
    down = sum(q.type == "feedback-down" for q in questions)
    print(f"已写入 {len(questions)} 个问题（👍 {len(questions) - down}，👎 待审核 {down}）到 {args.out} "
          f"(wrote {len(questions)} questions, {down} to review)")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("eval-feedback", help="turn the web UI's feedback log into a question set for review")
    p.add_argument("feedback", nargs="+", metavar="FEEDBACK.jsonl",
                   help="feedback files (in $POLICYQA_FEEDBACK_DIR, default ~/.local/share/policyqa/feedback)")
    p.add_argument("out", metavar="OUT.jsonl", help="the question set to write")
    p.set_defaults(handler=feedback_to_set)
