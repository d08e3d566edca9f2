"""Standards (国家标准 GB/T 35796—2017, 地方标准 DB67/T 0893—2025): their cover, page furniture and numbered clauses.

A standard is written to GB/T 1.1: a cover (ICS and CCS codes, the standard's number, its title in Chinese and
English, 「2025-09-18 发布　2025-12-18 实施」, the issuing authority 「…发 布」), a table of contents, 前言, then
chapters 「1 范围」「2 规范性引用文件」… numbered in decimals (4.1, 5.1.2), 附录A, 参考文献. Its PDF repeats the
standard's number at the top of every page and prints bare page numbers (I, II, 1, 2). Readers cite it by clause
number: 「5.1.2」「附录A」.
"""
from __future__ import annotations

import re

STANDARD_NUMBER_RE = re.compile(  # GB 38600—2019, GB/T 35796—2017, DB67/T 0893—2025, MZ/T 039—2013
    r"^(?:GB|DB\s?\d{2}|[A-Z]{2,4})(?:/[TZ])?\s*\d{1,6}(?:\.\d{1,3})?\s*[—–\-－]{1,2}\s*(?:19|20)\d{2}$")
_CODE_LINE_RE = re.compile(r"^(?:ICS|CCS|CNS)\s+\S")  # 「ICS 03.080.99」「CCS A 12」
_BANNER_RE = re.compile(r"(?:国家|地方|行业|团体|企业)标准$")  # 「岚 江 省 地 方 标 准」「中华人民共和国国家标准」
_DATES_RE = re.compile(r"((?:19|20)\d{2})-(\d{2})-(\d{2})\s*发\s*布")  # 「2025-09-18 发布 2025-12-18 实施」
_ISSUED_BY_RE = re.compile(r"^(\S.*?)\s*发\s*布$")  # 「岚江省市场监督管理局 发 布」
_ASCII_TITLE_RE = re.compile(r"^[A-Za-z][A-Za-z ,;:'()\-]+$")  # the English title
COVER_LINES = 16  # non-blank lines a cover may take before its title
# A bare printed page number (「1」「II」) before the blank run of a page break, in a standard's text.
_PAGE_NUMBER_RE = re.compile(r"^(?:\d{1,3}|[IVXLC]{1,6})$")
# A table of contents entry with its dot leader and page number (「5 风险评估 ........ 2」), in any PDF text.
TOC_ENTRY_RE = re.compile(r"^.{1,80}?(?:[.．…·]\s?){5,}\s*(?:\d{1,4}|[IVXLC]{1,6})$")

# A numbered clause: 「4.1 养老机构应…」, 「3.1」 alone above its term, 「5.1 评估时机」; a chapter 「1 范围」 (number, space, a
# short title); an appendix's 「A.1」.
CLAUSE_NUMBER_RE = re.compile(r"^((?:\d{1,2}|[A-Z])(?:\.\d{1,2}){1,4})(?=[\s\u3000]|$|[\u4e00-\u9fff])")
CHAPTER_RE = re.compile(r"^(\d{1,2})[\s\u3000]*([\u4e00-\u9fff][^。；，：\d]{0,24})$")
_SPACED_HEADING_RE = re.compile(r"^[\u4e00-\u9fff](?:[ 　]+[\u4e00-\u9fff]){1,4}(?:[ 　]*[A-Z])?$")  # 「前 言」「附 录 A」
_SPACED_RE = re.compile(r"[\u4e00-\u9fff](?:[ 　][\u4e00-\u9fff]){2,}")  # 「岚 江 省 地 方 标 准」
APPENDIX_RE = re.compile(r"^附录\s*([A-Z])")
NAMED_PARTS = ("前言", "引言", "参考文献", "索引")  # unnumbered parts of a standard, cited by their names


def standard_cover(lines: list[str]) -> tuple[dict, int] | None:
    """The metadata of a standard's cover at the top of ``lines`` (number, title, date issued, issuer) and the index
    of the first line after it; None when the text does not open with a standard's cover."""
    nonblank = [(i, line.strip()) for i, line in enumerate(lines) if line.strip()][:COVER_LINES + 8]
    at = next((k for k, (_, line) in enumerate(nonblank[:COVER_LINES]) if STANDARD_NUMBER_RE.match(line)), None)
    if at is None or not any(_CODE_LINE_RE.match(l) or _BANNER_RE.search(unspaced(l)) for _, l in nonblank[:at]):
        return None
    meta: dict = {"doc_number": nonblank[at][1]}
    title: list[str] = []
    consumed = nonblank[at][0] + 1
    for i, line in nonblank[at + 1:]:
        if dates := _DATES_RE.search(line):
            meta["date"] = "-".join(dates.groups())
        elif issued := _ISSUED_BY_RE.match(line):
            meta["issuer"] = unspaced(issued.group(1))
            consumed = i + 1
            break
        elif _ASCII_TITLE_RE.match(line) or re.match(r"^[a-z]", line):  # the English title and its wrapped lines
            pass
        elif not meta.get("date") and len(line) <= 40:
            title.append(line)
        else:
            break
        consumed = i + 1
    if title:
        meta["title"] = "".join(title)
    return meta, consumed


def unspaced(line: str) -> str:
    """「岚 江 省 地 方 标 准」「前 言」「附 录 A」 → 「岚江省地方标准」「前言」「附录A」; any other line as it is."""
    text = line.strip()
    return re.sub(r"[ 　]", "", text) if _SPACED_HEADING_RE.match(text) or _SPACED_RE.fullmatch(text) else line


def without_page_furniture(lines: list[str], number: str) -> list[str]:
    """A standard's lines without what its pages print around the text: the standard's number at the top of each
    page and a bare page number before each page break; the table of contents goes too."""
    kept = []
    for i, line in enumerate(lines):
        text = line.strip()
        before_break = i + 1 >= len(lines) or not lines[i + 1].strip()
        if text == number or (before_break and _PAGE_NUMBER_RE.match(text)):
            continue
        kept.append(line)
    return kept


def chapter_number(text: str, last: int) -> int | None:
    """The number of the chapter 「N 标题」 that ``text`` opens when it is the one after chapter ``last``."""
    chapter = CHAPTER_RE.match(text)
    return int(chapter.group(1)) if chapter and int(chapter.group(1)) == last + 1 else None


def clause_number(text: str, chapter: int) -> str | None:
    """The number of the clause 「4.1」「5.1.2」 that ``text`` opens inside chapter ``chapter`` (「A.1」 in 附录A)."""
    clause = CLAUSE_NUMBER_RE.match(text)
    if clause is None:
        return None
    head = clause.group(1).split(".")[0]
    return clause.group(1) if head.isalpha() or int(head) == chapter else None


def is_standard_body(paragraphs: list[str]) -> bool:
    """Whether paragraphs are a standard's: chapters 「1 范围」「2 …」 in order, with clauses numbered in decimals
    inside them (4.1, 5.1.2)."""
    chapter, clauses = 0, 0
    for text in paragraphs:
        if (number := chapter_number(text, chapter)) is not None:
            chapter = number
        elif chapter and clause_number(text, chapter):
            clauses += 1
    return chapter >= 3 and clauses >= 3
