"""Split a document's text into metadata, header lines and body lines.

Three layouts of the genre are recognised, alone or combined:
- YAML front matter (``---`` … ``---``) with title, date, link, status, authors;
- the Markdown layout of statute collections: ``# title``, info lines, ``<!-- INFO END -->``;
- plain text extracted from a PDF: title spread over the first lines, 发文字号 under it,
  signature and date at the end.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import yaml

from .numerals import NUMERAL_CHARS, parse_chinese_number
from .standards import STANDARD_NUMBER_RE, TOC_ENTRY_RE, standard_cover, unspaced, without_page_furniture

DOC_NUMBER_RE = re.compile(
    r"[A-Za-z\u4e00-\u9fff]{1,16}\s*[〔\[【［（(]\s*(?:19|20|１９|２０)[\d０-９]{2}\s*[〕\]】］）)]\s*(?:第\s*)?[\d０-９]{1,5}\s*号"
)
_CN_YEAR = f"[{NUMERAL_CHARS}]{{4}}"
DATE_RE = re.compile(
    rf"((?:19|20)\d{{2}}|{_CN_YEAR})\s*年\s*(\d{{1,2}}|[{NUMERAL_CHARS}]{{1,3}})\s*月"
    rf"\s*(\d{{1,2}}|[{NUMERAL_CHARS}]{{1,3}})\s*日"
)
DATE_LINE_RE = re.compile(rf"^[（(]?\s*{DATE_RE.pattern}\s*[）)]?$")
ISO_DATE_RE = re.compile(r"((?:19|20)\d{2})-(\d{2})-(\d{2})")
INFO_END = "<!-- INFO END -->"
TERMINAL = "。！？；：…”’」』"
_MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD_RE = re.compile(r"\*\*(.+?)\*\*")
# A bold run title followed by a space and Chinese text (``**（一）指导思想。** 以…``): the space goes too; after an
# article number (``**第一条** 为了…``) it stays, as statutes print it.
_BOLD_THEN_SPACE_RE = re.compile(r"\*\*(?!第[^*]{1,12}条\*\*)(.+?)\*\*[ \t]+(?=[\u4e00-\u9fff“（《])")
_MEETING_RE = re.compile(
    rf"(?:^|\s)(\S*?)第[{NUMERAL_CHARS}\d]+届(\S+?)第[{NUMERAL_CHARS}\d]+次(?:全体)?会议"
)
_RED_HEADER_RE = re.compile(r"^\S{2,16}文件$")
_INDENT_RE = re.compile(r"^(?:\u3000+|[ \t]{2,})(?=\S)")
ORDER_RE = re.compile(r"^(?:中华人民共和国)?(\S{2,16}?)令$")  # 「中华人民共和国民政部令」「国务院令」
ORDER_NUMBER_RE = re.compile(rf"^[（(]?第\s*(\d{{1,4}}|[{NUMERAL_CHARS}]{{1,8}})\s*号[）)]?$")  # 「第66号」「（第二十一号）」
# 「公　　告」 under a people's congress standing committee, which numbers its own: 「第二十一号」, then 「《…条例》已由…
# 通过，现予公布」.
_ANNOUNCEMENT_RE = re.compile(r"^公[\s　]*告$")
# 「2019年第76号」 under 「财政部　税务总局…公告」: a 公告 is numbered by year, after its issuers.
ANNOUNCEMENT_NUMBER_RE = re.compile(r"^[（(]?((?:19|20)\d{2})\s*年\s*第\s*(\d{1,4})\s*号[）)]?$")
# An issuing organ's name on a line of its own above the 发文字号 (「民政部办公厅」), where 「…文件」 is not written.
_ORGAN_RE = re.compile(r"^[\u4e00-\u9fff　 ]{2,30}(?:部|厅|委|局|署|办公室|政府|院|会|办)$")
# A title line that completes the title: 的 and the kind of document (「…的公告」「…的通知」「…的指导意见」); a line
# ending in a kind without 的 (「国务院关于印发…养老服务体系规划」) may go on (「的通知」).
_TITLE_END_RE = re.compile(r"的(?:公告|通知|\S{0,2}意见|\S{0,2}方案|\S{0,2}办法|规定|细则|\S{0,2}措施|决定|批复|通告|函)$")
# 「发布单位：济南市历下区民政局」「更新日期：2023年3月1日」「来源：…」 under a guide's title: metadata, not title text.
_META_LINE_RE = re.compile(
    r"^(发文字号|文号|发布单位|发布机关|发布机构|发文机关|发文单位|制发机关|发布日期|更新日期|成文日期|发布时间|印发日期"
    r"|索引号|主题分类|主题词|来源)[：:]\s*(\S.*)$")
_FILING_KEYS = ("索引号", "主题分类", "主题词")  # where a portal files the document: metadata that names nothing
# A one-line title over 40 characters: up to eight or more joint issuers before 关于 (「…民政局 …财政局 …教育局关于印发
# 《…》的通知」).
_LONG_TITLE_RE = re.compile(r"^[^，。；：:,]{2,100}关于[^，。；：:,]{4,90}$")
PROMULGATED_RE = re.compile(r"^《([^》]{2,60})》(?:已|经)[^。]{0,80}?(?:通过|批准)")  # over the lines it wraps on
# Lines (not counting blank ones) the header of PDF-extracted text may take: a joint red header names each issuer
# on a line of its own (eight or more departments, then 「文件」), then the 发文字号, a title of up to four lines, a date.
HEADER_LINES = 20
TITLE_MAX_CHARS = 160  # joint issuers and 关于印发《…》的通知 included; more is a paragraph run into the title
# A printed page number on a line of its own (「— 3 —」「- 3 -」「第 3 页 共 12 页」), left by PDF extraction.
# A bare number is not one: it may be a table's 序号 cell.
PAGE_MARK_RE = re.compile(
    r"^[—–\-－~]{1,3}\s*\d{1,4}\s*[—–\-－~]{1,3}$|^第\s*\d{1,4}\s*页(?:\s*[，,/]?\s*共\s*\d{1,4}\s*页)?$"
)
# The first line of a title note (题注) under the title: the document's date, or the date its adoption or amendment
# begins with (「（2024年12月30日）」「2009年2月28日 第十一届全国人民代表大会常务委员会第七次会议通过」).
TITLE_NOTE_START_RE = re.compile(rf"^[（(]?\s*{DATE_RE.pattern}")
_BRACKETED_NOTE_RE = re.compile(rf"^[（(]\s*{DATE_RE.pattern}.*[）)]$")  # a whole title note in brackets
UNIT_START_RE = re.compile(
    rf"^(第[{NUMERAL_CHARS}\d]+[编章节条]|[{NUMERAL_CHARS}]+、|[（(][{NUMERAL_CHARS}]+[）)])"
)


@dataclass
class SourceLine:
    """A body line with Markdown markup removed; ``heading_level`` is set for ``#`` headings."""

    text: str
    heading_level: int | None = None
    indented: bool = False  # plain text: the line began with a paragraph indent (「　　」 or spaces)


@dataclass
class Layout:
    meta: dict
    header: list[str] = field(default_factory=list)
    title_note: list[str] = field(default_factory=list)  # the 题注 lines under the title, a citable unit
    lines: list[SourceLine] = field(default_factory=list)
    markdown: bool = False


def normalise_date(text: str) -> str | None:
    """Return ``YYYY-MM-DD`` for the first date written in ``text``, or None."""
    m = ISO_DATE_RE.search(text)
    if m:
        return "-".join(m.groups())
    m = DATE_RE.search(text)
    if not m:
        return None
    year_text, month_text, day_text = m.groups()
    digits = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"○": "0", "零": "0"}
    year = year_text if year_text.isdigit() else "".join(digits.get(c, "?") for c in year_text)
    try:
        month = int(month_text) if month_text.isdigit() else parse_chinese_number(month_text)
        day = int(day_text) if day_text.isdigit() else parse_chinese_number(day_text)
    except ValueError:
        return None
    if not year.isdigit() or not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year}-{month:02d}-{day:02d}"


_OPENING, _CLOSING = str.maketrans("([【［", "〔〔〔〔"), str.maketrans(")]】］", "〕〕〕〕")


def compact(text: str) -> str:
    """A 发文字号 in one spelling: ``国办发(2020) 52 号`` / ``国办发［２０２０］52号`` → ``国办发〔2020〕52号``."""
    text = unicodedata.normalize("NFKC", text).translate(_OPENING).translate(_CLOSING)
    return re.sub(r"\s+", "", text)


def issuer_from_title(title: str) -> str | None:
    """``国务院办公厅关于…`` → ``国务院办公厅``."""
    head, sep, _ = title.partition("关于")
    head = head.strip()
    return head if sep and 1 < len(head) <= 30 else None


def _front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---"):
        return {}, text
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, text
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            try:
                data = yaml.safe_load("\n".join(lines[1:i])) or {}
            except yaml.YAMLError:
                return {}, text
            if isinstance(data, dict):
                return data, "\n".join(lines[i + 1:])
            return {}, text
    return {}, text


def _meta_from_front_matter(data: dict) -> dict:
    def first(*keys: str):
        for key in keys:
            value = data.get(key)
            if value not in (None, "", []):
                return value
        return None

    meta: dict = {}
    if (title := first("title", "标题")) is not None:
        meta["title"] = str(title).strip()
    if (number := first("doc_number", "document_number", "文号", "发文字号")) is not None:
        meta["doc_number"] = compact(str(number))
    issuer = first("issuer", "发文机关", "authors", "author")
    if isinstance(issuer, list):
        issuer = "、".join(str(x) for x in issuer)
    if issuer is not None:
        meta["issuer"] = str(issuer)
    if (date := first("date", "publication_date", "发布日期", "成文日期")) is not None:
        meta["date"] = normalise_date(str(date))
    if (link := first("link", "url", "source_url", "来源链接")) is not None:
        meta["source_url"] = str(link)
    if (status := first("status", "效力", "时效性")) is not None:
        meta["status"] = str(status)
    return meta


def _strip_markdown(line: str) -> SourceLine:
    stripped = line.strip()
    m = _MD_HEADING_RE.match(stripped)
    if m:
        return SourceLine(_unbold(m.group(2)).strip(), heading_level=len(m.group(1)))
    if stripped.startswith(">"):
        stripped = stripped.lstrip(">").strip()
    return SourceLine(_unbold(stripped).strip())


def _unbold(text: str) -> str:
    """Drop ``**`` markup (and the space after a bold run title, which Chinese text never has)."""
    return _BOLD_RE.sub(r"\1", _BOLD_THEN_SPACE_RE.sub(r"\1", text))


def _meta_from_info_lines(info: list[str]) -> dict:
    meta: dict = {}
    dates = [d for d in (normalise_date(line) for line in info) if d]
    if dates:
        meta["date"] = max(dates)
    for line in info:
        if m := _MEETING_RE.search(line):
            meta["issuer"] = m.group(1) + m.group(2)
            break
    for line in info:
        if m := DOC_NUMBER_RE.search(line):
            meta["doc_number"] = compact(m.group(0))
            break
    return meta


_INFO_END_LINE_RE = re.compile(rf"^\s*{re.escape(INFO_END)}\s*$", re.MULTILINE)  # the marker on a line of its own
_MARKDOWN_HEADING_RE = re.compile(r"^#{1,6}\s", re.MULTILINE)


def _is_markdown(text: str, suffix: str) -> bool:
    return suffix in (".md", ".markdown") or bool(_INFO_END_LINE_RE.search(text) or _MARKDOWN_HEADING_RE.search(text))


def _plain_header(lines: list[str]) -> tuple[dict, int]:
    """Title lines, 发文字号 and a date line at the top of PDF-extracted text.

    Returns the metadata found and the index of the first body line.
    """
    if (cover := standard_cover(lines)) is not None:
        return cover
    meta: dict = {}
    title_parts: list[str] = []
    title_done = False
    order_name = ""  # a 令 (部门规章, 国务院令) is numbered 「民政部令第66号」 on two lines
    i = 0
    consumed = 0
    seen = 0
    while i < len(lines) and seen < HEADER_LINES:
        line = lines[i].strip()
        i += 1
        if not line:
            continue
        seen += 1
        if (order := ORDER_RE.fullmatch(line)) and not title_parts:  # 「中华人民共和国民政部令」
            meta.setdefault("issuer", order.group(1))
            order_name, consumed = f"{order.group(1)}令", i
            continue
        if (_ANNOUNCEMENT_RE.match(line) and title_parts and not order_name  # 「…人民代表大会常务委员会」「公告」
                and ORDER_NUMBER_RE.fullmatch(next((l.strip() for l in lines[i:] if l.strip()), ""))):
            issuer = _join_title(title_parts)
            meta.setdefault("issuer", issuer)
            order_name, title_parts, consumed = f"{issuer}公告", [], i
            continue
        if order_name and (number := ORDER_NUMBER_RE.fullmatch(line)):  # 「第66号」 under it
            meta["doc_number"] = f"{order_name}第{number.group(1)}号"
            consumed, title_done = i, True
            continue
        if order_name and not title_parts and (promulgated := PROMULGATED_RE.match("".join(l.strip() for l in lines[i - 1:i + 2]))):
            meta["title"] = promulgated.group(1)  # 「《养老机构管理办法》已经…通过，现予公布」
            break
        if (number := ANNOUNCEMENT_NUMBER_RE.fullmatch(line)) and title_parts and title_parts[-1].endswith("公告"):
            issuers = _join_title(title_parts)  # 「财政部　税务总局　…卫生健康委公告」
            meta.setdefault("issuer", "、".join(re.split(r"[\s　]+", issuers.removesuffix("公告").strip())))
            meta["doc_number"] = f"{issuers}{number.group(1)}年第{number.group(2)}号"
            title_parts, consumed = [], i
            continue
        if DOC_NUMBER_RE.fullmatch(line) or (DOC_NUMBER_RE.match(line) and len(line) < 30):
            meta["doc_number"] = compact(DOC_NUMBER_RE.search(line).group(0))
            consumed = i
            # 「文件」 may stand beside the middle issuer of a red header laid out in two columns.
            organs = [o for part in title_parts for o in re.split(r"[\s　]{2,}|　", unspaced(part).strip())
                      if o and o != "文件"]
            if title_parts and organs and all(_ORGAN_RE.match(o) and "关于" not in o for o in organs):
                # 「民政部办公厅」, or a red header 「岭 西 省 民 政 厅」「岭 西 省 财 政 厅」, above the number: the
                # issuers, not the title (which follows the number).
                meta.setdefault("issuer", "、".join(organs))
                title_parts = []
            elif title_parts and "关于" not in "".join(title_parts) and "".join(title_parts).endswith("文件"):
                # A red header over several lines (「民政部」「国家卫生健康委员会」「文件」): the issuers; the title follows.
                organs = re.split(r"[\s　]+", " ".join(map(unspaced, title_parts)).removesuffix("文件").strip())
                meta.setdefault("issuer", "、".join(o for o in organs if o))
                title_parts = []
            title_done = bool(title_parts)  # 发文字号 under the title ends the header
            continue
        if DATE_LINE_RE.match(line):
            meta.setdefault("date", normalise_date(line))
            consumed = i
            continue
        if title_parts and (fields := _field_line_meta(line)) is not None:
            for key, value in fields.items():
                meta.setdefault(key, value)
            consumed, title_done = i, True
            continue
        if _RED_HEADER_RE.match(line) and not title_parts:  # 「国务院办公厅文件」 above the title
            meta.setdefault("issuer", line.removesuffix("文件"))
            consumed = i
            continue
        starts_body = (
            len("".join(title_parts)) + len(line) > TITLE_MAX_CHARS  # a title is not a paragraph
            or line.endswith(("：", ":"))
            or line[-1] in TERMINAL
            or (len(line) > 40 and not (_LONG_TITLE_RE.match(line) and _TITLE_END_RE.search(line)))
            or UNIT_START_RE.match(line)
            or title_done
        )
        if starts_body:
            break
        title_parts.append(line)
        consumed = i
        # 「…税费优惠政策的公告」 ends the title: the next line is body text, however short PDF wrapping made it.
        title_done = "关于" in "".join(title_parts) and bool(_TITLE_END_RE.search(line))
    if title_parts:
        meta.setdefault("title", _join_title(title_parts))
    if order_name.endswith("公告"):  # a 公告 promulgating nothing by name is titled as one
        meta.setdefault("title", order_name)
    return meta, consumed


def _field_line_meta(line: str) -> dict | None:
    """The metadata a 「发文字号：…」「发布单位：…」「成文日期：…」 line under a title gives (joint issuers joined by
    、); None for any other line."""
    field_line = _META_LINE_RE.match(line)
    if field_line is None:
        return None
    key, value = field_line.groups()
    if key in _FILING_KEYS:
        return {}
    if key == "来源":  # 「来源：某某县民政局　2025年3月1日」: the portal's source line, with the date it was published
        date = normalise_date(value)
        return {"date": date} if date else {}
    if key in ("发文字号", "文号"):
        number = DOC_NUMBER_RE.search(value)
        return {"doc_number": compact(number.group(0))} if number else {}
    if not key.endswith(("日期", "时间")):
        return {"issuer": "、".join(re.split(r"[\s　]+", value.strip()))}
    date = normalise_date(value)  # 「发布时间：2023年3月」 dates nothing; the sign-off may
    return {"date": date} if date else {}


def _join_title(parts: list[str]) -> str:
    """Title lines joined; a line listing joint issuers apart (「民政部　…　财政部」) keeps a space after it."""
    joined = parts[0]
    for prev, part in zip(parts, parts[1:]):
        if part.startswith("关于"):
            space = ""
        elif "　" in prev.strip("　"):
            space = "　"
        else:  # 「民政部 国家发展改革委 财政部 自然资源部」 over two lines: the names stay apart
            names = prev.split()
            space = " " if len(names) > 1 and all(_ORGAN_RE.match(n) for n in names) else ""
        joined += space + part
    return joined


def _signature_meta(lines: list[str]) -> dict:
    """Date (and the issuer just above it) from a signature block: ``国务院办公厅`` / ``2020年12月14日``."""
    meta: dict = {}
    nonblank = [l.strip() for l in lines if l.strip()]
    for idx, line in enumerate(nonblank):
        if DATE_LINE_RE.match(line):
            meta["date"] = normalise_date(line)
            # The signature: the short unpunctuated lines just above the date, one or more signers on each
            # (「民政部　　　中央精神文明建设办公室」); a minister's name (「部长　李纪恒」) is not an issuer.
            signers: list[str] = []
            for prev in reversed(nonblank[max(0, idx - 4):idx]):
                if (len(prev) > 40 or prev[-1] in TERMINAL or UNIT_START_RE.match(prev) or prev.startswith("附件")
                        or re.match(r"\d{1,2}[.．、]", prev)):  # 「2．…登记表」 goes on an attachment list
                    break
                signers[:0] = [s for s in re.split(r"[\s　]{2,}|\s*　\s*", prev) if s]
            signers = [s for s in signers if not re.match(r"^(?:部长|主任|局长|总理|主席|署长)", s)]
            if signers:
                meta["issuer"] = "、".join(signers)
            break
    return meta


def split_layout(text: str, suffix: str = ".txt") -> Layout:
    """Separate metadata and header lines from the body of a document."""
    front, rest = _front_matter(text)
    meta = _meta_from_front_matter(front)
    markdown = bool(front) or _is_markdown(rest, suffix)
    raw_lines = rest.split("\n")
    header: list[str] = []
    title_note: list[str] = []

    if markdown:
        end = next((i for i, l in enumerate(raw_lines) if l.strip() == INFO_END), None)
        if end is not None:
            info = [_strip_markdown(l).text for l in raw_lines[:end] if l.strip()]
            # The title (possibly over two lines), then the adoption and amendment history: the 题注.
            note_at = next((i for i, l in enumerate(info) if i and TITLE_NOTE_START_RE.match(l)), len(info))
            header, title_note = info[:note_at], info[note_at:]
            if info:
                meta.setdefault("title", info[0])
            for key, value in _meta_from_info_lines(info[1:]).items():
                meta.setdefault(key, value)
            raw_lines = raw_lines[end + 1:]
        else:
            # A leading ``# title`` or ``**title**`` line, then an optional date or 发文字号 line.
            idx = next((i for i, l in enumerate(raw_lines) if l.strip()), len(raw_lines))
            if idx < len(raw_lines):
                first = raw_lines[idx].strip()
                if first.startswith("# ") or _BOLD_RE.fullmatch(first):
                    title = _strip_markdown(first).text
                    header.append(title)
                    meta["title"] = title
                    idx += 1
                    while idx < len(raw_lines):
                        line = _strip_markdown(raw_lines[idx]).text
                        if not line:
                            idx += 1
                            continue
                        if DATE_LINE_RE.match(line):
                            meta.setdefault("date", normalise_date(line))
                            title_note.append(line)
                        elif _BRACKETED_NOTE_RE.match(line):  # 「（2022年11月10日…通过　…起施行）」
                            title_note.append(line)
                        elif DOC_NUMBER_RE.fullmatch(line):
                            meta.setdefault("doc_number", compact(line))
                            header.append(line)
                        elif (fields := _field_line_meta(line)) is not None:  # 「> 发文字号：青卫发〔2024〕8号」
                            for key, value in fields.items():
                                meta.setdefault(key, value)
                            header.append(line)
                        else:
                            break
                        idx += 1
                    raw_lines = raw_lines[idx:]
        lines = [_strip_markdown(l) for l in raw_lines]
    else:
        found, start = _plain_header(raw_lines)
        header = [l.strip() for l in raw_lines[:start] if l.strip()]
        title_note = [l for l in header if found.get("title") and DATE_LINE_RE.match(l)]
        header = [l for l in header if l not in title_note]
        for key, value in found.items():
            meta.setdefault(key, value)
        raw_lines = raw_lines[start:]
        if STANDARD_NUMBER_RE.match(meta.get("doc_number") or ""):
            raw_lines = without_page_furniture(raw_lines, meta["doc_number"])
        lines = [SourceLine(l.strip(), indented=bool(_INDENT_RE.match(l))) for l in raw_lines
                 if not TOC_ENTRY_RE.match(l.strip())]

    lines = [l for l in lines if not PAGE_MARK_RE.match(l.text)]
    for key, value in _signature_meta([l.text for l in lines]).items():
        meta.setdefault(key, value)
    if "title" in meta and not meta.get("issuer"):
        meta["issuer"] = issuer_from_title(meta["title"])
    return Layout(meta=meta, header=header, title_note=title_note, lines=lines, markdown=markdown)
