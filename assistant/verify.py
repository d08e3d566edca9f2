"""Verification applied to every answerer's draft before anything is shown."""
from __future__ import annotations

from dataclasses import dataclass

from policyqa.corpus.models import Clause

from .drafts import Draft, DraftSentence


@dataclass(frozen=True)
class VerifiedSentence:
    text: str
    clause: Clause
    quote: str


def verify(draft: Draft, clause_of) -> tuple[list[VerifiedSentence], list[DraftSentence]]:
    """Split a draft into sentences whose citation checks out and those dropped.

    A sentence survives only if its clause exists in the loaded index (``clause_of(id)``) and its
    quote is a non-empty verbatim substring of that clause's text.
    """
    kept, dropped = [], []
    for sentence in draft.sentences:
        clause = clause_of(sentence.clause_id) if sentence.clause_id else None
        if clause is not None and sentence.quote and sentence.quote in clause.text and sentence.text.strip():
            kept.append(VerifiedSentence(sentence.text.strip(), clause, sentence.quote))
        else:
            dropped.append(sentence)
    return kept, dropped
