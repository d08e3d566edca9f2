"""The catalogue of supports: which sentences of a clause grant something, to whom, on what condition.

Read for the genre (意见/通知/条例/办法: （N） items, 第X条 articles, annex task-table rows) from the
vocabularies in ``corpus/vocab/``, never from rules keyed to one document: a sentence grants a support when it
names a kind of support (补贴, 税费, 水电气热价格, 用地 …) with a granting word (给予, 支持, 可以, 按规定 …), is
neither a prohibition nor a penalty, and is not a duty laid on the operator itself (「养老机构应当……培训」).
Each support keeps its sentence verbatim as the quote, the beneficiaries named (institution kinds, ownership,
the residents served), the conditions in the text's own words, how binding it is and who sets the local
rules; each document keeps its reach (national, or the province or city read from its title and issuer).
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from functools import cache

from .models import Clause, Document
from .numerals import number_or_none
from .vocab import classes, vocabulary, word_index, word_pattern

SUPPORTS_FILE = "supports.jsonl"
ANY_INSTITUTION = "*"
INDIVIDUALS = "家庭"
NOT_A_SECTOR = "非领域"
OTHER = "其他"
RESTATES = 0.6  # share of a task-table row's character pairs found in an article's sentence it restates

_SENTENCE_RE = re.compile(r"[^。！？；\n]+[。！？；]?")
_SEGMENT_RE = re.compile(r"[^，。；：、！？\n]+")
_PHRASE_RE = re.compile(r"[^，。；：！？\n]+")
# Who acts: government and its departments (a grant's giver), as against an operator bound by a duty.
_GOVERNMENT_RE = re.compile(r"人民政府|政府|部门|民政|财政|卫生|人力资源|发展改革|自然资源|住房|税务|医疗保障|街道办事处|委员会")
_DUTY_RE = re.compile(r"应当|必须|不得|须|(?<=[构织心位点])要")
_LABEL_RE = re.compile(r"^(?:第[一二三四五六七八九十百千零〇]+条|（[一二三四五六七八九十]+）)\s*")
_PREAMBLE_RE = re.compile(r"^为了?.*?(?:制定本|根据)|本(?:条例|办法|规定|意见)所称|^本(?:条例|办法|规定)(?:适用于|自)")
# A clause that punishes (罚则: 「违反本条例……由……责令改正」) grants nothing, its items included.
_PENALTY_RE = re.compile(r"违反本(?:条例|办法|规定)|责令[^。]{0,10}改正|处[^。]{0,30}罚款|法律责任")
_HEADING_MAX = 25
_PEOPLE_GIVEN_RE = re.compile(r"(?:[对为向给]|帮助)[^，。；]{0,24}$")
_PEOPLE_GET_RE = re.compile(r"^[^，。；]{0,12}?(?:补贴|津贴|补助|奖励|优待|享受|可以|免费|支持|培训)")
# Where a sentence names no institution and grants money, the people it names are who gets it (「……老年人家庭
# 进行生活设施无障碍改造的，……应当给予适当资金补助」).
_GRANT_TO_PEOPLE_RE = re.compile(r"给予|予以|资助|补助|补贴")
# 「未入住养老机构的……老年人」「优先安排入住公办养老机构」: the institution is where people live, not who is given.
_LIVES_IN_RE = re.compile(r"(?:入住|住进|送入|进入)(?:公办|民办)?$")
_ITEM_RE = re.compile(r"^(?:（[一二三四五六七八九十]+）|[0-9]+[.．、])")
# Sectors implied by the institution kinds a sentence names (a tax law's 「养老机构提供的养老服务」).
_KIND_SECTORS = {"养老机构": "养老", "社区养老服务机构": "养老", "居家养老服务组织": "养老", "托育机构": "托育",
                 "家庭托育点": "托育"}
_WHO_RE = re.compile(r"由([^，。；]{2,24}?)(?:制定|确定|规定|另行)")
_SUBJECT_RE = re.compile(r"([^，。；：、]{0,16}?(?:人民政府|政府|部门))")
_CONDITION_RES = (
    re.compile(r"[^，。；：]*符合(?:规定|相关|有关|国家)?(?:的)?条件的[^，。；：]*"),
    re.compile(r"在[^，。；：]{2,40}?前提下"),
    re.compile(r"[^，。；：、]*(?:有条件|具备条件|具备相应[^，。；：]{0,12}条件|有能力|规模较大)的[^，。；：、]*"),
    re.compile(r"经[^，。；：]{2,30}?(?:核准|认定|验收|评估|批准)"),
    re.compile(r"[0-9一二三四五六七八九十百]+周岁以上"),
)
_TRAILING_CONDITION_RE = re.compile(r"([^，。；：]{4,60}的)，")
_NOT_A_CONDITION_RE = re.compile(r"下列|以下|之一的$|所称")
_BEDS_RE = re.compile(r"([0-9]+|[一二两三四五六七八九十百千]+)张(?:床位)?以上|床位(?:数)?(?:达到|在)?([0-9]+|[一二两三四五六七八九十百千]+)张以上")
_UNKNOWN_PLACE_RE = re.compile(r"^(?!城市|城镇|农村|全国|国家|中华|关于)"
                               r"([\u4e00-\u9fff]{2,10}?(?:自治区|自治州|自治县)|[\u4e00-\u9fff]{2,4}?(?:省|市|县))")
_CENTRAL_RE = re.compile(r"^(?:中共中央|中华人民共和国|国务院|全国|国家|中央|民政部|财政部|人力资源|国家卫生)")


@dataclass(frozen=True)
class Reach:
    """Where a document applies: ``national``, or a ``province``/``city`` (``province`` set where known)."""

    level: str
    place: str | None = None
    province: str | None = None


@dataclass(frozen=True)
class Support:
    """One granting sentence of a clause, read for the eligibility check."""

    clause_id: str
    kinds: tuple[str, ...]
    quote: str
    beneficiaries: tuple[str, ...]
    named: tuple[str, ...]          # the beneficiary words as written (「社区养老服务机构」)
    sectors: tuple[str, ...]
    ownership: tuple[str, ...]
    residents: tuple[str, ...]
    services: tuple[str, ...]
    conditions: tuple[str, ...]     # verbatim substrings of the clause
    min_beds: int | None
    binding: str                    # mandatory | encouraged | exploratory | local_rules
    who: str | None = None          # who sets the rules, for local_rules

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Support":
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


@dataclass
class DocumentSupports:
    doc_id: str
    reach: Reach
    supports: list[Support] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "reach": asdict(self.reach), "supports": [s.to_dict() for s in self.supports]}

    @classmethod
    def from_dict(cls, data: dict) -> "DocumentSupports":
        return cls(data["doc_id"], Reach(**data["reach"]), [Support.from_dict(s) for s in data["supports"]])


# ---- vocabularies -----------------------------------------------------------------------------
@cache
def institutions() -> tuple[dict[str, tuple[str, ...]], re.Pattern[str]]:
    """Each beneficiary word → the kinds it covers, and one pattern of every word (longest first)."""
    kinds = {key: words for key, words in vocabulary("institution_kinds")}
    return kinds, word_pattern(kinds)


MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")  # their places.txt entries are districts, not cities
_PROVINCE_LEVEL_RE = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")


def short_province(province: str) -> str:
    """「山东省」→「山东」, 「广西壮族自治区」→「广西」: a province as people name it."""
    return _PROVINCE_LEVEL_RE.sub("", province)


@cache
def places() -> tuple[dict[str, str], re.Pattern[str]]:
    """Every place name (province, its short name, city with and without 市) → its province."""
    province_of: dict[str, str] = {}
    for province, cities in vocabulary("places"):
        province_of[province] = province_of[short_province(province)] = province
        for city in cities:
            bare = re.sub(r"(市|区|州)$", "", city) if len(city) > 2 else city
            for name in {city, bare, bare + "市", bare + "区"}:
                province_of.setdefault(name, province)
    return province_of, word_pattern(province_of)


def canonical_place(name: str) -> str:
    """「青岛」→「青岛市」, 「山东」→「山东省」, an unknown name as written."""
    province_of, _ = places()
    province = province_of.get(name)
    if province is None or name == province:
        return name
    if short_province(province) == name:
        return province
    bare = re.sub(r"(市|区)$", "", name) if len(name) > 2 else name
    suffix = "区" if province in MUNICIPALITIES else "市"
    return name if name.endswith(("市", "区", "州", "盟")) else bare + suffix


def reach_of(title: str, issuer: str | None) -> Reach:
    """A document's reach from the place opening its title, else the place of its issuer. A province or city may
    open a title by its bare name (「上海港口条例」「绍兴黄酒保护和发展条例」); a municipality's district only with
    its level (「和平区…」, not 「和平利用核能条例」)."""
    province_of, pattern = places()
    for text in (title.strip(), (issuer or "").strip()):
        text = re.sub(r"^中国（([^）]+)）", r"\1", text)  # 「中国（上海）自由贸易试验区条例」
        match = pattern.match(text)
        if match and not _is_bare_district(match.group(), province_of):
            return _reach(match.group(), province_of)
        match = _UNKNOWN_PLACE_RE.match(text)
        if match and not _CENTRAL_RE.match(text):
            return Reach("city" if not match.group(1).endswith(("省", "自治区")) else "province", match.group(1))
    return Reach("national")


def _is_bare_district(name: str, province_of: dict[str, str]) -> bool:
    """「和平」「朝阳」: a municipality's district named without 区 (not 「宁夏」, a province's short name)."""
    province = province_of[name]
    return province in MUNICIPALITIES and name not in (province, short_province(province)) and not name.endswith("区")


def _reach(name: str, province_of: dict[str, str]) -> Reach:
    province = province_of[name]
    place = canonical_place(name)
    return Reach("province", province, province) if place == province else Reach("city", place, province)


# ---- reading one sentence ---------------------------------------------------------------------
def found_in(vocab: str, text: str) -> tuple[str, ...]:
    """The classes of ``vocab`` whose words occur in ``text``, in order of first occurrence."""
    owner, pattern = word_index(vocab)
    return tuple(dict.fromkeys(owner[m.group()] for m in pattern.finditer(text)))


def _binding(sentence: str) -> str | None:
    for key, pattern in classes("binding"):
        if key in ("duty", "prohibition", "oversight", "fostering"):
            continue
        if pattern.search(sentence):
            return key
    return None


def _is_prohibition(sentence: str) -> bool:
    """A prohibition, a penalty or oversight (监管、检查): what is ruled or watched, not granted."""
    binding = dict(classes("binding"))
    return bool(binding["prohibition"].search(sentence) or binding["oversight"].search(sentence))


def _is_duty(sentence: str) -> bool:
    """「养老服务组织应当……」: the operator is the one bound; nothing is granted to it."""
    match = _DUTY_RE.search(sentence)
    if not match:
        return False
    before = sentence[:match.start()]
    kinds_of, pattern = institutions()
    operator = any(kinds_of[m.group()] != (INDIVIDUALS,) for m in pattern.finditer(before))
    return operator and not _GOVERNMENT_RE.search(before)


def _fostered(sentence: str) -> tuple[str, ...]:
    """「培育……社区养老服务机构」「加强公办和公建民营养老机构建设」: the institution itself is fostered."""
    kinds_of, pattern = institutions()
    fostering = dict(classes("binding"))["fostering"]
    for segment in _SEGMENT_RE.finditer(sentence):
        cue = fostering.search(segment.group())
        named = pattern.search(segment.group(), cue.end()) if cue else None
        if named and ANY_INSTITUTION not in kinds_of[named.group()] and kinds_of[named.group()] != (INDIVIDUALS,):
            return (OTHER,)
    return ()


def _conditions(sentence: str) -> tuple[str, ...]:
    found: list[str] = []
    for pattern in _CONDITION_RES:
        found += [m.group().strip() for m in pattern.finditer(sentence)]
    found += [m.group(1).strip() for m in _TRAILING_CONDITION_RE.finditer(sentence)]
    kept = []
    for text in found:
        text = text.lstrip("对")
        if len(text) >= 3 and not _NOT_A_CONDITION_RE.search(text) and not any(text in k for k in kept):
            kept = [k for k in kept if k not in text] + [text]
    return tuple(kept)


def _min_beds(sentence: str) -> int | None:
    match = _BEDS_RE.search(sentence)
    return number_or_none(match.group(1) or match.group(2)) if match else None


def _who(sentence: str, reach: Reach) -> str:
    match = _WHO_RE.search(sentence)
    if match:
        return match.group(1)
    match = _SUBJECT_RE.search(sentence)
    if match and match.start() < 12:
        return match.group(1).lstrip("对由")
    return f"{reach.place}及其所属地方的有关部门" if reach.place else "地方人民政府及有关部门"


def _beneficiaries(sentence: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Kinds named, the words naming them, and the ownership qualifiers every phrase naming an institution shares
    (「引导各类主体提供普惠性服务，支持非营利性机构发展」 restricts neither). People (老年人, 家庭) are
    beneficiaries only where something is given to them (「对……老年人给予」「帮助家庭成员」「老年人护理补贴」);
    in a phrase that names an institution they are who it serves (「直接为老年人提供服务的养老设施」)."""
    kinds_of, pattern = institutions()
    kinds: list[str] = []
    named: list[str] = []
    qualifiers: list[set[str]] = []
    to_people = _GRANT_TO_PEOPLE_RE.search(sentence) and \
        not any(kinds_of[m.group()] != (INDIVIDUALS,) for m in pattern.finditer(sentence))
    for phrase in _PHRASE_RE.finditer(sentence):
        text = phrase.group()
        matches = [m for m in pattern.finditer(text) if not _LIVES_IN_RE.search(text[:m.start()])]
        institutional = [m for m in matches if kinds_of[m.group()] != (INDIVIDUALS,)]
        for m in matches:
            given = not institutional and (to_people or _PEOPLE_GIVEN_RE.search(text[:m.start()])
                                           or _PEOPLE_GET_RE.match(text[m.end():]))
            if m in institutional or given:
                named.append(m.group())
                kinds += kinds_of[m.group()]
        if institutional:
            qualifiers.append(set(found_in("ownership", text)))
    shared = set.intersection(*qualifiers) if qualifiers else set()
    ownership = tuple(o for o, _ in vocabulary("ownership") if o in shared)
    return tuple(dict.fromkeys(kinds)), tuple(dict.fromkeys(named)), ownership


def _sectors(text: str) -> tuple[str, ...]:
    return tuple(s for s in found_in("sectors", text) if s != NOT_A_SECTOR)


def read_sentence(clause_id: str, sentence: str, context_sectors: tuple[str, ...], reach: Reach,
                  lead: str = "") -> Support | None:
    """The support a sentence grants, or None where it grants nothing. ``lead`` is the sentence introducing a
    list (「下列项目免征增值税：」) when ``sentence`` is one of its items: the item takes its kind and force."""
    kinds = found_in("support_kinds", sentence) or found_in("support_kinds", lead) or _fostered(sentence)
    kinds = tuple(k for k in kinds if k != OTHER) or kinds  # 「其他」 only where nothing more specific is named
    bare = _LABEL_RE.sub("", sentence)
    if not kinds or _is_prohibition(lead + sentence) or _is_duty(_LABEL_RE.sub("", lead) or bare) \
            or _PREAMBLE_RE.search(bare):
        return None
    binding = _binding(sentence) or (_binding(lead) if lead else None)
    if binding is None:
        return None
    beneficiaries, named, ownership = _beneficiaries(sentence)
    if lead:  # an item of 「老年人享受下列服务：」 is for whom the lead names
        lead_kinds, lead_named, lead_ownership = _beneficiaries(lead)
        if lead_kinds:
            beneficiaries, named, ownership = lead_kinds, lead_named, lead_ownership
    sectors = _sectors(sentence) or tuple(dict.fromkeys(_KIND_SECTORS[k] for k in beneficiaries
                                                        if k in _KIND_SECTORS)) or context_sectors
    if not sectors:
        return None  # a law outside elderly care and childcare grants our operators only where it names them
    return Support(
        clause_id=clause_id, kinds=kinds, quote=sentence, beneficiaries=beneficiaries, named=named,
        sectors=sectors, ownership=ownership, residents=found_in("residents", sentence),
        services=found_in("services", sentence), conditions=_conditions(sentence), min_beds=_min_beds(sentence),
        binding=binding, who=_who(sentence, reach) if binding == "local_rules" else None,
    )


def sentences(text: str) -> list[str]:
    """The sentences of a clause text, each a verbatim substring (its closing 。 or ； kept)."""
    return [m.group().strip() for m in _SENTENCE_RE.finditer(text) if m.group().strip()]


def clause_supports(clause: Clause, reach: Reach, doc_sectors: tuple[str, ...]) -> list[Support]:
    if clause.part == "preamble" or clause.is_title_note or _PENALTY_RE.search(clause.section + clause.text):
        return []
    # In a document about elderly care or childcare a sentence is of its clause's sector; elsewhere (a tax law)
    # only what the sentence itself names counts, and a list item only with its own words.
    context = (_sectors(clause.section + clause.text) or doc_sectors) if doc_sectors else ()
    found, lead = [], ""
    for n, sentence in enumerate(sentences(clause.text)):
        if n == 0 and sentence.startswith("（") and len(sentence) <= _HEADING_MAX:
            continue  # the item's own heading 「（四）强化用地保障和存量资源利用。」 restates what follows
        is_item = bool(lead) and bool(_ITEM_RE.match(sentence))
        if not is_item:
            lead = sentence if sentence.endswith(("：", ":")) else ""
        support = read_sentence(clause.clause_id, sentence, context, reach, lead if is_item else "")
        if support is not None:
            found.append(support)
    return found


def document_supports(document: Document) -> DocumentSupports:
    reach = reach_of(document.meta.title, document.meta.issuer)
    doc_sectors = _sectors(document.meta.title)
    supports = [s for c in document.clauses for s in clause_supports(c, reach, doc_sectors)]
    return DocumentSupports(document.doc_id, reach, supports)


def catalogue(documents: list[Document]) -> list[DocumentSupports]:
    """The catalogue of every document, in corpus order (one line each in ``supports.jsonl``)."""
    entries = [document_supports(d) for d in documents]
    _annex_rows_restate(documents, entries)
    return entries


def _annex_rows_restate(documents: list[Document], entries: list[DocumentSupports]) -> None:
    """A task-table row that grants nothing in its own words (「实施普惠养老托育专项行动，建设一批普惠性养老服务机构」)
    restates a sentence of the article it is linked to: where most of its words are in a granting sentence of that
    article, it takes that sentence's kinds of support, with its own first sentence as the quote."""
    by_clause: dict[str, list[Support]] = {}
    for entry in entries:
        for s in entry.supports:
            by_clause.setdefault(s.clause_id, []).append(s)
    for document, entry in zip(documents, entries):
        doc_sectors = _sectors(document.meta.title)
        for clause in document.clauses:
            first = sentences(clause.text)[:1]
            if not clause.is_table_row or clause.clause_id in by_clause or not first:
                continue
            pairs = _pairs(first[0])
            linked = [s for link in clause.links for s in by_clause.get(link, ())
                      if pairs and len(pairs & _pairs(s.quote)) >= RESTATES * len(pairs)]
            if not linked:
                continue
            beneficiaries, named, ownership = _beneficiaries(first[0])
            entry.supports.append(Support(
                clause_id=clause.clause_id, kinds=tuple(dict.fromkeys(k for s in linked for k in s.kinds)),
                quote=first[0], beneficiaries=beneficiaries or linked[0].beneficiaries,
                named=named or linked[0].named,
                sectors=_sectors(first[0]) or tuple(dict.fromkeys(x for s in linked for x in s.sectors)) or doc_sectors,
                ownership=ownership, residents=found_in("residents", first[0]), services=found_in("services", first[0]),
                conditions=_conditions(first[0]), min_beds=_min_beds(first[0]),
                binding=_binding(first[0]) or linked[0].binding, who=linked[0].who))


def _pairs(text: str) -> set[str]:
    chars = re.sub(r"[^\u4e00-\u9fff0-9A-Za-z]", "", text)
    return {chars[i:i + 2] for i in range(len(chars) - 1)}


def write_catalogue(documents: list[Document], path) -> None:
    """Write ``supports.jsonl`` (one document a line) for the index build."""
    with open(path, "w", encoding="utf-8") as f:
        for entry in catalogue(documents):
            f.write(json.dumps(entry.to_dict(), ensure_ascii=False) + "\n")
