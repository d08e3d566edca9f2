"""Greetings, asking formulas and thanks around a question, taken off before it is read.

「你好，请问养老机构用水按什么价格收费？谢谢！」 asks what 「养老机构用水按什么价格收费？」 asks: left in, the
courtesy words moved the question's embedding and changed which clause ranks first (a greeting changed the first
citation of 29 of 1,605 questions of the bundled sets, thanks 30, 请问 19). Only whole words are taken, where the
question pauses: 「咨询下岗职工…」 asks about 下岗职工, 「大家好像都能领」 greets nobody, 「手续太麻烦了」 thanks nobody
(the rules are in ``corpus/vocab/generic_words.txt``).
"""
from __future__ import annotations

from policyqa.corpus.vocab import words
from policyqa.index.tokenizer import PolicyTokenizer

from .mentions import rest_or_whole

_PAUSES = "，,。.！!？?～~、：:；; \u3000"
_QUESTION_MARKS = "？?"
_longest_first = lambda *keys: sorted(words("generic_words", *keys), key=len, reverse=True)  # noqa: E731
_GREETINGS = _longest_first("greetings")
_ASKING = _longest_first("asking")
_THANKS = _longest_first("thanks", "thanks_after_a_pause")
_THANKS_ALONE = frozenset(words("generic_words", "thanks"))


def without_courtesy(question: str, tokenizer: PolicyTokenizer) -> str:
    """The question without the greetings and asking formula it opens with and the thanks it closes with (a question
    mark among them kept); unchanged if no two Chinese characters would be left."""
    text = question.strip()
    while (greeting := next((g for g in _GREETINGS if text.startswith(g)), None)) is not None:
        rest = text[len(greeting):]
        if rest[:1] not in _PAUSES and not _asking(rest, tokenizer):
            break  # 「大家好像…」「老师好多年没…」: no greeting
        text = rest.lstrip(_PAUSES)
    if asking := _asking(text, tokenizer):
        text = text[len(asking):].lstrip(_PAUSES)
    while (closing := _thanks(text, tokenizer)) is not None:
        kept, removed = text[:closing], text[closing:]
        text = kept.rstrip(_PAUSES) + next((m for m in removed if m in _QUESTION_MARKS), "")
    return rest_or_whole(text, question)


def _asking(text: str, tokenizer: PolicyTokenizer) -> str:
    """The asking formula ``text`` opens with, as a whole word (「我想问下岗职工…」: 我想问, not 我想问下)."""
    candidates = [a for a in _ASKING if text.startswith(a)]
    if not candidates:
        return ""
    ends = _word_ends(text, tokenizer)
    return next((a for a in candidates if len(a) in ends), "")


def _thanks(text: str, tokenizer: PolicyTokenizer) -> int | None:
    """Where the thanks closing ``text`` start (with the pause before them), or None: thanks said on their own may
    follow the question directly (「…怎么申请谢谢」), the others only after a pause (「…如何感谢？」 asks how)."""
    body = text.rstrip(_PAUSES)
    word = next((t for t in _THANKS if body.endswith(t)), None)
    if word is None:
        return None
    start = len(body) - len(word)
    paused = start > 0 and body[start - 1] in _PAUSES
    if not paused and (word not in _THANKS_ALONE or start not in _word_ends(body, tokenizer)):
        return None
    return len(body[:start].rstrip(_PAUSES))


def _word_ends(text: str, tokenizer: PolicyTokenizer) -> set[int]:
    ends, at = set(), 0
    for word in tokenizer.words(text):
        at += len(word)
        ends.add(at)
    return ends
