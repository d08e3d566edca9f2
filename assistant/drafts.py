"""What an answerer proposes before verification: sentences, each claiming a clause and a quote."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

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


class Answerer(Protocol):
    """Turns a question and its retrieved evidence into a draft answer."""

    name: str

    def draft(self, question: str, evidence: list[Hit]) -> Draft:
        """Raise :class:`AnswererUnavailable` when the answerer cannot answer (timeout, bad output)."""
        ...


class AnswererUnavailable(Exception):
    """The answerer failed (timeout, connection error, unusable output); the caller falls back."""
