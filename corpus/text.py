"""Small text helpers shared by every stage: sentences and character bigrams of Chinese text."""
from __future__ import annotations

import re

SENTENCE_RE = re.compile(r"[^。！？；\n]+[。！？；]?[”’」』）)]*")
_NOT_WORD = re.compile(r"[\W_]+")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` (split after 。！？； and at line breaks), each a verbatim substring."""
    return [s for s in (m.group(0).strip() for m in SENTENCE_RE.finditer(text)) if _NOT_WORD.sub("", s)]


def char_bigrams(text: str) -> set[str]:
    """Overlapping character pairs of the letters, digits and Chinese characters of ``text``."""
    chars = _NOT_WORD.sub("", text)
    return {chars[i:i + 2] for i in range(len(chars) - 1)}
