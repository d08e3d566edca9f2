"""Plain text from PDF files, for the plain-text parser.

The plain-text parser was built on text extracted from PDFs (lines broken at the margin, printed page
numbers, a table's cells on one line), so a PDF's pages are extracted and joined as they are. Only what
extraction adds that such text does not have is undone here: Unicode spaces other than the ideographic
one, Kangxi radicals and compatibility ideographs that some PDF fonts map common characters to
(⼀ for 一, ⼈ for 人), and a space after every character of a letter-spaced line (「养 老 服 务」).
"""
from __future__ import annotations

import io
import re
import unicodedata

from pypdf import PageObject, PdfReader

from .pdftables import Chunk, Table, with_table_rows

# Em space is one full-width cell (as &emsp; in a web page); the others are word spaces.
_WORD_SPACES = "\xa0\u2000\u2001\u2002\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f"
_SPACES = str.maketrans({**dict.fromkeys(_WORD_SPACES, " "), "\u2003": "\u3000"})
# Kangxi radicals, compatibility ideographs (and their supplement): each stands for a unified ideograph.
_COMPAT_IDEOGRAPH_RE = re.compile("[\u2f00-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f]")
# One character of Chinese text: an ideograph, CJK or full-width punctuation, or a quotation mark or dash.
_CJK = "[\u3001-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff60\u2014\u2018\u2019\u201c\u201d\u2026\u00b7]"
# A line of three or more such characters, one space after each: letter-spaced text (a red header, a title), where
# pypdf puts a space between characters set apart. A table row's cells are mostly words, so its line is kept; a row
# of single-character cells reads the same, and is closed up too.
_LETTER_SPACED_RE = re.compile(rf"^(?:{_CJK} ){{2,}}{_CJK} ?$", re.MULTILINE)


def pdf_text(raw: bytes) -> str:
    """The text of each page in order, pages joined by a newline, tidied as the plain-text parser expects.

    Raises pypdf's errors for a damaged file or one that the empty password does not open.
    """
    reader = PdfReader(io.BytesIO(raw))  # an encrypted file is opened with the empty password if it can be
    pages, table = [], None
    for page in reader.pages:
        text, table = _page_text(page, table)
        pages.append(_tidy(text))
    return "\n".join(pages)


def _page_text(page: PageObject, before: Table | None) -> tuple[str, Table | None]:
    """pypdf's text of a page, with a table it lays out cell by cell put a row a line (:mod:`pdftables`), and the
    table the page ends in; ``before``: the one the page before ended in."""
    chunks: list[Chunk] = []

    def seen(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        scale = abs(tm[3] * cm[3]) or 1.0
        chunks.append(Chunk(text, tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5],
                            size * scale))

    text = page.extract_text(visitor_text=seen)
    return with_table_rows(chunks, before) if "".join(c.text for c in chunks) == text else (text, None)


def _tidy(text: str) -> str:
    """``text`` with plain spaces, unified ideographs and letter-spaced lines closed up."""
    text = _COMPAT_IDEOGRAPH_RE.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text.translate(_SPACES))
    return _LETTER_SPACED_RE.sub(lambda m: m.group().replace(" ", ""), text)
