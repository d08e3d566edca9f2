"""What gets embedded and what gets BM25-indexed for each clause.

Long articles are embedded as consecutive windows of whole sentences (each prefixed with the
article's own title sentence, so a window keeps its topic); a clause scores as its best window.
A clause also has a whole-clause vector, which catches a question that paraphrases the article's gist
rather than one of its sentences: a short clause's one passage is its whole text; a long clause's is
the mean of its windows' vectors, so each character of a clause is embedded about once. (Measured in
session 14 against windows overlapping by a sentence plus an embedded whole-clause text: 41 % fewer
characters to embed over shared/laws, the same first-citation accuracy — docs/scale.md.)
"""
from __future__ import annotations

from dataclasses import dataclass

from policyqa.corpus.models import Clause
from policyqa.corpus.structure import attachment_list_lines
from policyqa.corpus.text import split_sentences

WINDOW_CHARS = 120
TITLE_MAX_CHARS = 40
CLAUSE_CHARS = 500  # about the 512 tokens multilingual-e5 reads


@dataclass(frozen=True)
class Passage:
    clause_index: int
    text: str


def searchable_text(clause: Clause) -> str:
    """The clause's text as searched: a closing text without its attachment list (「附件：促进养老托育服务健康发展
    重点任务分工表」), whose annex titles repeat the document's own title words and would pull the closing up for
    any question in them. A title note (题注: 「（2024年12月30日）」) is not searched at all: a bare date would answer
    any when-question; it is looked up for its document (「…意见是哪天印发的」). The clause itself, and what is quoted
    from it, keep every line."""
    if clause.is_title_note:
        return ""
    if clause.part != "closing":
        return clause.text
    lines = clause.text.split("\n")
    return "\n".join(line for line, listed in zip(lines, attachment_list_lines(lines)) if not listed)


def lexical_text(clause: Clause) -> str:
    """Text for BM25: section heading path, label and text (annex rows: task + responsible units)."""
    text = searchable_text(clause)
    return f"{clause.section}\n{clause.label}\n{text}" if text else ""


def clause_text(clause: Clause) -> str:
    """Text embedded for the clause as a whole; for a short clause it is its only window's text."""
    return f"{clause.heading}\n{searchable_text(clause)}".strip()[:CLAUSE_CHARS]


def dense_passages(clause: Clause, clause_index: int, window_chars: int = WINDOW_CHARS) -> list[Passage]:
    """One passage for a short clause; consecutive sentence windows for a long one; none for a clause not searched.

    A clause that one window would hold whole is its own passage (:func:`clause_text`), so that its window and its
    whole-clause text are the same text, embedded once."""
    heading = clause.heading
    text = searchable_text(clause)
    if not text:
        return []
    sentences = split_sentences(text)
    if len(text) <= window_chars or len(sentences) <= 1:
        return [Passage(clause_index, clause_text(clause))]
    title = sentences[0] if len(sentences[0]) <= TITLE_MAX_CHARS else heading
    body = sentences[1:] if title == sentences[0] else sentences
    windows: list[list[str]] = []
    start = 0
    while start < len(body):
        end, size = start, 0
        while end < len(body) and (size == 0 or size + len(body[end]) <= window_chars):
            size += len(body[end])
            end += 1
        windows.append(body[start:end])
        start = end
    if len(windows) == 1:  # one window holds the whole clause: embed the clause's own text once, not twice
        return [Passage(clause_index, clause_text(clause))]
    return [Passage(clause_index, f"{title}{''.join(w)}") for w in windows]


def embedded_texts(clause: Clause, clause_index: int) -> list[str]:
    """The texts a build embeds for a clause: its windows, or its whole text when it has one passage or none (a
    long clause's own vector is the mean of its windows')."""
    windows = [p.text for p in dense_passages(clause, clause_index)]
    return windows if len(windows) > 1 else [clause_text(clause)]
