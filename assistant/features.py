"""Features of the retrieved clauses (for the ranker) and of the evidence as a whole (for the answer-or-refuse
decision), computed from the question's analysis.

No feature depends on which document or which word it is: each says how a clause relates to the question (its
retrieval signals, how much of the question's subject it covers, whether it states the asked figure, names a
department for a who-question, holds the asked age, is a table row, punishes the breach the question asks about,
belongs to a superseded version), so a model fitted on some documents' questions carries over to others.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from policyqa.corpus.text import split_sentences
from policyqa.index import Hit, Index
from policyqa.index.tokenizer import PolicyTokenizer

from .ages import age_ranges, narrowest_holding
from .analysis import QueryAnalysis
from .asks import AMOUNT_RE, MONEY_RE, NUMBER_RE, institution_kinds, names_thing
from .extractive import answer_sentences, best_sentences
from .penalties import PENALTY_RE, breached_articles

# A clause naming who acts: 「市场监督管理部门负责…」「民政部、国家卫生健康委按职责分工负责」「县人民政府」.
DEPARTMENT_RE = re.compile(r"部门|人民政府|委员会|[部厅局委办](?:[、，。；和及]|负责|牵头|按职责|会同)")
# A table column of amounts: 「救助标准（元）」「补贴标准（元/月）」「（万元／个）」.
MONEY_COLUMN_RE = re.compile(r"[（(](?:万|亿)?元(?:\s*[/／][^（）()]{1,6})?[）)]")
FIGURE_SENTENCES = 3  # the figure must be in one of the clause's sentences that best match the question

CANDIDATE_FEATURES: tuple[str, ...] = (
    "fused", "fused_share", "fused_rank", "bm25_z", "window_z", "clause_z", "bm25_rank", "window_rank",
    "bm25_share", "window_gap", "coverage", "rare_coverage", "sentence_coverage", "heading_coverage",
    "figure_stated", "figure_unstated", "who_department", "who_no_department", "age_held", "age_best_fit",
    "age_not_held", "row_plain", "row_asked", "penalty_article", "punishes_top_duty", "other_document", "superseded",
    "preamble", "closing", "annex", "things_named", "things_missing", "kind_mismatch", "province_missing",
    "place_unasked", "log_length",
)
QUESTION_FEATURES: tuple[str, ...] = (
    "top_score", "margin", "top_fused_rank", "top_bm25_rank", "top_window_rank", "dense_best", "coverage_top3",
    "top_coverage", "top_rare_coverage", "top_sentence_coverage", "top_figure_unstated", "top_required_figure_unstated",
    "top_things_missing", "top_kind_mismatch", "top_province_missing", "unnamed_thing", "unloaded_place", "asks_figure",
    "figure_required", "log_terms", "top_bm25_z", "top_window_z",
)


def states_figure(hit: Hit, figure: re.Pattern, weights: dict[str, float], tokenizer: PolicyTokenizer) -> bool:
    """Whether one of the hit's sentences that best match the question states a figure of the asked shape."""
    # A heading states a figure of a specific kind for its items (「二、…三级养老服务网络」), not any number.
    heading = hit.clause.heading if figure is not NUMBER_RE else ""
    if figure.search(heading):
        return True
    # A table row's figures are bare when its column header gives the unit (「救助标准（元）」), in the row's
    # heading (an annex table) or in the clause itself (a table inside an item).
    in_money_column = figure in (AMOUNT_RE, MONEY_RE) and MONEY_COLUMN_RE.search(f"{heading}\n{hit.clause.text}")
    stated = figure if not in_money_column else re.compile(rf"{figure.pattern}|\d")
    sentences = answer_sentences(hit.clause)
    if not any(stated.search(s) for s in sentences):
        return False
    if len(sentences) <= FIGURE_SENTENCES:
        return True
    # Only a longer clause asks which sentences match the question best (segmenting them costs more than a search).
    return any(stated.search(s.sentence) for s in best_sentences(hit, weights, tokenizer, figure)[:FIGURE_SENTENCES])


def _coverage(weights: dict[str, float], terms: set[str]) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in terms) / total if total else 1.0


# The features of each side of the search: absent when a search mode (bm25, dense) or a lexical index leaves it out.
DENSE_FEATURES = frozenset({"window_z", "clause_z", "window_rank", "window_gap", "top_window_rank", "dense_best",
                            "top_window_z"})
LEXICAL_FEATURES = frozenset({"bm25_z", "bm25_rank", "bm25_share", "top_bm25_rank", "top_bm25_z"})


def _absent(hits: list[Hit]) -> frozenset[str]:
    """The features of the sides of the search that gave no signal for these hits."""
    retrieved = [h.signals for h in hits if h.signals]
    absent: set[str] = set()
    if retrieved and not any("window" in s for s in retrieved):
        absent |= DENSE_FEATURES
    if retrieved and not any("bm25" in s for s in retrieved):
        absent |= LEXICAL_FEATURES
    return frozenset(absent)


def _held(weights: dict[str, float], sentence: str) -> set[str]:
    """The question's terms a sentence holds as written: a substring test, since segmenting every sentence of every
    candidate would cost more than the search (the terms are policy words, as the clauses write them)."""
    return {t for t in weights if t in sentence}


def _unloaded_place(analysis: QueryAnalysis, index: Index) -> bool:
    """Whether the question asks about a province or city that no loaded document names, in its title or any
    clause: a local rule of one place does not answer for another (「上海…」 over 重庆's regulation)."""
    return any(not index.document_frequency(place) and not any(place in d["title"] for d in index.documents)
               for place in analysis.provinces)


def _reciprocal_ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: -values[i])
    ranks = [0.0] * len(values)
    for rank, i in enumerate(order):
        ranks[i] = 1.0 / (rank + 1)
    return ranks


@dataclass(frozen=True)
class Candidates:
    """The retrieved clauses of one question with what the models read of them, in retrieval order."""

    clause_ids: tuple[str, ...]
    rows: np.ndarray  # one row of CANDIDATE_FEATURES per clause
    dense: np.ndarray  # best window cosine per clause
    matched: tuple[frozenset[str], ...]  # the question's subject terms each clause holds
    weights: dict[str, float]  # the question's subject terms
    flags: dict[str, float]  # question-level features that do not depend on the ranking
    absent: frozenset[str] = frozenset()  # features a search mode did not compute (no dense side in bm25 mode)

    def column(self, name: str) -> np.ndarray:
        return self.rows[:, CANDIDATE_FEATURES.index(name)]


def candidates(analysis: QueryAnalysis, hits: list[Hit], index: Index) -> Candidates:
    """What the ranker and the answer-or-refuse model read of ``hits`` (the retrieval's ranking)."""
    tokenizer = index.tokenizer
    best = (hits[0].score if hits else 0.0) or 1.0
    bm25 = [h.signals.get("bm25", 0.0) for h in hits]
    window = [h.signals.get("window", 0.0) for h in hits]
    bm25_rank, window_rank = _reciprocal_ranks(bm25), _reciprocal_ranks(window)
    best_bm25, best_window = max(bm25, default=0.0) or 1.0, max(window, default=0.0)
    rarity = {t: index.term_rarity(t) for t in analysis.weights}
    top_labels = {h.clause.label for h in hits[:1]}
    asked_figure_or_who = analysis.asks_figure or analysis.asks_who or analysis.asks_role
    # 「九十多岁」: the clause whose narrowest bracket holding the age is the narrowest of all (90周岁以上, not 60周岁以上).
    brackets = [age_ranges(h.clause.text) if analysis.age else [] for h in hits]
    fits = [narrowest_holding(analysis.age, b) if b else None for b in brackets]
    widths = [f[1] - f[0] if f else None for f in fits]
    narrowest = min((w for w in widths if w is not None), default=None)
    rows, matched = [], []
    for rank, hit in enumerate(hits):
        clause = hit.clause
        terms = index.clause_terms(clause)
        stated = analysis.figure is not None and states_figure(hit, analysis.figure, analysis.weights, tokenizer)
        department = bool(DEPARTMENT_RE.search(clause.text))
        held = (fits[rank] is not None) if brackets[rank] else None  # None: the clause sets out no bracket
        things_missing = any(not names_thing(t, terms, tokenizer) for t in analysis.things)
        unnamed_kinds = [k for k in analysis.kinds if not k <= terms]
        kind_mismatch = bool(unnamed_kinds) and bool(institution_kinds(clause.text, tokenizer))
        province_missing = any(p not in clause.doc_title and p not in clause.text for p in analysis.provinces)
        punishes_top = (analysis.asks_penalty and rank > 0 and clause.doc_id == hits[0].clause.doc_id
                        and bool(breached_articles(clause.text) & top_labels))
        values = {
            "fused": hit.score,
            "fused_share": hit.score / best,
            "fused_rank": 1.0 / (rank + 1),
            "bm25_z": hit.signals.get("bm25_z", 0.0),
            "window_z": hit.signals.get("window_z", 0.0),
            "clause_z": hit.signals.get("clause_z", 0.0),
            "bm25_rank": bm25_rank[rank],
            "window_rank": window_rank[rank],
            "bm25_share": bm25[rank] / best_bm25,
            "window_gap": window[rank] - best_window,
            "coverage": _coverage(analysis.weights, terms),
            "rare_coverage": _coverage(rarity, terms),
            # A clause one of whose sentences says what is asked, not one whose words are scattered over many.
            "sentence_coverage": max((_coverage(analysis.weights, _held(analysis.weights, s))
                                      for s in split_sentences(clause.text)), default=0.0),
            "heading_coverage": _coverage(analysis.weights, tokenizer.terms(clause.heading)) if clause.heading else 0.0,
            "figure_stated": float(analysis.figure is not None and stated),
            "figure_unstated": float(analysis.figure is not None and not stated),
            "who_department": float(analysis.asks_who and department),
            "who_no_department": float(analysis.asks_who and not department),
            "age_held": float(held is True),
            "age_best_fit": float(narrowest is not None and widths[rank] == narrowest),
            "age_not_held": float(held is False),
            "row_plain": float(clause.is_table_row and not asked_figure_or_who),
            "row_asked": float(clause.is_table_row and asked_figure_or_who),
            "penalty_article": float(analysis.asks_penalty and bool(PENALTY_RE.search(clause.text))),
            "punishes_top_duty": float(punishes_top),
            "other_document": float(clause.doc_id != hits[0].clause.doc_id),
            "superseded": float(clause.doc_id in index.superseded),
            "preamble": float(clause.part == "preamble"),
            "closing": float(clause.part == "closing"),
            "annex": float(clause.part == "annex"),
            "things_named": float(bool(analysis.things) and not things_missing),
            "things_missing": float(things_missing),
            "kind_mismatch": float(kind_mismatch),
            "province_missing": float(province_missing),
            # A local rule answers for its own place: asked without that place, national law comes first.
            "place_unasked": float(index.scopes.is_outside(clause, analysis.reach)),
            "log_length": math.log1p(len(clause.text)),
        }
        rows.append([values[name] for name in CANDIDATE_FEATURES])
        matched.append(frozenset(t for t in analysis.weights if t in terms))
    return Candidates(
        clause_ids=tuple(h.clause.clause_id for h in hits),
        rows=np.array(rows, dtype=np.float64).reshape(len(hits), len(CANDIDATE_FEATURES)),
        dense=np.array([h.dense_score for h in hits], dtype=np.float64),
        matched=tuple(matched),
        weights=dict(analysis.weights),
        absent=_absent(hits),
        flags={"unnamed_thing": float(bool(analysis.unnamed)), "unloaded_place": float(_unloaded_place(analysis, index)),
               "asks_figure": float(analysis.asks_figure),
               "figure_required": float(analysis.figure_required), "log_terms": math.log1p(len(analysis.weights))},
    )


def question_features(c: Candidates, order: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """:data:`QUESTION_FEATURES` of the evidence ranked in ``order`` with ranker ``scores`` (best first).

    The top clause's standing is read from its ranks, not its fused score: BM25 and so the fused score are on each
    corpus's own scale (its size, its clause lengths), which a threshold fitted on other corpora misjudges. The best
    cosine stays: it is on the embedder's scale (thresholds are stored per embedder), and it is what tells a question
    about something no loaded document covers."""
    top = c.rows[order[0]]
    col = {name: i for i, name in enumerate(CANDIDATE_FEATURES)}
    best3 = order[:3]
    values = {
        "top_score": float(scores[0]),
        "margin": float(scores[0] - scores[1]) if len(scores) > 1 else 1.0,
        "dense_best": float(c.dense[best3].max()),
        "coverage_top3": _coverage(c.weights, set().union(*(c.matched[i] for i in best3))),
        **{f"top_{name}": float(top[col[name]]) for name in (
            "fused_rank", "bm25_rank", "window_rank", "coverage", "rare_coverage", "sentence_coverage",
            "figure_unstated", "things_missing", "kind_mismatch", "province_missing", "bm25_z", "window_z")},
        # Only a sentence stating it answers (an amount, a share, a limit): unstated, the evidence does not answer.
        "top_required_figure_unstated": float(top[col["figure_unstated"]]) * c.flags["figure_required"],
        **c.flags,
    }
    return np.array([values[name] for name in QUESTION_FEATURES], dtype=np.float64)
