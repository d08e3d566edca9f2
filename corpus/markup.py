"""Plain text from web pages (.html/.htm) and Word files (.docx), for the plain-text parser.

Policy documents are often saved from a government site or kept as Word files. Both are turned
into the text the plain-text layout reads: one line per paragraph (a block of the page, a Word
paragraph), each opening with a paragraph indent, since markup says where paragraphs begin and
the indent is how plain text says it (see :func:`policyqa.corpus.paragraphs.to_paragraphs`; an indented
line is never taken for a Markdown ``#`` heading either); a table row
is a line ``| 1 | 任务 | 单位 |``, the form whose rows the parser keeps apart and reads the
序号 and 责任单位 columns of (see :func:`policyqa.corpus.annex.parse_annex`). Only text is kept: scripts,
styles, the page's navigation, header and footer are dropped.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from xml.etree import ElementTree

PARAGRAPH_INDENT = "\u3000\u3000"
_META_CHARSET_RE = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_CHARSET_SCAN = 4096  # a page names its charset near the top
_ASCII_SPACE_RE = re.compile(r"[ \t\r\n\f]+")
# &nbsp; is a space the page wants kept (it may set out columns); &emsp; a full-width one.
_ENTITY_SPACES = str.maketrans({"\xa0": " ", "\u2002": " ", "\u2003": "\u3000"})
_SKIPPED_TAGS = {"script", "style", "noscript", "template", "head", "nav", "header", "footer", "aside"}
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCK_TAGS = _HEADING_TAGS | {
    "address", "article", "blockquote", "br", "caption", "center", "dd", "div", "dl", "dt", "figcaption",
    "figure", "form", "hr", "li", "main", "ol", "p", "pre", "section", "ul",
}
_CELL_TAGS = {"td", "th"}
_TITLE_META_NAMES = {"articletitle", "dc.title"}
_SITE_SUFFIX_RE = re.compile(r"\s*(?:[_|｜]|\s-\s).*$")  # 「…的通知_政策文件_某某省民政厅」: the site's name
# A labelled field of a portal's table (「索　引　号：」「发文字号：」), and such a field as a line.
_FIELD_LABEL_RE = re.compile(r"^[\u4e00-\u9fff\s　]{2,10}[：:]$")
_FIELD_LINE_RE = re.compile(r"^(?:发文字号|文号|发布机构|发文机关|成文日期|发布日期|索引号|主题分类)[：:]")
# Where a portal's page goes on after the document: share and print links, the previous and next article.
_PAGE_END_RE = re.compile(r"^(?:分享到|[【\[]?打印本页|【打印】|\[打印\]|[【\[]?关闭窗口|【关闭】|相关文件|相关链接|相关阅读"
                          r"|相关稿件|相关解读|扫一扫|上一篇|下一篇)")
# A portal's attachment box (「附件下载：」 and the files under it, 「1.申请表.docx」: the document, or its annexes, as
# files), above or below the text.
_DOWNLOAD_BOX_RE = re.compile(r"^附件下载")
_FILE_NAME_RE = re.compile(r"^[^。；]{1,100}\.(?:pdf|docx?|xlsx?|wps|ofd|zip|rar)$", re.IGNORECASE)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def html_charset(raw: bytes) -> str | None:
    """The encoding a page declares in ``<meta charset=…>`` or ``<meta http-equiv … content="…charset=…">``."""
    m = _META_CHARSET_RE.search(raw[:_CHARSET_SCAN])
    charset = m.group(1).decode("ascii").lower() if m else None
    # Read in ASCII, the label cannot be true of the bytes: a UTF-16 page starts with a BOM (browsers do the same).
    return None if charset and charset.startswith(("utf-16", "utf-32")) else charset


def _table_row(cells: list[list[str]]) -> str:
    """A table row (each cell a list of lines) as one line: a cell's lines joined by spaces, the cells between
    bars (a bar inside a cell would move the columns)."""
    texts = [" ".join(line.strip() for line in cell if line.strip()).replace("|", "｜") for cell in cells]
    return "| " + " | ".join(texts) + " |"


@dataclass
class _Table:
    """An HTML table being read: each row a list of cells, each cell a list of lines, and each cell's
    (rowspan, colspan)."""

    rows: list[list[list[str]]] = field(default_factory=list)
    spans: list[list[tuple[int, int]]] = field(default_factory=list)
    cell_open: bool = False
    nested: bool = False

    def lines(self) -> list[str]:
        """A data table's rows, one a line; a table laying out the page (it holds a table, or has no row of
        two cells) gives its cells' lines as they come; a portal's table of labelled fields (「发文字号：」 | 「…」)
        gives a line 「发文字号：…」 a field, as a document's metadata lines are written."""
        if self.nested or all(len(row) < 2 for row in self.rows):
            return [line for row in self.rows for cell in row for line in cell]
        texts = [[" ".join(cell).strip() for cell in row] for row in self.rows]
        labels = [t for row in texts for t in row[::2]]
        if labels and all(_FIELD_LABEL_RE.match(t) for t in labels if t):
            return [re.sub(r"\s+", "", label) + value for row in texts
                    for label, value in zip(row[::2], row[1::2]) if value]
        return [_table_row(row) for row in self._grid() if row]

    def _grid(self) -> list[list[list[str]]]:
        """The rows with merged cells laid out: a cell spanning rows (a category, a way of payment beside several
        rows) is in each of them, a cell spanning columns in the first; and a header over two rows (「补贴标准」
        spanning the columns 「城市」「农村」 under it) one row of the columns' whole names (「补贴标准 城市」)."""
        header = self._two_row_header()
        grid: list[list[list[str]]] = []
        below: dict[tuple[int, int], list[str]] = {}  # (row, column) a cell from a row above takes
        for r, (row, spans) in enumerate(zip(self.rows, self.spans)):
            out: list[list[str]] = []
            for cell, (rowspan, colspan) in zip(row, spans):
                while (r, len(out)) in below:
                    out.append(below.pop((r, len(out))))
                column = len(out)
                out += [cell] + [[] for _ in range(colspan - 1)]
                # A cell of the first row spanning rows is a header's, or lays out the page beside the rows (a
                # portal's side bar): its text is not the rows' own.
                copied = cell if r > 0 or header else []
                for k in range(1, rowspan):
                    for c in range(colspan):
                        below[(r + k, column + c)] = copied if c == 0 else []
            while (r, len(out)) in below:
                out.append(below.pop((r, len(out))))
            grid.append(out)
        if header:
            names: list[list[str]] = [[] for _ in grid[0]]
            for row in grid[:2]:
                for c, cell in enumerate(row):
                    text = " ".join(cell).strip()
                    if text and text not in names[c]:
                        names[c].append(text)
            # A column-spanning name above is part of each column's name under it.
            for c in range(1, len(names)):
                if not grid[0][c] and names[c - 1] and len(names[c]) == 1 and len(names[c - 1]) > 1:
                    names[c].insert(0, names[c - 1][0])
            grid[:2] = [[[" ".join(n)] for n in names]]
        return grid

    def _two_row_header(self) -> bool:
        """Whether the first two rows are one header: each cell of the first spans both rows or spans columns, and
        the second row's cells are the names under the column-spanning ones (「补贴标准」 over 「城市」「农村」)."""
        if len(self.rows) < 3 or not any(colspan > 1 for _, colspan in self.spans[0]):
            return False
        if any(not (rowspan == 2 or (rowspan == 1 and colspan > 1)) for rowspan, colspan in self.spans[0]):
            return False
        return len(self.rows[1]) == sum(colspan for rowspan, colspan in self.spans[0] if rowspan == 1)


class _HtmlText(HTMLParser):
    """Collects a page's text as paragraph lines and table rows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.title = ""
        self.article_title = ""  # a portal's <meta name="ArticleTitle">: the document's title, without the site's name
        self.heading_at: int | None = None  # where in ``lines`` the page's first heading is
        self.has_heading = False
        self._sinks: list[list[str]] = [self.lines]  # where finished lines go: the page, or the open cell
        self._tables: list[_Table] = []
        self._skipping: list[str] = []
        self._in_title = False
        self._headings_open = 0
        self._line: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            named = dict(attrs)
            if (named.get("name") or "").lower() in _TITLE_META_NAMES and (named.get("content") or "").strip():
                self.article_title = self.article_title or _ASCII_SPACE_RE.sub(" ", named["content"]).strip()
        if tag in _SKIPPED_TAGS:
            self._skipping.append(tag)
        elif tag == "body" and "head" in self._skipping:  # a page that never closes its <head>
            self._skipping = [t for t in self._skipping if t != "head"]
        elif tag == "title":
            self._in_title = True
        elif tag in _HEADING_TAGS:
            self._headings_open += 1
        if self._skipping:
            return
        if tag in _BLOCK_TAGS:
            self._end_line()
        elif tag == "table":
            self._start_table()
        elif tag == "tr" and self._tables:
            self._close_cell()
            self._tables[-1].rows.append([])
            self._tables[-1].spans.append([])
        elif tag in _CELL_TAGS and self._tables:
            named = dict(attrs)
            self._open_cell(_span(named.get("rowspan")), _span(named.get("colspan")))

    def handle_endtag(self, tag: str) -> None:
        if tag in self._skipping:
            while self._skipping.pop() != tag:  # elements left open inside it close with it
                pass
            return
        if tag == "title":
            self._in_title = False
        elif tag in _HEADING_TAGS:
            self._headings_open = max(0, self._headings_open - 1)
        if self._skipping:
            return
        if tag in _BLOCK_TAGS:
            self._end_line()
        elif tag == "table" and self._tables:
            self._end_table()
        elif tag in _CELL_TAGS and self._tables:
            self._close_cell()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skipping:
            self._line.append(data)
            if self._headings_open and data.strip() and not self.has_heading and not self._tables:
                self.has_heading, self.heading_at = True, len(self.lines)

    def close(self) -> None:
        super().close()
        while self._tables:
            self._end_table()
        self._end_line()

    def _end_line(self) -> None:
        text = _ASCII_SPACE_RE.sub(" ", "".join(self._line)).strip(" ").translate(_ENTITY_SPACES)
        self._line = []
        if text.strip():
            self._sinks[-1].append(text)

    def _start_table(self) -> None:
        self._end_line()
        if self._tables:
            self._tables[-1].nested = True
        self._tables.append(_Table())

    def _end_table(self) -> None:
        self._close_cell()
        table = self._tables.pop()
        self._sinks[-1].extend(table.lines())

    def _open_cell(self, rowspan: int = 1, colspan: int = 1) -> None:
        """A cell starts (closing the one before, which old pages leave open)."""
        self._close_cell()
        table = self._tables[-1]
        if not table.rows:
            table.rows.append([])
            table.spans.append([])
        table.rows[-1].append([])
        table.spans[-1].append((rowspan, colspan))
        table.cell_open = True
        self._sinks.append(table.rows[-1][-1])

    def _close_cell(self) -> None:
        self._end_line()
        table = self._tables[-1]
        if table.cell_open:
            table.cell_open = False
            self._sinks.pop()


def _span(value: str | None) -> int:
    """A rowspan or colspan attribute as a count of rows or columns: 1 when absent or unreadable, at most 100."""
    return min(int(value), 100) if value and value.strip().isdigit() and int(value) > 0 else 1


def _plain_lines(paragraphs: list[str]) -> str:
    """Each line of a paragraph indented (a line break in it starts a line); table rows as they are."""
    lines: list[str] = []
    for paragraph in paragraphs:
        if paragraph.startswith("|"):
            lines.append(paragraph)
        else:
            lines += [PARAGRAPH_INDENT + line.strip() for line in paragraph.split("\n") if line.strip()]
    return "\n".join(lines)


def html_text(markup: str) -> str:
    """The text of a decoded page.

    A page saved from a portal opens with the site's furniture (a welcome bar, a search form, breadcrumbs) and
    ends with its share and print links and related documents: the document is the page's first heading and what
    follows it, up to such links, with the portal's labelled fields (发文字号, 发布机构, 成文日期) under the title.
    A page without a heading is titled by its ``ArticleTitle`` meta or <title> (without the site's name)."""
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    lines = parser.lines
    fields = [line for line in lines[:parser.heading_at or 0] if _FIELD_LINE_RE.match(line)]
    if parser.heading_at is not None:
        lines = [lines[parser.heading_at]] + fields + lines[parser.heading_at + 1:]
    else:
        title = parser.article_title or _SITE_SUFFIX_RE.sub("", _ASCII_SPACE_RE.sub(" ", parser.title).strip())
        lines = ([title] if title else []) + lines
    # The page goes on after the text: a print/close/share bar above it (under the title) ends nothing.
    text_at = next((i for i, line in enumerate(lines) if line.rstrip().endswith(("。", "：", ":"))), 0)
    end = next((i for i, line in enumerate(lines) if i > text_at and _PAGE_END_RE.match(line)), len(lines))
    return _plain_lines(_without_download_box(lines[:end]))


def _without_download_box(lines: list[str]) -> list[str]:
    """The lines without a portal's 「附件下载：」 box: its heading and the file names listed under it."""
    kept, in_box = [], False
    for line in lines:
        in_box = bool(_DOWNLOAD_BOX_RE.match(line) or (in_box and _FILE_NAME_RE.match(line.strip())))
        if not in_box:
            kept.append(line)
    return kept


def _docx_paragraph(p: ElementTree.Element) -> str:
    """A Word paragraph's text: its runs' text, tabs and line breaks (not deleted text, not field codes)."""
    parts = []
    for node in p.iter():
        if node.tag == f"{_W}t":
            parts.append(node.text or "")
        elif node.tag == f"{_W}tab":
            parts.append("\t")
        elif node.tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
    return "".join(parts)


def _docx_row(tr: ElementTree.Element) -> str:
    """A table row as one line (a table inside a cell is part of the cell's text)."""
    return _table_row([[line for p in tc.iter(f"{_W}p") for line in _docx_paragraph(p).split("\n")]
                       for tc in tr.findall(f"{_W}tc")])


def _docx_lines(container: ElementTree.Element) -> list[str]:
    """Paragraphs and table rows in document order (looking inside content controls and the like)."""
    lines: list[str] = []
    for child in container:
        if child.tag == f"{_W}p":
            lines.append(_docx_paragraph(child))
        elif child.tag == f"{_W}tbl":
            lines += [_docx_row(tr) for tr in child.findall(f"{_W}tr")]
        else:
            lines += _docx_lines(child)
    return lines


def _drop_fallbacks(root: ElementTree.Element) -> None:
    """A text box is stored twice, for new and old versions of Word (mc:Choice, mc:Fallback): keep it once."""
    for parent in list(root.iter()):
        for child in [c for c in parent if c.tag == _MC_FALLBACK]:
            parent.remove(child)


def docx_text(raw: bytes) -> str:
    """The text of a .docx file's main document (headers, footers and notes are not the document).

    Raises :class:`zipfile.BadZipFile`, :class:`KeyError` (no ``word/document.xml``) or
    :class:`xml.etree.ElementTree.ParseError`.
    """
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        root = ElementTree.fromstring(archive.read("word/document.xml"))
    _drop_fallbacks(root)
    body = root.find(f"{_W}body")
    return _plain_lines(_docx_lines(body if body is not None else root))
