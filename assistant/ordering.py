"""Which of the retrieved clauses answers first, when the ranking's first is not the one that says what is asked.

The ranking orders clauses by how much of the question they share; these rules look at what the question asks for
(a number of days, something other than a department or a figure) and at what a clause is (a table row), and put a
close runner-up first. They run after the evidence check (:mod:`policyqa.assistant.refusal`) for table rows, before it for
figures (the runner-up stating the figure is the evidence).
"""
from __future__ import annotations

import re
from collections.abc import Callable

from policyqa.index.models import Hit
from policyqa.index.tokenizer import PolicyTokenizer

from .asks import (AMOUNT_RE, DATE_STATED_RE, MONEY_RE, NUMBER_RE, PROCEDURE_STATED_RE, asks_whether_one_takes_part,
                   asks_who_is_responsible, figure_pattern)
from .extractive import term_weights
from .refusal import states_figure

FIGURE_RUNNERS_UP = 3  # hits after the best one that may state the asked figure instead of it
FIGURE_RUNNER_UP_SHARE = 0.95  # ... when their fused score is at least this share of the best one's
ARTICLE_RUNNERS_UP = 2  # hits after a table row that may be the article answering instead of it
ARTICLE_RUNNER_UP_SHARE = 0.9  # ... when their fused score is at least this share of the row's
_NOT_PROMOTED = (NUMBER_RE, AMOUNT_RE, MONEY_RE, DATE_STATED_RE, PROCEDURE_STATED_RE)  # figures no runner-up answers
DEPARTMENT_RUNNERS_UP = 2  # hits after the best one that may name the department asked for instead of it
DEPARTMENT_RUNNER_UP_SHARE = 0.95
# A clause naming who acts: 「市场监督管理部门负责…」「民政部、国家卫生健康委按职责分工负责」「县人民政府」.
_DEPARTMENT_RE = re.compile(r"部门|人民政府|委员会|[部厅局委办](?:[、，。；和及]|负责|牵头|按职责|会同)")


def figure_first(question: str, hits: list[Hit], tokenizer: PolicyTokenizer) -> list[Hit]:
    """``hits`` with a close runner-up that states the asked figure put first when the best hit does not
    (「在村里要公示几天」: the point saying 「公示5天」 ranks just below the one on the application form).

    Not for amounts, dates and procedures: some clause states an amount or a date for almost any question, and
    promoting it answered questions the documents do not answer (calibrated on the eval sets and genre rounds)."""
    figure = figure_pattern(question)
    if figure is None or figure in _NOT_PROMOTED or len(hits) < 2:
        return hits
    weights = term_weights(question, tokenizer)
    if states_figure(hits[0], figure, weights, tokenizer):
        return hits
    # Another document's figure is of another subject (「托育机构室外场地多少平方米」 is not answered by the
    # 养老 条例's 「每百户不少于30平方米」).
    return _runner_up_first(hits, FIGURE_RUNNERS_UP, FIGURE_RUNNER_UP_SHARE,
                            lambda hit: hit.clause.doc_id == hits[0].clause.doc_id
                            and states_figure(hit, figure, weights, tokenizer))


def departments_first(question: str, hits: list[Hit]) -> list[Hit]:
    """``hits`` with a close runner-up that names a department put first, when the question asks who is
    responsible and the best hit names none (「食品安全归哪个部门监管」: the article on 食堂 ranks above the one
    saying 「市场监督管理部门负责养老机构食品安全监督管理」)."""
    if len(hits) < 2 or not asks_who_is_responsible(question) or _DEPARTMENT_RE.search(hits[0].clause.text):
        return hits
    return _runner_up_first(hits, DEPARTMENT_RUNNERS_UP, DEPARTMENT_RUNNER_UP_SHARE,
                            lambda hit: bool(_DEPARTMENT_RE.search(hit.clause.text)))


def articles_first(question: str, hits: list[Hit]) -> list[Hit]:
    """``hits`` with an article put before a table row that ranks just above it, when the question asks neither who
    is responsible nor for a figure: a row (a task with its departments, a subsidy with its amount) answers those;
    asked anything else, the article says it in full (「助餐点关门了，建设补贴要不要退」 is in 第十四条, not in the
    row 「老年助餐点建设补贴　每个一次性补贴3万元」)."""
    if len(hits) < 2 or not hits[0].clause.is_table_row:
        return hits
    if asks_who_is_responsible(question) or asks_whether_one_takes_part(question) or figure_pattern(question):
        return hits
    return _runner_up_first(hits, ARTICLE_RUNNERS_UP, ARTICLE_RUNNER_UP_SHARE, lambda hit: hit.clause.part == "body")


def _runner_up_first(hits: list[Hit], runners_up: int, share: float, answers: Callable[[Hit], bool]) -> list[Hit]:
    """``hits`` with the first of the next ``runners_up`` hits that scores at least ``share`` of the best one and
    ``answers`` put first; ``hits`` as they are when none does."""
    for hit in hits[1:1 + runners_up]:
        if hit.score >= share * hits[0].score and answers(hit):
            return [hit] + [h for h in hits if h is not hit]
    return hits


