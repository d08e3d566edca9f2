"""Rows of a table that a PDF lays out cell by cell, as one line each.

pypdf gives each cell of such a table (Word and report generators draw one) on a line of its own, and each line a
wrapped cell takes on another: 「序号」「补贴项目」「补贴对象」… then 「1」「高龄津贴」「本县户籍80—89周岁老年人」「按月发放至本人社会保」
「障卡」. The plain-text parser reads a table as PDF text of the genre writes it, a row a line, its cells apart
(「1　高龄津贴　本县户籍…　每人每月100元　按月发放至本人社会保障卡」). Where the positions pypdf reports show a header
row (「序号」 and at least two more cells on its baseline) and rows numbered from 1 under it, each row is put on one
line: a cell is the chunks of one column that come one after another (a wrapped cell's lines), the columns told
apart by the header's cell centres. Anything that does not fit is left as pypdf gives it.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_CELL_GAP = "\u3000"
_SERIAL_RE = re.compile(r"^\d{1,3}$")
_MIN_COLUMNS = 3
_SAME_LINE = 1.5  # points: chunks on one baseline
_BELOW_TABLE = 3.0  # font sizes below a row's lowest line: text after the table, a page number


@dataclass(frozen=True)
class Chunk:
    """A piece of a page's text as pypdf shows it, with where it starts (points) and its font size."""

    text: str
    x: float
    y: float
    size: float

    @property
    def line(self) -> str:
        return self.text.strip()

    @property
    def width(self) -> float:
        return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in self.line) * self.size

    @property
    def centre(self) -> float:
        return self.x + self.width / 2


def with_table_rows(chunks: list[Chunk]) -> str:
    """The page's text (the chunks' texts joined, as pypdf's extract_text gives it) with a table laid out cell by
    cell put a row a line; the text unchanged when there is no such table."""
    text = "".join(c.text for c in chunks)
    if any("\n" in c.text.rstrip("\n") for c in chunks):
        return text  # a chunk of several lines: positions cannot be read per line
    shown = [i for i, c in enumerate(chunks) if c.line]
    for n, i in enumerate(shown):
        if chunks[i].line != "序号":
            continue
        width = next((k for k, j in enumerate(shown[n:]) if abs(chunks[j].y - chunks[i].y) > _SAME_LINE), len(shown) - n)
        header = shown[n:n + width]  # 「序号」 and the cells after it on its baseline
        if len(header) < _MIN_COLUMNS or not all(chunks[j].text.endswith("\n") for j in header[:-1]):
            continue  # not a header, or pypdf has put its cells on one line already
        rows, end = _rows([chunks[j] for j in header], [chunks[j] for j in shown[n + len(header):]])
        if rows:
            last = shown[n + len(header) + end - 1]
            names = _CELL_GAP.join(chunks[j].line for j in header)
            return ("".join(c.text for c in chunks[:i]) + "\n".join([names, *rows]) + "\n"
                    + "".join(c.text for c in chunks[last + 1:]))
    return text


def _rows(header: list[Chunk], body: list[Chunk]) -> tuple[list[str], int]:
    """The rows under ``header``, a line each, and how many of ``body`` they take; none when no row numbered 1
    follows the header or a cell's column cannot be told."""
    centres = [h.centre for h in header]
    left = header[0].x - header[0].size / 2  # the serial column's text starts right of it (a note, at the margin)
    span = header[-1].x + header[-1].width - header[0].x  # no cell's line is as wide as the table
    rows: list[list[tuple[int, str]]] = []
    lowest = 0.0
    taken = 0
    starts: dict[float, int] = {}  # where the cells of a column start (left-aligned cells share it) → the column
    for chunk in body:
        # A short line at a wide column's left edge (「助」 ending 「居家适老化改造补助」) is nearer the centre of the
        # column before: a cell starting where one of a column started is that column's.
        column = next((k for x, k in starts.items() if abs(chunk.x - x) <= _SAME_LINE), None)
        if column is None:
            column = min(range(len(centres)), key=lambda k: abs(chunk.centre - centres[k]))
            starts[chunk.x] = column
        is_serial = column == 0 and _SERIAL_RE.match(chunk.line) and int(chunk.line) == len(rows) + 1
        if is_serial:
            rows.append([(0, chunk.line)])
            lowest, left = chunk.y, min(left, chunk.x - chunk.size / 2)
        elif (not rows or chunk.x < left or chunk.width > span or column == 0
              or chunk.y < lowest - _BELOW_TABLE * chunk.size):
            break  # a note at the margin, the next paragraph, the page number: the table has ended
        else:
            cells = rows[-1]
            if cells[-1][0] == column:
                cells[-1] = (column, cells[-1][1] + chunk.line)  # a wrapped cell's next line
            else:
                cells.append((column, chunk.line))
            lowest = min(lowest, chunk.y)
        taken += 1
    return [_CELL_GAP.join(text for _, text in cells) for cells in rows], taken
