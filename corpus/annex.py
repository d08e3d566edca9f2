"""Annexes, and the 重点任务分工表 that 意见 documents attach.

A task table (序号 / 重点任务 / 责任单位) becomes one ``annex`` unit per row, carrying its
responsible units; each row is later linked to the body article(s) whose text it restates.
Both PDF-extracted tables (row number at the start of a line, cells wrapped over lines) and
Markdown pipe tables are read. Category rows (「一、消防设施器材」 across the table) are headings
of the rows under them. Any other annex (a regulation, a blank form or statistics table) is
prose, cited by its items or paragraphs; the 版记 at the very end of the document (抄送 lines
and the 「…年…月…日印发」 line) is recorded as headings, not as annex text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .layout import DATE_RE, UNIT_START_RE, SourceLine
from .numerals import NUMERAL_CHARS, parse_chinese_number
from .paragraphs import Paragraph, tidy_pdf_spacing, to_paragraphs
from .structure import SECTION_PATH_SEP, SECTION_RE, Unit, build_body
from .text import char_bigrams

ANNEX_MARKER_RE = re.compile(r"^附\s*件\s*([0-9一二三四五六七八九十]*)\s*[：:]?$")
_TASK_COLUMN = ("任务", "工作", "措施", "事项", "内容")
_UNIT_COLUMN = ("责任单位", "牵头单位", "责任部门", "负责单位", "牵头部门", "责任主体", "配合单位", "配合部门",
                "参加单位", "参与单位")
_ROW_START_RE = re.compile(r"^(\d{1,3})(?:[\s\u3000]+(.*))?$")
_DEADLINE_COLUMN = ("完成时限", "完成时间", "时间进度", "进度安排", "时限")
# A 完成时限 cell: 「2024年8月底前」「2025年、2026年」「2024年12月」「持续推进」「长期坚持」.
_DEADLINE_RE = re.compile(r"(?:(?:\d{4}年|每年)(?:\d{1,2}月)?(?:底|中|末)?(?:前|以前|之前)?(?:[、，至—－-]|$))+"
                          r"|持续推进|长期坚持|持续开展|长期推进")
_SERIAL_RE = re.compile(r"^\d{1,3}$")
_RULE_CELL_RE = re.compile(r"^:?-{2,}:?$")  # a cell of a Markdown table's | --- | rule row
_RULE_LINE_RE = re.compile(r"^[-—－_=*]{3,}$")  # a horizontal rule (the lines framing a 版记)
# The role a unit column gives its units (牵头单位 → 牵头); only roles that unit_names() strips again.
_COLUMN_ROLE_RE = re.compile(r"牵头|配合|参加|参与|负责")
_COPY_TO_RE = re.compile(r"^(?:抄送|抄报|分送|发送)\s*[：:]")
_ISSUED_RE = re.compile(rf"{DATE_RE.pattern}\s*印发$")
_IMPRINT_SPAN = 6  # non-blank lines above the 印发 line that may still belong to the 版记
_CATEGORY_NUMBER_RE = re.compile(rf"^([{NUMERAL_CHARS}]+)(?:、|\s|$)")  # 「二、用电安全」「二 用电安全」
_CELL_GAP = "\u3000"  # between the cells of a table row rendered as text
_TEXT_CELL_SPLIT_RE = re.compile(r"\s*[|\t]\s*|[ \u3000]{2,}")
# 「序号 材料名称 要求」: column names set apart by single spaces (each short, no punctuation).
_SINGLE_SPACED_HEADER_RE = re.compile(r"^序号(?:[ \u3000][^\s，。；：、,.;:]{1,12}){2,}$")
_NOTE_WORDS = "备注|注|说明"
_NOTES_HEADING_RE = re.compile(rf"^({_NOTE_WORDS})[：:]?$")  # 「说明：」 alone above a table's numbered notes
_NOTE_RE = re.compile(rf"^(?:{_NOTE_WORDS})\s*[：:]|^\d+\s*[.．、]")  # notes under a table are not its rows
_ROLE_RE = re.compile(r"(按职责分工负责|按职责分工|分别负责|共同负责|牵头负责|负责|牵头|参加|参与|配合|等)$")
_ORG_RE = re.compile(
    r"(部|委|局|会|院|办|行|署|联|中央|政府|厅|中心|单位|部门|机构|组|室|所|团|社|公司|银行|总局|委员会)$"
)


@dataclass
class AnnexRegion:
    marker: str
    number: int | None
    lines: list[SourceLine]


def split_annexes(lines: list[SourceLine]) -> tuple[list[SourceLine], list[AnnexRegion]]:
    """Cut the body at each line that is just ``附件`` / ``附件2`` (the annexes follow the sign-off)."""
    main: list[SourceLine] = []
    regions: list[AnnexRegion] = []
    seen_text = False
    for line in lines:
        m = ANNEX_MARKER_RE.match(line.text)
        if m and seen_text:
            digits = m.group(1)
            number = None
            if digits:
                number = int(digits) if digits.isdigit() else parse_chinese_number(digits)
            regions.append(AnnexRegion(line.text, number, []))
            continue
        seen_text = seen_text or bool(line.text)
        (regions[-1].lines if regions else main).append(line)
    return main, regions


def _unit_cores(text: str) -> list[str]:
    """The items of a responsible-units text with their role words removed (「国家卫生健康委牵头」 → 国家卫生健康委)."""
    items = [x for x in re.split(r"[、，；。,;\s\u3000]+", text) if x]
    return [_ROLE_RE.sub("", _ROLE_RE.sub("", item)) for item in items]


def unit_names(responsible_units: str) -> list[str]:
    """``国家卫生健康委牵头，民政部、应急部参加。`` → [国家卫生健康委, 民政部, 应急部]."""
    return [core for core in _unit_cores(responsible_units) if len(core) >= 2]


def is_units_text(text: str) -> bool:
    """True for ``民政部、国家卫生健康委按职责分工负责，地方各级人民政府负责。`` and the like."""
    cores = _unit_cores(text)
    return bool(cores) and all(not core or (len(core) <= 16 and _ORG_RE.search(core)) for core in cores)


def split_task_and_units(cells: list[str]) -> tuple[str, str | None]:
    """Split a row's wrapped text into its task and its responsible units."""
    content = "".join(cells)
    sentence_ends = [m.end() for m in re.finditer("。", content)]
    line_ends = [sum(map(len, cells[:i])) for i in range(1, len(cells))]
    for cut in sentence_ends + line_ends:
        task, units = content[:cut].strip(), content[cut:].strip()
        if task and units and is_units_text(units):
            return task, units
    return content.strip(), None


def _is_category(text: str) -> bool:
    """A short 「一、消防设施器材」 line between a table's rows: the heading of the rows under it."""
    return bool(SECTION_RE.match(text)) and len(text) <= 40 and text[-1] not in "。；！？"


def _under(section: str, category: str) -> str:
    return SECTION_PATH_SEP.join(s for s in (section, category) if s)


def _qualify_restarted(units: list[Unit], label_prefix: str) -> None:
    """Rows numbered afresh under each category are cited with it: ``附件1二、第1项``."""
    numbers = [u.number for u in units]
    if len(numbers) == len(set(numbers)):
        return
    for unit in units:
        if m := _CATEGORY_NUMBER_RE.match(unit.section.split(SECTION_PATH_SEP)[-1]):
            unit.label = f"{label_prefix}{m.group(1)}、第{unit.number}项"


def _deadline_lines(cells: list[str]) -> int:
    """How many of a row's last lines hold its 完成时限 cell (「2024年8月」「底前」, 「持续推进」): 0 when none do."""
    found = 0
    for k in range(1, min(3, len(cells) - 1) + 1):
        if _DEADLINE_RE.fullmatch("".join(cells[-k:])):
            found = k
    return found


def _is_name(text: str) -> bool:
    return len(text) >= 3 and _ORG_RE.search(text) is not None


def _cells_on_a_line(line: str) -> list[str]:
    """「举办全省养老护理职业技能大赛 省民政厅」: a task cell and a unit cell that one line of PDF text holds."""
    parts = line.split()
    return parts if len(parts) > 1 and all(_is_name(p.strip("、，")) for p in parts[1:]) else [line]


def _units_start(cells: list[str]) -> int | None:
    """The first line of a row's units: from it on every line reads as (part of) units, and it is no wrapped end of
    the task (「实训基地」 before 「各设区市人民政府」)."""
    for i in range(1, len(cells)):
        rest = cells[i:]
        fragment = not _ORG_RE.search(rest[0]) and not rest[0].endswith(("、", "，"))
        # a name starts on the next line (it may wrap: 「省人力资源社会保」「障厅」; 「障厅」 starts none)
        name_next = len(rest) > 1 and len(rest[1]) >= 3 and _is_name(_wrapped_names(rest[1:4])[0])
        if is_units_text("".join(rest)) and not (fragment and name_next):
            return i
    return None


def _wrapped_names(lines: list[str]) -> list[str]:
    """Names wrapped line by line as PDF text gives them (「省民政厅」「省人力资源社会保障」「厅」): a name ends on the
    line ending with an organisation (a line ending in 、 goes on); what is left after the last is one more."""
    names, current = [], ""
    for line in lines:
        current += line
        if _ORG_RE.search(current):
            names.append(current)
            current = ""
    return names + ([current] if current else [])


def _lead_and_partners(lines: list[str]) -> str:
    """The units of a row under 牵头单位 and 配合单位 columns: the first name leads, the names after it take part."""
    names = _wrapped_names(lines)
    return f"{names[0]}牵头，{'、'.join(names[1:])}配合" if len(names) > 1 else "".join(lines)


def _row_units(lines: list[str], label_prefix: str, section: str,
               header: str = "") -> tuple[list[Unit], list[str]]:
    """Rows of a PDF-extracted table: a line starting with the next 序号 opens a row. Under a 完成时限 column a row's
    deadline is its last line(s), kept after its units; under 牵头单位 and 配合单位 its units are read as such."""
    rows: list[tuple[int, str, list[str]]] = []
    categories: list[str] = []
    expected, after_category = 1, False
    for line in lines:
        m = _ROW_START_RE.match(line)
        if m and (int(m.group(1)) == expected or (after_category and int(m.group(1)) == 1)):
            number = int(m.group(1))
            rows.append((number, categories[-1] if categories else "", [m.group(2)] if m.group(2) else []))
            expected, after_category = number + 1, False
        elif _is_category(line):
            categories.append(line)
            after_category = True
        elif rows:
            rows[-1][2].append(line)
    units = []
    dated = any(w in header for w in _DEADLINE_COLUMN)
    lead_and_partners = "牵头" in header and "配合" in header
    for number, category, cells in rows:
        cells = [tidy_pdf_spacing(c) for c in cells]
        due = _deadline_lines(cells) if dated else 0
        deadline, cells = "".join(cells[len(cells) - due:]), cells[:len(cells) - due]
        if lead_and_partners:  # its own columns: the units start on a line of their own
            cells = [part for c in cells for part in _cells_on_a_line(c)]
            start = _units_start(cells)
            task = "".join(cells[:start]) if start else "".join(cells)
            responsible = _lead_and_partners(cells[start:]) if start else None
        else:
            task, responsible = split_task_and_units(cells)
        text = "\n".join(t for t in (task, responsible, deadline) if t)
        label = f"{label_prefix}第{number}项"
        units.append(Unit(label, number, "annex", _under(section, category), [text], responsible))
    _qualify_restarted(units, label_prefix)
    return units, categories


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _is_rule_row(cells: list[str]) -> bool:
    """``| --- | :---: |``, or a row with nothing in it."""
    return all(_RULE_CELL_RE.match(c) for c in cells if c)


def _column(header: list[str], words: tuple[str, ...]) -> list[int]:
    return [i for i, h in enumerate(header) if any(w in h for w in words)]


def _responsible(cells: list[str], header: list[str], unit_cols: list[int]) -> str:
    """The row's units; with 牵头单位 and 配合单位 columns, as the PDF tables write them: ``甲牵头，乙配合``."""
    filled = [i for i in unit_cols if i < len(cells) and cells[i]]
    if len(unit_cols) == 1:
        return cells[filled[0]] if filled else ""
    parts = []
    for i in filled:
        role = _COLUMN_ROLE_RE.search(header[i])
        needs_role = role and not _ROLE_RE.search(cells[i])
        parts.append(cells[i] + (role.group(0) if needs_role else ""))
    return "，".join(parts)


def _pipe_units(lines: list[str], header: list[str], label_prefix: str, section: str) -> tuple[list[Unit], list[str]]:
    """Rows of a Markdown table, numbered by their 序号 cell; a row with only a title in it is a category."""
    serial_col = next(iter(_column(header, ("序号",))), 0)
    task_col = next(iter(_column(header, _TASK_COLUMN)), 1)
    unit_cols = _column(header, _UNIT_COLUMN)
    if not unit_cols:  # a table of standards: its header says what the figures are (「补贴标准（元/托位·年）」)
        section = _under(section, _CELL_GAP.join(c for c in header if c))
    units: list[Unit] = []
    categories: list[str] = []
    for line in lines:
        cells = _cells(line)
        if _is_rule_row(cells):  # also a row of empty cells
            continue
        serial = cells[serial_col] if serial_col < len(cells) else ""
        numbered = bool(_SERIAL_RE.match(serial))
        if not numbered and not any(i < len(cells) and cells[i] for i in unit_cols):
            categories.append(" ".join(c for c in cells if c))
            continue
        number = int(serial) if numbered else len(units) + 1
        task = cells[task_col] if task_col < len(cells) else ""
        # The unit cells, then further columns (完成时限 …) and an unnumbered 序号 cell, one a line.
        rest = [c for i, c in enumerate(cells) if c and i not in (serial_col, task_col, *unit_cols)]
        units_text = [cells[i] for i in unit_cols if i < len(cells) and cells[i]]
        numbering = [serial] if serial and not numbered else []
        text = "\n".join([task] + units_text + rest + numbering)
        # A row whose unit cells are empty is still a task row (units ""), cited by its 序号.
        responsible = _responsible(cells, header, unit_cols)
        category = categories[-1] if categories else ""
        label = f"{label_prefix}第{number}项"
        units.append(Unit(label, number, "annex", _under(section, category), [text], responsible))
    _qualify_restarted(units, label_prefix)
    return units, categories


def _annex_title(lines: list[SourceLine]) -> tuple[str, list[SourceLine]]:
    """The Markdown heading(s) an annex opens with are its title, not a heading to label its paragraphs by."""
    at = [i for i, l in enumerate(lines) if l.text]
    n = 0
    while n < len(at) - 1 and lines[at[n]].heading_level and not UNIT_START_RE.match(lines[at[n]].text):
        n += 1
    # The rest keeps its blank lines: they separate one table from the next.
    return "".join(lines[i].text for i in at[:n]), lines[at[n]:] if at else []


def _markdown_paragraphs(lines: list[SourceLine]) -> list[Paragraph]:
    """Paragraphs of a Markdown annex; a table that is not a task table (a blank form, statistics) is one
    paragraph, a line per row with its cells spaced, rule rows dropped."""
    paragraphs: list[Paragraph] = []
    table: list[str] = []
    for line in lines + [SourceLine("")]:
        if line.text.startswith("|"):
            cells = _cells(line.text)
            if not _is_rule_row(cells):
                table.append(_CELL_GAP.join(c for c in cells if c))
            continue
        if table:
            paragraphs.append(Paragraph("\n".join(table)))
        table = []
        if line.text:
            paragraphs.append(Paragraph(line.text, line.heading_level))
    return paragraphs


def _text_units(lines: list[SourceLine], markdown: bool, prefix: str, section: str,
                notes: str = "") -> tuple[list[Unit], list[str]]:
    """Units and headings of annex text: articles, items, or paragraphs (``附件12第1段``); ``notes``: the word
    heading the numbered notes of a table above (说明), that their points are cited by."""
    paragraphs = _markdown_paragraphs(lines) if markdown else to_paragraphs(lines, markdown)
    body = build_body(paragraphs)
    units = []
    for unit in body.units:
        # A numbered list's 「1．」 after 附件1 would read 附件11．: it is the annex's 第1项 (a table's notes: 附件说明1.).
        own = (f"{notes}{unit.label}" if notes else f"第{unit.number}项") if unit.label[:1].isdigit() else unit.label
        label = prefix if unit.part == "preamble" else f"{prefix}{own}"
        units.append(Unit(label, unit.number, "annex", _under(section, unit.section), unit.paragraphs))
    return units, body.headings


def _note_units(lines: list[SourceLine], markdown: bool, prefix: str, section: str) -> tuple[list[Unit], list[str]]:
    """The text under a table: its notes headed 「说明：」 and numbered 1. 2. are cited as the notes' (附件说明1.),
    not as the table's rows (附件第1项)."""
    first = next((l.text for l in lines if l.text), "")
    heading = _NOTES_HEADING_RE.match(re.sub(r"[*\s]", "", first))
    return _text_units(lines, markdown, prefix, section, heading.group(1) if heading else "")


def _prose_units(region: AnnexRegion, markdown: bool, prefix: str) -> tuple[list[Unit], list[str]]:
    """An annex that is a text of its own (the full text of a regulation, a form to fill in)."""
    title, lines = _annex_title(region.lines)
    units, headings = _text_units(lines, markdown, prefix, _under(region.marker, title))
    return units, [region.marker] + ([title] if title else []) + headings


def _is_table_header(text: str) -> bool:
    """A task table's header (序号 and a unit column), or any numbered table's (序号 and two more cells)."""
    return "序号" in text and (_has_unit_column(text) or len(_header_cells(text)) >= 3)


def _has_unit_column(header: str) -> bool:
    return any(w in header for w in _UNIT_COLUMN)


def _text_cells(line: str) -> list[str]:
    """Cells of a table row as text: pipes, tabs or runs of two or more spaces between them."""
    return [c.strip() for c in _TEXT_CELL_SPLIT_RE.split(line.strip().strip("|")) if c.strip()]


def _header_cells(line: str) -> list[str]:
    """Cells of a table header: as a row's, or column names set apart by single spaces."""
    cells = _text_cells(line)
    if len(cells) < 3 and _SINGLE_SPACED_HEADER_RE.match(line.strip()):
        return line.split()
    return cells


def _spaced_cells(line: str) -> str:
    """A row's cells as one line, spaced as the clause text writes table rows."""
    return _CELL_GAP.join(_text_cells(line))


def _numbered_rows(lines: list[str], header: str, label_prefix: str, section: str) -> tuple[list[Unit], int]:
    """Rows of a numbered table without responsible units (救助项目和标准, 补贴标准): a line opening with the next
    序号 is a row, its cells spaced; a line without one goes on the row above. The header is the rows' heading,
    so that 「救助标准（元）」 says what unit the bare figures are in. Returns the rows and the lines read."""
    units: list[Unit] = []
    section = _under(section, _CELL_GAP.join(_header_cells(header)))
    read = 0
    for line in lines:
        m = _ROW_START_RE.match(line)
        if m and int(m.group(1)) == len(units) + 1 and m.group(2):
            number = len(units) + 1
            units.append(Unit(f"{label_prefix}第{number}项", number, "annex", section, [_spaced_cells(m.group(2))]))
        elif units and not _NOTE_RE.match(line):
            units[-1].paragraphs[-1] += _CELL_GAP + _spaced_cells(line)
        else:
            break
        read += 1
    return units, read


def _split_imprint(lines: list[SourceLine]) -> tuple[list[SourceLine], list[str]]:
    """Cut the 版记 off the end of a document: its 抄送 lines and the 「…2024年3月21日印发」 line, with rules.

    It records who was sent and who printed the document, not what the document says.
    """
    at = [i for i, l in enumerate(lines) if l.text]
    if not at or not _ISSUED_RE.search(lines[at[-1]].text):
        return lines, []
    start = at[-1]
    for i in reversed(at[-_IMPRINT_SPAN - 1:-1]):
        text = lines[i].text
        if text.startswith("|") or lines[i].heading_level:
            break
        if _COPY_TO_RE.match(text):
            start = i
    while start and (not lines[start - 1].text or _RULE_LINE_RE.match(lines[start - 1].text)):
        start -= 1
    imprint = [l.text for l in lines[start:] if l.text and not _RULE_LINE_RE.match(l.text)]
    return lines[:start], imprint


def parse_annex(region: AnnexRegion, markdown: bool) -> tuple[list[Unit], list[str]]:
    """Units and headings of one annex."""
    prefix = f"附件{region.number}" if region.number else "附件"
    lines, imprint = _split_imprint(region.lines)
    nonblank = [l for l in lines if l.text]
    texts = [l.text for l in nonblank]
    header_at = next((i for i, t in enumerate(texts) if _is_table_header(t)), None)
    if header_at is None:
        units, headings = _prose_units(AnnexRegion(region.marker, region.number, lines), markdown, prefix)
        return units, headings + imprint
    title = "".join(texts[:header_at])
    section = tidy_pdf_spacing(title) if title else region.marker
    headings = [region.marker] + ([title] if title else []) + [texts[header_at]]
    if not texts[header_at].startswith("|") and not _has_unit_column(texts[header_at]):
        units, read = _numbered_rows(texts[header_at + 1:], texts[header_at], prefix, section)
        notes, note_headings = _note_units(nonblank[header_at + 1 + read:], markdown, prefix, section)
        return units + notes, headings + note_headings + imprint
    if not texts[header_at].startswith("|"):
        units, categories = _row_units(texts[header_at + 1:], prefix, section, texts[header_at])
        return units, headings + categories + imprint
    # Notes under a Markdown table (「注：…」) are paragraphs of the annex, not rows.
    end = next((i for i in range(header_at + 1, len(texts)) if not texts[i].startswith("|")), len(texts))
    units, categories = _pipe_units(texts[header_at + 1:end], _cells(texts[header_at]), prefix, section)
    notes, note_headings = _note_units(nonblank[end:], markdown, prefix, section)
    return units + notes, headings + categories + note_headings + imprint


def restated_targets(task: str, candidates: list[set[str]], threshold: float = 0.5) -> list[int]:
    """Indices of the candidates (character bigrams of article texts) that a task row restates, best first.

    A row restates an article when most of its character bigrams occur in the article.
    """
    wanted = char_bigrams(task)
    if not wanted:
        return []
    scores = [len(wanted & bigrams) / len(wanted) for bigrams in candidates]
    best = max(scores, default=0.0)
    if best < threshold:
        return []
    keep = [i for i, s in enumerate(scores) if s >= max(threshold, 0.85 * best)]
    return sorted(keep, key=lambda i: -scores[i])
