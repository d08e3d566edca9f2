"""A living index: add, replace and remove documents, each write a new generation switched in atomically.

A write reads the current generation (clauses, their BM25 tokens, documents, catalogue, vectors), changes the
documents asked, and writes the next generation with :func:`policyqa.index.builder.write_generation`: only the
texts of new documents are tokenized, catalogued and embedded; BM25 and FAISS are rebuilt from the stored tokens and
vectors (see docs/living.md for what that costs). Every refusal (a file that cannot be read, a doc_id already in
the index or not in it, another write in progress) is raised before anything is written.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Sequence

import numpy as np

from policyqa.corpus import UnreadableDocument, coverage_problems, parse_file
from policyqa.corpus.errors import UserError
from policyqa.corpus.models import Clause, Document, DocumentMeta
from policyqa.corpus.parse import doc_id_for
from policyqa.corpus.reading import SUPPORTED_SUFFIXES, unsupported_type
from policyqa.corpus.supports import SUPPORTS_FILE, catalogue

from .builder import DocumentRows, document_rows, stored_vectors, write_generation
from .embedders import NO_EMBEDDER, Embedder, get_embedder
from .generations import SOURCES, WriteLock, current_folder, current_generation
from .passages import lexical_text
from .retriever import UnknownDocument
from .store import HASHES_FILE, TOKENS_FILE, IndexIncompatible, read_manifest, sha256_file, verify_checksums
from .tokenizer import PolicyTokenizer, default_tokenizer

__all__ = [
    "DocumentExists", "DocumentNotFound", "FileRefused", "ParseReport", "WriteResult", "add_documents",
    "current_generation", "preview_file", "remove_documents", "replace_document", "set_document_status",
]

USER_REPEALED = "repealed_by_user"  # documents.json: the 废止 date a user set (YYYY-MM-DD), absent when none
_HEAD_CHARS = 40


class FileRefused(UserError):
    """A file that cannot be added: unreadable, of an unsupported type, or without a citable clause."""


class DocumentExists(UserError):
    """``add`` of a doc_id the index already holds (replace it instead)."""


class DocumentNotFound(UnknownDocument):
    """A doc_id the index does not hold."""


@dataclass
class ParseReport:
    """How one file splits into citable clauses."""

    doc_id: str
    title: str
    clauses: int
    labels: list[str]
    problems: list[str]            # the parser's no-loss check (characters lost or duplicated), empty when none
    file: str = ""                 # the file's name
    doc_number: str | None = None  # 发文字号
    date: str | None = None
    heads: list[str] = field(default_factory=list)  # each clause's first characters, in order

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class WriteResult:
    """What a write did: the generation it made current, the files it added, the documents it removed."""

    generation: str
    reports: list[ParseReport]
    removed: list[str]
    embedded: int      # texts embedded by this write
    reused: int        # texts whose stored embedding was reused
    seconds: float
    documents: int = 0  # in the new generation
    clauses: int = 0

    def to_dict(self) -> dict:
        return dict(self.__dict__, reports=[r.to_dict() for r in self.reports])


def _report(doc: Document, file: Path) -> ParseReport:
    return ParseReport(doc_id=doc.doc_id, title=doc.meta.title, clauses=len(doc.clauses),
                       labels=[c.label for c in doc.clauses], problems=coverage_problems(doc), file=file.name,
                       doc_number=doc.meta.doc_number, date=doc.meta.date,
                       heads=[c.text[:_HEAD_CHARS] for c in doc.clauses])


def _parse(file: Path, doc_id: str | None = None) -> Document:
    """Parse a file to add, or raise :class:`FileRefused` saying why."""
    file = Path(file)
    if file.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise FileRefused(f"{file.name}: {unsupported_type(file.suffix)}; 支持 supported: {' '.join(SUPPORTED_SUFFIXES)}")
    if not file.is_file():
        raise FileRefused(f"{file.name}: 文件不存在 (no such file: {file})")
    try:
        doc = parse_file(file, doc_id or doc_id_for(file))
    except UnreadableDocument as exc:
        raise FileRefused(f"{file.name}: {exc}") from None
    if not doc.doc_id:
        raise FileRefused(f"{file.name}: 文件名不能作文件编号 (the file name gives no doc_id)")
    if not doc.clauses:
        raise FileRefused(f"{file.name}: 未找到可引用的条款 (no citable clause found in the file)")
    return doc


def preview_file(path: Path) -> ParseReport:
    """How ``path`` would be added (doc_id: the file name without its suffix); writes nothing. Raises
    :class:`FileRefused` for a file that cannot be added."""
    return _report(_parse(Path(path)), Path(path))


@dataclass
class _Current:
    """The current generation, checked, as rows by document, with its stored vectors."""

    manifest: dict
    docs: list[DocumentRows]
    vectors: dict[str, np.ndarray]

    def position(self, doc_id: str) -> int | None:
        return next((i for i, d in enumerate(self.docs) if d.doc_id == doc_id), None)


def _meta_of(entry: dict) -> DocumentMeta:
    return DocumentMeta(**{k: entry.get(k) for k in ("doc_id", "title", "doc_number", "issuer", "date",
                                                    "source_url", "status")}, path=entry.get("path") or "",
                        sha256=entry.get("sha256") or "")


def _lines_by_document(lines: list[str], entries: list[dict]) -> list[list[str]]:
    """clauses.jsonl lines cut by each document's clause_count (documents follow each other in index order), or,
    if the counts do not add up, grouped by the doc_id each line names."""
    if sum(e.get("clause_count", -1) for e in entries) == len(lines):
        bounds = np.cumsum([0] + [e["clause_count"] for e in entries])
        return [lines[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    grouped: dict[str, list[str]] = {}
    for line in lines:
        grouped.setdefault(json.loads(line)["doc_id"], []).append(line)
    return [grouped.get(e["doc_id"], []) for e in entries]


def _read_current(index_dir: Path, tokenizer: PolicyTokenizer) -> _Current:
    """The current generation, checked, split by document. Nothing of an unchanged document is parsed, tokenized
    or embedded again: its lines, tokens, catalogue line, passages and vectors are taken as stored. An index
    written before tokens or the catalogue were stored (or with another dictionary) gets them computed here."""
    folder = current_folder(index_dir)
    manifest = read_manifest(folder)
    verify_checksums(folder, manifest)
    entries = json.loads((folder / "documents.json").read_text(encoding="utf-8"))
    lines = (folder / "clauses.jsonl").read_text(encoding="utf-8").splitlines()
    tokens: list[str] | None = None
    if (folder / TOKENS_FILE).is_file() and manifest["tokenizer"]["dictionary_hash"] == tokenizer.dictionary_hash:
        tokens = (folder / TOKENS_FILE).read_text(encoding="utf-8").splitlines()
    if tokens is None or len(tokens) != len(lines):
        tokens = [json.dumps(tokenizer.tokenize(lexical_text(Clause.from_dict(json.loads(line)))), ensure_ascii=False)
                  for line in lines]
    supports: dict[str, str] = {}
    if (folder / SUPPORTS_FILE).is_file():
        for line in (folder / SUPPORTS_FILE).read_text(encoding="utf-8").splitlines():
            if line.strip():
                supports[json.loads(line)["doc_id"]] = line
    dense_too = manifest["embedder"]["name"] != NO_EMBEDDER
    passage_clause, hashes, vectors = np.zeros(0, dtype=np.int64), {"passages": [], "clauses": []}, {}
    if dense_too:
        passage_clause = np.load(folder / "passages.npy")
        hashes = json.loads((folder / HASHES_FILE).read_text(encoding="utf-8"))
        vectors = stored_vectors(folder, manifest, manifest["embedder"]["name"])
    docs, first = [], 0
    for entry, doc_lines in zip(entries, _lines_by_document(lines, entries)):
        count = len(doc_lines)
        line = supports.get(entry["doc_id"])
        if line is None:
            clauses = [Clause.from_dict(json.loads(x)) for x in doc_lines]
            line = json.dumps(catalogue([Document(_meta_of(entry), clauses)])[0].to_dict(), ensure_ascii=False)
        lo, hi = np.searchsorted(passage_clause, [first, first + count])
        docs.append(DocumentRows(
            entry=entry, lines=doc_lines, tokens=tokens[first:first + count], catalogue=line,
            source=manifest.get("sources", {}).get(entry["doc_id"]) or {"path": None, "sha256": None},
            passages=[(int(c) - first, h) for c, h in zip(passage_clause[lo:hi], hashes["passages"][lo:hi])],
            clause_hashes=hashes["clauses"][first:first + count]))
        first += count
    return _Current(manifest, docs, vectors)


def _new_doc(index_dir: Path, file: Path, doc: Document, tokenizer: PolicyTokenizer, manifest: dict) -> DocumentRows:
    """The rows of a file being added, its copy kept in ``sources/`` (its documents.json ``path``: an upload's own
    file is temporary)."""
    source = _store_source(index_dir, file, doc)
    doc.meta.path = str(Path(index_dir) / SOURCES / source["stored"])
    return document_rows([doc], tokenizer, manifest["embedder"]["name"] != NO_EMBEDDER, {doc.doc_id: source})[0]


def _store_source(index_dir: Path, file: Path, doc: Document) -> dict:
    """Keep a copy of an added file in ``sources/`` (the upload may be a temporary file), named by its checksum."""
    folder = Path(index_dir) / SOURCES
    folder.mkdir(exist_ok=True)
    sha = doc.meta.sha256 or sha256_file(file)
    name = f"{sha}{file.suffix.lower()}"
    if not (folder / name).is_file():
        partial = folder / f".{name}.tmp-{uuid.uuid4().hex[:8]}"
        shutil.copyfile(file, partial)
        with partial.open("rb") as f:
            os.fsync(f.fileno())
        partial.replace(folder / name)
    return {"path": file.name, "sha256": sha, "stored": name}


def _writer_embedder(manifest: dict, embedder: Embedder | None) -> Embedder | str:
    """The embedder that wrote the index (``none`` for a lexical index); a given one must be the same model."""
    recorded = manifest["embedder"]
    if recorded["name"] == NO_EMBEDDER:
        return NO_EMBEDDER
    embedder = embedder or get_embedder(recorded["spec"])
    if embedder.name != recorded["name"] or embedder.dim != recorded["dim"]:
        raise IndexIncompatible(f"索引由向量模型 {recorded['name']} 构建，与 {embedder.name} 不符 (the index was built with "
                                f"embedder {recorded['name']}, not {embedder.name})")
    return embedder


def _commit(index_dir: Path, current: _Current, embedder: Embedder | None, tokenizer: PolicyTokenizer,
            started: float, reports: list[ParseReport], removed: list[str]) -> WriteResult:
    if not current.docs:
        raise UserError("不能删除索引中的全部文件，请改用 policyqa build 重建 (a write cannot leave the index without "
                        "documents; rebuild it with `policyqa build` instead)")
    report = write_generation(index_dir, current.docs, _writer_embedder(current.manifest, embedder), tokenizer,
                              current.manifest.get("dense_kind", "auto").replace("none", "auto"), started=started,
                              spec=current.manifest["embedder"]["spec"], previous=current.vectors)
    return WriteResult(report.generation, reports, removed, report.embedded, report.reused,
                       time.perf_counter() - started, report.documents, report.clauses)


def _unknown(current: _Current, doc_ids: Sequence[str]) -> None:
    unknown = [d for d in doc_ids if current.position(d) is None]
    if unknown:
        raise DocumentNotFound(f"索引中没有这些文件：{'、'.join(unknown)} (not in the index: {', '.join(unknown)})")


def add_documents(index_dir: Path, files: Sequence[Path], *, embedder: Embedder | None = None) -> WriteResult:
    """Add ``files`` (doc_id: each file name without its suffix) as a new generation. Refuses, changing nothing, a
    file that cannot be read (:class:`FileRefused`), a doc_id already in the index or given twice
    (:class:`DocumentExists`), and a second writer (:class:`~policyqa.index.generations.WriterBusy`)."""
    started = time.perf_counter()
    files = [Path(f) for f in files]
    if not files:
        raise FileRefused("没有要添加的文件 (no file to add)")
    docs = [_parse(f) for f in files]
    ids = [d.doc_id for d in docs]
    if twice := sorted({i for i in ids if ids.count(i) > 1}):
        raise DocumentExists(f"文件编号重复：{'、'.join(twice)}（文件名去掉后缀即编号）(two files give the same doc_id: "
                             f"{', '.join(twice)})")
    tokenizer = default_tokenizer()
    with WriteLock(index_dir):
        current = _read_current(index_dir, tokenizer)
        if there := [i for i in ids if current.position(i) is not None]:
            raise DocumentExists(f"索引中已有该文件：{'、'.join(there)}，如需更新请用替换 (already in the index: "
                                 f"{', '.join(there)}; use replace to update it)")
        for file, doc in zip(files, docs):
            current.docs.append(_new_doc(index_dir, file, doc, tokenizer, current.manifest))
        return _commit(index_dir, current, embedder, tokenizer, started, [_report(d, f) for d, f in zip(docs, files)], [])


def replace_document(index_dir: Path, doc_id: str, file: Path, *, embedder: Embedder | None = None) -> WriteResult:
    """Replace document ``doc_id`` by the text of ``file`` (it keeps its doc_id and its place in the index)."""
    started = time.perf_counter()
    file = Path(file)
    doc = _parse(file, doc_id)
    tokenizer = default_tokenizer()
    with WriteLock(index_dir):
        current = _read_current(index_dir, tokenizer)
        _unknown(current, [doc_id])
        position = current.position(doc_id)
        current.docs[position] = _new_doc(index_dir, file, doc, tokenizer, current.manifest)
        return _commit(index_dir, current, embedder, tokenizer, started, [_report(doc, file)], [doc_id])


def remove_documents(index_dir: Path, doc_ids: Sequence[str], *, embedder: Embedder | None = None) -> WriteResult:
    """Remove documents; an unknown doc_id (:class:`DocumentNotFound`, naming it) changes nothing."""
    started = time.perf_counter()
    doc_ids = list(dict.fromkeys(doc_ids))
    if not doc_ids:
        raise DocumentNotFound("没有指定要删除的文件 (no doc_id to remove)")
    tokenizer = default_tokenizer()
    with WriteLock(index_dir):
        current = _read_current(index_dir, tokenizer)
        _unknown(current, doc_ids)
        current.docs = [d for d in current.docs if d.doc_id not in doc_ids]
        return _commit(index_dir, current, embedder, tokenizer, started, [], doc_ids)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_date(repealed_on: str | None) -> None:
    """A repeal date is YYYY-MM-DD (None: the mark is cleared)."""
    if repealed_on is not None:
        try:
            if not _DATE.match(repealed_on):
                raise ValueError
            date.fromisoformat(repealed_on)
        except ValueError:
            raise UserError(f"日期格式应为 YYYY-MM-DD：{repealed_on} (the date must be YYYY-MM-DD, got {repealed_on!r})") from None


def set_document_status(index_dir: Path, doc_id: str, repealed_on: str | None, *,
                        embedder: Embedder | None = None) -> WriteResult:
    """Record that the user holds ``doc_id`` repealed (废止) from ``repealed_on`` (YYYY-MM-DD), or, with None, clear
    it: the field :data:`USER_REPEALED` of its documents.json entry in a new generation."""
    started = time.perf_counter()
    check_date(repealed_on)
    tokenizer = default_tokenizer()
    with WriteLock(index_dir):
        current = _read_current(index_dir, tokenizer)
        _unknown(current, [doc_id])
        doc = current.docs[current.position(doc_id)]
        doc.entry = {k: v for k, v in doc.entry.items() if k != USER_REPEALED}
        if repealed_on is not None:
            doc.entry[USER_REPEALED] = repealed_on
        return _commit(index_dir, current, embedder, tokenizer, started, [], [])
