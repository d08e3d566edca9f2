"""Which loaded documents a question names: by 发文字号, by title words, by a law's name or its usual
abbreviation (「职防法」 is 职业病防治法), a local rule with or without its place; and the laws and local rules it
names that nothing loaded is (「…没有《老年人权益保障法》」).

Direct lookup (:mod:`policyqa.assistant.lookup`) finds the named articles among the documents named here.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from policyqa.corpus.supports import canonical_place, places
from policyqa.corpus.vocab import alternation, words

from .mentions import PLACE_PREFIX_RE, per_documents, title_place
from .references import ArticleRef, Named, core_title, title_pairs

# Issuers written before a law's name (「国务院交强险条例」): not of the name an abbreviation shortens.
_ISSUER_BEFORE_LAW_RE = re.compile(rf"^(?:{alternation(words('generic_words', 'issuers_before_law'))})")
MIN_FULL_LAW_NAME = 5  # characters; 「慈善法」 could be a full name, but a miss may be an abbreviation
CLEARLY_NAMED = 0.5  # share of a title's character pairs a question holds, or its naming score (see _doc_scores)
# 「关于印发《…办法》的通知」: the title of the text a notice issues (or forwards).
ISSUED_TITLE_RE = re.compile(r"(?:印发|转发|发布|颁布)《([^《》]{4,60})》")
# 「…关于修改〈岚川市养老服务条例〉的决定」: the text an amending decision changes (and often re-publishes below it).
AMENDED_TITLE_RE = re.compile(r"(?:修改|修正)[《〈]([^《》〈〉]{4,60})[》〉]")


@dataclass(frozen=True)
class _Catalogue:
    """The loaded documents' titles as lookup reads them, computed once for them (:func:`mentions.per_documents`)."""

    positions: dict[str, tuple[int, ...]]  # doc_id → its place in the list
    with_pair: dict[str, tuple[int, ...]]  # a character pair of titles (:func:`references.title_pairs`) → documents holding it
    pairs: tuple[int, ...]  # per document, how many character pairs its title has
    by_core: dict[str, tuple[int, ...]]  # a core title (:func:`_law_names`) → documents named by it
    by_placeless: dict[str, tuple[int, ...]]  # a core title without its place (:func:`_without_place`) → documents
    by_ending: dict[str, tuple[str, ...]]  # a core title's last two characters → core titles ending in them
    core_endings: frozenset[str]  # every ending of every core title
    titles: str  # every title, joined by NUL (a law's name, Chinese characters, cannot span two)
    by_amended: dict[str, tuple[int, ...]]  # the core title of a text an amending decision changes → the decisions


def _catalogue(docs: list[dict]) -> _Catalogue:
    tables: tuple[dict[str, list], ...] = ({}, {}, {}, {}, {}, {})
    positions, with_pair, by_core, by_placeless, by_ending, by_amended = tables
    pairs: list[int] = []
    for i, doc in enumerate(docs):
        positions.setdefault(doc["doc_id"], []).append(i)
        title = title_pairs(doc["title"])
        pairs.append(len(title))
        for pair in title:
            with_pair.setdefault(pair, []).append(i)
        for core in dict.fromkeys(_law_names(doc["title"])):
            by_core.setdefault(core, []).append(i)
            by_placeless.setdefault(_without_place(core, doc), []).append(i)
            by_ending.setdefault(core[-2:], []).append(core)
        for amended in AMENDED_TITLE_RE.findall(doc["title"]):
            by_amended.setdefault(core_title(amended), []).append(i)
    freeze = lambda table: {key: tuple(dict.fromkeys(values)) for key, values in table.items()}  # noqa: E731
    endings = frozenset(core[i:] for core in by_core for i in range(len(core)))
    return _Catalogue(freeze(positions), freeze(with_pair), tuple(pairs), freeze(by_core), freeze(by_placeless),
                      freeze(by_ending), endings, "\0".join(d["title"] for d in docs), freeze(by_amended))


def _endings(text: str) -> list[str]:
    return [text[i:] for i in range(len(text))]


def _doc_scores(asked: Named, docs: list[dict]) -> dict[str, float]:
    """How strongly the question names each document (发文字号 exact match wins); documents it does not name at all
    are left out (their score is 0)."""
    # Named as the search reads a question's naming of documents: by 发文字号 (「52号文」), which wins, or by a
    # shortened title (「那个若干措施」「2024年养老意见」), which counts as the title's words do.
    by_number = {d for m in asked.mentions if m.by_number for d in m.doc_ids}
    by_title = {d: 1.0 / len(m.doc_ids) for m in asked.mentions if not m.by_number for d in m.doc_ids}
    catalogue = per_documents(docs, _catalogue)
    shared: Counter[int] = Counter()
    for pair in asked.title_pairs:  # counted in C: a common pair (「条例」) is in thousands of titles
        shared.update(catalogue.with_pair.get(pair, ()))
    named = set(shared).union(*(catalogue.positions.get(d, ()) for d in by_number | set(by_title)))
    scores: dict[str, float] = {}
    for i in sorted(named):
        doc_id = docs[i]["doc_id"]
        scores[doc_id] = 100.0 if doc_id in by_number else max(
            shared[i] / max(catalogue.pairs[i], 1), by_title.get(doc_id, 0.0))
    return {doc_id: score for doc_id, score in scores.items() if score}


def unknown_laws(laws: list[str], docs: list[dict]) -> list[str]:
    """The ``laws`` (:func:`references.named_laws`) that no loaded document is, or has in its title (「…实施《老年人
    权益保障法》办法」)."""
    catalogue = per_documents(docs, _catalogue)
    return [law for law in laws
            if not _names_a_core(law, catalogue) and law not in catalogue.core_endings and law not in catalogue.titles]


# What follows a place name to name its regulation: 「家政服务条例」, not 「的养老机构按照哪个条例」.
_LOCAL_RULE_RE = re.compile(r"(?:(?![的哪么吗呢个])[\u4e00-\u9fff]){2,16}?条例")


def unknown_local_rules(question: str, docs: list[dict], named: Sequence[tuple[int, int]] = ()) -> list[str]:
    """Regulations the question names with their place (「浙江省家政服务条例」) that no loaded document is: none has
    the place in its title and the rest of the name, in order, in what follows it. A place's regulation does not
    answer for another place's, though both are named alike without it (「家政服务条例」). ``named``: the spans
    that name loaded documents (:func:`mentions.document_mentions`); a name inside one is known."""
    _, place_re = places()
    unknown = []
    for place in place_re.finditer(question):
        rule = _LOCAL_RULE_RE.match(question, place.end())
        if rule is None or any(start <= place.start() and rule.end() <= end for start, end in named):
            continue
        written = {place.group(0), canonical_place(place.group(0))}
        if not any(p in t and _in_order(rule.group(0), t[t.find(p) + len(p):])
                   for t in (d["title"] for d in docs) for p in written):
            unknown.append(question[place.start():rule.end()])
    return unknown


def _in_order(short: str, long: str) -> bool:
    """Whether ``long`` holds the characters of ``short`` in their order (not necessarily together)."""
    rest = iter(long)
    return all(ch in rest for ch in short)


def documents_named(asked: Named, refs: Sequence[ArticleRef], docs: list[dict]) -> tuple[list[str] | None, dict]:
    """The documents the question names (by the law of a 第X条, else by 发文字号 or title words) and every
    document's naming score; None instead of the list when the law it names is not loaded."""
    scores = _doc_scores(asked, docs)
    if (by_law := named_by_law({r.law for r in refs if r.law}, docs)) is None:
        named = _named_documents(scores)
        # 「道交法第47条」 where nothing loaded is that law by any name, abbreviation or title words: not loaded.
        return (None if not named and any(r.law for r in refs) else named), scores
    return by_law or None, scores


def amends(title: str, law: str) -> bool:
    """Whether a document titled ``title`` is a decision amending ``law`` (「…关于修改〈岚川市养老服务条例〉的决定」)."""
    return any(core_title(amended) == core_title(law) for amended in AMENDED_TITLE_RE.findall(title))


def named_by_law(laws: set[str], docs: list[dict]) -> list[str] | None:
    """The documents whose title is the law a 第X条 is named with (「慈善法第二十六条」 → 中华人民共和国慈善法,
    not 妇女权益保障法 for 「老年人权益保障法」), or a date question names (「交强险条例什么时候施行」); None when no law
    is named, or only a short name that may be an abbreviation (「未保法」) and names no title, so that looser
    matching by title words decides."""
    if not laws:
        return None
    catalogue = per_documents(docs, _catalogue)
    found: set[int] = set()
    names = []
    for law in laws:
        # The longest loaded title the name ends with: 「社会保险法」 names 社会保险法, not also the 保险法 inside it.
        # Without its place only where the name gives none (「江苏省生活垃圾管理条例」 is not 山东省's).
        placeless = {} if PLACE_PREFIX_RE.match(law) else catalogue.by_placeless
        found.update(next((hit for ending in _endings(law)
                           if (hit := catalogue.by_core.get(ending, ()) + placeless.get(ending, ()))), ()))
        name = _ISSUER_BEFORE_LAW_RE.sub("", law) or law  # 「国务院交强险条例」 abbreviates what follows the issuer
        names.append(name)
        for core in catalogue.by_ending.get(name[-2:], ()):
            if _abbreviates(name, core):
                found.update(catalogue.by_core[core])
        if not found and len(name) < MIN_FULL_LAW_NAME:
            found.update(_short_name_of(name, catalogue))
        if not found:  # not loaded itself: the decision amending it, which may print it as amended
            found.update(catalogue.by_amended.get(core_title(law), ()))
    named = [docs[i]["doc_id"] for i in sorted(found)]
    return named if named or max(map(len, names)) >= MIN_FULL_LAW_NAME else None


def _names_a_core(law: str, catalogue: _Catalogue) -> bool:
    """Whether ``law`` ends with a loaded document's core title, with or without its place, or abbreviates one."""
    return (any(e in catalogue.by_core or e in catalogue.by_placeless for e in _endings(law))
            or any(_abbreviates(law, core) for core in catalogue.by_ending.get(law[-2:], ())))


def _law_names(title: str) -> list[str]:
    """The core titles a document is named by: its own, and for a notice issuing a text (「…关于印发《沅澄省残疾儿童
    康复救助管理办法》的通知」) the issued text's, which is what a reader names (「残疾儿童康复救助管理办法第十九条」)."""
    issued = [core_title(m) for m in ISSUED_TITLE_RE.findall(title)]
    return [core for core in [core_title(title), *issued] if core]


def _abbreviates(law: str, core: str) -> bool:
    """「助餐补贴实施细则」 for 「岭西省老年助餐服务补贴实施细则」: the same kind of text, named by some of its title's
    characters in their order (「老年人权益保障法」 is not 「妇女权益保障法」: 老年人 is not in it)."""
    return len(law) >= MIN_FULL_LAW_NAME and law[-2:] == core[-2:] and _in_order(law, core)


def _short_name_of(law: str, catalogue: _Catalogue) -> tuple[int, ...]:
    """「职防法」「未保法」: the documents of the one loaded law whose title a short name abbreviates as Chinese laws
    are abbreviated — its first character, some others in their order, its last (职业病防治法, 未成年人保护法);
    nothing when it could be more than one (title words decide then)."""
    cores = [core for core in catalogue.by_core if len(core) > len(law) and core[0] == law[0]
             and core[-1] == law[-1] and _in_order(law, core)]
    return catalogue.by_core[cores[0]] if len(cores) == 1 else ()


def _without_place(core: str, doc: dict) -> str:
    """「青岚市居家养老服务条例」 → 「居家养老服务条例」, 「绍兴黄酒保护和发展条例」 → 「黄酒保护和发展条例」: a local rule is
    named without its place as often as with it; the title itself when what would be left is too short to name
    anything, or when it opens with no place (「行政区划管理条例」 is not 「划管理条例」, which 「城市规划管理条例」 ends
    with)."""
    if not (place := title_place({"title": core, "issuer": doc.get("issuer")})):
        return core
    prefix = PLACE_PREFIX_RE.match(core)
    rest = core[prefix.end():] if prefix else core.removeprefix(place)
    return rest if len(rest) >= MIN_FULL_LAW_NAME else core


def _named_documents(scores: dict[str, float]) -> list[str]:
    """The documents the question names: one clearly best, or several named about equally well."""
    ranked = sorted(scores.values(), reverse=True) + [0.0, 0.0]
    best, second = ranked[0], ranked[1]
    if best >= 0.2 and second < best * 0.67:
        return [d for d, s in scores.items() if s == best]
    return [d for d, s in scores.items() if s >= 0.5 and s >= best * 0.8]
