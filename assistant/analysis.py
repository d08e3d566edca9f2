"""One reading of the question, made once per ask; every later stage reads this instead of the question.

The predicates live in :mod:`policyqa.assistant.asks`, :mod:`policyqa.assistant.ages` and
:mod:`policyqa.assistant.mentions`; this module calls each once and keeps what they read (:class:`QueryAnalysis`).
"""
from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field

from policyqa.corpus.annex import unit_names
from policyqa.index import Index

from .ages import asked_age
from .asks import (AMOUNT_RE, COUNT_RE, DATE_STATED_RE, EACH_DOCUMENT_RE, HEADCOUNT_RE, MONEY_RE, NUMBER_RE,
                   PROCEDURE_STATED_RE, UNITS_ASKED_RE, asked_things, asks_tasks_of_unit, asks_whether_one_takes_part,
                   asks_who_is_responsible, figure_pattern, institution_kinds, must_state_figure, named_provinces,
                   named_unit, unnamed_things)
from .declined import without_declined
from .extractive import term_weights
from .mentions import Mention, document_mentions, without_mentions
from .penalties import PENALTY_ASKED_RE

CJK_RE = re.compile(r"[\u4e00-\u9fff]")


_PLAIN = ("search_text", "figure_required", "asks_who", "asks_role", "asks_penalty", "unit", "asks_tasks", "asks_units",
          "asks_each_document")  # shown in the trace as they are


@dataclass(frozen=True)
class QueryAnalysis:
    question: str
    search_text: str  # without the words naming documents and the places the asker turns down
    mentions: tuple[Mention, ...] = ()
    named_doc_ids: tuple[str, ...] = ()  # documents the question names (retrieval is kept within them)
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
            "things": ["/".join(sorted(t)) for t in self.things],
            "institution_kinds": ["/".join(sorted(k)) for k in self.kinds],
            "unnamed": list(self.unnamed),
            "terms": sorted(self.weights, key=lambda t: -self.weights[t]),
        }


_FIGURE_NAMES = {AMOUNT_RE: "amount", MONEY_RE: "money", COUNT_RE: "count", HEADCOUNT_RE: "headcount",
                 NUMBER_RE: "number", DATE_STATED_RE: "date", PROCEDURE_STATED_RE: "procedure"}


def _figure_name(figure: re.Pattern | None) -> str | None:
    return None if figure is None else _FIGURE_NAMES.get(figure, "measure")


_UNITS: weakref.WeakKeyDictionary[Index, tuple[str, ...]] = weakref.WeakKeyDictionary()


def _task_units(index: Index) -> tuple[str, ...]:
    """The departments of the index's task tables, longest first (read once per index)."""
    if index not in _UNITS:
        names = {n for c in index.clauses if c.part == "annex" and c.responsible_units
                 for n in unit_names(c.responsible_units)}
        _UNITS[index] = tuple(sorted(names, key=lambda n: (-len(n), n)))
    return _UNITS[index]


def analyse(question: str, index: Index) -> QueryAnalysis:
    """Read ``question`` (already cleaned) once against the loaded ``index``."""
    tokenizer = index.tokenizer
    mentions = tuple(document_mentions(question, index.documents))
    figure = figure_pattern(question)
    asks_who = asks_who_is_responsible(question)
    unit = named_unit(question, tokenizer, _task_units(index))
    return QueryAnalysis(
        question=question,
        search_text=without_declined(without_mentions(question, list(mentions))),
        mentions=mentions,
        named_doc_ids=tuple(sorted({d for m in mentions for d in m.doc_ids})),
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
        provinces=tuple(named_provinces(question)),
        things=tuple(asked_things(question, tokenizer)),
        kinds=tuple(institution_kinds(question, tokenizer)),
        unnamed=tuple(unnamed_things(question, tokenizer, index.document_frequency)),
        weights=term_weights(question, tokenizer),
        chinese=bool(CJK_RE.search(question)),
    )
