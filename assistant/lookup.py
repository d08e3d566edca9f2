"""Direct lookup: a question that names an article gets that article itself.

Recognised: （十四） / 第（七）条 / 第十四条 / 第14条 / 附件第11项 / 分工表第11项 / 一、总体要求,
optionally with a document named by 发文字号 (国办发〔2020〕52号) or by (part of) its title; and, for a named
document, its opening or closing text by position (「52号文最后那段话」「…意见的开头」).
In documents numbered （一）（二） a reader's 第十条 means （十）; where （一） restarts in every part, 「三、（三）」 or
「第三部分（三）」 names one item and a bare （三） every part's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.layout import DATE_RE, DOC_NUMBER_RE, compact
from corpus.models import Clause
from corpus.text import char_bigrams
from corpus.numerals import NUMERAL_CHARS, number_or_none, to_chinese_number
from corpus.structure import N

ITEM_REF_RE = re.compile(rf"第?[（(]({N})[）)](?:条|项)?")
# Where （一） restarts in every part, the part qualifies it: 「三、（三）」「第三部分（三）」「第三部分第（三）项」.
SECTION_QUALIFIER_RE = re.compile(rf"(?:(?<![第{NUMERAL_CHARS}])([{NUMERAL_CHARS}]+)、|第({N})部分\S{{0,4}}?)$")
ARTICLE_REF_RE = re.compile(rf"第({N})条(?:之([{NUMERAL_CHARS}]+))?")
ANNEX_REF_RE = re.compile(rf"(?:附件|分工表|任务表)(\d*)\S{{0,6}}?第({N})项|第({N})项")
SECTION_LABEL_RE = re.compile(rf"^[{NUMERAL_CHARS}]+、(.{{4,}})$")
# A document's own opening (序言, before its first item) and closing text (结语), named by position.
POSITION_RES: tuple[tuple[str, re.Pattern], ...] = (
    ("closing", re.compile(r"(?:最后|末尾|结尾)[一那这]?(?:段|部分)|结尾|结语|结束语")),
    ("preamble", re.compile(r"(?:开头|开篇|第一)[一那这]?段|开头|开篇|序言|前言|导语")),
)
# 「52号文是哪天印发的」: when a named document was issued is the date of its sign-off, in its closing text.
_ISSUED = "(?:印发|发布|出台|发文|公布|下发|签发|成文)"
_WHEN = "(?:什么时候|何时|哪天|哪一天|哪年|哪一年|哪个月|几月几[日号]|几月|几号)"
ISSUE_DATE_RE = re.compile(rf"{_WHEN}\S{{0,2}}{_ISSUED}|{_ISSUED}的?(?:日期|时间|年份)|{_ISSUED}(?:于|在|是)?{_WHEN}")
_TITLE_NOISE = re.compile(r"中华人民共和国|中共中央|国务院办公厅|国务院|关于|的|意见|通知|决定|[　\s]")


@dataclass(frozen=True)
class ArticleRef:
    kind: str  # "item" | "article" | "annex" | "section"
    number: int
    text: str
    section: int | None = None  # the part that qualifies an item (三、（三）), if named


def _num(text: str) -> int | None:
    """The article number, or None when it is not one a document could have."""
    n = number_or_none(text)
    return n if n is not None and 0 < n < 10000 else None


def find_refs(question: str) -> list[ArticleRef]:
    refs: list[ArticleRef] = []
    for m in ANNEX_REF_RE.finditer(question):
        n = _num(m.group(2) or m.group(3))
        if n:
            refs.append(ArticleRef("annex", n, m.group(0)))
    for m in ITEM_REF_RE.finditer(question):
        if m.group(1).isdigit() and m.group(0)[0] in "（(" and m.group(0)[-1] not in "条项":
            continue  # 「(1) 家庭托育点…」 numbers the asker's own points; items are （一）
        if (n := _num(m.group(1))) is not None:
            part = SECTION_QUALIFIER_RE.search(question[max(0, m.start() - 8):m.start()])
            section = _num(part.group(1) or part.group(2)) if part else None
            refs.append(ArticleRef("item", n, m.group(0), section))
    for m in ARTICLE_REF_RE.finditer(question):
        if (n := _num(m.group(1))) is not None:
            suffix = f"之{m.group(2)}" if m.group(2) else ""
            refs.append(ArticleRef("article", n, f"第{m.group(1)}条{suffix}"))
    return refs


def _bigrams(text: str) -> set[str]:
    return char_bigrams(_TITLE_NOISE.sub("", text))


def _doc_scores(question: str, docs: list[dict]) -> dict[str, float]:
    """How strongly the question names each document (发文字号 exact match wins)."""
    scores: dict[str, float] = {}
    numbers = {compact(m.group(0)) for m in DOC_NUMBER_RE.finditer(question)}
    q = _bigrams(question)
    for doc in docs:
        if doc.get("doc_number") and doc["doc_number"] in numbers:
            scores[doc["doc_id"]] = 100.0
            continue
        number = re.search(r"〔(\d{4})〕(\d+)号", doc.get("doc_number") or "")
        if number and re.search(rf"(?<!\d){number.group(2)}号文", question):
            scores[doc["doc_id"]] = 50.0
            continue
        title = _bigrams(doc["title"])
        scores[doc["doc_id"]] = len(q & title) / max(len(title), 1)
    return scores


def _matches(ref: ArticleRef, clause: Clause, numbered_articles: bool) -> bool:
    if ref.kind == "annex":
        return clause.part == "annex" and clause.number == ref.number and clause.label.endswith("项")
    if ref.kind == "item":
        return _is_item(clause, ref.number, ref.section)
    if numbered_articles:  # a law: 第十条 is 第十条
        return clause.label == ref.text
    # A 意见 numbered （一）（二）: 第十条 means （十）.
    return clause.number == ref.number and _is_item(clause, ref.number, None)


def _is_item(clause: Clause, number: int, section: int | None) -> bool:
    """Whether the clause is item （number）; where items restart in every part they are labelled 三、（三）."""
    item = f"（{to_chinese_number(number)}）"
    if clause.label == item:  # numbered straight through: the item alone names it
        return True
    part, _, rest = clause.label.partition("、")
    return rest == item and (section is None or part == to_chinese_number(section))


def unknown_doc_numbers(question: str, docs: list[dict]) -> list[str]:
    """发文字号 the question names that no loaded document carries."""
    known = {d.get("doc_number") for d in docs}
    return [n for n in (compact(m.group(0)) for m in DOC_NUMBER_RE.finditer(question)) if n not in known]


def titled_sections(clauses: list[Clause]) -> list[tuple[str, Clause]]:
    """(heading title, clause) of the clauses that are a section's own text (「一、总体要求」 → 总体要求)."""
    return [(m.group(1), c) for c in clauses if (m := SECTION_LABEL_RE.match(c.label))]


def lookup(question: str, clauses_by_doc: dict[str, list[Clause]], docs: list[dict],
           sections: list[tuple[str, Clause]]) -> list[Clause]:
    """The clauses the question names, best document first; empty if it names none.

    ``sections`` is :func:`titled_sections` of the loaded clauses, computed once.
    """
    refs = find_refs(question)
    scores = _doc_scores(question, docs)
    named = _named_documents(scores)
    if not refs:
        if named and ISSUE_DATE_RE.search(question):
            dated = [c for d in named for c in clauses_by_doc.get(d, []) if c.part == "closing" and DATE_RE.search(c.text)]
            if dated:
                return dated
        if named and (part := _named_position(question)):
            return [c for d in named for c in clauses_by_doc.get(d, []) if c.part == part]
        return _section_titles(question, [(t, c) for t, c in sections if c.doc_id in clauses_by_doc], scores)
    candidates = named or list(clauses_by_doc)
    found: list[Clause] = []
    for doc_id in sorted(candidates, key=lambda d: -scores.get(d, 0.0)):
        clauses = clauses_by_doc.get(doc_id, [])
        numbered_articles = any(c.label.startswith("第") and c.label.endswith("条") for c in clauses)
        for ref in refs:
            found += [c for c in clauses if _matches(ref, c, numbered_articles) and c not in found]
    if not named and len({c.doc_id for c in found}) > 2:
        return []  # an unqualified 第十条 in a large corpus names nothing in particular
    return found


def missing_articles(question: str, clauses_by_doc: dict[str, list[Clause]], docs: list[dict]) -> list[str]:
    """The articles the question names (「分工表第999项」「国办发〔2020〕52号第四十条」) that no loaded document it
    could mean has; empty when it names none, or only ones that exist."""
    refs = find_refs(question)
    if not refs:
        return []
    named = _named_documents(_doc_scores(question, docs)) or list(clauses_by_doc)
    candidates = [(clauses, any(c.label.startswith("第") and c.label.endswith("条") for c in clauses))
                  for clauses in (clauses_by_doc.get(d, []) for d in named)]
    return [ref.text for ref in refs
            if not any(_matches(ref, c, numbered) for clauses, numbered in candidates for c in clauses)]


def _named_documents(scores: dict[str, float]) -> list[str]:
    """The documents the question names: one clearly best, or several named about equally well."""
    ranked = sorted(scores.values(), reverse=True) + [0.0, 0.0]
    best, second = ranked[0], ranked[1]
    if best >= 0.2 and second < best * 0.67:
        return [d for d, s in scores.items() if s == best]
    return [d for d, s in scores.items() if s >= 0.5 and s >= best * 0.8]


def _named_position(question: str) -> str | None:
    """The part (closing, preamble) a question names by its position in the document, if any."""
    return next((part for part, pattern in POSITION_RES if pattern.search(question)), None)


def _section_titles(question: str, sections: list[tuple[str, Clause]], scores: dict[str, float]) -> list[Clause]:
    """「…意见的总体要求是什么」: a section whose own text is a clause, named by its heading."""
    found = [c for title, c in sections if title in question]
    if len({c.doc_id for c in found}) > 1:
        best = max(scores.get(c.doc_id, 0.0) for c in found)
        found = [c for c in found if scores.get(c.doc_id, 0.0) == best]
    return found if len(found) == 1 else []
