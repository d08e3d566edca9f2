"""The answer object shared by the CLI (``ask --json``), the HTTP API and the UI."""
from __future__ import annotations

from pydantic import BaseModel, Field

STATUS_DOC = "文件在所问日期的效力：现行有效、尚未施行、已被修订、已废止 (the document's validity on the date asked about)"
WARNING_DOC = ("引用的文本在所问日期不是现行有效版本时的提示，写明有效的版本 (set when the cited text is not in force on "
               "the date asked about: superseded, repealed or not yet in force; names the version in force)")


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
    status: str | None = Field(default=None, description=STATUS_DOC, examples=["现行有效"])
    warning: str | None = Field(default=None, description=WARNING_DOC)


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
    status: str | None = Field(default=None, description=STATUS_DOC)
    warning: str | None = Field(default=None, description=WARNING_DOC)


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


class HistoryEvent(BaseModel):
    """One dated line of a document's history (its title note): 通过/公布/发布/印发, 修订, 修正 or 施行."""

    date: str = Field(examples=["2018-12-29"])
    kind: str = Field(examples=["修正"])
    text: str


class VersionOut(BaseModel):
    """A loaded version of the same law (same title)."""

    doc_id: str
    version_date: str | None
    effective: str | None
    status: str


class DocumentValidity(BaseModel):
    """Dates, status and versions of a document, as read from the loaded texts (docs/versions.md)."""

    status: str = Field(description=STATUS_DOC, examples=["已被修订"])
    as_of: str = Field(description="状态所依据的日期 (the date the status is for)")
    in_force: list[str] = Field(description="该日期有效的同一法规版本 (doc_ids of the version in force on that date)")
    warning: str | None = Field(default=None, description="不是现行有效文本时的提示 (set when not in force)")
    promulgated: str | None = Field(description="首次公布/印发日期 (first adopted or issued)")
    version_date: str | None = Field(description="本版本的公布或修订日期 (this version's adoption or amendment)")
    effective: str | None = Field(description="本版本施行日期 (in force from)")
    repealed: str | None = Field(default=None, description="废止日期 (repealed on)")
    repealed_by: str | None = Field(default=None, description="废止它的文件，或 user (the repealing document, or user)")
    history: list[HistoryEvent] = Field(default_factory=list)
    versions: list[VersionOut] = Field(default_factory=list, description="同一法规已加载的各版本，由旧到新 "
                                                                           "(the loaded versions, oldest first)")
