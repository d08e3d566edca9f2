"""``policyqa eval-invariance``: rewrites of a question that ask the same thing must get the same answer.

A question set's questions are asked as written and again after each rewrite that leaves what is asked unchanged
— a greeting before it, 请问, thanks after it, digits typed full-width, no closing mark, an ASCII question mark,
article numbers in Arabic digits (「第10条」). Any answer that moves (another first citation, a refusal gained or
lost) is reported, with whether the labels say it got better or worse. No labels are needed to find the moves; they
only sort them. Such rewrites found that 「５２号文」 named no document and that a greeting changed the first
citation of 29 of 1,605 questions (docs/results.md, session 20).
"""
from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from policyqa.corpus.errors import UserError
from policyqa.corpus.numerals import number_or_none
from policyqa.index.backends import add_index_options

from .questions import Question, read_questions
from .results import failure_of

_CLOSING_MARKS = ("？", "?", "。", "！", "!")
_TO_FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(ord("0"), ord("9") + 1)})
_ARTICLE_NUMBER_RE = re.compile(r"第([一二两三四五六七八九十百零〇]+)(条|款|项|章)")

REWRITES: dict[str, Callable[[str], str]] = {
    "greeting": lambda q: f"你好，{q}",
    "asking": lambda q: f"请问{q}",
    "thanks": lambda q: f"{q}谢谢！" if q.endswith(_CLOSING_MARKS) else f"{q}，谢谢！",
    "full_width_digits": lambda q: q.translate(_TO_FULL_WIDTH),
    "no_closing_mark": lambda q: q.rstrip("".join(_CLOSING_MARKS) + " "),
    "ascii_question_mark": lambda q: q.replace("？", "?"),
    "arabic_article_numbers": lambda q: _ARTICLE_NUMBER_RE.sub(
        lambda m: m.group(0) if (n := number_or_none(m.group(1))) is None else f"第{n}{m.group(2)}", q),
}


@dataclass(frozen=True)
class Move:
    """A question whose answer a rewrite moved: ``was`` and ``now`` are the first citation or ``refused``; right
    or wrong as ``policyqa eval`` counts it (:func:`results.failure_of`)."""

    id: str
    rewrite: str
    question: str
    rewritten: str
    was: str
    now: str
    effect: str  # better | worse | other, by the labels


def _outcome(answer) -> tuple[bool, str | None]:
    """Refused, and the first citation: what a rewrite must leave as it was."""
    return (True, None) if answer.refused else (False, answer.citations[0].clause_id if answer.citations else None)


def _shown(outcome: tuple[bool, str | None]) -> str:
    return "refused" if outcome[0] else outcome[1] or "(no citation)"


def run_invariance(assistant, questions: list[Question], rewrites: list[str]) -> tuple[dict[str, dict], list[Move]]:
    """Per rewrite, how many questions it changed the text of (``tried``) and how many answers moved; the moves."""
    counts = {name: {"tried": 0, "moved": 0, "better": 0, "worse": 0} for name in rewrites}
    moves: list[Move] = []
    for question in questions:
        was: tuple[bool, str | None] | None = None
        for name in rewrites:
            rewritten = REWRITES[name](question.question)
            if rewritten == question.question:
                continue
            was = was or _outcome(assistant.ask(question.question))
            now = _outcome(assistant.ask(rewritten))
            counts[name]["tried"] += 1
            if now == was:
                continue
            before, after = failure_of(question, *was) is None, failure_of(question, *now) is None
            effect = "better" if after and not before else "worse" if before and not after else "other"
            counts[name]["moved"] += 1
            if effect != "other":
                counts[name][effect] += 1
            moves.append(Move(question.id, name, question.question, rewritten, _shown(was), _shown(now), effect))
    return counts, moves


def _evaluate(args: argparse.Namespace) -> int:
    from policyqa.assistant.service import Assistant
    from policyqa.index.backends import index_location

    rewrites = [r.strip() for r in args.rewrites.split(",") if r.strip()]
    unknown = [r for r in rewrites if r not in REWRITES]
    if unknown or not rewrites:
        raise UserError(f"未知的改写 (unknown rewrite): {', '.join(unknown) or '(none)'}; "
                        f"choose from {', '.join(REWRITES)}")
    questions = read_questions(Path(args.questions))
    counts, moves = run_invariance(Assistant.load(index_location(args)), questions, rewrites)
    if args.json:
        print(json.dumps({"questions": len(questions), "rewrites": counts, "moves": [asdict(m) for m in moves]},
                         ensure_ascii=False, indent=1))
        return 0
    print(f"问题 questions: {len(questions)}")
    print(f"{'rewrite':<24}{'tried':>7}{'moved':>7}{'better':>8}{'worse':>7}")
    for name, c in counts.items():
        print(f"{name:<24}{c['tried']:>7}{c['moved']:>7}{c['better']:>8}{c['worse']:>7}")
    for m in moves:
        print(f"[{m.effect}] {m.id} {m.rewrite}: {m.rewritten} | {m.was} → {m.now}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "eval-invariance", help="ask each question again after rewrites that ask the same thing; report moved answers",
        description="Ask every question of a set as written and after each rewrite that leaves what is asked "
                    "unchanged (greeting, 请问, thanks, full-width digits, no closing mark, ASCII question mark, "
                    "article numbers in Arabic digits); report each answer that moved. Labels only sort the moves "
                    "into better and worse.")
    p.add_argument("questions", metavar="QUESTIONS.jsonl", help="a question set (the format of policyqa eval)")
    add_index_options(p, "index folder (default: the default index, as for policyqa ask)")
    p.add_argument("--rewrites", default=",".join(REWRITES), help=f"comma-separated, of: {', '.join(REWRITES)}")
    p.add_argument("--json", action="store_true", help="print the counts and the moves as JSON")
    p.set_defaults(handler=_evaluate)
