"""Corpus stage: documents → citable clauses.

Public surface: :func:`load_corpus`, :func:`parse_file`, :func:`parse_text`, the records in
:mod:`policyqa.corpus.models`, and :func:`coverage_problems` for the no-loss check.
"""
from .coverage import coverage_problems
from .errors import UserError
from .loading import BUNDLED_DIR, load_corpus
from .models import PARTS, Clause, Corpus, Document, DocumentMeta, SkippedFile
from .parse import parse_file, parse_text
from .reading import UnreadableDocument

__all__ = [
    "BUNDLED_DIR", "PARTS", "Clause", "Corpus", "Document", "DocumentMeta", "SkippedFile",
    "UnreadableDocument", "UserError", "coverage_problems", "load_corpus", "parse_file", "parse_text",
]
