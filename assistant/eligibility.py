"""The eligibility check: an operator's profile against the catalogue of supports in the index.

Each granting sentence of the catalogue (``corpus/supports.py``) is judged for the profile: where the document
reaches (a city's or province's regulation only for operators there), the sector (elderly care or childcare),
who the sentence names (institution kinds, ownership, 非营利, 普惠), the residents and services it asks for, the
beds, and its conditions in the text's own words. Verdicts: ``applies`` (the profile meets what the text states),
``conditional`` (something the profile does not settle: the condition is quoted and what to check is said),
``local_rules`` (the text leaves the rule to local governments, or to 「按规定」: who is named). A provision that
fails is reported with its reason. Every quote is checked verbatim against its clause before it is shown.
"""
from __future__ import annotations

import csv
import io
import json
import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from policyqa.corpus.errors import UserError
from policyqa.corpus.models import Clause
from policyqa.corpus.numerals import number_or_none
from policyqa.corpus.supports import (ANY_INSTITUTION, INDIVIDUALS, SUPPORTS_FILE, DocumentSupports, Reach, Support,
                                      canonical_place, found_in, institutions, places)
from policyqa.corpus.titles import cite
from policyqa.corpus.validity import Validity, clauses_by_document
from policyqa.corpus.vocab import classes, vocabulary
from policyqa.index.generations import current_folder
from policyqa.index.store import read_manifest, verify_checksums

from .drafts import Draft, DraftSentence
from .verify import verify

Kind = Literal["养老机构", "社区养老服务机构", "居家养老服务组织", "托育机构", "家庭托育点", "用人单位", "家庭"]
Ownership = Literal["公办", "公建民营", "民办"]
Service = Literal["医养结合", "内设医疗机构", "助餐", "上门服务", "日间照料", "认知障碍照护", "康复护理", "托育",
                  "培训疗养转型", "家庭养老床位"]
Resident = Literal["失能", "失智", "特困", "经济困难", "高龄", "计划生育特殊家庭", "婴幼儿"]
Verdict = Literal["applies", "conditional", "local_rules"]
VERDICT_NAMES = {"applies": "适用", "conditional": "有条件", "local_rules": "见地方细则"}
ELDERLY_KINDS = ("养老机构", "社区养老服务机构", "居家养老服务组织")
CHILDCARE_KINDS = ("托育机构", "家庭托育点")
# Services that a sentence asks of the operator (「养老机构设立的医疗机构」), as against the services it mentions.
REQUIRED_SERVICES = ("内设医疗机构", "医养结合", "家庭养老床位", "培训疗养转型", "认知障碍照护")
COMMUNITY_SERVICES = ("日间照料", "上门服务", "助餐")
MAX_TEXT_CHARS = 1000
_RANK = {"applies": 0, "local_rules": 1, "conditional": 2}


class Profile(BaseModel):
    """Who asks: the operator (or family) and what it runs. ``None`` means not said."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"kind": "养老机构", "ownership": "民办", "nonprofit": True, "beds": 80, "residents": ["失能"], "region": "济南"},
    ]})

    kind: Kind = Field(description="机构或主体类型")
    ownership: Ownership | None = Field(None, description="举办性质")
    nonprofit: bool | None = Field(None, description="是否非营利")
    inclusive: bool | None = Field(None, description="是否普惠")
    beds: int | None = Field(None, ge=0, le=100_000, description="床位数")
    services: list[Service] = Field(default_factory=list, max_length=10, description="开展的服务")
    residents: list[Resident] = Field(default_factory=list, max_length=7, description="收住或服务的对象")
    region: str | None = Field(None, max_length=40, description="所在地（省、市），如「济南」「山东省」")

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("services", "residents")
    @classmethod
    def _unique(cls, value: list) -> list:
        return list(dict.fromkeys(value))


class Provision(BaseModel):
    clause_id: str
    doc_id: str
    doc_title: str
    label: str
    number: int | None = None
    part: str
    support: str = Field(description="支持的种类")
    verdict: Verdict
    quote: str = Field(description="条款原文（逐字）")
    condition: str | None = Field(None, description="条件（原文或要核对的事）")
    check: str | None = Field(None, description="要核对什么、找谁")
    binding: str = Field(description="mandatory | encouraged | exploratory | local_rules")


class NotApplicable(BaseModel):
    clause_id: str
    reason: str


class EligibilityResult(BaseModel):
    profile: Profile
    provisions: list[Provision]
    not_applicable: list[NotApplicable]


# ---- free text → profile ----------------------------------------------------------------------
_BEDS_RES = (re.compile(r"([0-9]+|[一二两三四五六七八九十百千]+)\s*(?:张|个)?\s*(?:床位|床|张床)"),
             re.compile(r"床位\s*(?:数)?\s*(?:有|是|为|共)?\s*([0-9]+|[一二两三四五六七八九十百千]+)"))
_UNKNOWN_REGION_RE = re.compile(r"(?:在|是|位于|来自)([\u4e00-\u9fff]{2,3}(?:省|市|县|区))")
_HEAD_OFFICE_RE = re.compile(r"总部(?:在|位于|设在)$")
_NONPROFIT_RE = re.compile(r"非营利|非盈利|民非|民办非企业|公益性")
_PROFIT_RE = re.compile(r"(?<![非])(?:营利性|盈利性|营利|盈利)")
_NOT_INCLUSIVE_RE = re.compile(r"非普惠|不是普惠|不普惠")


def read_profile(text: str) -> Profile:
    """A profile from an operator's words: 「我们是济南的民办非营利养老院，80张床，收失能老人」."""
    text = (text or "").strip()
    if not text:
        raise UserError("请描述机构情况，如「我们是济南的民办养老院，80张床」 (describe the institution)")
    if len(text) > MAX_TEXT_CHARS:
        raise UserError(f"描述过长，最多 {MAX_TEXT_CHARS} 字 (the description is longer than {MAX_TEXT_CHARS} characters)")
    kind = _kind_in(text)
    if kind is None:
        raise UserError("看不出是哪类机构：请写明养老机构、社区养老服务机构、居家养老服务组织、托育机构、家庭托育点、"
                        "用人单位或家庭 (name the kind of institution)")
    return Profile(kind=kind, ownership=_ownership_in(text), nonprofit=_nonprofit_in(text),
                   inclusive=False if _NOT_INCLUSIVE_RE.search(text) else (True if "普惠" in text else None),
                   beds=_beds_in(text), services=list(found_in("services", text)),
                   residents=list(found_in("residents", text)), region=_region_in(text))


def kind_words() -> list[str]:
    """The words that name a kind in free text (「养老院」「托育中心」「家里」): a description names one of them."""
    words = [w for w, kinds in vocabulary("institution_kinds") if kinds != (ANY_INSTITUTION,)]
    return sorted(set(words) | {"托育", "托儿"}, key=len, reverse=True)


def _kind_in(text: str) -> str | None:
    """The first kind named; a word covering several kinds (「养老托育机构」) is read as childcare where the text
    speaks of 托育; people (「家里」「老人」) make a family only where no institution is named."""
    kinds_of, pattern = institutions()
    people = False
    for match in pattern.finditer(text):
        named = kinds_of[match.group()]
        if named == (INDIVIDUALS,):
            people = True
        elif ANY_INSTITUTION not in named:
            childcare = [k for k in named if k in CHILDCARE_KINDS]
            return childcare[0] if childcare and "托育" in text else named[0]
    if "托育" in text or "托儿" in text:
        return "托育机构"
    return INDIVIDUALS if people else None


def _ownership_in(text: str) -> str | None:
    for key, pattern in classes("ownership"):
        if key in ("公建民营", "公办", "民办") and pattern.search(text):
            return key
    return None


def _nonprofit_in(text: str) -> bool | None:
    if _NONPROFIT_RE.search(text):
        return True
    return False if _PROFIT_RE.search(text) else None


def _beds_in(text: str) -> int | None:
    for pattern in _BEDS_RES:
        match = pattern.search(text)
        if match and (beds := number_or_none(match.group(1))) is not None:
            return beds
    return None


def _region_in(text: str) -> str | None:
    """The place the operator is in: every place named, a province with its city (「河南新乡」→「河南省新乡市」),
    leaving out where a head office is (「总部在上海，打算在青岛新建」)."""
    _, pattern = places()
    names = [canonical_place(m.group()) for m in pattern.finditer(text)
             if not _HEAD_OFFICE_RE.search(text[:m.start()])]
    if names:
        located = locate("".join(dict.fromkeys(names)))
        return (located.province or "") + (located.city or "")
    match = _UNKNOWN_REGION_RE.search(text)
    return match.group(1) if match else None


# ---- where the profile is -----------------------------------------------------------------------
@dataclass(frozen=True)
class Place:
    written: str
    province: str | None
    city: str | None


def locate(region: str | None) -> Place | None:
    if not region:
        return None
    province_of, pattern = places()
    names = [canonical_place(m.group()) for m in pattern.finditer(region)]
    if not names:
        return Place(region, None, None)
    province = province_of[names[0]]
    cities = [n for n in names if n != province]
    return Place(region, province, cities[0] if cities else None)


def _same_place(a: str, b: str) -> bool:
    strip = re.compile(r"(省|市|自治区|特别行政区|区|县)$")
    return strip.sub("", a) == strip.sub("", b)


def _reach_problem(reach: Reach, place: Place | None) -> tuple[bool, str] | None:
    """None where the document reaches the profile; (False, reason) where it does not; (True, what to check)
    where the profile does not say enough to tell."""
    if reach.level == "national":
        return None
    where = reach.place or "当地"
    if place is None:
        return True, f"这是{where}的地方性规定，只适用于在{where}的机构：请确认机构所在地"
    if reach.level == "province":
        if place.province == reach.province or _same_place(place.written, where) or where in place.written:
            return None
        return False, f"这是{where}的地方性规定，不适用于{place.written}的机构"
    if place.city and _same_place(place.city, where) or _same_place(place.written, where) or \
            (reach.place and re.sub(r"市$", "", reach.place) in place.written):
        return None
    if place.city is None and reach.province and place.province == reach.province:
        return True, f"这是{where}的地方性规定，只适用于{where}的机构：请确认机构是否在{where}"
    return False, f"这是{where}的地方性规定，不适用于{place.written}的机构"


# ---- judging one support --------------------------------------------------------------------------
@dataclass
class Judgement:
    verdict: str | None          # None: does not apply
    reason: str = ""
    open_points: tuple[str, ...] = ()


def _sectors_of(profile: Profile) -> set[str]:
    if profile.kind in ELDERLY_KINDS:
        sectors = {"养老"}
    elif profile.kind in CHILDCARE_KINDS or profile.kind == "用人单位":
        sectors = {"托育"}
    else:
        sectors = {"养老", "托育"}
    if "托育" in profile.services or "婴幼儿" in profile.residents:
        sectors.add("托育")
    return sectors


def _names(kinds: Iterable[str]) -> str:
    return "、".join(k for k in kinds if k not in (ANY_INSTITUTION, INDIVIDUALS)) or "其他主体"


def _who_problem(s: Support, profile: Profile) -> tuple[bool, str] | None:
    bens = set(s.beneficiaries)
    named = "、".join(s.named) or _names(bens)
    if profile.kind == INDIVIDUALS:
        if INDIVIDUALS in bens:
            return None
        return False, f"这是给{named}的支持，不是给个人或家庭的"
    employer_care = profile.kind == "用人单位" and "托育" in profile.services
    if not bens or (ANY_INSTITUTION in bens and profile.kind == "用人单位"):
        if profile.kind != "用人单位":
            return None
        if employer_care:
            return True, "条文未写明用人单位：单位自办托育服务的部分可对照申请"
        return False, "条文没有提到用人单位"
    if profile.kind in bens or ANY_INSTITUTION in bens:
        return None
    if bens == {INDIVIDUALS}:
        if shared := set(s.residents) & set(profile.residents):
            return True, (f"这是给{'、'.join(sorted(shared))}老年人或其家庭本人的待遇，不是给机构的："
                          "可协助符合条件的入住老人申请")
        return False, f"这是给{named}个人或家庭的待遇，不是给机构的"
    if profile.kind == "养老机构" and "社区养老服务机构" in bens and set(profile.services) & set(COMMUNITY_SERVICES):
        return True, f"条文写的是{named}：机构开展的社区服务（{'、'.join(profile.services)}）部分可对照申请"
    if profile.kind == "家庭托育点" and "托育机构" in bens:
        return True, f"条文写的是{named}：家庭托育点是否同样适用，看当地的家庭托育点管理办法"
    return False, f"这是给{named}的支持，不是给{profile.kind}的"


def _ownership_problems(s: Support, profile: Profile) -> list[tuple[bool, str]]:
    problems = []
    if required := [o for o in ("公办", "公建民营", "民办") if o in s.ownership]:
        if profile.ownership is None:
            problems.append((True, f"仅限{'或'.join(required)}机构：请确认机构的举办性质"))
        elif profile.ownership == "公建民营" and {"公办", "民办"} & set(required):
            problems.append((True, f"条文写的是{'或'.join(required)}机构：公建民营机构是否同样适用，请向当地民政部门确认"))
        elif profile.ownership not in required:
            problems.append((False, f"仅限{'或'.join(required)}机构，不适用于{profile.ownership}机构"))
    if "非营利" in s.ownership:
        if profile.nonprofit is False:
            problems.append((False, "仅限非营利性（公益性）机构"))
        elif profile.nonprofit is None:
            problems.append((True, "仅限非营利性（公益性）机构：请确认登记类型"))
    if "营利" in s.ownership and profile.nonprofit is not False:
        problems.append((profile.nonprofit is None, "写的是营利性（市场化）机构"))
    if "普惠" in s.ownership and profile.inclusive is not True:
        problems.append((True, "面向普惠性服务：机构须提供普惠服务（价格可负担）或纳入普惠目录"))
    return problems


def judge(s: Support, reach: Reach, profile: Profile, place: Place | None) -> Judgement:
    """Does ``s`` support ``profile``, and how surely."""
    if not set(s.sectors) & _sectors_of(profile):
        return Judgement(None, f"这是{'、'.join(s.sectors)}领域的支持，与本机构的领域不同")
    problems = [p for p in (_reach_problem(reach, place), _who_problem(s, profile)) if p is not None]
    if profile.kind == INDIVIDUALS:  # ownership, beds and services restrict institutions, not a family
        if missing := [r for r in s.residents if r not in profile.residents]:
            problems.append((True, f"面向{'、'.join(missing)}的老年人或家庭：请核对是否属于"))
        return _verdict(s, problems)
    problems += _ownership_problems(s, profile)
    if s.min_beds is not None:
        if profile.beds is None:
            problems.append((True, f"要求床位{s.min_beds}张以上：请核对床位数"))
        elif profile.beds < s.min_beds:
            problems.append((False, f"要求床位{s.min_beds}张以上，本机构{profile.beds}张"))
    required = [v for v in s.services if v in REQUIRED_SERVICES]
    if required and not set(required) & set(profile.services):
        problems.append((True, f"适用于开展{'、'.join(required)}的机构：请确认是否开展"))
    if s.residents and profile.kind != INDIVIDUALS and set(s.beneficiaries) != {INDIVIDUALS} \
            and not set(s.residents) & set(profile.residents):
        problems.append((True, f"与收住{'、'.join(s.residents)}老年人相关：请核对收住对象"))
    return _verdict(s, problems)


def _verdict(s: Support, problems: list[tuple[bool, str]]) -> Judgement:
    if refusals := [text for settled, text in problems if not settled]:
        return Judgement(None, "；".join(refusals))
    if open_points := tuple(text for _, text in problems):
        return Judgement("conditional", open_points=open_points)
    if s.binding == "local_rules":
        return Judgement("local_rules")
    if s.conditions or s.binding == "exploratory":
        return Judgement("conditional")
    return Judgement("applies")


# ---- the checker ---------------------------------------------------------------------------------
class EligibilityChecker:
    """The catalogue of one index, with the clauses its quotes are checked against. Documents ``hidden`` today
    (a superseded or repealed version of a law whose version in force is loaded) are left out, as answers leave
    them out (:mod:`policyqa.corpus.validity`)."""

    def __init__(self, catalogue: list[DocumentSupports], clauses: Iterable[Clause], documents: list[dict],
                 hidden: frozenset[str] = frozenset()) -> None:
        self.catalogue = [entry for entry in catalogue if entry.doc_id not in hidden]
        self._clauses = {c.clause_id: c for c in clauses}
        self._titles = {d["doc_id"]: d["title"] for d in documents}
        self._kind_order = {k: i for i, (k, _) in enumerate(vocabulary("support_kinds"))}
        self._check_of = {kind: "".join(words) for kind, words in vocabulary("offices")}

    @classmethod
    def from_folder(cls, folder: Path) -> "EligibilityChecker":
        """Read an index folder's catalogue, clauses and documents (checksums verified; no embedder loaded)."""
        folder = current_folder(folder)  # hook (index.generations): the files of the current generation
        manifest = read_manifest(folder)
        verify_checksums(folder, manifest)
        with (folder / "clauses.jsonl").open(encoding="utf-8") as f:
            clauses = [Clause.from_dict(json.loads(line)) for line in f]
        documents = json.loads((folder / "documents.json").read_text(encoding="utf-8"))
        hidden = Validity(documents, clauses_by_document(clauses)).hidden()
        return cls(read_catalogue(folder), clauses, documents, hidden)

    @classmethod
    def for_index(cls, index) -> "EligibilityChecker":
        """The checker of a loaded :class:`~policyqa.index.Index`, made once per index object."""
        if (checker := _CHECKERS.get(index)) is None:
            checker = _CHECKERS[index] = cls(read_catalogue(index.path), index.clauses, index.documents,
                                             index.validity.hidden())
        return checker

    def check(self, profile: Profile) -> EligibilityResult:
        place = locate(profile.region)
        best: dict[tuple[str, str], tuple[Support, Judgement, int]] = {}
        refused: dict[str, list[str]] = {}
        order = 0
        for entry in self.catalogue:
            for s in entry.supports:
                order += 1
                judgement = judge(s, entry.reach, profile, place)
                if judgement.verdict is None:
                    refused.setdefault(s.clause_id, [])
                    if judgement.reason not in refused[s.clause_id]:
                        refused[s.clause_id].append(judgement.reason)
                    continue
                for kind in s.kinds:
                    key = (s.clause_id, kind)
                    held = best.get(key)
                    if held is None or _RANK[judgement.verdict] < _RANK[held[1].verdict]:
                        best[key] = (s, judgement, held[2] if held else order)
        provisions = [p for (clause_id, kind), (s, judgement, _) in
                      sorted(best.items(), key=lambda item: (self._kind_order.get(item[0][1], 99),
                                                             _RANK[item[1][1].verdict], item[1][2]))
                      if (p := self._provision(s, kind, judgement)) is not None]
        listed = {p.clause_id for p in provisions}
        not_applicable = [NotApplicable(clause_id=c, reason="；".join(reasons))
                          for c, reasons in refused.items() if c not in listed and c in self._clauses]
        return EligibilityResult(profile=profile, provisions=provisions, not_applicable=not_applicable)

    def _provision(self, s: Support, kind: str, judgement: Judgement) -> Provision | None:
        clause = self._clauses.get(s.clause_id)
        kept, _ = verify(Draft([DraftSentence(s.quote, s.clause_id, s.quote)]), self._clauses.get)
        if clause is None or not kept:
            return None  # the catalogue does not match the clauses: never show an unverified quote
        conditions = [c for c in s.conditions if c in clause.text]
        parts = []
        if judgement.verdict == "local_rules":
            parts.append(f"具体办法由{s.who or '地方人民政府'}制定或按现行规定执行：以当地细则为准")
        if s.binding == "exploratory":
            parts.append("文件只提出探索、研究或试点：是否已在当地落地，请向主管部门确认")
        condition = "；".join([f"「{c}」" for c in conditions] + list(judgement.open_points)) or None
        check = "；".join(parts + [self._check_of.get(kind, "")]) if judgement.verdict != "applies" else None
        return Provision(clause_id=clause.clause_id, doc_id=clause.doc_id,
                         doc_title=self._titles.get(clause.doc_id, clause.doc_title), label=clause.label,
                         number=clause.number, part=clause.part, support=kind, verdict=judgement.verdict,
                         quote=kept[0].quote, condition=condition, check=check or None, binding=s.binding)


_CHECKERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class CatalogueMissing(UserError):
    """An index built before the eligibility catalogue existed."""


def read_catalogue(folder: Path) -> list[DocumentSupports]:
    path = Path(folder) / SUPPORTS_FILE
    if not path.is_file():
        raise CatalogueMissing(
            f"索引中没有资格自查所需的支持目录（{SUPPORTS_FILE}），该索引建于此功能之前，请重新运行 policyqa build "
            f"(the index at {folder} has no eligibility catalogue; rebuild it with `policyqa build`)")
    with path.open(encoding="utf-8") as f:
        return [DocumentSupports.from_dict(json.loads(line)) for line in f if line.strip()]


def profile_from(data: dict | None = None, text: str | None = None) -> Profile:
    """The profile of a request: structured, or read from words (exactly one of the two)."""
    if (data is None) == (text is None):
        raise UserError("请提供 profile（结构化档案）或 text（文字描述）二者之一 (give either profile or text)")
    if text is not None:
        return read_profile(text)
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        fields = "；".join(f"{'.'.join(map(str, e['loc'])) or 'profile'}: {e['msg']}" for e in exc.errors())
        raise UserError(f"机构档案有误 (invalid profile) — {fields}") from exc


# ---- checklist export ---------------------------------------------------------------------------
def _profile_line(profile: Profile) -> str:
    bits = [profile.kind, profile.ownership or "", {True: "非营利", False: "营利", None: ""}[profile.nonprofit],
            "普惠" if profile.inclusive else "", f"{profile.beds}张床位" if profile.beds is not None else "",
            "服务：" + "、".join(profile.services) if profile.services else "",
            "对象：" + "、".join(profile.residents) if profile.residents else "",
            "所在地：" + profile.region if profile.region else "所在地：未填"]
    return "，".join(b for b in bits if b)


def checklist_markdown(result: EligibilityResult) -> str:
    """A checklist an operator can take to the 民政 office: grouped by kind of support, quotes verbatim."""
    lines = ["# 政策支持自查清单", "", f"机构情况：{_profile_line(result.profile)}", ""]
    group = None
    for p in result.provisions:
        if p.support != group:
            group = p.support
            lines += ["", f"## {group}", ""]
        lines.append(f"- [ ] **{cite(p.doc_title, p.label)}** — {VERDICT_NAMES[p.verdict]}")
        lines.append(f"  - 原文：「{p.quote}」")
        if p.condition:
            lines.append(f"  - 条件：{p.condition}")
        if p.check:
            lines.append(f"  - 核对：{p.check}")
    if result.not_applicable:
        lines += ["", "## 经核对不适用", ""]
        lines += [f"- {n.clause_id}：{n.reason}" for n in result.not_applicable]
    return "\n".join(lines).strip() + "\n"


CSV_COLUMNS = ("支持类别", "结论", "文件", "条款", "原文", "条件", "核对事项", "条款编号")


def checklist_csv(result: EligibilityResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for p in result.provisions:
        writer.writerow([p.support, VERDICT_NAMES[p.verdict], p.doc_title, p.label, p.quote, p.condition or "",
                         p.check or "", p.clause_id])
    return out.getvalue()
