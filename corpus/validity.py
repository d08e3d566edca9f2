"""Versions and validity: when each loaded document was issued, came into force, was amended or repealed, and
which version of a law is in force on a given date.

Everything is read from what the documents say about themselves and about each other, at load time:
- the title note (题注) under a law's title: 「2004年4月30日 国务院令第406号公布」「2019年3月2日 …第三次修订」
  「（2018年12月29日修正）」「2017年6月1日 施行」;
- the article that puts a text in force: 「本条例自2004年7月1日起施行」「本通知自印发之日起施行」 (the issue date);
- a later loaded text that repeals it: 「《X》同时废止」「废止《X》」「《关于…的通知》（国办发〔2015〕1号）同时废止」,
  matched by exact title (with or without 「中华人民共和国」) or by 发文字号, never by a part of a title;
- a repeal set by the user in the document record (``repealed``: a date), or a front-matter status 废止/失效.

Versions of one law share a title and open alike (第一条): texts of one title that open differently are books of one
code published apart (民法典's 总则 … 婚姻家庭编 … 附则), each in force beside the others. A version is in force from its 施行 date, or from its latest amendment when the
article still states the original date (an amended law keeps 「本法自1999年10月1日起施行」), until a later version
comes into force. Dates are ISO strings (``YYYY-MM-DD``), which compare in order.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date

from .errors import UserError
from .layout import DATE_RE, DOC_NUMBER_RE, compact, normalise_date
from .models import Clause
from .parse import UNTITLED
from .titles import book_title

IN_FORCE, PENDING, SUPERSEDED, REPEALED = "现行有效", "尚未施行", "已被修订", "已废止"
STATUSES = (IN_FORCE, PENDING, SUPERSEDED, REPEALED)
REPEALED_FIELD = "repealed_by_user"  # documents.json: the repeal date a user set (index.living.USER_REPEALED)
_LAW_PREFIX = "中华人民共和国"
_REPEALED_STATUS_RE = re.compile(r"废止|失效|作废")  # a front-matter status saying the text no longer applies

# 「本条例自2004年7月1日起施行」「本通知自印发之日起施行」「自2020年1月1日起实施」
_EFFECTIVE_RE = re.compile(
    rf"(?:本[^\s，。；：、]{{1,12}}?)?自\s*(?:({DATE_RE.pattern})|(?:公布|印发|发布|颁布|下发|签发|公告)之日)\s*起"
    r"(?:施行|实施|执行|生效)")
# An event of the title note: what follows its date, up to the next date.
# What a title-note line records, first match wins (「修订通过」 is a 修订); the issue verbs are kept as written.
_EVENT_KINDS = (("施行", ("施行", "实施")), ("修订", ("修订",)), ("修正", ("修正",)),
                *((verb, (verb,)) for verb in ("通过", "公布", "发布", "印发", "批准", "颁布")))
_TITLE_MARK = "\ue000"  # a top-level 《…》 in a sentence's skeleton
_GAP = r"(?:（[^（）]*）|\([^()]*\))?[、，,和及与或\s]*"  # between the titles of a list: a 发文字号 in brackets, 、 和
_REPEAL_AFTER_RE = re.compile(
    rf"((?:{_TITLE_MARK}{_GAP})+)(?:以及|同时|一并|均|亦|也|即行|予以|自[^。；{_TITLE_MARK}]{{0,20}}?起)*废止")
_REPEAL_BEFORE_RE = re.compile(rf"废止((?:[、，,和及与\s]*{_TITLE_MARK}(?:（[^（）]*）|\([^()]*\))?)+)")


@dataclass(frozen=True)
class Event:
    """One dated line of a document's history: 通过/公布/发布/印发/批准/颁布 (adopted, issued), 修订, 修正 or 施行."""

    date: str
    kind: str
    text: str


@dataclass(frozen=True)
class DocumentDates:
    """What a document's own text says about its dates, and the repeal found in another loaded document."""

    doc_id: str
    title: str
    law: str  # the title in one spelling: versions of one law share it
    promulgated: str | None  # first 公布/印发 (the law's original adoption)
    version_date: str | None  # this version's text: its latest adoption or amendment
    effective: str | None  # in force from
    history: tuple[Event, ...] = ()
    repealed: str | None = None
    repealed_by: str | None = None  # doc_id of the repealing document, or "user"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["history"] = [asdict(e) for e in self.history]
        return data


@dataclass(frozen=True)
class Standing:
    """A document's status on a date, and the version of its law in force then."""

    status: str
    in_force: tuple[str, ...]  # doc_ids of the version(s) of the same law in force on the date
    date: str | None = None  # 施行 date (尚未施行) or repeal date (已废止)
    by: str | None = None  # the repealing document (已废止)


@dataclass(frozen=True)
class _Day:
    standings: dict[str, Standing]
    hidden: frozenset[str]
    superseded: frozenset[str]
    outdated: frozenset[str]


def today() -> str:
    return date.today().isoformat()


def parse_as_of(value: str | None) -> str | None:
    """An ``as_of`` date as ``YYYY-MM-DD`` (2024-01-01, 2024年1月1日), or a :class:`UserError` saying what is wrong."""
    if value is None:
        return None
    text = str(value).strip()
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    written = None if iso else normalise_date(text)
    try:
        parsed = (date(*map(int, iso.groups())) if iso
                  else date.fromisoformat(written) if written and DATE_RE.fullmatch(text) else None)
    except ValueError:
        parsed = None
    if parsed is None:
        raise UserError(f"日期无效：{text!r}，应为 YYYY-MM-DD，如 2024-01-01 "
                        f"(as_of must be a date written YYYY-MM-DD, such as 2024-01-01; got {text!r})")
    return parsed.isoformat()


def law_key(title: str) -> str:
    """A title in one spelling: no spaces, no 「中华人民共和国」 in front, inner quotes as 〈〉."""
    key = re.sub(r"[\s\u3000]+", "", title).translate(str.maketrans("<>＜＞", "〈〉〈〉"))
    return key.removeprefix(_LAW_PREFIX) or key


def title_events(note: str) -> tuple[Event, ...]:
    """The dated events of a title note, in the order written (「2019年3月2日 《…决定》第三次修订」 → 修订)."""
    matches = list(DATE_RE.finditer(note))
    events = []
    for m, nxt in zip(matches, matches[1:] + [None]):
        when = normalise_date(m.group(0))
        segment = note[m.end():nxt.start() if nxt else len(note)]
        words = _without_titles(segment)
        kind = next((k for k, keys in _EVENT_KINDS if any(w in words for w in keys)), None)
        if when and kind:
            events.append(Event(when, kind, (m.group(0) + segment).strip(" 　\n（）()根据")))
    return tuple(events)


def _without_titles(text: str) -> str:
    """``text`` without what it quotes in 《…》 (「《国务院关于修改和废止部分行政法规的决定》」 names, it does not repeal)."""
    return _top_titles(text)[0].replace(_TITLE_MARK, "")


def _top_titles(sentence: str) -> tuple[str, list[str]]:
    """The sentence with each top-level 《…》 replaced by one mark, and the titles in order (nested 〈〉 or 《》 kept)."""
    skeleton, titles, depth, start = [], [], 0, 0
    for i, ch in enumerate(sentence):
        if ch == "《":
            if depth == 0:
                start = i + 1
            depth += 1
        elif ch == "》" and depth:
            depth -= 1
            if depth == 0:
                titles.append(sentence[start:i])
                skeleton.append(_TITLE_MARK)
            continue
        if depth == 0:
            skeleton.append(ch)
    return "".join(skeleton), titles


def repeal_targets(text: str) -> list[tuple[str, str | None]]:
    """(title, 发文字号 or None) of each document ``text`` repeals: 「《A》（法释〔2015〕12号）、《B》同时废止」
    「废止《C》（1992年…通过）」. A title that only mentions 废止 (「《关于修改和废止部分…的决定》」) repeals nothing."""
    targets = []
    for sentence in re.split(r"[。；;\n]", text):
        if "废止" not in sentence or "《" not in sentence:
            continue
        skeleton, titles = _top_titles(sentence)
        positions = [i for i, ch in enumerate(skeleton) if ch == _TITLE_MARK]
        for m in list(_REPEAL_AFTER_RE.finditer(skeleton)) + list(_REPEAL_BEFORE_RE.finditer(skeleton)):
            span = m.group(1)
            numbers = [compact(n.group(0)) for n in DOC_NUMBER_RE.finditer(span)]
            named = [titles[positions.index(i)] for i in range(m.start(1), m.end(1)) if skeleton[i] == _TITLE_MARK]
            # A 发文字号 in brackets belongs to the title before it; read them in pairs where the counts agree.
            if len(numbers) == len(named):
                targets.extend(zip(named, numbers))
            else:
                targets.extend([(t, None) for t in named] + [("", n) for n in numbers])
    return targets


def stated_effective(clauses: Iterable[Clause]) -> tuple[str | None, bool]:
    """The date the text's own article puts it in force (the last such article), and whether it says 「自公布/印发
    之日」 (in force on its issue date); (None, False) when no article says."""
    found: tuple[str | None, bool] = (None, False)
    for clause in clauses:
        if clause.is_title_note or clause.part == "annex" or "起" not in clause.text:
            continue
        for m in _EFFECTIVE_RE.finditer(clause.text):
            found = (normalise_date(m.group(1)), False) if m.group(1) else (None, True)
    return found


def document_dates(record: Mapping, clauses: list[Clause]) -> DocumentDates:
    """The dates of one document from its record (documents.json: title, date, status) and its clauses."""
    note = next((c.text for c in clauses if c.is_title_note), "")
    history = title_events(note)
    made = [e.date for e in history if e.kind != "施行"]
    promulgated = min(made) if made else record.get("date")
    version_date = max(made) if made else record.get("date")
    stated, on_issue = stated_effective(clauses)
    in_note = [e.date for e in history if e.kind == "施行"]
    stated = max(in_note) if in_note else (None if on_issue else stated)
    # An amended text keeps the original 施行 article: the version is in force from its amendment on.
    effective = max(d for d in (stated, version_date) if d) if (stated or version_date) else None
    title = record.get("title") or ""
    law = law_key(title) if title and title != UNTITLED else f"\0{record['doc_id']}"
    return DocumentDates(record["doc_id"], title, law, promulgated, version_date, effective, history)


class Validity:
    """The dates, versions and repeals of a set of loaded documents, and each one's status on a date."""

    def __init__(self, records: list[Mapping], clauses_by_doc: Mapping[str, list[Clause]]) -> None:
        dates = {r["doc_id"]: document_dates(r, clauses_by_doc.get(r["doc_id"], [])) for r in records}
        self._version_of = {doc_id: (d.law, _opening(clauses_by_doc.get(doc_id, []))) for doc_id, d in dates.items()}
        self._versions: dict[tuple[str, str], list[str]] = {}
        for d in sorted(dates.values(), key=lambda d: (d.effective or "", d.version_date or "", d.doc_id)):
            self._versions.setdefault(self._version_of[d.doc_id], []).append(d.doc_id)
        repeals = _repeals(records, dates, clauses_by_doc)
        self.dates = {doc_id: _with_repeal(d, repeals.get(doc_id)) for doc_id, d in dates.items()}
        self._days: dict[str, _Day] = {}

    def versions(self, doc_id: str) -> list[str]:
        """The loaded versions of ``doc_id``'s law, oldest first (``doc_id`` alone when it has no other)."""
        return list(self._versions[self._version_of[doc_id]])

    def standing(self, doc_id: str, as_of: str | None = None) -> Standing:
        return self._standings(as_of or today())[doc_id]

    def _standings(self, as_of: str) -> dict[str, Standing]:
        return self._day(as_of).standings

    def _day(self, as_of: str) -> _Day:
        """Every document's standing on ``as_of``, worked out once per date (a server asks of a few dates)."""
        day = self._days.get(as_of)
        if day is None:  # threads may work out the same day twice; each returns its own, complete
            standings = {doc_id: s for versions in self._versions.values()
                         for doc_id, s in self._law_standings(versions, as_of).items()}
            day = _Day(standings,
                       hidden=frozenset(d for d, s in standings.items()
                                        if s.status in (SUPERSEDED, REPEALED) or (s.status == PENDING and s.in_force)),
                       superseded=frozenset(d for d, s in standings.items() if s.status == SUPERSEDED),
                       outdated=frozenset(d for d, s in standings.items() if s.status != IN_FORCE))
            if len(self._days) > 64:
                self._days.clear()
            self._days[as_of] = day
        return day

    def _law_standings(self, versions: list[str], as_of: str) -> dict[str, Standing]:
        dates = [self.dates[v] for v in versions]
        # A text that states no date at all is taken as in force, beside the dated versions: nothing says when.
        started = [d for d in dates if d.effective and d.effective <= as_of]
        newest = (started[-1].effective, started[-1].version_date) if started else None
        in_force = tuple(d.doc_id for d in started if (d.effective, d.version_date) == newest)
        out = {}
        for d in dates:
            if d.repealed and d.repealed <= as_of:
                out[d.doc_id] = Standing(REPEALED, (), d.repealed, d.repealed_by)
            elif d.doc_id in in_force or not d.effective:
                out[d.doc_id] = Standing(IN_FORCE, in_force or (d.doc_id,))
            elif d.effective > as_of:
                out[d.doc_id] = Standing(PENDING, in_force, d.effective)
            else:
                out[d.doc_id] = Standing(SUPERSEDED, in_force)
        return out

    def status(self, doc_id: str, as_of: str | None = None) -> str:
        return self.standing(doc_id, as_of).status

    def hidden(self, as_of: str | None = None) -> frozenset[str]:
        """Documents a question about the law on ``as_of`` (default today) leaves out: superseded, repealed, or not
        yet in force while another version of their law is."""
        return self._day(as_of or today()).hidden

    def superseded(self, as_of: str | None = None) -> frozenset[str]:
        """Documents whose law has a newer version in force on ``as_of``."""
        return self._day(as_of or today()).superseded

    def outdated(self, as_of: str | None = None) -> frozenset[str]:
        """Documents not in force on ``as_of`` (superseded, repealed or not yet in force)."""
        return self._day(as_of or today()).outdated

    def record(self, doc_id: str, as_of: str | None = None) -> dict:
        """Dates, status on ``as_of`` (today by default) and the versions of the law, for a document listing."""
        d, s = self.dates[doc_id], self.standing(doc_id, as_of)
        return {
            "status": s.status, "as_of": as_of or today(), "in_force": list(s.in_force),
            "warning": self.warning(doc_id, as_of),
            "promulgated": d.promulgated, "version_date": d.version_date, "effective": d.effective,
            "repealed": d.repealed, "repealed_by": d.repealed_by, "history": [asdict(e) for e in d.history],
            "versions": [{"doc_id": v, "version_date": self.dates[v].version_date,
                          "effective": self.dates[v].effective, "status": self.standing(v, as_of).status}
                         for v in self.versions(doc_id)],
        }

    def warning(self, doc_id: str, as_of: str | None = None) -> str | None:
        """What a reader must know before relying on a citation of ``doc_id`` on ``as_of``, or None when it is in
        force: 「《…》（2016年3月16日版本）已被修订，现行有效的是 2023年12月29日版本（慈善法(2023-12-29)）」."""
        s = self.standing(doc_id, as_of)
        if s.status == IN_FORCE:
            return None
        d = self.dates[doc_id]
        when = "现行" if as_of is None else f"{_written(as_of)}时"
        name = book_title(d.title) + (f"（{_written(d.version_date)}版本）" if d.version_date else "")
        current = "、".join(f"{_written(self.dates[v].version_date) or v}版本（{v}）" for v in s.in_force)
        if s.status == REPEALED:
            by = s.by if s.by in (None, "user") else f"{book_title(self.dates[s.by].title)}（{s.by}）"
            source = "" if s.by is None else "（由使用者标注）" if by == "user" else f"，见{by}"
            return f"{name}已于{_written(s.date) or '此前'}废止{source}。"
        if s.status == PENDING:
            return f"{name}自{_written(s.date)}起施行，{when}尚未施行" + (f"；{when}有效的是{current}。" if current else "。")
        return f"{name}已被修订，{when}有效的是{current}。"


def _written(iso: str | None) -> str | None:
    """2016-03-16 → 2016年3月16日."""
    if not iso:
        return None
    y, m, d = iso.split("-")
    return f"{y}年{int(m)}月{int(d)}日"


def _repeals(records: list[Mapping], dates: Mapping[str, DocumentDates],
             clauses_by_doc: Mapping[str, list[Clause]]) -> dict[str, tuple[str | None, str]]:
    """doc_id → (repeal date, by whom): set by the user, or by a later loaded document that repeals its title or
    发文字号 (the earliest such, from its 施行 date)."""
    by_law: dict[str, list[str]] = {}
    by_number: dict[str, list[str]] = {}
    for r in records:
        by_law.setdefault(dates[r["doc_id"]].law, []).append(r["doc_id"])
        if r.get("doc_number"):
            by_number.setdefault(compact(r["doc_number"]), []).append(r["doc_id"])
    found: dict[str, tuple[str | None, str]] = {}
    for r in records:
        repealer = dates[r["doc_id"]]
        for clause in clauses_by_doc.get(r["doc_id"], []):
            if "废止" not in clause.text or clause.is_title_note:
                continue
            for title, number in repeal_targets(clause.text):
                named = set(by_law.get(law_key(title), ())) | set(by_number.get(number or "", ()))
                for target in named:
                    t = dates[target]
                    # Its own title is an older version, not a repeal, unless named by its own 发文字号 (a 通知
                    # replacing the 通知 of the same title); a text dated after the repealer is a new law of the
                    # old name (反间谍法 2014 repealed the 1993 国家安全法, not the 2015 one).
                    numbered = target in by_number.get(number or "", ())
                    if (target == repealer.doc_id or (t.law == repealer.law and not numbered)
                            or (t.version_date or "") > (repealer.version_date or "9999")):
                        continue
                    when = repealer.effective
                    if target not in found or (when or "9999") < (found[target][0] or "9999"):
                        found[target] = (when, repealer.doc_id)
    for r in records:
        if user := r.get(REPEALED_FIELD):
            found[r["doc_id"]] = (normalise_date(str(user)), "user")
        elif _REPEALED_STATUS_RE.search(r.get("status") or "") and r["doc_id"] not in found:
            found[r["doc_id"]] = (None, "user")
    return found


def _opening(clauses: list[Clause]) -> str:
    """The label of a text's first clause in its body (第一条 for every version of a law)."""
    return next((c.label for c in clauses if c.part == "body"), "")


def _with_repeal(d: DocumentDates, repeal: tuple[str | None, str] | None) -> DocumentDates:
    if repeal is None:
        return d
    when, by = repeal
    # A repeal whose date nothing states applies from today on: known, but not when it happened.
    return DocumentDates(**{**d.__dict__, "repealed": when or today(), "repealed_by": by})


def clauses_by_document(clauses: Iterable[Clause]) -> dict[str, list[Clause]]:
    by_doc: dict[str, list[Clause]] = {}
    for c in clauses:
        by_doc.setdefault(c.doc_id, []).append(c)
    return by_doc
