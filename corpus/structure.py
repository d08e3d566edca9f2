"""Find the citable units of a document body: articles, 意见 items, section texts, preamble, closing.

Three shapes of the genre are recognised:
- laws and regulations: 编/分编/章/节 headings and 第X条 articles (（一）… inside an article are 项);
- 意见/通知-style documents: 一、二、 section headings and （一）（二） items; text directly under a
  section heading is a unit of its own, labelled by the heading (``一、总体要求``);
- anything else: one unit per Markdown heading, or per paragraph.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .layout import DATE_LINE_RE, TERMINAL
from .numerals import NUMERAL_CHARS, number_or_none
from .paragraphs import ATTACHMENT_LINE_RE, Paragraph
from .standards import (APPENDIX_RE, NAMED_PARTS, chapter_number, clause_number, contents_span, is_standard_body,
                        unspaced)
from .vocab import alternation, words

N = f"[{NUMERAL_CHARS}\\d]+"
ARTICLE_LABEL_RE = re.compile(rf"^第{N}条(?:之[{NUMERAL_CHARS}]+)?$")  # an article's label: 第十条, 第十条之一
LAW_ARTICLE_RE = re.compile(rf"^第({N})条(?:之([{NUMERAL_CHARS}]+))?(?=[\s\u3000])")
DIVISION_RE = re.compile(rf"^第({N})(编|分编|部分|章|节)(?:[\s\u3000]|$)")
SECTION_RE = re.compile(rf"^([{NUMERAL_CHARS}]+)、")
ITEM_RE = re.compile(rf"^[（(]([{NUMERAL_CHARS}]+)[）)]")
QUALIFIED_ITEM_RE = re.compile(  # （一）, 二、（一）, or a part's numbered point 二、1.
    rf"^(?:[{NUMERAL_CHARS}]+、)?[（(]([{NUMERAL_CHARS}]+)[）)]|^[{NUMERAL_CHARS}]+、\d{{1,2}}(?:[.．]|$)")
MIN_LIST_POINTS = 3  # numbered paragraphs that make a text a numbered list
_PART_POINT_LABEL_RE = re.compile(r"^([一二三四五六七八九十百]+、)(\d{1,2}[.．、]?)$")  # 「三、11.」
POINT_RE = re.compile(r"^(\d{1,2})(?:[.．](?!\d)|、)")  # 「1.」「1．」「1、」 opening a numbered point
# A question of an 答记者问 or 政策解读 (「问3：」), or a reporter's in a transcript that tags its speakers (「【江澜日报记者】」).
QUESTION_RE = re.compile(r"^(?:(?:问\s*\d{0,2}|记者问|记者)\s*[：:]|[【\[［][^】\]］]{0,30}记者[】\]］])")
# 「专栏1　养老服务能力提升工程」: a 规划's box of projects and targets, cited by its number (专栏1).
BOX_RE = re.compile(rf"^专栏\s*(\d{{1,2}}|[{NUMERAL_CHARS}]+)(?:[\s\u3000：:]|$)")
# Its answer, in a paragraph of its own or after the question; in a transcript, anyone but a reporter speaking next
# (「【省医保局副局长 张某某】」).
ANSWER_RE = re.compile(r"(?:^|[？?。]\s*)答\s*[：:]|^[【\[［](?![^】\]］]*记者)[^】\]］]{2,30}[】\]］]")
_FOLLOW_UP_RE = re.compile(r"^[【\[［][^】\]］]*记者[】\]］]\s*追问")  # the reporter asking on: the same question
_HOST_RE = re.compile(r"^[【\[［]主持人")  # the host of a press conference, who closes it
DIVISION_RANK = {"部分": 1, "编": 1, "分编": 2, "章": 3, "节": 4}
ITEM_RANK = 10  # an item's title is the innermost heading
SECTION_PATH_SEP = " / "
_KINDS = alternation(words("document_kinds", "rules", "policies", "guides"))
# The sentence that puts the document itself in force, limits or assigns its interpretation.
IN_FORCE_RE = re.compile(
    rf"^本(?:{_KINDS})"
    r"(?:自[^。]{1,20}(?:施行|执行|实施)|[^。]{0,20}有效期|由[^。]{1,30}负责解释)")
TABLE_OF_CONTENTS_RE = re.compile(r"^目[\s　]*录$")
PREAMBLE_LABEL = "序言"
TITLE_NOTE_LABEL = "题注"  # the date or adoption history printed under the title
COVER_NOTICE_LABEL = "印发通知"
# The own title of a document issued under a cover notice (「…关于印发…实施方案的通知」, signed and dated, then
# 「湖北省推进普惠托育服务体系建设实施方案」 and its text).
COVERED_TITLE_RE = re.compile(
    rf"^[^。；：:，,！？]{{2,60}}(?:{_KINDS})$")
_PUBLICATION_NOTE_RE = re.compile(r"^[（(][^）)]{2,20}[）)]$")  # 「（此件公开发布）」
CLOSING_LABEL = "结语"
CLOSING_FORMULA_RE = re.compile(r"^特此(?:公告|通告|通知|批复|函告|函复|公布)[。！]?$")


@dataclass
class Unit:
    label: str
    number: int | None
    part: str
    section: str
    paragraphs: list[str] = field(default_factory=list)
    responsible_units: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass
class Body:
    units: list[Unit]
    headings: list[str]


class _Outline:
    """The stack of headings above the current position."""

    def __init__(self) -> None:
        self._stack: list[tuple[float, str]] = []

    def push(self, rank: float, heading: str) -> None:
        self.drop(rank)
        self._stack.append((rank, heading))

    def drop(self, rank: float) -> None:
        """Leave the headings of ``rank`` and below."""
        while self._stack and self._stack[-1][0] >= rank:
            self._stack.pop()

    @property
    def path(self) -> str:
        return SECTION_PATH_SEP.join(h for _, h in self._stack)


def _is_heading_line(text: str) -> bool:
    return len(text) <= 40 and text[-1] not in TERMINAL


def build_body(paragraphs: list[Paragraph]) -> Body:
    """Split body paragraphs into units; headings are returned separately."""
    own = own_articles([p.text for p in paragraphs])
    if is_standard_body([p.text for p in paragraphs]):
        body = _standard_units(paragraphs)
    elif own and sum(1 for p in paragraphs if LAW_ARTICLE_RE.match(p.text)) >= 2:
        body = _law_units(paragraphs)
    elif any(ITEM_RE.match(p.text) or SECTION_RE.match(p.text) for p in paragraphs):
        body = _opinion_units(paragraphs, own)
    else:
        body = _generic_units(paragraphs, own)
    _split_closing(body.units)
    _split_cover_notice(body)
    return body


def own_articles(paragraphs: list[str]) -> bool:
    """Whether the paragraphs opening with 第X条 are the document's own articles, numbered on (第一条, 第二条 …; a
    民法典 编 from 第二百零五条), rather than articles of other laws quoted in it (「第三十三条　国家鼓励…」
    「第二十七条…」 under a guide's 设定依据, one article in a court case), which are text of the part quoting them."""
    numbers = [number_or_none(m.group(1)) for m in (LAW_ARTICLE_RE.match(p) for p in paragraphs) if m]
    if len(numbers) < 2:
        return numbers in ([], [1])
    pairs = list(zip(numbers, numbers[1:]))
    steps = sum(1 for a, b in pairs if a is not None and b in (a, a + 1))
    rising = all(a is not None and b is not None and b >= a for a, b in pairs)
    return steps * 2 >= len(pairs) or (rising and numbers[0] == 1)  # or from 第一条 on, some lines lost


def _article_unit(text: str, section: str) -> Unit | None:
    """A unit for a paragraph that starts with 第X条, in any kind of document."""
    m = LAW_ARTICLE_RE.match(text)
    if not m:
        return None
    label = f"第{m.group(1)}条" + (f"之{m.group(2)}" if m.group(2) else "")
    return Unit(label, number_or_none(m.group(1)), "body", section, [text])


def _law_units(paragraphs: list[Paragraph]) -> Body:
    outline, units, headings = _Outline(), [], []
    front: list[Paragraph] = []  # the paragraphs before the first article
    front_section = ""
    for p in paragraphs:
        text = p.text
        if article := _article_unit(text, outline.path):
            units.append(article)
            continue
        if TABLE_OF_CONTENTS_RE.match(text):  # 「目　　录」: its entries are the chapter headings that follow
            headings.append(text)
            continue
        division = DIVISION_RE.match(text)
        if (p.heading_level or division) and _is_heading_line(text):
            rank = DIVISION_RANK[division.group(2)] if division else 0.5 + p.heading_level / 10
            outline.push(rank, text)
            headings.append(text)
            continue
        if units:
            units[-1].paragraphs.append(text)
        else:
            front_section = front_section if front else outline.path
            front.append(p)
    if parts := _numbered_parts(front):
        return Body(parts.units + units, parts.headings + headings)
    preamble = [Unit(PREAMBLE_LABEL, None, "preamble", front_section, [p.text for p in front])] if front else []
    return Body(preamble + units, headings)


def _numbered_parts(paragraphs: list[Paragraph]) -> Body | None:
    """The text before a law's first article when it is numbered in parts of its own (a 修改决定's 一、二、三、 above
    the regulation it re-publishes): its parts are units, cited by their numbers; None when it is not."""
    numbers = [number_or_none(m.group(1)) for p in paragraphs if (m := SECTION_RE.match(p.text))]
    if len(numbers) < MIN_LIST_POINTS or numbers != list(range(1, len(numbers) + 1)):
        return None
    if _issued_title_at([p.text for p in paragraphs]) is not None:
        return None  # a cover notice's requirements above the 办法 it issues: the notice is one unit (印发通知)
    body = _opinion_units(paragraphs, own_articles=False)
    # 「本决定自…起施行。」 and what follows it (the re-published regulation's title) close the parts.
    last = body.units[-1]
    at = next((i for i, t in enumerate(last.paragraphs[1:], 1) if IN_FORCE_RE.match(t)), None)
    if at is not None:
        body.units.append(Unit(CLOSING_LABEL, None, "closing", "", last.paragraphs[at:]))
        del last.paragraphs[at:]
    return body


def _standard_units(paragraphs: list[Paragraph]) -> Body:
    """A standard's units: each numbered clause (「4.1」, 「5.1.2」, a chapter's own text 「1」, a term 「3.1」 with its
    definition) with what follows it, up to the next number; 前言, 参考文献 and each 附录A by name (numbers inside an
    appendix are its own: 「A.1」, or a table's rows). A number with nothing under it before a deeper clause (「5.1 评估
    时机」 above 5.1.1) is a heading, not a unit, and so is the table of contents."""
    units: list[Unit] = []
    outline, headings = _Outline(), []
    if span := contents_span([p.text for p in paragraphs]):
        headings += [p.text for p in paragraphs[span[0]:span[1]]]
        paragraphs = paragraphs[:span[0]] + paragraphs[span[1]:]
    preamble: Unit | None = None
    open_unit: Unit | None = None
    chapter, at, in_appendix = 0, "", False
    for p in paragraphs:
        text, name = p.text, unspaced(p.text)
        appendix = APPENDIX_RE.match(name) if _is_heading_line(name) else None  # not 「附录A的规定进行。」
        if name in NAMED_PARTS or appendix:
            outline.drop(0)
            in_appendix = in_appendix or bool(appendix)
            at = appendix.group(1) if appendix else at
            open_unit = Unit(f"附录{appendix.group(1)}" if appendix else name, None, "annex" if appendix else "body",
                             "", [name])
            units.append(open_unit)
            continue
        number = None
        if not in_appendix and (opened := chapter_number(text, chapter)) is not None:
            if opened == 1 and open_unit is not None and len(open_unit.paragraphs) > 1 and _is_heading_line(
                    open_unit.paragraphs[-1]):
                headings.append(open_unit.paragraphs.pop())  # the title printed again above chapter 1
            chapter = opened
            number = at = str(opened)
        elif clause := clause_number(text, at):
            number = at = clause
        if number is not None:
            depth = number.count(".") + 1
            outline.drop(depth)
            open_unit = Unit(number, None, "annex" if in_appendix else "body", outline.path, [text])
            units.append(open_unit)
            if _is_heading_line(text):
                outline.push(depth, text)
        elif open_unit is not None:
            open_unit.paragraphs.append(text)
        else:
            if preamble is None:
                preamble = Unit(PREAMBLE_LABEL, None, "preamble", "")
            preamble.paragraphs.append(text)
    kept = []
    for unit, after in zip(units, units[1:] + [None]):
        heads = after is not None and after.label.startswith(f"{unit.label}.")
        if len(unit.paragraphs) == 1 and _is_heading_line(unit.paragraphs[0]) and heads:
            headings.append(unit.paragraphs[0])  # 「5.1 评估时机」 above 5.1.1
        else:
            kept.append(unit)
    return Body(([preamble] if preamble else []) + kept, headings)


def _is_title_sentence(text: str) -> bool:
    """「实施居家养老服务提升行动。」: an item's title written as a sentence of its own, no more (its measures follow as
    numbered points)."""
    return len(text) <= 30 and text.endswith("。") and not re.search(r"[。，,；：:]", text[:-1])


def _is_measure(text: str) -> bool:
    """「发展家庭养老床位。面向居家失能…」: a measure, its title sentence and what it does; not a condition or a list
    entry (「年满80周岁；」)."""
    return len(text) > 40 or bool(re.search(r"。.", text))


def _head(text: str) -> str:
    """A part's text up to its first full stop: its run title, or the sentence it opens with."""
    return re.split(r"[。：:；！？]", text, maxsplit=1)[0]


def _section_title(text: str) -> str:
    """``一、加强组织领导。各地要…`` → ``一、加强组织领导`` (cut at 40 characters)."""
    return _head(text)[:40]


def _opens_with_sentence(text: str) -> bool:
    """Whether a part's marker opens a sentence rather than a run title: 「一、提供社区养老、托育、家政服务取得的收入，
    免征增值税。」 (an article of a 公告), not 「一、加强组织领导。各地要…」."""
    head = _head(text)
    return bool(re.search(r"[，,]", head)) or len(head) > 40


def attachment_list_lines(lines: list[str]) -> list[bool]:
    """For each line, whether it belongs to an attachment list: 「附件：1．…」 and the numbered lines going on from it
    (「2．…登记表」), whose numbers are not the document's points."""
    flags, in_list = [], False
    for line in lines:
        in_list = bool(ATTACHMENT_LINE_RE.match(line) or (in_list and POINT_RE.match(line)))
        flags.append(in_list)
    return flags


def _opinion_units(paragraphs: list[Paragraph], own_articles: bool = True) -> Body:
    outline, units, headings = _Outline(), [], []
    preamble: Unit | None = None
    section_label, section_number, section_marker = None, None, ""
    open_unit: Unit | None = None  # the unit that plain paragraphs continue
    # Where most parts open with a sentence (a 公告's 「一、提供…，免征增值税。」), every part is an article: labelled by
    # its marker alone, its （一）（二） inside it as a law's 项. Elsewhere a part is labelled by its run title
    # (「一、加强组织领导。各地要…」) and its items are units of their own.
    inline_parts = [p.text for p in paragraphs if SECTION_RE.match(p.text) and not _is_heading_line(p.text)]
    parts_are_articles = sum(map(_opens_with_sentence, inline_parts)) * 2 >= len(inline_parts) > 0
    items_inside = False  # whether （一） items continue the open unit (they do in a part that is an article)
    # Without （一） items, a part's numbered points 「1.健全县域养老服务网络。」 are its citable units (二、1.).
    points_are_units = not any(ITEM_RE.match(p.text) for p in paragraphs)
    # An item written as a heading (「### （一）扩大普惠托育服务供给」) is titled, not written out: the text under it
    # is item （一）, and its numbered points 「1. 建设公办综合托育服务中心。…」 are units of their own, （一）1.
    point_prefix, titled_item, titled_by_sentence = "", None, False
    questions = 0  # the parts that are questions of a 政策问答, so far
    in_answer = False  # whether the open unit is a part's question, whose answer's lists it takes in
    attachment_list = attachment_list_lines([p.text for p in paragraphs])  # 「2．…」 going on from 「附件：1．…」
    answered = _answered_questions([p.text for p in paragraphs])
    for i, (p, in_attachment_list) in enumerate(zip(paragraphs, attachment_list)):
        text = p.text
        section = SECTION_RE.match(text)
        division = DIVISION_RE.match(text)
        item = ITEM_RE.match(text)
        if i in answered and not section:
            # A part's questions and answers (a guide's 常见问题 「1.问：…」 「答：…」, a 解读's 「问3：…」): each question with
            # its answer, lists included, is a unit, counted as a reader counts them (第N问), under the part's heading.
            questions += 1
            open_unit = Unit(f"第{questions}问", questions, "body", outline.path, [text])
            units.append(open_unit)
            in_answer = True
            continue
        if in_answer and not (section or division or p.heading_level):
            open_unit.paragraphs.append(text)  # the answer, its lists (「需提交以下材料：」 「1.身份证；」) included
            continue
        in_answer = False
        point = POINT_RE.match(text) if point_prefix and not in_attachment_list else None
        if (point and titled_item is not None and open_unit is titled_item and len(titled_item.paragraphs) == 1
                and titled_by_sentence and not _is_measure(text[point.end():])):
            # 「（一）本市户籍老年人可申请高龄津贴。」 then 「1.年满80周岁；」: conditions of the item, not measures.
            titled_item, point_prefix, point = None, "", None
        if point:
            if titled_item is not None and open_unit is titled_item and len(titled_item.paragraphs) == 1:
                # The item's title, then its points: the title is a heading.
                units.remove(titled_item)
                headings.append(titled_item.text)
                outline.push(ITEM_RANK, titled_item.text)
            label = f"{point_prefix}{point.group(0).rstrip('、')}"
            open_unit = Unit(label, int(point.group(1)), "body", outline.path, [text])
            units.append(open_unit)
            continue
        if (p.heading_level or section or division) and _is_heading_line(text) and not item:
            rank = 1 if section else DIVISION_RANK[division.group(2)] / 10 if division else p.heading_level
            outline.push(rank, text)
            headings.append(text)
            section_label, open_unit, items_inside = text, None, False
            section_number = number_or_none(section.group(1)) if section else None
            section_marker = section.group(0) if section else ""
            point_prefix = section_marker  # 「三、保障措施」 then 「1. 加强组织领导。…」: point 三、1.
            continue
        if section:  # a section marker with its text on the same line: the section is the unit
            point_prefix = section.group(0) if points_are_units else ""
            section_number = number_or_none(section.group(1))
            section_marker = section.group(0)
            # 「三、问：哪些老年人可以申领？」 of a 政策问答: a question and its answer, lists included, counted as a
            # reader counts the questions (第3问, as in a text of unnumbered questions).
            asked = QUESTION_RE.match(text[section.end():]) is not None
            questions += asked
            section_label = (f"第{questions}问" if asked else section_marker if parts_are_articles
                             else _section_title(text))
            if not parts_are_articles:
                outline.push(1, section_label)
            open_unit = Unit(section_label, section_number, "body", outline.path, [text])
            units.append(open_unit)
            items_inside = parts_are_articles or asked
            continue
        if own_articles and (article := _article_unit(text, outline.path)):
            open_unit = article
            units.append(open_unit)
            continue
        if item and not items_inside:
            outline.drop(ITEM_RANK)
            open_unit = Unit(f"（{item.group(1)}）", number_or_none(item.group(1)), "body", outline.path, [text])
            units.append(open_unit)
            titled_by_sentence = not _is_heading_line(text) and _is_title_sentence(text[item.end():])
            titled = _is_heading_line(text) or titled_by_sentence
            titled_item, point_prefix = (open_unit, open_unit.label) if titled else (None, "")
            continue
        if (box := BOX_RE.match(text.strip("| "))) and _is_heading_line(text.strip("| ")):
            # 「专栏1　居家养老服务重点工程」 (in a Word file, a table of one cell): a box, cited by its number; its lines
            # follow, up to the next numbered unit.
            open_unit = Unit(f"专栏{box.group(1)}", number_or_none(box.group(1)), "body", outline.path, [text])
            units.append(open_unit)
            continue
        if open_unit is None and section_label is not None:
            open_unit = Unit(section_label, section_number, "body", outline.path, [])
            units.append(open_unit)
        if open_unit is None:
            if preamble is None:
                preamble = Unit(PREAMBLE_LABEL, None, "preamble", outline.path)
            preamble.paragraphs.append(text)
        else:
            open_unit.paragraphs.append(text)
    _qualify_repeated_items(units)
    _unqualify_running_points(units)
    return Body(([preamble] if preamble else []) + units, headings)


def _qualify_repeated_items(units: list[Unit]) -> None:
    """Items numbered afresh in each section are cited with their section: ``二、（一）``."""
    sections_of: dict[str, set[str]] = {}  # item marker （一） → the top sections it appears in
    for unit in units:
        if item := ITEM_RE.match(unit.label):
            sections_of.setdefault(item.group(0), set()).add(unit.section.split(SECTION_PATH_SEP)[0])
    if all(len(sections) == 1 for sections in sections_of.values()):
        return
    for unit in units:
        if ITEM_RE.match(unit.label) and unit.section:
            top = unit.section.split(SECTION_PATH_SEP)[0]
            if m := SECTION_RE.match(top):
                unit.label = f"{m.group(0)}{unit.label}"


def _unqualify_running_points(units: list[Unit]) -> None:
    """Points numbered straight through the parts (「一、」 has 1.–4., 「二、」 5.–8. …, as a 若干措施 numbers its
    measures) are cited by their number alone (「11.」, 「若干措施第11条」); points numbered afresh in each part keep
    their part (「三、2.」)."""
    points = [(unit, m) for unit in units if (m := _PART_POINT_LABEL_RE.match(unit.label))]
    parts = {m.group(1) for _, m in points}
    numbers = [unit.number for unit, _ in points]
    if len(parts) >= 2 and numbers == list(range(1, len(numbers) + 1)):
        for unit, m in points:
            unit.label = m.group(2)


def _generic_units(paragraphs: list[Paragraph], own_articles: bool = True) -> Body:
    outline, units, headings = _Outline(), [], []
    if not any(p.heading_level for p in paragraphs):
        # Each paragraph is a unit, but the sign-off (attachment list, signature, date) is the closing text.
        texts = [p.text for p in paragraphs]
        cut = _sign_off_start(texts)
        closing = [Unit(CLOSING_LABEL, None, "closing", "", texts[cut:])] if cut < len(texts) else []
        units = (_numbered_list_units(texts[:cut]) or _question_units(texts[:cut])
                 or [Unit(f"第{i}段", i, "body", "", [t]) for i, t in enumerate(texts[:cut], 1)])
        return Body(units + closing, [])
    preamble: Unit | None = None
    for p in paragraphs:
        if p.heading_level:
            outline.push(p.heading_level, p.text)
            headings.append(p.text)
            box = BOX_RE.match(p.text)  # 「## 专栏3 重大工程」: a box written as a heading keeps its number
            units.append(Unit(_division_label(outline.path) or p.text, number_or_none(box.group(1)) if box else None,
                              "body", outline.path))
        elif own_articles and (article := _article_unit(p.text, outline.path)):
            units.append(article)
        elif (box := BOX_RE.match(p.text)) and _is_heading_line(p.text):  # its lines follow, up to the next heading
            units.append(Unit(f"专栏{box.group(1)}", number_or_none(box.group(1)), "body", outline.path, [p.text]))
        elif units:
            units[-1].paragraphs.append(p.text)
        else:
            if preamble is None:
                preamble = Unit(PREAMBLE_LABEL, None, "preamble", "")
            preamble.paragraphs.append(p.text)
    kept = [u for u in units if u.paragraphs]
    for i, unit in enumerate(kept, 1):
        unit.number = unit.number if LAW_ARTICLE_RE.match(unit.text) or BOX_RE.match(unit.label) else i
    return Body(([preamble] if preamble else []) + kept, headings)


def _division_label(path: str) -> str | None:
    """「第五章第一节」 for the text under 「第五章 推进医养康养相结合 / 第一节 提升医养结合服务能力」, as readers cite a
    section of a 规划 (「第一节」 recurs in every chapter); None under a heading that is no numbered division."""
    divisions = [DIVISION_RE.match(h) for h in path.split(SECTION_PATH_SEP)]
    if not divisions or divisions[-1] is None:
        return None
    kinds = [m.group(2) for m in divisions if m]
    if kinds[-1] == "节" and "章" not in kinds:  # its chapter not above it (a heading of the same level): no label
        return None
    return "".join(f"第{m.group(1)}{m.group(2)}" for m in divisions if m)


def _numbered_list_units(texts: list[str]) -> list[Unit]:
    """A text that is a list numbered 1., 2., 3. … (a 政策问答's 「1.问：…」 with its 「答：…」, measures without
    parts): each numbered paragraph opens a unit 「N.」 that the paragraphs after it continue; the text before the
    first is the preamble. Empty when the text is not such a list."""
    points = {i: m for i, t in enumerate(texts) if (m := POINT_RE.match(t))}
    numbers = [int(m.group(1)) for m in points.values()]
    if len(numbers) < MIN_LIST_POINTS or numbers != list(range(1, len(numbers) + 1)):
        return []
    first = min(points)
    units = [Unit(PREAMBLE_LABEL, None, "preamble", "", texts[:first])] if first else []
    for i, t in enumerate(texts[first:], first):
        if point := points.get(i):
            units.append(Unit(point.group(0).rstrip("、"), int(point.group(1)), "body", "", [t]))
        else:
            units[-1].paragraphs.append(t)
    return units


def _answered_questions(texts: list[str]) -> set[int]:
    """The paragraphs that ask a question (「问：」「问3：」, or a numbered point 「1.问：」) answered in themselves or in
    the paragraph after them (「答：」); none unless a text asks at least two."""
    asked = [i for i, t in enumerate(texts) if QUESTION_RE.match(t[m.end():] if (m := POINT_RE.match(t)) else t)]
    answered = {i for i in asked if _is_answered(texts, i)}
    return answered if len(answered) >= 2 else set()


def _is_answered(texts: list[str], i: int) -> bool:
    """Whether the question ``texts[i]`` is answered in itself (「问：…？答：…」) or in the paragraph after it (「答：…」)."""
    return bool(ANSWER_RE.search(texts[i]) or (i + 1 < len(texts) and ANSWER_RE.match(texts[i + 1])))


def _question_units(texts: list[str]) -> list[Unit]:
    """A text of questions and answers without numbers (an 答记者问, a 政策解读: 「问：…」 then 「答：…」): each
    question with its answer is a unit 「第N问」, as a reader counts them; the text before the first question is the
    preamble. Empty unless every question is answered in the paragraph after it (or in its own).

    In a press conference's transcript a reporter's follow-up (「追问」) goes on the question asked, and the host's
    words after the last answer close the text."""
    starts = [i for i, t in enumerate(texts) if QUESTION_RE.match(t) and not _FOLLOW_UP_RE.match(t)]
    if len(starts) < MIN_LIST_POINTS or not all(_is_answered(texts, i) for i in starts):
        return []
    end = len(texts)
    while end > starts[-1] + 2 and _HOST_RE.match(texts[end - 1]):  # the host's last words, after the last answer
        end -= 1
    units = [Unit(PREAMBLE_LABEL, None, "preamble", "", texts[:starts[0]])] if starts[0] else []
    for n, (start, stop) in enumerate(zip(starts, starts[1:] + [end]), 1):
        units.append(Unit(f"第{n}问", n, "body", "", texts[start:stop]))
    closing = [Unit(CLOSING_LABEL, None, "closing", "", texts[end:])] if end < len(texts) else []
    return units + closing


def _is_signoff(text: str) -> bool:
    """Signature, date, 「（此件公开发布）」 or an attachment list line at the end of a document."""
    return len(text) <= 60 and (
        bool(DATE_LINE_RE.match(text))
        or text.startswith("附件")
        or (text.startswith(("（", "(")) and text.endswith(("）", ")")))
        or text[-1] not in TERMINAL
    )


def _sign_off_start(paras: list[str]) -> int:
    """Where the sign-off block (lines of signature, date, attachment list, holding a date) at the end of
    ``paras`` starts; len(paras) when there is none."""
    cut = len(paras)
    while cut > 0 and _is_signoff(paras[cut - 1]):
        cut -= 1
    return cut if any(DATE_LINE_RE.match(p) for p in paras[cut:]) else len(paras)


def _split_cover_notice(body: Body) -> None:
    """A cover notice signed and dated above the issued document's own title is a unit of its own
    (印发通知); the title becomes a heading and what follows it is the issued document's preamble."""
    if not body.units or body.units[0].part != "preamble":
        return
    preamble = body.units[0]
    paras = preamble.paragraphs
    if (j := _issued_title_at(paras)) is not None:
        notice = Unit(COVER_NOTICE_LABEL, None, "preamble", preamble.section, paras[:j])
        body.headings.append(paras[j])
        rest = [Unit(PREAMBLE_LABEL, None, "preamble", preamble.section, paras[j + 1:])] if paras[j + 1:] else []
        body.units[:1] = [notice, *rest]


def _issued_title_at(paras: list[str]) -> int | None:
    """Where the issued text's own title stands under a cover notice's sign-off date, if it does."""
    for i, text in enumerate(paras):
        if not DATE_LINE_RE.match(text):
            continue
        j = i + 1
        while j < len(paras) and _PUBLICATION_NOTE_RE.match(paras[j]):
            j += 1
        return j if j < len(paras) and COVERED_TITLE_RE.match(paras[j]) else None
    return None


def _split_closing(units: list[Unit]) -> None:
    """Move the closing paragraphs and the sign-off block off the last unit into a closing unit.

    The sign-off (signature, date) is closing text whenever it holds a date. In documents whose
    items are one paragraph each, further paragraphs after the last item are closing text too.
    """
    body = [u for u in units if u.part == "body"]
    if not body:
        return
    last = body[-1]
    paras = last.paragraphs
    cut = max(_sign_off_start(paras), 1)
    single_paragraph_items = len(body) > 2 and all(len(u.paragraphs) == 1 for u in body[:-1])
    if single_paragraph_items and ITEM_RE.match(last.label):
        cut = min(cut, 1)
    # 「本方案自印发之日起施行」 after the last item is the document's, not the item's (a law's is an article).
    while QUALIFIED_ITEM_RE.match(last.label) and cut > 1 and IN_FORCE_RE.match(paras[cut - 1]):
        cut -= 1
    while cut > 1 and CLOSING_FORMULA_RE.match(paras[cut - 1]):  # 「特此公告。」 ends the document, not its last article
        cut -= 1
    if cut < len(paras):
        units.append(Unit(CLOSING_LABEL, None, "closing", "", paras[cut:]))
        del paras[cut:]
