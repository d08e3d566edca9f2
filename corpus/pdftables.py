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
_WRAP = 1.8  # font sizes from one line of a wrapped cell to the next


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


@dataclass(frozen=True)
class Table:
    """A table read on a page, that the next page may go on with: its header's cells and the next row's number."""

    header: tuple[Chunk, ...]
    next_number: int


def with_table_rows(chunks: list[Chunk], before: Table | None = None) -> tuple[str, Table | None]:
    """The page's text (the chunks' texts joined, as pypdf's extract_text gives it) with a table laid out cell by
    cell put a row a line, and the table the page ends in (for the next page); the text unchanged when there is no
    such table. ``before``: the table the page before ended in, which this page goes on with if it opens with the
    next row (no header repeated)."""
    text = "".join(c.text for c in chunks)
    if any("\n" in c.text.rstrip("\n") for c in chunks):
        return text, None  # a chunk of several lines: positions cannot be read per line
    shown = [i for i, c in enumerate(chunks) if c.line]
    first = before.next_number if before is not None else 1  # a table going on from the page before
    if before is not None and shown and chunks[shown[0]].line == str(first):
        found = _read(chunks, shown, 0, list(before.header), first, "")
        if found is not None:
            return found
    for n, i in enumerate(shown):
        if chunks[i].line != "序号":
            continue
        width = next((k for k, j in enumerate(shown[n:]) if abs(chunks[j].y - chunks[i].y) > _SAME_LINE), len(shown) - n)
        header = [chunks[j] for j in shown[n:n + width]]  # 「序号」 and the cells after it on its baseline
        if len(header) < _MIN_COLUMNS or not all(c.text.endswith("\n") for c in header[:-1]):
            continue  # not a header, or pypdf has put its cells on one line already
        repeated = before is not None and [c.line for c in header] == [c.line for c in before.header]
        names = "" if repeated else _CELL_GAP.join(c.line for c in header) + "\n"  # a header repeated atop the page
        found = _read(chunks, shown, n + width, header, first, names, i)
        if found is not None:
            return found
    return text, None


def _read(chunks: list[Chunk], shown: list[int], at: int, header: list[Chunk], first: int, names: str,
          start: int | None = None) -> tuple[str, Table | None] | None:
    """The page's text with the rows from ``shown[at]`` on put a row a line (``names``, the header's line, before
    them, in place of the chunks from ``start``), and the table if it runs to the page's end; None when no row
    numbered ``first`` opens there or a cell's column cannot be told."""
    rows, taken, complete = _rows(header, [chunks[j] for j in shown[at:]], first)
    serial_x = chunks[shown[at]].x
    if not rows or any(chunks[j].line == str(first + len(rows)) and abs(chunks[j].x - serial_x) <= chunks[j].size
                       for j in shown[at + taken:]):
        return None  # no row, or the rows go on below a line across the table (a category row)
    start = shown[at] if start is None else start
    last = shown[at + taken - 1]
    rest = "".join(c.text for c in chunks[last + 1:])
    table = Table(tuple(header), first + len(rows)) if complete or not rest.strip() else None
    return "".join(c.text for c in chunks[:start]) + names + "\n".join(rows) + "\n" + rest, table


def _rows(header: list[Chunk], body: list[Chunk], first: int) -> tuple[list[str], int, bool]:
    """The rows under ``header`` numbered from ``first``, a line each, how many of ``body`` they take, and whether
    they run to its end. None (an empty list) when no row numbered ``first`` opens ``body``, or a chunk inside the
    table's reach is not where a cell's line can be (a category row across the table, a cell's column going back):
    the text is then left as pypdf gives it."""
    centres = [h.centre for h in header]
    left = header[0].x - header[0].size / 2  # the serial column's text starts right of it (a note, at the margin)
    span = header[-1].x + header[-1].width - header[0].x  # no cell's line is as wide as the table
    rows: list[list[tuple[int, str]]] = []
    lowest = below = 0.0  # the row's lowest line; the last line of its last cell
    starts: dict[float, int] = {}  # where the cells of a column start (left-aligned cells share it) → the column
    for taken, chunk in enumerate(body):
        # A short line at a wide column's left edge (「助」 ending 「居家适老化改造补助」) is nearer the centre of the
        # column before: a cell starting where one of a column started is that column's.
        column = next((k for x, k in starts.items() if abs(chunk.x - x) <= _SAME_LINE), None)
        if column is None:
            column = min(range(len(centres)), key=lambda k: abs(chunk.centre - centres[k]))
        if column == 0 and _SERIAL_RE.match(chunk.line) and int(chunk.line) == first + len(rows):
            rows.append([(0, chunk.line)])
            lowest = below = chunk.y
            starts.setdefault(chunk.x, 0)
            continue
        if not rows:
            return [], 0, False
        if (chunk.x < left or chunk.width > span or column == 0
                or chunk.y < lowest - _BELOW_TABLE * chunk.size):
            return _lines(rows), taken, False  # a note at the margin, the next paragraph, the page number
        cells = rows[-1]
        if column == cells[-1][0]:
            if below - chunk.y > _WRAP * chunk.size:  # below the cell, not its next line: a signature under the table
                return _lines(rows), taken, False
            cells[-1] = (column, cells[-1][1] + chunk.line)  # a wrapped cell's next line
        elif column > cells[-1][0]:
            cells.append((column, chunk.line))
        else:
            return [], 0, False  # back to a column already read: not a row laid out cell by cell
        starts.setdefault(chunk.x, column)
        lowest, below = min(lowest, chunk.y), chunk.y
    return _lines(rows), len(body), True


def _lines(rows: list[list[tuple[int, str]]]) -> list[str]:
    return [_CELL_GAP.join(text for _, text in cells) for cells in rows]
