"""The answer object shared by the CLI (``ask --json``), the HTTP API and the UI."""
from __future__ import annotations

from pydantic import BaseModel, Field


class Citation(BaseModel):
    """A verified citation: ``quote`` is a verbatim substring of the clause ``clause_id``."""

    clause_id: str = Field(examples=["yanglao-gaige-2024:（十四）"])
    doc_id: str
    doc_title: str
    doc_number: str | None = None
    label: str = Field(examples=["（十四）"])
    number: int | None = None
    part: str = Field(examples=["body"])
    quote: str
    score: float


class RelatedClause(BaseModel):
    """A clause offered for reading, not presented as the answer."""

    clause_id: str
    doc_id: str
    doc_title: str
    doc_number: str | None = None
    label: str
    number: int | None = None
    part: str
    score: float
    text: str


class Answer(BaseModel):
    question: str
    answer: str
    refused: bool
    citations: list[Citation] = Field(default_factory=list)
    related: list[RelatedClause] = Field(default_factory=list)
    answerer: str = Field(default="extractive", description="which answerer produced the text")
    warnings: list[str] = Field(default_factory=list, description="e.g. sentences dropped for lack of a verified citation")
    resolved_question: str | None = Field(default=None, description="a follow-up as read in the light of the "
                                          "conversation (null when the question stands on its own)")
    needs_clarification: bool = Field(default=False, description="the follow-up could not be resolved: the answer "
                                                                 "is a clarifying question (refused is true)")
    refusal_reason: str | None = Field(default=None, description="why the answer was refused (null when answered)")
    trace: dict | None = Field(default=None, description="with explain: what each stage did and why "
                                                           "(analysis, candidates, ranking, decision, sentences)")
