"""The eligibility vocabularies in ``corpus/vocab/*.txt``: one file per vocabulary, one entry a line.

A line reads ``key = word word …``; ``#`` starts a comment line. Entries keep the file's order, which
matters where the readers try classes in turn (binding force: local rules before encouragement).
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from .errors import UserError

VOCAB_DIR = Path(__file__).parent / "vocab"


@cache
def vocabulary(name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``(key, words)`` pairs of ``vocab/{name}.txt`` in file order."""
    path = VOCAB_DIR / f"{name}.txt"
    if not path.is_file():
        raise UserError(f"词表不存在：{path} (vocabulary file missing)")
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, words = line.partition("=")
        if not sep or not key.strip():
            raise UserError(f"词表格式错误：{path.name} 第{number}行应为「类 = 词 词」 (expected 'key = words')")
        entries.append((key.strip(), tuple(words.split())))
    return tuple(entries)


def word_pattern(words) -> re.Pattern[str]:
    """One alternation of ``words``, longest first, so the longest word at a position wins."""
    ordered = sorted(set(words), key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in ordered)) if ordered else re.compile(r"(?!x)x")


@cache
def classes(name: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each class of a vocabulary with the pattern of its words."""
    return tuple((key, word_pattern(words)) for key, words in vocabulary(name))


@cache
def word_index(name: str) -> tuple[dict[str, str], re.Pattern[str]]:
    """Each word → its class, and one pattern of every word (longest first): for a vocabulary whose
    classes share no word, so a match says its class (support kinds, residents, services)."""
    owner = {}
    for key, words in vocabulary(name):
        for w in words:
            owner.setdefault(w, key)
    return owner, word_pattern(owner)
