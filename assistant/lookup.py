"""Direct lookup: a question that names an article gets that article itself.

What the question names (:mod:`policyqa.assistant.references`, read once by the analysis) is found here among the
loaded documents it names (:mod:`policyqa.assistant.naming`): articles by number, optionally of a document named by 发文字号 (国办发〔2020〕52号) or by (part of)
its title; a section by its heading; and, for a named document, its opening or closing text by position or the
text that dates it. In documents numbered （一）（二） a reader's 第十条 means （十）.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from policyqa.corpus.layout import DATE_LINE_RE, DATE_RE
from policyqa.corpus.models import Clause
from policyqa.corpus.numerals import NUMERAL_CHARS, number_or_none, to_chinese_number
from policyqa.corpus.structure import BOX_RE, ITEM_RE, SECTION_PATH_SEP
from policyqa.corpus.text import split_sentences
from policyqa.corpus.titles import book_title
from policyqa.corpus.vocab import alternation, words

from .mentions import per_documents
from .naming import CLEARLY_NAMED, amends, documents_named, named_by_law
from .references import ArticleRef, Named, core_title

_ITEM_LABEL_RE = re.compile(f"（[{NUMERAL_CHARS}]+）")
DIVISION_HEADING_RE = re.compile(rf"^第[{NUMERAL_CHARS}]+(?:编|分编|章|节)[\s\u3000]*")  # 「第十章 」 of 「第十章 附则」
MAX_TERM = 16  # characters of a defined term (「城镇居民基本医疗保险」)
_DOCUMENT_KINDS = alternation(words("document_kinds", "rules", "policies"))
ANNEX_TITLE_LABEL_RE = re.compile(r"附件\d*")  # the clause holding an annexed text's own title
ANNEXED_NAME_CHARS = 6  # a shortened name of an annexed text: its kind and at least four characters of its topic
SECTION_LABEL_RE = re.compile(rf"^[{NUMERAL_CHARS}]+、(.{{4,}})$")
# 「本法自2008年1月1日起施行」: the sentence that puts a document in force.
IN_FORCE_SENTENCE_RE = re.compile(
    rf"本(?:{_DOCUMENT_KINDS})[^。；\n]{{0,12}}"
    r"自[^。；\n]{1,30}(?:施行|实施|执行|生效)[^。；\n]*[。；]?")
# 「为了规范旅游市场秩序……，制定本法。」「为……，现提出如下意见。」: the sentence that says why a text was made.
PURPOSE_SENTENCE_RE = re.compile(
    rf"[^。；\n]*为[^。；\n]*[，,](?:[^。；\n]*[，,])?(?:特?制定本(?:{_DOCUMENT_KINDS})|现提出(?:如下|以下)意见)[。；]?")


@dataclass(frozen=True)
class _Numbering:
    """One document's clauses as article references read them, computed once for them (:func:`_numberings`)."""

    by_number: dict[int | None, tuple[tuple[int, Clause], ...]]  # number → (position, clause), in order
    by_label: dict[str, tuple[Clause, ...]]
    is_law: bool

    def numbered_as(self, refs: Sequence[ArticleRef]) -> list[Clause]:
        """The clauses numbered as one of ``refs``, in order (every clause a reference can match carries its
        number), so that :func:`_matches` runs on a few clauses instead of all of them for each reference."""
        numbers = {r.number for r in refs}
        return [c for _, c in sorted((pc for n in numbers for pc in self.by_number.get(n, ())),
                                     key=lambda pc: pc[0])]


@dataclass(frozen=True)
class _Numberings:
    of: dict[int, _Numbering]  # id of a document's clause list → its numbering
    annex_titles: tuple[tuple[int, Clause, str], ...]  # (id of the list, clause holding an annexed text's title,
    # the title's core), in order
    lists_with: dict[tuple[bool, int | None], frozenset[int]]  # (annex row?, number) → ids of the lists holding
    # such a clause (an annex row 「第11项」 is never an article of the text, so those lists are apart)

    def numbered(self, refs: Sequence[ArticleRef], clauses: list[Clause] | None) -> _Numbering | None:
        """The numbering of a document's clauses if one of them may be the one a reference names."""
        if not any(id(clauses) in self.lists_with.get((r.kind == "annex", r.number), ()) for r in refs):
            return None
        return self.of[id(clauses)]


def _numberings(clause_lists: list[list[Clause]]) -> _Numberings:
    of: dict[int, _Numbering] = {}
    annex_titles: list[tuple[int, Clause, str]] = []
    lists_with: dict[tuple[bool, int | None], set[int]] = {}
    for clauses in clause_lists:
        by_number: dict[int | None, list[tuple[int, Clause]]] = {}
        by_label: dict[str, list[Clause]] = {}
        for position, c in enumerate(clauses):
            by_number.setdefault(c.number, []).append((position, c))
            lists_with.setdefault((False, c.number), set()).add(id(clauses))
            if c.part == "annex":
                lists_with.setdefault((True, c.number), set()).add(id(clauses))
            by_label.setdefault(c.label, []).append(c)
            if c.part == "annex" and ANNEX_TITLE_LABEL_RE.fullmatch(c.label):
                annex_titles.append((id(clauses), c, core_title(c.text.split("\n")[0])))
        of[id(clauses)] = _Numbering({n: tuple(v) for n, v in by_number.items()},
                                     {label: tuple(v) for label, v in by_label.items()}, _is_law(clauses))
    return _Numberings(of, tuple(annex_titles), {n: frozenset(ids) for n, ids in lists_with.items()})


def _numbering_of(clauses_by_doc: dict[str, list[Clause]]) -> _Numberings:
    return per_documents(list(clauses_by_doc.values()), _numberings)


def _matches(ref: ArticleRef, clause: Clause, numbered_articles: bool) -> bool:
    if ref.kind == "annex":
        in_category = ref.section is None or f"{to_chinese_number(ref.section)}、第" in clause.label
        return clause.part == "annex" and clause.number == ref.number and clause.label.endswith("项") and in_category
    if ref.kind == "item":
        return _is_item(clause, ref.number, ref.section)
    if ref.kind == "point":
        return _is_point(clause, ref.number, ref.section, ref.item)
    if ref.kind == "question":  # 「第14问」: the 14th of questions numbered 「14.问：」 or not numbered (第14问)
        return clause.label == f"第{ref.number}问" or _is_point(clause, ref.number, None)
    if ref.kind == "box":  # 「专栏2」, as the text numbers it (专栏2, 专栏二; a box written as a heading: 专栏2 重大工程)
        return (box := BOX_RE.match(clause.label)) is not None and number_or_none(box.group(1)) == ref.number
    if ref.annex:
        return clause.part == "annex" and re.fullmatch(rf"附件\d*{ref.text}", clause.label) is not None
    if numbered_articles:  # a law: 第十条 is 第十条
        return clause.label == ref.text
    # A 意见 numbered （一）（二）: 第十条 means （十）; one numbered by points (二、9.), its point 9; a 公告 whose
    # parts are its articles (「二、提供…」), part 二、.
    return clause.number == ref.number and (_is_item(clause, ref.number, None) or _is_point(clause, ref.number, None)
                                            or _is_part(clause, ref.number))


def _is_part(clause: Clause, number: int) -> bool:
    """Whether the clause is part 六、 as a whole (labelled 「六、」 or with its heading 「六、强化组织实施」)."""
    return re.fullmatch(rf"{to_chinese_number(number)}、(?:[^\d（(].*)?", clause.label) is not None


def _is_item(clause: Clause, number: int, section: int | None) -> bool:
    """Whether the clause is item （number）; where items restart in every part they are labelled 三、（三）."""
    item = f"（{to_chinese_number(number)}）"
    if clause.label == item:  # numbered straight through: the item alone names it, within the part named
        return section is None or not clause.section or clause.section.startswith(f"{to_chinese_number(section)}、")
    part, _, rest = clause.label.partition("、")
    return rest == item and (section is None or part == to_chinese_number(section))


def _counted_in_part(clauses: list[Clause], ref: ArticleRef) -> list[Clause]:
    """「第三部分的第一条」 of a text whose items run straight through （一）…（十五）: the part's first item, as a
    reader counts them; of a text whose parts number their points (三、1. 三、2.), 「第三部分第2条措施」 is point 三、2."""
    part = f"{to_chinese_number(ref.section)}、"
    items = [c for c in clauses if c.section.startswith(part) and _ITEM_LABEL_RE.fullmatch(c.label)]
    return items[ref.number - 1:ref.number] or [c for c in clauses if _is_point(c, ref.number, ref.section)]


def _is_point(clause: Clause, number: int, section: int | None, item: int | None = None) -> bool:
    """Whether the clause is a numbered point (二、2., or 11. numbered straight through), of the given part if one is
    named; or, with ``item``, a point of that item (一、（二）2., or （二）2. where items are numbered straight through)."""
    part = to_chinese_number(section) if section is not None else f"[{NUMERAL_CHARS}]+"
    if item is not None:
        return re.fullmatch(rf"(?:{part}、)?（{to_chinese_number(item)}）{number}[.．]?", clause.label) is not None
    # Points numbered straight through a document are labelled by their number alone (「11.」).
    return re.fullmatch(rf"{part}、{number}[.．]?" if section is not None else rf"(?:{part}、)?{number}[.．]?",
                        clause.label) is not None


def _unnumbered(ref: ArticleRef, clauses: list[Clause]) -> list[Clause]:
    """The clauses a reference names that carry no number of it: a standard's clause by its label (「5.1.2」
    「附录A」), or, for an item whose title heads its numbered measures (「（七）培育市场主体。」 then 1. 2. 3.), the
    measures (the item as a whole). Empty for any other reference."""
    if ref.kind == "clause":
        return [c for c in clauses if c.label == ref.text]
    if ref.kind != "item":
        return []
    part = to_chinese_number(ref.section) if ref.section is not None else f"[{NUMERAL_CHARS}]+"
    measure = re.compile(rf"(?:{part}、)?（{to_chinese_number(ref.number)}）\d{{1,2}}[.．]?")
    return [c for c in clauses if measure.fullmatch(c.label)]


def _self_describing(asked: Named, clauses: list[Clause]) -> list[Clause]:
    """For a question asking when a document was issued or came into force, or why it was made: the clause of the
    document that says it (its dated closing text, else its title note; the article putting it in force; the first
    stating its purpose); empty for other questions."""
    if asked.asks_in_force:
        return [c for c in clauses if IN_FORCE_SENTENCE_RE.search(c.text)]
    if asked.asks_purpose:
        return [c for c in clauses if PURPOSE_SENTENCE_RE.search(c.text)][:1]
    if not asked.asks_issued:
        return []
    closing = [c for c in clauses if c.part == "closing" and DATE_RE.search(c.text)]
    return closing or [c for c in clauses if c.is_title_note]


def _definition_re(asked: Named, clauses: list[Clause]) -> re.Pattern | None:
    """How ``clauses`` define the term a definition question ends with: the longest end of the words before 是指什么
    (「…条例所称电动自行车」 → 电动自行车) that some clause defines (「本条例所称电动自行车，是指…」「（二）景区，是指…」)."""
    before = asked.defined
    for length in range(min(len(before), MAX_TERM), 1, -1):
        pattern = re.compile(rf"{re.escape(before[-length:])}[”」\"）)]?[，,]?(?:是指|指的是)")
        if any(pattern.search(c.text) for c in clauses):
            return pattern
    return None


def definition_quote(asked: Named, clause: Clause) -> str | None:
    """For a definition question, the sentence of ``clause`` that defines the term; None for other questions."""
    pattern = _definition_re(asked, [clause]) if asked.defined else None
    return next((s for s in split_sentences(clause.text) if pattern.search(s)), None) if pattern else None


def self_description_quote(asked: Named, clause: Clause) -> str | None:
    """What of a looked-up clause answers a question about the document itself: the sentence putting it in force
    or stating its purpose, a title note whole, or a closing's signature and date (「国务院办公厅\n2020年12月14日」);
    None for other questions."""
    if asked.asks_in_force and (m := IN_FORCE_SENTENCE_RE.search(clause.text)):
        return m.group(0)
    if asked.asks_purpose and (m := PURPOSE_SENTENCE_RE.search(clause.text)):
        return m.group(0).strip()
    if not asked.asks_issued:
        return None
    if clause.is_title_note:
        return clause.text
    lines = clause.text.split("\n")
    at = next((i for i, line in enumerate(lines) if DATE_LINE_RE.match(line.strip())), None)
    if at is None:
        return ""
    first = at - 1 if at and len(lines[at - 1]) <= 40 and lines[at - 1][-1:] not in "。；：" else at
    return "\n".join(lines[first:at + 1])


def pinpoint_quote(asked: Named, clause: Clause) -> tuple[str, str] | None:
    """For 「旅游法第三十五条第二款」「…第一百一十一条第（一）项」: (the part as shown, 「第三十五条第二款：…」, and its text
    verbatim) — a paragraph with the items under it, or one item; None when the question names no part of this
    article or it has none such."""
    ref = next((r for r in asked.refs if r.kind == "article" and clause.label == r.text
                and (r.paragraph or r.subitem)), None)
    if ref is None:
        return None
    paragraphs: list[list[str]] = []  # an item line (（一）…) belongs to the paragraph it lists for
    for line in clause.text.split("\n"):
        if paragraphs and ITEM_RE.match(line):  # 「（一）旅游经营者，是指…」
            paragraphs[-1].append(line)
        else:
            paragraphs.append([line])
    named = clause.label
    lines = [line for p in paragraphs for line in p]
    if ref.paragraph:
        if ref.paragraph > len(paragraphs):
            return None
        lines, named = paragraphs[ref.paragraph - 1], f"{named}第{to_chinese_number(ref.paragraph)}款"
    item = ""
    if ref.subitem:
        item = f"（{to_chinese_number(ref.subitem)}）"
        lines, named = [line for line in lines if line.startswith(item)], f"{named}第{item}项"
    if not lines:
        return None
    quote = "\n".join(lines)
    return f"{named}：{quote.removeprefix(clause.label).lstrip().removeprefix(item)}", quote


def quoted(asked: Named, clause: Clause) -> tuple[str, str] | None:
    """What an answer shows and quotes (verbatim) of a looked-up clause: the paragraph or item of an article named,
    what the document says about itself (its date, purpose, signature — under its title when the question asks who
    issued it), the sentence defining the term asked, the salutation; None to quote it whole; an empty quote when it
    says nothing the question asks (a closing without a date)."""
    if pinpoint := pinpoint_quote(asked, clause):
        return pinpoint
    quote = self_description_quote(asked, clause)
    if quote is None:
        quote = definition_quote(asked, clause)
    if quote is None:
        quote = addressee_quote(asked, clause)
    if quote is None:
        return None
    title = book_title(clause.doc_title) if asked.asks_issuer and quote else ""  # the title names the issuer (中共中央…)
    return title + quote.replace("\n", "　"), quote


def addressee_quote(asked: Named, clause: Clause) -> str | None:
    """For 「…的主送单位是哪些」: the salutation line opening a preamble (「各省、自治区、直辖市人民政府，…：」); None
    for other questions and clauses (the clause is quoted whole)."""
    if not asked.asks_addressees or clause.part != "preamble":
        return None
    first = clause.text.split("\n")[0].strip()
    return first if first.endswith(("：", ":")) else None


def division_heading(clause: Clause, ref: ArticleRef) -> str | None:
    """The heading of the division ``ref`` names (「第三章 旅游规划和促进」「三、贯通协调…」) if ``clause`` is in it."""
    if clause.part != "body" or not clause.section:
        return None
    if not ref.number:  # by its title: 「第十章 附则」
        return next((h for h in clause.section.split(SECTION_PATH_SEP)
                     if DIVISION_HEADING_RE.match(h) and re.sub(r"\s", "", DIVISION_HEADING_RE.sub("", h)) == ref.text),
                    None)
    if ref.text.endswith("部分"):
        starts = [f"{to_chinese_number(ref.number)}、"]  # 三、
    else:  # 第三章, or 第五章第一节: each under the one before
        starts = re.findall(r"第[^第]+", ref.text)
    headings = clause.section.split(SECTION_PATH_SEP)
    found = [next((h for h in headings if h.startswith(start)), None) for start in starts]
    return found[-1] if all(found) else None


def _in_divisions(refs: Sequence[ArticleRef], clauses: list[Clause]) -> list[Clause]:
    return [c for c in clauses if any(division_heading(c, r) for r in refs)]


def part_titles(clauses: list[Clause]) -> tuple[str, ...]:
    """The headings of the top-level parts (「三、保障措施」 → 保障措施), longest first: a question may name a part by
    its heading where its items restart (「…方案保障措施部分的（三）」)."""
    parts = {c.section.split(SECTION_PATH_SEP)[0] for c in clauses if c.section}
    titles = {m.group(1) for part in parts if (m := SECTION_LABEL_RE.match(part))}
    return tuple(sorted(titles, key=lambda t: (-len(t), t)))


def _in_named_part(matched: list[Clause], asked: Named) -> list[Clause]:
    """Of an item found in several parts (二、（三） and 三、（三）), those of the part whose heading the question
    names; all of them when it names none."""
    if len({c.section.split(SECTION_PATH_SEP)[0] for c in matched}) < 2:
        return matched
    named = [c for c in matched if any(c.section.split(SECTION_PATH_SEP)[0].endswith(f"、{t}") for t in asked.parts)]
    return named or matched


def titled_sections(clauses: list[Clause]) -> list[tuple[str, Clause]]:
    """(heading title, clause) of the clauses that are a section's own text (「一、总体要求」 → 总体要求)."""
    return [(m.group(1), c) for c in clauses if (m := SECTION_LABEL_RE.match(c.label))]


def lookup(asked: Named, clauses_by_doc: dict[str, list[Clause]], docs: list[dict]) -> list[Clause]:
    """The clauses the question names, best document first; empty if it names none."""
    refs = asked.refs
    if annexed := _annexed_articles(refs, clauses_by_doc, docs):
        return annexed  # 「托育机构设置标准第八条」: an article of a text annexed under its own title
    named, scores = documents_named(asked, refs, docs)
    if named is None:
        return []  # the law it names is not loaded
    if not refs:
        # A date is looked up for a document clearly named: 「…管理办法要在什么时候之前出台」 of a 办法 not loaded shares
        # only 管理办法 with the one that is, and asks when a task is due.
        clearly = [d for d in named if scores.get(d, 0.0) >= CLEARLY_NAMED]
        if not clearly and (asked.asks_issued or asked.asks_in_force or asked.asks_purpose or asked.defined):
            clearly = named_by_law(set(asked.laws), docs) or []  # 「交强险条例什么时候施行」: by its usual name
        if clearly and (saying := [c for d in clearly for c in _self_describing(asked, clauses_by_doc.get(d, []))]):
            return saying
        own = [c for d in clearly for c in clauses_by_doc.get(d, [])]
        if asked.defined and (defining := _definition_re(asked, own)):  # the first clause defining the term
            return [c for c in own if defining.search(c.text)][:1]
        if named and (part := asked.position):
            return [c for d in named for c in clauses_by_doc.get(d, []) if c.part == part and not c.is_title_note]
        return _section_titles([c for c in asked.sections if c.doc_id in clauses_by_doc], scores)
    candidates = sorted(named or clauses_by_doc, key=lambda d: -scores.get(d, 0.0))  # best named first
    if asked.names_division:
        found_in = [c for d in candidates for c in _in_divisions(refs, clauses_by_doc.get(d, []))]
        return found_in if len({c.doc_id for c in found_in}) <= 2 else []  # 「第一章」 of every book of a code
    if refs[0].kind == "last":  # 「旅游法最后一条」「分工表最后一项」
        last = [c for d in candidates if (c := _last(refs[0], clauses_by_doc.get(d, [])))]
        return last if named or len(last) <= 2 else []
    numberings = _numbering_of(clauses_by_doc)
    found: dict[str, Clause] = {}  # by clause id, in the order found
    titles = per_documents(docs, _titles)
    for doc_id in candidates:
        numbering = numberings.numbered(refs, clauses_by_doc.get(doc_id))
        if numbering is not None and _amends_without_articles(numbering, titles.get(doc_id, ""), refs):
            continue
        if numbering is None:  # no clause numbered as asked: a standard's 5.1.2, or an item heading its measures
            found.update((c.clause_id, c) for ref in refs for c in _unnumbered(ref, clauses_by_doc.get(doc_id, [])))
        else:
            _find_numbered(refs, numbering, clauses_by_doc.get(doc_id, []), asked, found)
        if not named and len({c.doc_id for c in found.values()}) > 2:
            return []  # an unqualified 第十条 in a large corpus names nothing in particular
    if len(refs) == 1 and refs[0].step:  # 「第二十八条的下一条」: the clause after it in its document
        return [n for c in found.values() if (n := _neighbour(c, refs[0].step, clauses_by_doc.get(c.doc_id, [])))]
    return list(found.values())


def _titles(docs: list[dict]) -> dict[str, str]:
    return {d["doc_id"]: d["title"] for d in docs}


def _amends_without_articles(numbering: _Numbering, title: str, refs: Sequence[ArticleRef]) -> bool:
    """Whether the document is a decision amending the law a reference names, without that law's articles printed
    in it: its item 二、 is not the law's 第二条."""
    return not numbering.is_law and any(r.law and amends(title, r.law) for r in refs)


def _find_numbered(refs: list[ArticleRef], numbering: _Numbering, clauses: list[Clause], asked: Named,
                   found: dict[str, Clause]) -> None:
    """Add to ``found`` the clauses of one document (``clauses``, numbered as ``numbering``) that ``refs`` name."""
    numbered = numbering.numbered_as(refs)
    rows = set()  # the texts that named a row of this document's task table
    for ref in refs:
        if ref.kind == "item" and not ref.explicit and ref.text in rows:
            continue  # 「52号文第12项」: the table's row 12, where the text has a table
        matched = [c for c in numbered if _matches(ref, c, numbering.is_law)]
        if not matched or (ref.kind == "item" and ref.section is None):
            matched += _unnumbered(ref, clauses)  # measures an item heads, in any part
        if not matched and ref.kind == "item" and ref.section is not None:
            matched = _counted_in_part(clauses, ref)
        elif ref.kind == "item" and ref.section is None:
            matched = _in_named_part(matched, asked)
        if not matched and ref.kind == "point" and ref.item is not None:  # a point inside its item's text
            point = re.compile(rf"(?:^|\n|[。；：\s]){ref.number}[.．、](?!\d)")
            matched = [c for c in clauses if _is_item(c, ref.item, ref.section) and point.search(c.text)]
        if ref.kind == "annex" and matched:
            rows.add(ref.text)
        # 第六条 of an 意见 with items （一）…（十七） and parts 一、…六、 is its item （六）.
        items = [c for c in matched if not _is_part(c, ref.number)]
        found.update((c.clause_id, c) for c in items or matched)


def _last(ref: ArticleRef, clauses: list[Clause]) -> Clause | None:
    """A text's last numbered article or item (a table's last row, when the question names the table)."""
    numbered = [c for c in clauses if c.number is not None and (c.is_table_row if ref.annex else c.part == "body")]
    return numbered[-1] if numbered else None


def _neighbour(clause: Clause, step: int, clauses: list[Clause]) -> Clause | None:
    """The clause ``step`` places after (before, when negative) ``clause`` in its document, title notes left out."""
    order = [c for c in clauses if not c.is_title_note]
    at = next((i for i, c in enumerate(order) if c.clause_id == clause.clause_id), None)
    return order[at + step] if at is not None and 0 <= at + step < len(order) else None


def missing_articles(asked: Named, clauses_by_doc: dict[str, list[Clause]], docs: list[dict]) -> list[str]:
    """The articles the question names (「分工表第999项」「国办发〔2020〕52号第四十条」) that no loaded document it
    could mean has; empty when it names none, or only ones that exist."""
    annexed = _annexed_articles(asked.refs, clauses_by_doc, docs)
    all_refs = [r for r in asked.refs if not (r.law and any(c.label.endswith(r.text) for c in annexed))]
    if not all_refs:
        return []
    named, _ = documents_named(asked, all_refs, docs)
    if named is None:
        return [r.named for r in all_refs if r.law]
    # 「第四十条」 names an article only with its document (「52号文第四十条」「老年人权益保障法第四十条」);
    # 「分工表第999项」「（二十五）」 do on their own.
    refs = [r for r in all_refs if r.explicit or (named and r.kind in ("article", "division"))]
    if refs and refs[0].kind == "last":
        return []  # any text has a last article
    if refs and asked.names_division:
        clauses = [c for d in named or clauses_by_doc for c in clauses_by_doc.get(d, [])]
        return [r.named for r in refs if not _in_divisions([r], clauses)]
    numberings = _numbering_of(clauses_by_doc)
    titles = per_documents(docs, _titles)
    candidates = [(numbering.numbered_as(refs), numbering.is_law)
                  for d in named or clauses_by_doc if (numbering := numberings.numbered(refs, clauses_by_doc.get(d)))
                  and not _amends_without_articles(numbering, titles.get(d, ""), refs)]
    return [ref.named for ref in refs
            if not any(_matches(ref, c, numbered) for clauses, numbered in candidates for c in clauses)]


def _annexed_articles(refs: Sequence[ArticleRef], clauses_by_doc: dict[str, list[Clause]],
                      docs: list[dict]) -> list[Clause]:
    """The articles that 「托育机构设置标准第八条」 names where 托育机构设置标准 is the title of an annexed text
    (附件1 of a 通知 that issues it), not of a loaded document. A shortened title (「康复救助办法第十九条」) names
    the one annexed text it fits, of the loaded document it names if it names one (「社会救助暂行办法第十条」 is that
    办法's, not an annexed 「…社会救助家庭经济状况核对暂行办法」's)."""
    found: list[Clause] = []
    refs = [r for r in refs if r.kind == "article" and r.law]
    if not refs:
        return found
    numberings = _numbering_of(clauses_by_doc)
    for ref in refs:
        titles = [(clauses, title) for clauses, title, core in numberings.annex_titles if ref.law.endswith(core)]
        if not titles:
            named = named_by_law({ref.law}, docs)  # a loaded title it names: the annexed text must be that document's
            shortened = [(clauses, title) for clauses, title, core in numberings.annex_titles
                         if _shortens(ref.law, core) and (not named or title.doc_id in named)]
            titles = shortened if len(shortened) == 1 else []
        for clauses, title in titles:
            found += [c for c in numberings.of[clauses].by_label.get(f"{title.label}{ref.text}", ()) if c not in found]
    return found


def _shortens(name: str, core: str) -> bool:
    """Whether a name the question gives (「康复救助办法」) shortens the title ``core`` (汉江省残疾儿童康复救助实施办法)
    as readers shorten one: its characters in their order, its kind at the end, at least ANNEXED_NAME_CHARS of them
    (「管理办法」 shortens every 管理办法)."""
    rest = iter(core)
    return len(name) >= ANNEXED_NAME_CHARS and name[-2:] == core[-2:] and all(char in rest for char in name)


def _is_law(clauses: list[Clause]) -> bool:
    """Articles labelled 第X条: a reader's 第十条 is that article (in an 意见, it means （十）)."""
    return any(c.is_article for c in clauses)


def _section_titles(found: list[Clause], scores: dict[str, float]) -> list[Clause]:
    """「…意见的总体要求是什么」: a section whose own text is a clause, named by its heading (``found``: those whose
    heading the question holds)."""
    if len({c.doc_id for c in found}) > 1:
        best = max(scores.get(c.doc_id, 0.0) for c in found)
        found = [c for c in found if scores.get(c.doc_id, 0.0) == best]
    return found if len(found) == 1 else []
