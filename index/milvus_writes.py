"""Living-corpus writes to a Milvus index: only the changed documents' rows, switched in by one revision row.

``policyqa add/replace/remove/repeal --uri URI`` and the API's document routes on a server over Milvus call these
instead of :mod:`.living`. A write makes revision R of the build the aliases name (the newest being R-1):

1. rows that revision R-1 retired are deleted (only a reader two revisions behind still read them), with rows a
   failed write left behind and revision rows and BM25 collections older than R-1;
2. the added or replacing documents' clause, window and metadata rows (and a repealed document's new metadata
   row) are inserted marked ``rev`` R: a reader of R-1 filters them out (:func:`~.milvus.visible`);
3. BM25: on a Milvus server the new clauses' terms are inserted into the build's BM25 collection like the other
   rows (its BM25 statistics span every segment of the collection); on Milvus Lite, which keeps them per segment
   (rows inserted into the old collection would be scored against their own few rows: docs/scale.md), revision R's
   BM25 collection is written whole — the terms of the clauses kept, read from R-1's, and of the new ones — when
   documents were added or removed (``bm25_in_place`` in the manifest: :func:`~.milvus.upload_index`);
4. one revision row (id -R, the new manifest) is inserted: from then on a reader that opens the index reads R.

Nothing is embedded twice: with ``folder`` (``--index DIR``) the write is made to that local index first and its
vectors are taken from it, else only the new documents' texts are embedded. A write that fails before step 4
deletes what it inserted. One writer at a time: in one process a lock; across processes (several API replicas) a
claim row for revision R is inserted first and the write goes on only if no other live claim for R is there (both
back off when two claim at once: :class:`~.generations.WriterBusy`, 409), and the revision is checked again just
before the switch.
"""
from __future__ import annotations

import json
import random
import re
import threading
from contextlib import contextmanager
from functools import partial
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import numpy as np

from policyqa.corpus.errors import UserError

from . import living
from .backends import MilvusLocation
from .builder import DocumentRows, add_clause_means, document_rows, embed_texts, text_hashes
from .embedders import NO_EMBEDDER, Embedder
from .generations import WriterBusy, current_generation
from .milvus import (CLAIMS_BELOW, MilvusUnavailable, _client, _names, bm25_collection, clause_terms, current_build,
                     insert_rows, latest_revision, meta_row, read_revision, read_rows, version_name, visible,
                     write_bm25)
from .store import sha256_file
from .tokenizer import PolicyTokenizer, default_tokenizer

CLAIM_TTL_S = 900.0  # a claim older than this is a writer that died: ignored, and cleared by the next write
_LOCKS: dict[tuple[str, str], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock(location: MilvusLocation) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault((location.uri, location.collection), threading.Lock())


@dataclass
class _Change:
    """What one write does: documents inserted (a doc_id already there is replaced and keeps its place), documents
    removed, documents whose metadata alone changes (a repeal date)."""

    inserted: list[DocumentRows] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    restated: list[DocumentRows] = field(default_factory=list)
    reports: list = field(default_factory=list)
    vectors: dict[str, np.ndarray] = field(default_factory=dict)  # by text hash, where a folder has them


class _Revision:
    """The newest revision of the build the aliases name, with its live document rows."""

    def __init__(self, location: MilvusLocation) -> None:
        self.location = location
        self.client = _client(location)
        self.build = current_build(location, self.client)
        self.names = _names(location, self.build)
        for name in self.names.values():
            self.client.load_collection(name)
        self.manifest = read_revision(self.client, self.names["meta"])
        self.backend = self.manifest["backend"]
        self.number = self.backend["revision"]
        rows = read_rows(self.client, self.names["meta"], ["doc_id", "record"], self.backend["next"]["meta"],
                         visible(self.backend, "meta"), start=1)
        self.documents = {row["doc_id"]: row for row in rows}

    def unknown(self, doc_ids: Sequence[str]) -> None:
        if missing := [d for d in doc_ids if d not in self.documents]:
            raise living.DocumentNotFound(f"索引中没有这些文件：{'、'.join(missing)} (not in the index: "
                                          f"{', '.join(missing)})")

    def absent(self, doc_ids: Sequence[str]) -> None:
        if there := [d for d in doc_ids if d in self.documents]:
            raise living.DocumentExists(f"索引中已有该文件：{'、'.join(there)}，如需更新请用替换 (already in the index: "
                                        f"{', '.join(there)}; use replace to update it)")

    def mirrors(self, folder: Path | None) -> None:
        """With ``folder``: refuse unless the collection holds that folder's current generation (the two would
        diverge: the folder would get the write, the collection a write made to other documents)."""
        if folder is None:
            return
        generation = current_generation(folder)
        if self.backend.get("folder_generation") != generation:
            raise UserError(f"Milvus 索引 {self.location} 不是文件夹 {folder} 当前版本 {generation} 的副本，请先运行 "
                            f"policyqa publish --index {folder} --uri {self.location.uri} (the collection does not "
                            f"hold generation {generation} of {folder}; publish the folder first, or write to the "
                            f"collection alone, without --index)")


# ---- the documents of a change ---------------------------------------------------------------------------
def _parsed(files: Sequence[Path], tokenizer: PolicyTokenizer, dense_too: bool,
            doc_id: str | None = None) -> tuple[list[DocumentRows], list]:
    """Rows of files added to the collection alone (no folder keeps a copy: ``path`` is the file's name)."""
    docs = [living._parse(Path(f), doc_id) for f in files]
    for file, doc in zip(files, docs):
        doc.meta.path = Path(file).name
    sources = {d.doc_id: {"path": Path(f).name, "sha256": d.meta.sha256 or sha256_file(Path(f))}
               for f, d in zip(files, docs)}
    return document_rows(docs, tokenizer, dense_too, sources), [living._report(d, Path(f)) for d, f in zip(docs, files)]


def _from_folder(folder: Path, doc_ids: Sequence[str], tokenizer: PolicyTokenizer) -> tuple[list[DocumentRows], dict]:
    """The rows of ``doc_ids`` as the folder's current generation stores them, and its vectors."""
    current = living._read_current(folder, tokenizer)
    rows = {d.doc_id: d for d in current.docs}
    return [rows[d] for d in doc_ids], current.vectors


def _embedded(change: _Change, manifest: dict, embedder: Embedder | None) -> tuple[int, int]:
    """Vectors for every window and clause text of the inserted documents, in ``change.vectors``: those a folder
    holds taken, the others embedded once. Returns how many were embedded and reused."""
    if manifest["embedder"]["name"] == NO_EMBEDDER:
        return 0, 0
    wanted = list(dict.fromkeys(text_hashes(change.inserted)))
    embedded = 0
    if not all(h in change.vectors for h in wanted):
        texts = {h: t for row in change.inserted for h, t in row.texts.items()}
        vectors, embedded = embed_texts(texts, wanted, living._writer_embedder(manifest, embedder), change.vectors)
        change.vectors.update(vectors)
    add_clause_means(change.inserted, change.vectors)
    return embedded, len(wanted) - embedded


# ---- one write -------------------------------------------------------------------------------------------
def _row_collections(state: _Revision) -> dict[str, str]:
    """The collections a write changes row by row (with the BM25 one where it is changed in place)."""
    bm25 = {"bm25": state.backend["bm25_collection"]} if state.backend.get("bm25_in_place") else {}
    return {**state.names, **bm25}


def _clear_behind(state: _Revision) -> None:
    """Step 1: what no reader of the newest revision or the one before needs any more."""
    client, names, backend, number = state.client, state.names, state.backend, state.number
    retired = backend.get("retired", {})
    for part, name in _row_collections(state).items():
        client.delete(name, filter=f"rev > {number} and id > {CLAIMS_BELOW}")  # a failed write's rows
        docs = retired.get("documents", []) + (retired.get("metadata", []) if part == "meta" else [])
        if docs:
            client.delete(name, filter=f"doc_id in {json.dumps(sorted(docs), ensure_ascii=False)} and "
                                       f"rev < {number}")
    client.delete(names["meta"], filter=f"id <= 0 and id > {-number} and id > {CLAIMS_BELOW}")
    client.delete(names["meta"], filter=f"id < {CLAIMS_BELOW} and rev <= {number}")  # claims of writes done or dead
    keep = {backend["bm25_collection"]}
    pattern = re.compile(rf"{re.escape(bm25_collection(state.location, state.build, 0))[:-1]}\d+")
    for name in client.list_collections():
        if pattern.fullmatch(name) and name not in keep:
            client.drop_collection(name)


def _write(location: MilvusLocation, state: _Revision, change: _Change, started: float,
           embedder: Embedder | None, folder_generation: str | None) -> living.WriteResult:
    client, names, backend = state.client, state.names, state.backend
    number = state.number + 1
    replaced = [row.doc_id for row in change.inserted if row.doc_id in state.documents]
    retired_docs = sorted(set(change.removed) | set(replaced))
    live = {d: row for d, row in state.documents.items() if d not in retired_docs}
    if not live and not change.inserted:
        raise UserError("不能删除索引中的全部文件，请改用 policyqa build 重建 (a write cannot leave the index without "
                        "documents; rebuild it with `policyqa build` instead)")
    embedded, reused = _embedded(change, state.manifest, embedder)
    _clear_behind(state)
    next_ids = dict(backend["next"])
    dim = backend.get("dim", 2)
    zero = [0.0] * dim
    clause_rows, window_rows, meta_rows, term_rows = [], [], [], []
    for row in change.inserted:
        order = state.documents[row.doc_id]["record"]["order"] if row.doc_id in state.documents else next_ids["order"]
        next_ids["order"] += row.doc_id not in state.documents
        first = next_ids["clauses"]
        for i, (line, tokens) in enumerate(zip(row.lines, row.tokens)):
            record = json.loads(line)
            clause_rows.append({"id": first + i, "doc_id": row.doc_id, "rev": number, "record": record,
                                "vector": change.vectors[row.clause_hashes[i]].tolist() if row.clause_hashes else zero})
            term_rows.append({"id": first + i, "doc_id": row.doc_id, "rev": number,
                              "terms": clause_terms(record["clause_id"], json.loads(tokens))})
        for i, h in row.passages:
            window_rows.append({"id": next_ids["windows"], "clause": first + i, "doc_id": row.doc_id, "rev": number,
                                "vector": change.vectors[h].tolist()})
            next_ids["windows"] += 1
        next_ids["clauses"] += len(row.lines)
        meta_rows.append(meta_row(next_ids["meta"], row.doc_id, number, {
            "document": row.entry, "supports": json.loads(row.catalogue), "order": order,
            "passages": len(row.passages)}))
        next_ids["meta"] += 1
    for row in change.restated:
        meta_rows.append(meta_row(next_ids["meta"], row.doc_id, number, dict(state.documents[row.doc_id]["record"],
                                                                             document=row.entry)))
        next_ids["meta"] += 1
    bm25 = backend["bm25_collection"]
    try:
        insert_rows(client, names["clauses"], clause_rows)
        insert_rows(client, names["windows"], window_rows)
        insert_rows(client, names["meta"], meta_rows)
        if backend.get("bm25_in_place"):
            insert_rows(client, bm25, term_rows)
        elif change.inserted or change.removed:
            client.load_collection(bm25)
            kept = read_rows(client, bm25, ["doc_id", "rev", "terms"], backend["next"]["clauses"],
                             visible(dict(backend, revision=number, retired={"documents": retired_docs}), "clauses"))
            bm25 = bm25_collection(location, state.build, number)
            write_bm25(client, location, bm25, [*kept, *term_rows])
        manifest = _manifest(state, change, number, retired_docs, bm25, next_ids, folder_generation)
        if latest_revision(client, names["meta"]) != state.number:
            raise WriterBusy(f"另一个写入已修改 Milvus 索引 {location}，请重试 (another write changed {location} "
                             f"meanwhile; retry)")
        insert_rows(client, names["meta"], [meta_row(-number, "", number, manifest)])  # the switch
    except BaseException:
        for name in _row_collections(state).values():
            client.delete(name, filter=f"rev == {number} and id > {CLAIMS_BELOW}")
        if bm25 != backend["bm25_collection"] and client.has_collection(bm25):
            client.drop_collection(bm25)
        raise
    counts = manifest["counts"]
    return living.WriteResult(version_name(state.build, number), change.reports, sorted(set(change.removed) |
                              set(replaced)), embedded, reused, time.perf_counter() - started, counts["documents"],
                              counts["clauses"])


def _manifest(state: _Revision, change: _Change, number: int, retired_docs: list[str], bm25: str, next_ids: dict,
              folder_generation: str | None) -> dict:
    """Revision ``number``'s manifest: the previous one with its counts, sources and revision moved on."""
    manifest = json.loads(json.dumps(state.manifest))
    gone = [state.documents[d]["record"] for d in retired_docs]
    counts = manifest["counts"]
    counts["documents"] += len(change.inserted) - len(retired_docs)
    counts["clauses"] += (sum(len(r.lines) for r in change.inserted)
                          - sum(g["document"].get("clause_count", 0) for g in gone))
    if "passages" in counts:
        counts["passages"] += sum(len(r.passages) for r in change.inserted) - sum(g.get("passages", 0) for g in gone)
    sources = manifest.setdefault("sources", {})
    for doc_id in retired_docs:
        sources.pop(doc_id, None)
    sources.update({row.doc_id: row.source for row in change.inserted})
    manifest["changed_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    manifest["backend"].update(revision=number, bm25_collection=bm25, next=next_ids,
                               folder_generation=folder_generation,
                               retired={"documents": retired_docs, "metadata": [r.doc_id for r in change.restated]})
    return manifest


@contextmanager
def _milvus_errors(location: MilvusLocation):
    """Milvus' own errors (a server gone, a request refused) as :class:`~.milvus.MilvusUnavailable`: the write to
    the collection was undone, and the caller is told so instead of getting a bare exception (an HTTP 500)."""
    try:
        yield
    except Exception as exc:
        if not type(exc).__module__.startswith(("pymilvus", "grpc", "milvus_lite")):
            raise
        raise MilvusUnavailable(f"写入 Milvus {location} 失败，集合未作更改：{exc} (writing to {location} failed; the "
                                f"collection was not changed)") from exc


def _claim(state: _Revision) -> int:
    """Claim the next revision for this writer (a meta row below :data:`CLAIMS_BELOW`); refuse, removing the claim,
    when another live claim for it is there or it has been made meanwhile. Returns the claim's id."""
    client, meta, number = state.client, state.names["meta"], state.number + 1
    claim = CLAIMS_BELOW - 1 - random.getrandbits(48)
    insert_rows(client, meta, [meta_row(claim, "", number, {"claimed_at": time.time()})])
    others = [row for row in client.query(meta, filter=f"id < {CLAIMS_BELOW} and rev >= {number}",
                                          output_fields=["record"], consistency_level="Strong")
              if row["id"] != claim and row["record"]["claimed_at"] > time.time() - CLAIM_TTL_S]
    if others or latest_revision(client, meta) != state.number:
        client.delete(meta, ids=[claim])
        raise WriterBusy(f"另一个写入正在修改 Milvus 索引 {state.location}，请稍后重试 (another write to {state.location} "
                         f"is in progress; retry)")
    return claim


def _run(location: MilvusLocation, folder: Path | None, embedder: Embedder | None, check, local_write,
         milvus_change) -> living.WriteResult:
    """One write under the lock: ``check(state)`` refuses before anything is written; with ``folder``,
    ``local_write(folder)`` writes there first and the change is read back from it (``milvus_change(state,
    rows_from_folder)``), else ``milvus_change(state, None)`` parses and embeds here."""
    started = time.perf_counter()
    with _lock(location), _milvus_errors(location):
        state = _Revision(location)
        state.mirrors(folder)
        check(state)
        claim = _claim(state)
        try:
            if folder is None:
                return _write(location, state, milvus_change(state, None), started, embedder, None)
            local = local_write(folder)
            change = milvus_change(state, lambda ids: _from_folder(folder, ids, default_tokenizer()))
            change.reports = local.reports
            result = _write(location, state, change, started, embedder, local.generation)
            result.embedded, result.reused = local.embedded, local.reused  # the folder's write embedded them
            return result
        finally:
            state.client.delete(state.names["meta"], ids=[claim])


def _dense(state: _Revision) -> bool:
    return state.manifest["embedder"]["name"] != NO_EMBEDDER


def add_documents(location: MilvusLocation, files: Sequence[Path], *, embedder: Embedder | None = None,
                  folder: Path | None = None) -> living.WriteResult:
    """Add ``files`` (doc_id: each file name without its suffix) to the collection, as :func:`.living.add_documents`
    does to a folder (the same refusals, nothing written)."""
    files = [Path(f) for f in files]
    if not files:
        raise living.FileRefused("没有要添加的文件 (no file to add)")
    tokenizer = default_tokenizer()
    ids = [Path(f).stem for f in files]
    if twice := sorted({i for i in ids if ids.count(i) > 1}):
        raise living.DocumentExists(f"文件编号重复：{'、'.join(twice)}（文件名去掉后缀即编号）(two files give the same "
                                    f"doc_id: {', '.join(twice)})")
    parsed: list = []

    def check(state: _Revision) -> None:
        parsed.append(_parsed(files, tokenizer, _dense(state)))  # an unreadable file is refused before any write
        state.absent([row.doc_id for row in parsed[0][0]])

    def change(state: _Revision, from_folder) -> _Change:
        rows, reports = parsed[0]
        if from_folder is None:
            return _Change(inserted=rows, reports=reports)
        rows, vectors = from_folder([row.doc_id for row in rows])
        return _Change(inserted=rows, vectors=vectors)

    return _run(location, folder, embedder, check, lambda f: living.add_documents(f, files, embedder=embedder),
                change)


def replace_document(location: MilvusLocation, doc_id: str, file: Path, *, embedder: Embedder | None = None,
                     folder: Path | None = None) -> living.WriteResult:
    """Replace document ``doc_id`` by the text of ``file``; it keeps its doc_id and its place."""
    tokenizer = default_tokenizer()
    parsed: list = []

    def check(state: _Revision) -> None:
        parsed.append(_parsed([Path(file)], tokenizer, _dense(state), doc_id))
        state.unknown([doc_id])

    def change(state: _Revision, from_folder) -> _Change:
        rows, reports = parsed[0]
        if from_folder is None:
            return _Change(inserted=rows, reports=reports)
        rows, vectors = from_folder([doc_id])
        return _Change(inserted=rows, vectors=vectors)

    return _run(location, folder, embedder, check,
                lambda f: living.replace_document(f, doc_id, Path(file), embedder=embedder), change)


def remove_documents(location: MilvusLocation, doc_ids: Sequence[str], *, embedder: Embedder | None = None,
                     folder: Path | None = None) -> living.WriteResult:
    """Remove documents; an unknown doc_id (:class:`~.living.DocumentNotFound`) changes nothing."""
    doc_ids = list(dict.fromkeys(doc_ids))
    if not doc_ids:
        raise living.DocumentNotFound("没有指定要删除的文件 (no doc_id to remove)")
    return _run(location, folder, embedder, lambda state: state.unknown(doc_ids),
                lambda f: living.remove_documents(f, doc_ids, embedder=embedder),
                lambda state, from_folder: _Change(removed=doc_ids))


def set_document_status(location: MilvusLocation, doc_id: str, repealed_on: str | None, *,
                        embedder: Embedder | None = None, folder: Path | None = None) -> living.WriteResult:
    """Record (or, with None, clear) the date from which the user holds ``doc_id`` repealed: a new metadata row
    for it; its clauses, vectors and BM25 rows stay as they are."""
    living.check_date(repealed_on)

    def change(state: _Revision, from_folder) -> _Change:
        record = state.documents[doc_id]["record"]
        if from_folder is not None:
            entry = from_folder([doc_id])[0][0].entry
        else:
            entry = {k: v for k, v in record["document"].items() if k != living.USER_REPEALED}
            if repealed_on is not None:
                entry[living.USER_REPEALED] = repealed_on
        return _Change(restated=[DocumentRows(entry=entry, lines=[], tokens=[], catalogue="", source={})])

    return _run(location, folder, embedder, lambda state: state.unknown([doc_id]),
                lambda f: living.set_document_status(f, doc_id, repealed_on, embedder=embedder), change)


WRITES = {living.add_documents: add_documents, living.replace_document: replace_document,
          living.remove_documents: remove_documents, living.set_document_status: set_document_status}


def route(holder, call, target):
    """The write to make for the API or the page, and where: a server over a Milvus collection (its loaded index
    is one, or, while it loads, ``$POLICYQA_MILVUS_URI`` names one) writes to it — with the query model it has
    loaded — instead of to the folder ``target``."""
    from .backends import from_environment
    from .milvus import MilvusIndex

    if call not in WRITES:
        return call, target
    index = getattr(getattr(holder, "assistant", None), "index", None)
    if isinstance(index, MilvusIndex):
        return partial(WRITES[call], embedder=index.embedder if index.has_vectors else None), index.location
    if index is None and getattr(holder, "index_dir", None) is None and (location := from_environment()):
        return WRITES[call], location
    return call, target
