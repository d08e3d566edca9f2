"""What one configuration returned for one question: the records metrics and reports are computed from."""
from __future__ import annotations

from dataclasses import dataclass

from .questions import Question


@dataclass(frozen=True)
class CitedClause:
    clause_id: str
    quote: str
    verbatim: bool  # the quote is a substring of the cited clause's text


def failure_of(question: Question, refused: bool, first_cited: str | None) -> str | None:
    """Why an answer to ``question`` counts as failed, or None: a wrong refusal, a wrong first citation, or an
    answer to a question the corpus cannot answer."""
    if not question.answerable:
        return None if refused else "answered_unanswerable"
    if refused:
        return "false_refusal"
    if first_cited not in question.relevant:
        return "wrong_first_citation"
    return None


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    ranking: tuple[str, ...]  # clause ids from Assistant.search, best first
    scores: tuple[float, ...]  # the search scores, same order
    refused: bool
    answer: str
    citations: tuple[CitedClause, ...]
    search_ms: float
    ask_ms: float

    @property
    def cited_ids(self) -> list[str]:
        return [c.clause_id for c in self.citations]

    def first_relevant_rank(self) -> int | None:
        """1-based rank of the first relevant clause in the search ranking, None when absent."""
        relevant = set(self.question.relevant)
        return next((i for i, cid in enumerate(self.ranking, 1) if cid in relevant), None)

    def failure(self) -> str | None:
        return failure_of(self.question, self.refused, self.cited_ids[0] if self.citations else None)

    def to_dict(self) -> dict:
        return {
            "id": self.question.id,
            "type": self.question.type,
            "question": self.question.question,
            "relevant": list(self.question.relevant),
            "ranking": list(self.ranking),
            "scores": list(self.scores),
            "refused": self.refused,
            "answer": self.answer,
            "citations": [{"clause_id": c.clause_id, "quote": c.quote, "verbatim": c.verbatim} for c in self.citations],
            "search_ms": self.search_ms,
            "ask_ms": self.ask_ms,
            "failure": self.failure(),
        }
