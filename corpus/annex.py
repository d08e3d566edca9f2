"""Annexes, and the 重点任务分工表 that 意见 documents attach.

A task table (序号 / 重点任务 / 责任单位) becomes one ``annex`` unit per row, carrying its
responsible units; each row is later linked to the body article(s) whose text it restates.
Both PDF-extracted tables (row number at the start of a line, cells wrapped over lines) and
Markdown pipe tables are read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .layout import SourceLine
from .numerals import parse_chinese_number
from .paragraphs import tidy_pdf_spacing, to_paragraphs
from .structure import SECTION_PATH_SEP, Unit, build_body
from .text import char_bigrams

ANNEX_MARKER_RE = re.compile(r"^附\s*件\s*([0-9一二三四五六七八九十]*)\s*[：:]?$")
_TASK_COLUMN = ("任务", "工作", "措施", "事项", "内容")
_UNIT_COLUMN = ("责任单位", "牵头单位", "责任部门", "负责单位", "牵头部门", "责任主体", "配合单位")
_ROW_START_RE = re.compile(r"^(\d{1,3})(?:[\s\u3000]+(.*))?$")
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


def _row_units(lines: list[str], label_prefix: str, section: str) -> list[Unit]:
    rows: list[list[str]] = []
    expected = 1
    for line in lines:
        m = _ROW_START_RE.match(line)
        if m and int(m.group(1)) == expected:
            rows.append([m.group(2)] if m.group(2) else [])
            expected += 1
        elif rows:
            rows[-1].append(line)
    units = []
    for number, cells in enumerate(rows, 1):
        task, responsible = split_task_and_units([tidy_pdf_spacing(c) for c in cells])
        text = f"{task}\n{responsible}" if responsible else task
        units.append(Unit(f"{label_prefix}第{number}项", number, "annex", section, [text], responsible))
    return units


def _pipe_units(lines: list[str], header: list[str], label_prefix: str, section: str) -> list[Unit]:
    task_col = next((i for i, h in enumerate(header) if any(w in h for w in _TASK_COLUMN)), 1)
    unit_col = next((i for i, h in enumerate(header) if any(w in h for w in _UNIT_COLUMN)), None)
    units = []
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
            continue
        number = len(units) + 1
        task = cells[task_col] if task_col < len(cells) else ""
        responsible = cells[unit_col] if unit_col is not None and unit_col < len(cells) else None
        # Further columns (完成时限 …) stay in the row's text, after the task and its units.
        extras = [c for i, c in enumerate(cells) if c and i not in (0, task_col, unit_col)]
        text = "\n".join([task] + ([responsible] if responsible else []) + extras)
        units.append(Unit(f"{label_prefix}第{number}项", number, "annex", section, [text], responsible or None))
    return units


def _prose_units(region: AnnexRegion, markdown: bool, prefix: str) -> tuple[list[Unit], list[str]]:
    """An annex that is a text of its own (for example the full text of a regulation)."""
    body = build_body(to_paragraphs(region.lines, markdown))
    units = []
    for unit in body.units:
        label = prefix if unit.part == "preamble" else f"{prefix}{unit.label}"
        section = SECTION_PATH_SEP.join(s for s in (region.marker, unit.section) if s)
        units.append(Unit(label, unit.number, "annex", section, unit.paragraphs))
    return units, [region.marker] + body.headings


def _is_table_header(text: str) -> bool:
    return "序号" in text and any(w in text for w in _UNIT_COLUMN)


def parse_annex(region: AnnexRegion, markdown: bool) -> tuple[list[Unit], list[str]]:
    """Units and headings of one annex."""
    prefix = f"附件{region.number}" if region.number else "附件"
    texts = [l.text for l in region.lines if l.text]
    header_at = next((i for i, t in enumerate(texts) if _is_table_header(t)), None)
    if header_at is None:
        return _prose_units(region, markdown, prefix)
    title = "".join(texts[:header_at])
    section = tidy_pdf_spacing(title) if title else region.marker
    headings = [region.marker] + ([title] if title else []) + [texts[header_at]]
    body = texts[header_at + 1:]
    if texts[header_at].startswith("|"):
        header_cells = [c.strip() for c in texts[header_at].strip("|").split("|")]
        return _pipe_units(body, header_cells, prefix, section), headings
    return _row_units(body, prefix, section), headings


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
