"""Re-assemble paragraphs from body lines, repairing PDF-extraction damage.

PDF-extracted text breaks every line at the page margin, puts blank lines between lines and
blank runs at page breaks, and may split a heading over two lines. A line is joined to the
previous one (without inserting anything) unless the previous line ended a paragraph: it ended
with sentence punctuation well before the margin, or it is a short heading and the next line
starts a new structural unit.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .layout import TERMINAL, UNIT_START_RE, SourceLine

MID_SENTENCE = "，、（“《—"
ATTACHMENT_LINE_RE = re.compile(r"^附\s*件\s*\d*\s*[：:]")
# 「第一章　总　　则」 on a line of its own: a heading, never the end of the line above.
HEADING_LINE_RE = re.compile(r"^第[一二三四五六七八九十百零〇\d]+[编章节][\s　]+\S.{0,20}$")
# A numbered item inside an article (「2.综合发挥…」「（3）…」), a standard's clause (「4.2 养老机构应…」) or its list
# item (「a) 发生跌倒…」) starts a paragraph of its own; 0.1平方米 does not.
ITEM_START_RE = re.compile(r"^(?:\d{1,2}[.．](?!\d)|\d{1,2}、|[（(]\d{1,2}[）)]|\d{1,2}(?:\.\d{1,2}){1,4}[\s\u3000]|[a-z][)）])")
_ASCII_CJK_SPACE_RE = re.compile(
    r"(?<=[A-Za-z0-9%])[ \t]+(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])"
    r"|(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])[ \t]+(?=[A-Za-z0-9])"
)


@dataclass
class Paragraph:
    text: str
    heading_level: int | None = None


def display_width(text: str) -> float:
    """Width in full-width cells: CJK and full-width forms count 1, ASCII counts 0.5."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.5 for ch in text)


def tidy_pdf_spacing(text: str) -> str:
    """Drop spaces a PDF extractor puts between CJK text and digits (``52 号`` → ``52号``)."""
    return _ASCII_CJK_SPACE_RE.sub("", text)


def _margin_width(lines: list[str]) -> float | None:
    """The common full-line width if the text looks hard-wrapped at a margin, else None."""
    widths = sorted(display_width(l) for l in lines if l)
    if len(widths) < 8:
        return None
    margin = widths[int(len(widths) * 0.9)]
    near = sum(1 for w in widths if margin - 2 <= w <= margin + 1)
    return margin if near >= 0.35 * len(widths) and margin >= 15 else None


def to_paragraphs(lines: list[SourceLine], markdown: bool) -> list[Paragraph]:
    """Turn body lines into paragraphs; Markdown lines are paragraphs already."""
    if markdown:
        return [Paragraph(l.text, l.heading_level) for l in lines if l.text]
    kept = [l for l in lines if l.text]
    raw = [l.text for l in kept]
    margin = _margin_width(raw)
    # Where the text indents its paragraphs (nearly every line after a full stop opens with an indent), the
    # indent, not where a line ends, says where a paragraph begins.
    after_stop = [l.indented for prev, l in zip(kept, kept[1:]) if prev.text[-1] in "。；：！？"]
    indents = len(after_stop) >= 3 and sum(after_stop) >= 0.8 * len(after_stop)
    paragraphs: list[Paragraph] = []
    current: list[str] = []
    for prev, line, source in zip([""] + raw, raw, kept):
        if current and _continues(prev, line, margin, source.indented if indents else None):
            current.append(line)
        else:
            if current:
                paragraphs.append(Paragraph(tidy_pdf_spacing("".join(current))))
            current = [line]
    if current:
        paragraphs.append(Paragraph(tidy_pdf_spacing("".join(current))))
    return paragraphs


def _is_heading(line: str) -> bool:
    """「二、强化居家社区养老服务能力建设」: a unit's marker and a title with no sentence inside it."""
    return bool(UNIT_START_RE.match(line)) and not any(p in line for p in "。；！？")


def _in_columns(line: str) -> bool:
    """「民政部　　　　财政部」: two full-width spaces inside the line (not the paragraph indent) set it out in columns."""
    return "　　" in line.strip("　")


def _continues(prev: str, line: str, margin: float | None, indented: bool | None = None) -> bool:
    """Whether ``line`` continues the paragraph that ``prev`` belongs to; ``indented`` (None where the text
    does not indent its paragraphs) whether ``line`` opens with a paragraph indent."""
    # A line set out in columns (「民政部　　　　财政部」) or naming an attachment (「附件：…实施细则」) stands alone.
    ended = prev[-1] in TERMINAL or _in_columns(prev) or ATTACHMENT_LINE_RE.match(prev) is not None
    starts_unit = bool(UNIT_START_RE.match(line) or ITEM_START_RE.match(line)) or line.startswith("附件")
    if HEADING_LINE_RE.match(line) or _in_columns(line):  # a heading, or a line set out in columns
        return False
    if line.startswith("|") or prev.startswith("|"):  # a table row (「| 乳儿班 | 6—12个月 |」) is a line of its own
        return False
    if prev[-1] in MID_SENTENCE:
        return True
    if indented is not None and (ended or margin is None or display_width(prev) >= 0.8 * margin):
        return not indented and not starts_unit
    if margin is None:
        # Not hard-wrapped: every line is a paragraph unless it was cut mid-sentence.
        return not ended and not starts_unit and display_width(prev) > 20
    # A paragraph's first line is indented by two cells, which extraction often removed.
    full = display_width(prev) >= margin - 2.5
    if full:
        # Ran into the margin: the paragraph goes on, unless a new unit visibly starts.
        return not (ended and starts_unit)
    if ended:
        return False
    # Most of a line's width without closing punctuation: cut mid-sentence short of the margin (half-width
    # digits and letters take less room than the wrap allowed for).
    if display_width(prev) >= 0.8 * margin and not _is_heading(prev):
        return not starts_unit
    # A short line without closing punctuation ends a paragraph, except a heading split over two lines.
    short = display_width(line) < margin - 2.5
    return bool(UNIT_START_RE.match(prev)) and short and not starts_unit and line[-1] not in TERMINAL
