"""The default answerer: no language model. It picks the sentences of the retrieved clauses that
answer the question and cites each; for 谁牵头/哪个部门 questions it answers from the annex task table."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from policyqa.corpus.annex import unit_names
from policyqa.corpus.models import Clause
from policyqa.corpus.text import split_sentences
from policyqa.corpus.vocab import words
from policyqa.index.models import Hit
from policyqa.index.tokenizer import PolicyTokenizer

from .ages import age_bracket_sentences
from .drafts import Draft, DraftSentence

if TYPE_CHECKING:
    from .analysis import QueryAnalysis

GENERIC = frozenset(words("generic_words", "unweighted"))


@dataclass(frozen=True)
class ScoredSentence:
    hit: Hit
    sentence: str
    score: float
    # For a question asking for a figure: 0 states it and shares a term with the question, 1 only states
    # it, 2 does not state it. Sentences rank by tier, then score.
    figure_tier: int = 2


def term_weights(question: str, tokenizer: PolicyTokenizer) -> dict[str, float]:
    """Question terms worth matching, longer (more specific) terms weighing more."""
    return {t: 1.0 + 0.5 * (len(t) - 1) for t in tokenizer.terms(question) if t not in GENERIC and len(t) > 1}


def _overlap(sentence: str, weights: dict[str, float], tokenizer: PolicyTokenizer) -> float:
    terms = tokenizer.terms(sentence)
    return sum(w for t, w in weights.items() if t in terms)


def _sentence_score(sentence: str, overlap: float, figure: re.Pattern | None) -> float:
    score = overlap * 1.8 + 1.5 if figure is not None and figure.search(sentence) else overlap
    return score / (1.0 + len(sentence) / 400)


# Another document is cited beside the best clause's only when its clause ranks nearly as high (fused scores);
# chosen on the development sets: citation precision +0.02–0.05, recall −0.01 on two of seven sets.
OTHER_DOCUMENT_SCORE = 0.95
WHOLE_SENTENCE_LIMIT = 160  # characters; longer ；-joined sentences are lists, quoted piece by piece
_SUB_ITEM_NUMBER_RE = re.compile(r"^\d{1,2}[.．](?!\d)\s*")


def _without_number(sentence: str) -> str:
    rest = _SUB_ITEM_NUMBER_RE.sub("", sentence)
    return rest if rest.strip() else sentence


def whole_sentence(clause_text: str, piece: str, limit: int = WHOLE_SENTENCE_LIMIT) -> str:
    """The piece carried on to the end of its sentence when it ends at a 「；」 (the rest of the rule:
    「…同步交付使用；凡老城区…不得挪作他用。」), unless that makes it longer than ``limit`` characters."""
    start = clause_text.find(piece)
    if not piece.endswith("；") or start < 0:
        return piece
    end = start + len(piece)
    stops = [i for i in (clause_text.find("。", end), clause_text.find("\n", end)) if i >= 0]
    stop = min(stops) if stops else len(clause_text)
    whole = clause_text[start:stop + 1 if clause_text[stop:stop + 1] == "。" else stop]
    return whole if len(whole) <= limit else piece


def answer_sentences(clause: Clause) -> list[str]:
    """The clause's sentences as an answer quotes them: without the label opening its text and a sub-item's number."""
    sentences = [_without_number(s) for s in split_sentences(clause.text)]
    label = clause.label.rpartition("、")[2] or clause.label
    if sentences and sentences[0].startswith(label) and sentences[0][len(label):].strip():
        sentences[0] = sentences[0][len(label):].strip()
    return sentences


def best_sentences(hit: Hit, weights: dict[str, float], tokenizer: PolicyTokenizer,
                   figure: re.Pattern | None = None) -> list[ScoredSentence]:
    """The clause's sentences, best match first (:func:`figure_first` puts those stating an asked figure ahead).
    An item's own title sentence （十四）完善… ranks last.

    The article's label that opens its text (「第十六条 」「（十四）」, the （三） of 「三、（三）」) and a numbered
    sub-item's number (「2.」) are left out: the citation names the article, the number means nothing alone."""
    sentences = answer_sentences(hit.clause)
    scored = []
    for i, s in enumerate(sentences):
        overlap = _overlap(s, weights, tokenizer)
        score = _sentence_score(s, overlap, figure)
        if i == 0 and len(sentences) > 1 and len(s) <= 30 and hit.clause.part == "body":
            score *= 0.3
        tier = 2 if figure is None or not figure.search(s) else 0 if overlap > 0 else 1
        scored.append(ScoredSentence(hit, s, score, tier))
    return sorted(scored, key=lambda x: -x.score)


def figure_first(sentences: list[ScoredSentence]) -> list[ScoredSentence]:
    """The sentences that state the figure a question asks for first, then the rest, each by score."""
    return sorted(sentences, key=lambda x: x.figure_tier)


class ExtractiveAnswerer:
    name = "extractive"
    max_listed_rows = 40  # a department's tasks are listed whole: a civil servant needs all of them

    def __init__(self, tokenizer: PolicyTokenizer, annex_rows: list[Clause] = (),
                 rarity: Callable[[str], float] | None = None) -> None:
        self.tokenizer = tokenizer
        self._rarity = rarity
        self._rows = [c for c in annex_rows if c.responsible_units]
        self._units_of = {c.clause_id: unit_names(c.responsible_units) for c in self._rows}

    def draft(self, question: str, evidence: list[Hit], analysis: QueryAnalysis) -> Draft:
        """The sentences of ``evidence`` that answer; what is asked is read from the question's ``analysis``."""
        if not evidence:
            return Draft(refused=True)
        if analysis.asks_who or (analysis.asks_role and analysis.unit):
            if draft := self._tasks_of_unit(analysis) or self._responsible_units(analysis, evidence):
                return draft
        weights, figure = analysis.weights, analysis.figure
        if self._rarity is not None and figure is None:
            # Within the chosen clauses a rare term (助浴) says more about the sentence than a common one (老年人);
            # a question for a figure is answered by the sentence that states it, whatever its words.
            weights = {t: w * (0.5 + self._rarity(t)) for t, w in weights.items()}
        primary = figure_first(best_sentences(evidence[0], weights, self.tokenizer, figure))
        primary = age_bracket_sentences(analysis.age, primary)  # 「九十多岁…」: the sentence on the 90+ bracket
        chosen = [primary[0]]
        if len(primary) > 1 and primary[1].score >= 0.75 * primary[0].score and primary[1].score > 0:
            chosen.append(primary[1])
        # Where another document speaks to the question too, cite it as well; asked what each document says
        # (「两份文件分别怎么要求」), cite the other's best clause among more of the evidence.
        each = analysis.asks_each_document
        for hit in evidence[1:5 if each else 3]:
            if hit.clause.doc_id == evidence[0].clause.doc_id or hit.clause.part == "annex":
                continue
            if not each and hit.score < OTHER_DOCUMENT_SCORE * evidence[0].score:
                break  # ranked well below the best clause: it shares words with the question, not its subject
            other = figure_first(best_sentences(hit, weights, self.tokenizer, figure))[0]
            if other.score > 0 and (each or other.score >= 0.6 * primary[0].score):
                chosen.append(other)
            break
        texts: list[tuple[str, str]] = []
        for s in self._in_reading_order(chosen):
            text = whole_sentence(s.hit.clause.text, s.sentence)
            if not any(clause_id == s.hit.clause.clause_id and text in kept for clause_id, kept in texts):
                texts.append((s.hit.clause.clause_id, text))
        return Draft([DraftSentence(text, clause_id, text) for clause_id, text in texts])

    @staticmethod
    def _in_reading_order(chosen: list[ScoredSentence]) -> list[ScoredSentence]:
        order = {}
        for s in chosen:
            order.setdefault(s.hit.clause.clause_id, len(order))
        return sorted(chosen, key=lambda s: (order[s.hit.clause.clause_id], s.hit.clause.text.find(s.sentence)))

    def _responsible_units(self, analysis: QueryAnalysis, evidence: list[Hit]) -> Draft | None:
        """谁牵头…: the annex row's responsible units, then the article it restates."""
        rows: list[tuple[float, Clause, Hit]] = []
        weights = analysis.weights
        # The table of the best clause's document: a row of another document's table does not answer a question
        # whose best clause names the department itself (「敬老院由哪个部门直管」: 县级民政部门).
        top_doc = evidence[0].clause.doc_id if evidence else None
        for rank, hit in enumerate(evidence[:3]):
            if hit.clause.doc_id != top_doc:
                continue
            # Asked for a task's 责任单位, a row restating the article found answers for it even in other words
            # (「提高人才要素供给能力」 for 「学科专业建设…责任单位有哪些」), as well as the article's best sentence.
            via_article = 0.0
            if analysis.asks_units and hit.clause.part != "annex" and hit.related:
                via_article = best_sentences(hit, weights, self.tokenizer)[0].score
            for clause in (hit.clause, *hit.related):
                if clause.part == "annex" and clause.responsible_units:
                    task = clause.text.split("\n")[0]
                    overlap = _sentence_score(task, _overlap(task, weights, self.tokenizer), None)
                    if clause is not hit.clause:
                        overlap = max(overlap, via_article)
                    if overlap > 0:  # a row on another task answers nothing about who does this one
                        rows.append((overlap - 0.5 * rank, clause, hit))
        if not rows:
            return None
        _, row, hit = max(rows, key=lambda r: r[0])
        sentences = [DraftSentence(f"“{row.text.split(chr(10))[0]}”的责任单位：{row.responsible_units}",
                                   row.clause_id, row.responsible_units)]
        if (article := next((c for c in (hit.clause, *hit.related) if c.clause_id in row.links), None)) is not None:
            both = term_weights(row.text.split("\n")[0], self.tokenizer) | weights
            best = best_sentences(Hit(clause=article, score=hit.score), both, self.tokenizer)[0]
            sentences.append(DraftSentence(best.sentence, article.clause_id, best.sentence))
        return Draft(sentences)

    def _tasks_of_unit(self, analysis: QueryAnalysis) -> Draft | None:
        """「民政部负责哪些任务」: every task-table row naming that department, rows it leads first."""
        if not analysis.asks_tasks:
            return None
        name = analysis.unit
        rows = [r for r in self._rows if name in self._units_of[r.clause_id]]
        rows.sort(key=lambda r: (f"{name}牵头" not in r.responsible_units, r.ordinal))
        return Draft([
            DraftSentence(f"“{r.text.split(chr(10))[0]}”——{r.responsible_units}", r.clause_id, r.responsible_units)
            for r in rows[:self.max_listed_rows]
        ])
