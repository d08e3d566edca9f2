"""The one input contract for a question, shared by the HTTP API (``/v1``) and the web UI's own API.

A question is 1–:data:`MAX_QUESTION_CHARS` characters after trimming, with no control characters
and no unpaired surrogates; anything else is refused with a bilingual message (never a traceback).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, Field, StrictStr, WithJsonSchema
from pydantic_core import PydanticCustomError

from policyqa.corpus.errors import UserError
from policyqa.corpus.validity import parse_as_of

MAX_QUESTION_CHARS = 1000
# C0/C1 control characters other than tab and line breaks; lone surrogates (a JSON \ud800 escape) are refused
# too, but stay out of the published pattern, which must be a valid ECMA/Rust regex.
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_CONTROL_RE = re.compile(f"[{_CONTROL}]")
_SURROGATE_RE = re.compile("[\\ud800-\\udfff]")
QUESTION_PATTERN = f"^[^{_CONTROL}]*[^\\s{_CONTROL}][^{_CONTROL}]*$"
_UNPRINTABLE_RE = re.compile(f"[{_CONTROL}\\ud800-\\udfff]")


@dataclass(frozen=True)
class QuestionProblem:
    code: str  # policyqa_control_chars, policyqa_lone_surrogate, policyqa_blank, policyqa_too_long
    message: str  # Chinese, then English in brackets

    @property
    def chinese(self) -> str:
        return self.message.split(" (", 1)[0]


def question_problem(value: str) -> QuestionProblem | None:
    """What is wrong with ``value`` as a question, or None when it is acceptable."""
    if _CONTROL_RE.search(value):
        return QuestionProblem("policyqa_control_chars", "问题含有控制字符 (the question contains control characters)")
    if _SURROGATE_RE.search(value):
        return QuestionProblem("policyqa_lone_surrogate",
                               "问题含有不成对的 UTF-16 代理字符，如 \\ud800 (the question contains an unpaired "
                               "surrogate escape such as \\ud800)")
    value = value.strip()
    if not value:
        return QuestionProblem("policyqa_blank", "问题不能为空或只含空白 (the question is empty or only whitespace)")
    if len(value) > MAX_QUESTION_CHARS:
        return QuestionProblem(
            "policyqa_too_long",
            f"问题过长，最多 {MAX_QUESTION_CHARS} 个字符 (the question is longer than {MAX_QUESTION_CHARS} characters)")
    return None


def printable(value: str) -> str:
    """``value`` without control characters or lone surrogates, for echoing a refused question back."""
    return _UNPRINTABLE_RE.sub("", value)


AS_OF_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
_AS_OF_DESCRIPTION = ("按该日期的法律状态回答：使用当日有效的版本，YYYY-MM-DD，默认今天 (answer as the law stood on this date, "
                      "YYYY-MM-DD; default today: the version in force then)")


def _check_as_of(value: str | None) -> str | None:
    """An ``as_of`` date, written YYYY-MM-DD and a real day; anything else is a 422 saying so."""
    if value is None:
        return None
    try:
        if not re.fullmatch(AS_OF_PATTERN, value):
            raise UserError(f"日期无效：{printable(value)!r}，应为 YYYY-MM-DD，如 2024-01-01 "
                            f"(as_of must be a date written YYYY-MM-DD, such as 2024-01-01)")
        return parse_as_of(value)
    except UserError as exc:
        raise PydanticCustomError("policyqa_bad_date", str(exc)) from None


AsOf = Annotated[StrictStr | None, AfterValidator(_check_as_of), WithJsonSchema({
    "anyOf": [{"type": "string", "format": "date", "pattern": AS_OF_PATTERN}, {"type": "null"}],
    "default": None, "description": _AS_OF_DESCRIPTION, "examples": ["2020-01-01"]}), Field(default=None)]
