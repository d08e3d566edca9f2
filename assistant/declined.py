"""A place of care the asker turns down, taken out of the search text.

「我妈瘫在床上，不想送她去养老院，能不能在家里也有专业的照顾？」 asks about care at home: the institution
named after 不想/不愿/不去 is what the answer is not about, and left in the question its words pull up the
clauses on institutions.
"""
from __future__ import annotations

import re

from .mentions import rest_or_whole

# Places a family or operator may decline: institutions of care and "outside the home".
_PLACES = r"养老院|养老机构|敬老院|老人院|福利院|护理院|托育机构|托儿所|幼儿园|机构|外面|外地"
DECLINED_RE = re.compile(
    rf"(?:不想|不愿意?|不打算|不肯|不用|不必|不)再?(?:送[她他它]?|去|进|住|上)+[她他们的一家那个这个]{{0,3}}(?:{_PLACES})"
    r"(?:住|养老|待着|里)?")


def without_declined(question: str) -> str:
    """The question without the places the asker turns down (「不想送她去养老院」); unchanged if nothing is left."""
    return rest_or_whole(DECLINED_RE.sub("", question), question)
