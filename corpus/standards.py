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
_ISSUED_BY_RE = re.compile(r"^(\S.*?)?\s*发\s*布$")  # 「岚江省市场监督管理局 发 布」, or 「发 布」 under the issuers
_IMPLEMENTED_RE = re.compile(r"^(?:19|20)\d{2}-\d{2}-\d{2}\s*实\s*施$")  # 「2025-08-01 实施」 on its own line
COVER_LINES = 16  # non-blank lines a cover may take before its title
# A bare printed page number (「1」「II」) before the blank run of a page break, in a standard's text.
_PAGE_NUMBER_RE = re.compile(r"^(?:\d{1,3}|[IVXLC]{1,6})$")
# A table of contents entry with its dot leader and page number (「5 风险评估 ........ 2」), in any PDF text.
TOC_ENTRY_RE = re.compile(r"^.{1,80}?(?:[.．…·]\s?){5,}\s*(?:\d{1,4}|[IVXLC]{1,6})$")

# A numbered clause: 「4.1 养老机构应…」, 「3.1」 alone above its term, 「5.1 评估时机」; a chapter 「1 范围」 (number, space, a
# short title); an appendix's 「A.1」.
CLAUSE_NUMBER_RE = re.compile(r"^((?:\d{1,2}|[A-Z])(?:\.\d{1,2}){1,4})(?=[\s\u3000]|$|[\u4e00-\u9fff])")
# A chapter 「1 范围」「5 “互联网+”服务」「6 ICT 设施」: its number, then its title (after a space, any title; run on, as
# PDF text gives 「1范围」, one that opens with a Chinese character or quote and holds no digit).
CHAPTER_RE = re.compile(r"^(\d{1,2})(?:[\s\u3000]+([^\s。；，：][^。；，：]{0,30})|([\u4e00-\u9fff“《][^。；，：\d]{0,24}))$")
_SPACED_HEADING_RE = re.compile(r"^[\u4e00-\u9fff](?:[ 　]+[\u4e00-\u9fff]){1,4}(?:[ 　]*[A-Z])?$")  # 「前 言」「附 录 A」
_SPACED_RE = re.compile(r"[\u4e00-\u9fff](?:[ 　][\u4e00-\u9fff]){2,}")  # 「岚 江 省 地 方 标 准」
APPENDIX_RE = re.compile(r"^附录\s*([A-Z])")
NAMED_PARTS = ("前言", "引言", "参考文献", "索引")  # unnumbered parts of a standard, cited by their names


def standard_cover(lines: list[str]) -> tuple[dict, int] | None:
    """The metadata of a standard's cover at the top of ``lines`` (number, title, date issued, issuer) and the index
    of the first line after it; None when the text does not open with a standard's cover.

    After the number: the Chinese title (up to the English one), the English title, 「…发布」「…实施」 dates (on one
    line or two), the issuing authorities (one or two lines) and 「发 布」 (on their line or one of its own)."""
    nonblank = [(i, line.strip()) for i, line in enumerate(lines) if line.strip()]
    at = next((k for k, (_, line) in enumerate(nonblank[:COVER_LINES]) if STANDARD_NUMBER_RE.match(line)), None)
    if at is None or not any(_CODE_LINE_RE.match(l) or _BANNER_RE.search(unspaced(l)) for _, l in nonblank[:at]):
        return None
    meta: dict = {"doc_number": nonblank[at][1]}
    title: list[str] = []
    issuers: list[str] = []
    consumed = nonblank[at][0] + 1
    for i, line in nonblank[at + 1:at + 1 + COVER_LINES]:
        if dates := _DATES_RE.search(line):
            meta["date"] = "-".join(dates.groups())
        elif _IMPLEMENTED_RE.match(line):
            pass
        elif issued := _ISSUED_BY_RE.match(line):
            issuers += [unspaced(issued.group(1))] if issued.group(1) else []
            meta["issuer"] = "、".join(issuers) or None
            return meta | ({"title": "".join(title)} if title else {}), i + 1
        elif _is_english(line):  # the English title and its wrapped lines
            pass
        elif not meta.get("date") and not issuers and len(line) <= 40:
            title.append(line)
        elif meta.get("date") and len(line) <= 30:  # an issuing authority, above 「发 布」
            issuers.append(unspaced(line))
        else:
            break
        consumed = i + 1
    if title:
        meta["title"] = "".join(title)
    return meta, consumed


def _is_english(line: str) -> bool:
    """A line of the English title: mostly Latin letters (「Specification for … — Part 1: General」)."""
    letters = sum(ch.isascii() and ch.isalpha() for ch in line)
    return letters >= 0.5 * len(line.replace(" ", ""))


def unspaced(line: str) -> str:
    """「岚 江 省 地 方 标 准」「前 言」「附 录 A」 → 「岚江省地方标准」「前言」「附录A」: a red header, a cover or a heading
    prints its characters spaced out. Any other line as it is."""
    text = line.strip()
    return re.sub(r"[ 　]", "", text) if _SPACED_HEADING_RE.match(text) or _SPACED_RE.fullmatch(text) else line


def without_page_furniture(lines: list[str], number: str) -> list[str]:
    """A standard's lines without what its pages print around the text: the standard's number at the top of each
    page and the bare page number at the foot of the page before it (a number followed by a page break, then the
    standard's number or the end), not a table's cell."""
    kept = []
    for i, line in enumerate(lines):
        text = line.strip()
        if text == number:
            continue
        if _PAGE_NUMBER_RE.match(text) and (i + 1 >= len(lines) or not lines[i + 1].strip()):
            following = next((l.strip() for l in lines[i + 1:] if l.strip()), None)
            if following in (None, number):
                continue
        kept.append(line)
    return kept


def chapter_number(text: str, last: int) -> int | None:
    """The number of the chapter 「N 标题」 that ``text`` opens when it is the one after chapter ``last``."""
    chapter = CHAPTER_RE.match(text)
    return int(chapter.group(1)) if chapter and int(chapter.group(1)) == last + 1 else None


def clause_number(text: str, previous: str) -> str | None:
    """The number of the clause 「4.1」「5.1.2」 (「A.1」 in 附录A) that ``text`` opens, if it comes next after the
    number ``previous`` (a chapter 「4」, a clause 「4.1」): one level down from 1 (4.1.1), or the next at its level or
    above (4.2, 5.1 after 4.3.2 under chapter 5). 「4.5 m 时…」 wrapped under 4.2 is no clause."""
    clause = CLAUSE_NUMBER_RE.match(text)
    if clause is None or not previous:
        return None
    number, before = clause.group(1).split("."), previous.split(".")
    if number[:-1] == before and number[-1] == "1":
        return clause.group(1)
    depth = len(number)
    if depth <= len(before) and number[:-1] == before[:depth - 1] and _successor(before[depth - 1], number[-1]):
        return clause.group(1)
    return None


def _successor(before: str, number: str) -> bool:
    return number.isdigit() and before.isdigit() and int(number) == int(before) + 1


def contents_span(paragraphs: list[str]) -> tuple[int, int] | None:
    """Where a table of contents without dot leaders stands (「目 次」, then 「前言」「1 范围」… up to the first entry's
    heading again, every entry a short line): (start, end) of those paragraphs, or None."""
    start = next((i for i, t in enumerate(paragraphs) if unspaced(t) in ("目次", "目录")), None)
    if start is None or start + 1 >= len(paragraphs):
        return None
    first = unspaced(paragraphs[start + 1])
    end = next((j for j in range(start + 2, len(paragraphs)) if unspaced(paragraphs[j]) == first), None)
    if end is None or any(len(t) > 40 or t[-1] in "。；：" for t in paragraphs[start + 1:end]):
        return (start, start + 1)  # the heading alone (its entries had dot leaders, already dropped)
    return (start, end)


def without_contents(paragraphs: list[str]) -> list[str]:
    span = contents_span(paragraphs)
    return paragraphs[:span[0]] + paragraphs[span[1]:] if span else paragraphs


def is_standard_body(paragraphs: list[str]) -> bool:
    """Whether paragraphs are a standard's: chapters 「1 范围」「2 …」 in order, with clauses numbered in decimals
    inside them (4.1, 5.1.2)."""
    chapter, at, clauses = 0, "", 0
    for text in without_contents(paragraphs):
        if (number := chapter_number(text, chapter)) is not None:
            chapter, at = number, str(number)
        elif clause := clause_number(text, at):
            at, clauses = clause, clauses + 1
    return chapter >= 3 and clauses >= 3
