"""What an answerer proposes before verification: sentences, each claiming a clause and a quote."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from policyqa.corpus.models import Clause
from policyqa.index.models import Hit


@dataclass(frozen=True)
class DraftSentence:
    """One answer sentence and the evidence it claims.

    ``clause_id`` and ``quote`` may be missing or wrong (a language model can invent them);
    verification drops the sentence unless the clause exists and ``quote`` is a verbatim
    substring of its text.
    """

    text: str
    clause_id: str | None
    quote: str | None


@dataclass
class Draft:
    sentences: list[DraftSentence] = field(default_factory=list)
    refused: bool = False


@dataclass(frozen=True)
class PriorTurn:
    """An earlier turn of the conversation as an answerer sees it: the question and the clauses its answer cited."""

    question: str
    cited: tuple[Clause, ...] = ()


class Answerer(Protocol):
    """Turns a question and its retrieved evidence into a draft answer."""

    name: str

    def draft(self, question: str, evidence: list[Hit], history: Sequence[PriorTurn] = ()) -> Draft:
        """Raise :class:`AnswererUnavailable` when the answerer cannot answer (timeout, bad output).
        ``history``: the conversation before the question (oldest first), for reading a follow-up."""
        ...


@runtime_checkable
class StreamingAnswerer(Answerer, Protocol):
    """An answerer that can be read as it writes (a language model streaming tokens)."""

    def stream_draft(self, question: str, evidence: list[Hit],
                     history: Sequence[PriorTurn] = ()) -> Iterator[Draft]:
        """The draft in pieces, each as soon as it is complete: ``Draft(sentences=[…])`` per finished sentence, and
        a last ``Draft(refused=True)`` when the reply was a refusal. Raises :class:`AnswererUnavailable`, possibly
        after some pieces (the model server died or stalled); closing the iterator drops the request."""
        ...


class AnswererUnavailable(Exception):
    """The answerer failed (timeout, connection error, unusable output); the caller falls back."""
