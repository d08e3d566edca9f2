"""The age bracket a question's person is in, for subsidies set by age (「80至89周岁每人每餐3元；90周岁以上5元」).

「九十多岁的老人每餐能补几块钱」 shares its words with every bracket's row or sentence alike, and the 80–89 row may
rank first; the row whose bracket holds the asker's age answers (a ranker feature, and within a clause the sentence
chosen). Ages are compared in months, so that childcare's
「12—24月龄」 and 「一岁半」 are read as well as 「90周岁以上」.
"""
from __future__ import annotations

import re
from typing import Protocol, TypeVar

from policyqa.corpus.numerals import NUMERAL_CHARS, number_or_none


class _Sentence(Protocol):
    sentence: str


S = TypeVar("S", bound=_Sentence)
_OLDEST = 150 * 12  # ages are counted in months: childcare sets its brackets in 月龄 (「12—24月龄」)

_NUMBER = rf"(\d{{1,3}}|[{NUMERAL_CHARS}]{{1,4}})"
# 「92岁」「九十二周岁」「满80岁」「一岁半」「8个月」; 「九十多岁」「八十几岁」「90来岁」 mean the decade.
_ASKED_AGE_RE = re.compile(rf"{_NUMBER}(多|几|来)?(?:周)?岁(半)?|{_NUMBER}个?月(?:龄|大)")
# 「80至89周岁」「80-89岁」「八十周岁至八十九周岁」「12—24月龄」; 「90周岁以上」「60周岁（含）以上」「3岁以下」.
_UNIT = r"(周?岁|个?月龄?)"
_RANGE_RE = re.compile(rf"{_NUMBER}(?:周?岁|个?月龄?)?\s*(?:至|到|-|－|—|~|～)\s*{_NUMBER}\s*{_UNIT}")
_OPEN_RANGE_RE = re.compile(rf"{_NUMBER}\s*{_UNIT}\s*(?:[（(]含[）)])?\s*(以上|及以上|以下|及以下|以内)")


def _months(number: int, unit: str) -> tuple[int, int]:
    """The months of an age written in years (a whole year of months) or in months."""
    return (number * 12, number * 12 + 11) if "岁" in unit else (number, number)


def asked_age(question: str) -> tuple[int, int] | None:
    """The ages, in months, the question's person may be (「九十多岁」 → 90–99 years, 「92岁」 → 92 years, 「一岁半」
    → 18 months, 「8个月大」 → 8 months), or None."""
    if (m := _ASKED_AGE_RE.search(question)) is None:
        return None
    if m.group(1) is None:  # months
        months = number_or_none(m.group(4))
        return (months, months) if months is not None and 0 < months < _OLDEST else None
    years = number_or_none(m.group(1))
    if years is None or not 0 < years * 12 < _OLDEST:
        return None
    if m.group(3):  # 半岁
        return years * 12 + 6, years * 12 + 6
    if m.group(2) and years % 10 == 0:
        return years * 12, (years + 9) * 12 + 11
    return _months(years, "岁")


def age_ranges(text: str) -> list[tuple[int, int]]:
    """The age brackets a clause sets out, in months, as (youngest, oldest)."""
    ranges = []
    for m in _RANGE_RE.finditer(text):
        low, high = number_or_none(m.group(1)), number_or_none(m.group(2))
        if low is not None and high is not None and low <= high:
            ranges.append((_months(low, m.group(3))[0], _months(high, m.group(3))[1]))
    for m in _OPEN_RANGE_RE.finditer(text):
        if (bound := number_or_none(m.group(1))) is not None:
            youngest, oldest = _months(bound, m.group(2))
            ranges.append((youngest, _OLDEST) if "上" in m.group(3) else (0, oldest))
    return ranges


def narrowest_holding(age: tuple[int, int], ranges: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The narrowest of ``ranges`` holding every age of ``age``."""
    holding = [r for r in ranges if r[0] <= age[0] and age[1] <= r[1]]
    return min(holding, key=lambda r: r[1] - r[0]) if holding else None


def age_bracket_sentences(age: tuple[int, int] | None, sentences: list[S]) -> list[S]:
    """A clause's ``sentences`` (best first) with the one whose narrowest bracket holds the asked ``age`` (in months)
    first, when the best one sets out brackets none of which holds it (「80至89周岁的…；90周岁以上的…」)."""
    if age is None or len(sentences) < 2:
        return sentences
    first = age_ranges(sentences[0].sentence)
    if not first or narrowest_holding(age, first):
        return sentences
    fitting = [(fit, s) for s in sentences[1:] if (fit := narrowest_holding(age, age_ranges(s.sentence)))]
    if not fitting:
        return sentences
    winner = min(fitting, key=lambda pair: pair[0][1] - pair[0][0])[1]
    return [winner] + [s for s in sentences if s is not winner]
