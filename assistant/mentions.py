"""Which loaded documents a question names, and the question without the naming, for retrieval.

A question names a document by 发文字号 (「国办发〔2020〕52号」「52号文」) or by a shortened title ending in the
kind of document (「养老托育意见」「2024年养老意见」「24年意见」「2020年国办文件」「慈善法」). The naming says where to
look, not what is asked: left in the question, the title's words pull up the clauses that restate the title
(序言, 总体要求, 结语) above the one that answers.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from policyqa.corpus.layout import DOC_NUMBER_RE, compact
from policyqa.corpus.supports import Reach, reach_of, short_province
from policyqa.corpus.vocab import alternation, vocabulary, words

from .asks import asks_about_place

# A local document's title opens with its place (「宁川市…」「沅澄省人民政府办公厅…」).
_PLACE_LEVELS = alternation(words("place_levels"))
PLACE_PREFIX_RE = re.compile(rf"^[\u4e00-\u9fff]{{2,7}}?(?:{_PLACE_LEVELS})")
_PLACE_LEVEL_RE = re.compile(rf"(?:{_PLACE_LEVELS})$")
# The kinds of document a shortened title ends in; 文件 fits any document.
_KINDS = words("document_kinds", "rules", "policies", "any")
KIND_RE = re.compile(alternation(_KINDS))
# 「那个若干措施」「这份公告」: the kind alone names the one loaded document of that kind.
DEMONSTRATIVE_RE = re.compile(r"(?:那个|这个|那份|这份)$")
DISTINCT_KINDS = frozenset(words("document_kinds", "distinct"))
GENERIC_KIND, = words("document_kinds", "any")
SHORT_NUMBER_RE = re.compile(r"(?<!\d)(\d{1,4})号(?:文件?|公告)")  # 「52号文」「76号公告」
_YEARLESS_NUMBER_RE = re.compile(r"([\u4e00-\u9fff]{1,12}发)\s*(\d{1,5})\s*号")  # 「国办发52号」: no year
_YEAR_RE = re.compile(r"(?:19|20)?\d{2}年$")  # a year just before a name
_ISSUER_ABBREVIATIONS = {abbreviation: full for abbreviation, (full,) in vocabulary("issuers")}
_STATE_NAME = "中华人民共和国"  # 「中华人民共和国慈善法」 is named 「慈善法」
MIN_NAME_CHARS = 4  # title characters a shortened title needs when no year or issuer says which document
MAX_NAME_CHARS = 60  # a name is read back from its kind at most this far
_WINDOW_CHARS = 16  # characters before a name's start in which a year, issuer or filler is read
_FOREIGN_NAME_CHARS = 3  # characters before a kind, not in the one loaded document of that kind, that name another
MAX_KIND_WORDS = 8  # kind words read as possible names: a question names a few documents, not hundreds
# 「2020年和2024年两个意见」「2020年与2024年的文件」: two documents named by their years.
_YEARS_NAME_RE = re.compile(
    rf"(?:19|20)?(\d{{2}})年\s*(?:和|与|及|、|跟|还是|或者?|或是)\s*(?:19|20)?(\d{{2}})年\s*(?:的|这?两[个份部])?\s*(?P<kind>{KIND_RE.pattern})")
# Words between a year or issuer and the rest of a name (「2024年中央那个养老意见」「中央发的养老意见」).
_FILLER_RE = re.compile(r"(?:那个|这个|那份|这份|(?:印发|下发|发布|出台|发)?的)$")
# A joint document named by its first issuer and how many issued it (「民政部等八部门关于…」「民政部等部门…」).
_JOINT_ISSUERS_RE = re.compile(r"([\u4e00-\u9fff]{2,16})等(?:[一二三四五六七八九十\d]{1,3}个?)?(?:部门|部委|单位)$")
# Characters joining a document's name to the rest of the question (「52号文对社区托育怎么说」「和24年意见」).
_JOINING_RE = re.compile(r"^[的对在里中和与及、，,\s]+")

# 「国办发2020年52号」: a 发文字号 typed without its brackets (「…公告2019年第76号」 is a 公告's own numbering).
_BARE_DOC_NUMBER_RE = re.compile(r"([\u4e00-\u9fff]{1,12}发)\s*((?:19|20)\d{2})\s*年\s*(\d{1,5})\s*号")
_ISSUING_VERB_RE = re.compile(r"(?:印|下|转|颁|签)发$")  # 「财政部印发…」: a verb, not an issuer's abbreviation
# 「国务院令第456号」「民政部令第66号」: a 令 is numbered by its issuer.
_ORDER_NUMBER_RE = re.compile(r"([\u4e00-\u9fff]{1,16}令)\s*第\s*(\d{1,5})\s*号")
# Words of asking that run into a document's name or 发文字号 (「请问国办发〔2020〕52号…」「根据旅游法第三十五条」).
ASKING = alternation(words("generic_words", "asking", "asking_before_name"))
_ASKING_RE = re.compile(rf"^(?:{ASKING}|关于|那个|这个)+")  # before a 发文字号, not part of the issuer's abbreviation


T = TypeVar("T")
_DERIVED: OrderedDict[tuple, tuple[tuple[int, ...], list[dict], object]] = OrderedDict()
_SAME_LIST: OrderedDict[tuple, tuple[list[dict], int, object]] = OrderedDict()  # (build, id of a list) → value
_DERIVED_LOCK = threading.Lock()
MAX_DERIVED = 16  # lists of documents remembered (the index's, and a few scoped to some documents)


def per_documents(docs: list[dict], build: Callable[[list[dict]], T]) -> T:
    """``build(docs)``, computed once for the same document records in the same order, so that what depends only
    on the loaded documents (their titles' places, characters, word pairs) is not computed again for every
    question. Records are not changed once loaded; the list itself may be a new one each time. The index's own list,
    passed again, is known by itself (reading every record's id costs 0.1 ms a call over 3,500 documents)."""
    with _DERIVED_LOCK:
        same = _SAME_LIST.get((build, id(docs)))
        if same is not None and same[0] is docs and same[1] == len(docs):
            return same[2]
    ids = tuple(map(id, docs))
    key = (build, hash(ids))
    with _DERIVED_LOCK:
        known = _DERIVED.get(key)
        if hit := known is not None and known[0] == ids:
            _DERIVED.move_to_end(key)
    value = known[2] if hit else build(docs)
    with _DERIVED_LOCK:
        if not hit:
            _DERIVED[key] = (ids, list(docs), value)  # the records stay alive, so the ids stay theirs
        _SAME_LIST[(build, id(docs))] = (docs, len(docs), value)  # the list stays alive, so its id stays its own
        for table in (_DERIVED, _SAME_LIST):
            while len(table) > MAX_DERIVED:
                table.popitem(last=False)
    return value


@dataclass(frozen=True)
class _Titles:
    """The loaded documents' titles as the naming of documents reads them."""

    places: dict[str, tuple[str, ...]]  # a place opening some titles → those documents (a city's: its province's too)
    with_char: dict[str, tuple[int, ...]]  # a character → the documents whose title holds it
    with_short: dict[str, tuple[int, ...]]  # a short title (no 中华人民共和国, no closing bracket) → its documents
    with_kind: dict[str, tuple[int, ...]]  # a kind word (KIND_RE) → the documents whose title holds it
    with_year_ending: dict[str, tuple[int, ...]]  # an ending of a document's year (「2024」「24」「4」) → documents
    with_state_name: tuple[int, ...]  # the documents whose title holds 中华人民共和国
    with_issuer: dict[str, tuple[int, ...]]  # an issuer's abbreviation (「国办」) → the documents it issued


def _short_title(title: str) -> str:
    return re.sub(r"[（(][^）)]*[）)]$", "", title.replace(_STATE_NAME, ""))


def title_place(doc: dict) -> str | None:
    """The place opening a local rule's title as people name it (「深圳经济特区…」 → 深圳, 「宁川市…」 → 宁川,
    「广西壮族自治区…」 → 广西), as ``corpus.supports.reach_of`` reads a rule's place; a place it does not know
    (「萧山区…」) counts when the document's issuer names it too (「杭州市萧山区人民政府」). A national title may open
    with a word ending in a place level (「行政区划管理条例」「风景名胜区条例」「人力资源市场…」) or with a place's bare
    name (「和平利用…」): neither is one."""
    return found[0] if (found := _title_reach(doc)) else None


def _title_reach(doc: dict) -> tuple[str, Reach] | None:
    """:func:`title_place` and the title's reach (national where only the issuer names the place)."""
    title = doc["title"]
    reach = reach_of(title, None)
    if reach.place:
        place = short_province(reach.place) if reach.level == "province" else _PLACE_LEVEL_RE.sub("", reach.place)
        return place, reach
    prefix = PLACE_PREFIX_RE.match(title)
    return (_PLACE_LEVEL_RE.sub("", prefix.group(0)), reach) if prefix and prefix.group(0) in (doc.get("issuer") or "") else None


def _titles(docs: list[dict]) -> _Titles:
    places: dict[str, list[str]] = {}
    province_of_city: dict[str, str] = {}
    provincial: dict[str, list[str]] = {}  # a province → its own rules (not its cities')
    with_char: dict[str, list[int]] = {}
    with_short: dict[str, list[int]] = {}
    with_year_ending: dict[str, list[int]] = {}
    for i, doc in enumerate(docs):
        if found := _title_reach(doc):
            place, reach = found
            places.setdefault(place, []).append(doc["doc_id"])
            if reach.level == "city" and reach.province:
                province_of_city[place] = reach.province
            elif reach.level == "province" and reach.province:
                provincial.setdefault(reach.province, []).append(doc["doc_id"])
        for char in set(doc["title"]):
            with_char.setdefault(char, []).append(i)
        with_short.setdefault(_short_title(doc["title"]), []).append(i)
        year = (doc.get("date") or "")[:4]
        for at in range(len(year)):
            with_year_ending.setdefault(year[at:], []).append(i)
    # A city's people live under its province's rules too (「我在东莞租的房子…」: 广东省城镇房屋租赁条例), but a
    # name a city shares with a province (吉林) names that province's rules already.
    province_keys = {short_province(p) for p in provincial}
    for place, province in province_of_city.items():
        if place not in province_keys:
            places[place] = list(dict.fromkeys(places[place] + provincial.get(province, [])))
    with_kind = {kind: tuple(i for i, d in enumerate(docs) if kind in d["title"]) for kind in _KINDS}
    freeze = lambda table: {key: tuple(values) for key, values in table.items()}  # noqa: E731
    with_issuer = {abbreviation: tuple(i for i, d in enumerate(docs) if issuer in d["title"].replace(_STATE_NAME, ""))
                   for abbreviation, issuer in _ISSUER_ABBREVIATIONS.items()}
    return _Titles(freeze(places), freeze(with_char), freeze(with_short), with_kind, freeze(with_year_ending),
                   tuple(i for i, d in enumerate(docs) if _STATE_NAME in d["title"]), with_issuer)


@dataclass(frozen=True)
class DocNumber:
    """A 发文字号 the question names, in the spelling documents carry (「国办发〔2020〕52号」)."""

    start: int
    end: int
    number: str


def doc_numbers(question: str) -> list[DocNumber]:
    """The 发文字号 a question names: 「国办发〔2020〕52号」「国办发(2020)52号」, typed 「国办发2020年52号」, or a 令's
    number 「国务院令第456号」."""
    found = [(m.start(), m.end(), compact(m.group(0))) for m in DOC_NUMBER_RE.finditer(question)]
    for m in _BARE_DOC_NUMBER_RE.finditer(question):
        if _ISSUING_VERB_RE.search(m.group(1)):
            continue
        if not any(start < m.end() and m.start() < end for start, end, _ in found):
            found.append((m.start(), m.end(), f"{m.group(1)}〔{m.group(2)}〕{m.group(3)}号"))
    found += [(m.start(), m.end(), f"{m.group(1)}第{m.group(2)}号") for m in _ORDER_NUMBER_RE.finditer(question)]
    numbers = []
    for start, end, number in sorted(found):
        asking = _ASKING_RE.match(number)
        skip = asking.end() if asking else 0
        if "令第" in number and number[skip:].startswith("中华人民共和国"):  # 「中华人民共和国民政部令」 is 民政部令
            skip += len("中华人民共和国")
        numbers.append(DocNumber(start + skip, end, number[skip:]))
    return numbers


def numbered_documents(number: DocNumber, docs: list[dict]) -> tuple[str, ...]:
    """The documents carrying the 发文字号; the question's reading may have words before the issuer that no list of
    asking words foresaw (「我想问问国办发〔2020〕52号」), so a loaded 发文字号 it ends with is the one meant."""
    return tuple(d["doc_id"] for d in docs if d.get("doc_number") and number.number.endswith(d["doc_number"]))


def _issuer_numbering(doc_number: str, number: str) -> str | None:
    """The issuer's code of a 发文字号 with that number (「国办发」 of 「国办发〔2020〕52号」 for 52), else None."""
    m = re.fullmatch(rf"(.+发)〔\d{{4}}〕{number}号", doc_number)
    return m.group(1) if m else None


@dataclass(frozen=True)
class Mention:
    """A span of the question that names documents."""

    start: int
    end: int
    doc_ids: tuple[str, ...]
    by_number: bool = False  # named by 发文字号 (「国办发〔2020〕52号」「52号文」), which no title words outweigh


def document_mentions(question: str, docs: list[dict],
                      of_year: Callable[[tuple[str, ...], str], tuple[str, ...]] | None = None) -> list[Mention]:
    """The spans of the question naming loaded documents, in order, without overlaps; with ``of_year`` (which of
    some versions of a law a year names), a year said beside a title picks that year's version."""
    found: list[Mention] = []
    for n in doc_numbers(question):
        if ids := numbered_documents(n, docs):
            after = re.match(r"文件?", question[n.end:])  # 「国办发〔2020〕52号文」
            number = min((d["doc_number"] for d in docs if d["doc_id"] in ids), key=len)
            start = max(n.start, n.end - len(number))  # 「我想问问国办发〔2020〕52号」: the number, not 「问」
            found.append(Mention(start, n.end + (after.end() if after else 0), ids, by_number=True))
    for m in SHORT_NUMBER_RE.finditer(question):
        if ids := tuple(d["doc_id"] for d in docs if re.search(rf"(?:〕|年第){m.group(1)}号$", d.get("doc_number") or "")):
            found.append(Mention(m.start(), m.end(), ids, by_number=True))
    for m in _YEARLESS_NUMBER_RE.finditer(question):
        fits = [(d["doc_id"], issuer) for d in docs
                if (issuer := _issuer_numbering(d.get("doc_number") or "", m.group(2))) and m.group(1).endswith(issuer)]
        if fits:
            after = re.match(r"文件?", question[m.end():])  # 「国办发52号文」
            found.append(Mention(m.end(1) - len(fits[0][1]), m.end() + (after.end() if after else 0),
                                 tuple(i for i, _ in fits), by_number=True))
    found += [x for m in list(KIND_RE.finditer(question))[:MAX_KIND_WORDS] if (x := _title_mention(question, m, docs))]
    found += [x for m in list(_YEARS_NAME_RE.finditer(question))[:MAX_KIND_WORDS] if (x := _years_mention(m, docs))]
    found += _place_mentions(question, docs)
    found = [_with_quotes(question, m, docs) for m in found]
    if of_year is not None:
        found = [_of_year(question, m, of_year) for m in found]
    kept: list[Mention] = []
    for mention in sorted(found, key=lambda x: (x.start, -x.end)):
        if not kept or mention.start >= kept[-1].end:
            kept.append(mention)
    return kept


_QUOTES = {"《": "》", "「": "」", "“": "”", "\"": "\""}


def _with_quotes(question: str, mention: Mention, docs: list[dict]) -> Mention:
    """A mention closed by a title's quotation mark (「《…意见》是谁发的」) spans its marks too, so that what follows
    the name (「是谁发的」, 「（2016年）」) is read right after it; not when the quoted words before it are not of
    the documents' titles (「《浙江省家政服务条例》」 does not name 广东省家政服务条例)."""
    end = mention.end
    if end >= len(question) or question[end] not in _QUOTES.values():
        return mention
    start = max((question.rfind(o, 0, mention.start + 1) for o, c in _QUOTES.items() if c == question[end]), default=-1)
    if start < 0 or question[end] in question[start + 1:end]:
        return mention
    before = compact(question[start + 1:mention.start])
    if before and not any(before in compact(d["title"]) for d in docs if d["doc_id"] in mention.doc_ids):
        return mention
    return Mention(start, end + 1, mention.doc_ids, mention.by_number)


# 「2013年版的…办法」「2016年修正的慈善法」「慈善法（2016年）」「96年版的职业教育法」: the year a version is named by,
# beside its title (two digits only before 版).
VERSION_WORDS = r"年?(?:版本?|修订|修正|修改)?的?"  # after a version's year, before its law's name
_YEAR_BEFORE_RE = re.compile(rf"((?:19|20)\d{{2}}|(?<!\d)\d{{2}}(?=年?版)){VERSION_WORDS}$")
_YEAR_AFTER_RE = re.compile(r"^(?:[（(]((?:19|20)\d{2})年?(?:版本?|修订|修正|修改)?[）)]|((?:19|20)\d{2})年?(?:版本?|修订本|修正本))")


def _of_year(question: str, mention: Mention, of_year: Callable[[tuple[str, ...], str], tuple[str, ...]]) -> Mention:
    """A mention of several versions of one law narrowed to the version of the year said beside it
    (「2013年版的全国年节及纪念日放假办法」), the year's words joining the mention; as it was otherwise."""
    if len(mention.doc_ids) < 2:
        return mention
    before = _YEAR_BEFORE_RE.search(question[:mention.start])
    if before and (ids := of_year(mention.doc_ids, _full_year(before.group(1)))):
        return Mention(before.start(), mention.end, ids, mention.by_number)
    if (m := _YEAR_AFTER_RE.match(question[mention.end:])) and (ids := of_year(mention.doc_ids, m.group(1) or m.group(2))):
        return Mention(mention.start, mention.end + m.end(), ids, mention.by_number)
    return mention


def _full_year(year: str) -> str:
    """「96」 → 1996, 「18」 → 2018: a two-digit year of a law's version."""
    return year if len(year) == 4 else ("19" if year >= "50" else "20") + year


def _place_mentions(question: str, docs: list[dict]) -> list[Mention]:
    """「宁川市低保户老人…」「在岭西住了两年」: a place that opens the titles of some of the loaded documents (local
    rules; a city's, with its province's own) names them, unless it is where the asker comes from, goes or works
    (:func:`asks.asks_about_place`)."""
    found = []
    for place, ids in per_documents(docs, _titles).places.items():
        if len(place) < 2 or len(ids) == len(docs) or place not in question:
            continue
        for m in re.finditer(rf"{re.escape(place)}(?:{_PLACE_LEVELS})?", question):
            if asks_about_place(question, m.start(), m.end()):
                found.append(Mention(m.start(), m.end(), tuple(ids)))
                break
    return found


def _years_mention(m: re.Match, docs: list[dict]) -> Mention | None:
    """「2020年和2024年两个意见」: the documents of that kind dated in each year, if every year names one."""
    kind = m.group("kind")
    ids: list[str] = []
    for year in (m.group(1), m.group(2)):
        of_year = [d["doc_id"] for d in docs if (d.get("date") or "")[:4].endswith(year)
                   and (kind == GENERIC_KIND or kind in d["title"])]
        if not of_year:
            return None
        ids += of_year
    return Mention(m.start(), m.end(), tuple(dict.fromkeys(ids)))


def without_mentions(question: str, mentions: list[Mention]) -> str:
    """The question with the spans that name documents taken out, and the words joining them to it (「52号文对社区
    托育怎么说」 → 「社区托育怎么说」); the whole question if nothing of it is left."""
    if not mentions:
        return question
    rest, at = question[:mentions[0].start], mentions[0].end
    for mention in mentions[1:]:
        rest += _JOINING_RE.sub("", question[at:mention.start])
        at = mention.end
    return rest_or_whole((rest + _JOINING_RE.sub("", question[at:])).strip(), question)


def rest_or_whole(rest: str, question: str) -> str:
    """What is left of a question after taking words out of its search text, or the whole question when no two
    Chinese characters are left to search for."""
    return rest if re.search(r"[\u4e00-\u9fff]{2}", rest) else question


def _title_mention(question: str, kind: re.Match, docs: list[dict]) -> Mention | None:
    """The documents a shortened title ending at ``kind`` names: those whose title accounts for the longest run of
    characters before it (see :func:`_name_start`). 「劳动合同法」 names the law and its 实施条例 alike: a question
    about a law may be answered by the rules implementing it."""
    best: list[str] = []
    best_start = kind.start()
    for doc in _may_be_named(question, kind, docs):
        title = doc["title"]
        if kind.group(0) != GENERIC_KIND and kind.group(0) not in title:
            continue
        if (start := _name_start(question, kind, doc)) is None:
            continue
        if start < best_start:
            best, best_start = [doc["doc_id"]], start
        elif start == best_start and start < kind.start():
            best.append(doc["doc_id"])
    this = DEMONSTRATIVE_RE.search(question[:kind.start()])
    if not best and kind.group(0) != GENERIC_KIND and (this or kind.group(0) in DISTINCT_KINDS):
        of_kind = [docs[i] for i in per_documents(docs, _titles).with_kind[kind.group(0)]]
        if len(of_kind) == 1 and (this or not _names_another(question[:kind.start()], of_kind[0])):
            return Mention(this.start() if this else kind.start(), kind.end(), (of_kind[0]["doc_id"],))
    return Mention(best_start, kind.end(), tuple(best)) if best else None


def _abbreviation(before: str) -> str | None:
    return next((a for a in _ISSUER_ABBREVIATIONS if before.endswith(a)), None)


def _filler_start(before: str) -> int | None:
    """Where a filler ending ``before`` starts (「2024年中央那个」「中央发的」), if a year or issuer stands before it."""
    filler = _FILLER_RE.search(before)
    return filler.start() if filler and (_YEAR_RE.search(before[:filler.start()])
                                         or _abbreviation(before[:filler.start()])) else None


def _may_be_named(question: str, kind: re.Match, docs: list[dict]) -> list[dict]:
    """The documents, in order, for which :func:`_name_start` may find a name ending at ``kind``: it reads the
    question backwards the same way for every document up to the first word whose reading depends on the
    document (a year, 中华人民共和国, an issuer, a character of the title); the documents left out are those it
    would stop at that word for, having read no title character, unless their short title is what it has read."""
    titles = per_documents(docs, _titles)
    earliest = max(0, kind.start() - MAX_NAME_CHARS - _WINDOW_CHARS)  # no reading goes back further
    readings = (question[at:kind.end()].replace(_STATE_NAME, "") for at in range(earliest, kind.start() + 1))
    found = {i for reading in readings for i in titles.with_short.get(reading, ())}
    start = kind.start()
    while start > max(0, kind.start() - MAX_NAME_CHARS):
        at_window = max(0, start - _WINDOW_CHARS)
        before = question[at_window:start]
        year = _YEAR_RE.search(before)
        abbreviation = _abbreviation(before)
        if year:
            found.update(titles.with_year_ending.get(year.group(0)[:-1], ()))
        if before.endswith(_STATE_NAME):
            found.update(titles.with_state_name)
        if abbreviation:  # the others are refused here
            found.update(titles.with_issuer[abbreviation])
            break
        # The documents that went on above are in found; the others read on alike, or stop here.
        if (filler := _filler_start(before)) is not None:
            start = at_window + filler
            continue
        char = question[start - 1]
        if char in " 　" and start < kind.start():
            start -= 1
            continue
        if char not in "，。？！":
            found.update(titles.with_char.get(char, ()))
        break
    return [docs[i] for i in sorted(found)]


def _names_another(before: str, doc: dict) -> bool:
    """Whether the words just before a kind name a document other than ``doc``: 「普惠托育服务补贴发放管理办法」 is not
    the one loaded 养老机构管理办法, though 「托育若干措施」 is the one loaded 若干措施 (a word or two of its topic)."""
    name = re.search(r"[\u4e00-\u9fff]{0,8}$", before).group(0)
    name = re.split(r"[的个份]", name)[-1]
    return sum(ch not in doc["title"] for ch in name) > _FOREIGN_NAME_CHARS


def _joint_issuers_start(before: str, doc: dict) -> int | None:
    """Where 「民政部等八部门」 ends ``before`` and names the first of ``doc``'s issuers, else None."""
    joint = _JOINT_ISSUERS_RE.search(before[-MAX_NAME_CHARS:])
    if joint is None:
        return None
    first = joint.group(1)
    issuers = [name for name in re.split(r"[、，,\s　]+", doc.get("issuer") or "") if name]
    named = next((name for name in issuers if first.endswith(name)), None)
    return len(before) - len(joint.group(0)) + len(first) - len(named) if named else None


def _name_start(question: str, kind: re.Match, doc: dict) -> int | None:
    """Where a name of ``doc`` ending in ``kind`` starts, or None when the characters before the kind do not name it.

    A name is characters of the title in their order (「养老托育意见」 of 国务院办公厅关于促进养老托育服务健康发展的意见),
    its year (「2024年」「24年」) and an abbreviated issuer of its own (「国办」「中央」); it names the document when it
    holds MIN_NAME_CHARS title characters, or a year or issuer, or is the short title whole (「慈善法」)."""
    title = doc["title"].replace(_STATE_NAME, "")
    short = _short_title(doc["title"])
    year = (doc.get("date") or "")[:4]
    at = title.rfind(kind.group(0)) if kind.group(0) in title else len(title)
    start, title_chars, identifying = kind.start(), 0, False
    while start > max(0, kind.start() - MAX_NAME_CHARS):
        at_window = max(0, start - _WINDOW_CHARS)
        before = question[at_window:start]  # what is read next; a window, so a long question costs no more
        if (y := _YEAR_RE.search(before)) and year and year.endswith(y.group(0)[:-1]):  # 「2024年」「24年」
            start, identifying = at_window + y.start(), True
            continue
        if before.endswith(_STATE_NAME) and _STATE_NAME in doc["title"]:  # 「中华人民共和国慈善法」
            start -= len(_STATE_NAME)
            continue
        if abbreviation := _abbreviation(before):
            if _ISSUER_ABBREVIATIONS[abbreviation] not in title:
                return None  # another issuer's abbreviation (「中办国办…」 of a 国务院办公厅 document): not its name
            start, identifying = start - len(abbreviation), True
            continue
        if (filler := _filler_start(before)) is not None:
            start = at_window + filler  # the year or issuer before it is read next, and must be this document's
            continue
        char = question[start - 1]
        if char in " 　" and start < kind.start():
            start -= 1
            continue
        found = title.rfind(char, 0, at)
        if found < 0 or char in "，。？！":
            break
        start, at = start - 1, found
        title_chars += char != "的"
    if title_chars and (joint := _joint_issuers_start(question[:start], doc)) is not None:
        start, identifying = joint, True
    while start < kind.start() and question[start] in " 　的":
        start += 1
    if identifying or title_chars >= MIN_NAME_CHARS or question[start:kind.end()].replace(_STATE_NAME, "") == short:
        return start
    return None
