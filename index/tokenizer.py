"""Chinese word segmentation for BM25: jieba with a policy-domain dictionary and synonym mapping.

Questions say 养老院, 老人, 托儿所; policy text says 养老机构, 老年人, 托育机构. Both sides are
segmented the same way and mapped to the policy wording, so lexical matching meets in the middle.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
from functools import cached_property, lru_cache
from pathlib import Path

import jieba

HERE = Path(__file__).parent
TERMS_FILE = HERE / "policy_terms.txt"
SYNONYMS_FILE = HERE / "synonyms.txt"
STOPWORDS = frozenset(
    "的 了 和 与 及 或 是 在 有 对 为 把 被 将 等 中 其 该 本 这 那 之 以 于 由 从 向 也 都 就 而 并 "
    "吗 呢 吧 啊 呀 么 什么 怎么 怎样 如何 哪些 哪个 哪里 哪 是否 能否 能不能 可不可以 有没有 多少 几 "
    "我 我们 你 你们 他 他们 她 它 咱们 想 请问 一下 一个 个 要 会 能 可以 需要 应该 应当".split()
)
_TOKEN_RE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
jieba.setLogLevel(logging.WARNING)


def _read_synonyms(path: Path) -> dict[str, tuple[str, ...]]:
    """Variant → policy terms; a variant listed twice is an error (the second line would silently win)."""
    mapping = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        parts = line.split()
        if len(parts) >= 2 and not line.startswith("#"):
            if parts[0] in mapping:
                raise ValueError(f"{path.name}:{number}: {parts[0]} is listed twice; merge its terms into one line")
            mapping[parts[0]] = tuple(parts[1:])
    return mapping


class PolicyTokenizer:
    """Segment text into BM25 terms (jieba search mode, domain dictionary, synonyms, stopwords)."""

    def __init__(self, terms_file: Path = TERMS_FILE, synonyms_file: Path = SYNONYMS_FILE) -> None:
        self.terms_file = terms_file
        self.synonyms_file = synonyms_file
        self.synonyms = _read_synonyms(synonyms_file)
        self._lock = threading.Lock()

    @cached_property
    def _jieba(self) -> jieba.Tokenizer:
        tok = jieba.Tokenizer()
        tok.initialize()
        # A word jieba already knows keeps its frequency: lowering it to 20 would split common words
        # (家里 → 家/里) in every text, so neither the word nor its neighbours would match.
        for line in self.terms_file.read_text(encoding="utf-8").splitlines():
            word, *rest = line.split() or [""]
            if word and not word.startswith("#"):
                freq = int(rest[0]) if rest and rest[0].isdigit() else 20
                tok.add_word(word, max(freq, tok.FREQ.get(word, 0)), rest[1] if len(rest) > 1 else None)
        for variant in self.synonyms:
            tok.add_word(variant, max(20, tok.FREQ.get(variant, 0)))
        return tok

    @cached_property
    def dictionary_hash(self) -> str:
        """Identifies the segmentation: an index is only valid with the dictionary it was built with."""
        h = hashlib.sha256()
        for path in (self.terms_file, self.synonyms_file):
            h.update(path.read_bytes())
        h.update(" ".join(sorted(STOPWORDS)).encode())
        h.update(jieba.__version__.encode())
        return h.hexdigest()[:16]

    def terms(self, text: str) -> frozenset[str]:
        """The set of terms of ``text``, memoised (clause and sentence texts recur across questions)."""
        return self._terms(text)

    @cached_property
    def _terms(self):
        return lru_cache(maxsize=65536)(lambda text: frozenset(self.tokenize(text)))

    def words(self, text: str) -> list[str]:
        """Words of ``text`` in jieba's accurate mode, as written (no synonyms, no stopword removal)."""
        with self._lock:
            return self._jieba.lcut(text)

    def tokenize(self, text: str) -> list[str]:
        with self._lock:  # jieba's lazy initialisation and cache are not thread-safe
            words = self._jieba.cut_for_search(text)
            out = []
            for word in words:
                word = word.strip()
                if not word or not _TOKEN_RE.search(word):
                    continue
                for term in self.synonyms.get(word, (word,)):
                    if term not in STOPWORDS:
                        out.append(term.lower())
        return out


_DEFAULT: PolicyTokenizer | None = None


def default_tokenizer() -> PolicyTokenizer:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = PolicyTokenizer()
    return _DEFAULT
