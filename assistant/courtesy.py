"""Greetings, asking formulas and thanks around a question, taken off before it is read.

「你好，请问养老机构用水按什么价格收费？谢谢！」 asks what 「养老机构用水按什么价格收费？」 asks: left in, the
courtesy words move the question's embedding and change which clause ranks first (a greeting changed the first
citation of 29 of 1,605 questions of the bundled sets, thanks 30, 请问 19).
"""
from __future__ import annotations

import re

from policyqa.corpus.vocab import alternation, words

from .mentions import rest_or_whole

_GAP = r"[，,。！!？?～~、：:\s]*"
_OPENING_RE = re.compile(rf"^(?:(?:{alternation(words('generic_words', 'greetings'))}){_GAP})*"
                         rf"(?:(?:{alternation(words('generic_words', 'asking'))}){_GAP})?")
_CLOSING_RE = re.compile(rf"(?:{_GAP}(?:{alternation(words('generic_words', 'thanks'))}))+{_GAP}$")


def without_courtesy(question: str) -> str:
    """The question without the greetings and asking words it opens with and the thanks it closes with (its own
    closing mark kept); unchanged if nothing would be left."""
    core = _OPENING_RE.sub("", question, count=1)
    closing = _CLOSING_RE.search(core)
    if closing:
        mark = re.search(r"[？?]", core[closing.start():])
        core = core[:closing.start()] + (mark.group() if mark else "")
    return rest_or_whole(core.strip(), question)
