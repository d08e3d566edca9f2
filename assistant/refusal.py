"""Decide whether the retrieved evidence can answer the question at all.

Calibrated on eval/seed_questions.jsonl and eval/dev_questions.jsonl (thresholds below; see README
"Answers"): the answer is refused when no clause is semantically close to the question, when the
question asks for a figure (多少、几天、什么时候…) that the best evidence sentences do not contain, or
when it asks for a named thing (「哪些材料」「什么证书」「哪些县」) that the evidence never mentions, or about
a kind of institution (托育机构) other than the one the evidence names (养老服务机构).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from policyqa.index.models import Hit
from policyqa.index.tokenizer import PolicyTokenizer

from .asks import (AMOUNT_RE, MONEY_RE, NUMBER_RE, asked_things, figure_pattern, institution_kinds, must_state_figure,
                   named_provinces, names_thing, unnamed_things)
from .extractive import best_sentences, term_weights

DENSE_FLOOR = 0.85     # best window cosine (multilingual-e5-small) below this: nothing close enough
FIGURE_COVERAGE = 0.9  # a question asking for a figure the evidence lacks is refused below this term coverage
# A table column of amounts: 「救助标准（元）」「补贴标准（元/月）」「（万元／个）」.
MONEY_COLUMN_RE = re.compile(r"[（(](?:万|亿)?元(?:\s*[/／][^（）()]{1,6})?[）)]")
FIGURE_SENTENCES = 3   # the figure must be in one of the best clause's sentences that best match the question


def states_figure(hit: Hit, figure: re.Pattern, weights: dict[str, float], tokenizer: PolicyTokenizer) -> bool:
    """Whether one of the hit's sentences that best match the question states a figure of the asked shape."""
    sentences = best_sentences(hit, weights, tokenizer, figure)[:FIGURE_SENTENCES]
    # A heading states a figure of a specific kind for its items (「二、…三级养老服务网络」), not any number.
    heading = hit.clause.heading if figure is not NUMBER_RE else ""
    # A table row's figures are bare when its column header gives the unit (「救助标准（元）」), in the row's
    # heading (an annex table) or in the clause itself (a table inside an item).
    in_money_column = figure in (AMOUNT_RE, MONEY_RE) and MONEY_COLUMN_RE.search(f"{heading}\n{hit.clause.text}")
    stated = figure if not in_money_column else re.compile(rf"{figure.pattern}|\d")
    return any(stated.search(s.sentence) for s in sentences) or bool(figure.search(heading))


@dataclass(frozen=True)
class EvidenceCheck:
    answerable: bool
    dense: float
    coverage: float
    reason: str


def check_evidence(question: str, hits: list[Hit], tokenizer: PolicyTokenizer,
                   document_frequency: Callable[[str], int] | None = None) -> EvidenceCheck:
    """Whether ``hits`` can answer ``question``; ``document_frequency`` (clauses holding a term, over the whole
    index) lets a question about a thing no loaded clause names (「托育机构免征增值税的条件」) be refused."""
    if not hits:
        return EvidenceCheck(False, 0.0, 0.0, "no evidence")
    dense = max(h.dense_score for h in hits[:3])
    weights = term_weights(question, tokenizer)
    evidence_terms: set[str] = set()
    for hit in hits[:3]:
        evidence_terms |= tokenizer.terms(hit.clause.text)
    total = sum(weights.values())
    coverage = sum(w for t, w in weights.items() if t in evidence_terms) / total if total else 1.0

    def result(ok: bool, reason: str) -> EvidenceCheck:
        return EvidenceCheck(ok, dense, coverage, reason)

    figure = figure_pattern(question)
    if figure is not None and (coverage < FIGURE_COVERAGE or must_state_figure(question, figure)):
        if not states_figure(hits[0], figure, weights, tokenizer):
            return result(False, "asks for a figure the evidence does not state")
    best = hits[0].clause
    if document_frequency is not None and unnamed_things(question, tokenizer, document_frequency):
        return result(False, "asks about something no loaded document names")
    if any(p not in best.doc_title and p not in best.text for p in named_provinces(question)):
        return result(False, "asks about a province the evidence does not cover")
    best_terms = tokenizer.terms(best.text)
    if any(not names_thing(thing, best_terms) for thing in asked_things(question, tokenizer)):
        return result(False, "asks for something the evidence does not name")
    # 「托育机构能不能按居民价格用水电」 is not answered by an article on 养老服务机构.
    unnamed_kinds = [kind for kind in institution_kinds(question, tokenizer) if not kind <= best_terms]
    if unnamed_kinds and institution_kinds(best.text, tokenizer):
        return result(False, "asks about a kind of institution the evidence does not cover")
    if dense and dense < DENSE_FLOOR:
        return result(False, "no close clause")
    return result(True, "evidence found")
