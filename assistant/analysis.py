"""One reading of the question, made once per ask; every later stage reads this instead of the question.

The predicates live in :mod:`policyqa.assistant.asks`, :mod:`policyqa.assistant.ages`,
:mod:`policyqa.assistant.mentions` and :mod:`policyqa.assistant.references`; this module calls each once and keeps
what they read (:class:`QueryAnalysis`).
"""
from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field

from policyqa.corpus.annex import unit_names
from policyqa.corpus.models import Clause
from policyqa.index import Index
from policyqa.index.scope import question_provinces

from .ages import asked_age
from .asks import (AMOUNT_RE, COUNT_RE, DATE_STATED_RE, EACH_DOCUMENT_RE, HEADCOUNT_RE, MONEY_RE, NUMBER_RE,
                   PROCEDURE_STATED_RE, UNITS_ASKED_RE, asked_things, asks_tasks_of_unit, asks_whether_one_takes_part,
                   asks_who_is_responsible, figure_pattern, institution_kinds, must_state_figure, named_provinces,
                   named_unit, unnamed_things)
from .courtesy import without_courtesy
from .declined import without_declined
from .extractive import term_weights
from .lookup import part_titles, titled_sections
from .mentions import doc_numbers, document_mentions, numbered_documents, without_mentions
from .naming import unknown_laws, unknown_local_rules
from .penalties import PENALTY_ASKED_RE
from .references import Named, named_laws, read_named

CJK_RE = re.compile(r"[\u4e00-\u9fff]")


_PLAIN = ("search_text", "figure_required", "asks_who", "asks_role", "asks_penalty", "unit", "asks_tasks", "asks_units",
          "asks_each_document")  # shown in the trace as they are


@dataclass(frozen=True)
class QueryAnalysis:
    question: str
    search_text: str  # without the words naming documents and the places the asker turns down
    named_doc_ids: tuple[str, ...] = ()  # documents the question names (retrieval is kept within them)
    named: Named = Named()  # the articles, sections, dates it names for direct lookup, in the caller's documents
    unknown_numbers: tuple[str, ...] = ()  # 发文字号 it names that no loaded document carries
    unknown_laws: tuple[str, ...] = ()  # laws it names (「民法典」) that are not loaded
    figure: re.Pattern | None = None  # the shape of an asked figure (money, days, a date …)
    figure_required: bool = False  # only a sentence stating the figure answers (an amount, a share, a limit)
    asks_who: bool = False
    asks_role: bool = False  # whether a department takes part in a task
    asks_penalty: bool = False
    unit: str | None = None  # the task table's department the question names
    asks_tasks: bool = False  # which tasks that department has (「民政部负责哪些任务」)
    asks_units: bool = False  # a task's units, by that name (「责任单位有哪些」「哪个部门」)
    asks_each_document: bool = False  # what each of the documents named says
    age: tuple[int, int] | None = None  # the asked person's age, in months
    provinces: tuple[str, ...] = ()
    reach: tuple[str, ...] = ()  # provinces of every place it names (「杭州」→ 浙江省): other places' rules rank lower
    things: tuple[frozenset[str], ...] = ()  # asked for by name (「哪些材料」 → {材料})
    kinds: tuple[frozenset[str], ...] = ()  # kinds of institution named
    unnamed: tuple[str, ...] = ()  # a tax, certificate, leave or card no loaded clause names
    weights: dict[str, float] = field(default_factory=dict)  # subject terms and their weights
    chinese: bool = True

    @property
    def asks_figure(self) -> bool:
        return self.figure is not None

    def to_dict(self) -> dict:
        """For the trace: what was read, in plain values."""
        return {
            **{name: getattr(self, name) for name in _PLAIN},
            "named_documents": list(self.named_doc_ids),
            "figure": _figure_name(self.figure),
            "age_months": list(self.age) if self.age else None,
            "provinces": list(self.provinces),
            "reach": list(self.reach),
            "things": ["/".join(sorted(t)) for t in self.things],
            "institution_kinds": ["/".join(sorted(k)) for k in self.kinds],
            "unnamed": list(self.unnamed),
            "terms": sorted(self.weights, key=lambda t: (-self.weights[t], t)),
        }


_FIGURE_NAMES = {AMOUNT_RE: "amount", MONEY_RE: "money", COUNT_RE: "count", HEADCOUNT_RE: "headcount",
                 NUMBER_RE: "number", DATE_STATED_RE: "date", PROCEDURE_STATED_RE: "procedure"}


def _figure_name(figure: re.Pattern | None) -> str | None:
    return None if figure is None else _FIGURE_NAMES.get(figure, "measure")


_LOADED: weakref.WeakKeyDictionary[Index, tuple] = weakref.WeakKeyDictionary()


def _loaded(index: Index) -> tuple[tuple[str, ...], list[tuple[str, Clause]], tuple[str, ...]]:
    """The departments of the index's task tables, longest first, its titled sections and its parts' headings (read
    once per index)."""
    if index not in _LOADED:
        names = {n for c in index.clauses if c.part == "annex" and c.responsible_units
                 for n in unit_names(c.responsible_units)}
        _LOADED[index] = (tuple(sorted(names, key=lambda n: (-len(n), n))), titled_sections(index.clauses),
                          part_titles(index.clauses))
    return _LOADED[index]


# A text that explains another (a 政策问答, a 政策解读, an 答记者问, a press conference's transcript): what it quotes the
# 发文字号 of, it answers for.
_EXPLAINING_TITLE_RE = re.compile(r"问答|解读|答记者问|图解|发布会")


def _quoted(index: Index, number: str) -> bool:
    """Whether a loaded text explaining a document quotes its 发文字号 (a 政策问答 on the 办法 「青民发〔2025〕6号」): a
    question naming it is searched there, not refused as naming a document that is not loaded. A number only cited
    (the text a document repeals, or rests on) is no such document."""
    parts = re.fullmatch(r"(.+?)〔(\d{4})〕(\d+)号", number)
    pattern = re.compile(rf"{re.escape(parts[1])}\s*[〔\[(（［]\s*{parts[2]}\s*[〕\])）］]\s*{parts[3]}\s*号"
                         if parts else re.escape(number))
    return any(pattern.search(c.text) for c in index.clauses if _EXPLAINING_TITLE_RE.search(c.doc_title))


def versions_of_year(index: Index, doc_ids: tuple[str, ...], year: str) -> tuple[str, ...]:
    """Of some versions of one law, those a year names (「2016年版」「2013年修订的」): adopted or amended that year, else
    the one in force at its end; none when that does not single out fewer than all, or the documents are not versions
    of one law (their titles in one spelling differ: :attr:`DocumentDates.law`)."""
    dates = index.validity.dates
    if len({dates[d].law for d in doc_ids}) > 1:
        return ()
    chosen = tuple(d for d in doc_ids if (dates[d].version_date or "").startswith(year))
    if not chosen:
        hidden = index.validity.hidden(f"{year}-12-31")
        chosen = tuple(d for d in doc_ids if d not in hidden and (dates[d].effective or "") <= f"{year}-12-31")
    return chosen if len(chosen) < len(doc_ids) else ()


def analyse(question: str, index: Index, doc_ids: list[str] | None = None) -> QueryAnalysis:
    """Read ``question`` (already cleaned) once against the loaded ``index``; ``doc_ids``: the documents the caller
    keeps it to (direct lookup looks among them), all by default. Greetings and thanks around it are not read;
    ``question`` stays as asked (the answer echoes it)."""
    tokenizer = index.tokenizer
    asked, question = question, without_courtesy(question, tokenizer)
    documents = index.documents
    mentions = tuple(document_mentions(question, documents, lambda ids, year: versions_of_year(index, ids, year)))
    wanted = set(doc_ids or ())
    scope = [d for d in documents if d["doc_id"] in wanted] if wanted else None
    named_ids = tuple(sorted({d for m in mentions for d in m.doc_ids}))
    spans = [(m.start, m.end) for m in mentions]
    figure = figure_pattern(question)
    asks_who = asks_who_is_responsible(question)
    units, sections, parts = _loaded(index)
    unit = named_unit(question, tokenizer, units)
    return QueryAnalysis(
        question=asked,
        search_text=without_declined(without_mentions(question, list(mentions))),
        named_doc_ids=named_ids,
        named=read_named(question, mentions if scope is None else tuple(document_mentions(question, scope)), sections,
                         parts),
        unknown_numbers=tuple(n.number for n in doc_numbers(question)
                              if not numbered_documents(n, documents) and not _quoted(index, n.number)),
        unknown_laws=(*unknown_laws(named_laws(tokenizer.words(question)), documents),
                      *unknown_local_rules(question, documents, spans)),
        figure=figure,
        figure_required=figure is not None and must_state_figure(question, figure),
        asks_who=asks_who,
        asks_role=asks_whether_one_takes_part(question),
        asks_penalty=bool(PENALTY_ASKED_RE.search(question)),
        unit=unit,
        asks_tasks=asks_who and unit is not None and asks_tasks_of_unit(question),
        asks_units=bool(UNITS_ASKED_RE.search(question)),
        asks_each_document=bool(EACH_DOCUMENT_RE.search(question)),
        age=asked_age(question),
        provinces=tuple(named_provinces(question, spans)),
        # A place a mention names too (「临州托育运营补助」 names 临州市's 若干措施): it is asked about; not the places
        # of every local copy a national name also fits (「殡葬管理条例」).
        reach=tuple(dict.fromkeys((*question_provinces(question),
                                   *filter(None, (index.scopes.common_place(m.doc_ids) for m in mentions))))),
        things=tuple(asked_things(question, tokenizer)),
        kinds=tuple(institution_kinds(question, tokenizer)),
        unnamed=tuple(unnamed_things(question, tokenizer, index.document_frequency)),
        weights=term_weights(question, tokenizer),
        chinese=bool(CJK_RE.search(question)),
    )
