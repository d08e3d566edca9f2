"""The vocabularies in ``corpus/vocab/*.txt``, shared by the corpus and the assistant: one file per vocabulary
(document kinds, issuers, place levels, generic words, the eligibility catalogue's), one entry a line.

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


@cache
def words(name: str, *keys: str) -> tuple[str, ...]:
    """The words of the classes ``keys`` of ``vocab/{name}.txt`` (every class when none is given), in file order."""
    unknown = set(keys) - {key for key, _ in vocabulary(name)}
    if unknown:
        raise UserError(f"词表 {name} 没有这些类：{'、'.join(sorted(unknown))} (no such class in vocabulary {name})")
    return tuple(dict.fromkeys(w for key, ws in vocabulary(name) if not keys or key in keys for w in ws))


def alternation(words) -> str:
    """``words`` as one regular-expression alternation, longest first, so the longest word at a position wins."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


def word_pattern(words) -> re.Pattern[str]:
    """One alternation of ``words``, longest first, so the longest word at a position wins."""
    words = set(words)
    return re.compile(alternation(words)) if words else re.compile(r"(?!x)x")


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
