"""Records produced by the corpus layer: documents and their citable clauses."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from .structure import ARTICLE_LABEL_RE, SECTION_PATH_SEP, TITLE_NOTE_LABEL

Part = Literal["preamble", "body", "closing", "annex"]
PARTS: tuple[str, ...] = ("preamble", "body", "closing", "annex")


@dataclass(frozen=True)
class Clause:
    """One citable unit: an article, a 意见 item （十四）, a preamble, a closing, an annex table row."""

    clause_id: str
    doc_id: str
    doc_title: str
    doc_number: str | None
    label: str
    number: int | None
    part: Part
    section: str
    text: str
    ordinal: int
    responsible_units: str | None = None
    links: tuple[str, ...] = ()

    @property
    def is_table_row(self) -> bool:
        """A numbered row of an annex table or list (附件第3项, 附件1二、第2项), cited by its 序号."""
        return self.part == "annex" and self.number is not None and self.label.endswith(f"第{self.number}项")

    @property
    def is_article(self) -> bool:
        """An article of a law or rule, labelled 第十条 or 第十条之一 (not an 意见's item （十）)."""
        return bool(ARTICLE_LABEL_RE.match(self.label))

    @property
    def is_title_note(self) -> bool:
        """The date or adoption history under the title (题注): looked up for its document, never searched."""
        return self.label == TITLE_NOTE_LABEL and self.part == "preamble"

    @property
    def heading(self) -> str:
        """The innermost section heading the clause sits under (「二、加快健全覆盖城乡的三级养老服务网络」), or ''."""
        return self.section.split(SECTION_PATH_SEP)[-1] if self.section else ""

    def to_dict(self) -> dict:
        data = asdict(self)
        data["links"] = list(self.links)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Clause":
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        known["links"] = tuple(known.get("links") or ())
        return cls(**known)


@dataclass
class DocumentMeta:
    """What a document says about itself: title, 发文字号, issuer, date, source link, status."""

    doc_id: str
    title: str
    doc_number: str | None = None
    issuer: str | None = None
    date: str | None = None
    source_url: str | None = None
    status: str | None = None
    path: str = ""
    sha256: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Document:
    """A parsed document.

    ``header`` holds the lines consumed as metadata (title, 发文字号, info lines) and ``headings``
    the structural headings; together with the clause texts they account for every character
    of the source (see :mod:`policyqa.corpus.coverage`).
    """

    meta: DocumentMeta
    clauses: list[Clause] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    body: str = ""

    @property
    def doc_id(self) -> str:
        return self.meta.doc_id


@dataclass(frozen=True)
class SkippedFile:
    """A file that could not be loaded, and why."""

    path: str
    reason: str


@dataclass
class Corpus:
    documents: list[Document]
    skipped: list[SkippedFile]

    @property
    def clauses(self) -> list[Clause]:
        return [c for d in self.documents for c in d.clauses]
