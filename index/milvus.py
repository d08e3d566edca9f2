"""The Milvus backend: an index held in Milvus (Milvus Lite file or server), searched like a local folder.

Per build, under one name prefix (``policyqa`` by default), collections named by aliases (``{name}_clauses`` …)
that a rebuild switches to its own collections once they are complete:

- ``{name}_clauses``: one row per clause — the clause record and its whole-clause vector;
- ``{name}_windows``: one row per embedded sentence window — its vector and its clause;
- ``{name}_meta``: the revision rows (each a manifest) and each document's metadata and eligibility catalogue entry;
- ``{build}_bm25_{revision}``: one row per clause — its BM25 terms and the BM25 sparse vector Milvus computes from
  them (a BM25 function); on Milvus Lite one collection per revision (see :mod:`.milvus_writes`), on a server one
  for the build, changed in place.

Windows are not rows of the BM25 collection because Milvus counts every row of a collection in BM25's document
count and average length: window rows would change every BM25 score.

BM25 sees the same terms as the local index: the text Milvus analyses is :class:`PolicyTokenizer`'s terms (jieba
search mode, the policy dictionary, synonyms, stopwords) joined by spaces, written so that a whitespace split
(Milvus' ``whitespace`` tokenizer; Milvus Lite's ``standard`` one, a ``\\w+`` split) gives them back one for one.
Milvus' own jieba analyzer takes a word list but no word frequencies and no synonyms, so it would segment
differently. With the same k1 and b as ``bm25s`` the scores are the local index's — on Milvus Lite while the BM25
collection is one segment (Lite's BM25 statistics are per segment: measured identical at 1,590 clauses, not at
152,942, which Lite stores in three; docs/scale.md).

Revisions: a living-corpus write (:mod:`.milvus_writes`) changes a build in place — it inserts the changed
documents' rows marked with the next revision number, writes that revision's BM25 collection, and switches by
inserting one revision row. A reader sees exactly one revision: rows of later revisions and rows the revision
retired are filtered out (:func:`visible`), and it reads BM25 from the collection the revision names.

A search asks Milvus for the BM25 and nearest-window candidates, then for the BM25 scores of the window-only
candidates and their whole-clause vectors, and fuses them exactly as :class:`~policyqa.index.Index` does, so the
hits carry the same signals and the assistant's ranker works unchanged.
"""
from __future__ import annotations

import atexit
import json
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Collection
from functools import cached_property
from pathlib import Path

import numpy as np

from policyqa.corpus.errors import UserError
from policyqa.corpus.models import Clause
from policyqa.corpus.supports import SUPPORTS_FILE
from policyqa.corpus.validity import Validity, clauses_by_document

from . import dense, lexical
from .backends import MilvusLocation
from .embedders import NO_EMBEDDER, Embedder, get_embedder
from .fusion import CANDIDATES, fused_hits, penalties
from .models import SEARCH_MODES, Hit
from .passages import lexical_text
from .retriever import QUERY_CHARS, Index, NoVectors, UnknownDocument, check_result_count
from .store import IndexIncompatible, IndexMissing
from .tokenizer import PolicyTokenizer, default_tokenizer

PARTS = ("clauses", "windows", "meta")
BM25_PARAMS = {"bm25_k1": lexical.K1, "bm25_b": lexical.B}
BM25_SCALE = 1 + BM25_PARAMS["bm25_k1"]
EMPTY_TERM = "\u2205"  # what bm25s indexes for a clause without terms (lexical.build_bm25)
MAX_VARCHAR = 65535
INSERT_ROWS = 500
READ_ROWS = 2000
READ_TRIES = 3
CLAIMS_BELOW = -(1 << 60)  # meta ids: documents > 0, revision rows -N, a writer's claim below this
_LOADED: set[str] = set()  # meta collections this process has loaded (their names are unique to a build)
_NOT_WORD = re.compile(r"[^\w]|_")


class MilvusUnavailable(UserError):
    """pymilvus is not installed, or the Milvus at the URI cannot be reached."""


def _client(location: MilvusLocation):
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise MilvusUnavailable("未安装 Milvus 客户端：pip install 'policyqa[milvus]' (the milvus extra is not "
                                "installed: pip install 'policyqa[milvus]')") from exc
    if location.is_lite:
        Path(location.uri).parent.mkdir(parents=True, exist_ok=True)
    try:
        return MilvusClient(location.uri)
    except Exception as exc:  # pymilvus raises its own exception types, and OSError for a bad file
        lite = "；Milvus Lite 文件同一时间只能由一个进程打开" if location.is_lite else ""
        why = "; a Milvus Lite file is open in one process at a time" if location.is_lite else ""
        raise MilvusUnavailable(f"无法连接 Milvus {location.uri}{lite} (cannot open Milvus at {location.uri}: "
                                f"{exc}{why})") from exc


def escape_term(term: str) -> str:
    """A term written as one ``\\w+`` word (what both whitespace and Milvus Lite's standard tokenizer keep whole):
    every other character, and ``_`` itself, as ``_hex_``."""
    return _NOT_WORD.sub(lambda m: f"_{ord(m.group()):x}_", term)


def bm25_text(terms: list[str]) -> str:
    return " ".join(escape_term(t) for t in terms)


def _analyzer(location: MilvusLocation) -> dict:
    # Milvus Lite has no whitespace tokenizer; its standard one splits on \w+, which escaped terms survive whole.
    return {"tokenizer": "standard"} if location.is_lite else {"tokenizer": "whitespace"}


def _names(location: MilvusLocation, build: str = "") -> dict[str, str]:
    """The aliases of ``location`` (no ``build``), or one build's collections."""
    return {part: f"{location.collection}{'_' + build if build else ''}_{part}" for part in PARTS}


def bm25_collection(location: MilvusLocation, build: str, revision: int) -> str:
    """The BM25 collection of one revision of a build."""
    return f"{location.collection}_{build}_bm25_{revision}"


def current_build(location: MilvusLocation, client=None) -> str:
    """The build the aliases point at (one small request). Raises :class:`IndexMissing` when there is none."""
    client = client or _client(location)
    alias = _names(location)["meta"]
    try:
        name = client.describe_alias(alias)["collection_name"]
    except Exception as exc:  # pymilvus' own error type
        raise IndexMissing(f"Milvus 中没有索引 {location.collection}，请先运行 policyqa build --backend milvus --uri "
                           f"{location.uri} (no index {location.collection!r} at {location.uri}; build one with "
                           f"`policyqa build --backend milvus --uri {location.uri}`)") from exc
    return name[len(location.collection) + 1:-len("_meta")]


def latest_revision(client, meta: str) -> int:
    """The newest revision of a build whose meta collection is ``meta`` (revision ``r`` is the row of id ``-r``;
    ids below :data:`CLAIMS_BELOW` are writers' claims), loading the collection if this process has not."""
    where = f"id <= 0 and id > {CLAIMS_BELOW}"
    if meta not in _LOADED:  # a Milvus Lite file just opened by this process has its collections released
        client.load_collection(meta)
        _LOADED.add(meta)
    try:
        rows = client.query(meta, filter=where, output_fields=["id"], consistency_level="Strong")
    except Exception:  # pymilvus' own error: released since (the file was closed and opened again)
        client.load_collection(meta)
        rows = client.query(meta, filter=where, output_fields=["id"], consistency_level="Strong")
    return -min(int(row["id"]) for row in rows)


def version_name(build: str, revision: int) -> str:
    return f"{build}/{revision}"


def current_version(location: MilvusLocation, client=None) -> str:
    """``build/revision`` of what the aliases name now (two small requests): what a serving process polls to
    notice a rebuild or a living-corpus write."""
    client = client or _client(location)
    build = current_build(location, client)
    return version_name(build, latest_revision(client, _names(location, build)["meta"]))


def visible(backend: dict, part: str) -> str:
    """The filter of the rows of ``part`` (clauses, windows, meta) that the revision ``backend`` describes holds:
    none of a later revision, none of the documents it retired (replaced or removed; for meta also the documents
    whose metadata it restated)."""
    revision, retired = backend["revision"], backend.get("retired", {})
    docs = retired.get("documents", []) + (retired.get("metadata", []) if part == "meta" else [])
    expr = f"rev <= {revision}"
    if docs:
        expr += f" and not (doc_id in {json.dumps(sorted(docs), ensure_ascii=False)} and rev < {revision})"
    return expr


# ---- writing ---------------------------------------------------------------------------------------------
def _schemas(location: MilvusLocation, dim: int) -> dict:
    from pymilvus import DataType, MilvusClient

    clauses = MilvusClient.create_schema(auto_id=False)
    clauses.add_field("id", DataType.INT64, is_primary=True)
    clauses.add_field("doc_id", DataType.VARCHAR, max_length=1024)
    clauses.add_field("rev", DataType.INT64)
    clauses.add_field("record", DataType.JSON)
    clauses.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    windows = MilvusClient.create_schema(auto_id=False)
    windows.add_field("id", DataType.INT64, is_primary=True)
    windows.add_field("clause", DataType.INT64)
    windows.add_field("doc_id", DataType.VARCHAR, max_length=1024)
    windows.add_field("rev", DataType.INT64)
    windows.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    meta = MilvusClient.create_schema(auto_id=False)
    meta.add_field("id", DataType.INT64, is_primary=True)
    meta.add_field("doc_id", DataType.VARCHAR, max_length=1024)
    meta.add_field("rev", DataType.INT64)
    meta.add_field("record", DataType.JSON)
    meta.add_field("vector", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field in every collection
    return {"clauses": clauses, "windows": windows, "meta": meta}


def bm25_schema(location: MilvusLocation):
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("doc_id", DataType.VARCHAR, max_length=1024)
    schema.add_field("rev", DataType.INT64)
    schema.add_field("terms", DataType.VARCHAR, max_length=MAX_VARCHAR, enable_analyzer=True,
                     analyzer_params=_analyzer(location))
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["terms"],
                                 output_field_names=["sparse"]))
    return schema


def _index_params(client, part: str, dense_kind: str):
    params = client.prepare_index_params()
    if part == "bm25":
        # Nested under "params": the form both Milvus and Milvus Lite read (Lite ignores flattened bm25_k1/b).
        params.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                         params={"params": BM25_PARAMS})
    elif part == "windows" and dense_kind == "hnsw":
        params.add_index(field_name="vector", index_type="HNSW", metric_type="IP",
                         params={"params": {"M": 32, "efConstruction": 80}})
    else:
        params.add_index(field_name="vector", index_type="FLAT", metric_type="IP")
    return params


def insert_rows(client, name: str, rows, progress: bool = False, label: str = "") -> None:
    """Insert ``rows`` (any iterable) a batch at a time, then flush."""
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == INSERT_ROWS:
            client.insert(name, batch)
            batch = []
    if batch:
        client.insert(name, batch)
    client.flush(name)
    if progress:
        print(f"  Milvus {label}: {client.get_collection_stats(name)['row_count']} rows", file=sys.stderr)


def finish_collection(client, name: str, part: str, dense_kind: str = "flat") -> None:
    """Index and load a collection whose rows are written."""
    client.create_index(name, _index_params(client, part, dense_kind))
    client.load_collection(name)


def write_bm25(client, location: MilvusLocation, name: str, rows, progress: bool = False) -> None:
    """A complete BM25 collection: ``rows`` (id, doc_id, terms) inserted, indexed, loaded."""
    client.create_collection(name, schema=bm25_schema(location))
    insert_rows(client, name, rows, progress, "BM25 terms")
    finish_collection(client, name, "bm25")


def clause_terms(clause_id: str, tokens: list[str]) -> str:
    """The BM25 text of a clause's terms, refused when Milvus cannot hold it."""
    terms = bm25_text(tokens or [EMPTY_TERM])
    if len(terms.encode("utf-8")) > MAX_VARCHAR:
        raise UserError(f"条款 {clause_id} 过长，Milvus 无法存放其检索词 (clause {clause_id} has more BM25 terms than a "
                        f"Milvus text field holds: {len(terms)} characters)")
    return terms


def meta_row(row_id: int, doc_id: str, revision: int, record: dict) -> dict:
    return {"id": row_id, "doc_id": doc_id, "rev": revision, "record": record, "vector": [0.0, 0.0]}


def upload_index(index: Index, location: MilvusLocation, tokenizer: PolicyTokenizer | None = None,
                 progress: bool = True, bm25_in_place: bool | None = None) -> dict:
    """Write a loaded local index into Milvus at ``location`` as a new build, revision 0 (nothing is embedded
    again), and point the aliases at it (:func:`_switch_aliases`). Returns the manifest stored.

    ``bm25_in_place``: how living-corpus writes change BM25 (:mod:`.milvus_writes`) — rows inserted into the one
    BM25 collection (a Milvus server, whose BM25 statistics span the collection: the default there), or the
    collection written anew each time (Milvus Lite, whose statistics are per segment: the default there)."""
    tokenizer = tokenizer or index.tokenizer or default_tokenizer()
    client = _client(location)
    lexical_only = not index.has_vectors
    dim = 2 if lexical_only else int(index.manifest["embedder"]["dim"])
    passages = 0 if lexical_only else int(index._faiss.ntotal)
    kind = index.manifest.get("dense_kind") or ("none" if lexical_only else dense.choose_kind("auto", passages))
    build = f"{time.strftime('%Y%m%d%H%M%S')}_{uuid.uuid4().hex[:6]}"
    names = _names(location, build)
    bm25 = bm25_collection(location, build, 0)
    manifest = dict(index.manifest, backend={
        "name": "milvus", "build": build, "dense_kind": kind, "dim": dim, "revision": 0, "retired": {},
        "bm25_collection": bm25, "bm25": "milvus BM25 function over PolicyTokenizer terms",
        "bm25_in_place": not location.is_lite if bm25_in_place is None else bm25_in_place,
        "analyzer": _analyzer(location), "folder_generation": getattr(index, "generation", None),
        "next": {"clauses": len(index.clauses), "windows": passages, "meta": len(index.documents) + 1,
                 "order": len(index.documents)}})
    supports = _catalogue(index)
    try:
        for part, schema in _schemas(location, dim).items():
            client.create_collection(names[part], schema=schema)
        zero = [0.0] * dim
        clause_vectors = None if lexical_only else index._clause_vectors
        insert_rows(client, names["clauses"], ({
            "id": i, "doc_id": c.doc_id, "rev": 0, "record": c.to_dict(),
            "vector": zero if clause_vectors is None else clause_vectors[i].tolist()}
            for i, c in enumerate(index.clauses)), progress, "clauses")
        write_bm25(client, location, bm25, ({"id": i, "doc_id": c.doc_id, "rev": 0, "terms": clause_terms(
            c.clause_id, tokenizer.tokenize(lexical_text(c)))} for i, c in enumerate(index.clauses)), progress)
        if not lexical_only:
            vectors = dense.stored_vectors(index._faiss)
            owners = index._passage_clause
            insert_rows(client, names["windows"], ({"id": p, "clause": int(owners[p]), "rev": 0,
                                                    "doc_id": index.clauses[int(owners[p])].doc_id,
                                                    "vector": vectors[p].tolist()} for p in range(passages)),
                        progress, "windows")
        windows = Counter() if lexical_only else Counter(index.clauses[int(c)].doc_id for c in index._passage_clause)
        rows = [meta_row(0, "", 0, manifest)]
        rows += [meta_row(i + 1, d["doc_id"], 0, {"document": d, "supports": supports.get(d["doc_id"]), "order": i,
                                                   "passages": windows[d["doc_id"]]})
                 for i, d in enumerate(index.documents)]
        insert_rows(client, names["meta"], rows, progress, "documents")
        for part, name in names.items():
            finish_collection(client, name, part, kind)
    except BaseException:
        for name in (*names.values(), bm25):
            if client.has_collection(name):
                client.drop_collection(name)
        raise
    _switch_aliases(client, location, build)
    return manifest


def _catalogue(index: Index) -> dict[str, dict]:
    """The eligibility catalogue of a local index folder, by document."""
    path = Path(index.path) / SUPPORTS_FILE
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as f:
        return {entry["doc_id"]: entry for entry in map(json.loads, filter(str.strip, f))}


def _switch_aliases(client, location: MilvusLocation, build: str) -> None:
    """Point the aliases at ``build``'s collections, meta last (it names the build readers poll), then drop the
    builds before the one replaced: a process still on the replaced build searches on until it reloads."""
    previous = None
    for part, name in _names(location, build).items():
        alias = _names(location)[part]
        if not client.has_collection(alias):
            client.create_alias(name, alias)
            continue
        try:
            target = client.describe_alias(alias)["collection_name"]
        except Exception as exc:  # pymilvus' own error: a collection of that name, not an alias
            raise UserError(f"Milvus 中已有名为 {alias} 的集合 (Milvus already has a collection named {alias}, not an "
                            f"alias of a policyqa build; choose another --collection)") from exc
        previous = target[len(location.collection) + 1:-len(part) - 1]
        client.alter_alias(name, alias)
    keep = {build, previous}
    pattern = re.compile(rf"{re.escape(location.collection)}_(\d{{14}}_[0-9a-f]{{6}})_(clauses|windows|meta|bm25_\d+)")
    for name in client.list_collections():
        if (found := pattern.fullmatch(name)) and found.group(1) not in keep:
            client.drop_collection(name)


def build_milvus_index(corpus, location: MilvusLocation, staging: Path | None = None, progress: bool = True,
                       **build_options):
    """Build an index of ``corpus`` into Milvus: embedded locally into the folder ``staging`` (reused and
    resumable like any index folder; a temporary folder when None), then uploaded. Returns the local
    :class:`BuildReport` and the manifest stored in Milvus."""
    from .builder import build_index
    from .retriever import load_index

    _client(location)  # fail before embedding when Milvus cannot be reached
    folder = staging or Path(tempfile.mkdtemp(prefix="policyqa-milvus-")) / "index"
    try:
        report = build_index(corpus, folder, progress=progress, **build_options)
        manifest = upload_index(load_index(folder), location, progress=progress)
    finally:
        if staging is None:
            shutil.rmtree(folder.parent, ignore_errors=True)
    return report, manifest


# ---- reading ---------------------------------------------------------------------------------------------
def read_rows(client, name: str, fields: list[str], end: int, expr: str = "", start: int = 0) -> list[dict]:
    """The rows of ids ``start`` to ``end`` (exclusive) that ``expr`` keeps, in id order, a page of ids at a time
    (ids may have gaps: rows retired by a living-corpus write)."""
    rows: list[dict] = []
    for low in range(start, end, READ_ROWS):
        where = f"id >= {low} and id < {min(low + READ_ROWS, end)}" + (f" and ({expr})" if expr else "")
        rows.extend(sorted(client.query(name, filter=where, output_fields=fields), key=lambda r: r["id"]))
    return rows


def read_revision(client, meta: str, revision: int | None = None) -> dict:
    """The manifest of ``revision`` (default: the newest) of the build whose meta collection is ``meta``."""
    revision = latest_revision(client, meta) if revision is None else revision
    [row] = client.query(meta, filter=f"id == {-revision}", output_fields=["record"])
    return row["record"]


class MilvusIndex:
    """An index in Milvus, with the public surface of :class:`~policyqa.index.Index` (search, clauses,
    documents, clause, document_frequency, term_rarity, manifest, has_vectors, superseded, embedder, tokenizer).

    Clause records and documents are read once when it is opened (the assistant reads them); BM25, the window
    search and the clause vectors stay in Milvus. It searches the build and revision the aliases named when it was
    opened (its ``version``), whose rows and BM25 collection a rebuild or living-corpus write keeps until the one
    after it: a process notices a change with :func:`current_version` and opens the new one.

    Clauses are in the local index's order (documents in their order, each document's clauses in its order); a
    clause's position there is not its Milvus id once documents have been replaced or removed (``_ids``)."""

    def __init__(self, location: MilvusLocation, client, manifest: dict, clauses: list[Clause], ids: list[int],
                 documents: list[dict], catalogue: list[dict], term_counts: Counter, embedder: Embedder | None,
                 tokenizer: PolicyTokenizer, device: str = "auto") -> None:
        self.location = location
        self.manifest = manifest
        self.clauses = clauses
        self.documents = documents
        self.catalogue = catalogue
        self._given_embedder = embedder
        self._device = device
        self.tokenizer = tokenizer
        self._client = client
        backend = manifest["backend"]
        # Not named ``generation``: a serving process compares that with the local folder's generation.
        self.build, self.revision = backend["build"], backend["revision"]
        self.version = version_name(self.build, self.revision)
        self._names = _names(location, self.build)
        self._bm25_name = backend["bm25_collection"]
        self._bm25_rows = visible(backend, "clauses") if backend.get("bm25_in_place") else ""
        self._window_rows = visible(backend, "windows")
        self._ids = np.array(ids, dtype=np.int64)  # position -> Milvus id
        self._position = {int(m): i for i, m in enumerate(ids)}
        self._term_counts = term_counts
        self._by_id = {c.clause_id: i for i, c in enumerate(clauses)}
        self._doc_ids = {d["doc_id"] for d in documents}
        self.validity = Validity(documents, clauses_by_document(clauses))

    @property
    def superseded(self) -> frozenset[str]:
        """Documents another version of whose law is in force today."""
        return self.validity.superseded()

    @property
    def has_vectors(self) -> bool:
        return self.manifest["embedder"]["name"] != NO_EMBEDDER

    @cached_property
    def embedder(self) -> Embedder | None:
        """The query embedder, loaded on first use (the eligibility check never needs it); None for a lexical
        index."""
        if not self.has_vectors:
            return None
        return _checked(self.manifest, self._given_embedder or get_embedder(self.manifest["embedder"]["spec"],
                                                                             self._device))

    @cached_property
    def path(self) -> Path:
        """A local folder holding the eligibility catalogue (``supports.jsonl``), written on first use: what the
        eligibility check reads of an index folder."""
        folder = Path(tempfile.mkdtemp(prefix="policyqa-milvus-catalogue-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        with (folder / SUPPORTS_FILE).open("w", encoding="utf-8") as f:
            for entry in self.catalogue:
                f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return folder

    def document_frequency(self, term: str) -> int:
        return self._term_counts.get(escape_term(term), 0)

    # The local index's own definitions: they read only clauses, _by_id, tokenizer and document_frequency.
    term_rarity = Index.term_rarity
    clause = Index.clause
    clause_terms = Index.clause_terms
    scopes = Index.scopes
    _stored_tokens = None  # the terms are in the collection; a candidate's are segmented again, as they were stored

    def _chosen(self, doc_ids: list[str] | None) -> str | None:
        """The filter of a search limited to some documents."""
        if not doc_ids:
            return None
        unknown = [d for d in doc_ids if d not in self._doc_ids]
        if unknown:
            raise UnknownDocument(f"未知文件编号：{'、'.join(unknown)} (unknown doc_ids: {', '.join(unknown)})")
        return f"doc_id in {json.dumps(sorted(set(doc_ids)), ensure_ascii=False)}"

    def _bm25(self, terms: str, limit: int, expr: str | None) -> dict[int, float]:
        """Clause → BM25 score of the best ``limit`` clauses, on bm25s' scale (Milvus multiplies each term's score
        by k1 + 1, bm25s, Lucene's variant, does not; Milvus Lite reports it negated) and in its float32, ties at
        the cut kept by the lower clause number (:func:`lexical.top_positive`): twice as many are asked for."""
        where = " and ".join(f"({e})" for e in (self._bm25_rows, expr) if e)
        result = self._client.search(self._bm25_name, data=[terms], anns_field="sparse", limit=limit * 2,
                                     filter=where, output_fields=["id"], search_params={"metric_type": "BM25"})
        scores = {self._position[int(hit["id"])]: float(np.float32(abs(hit["distance"]) / BM25_SCALE))
                  for hit in result[0]}
        return dict(sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit])

    def _windows(self, query: np.ndarray, expr: str | None, hidden: frozenset[str]) -> dict[int, float]:
        """The best window cosine of the clauses nearest to the query (as :func:`dense.best_per_clause`); with
        ``hidden`` documents, as :meth:`Index.search` does: twice as many windows read, theirs left out."""
        result = self._client.search(self._names["windows"], data=[query.tolist()], anns_field="vector",
                                     limit=CANDIDATES * 3 * (2 if hidden else 1),
                                     filter=f"({self._window_rows})" + (f" and {expr}" if expr else ""),
                                     output_fields=["clause"], search_params={"metric_type": "IP", "params": {"ef": 128}})
        best: dict[int, float] = {}
        for hit in result[0]:
            best.setdefault(self._position[int(hit["entity"]["clause"])], float(hit["distance"]))
        return {c: v for c, v in best.items() if self.clauses[c].doc_id not in hidden} if hidden else best

    def _clause_vectors(self, positions: np.ndarray) -> np.ndarray:
        ids = [int(i) for i in self._ids[positions]]
        by_id = {int(r["id"]): r["vector"] for r in self._client.get(self._names["clauses"], ids=ids,
                                                                     output_fields=["vector"])}
        return np.array([by_id[i] for i in ids], dtype=np.float32)

    def search(self, question: str, k: int = 10, mode: str = "hybrid", doc_ids: list[str] | None = None,
               as_of: str | None = None, places: Collection[str] | None = None) -> list[Hit]:
        """As :meth:`Index.search`: candidates from BM25 and the nearest windows, each scored by its BM25 score,
        best window cosine and whole-clause cosine, fused; texts not in force on ``as_of`` (today) and local rules
        outside ``places`` rank lower."""
        check_result_count(k)
        if mode not in SEARCH_MODES:
            raise UserError(f"未知检索方式 {mode} (unknown mode {mode!r}; expected one of {', '.join(SEARCH_MODES)})")
        if mode != "bm25" and not self.has_vectors:
            raise NoVectors(f"该索引没有向量（以 --embedder none 构建），只能用 bm25 检索 (the index at {self.location} has "
                            f"no vectors: it was built with --embedder none; search it with mode bm25, or rebuild it "
                            f"with an embedder for {mode})")
        expr = self._chosen(doc_ids)
        # Versions another version of their law replaces on as_of are left out (Index.search's "hidden").
        hidden = self.validity.hidden(as_of) if as_of and not doc_ids else frozenset()
        terms = bm25_text(self.tokenizer.tokenize(question))
        bm25: dict[int, float] = {}
        candidates: set[int] = set()
        if mode != "dense" and terms:
            bm25 = self._bm25(terms, CANDIDATES, expr or (f"doc_id not in {json.dumps(sorted(hidden), ensure_ascii=False)}"
                                                          if hidden else None))
            candidates.update(bm25)
        best: dict[int, float] = {}
        if mode != "bm25":
            query = self.embedder.encode_queries([question[:QUERY_CHARS]])[0]
            best = self._windows(query, expr, hidden)
            candidates.update(sorted(best, key=lambda c: -best[c])[:CANDIDATES])
        if not candidates:
            return []
        cands = np.array(sorted(candidates))
        signals = {}
        if mode != "dense":
            missing = [int(c) for c in cands if int(c) not in bm25]
            if missing and terms:  # window-only candidates: their own BM25 scores (zero without a query term)
                bm25.update(self._bm25(terms, len(missing), f"id in {[int(i) for i in self._ids[missing]]}"))
            signals["bm25"] = np.array([bm25.get(int(c), 0.0) for c in cands])
        if mode != "bm25":
            floor = min(best.values(), default=0.0)
            signals["window"] = np.array([best.get(int(c), floor) for c in cands])
            signals["clause"] = self._clause_vectors(cands) @ query
        outdated = None
        if not doc_ids:
            retired = self.validity.outdated(as_of) - (self.validity.hidden(as_of) if as_of else frozenset())
            outdated = np.array([self.clauses[c].doc_id in retired for c in cands], dtype=bool)
        outside = (np.array([self.scopes.is_outside(self.clauses[c], places) for c in cands], dtype=bool)
                   if places is not None else None)
        return fused_hits(cands, signals, penalties(outdated, outside), best, k, self.clauses.__getitem__, self.clause)


def load_milvus_index(location: MilvusLocation, embedder: Embedder | None = None,
                      tokenizer: PolicyTokenizer | None = None, device: str = "auto") -> MilvusIndex:
    """Open the index at ``location``; refuse one built with another dictionary or embedder, as
    :func:`~policyqa.index.load_index` does."""
    if location.is_lite and not Path(location.uri).exists():  # not created by looking
        raise IndexMissing(f"Milvus 中没有索引 {location.collection}，请先运行 policyqa build --backend milvus --uri "
                           f"{location.uri} (no index at {location.uri}; build one with "
                           f"`policyqa build --backend milvus --uri {location.uri}`)")
    client = _client(location)
    tokenizer = tokenizer or default_tokenizer()
    for _ in range(READ_TRIES):
        build = current_build(location, client)
        names = _names(location, build)  # the build's own collections: a rebuild does not change them under it
        manifest = read_revision(client, names["meta"])
        if manifest["tokenizer"]["dictionary_hash"] != tokenizer.dictionary_hash:
            raise IndexIncompatible("索引的分词词典与当前版本不同，请重建索引 (the index was built with another tokenizer "
                                    "dictionary; rebuild it with `policyqa build --backend milvus`)")
        if embedder is not None and manifest["embedder"]["name"] != NO_EMBEDDER:
            _checked(manifest, embedder)
        opened = _read_revision_rows(client, location, names, manifest)
        # A write keeps what this revision reads until the write after it: two writes meanwhile, read again.
        if latest_revision(client, names["meta"]) <= manifest["backend"]["revision"] + 1:
            return MilvusIndex(location, client, manifest, *opened, embedder, tokenizer, device)
    raise MilvusUnavailable(f"Milvus {location} 正在频繁写入，无法读取一致的版本 (the collection changed under "
                            f"{READ_TRIES} reads in a row; retry)")


def _read_revision_rows(client, location: MilvusLocation, names: dict[str, str], manifest: dict) -> tuple:
    """The clauses (in index order) and their Milvus ids, documents, catalogue and BM25 term counts of the
    revision ``manifest`` describes."""
    backend = manifest["backend"]
    for name in (*names.values(), backend["bm25_collection"]):
        client.load_collection(name)
    meta = read_rows(client, names["meta"], ["doc_id", "record"], backend["next"]["meta"], visible(backend, "meta"),
                     start=1)
    meta.sort(key=lambda r: r["record"]["order"])
    rows = read_rows(client, names["clauses"], ["doc_id", "record"], backend["next"]["clauses"],
                     visible(backend, "clauses"))
    by_document: dict[str, list[dict]] = {}
    for row in rows:
        by_document.setdefault(row["doc_id"], []).append(row)
    ordered = [row for m in meta for row in by_document.get(m["doc_id"], [])]
    terms = read_rows(client, backend["bm25_collection"], ["terms"], backend["next"]["clauses"],
                      visible(backend, "clauses") if backend.get("bm25_in_place") else "")
    term_counts = Counter(t for r in terms for t in set(r["terms"].split()))
    documents = [m["record"]["document"] for m in meta]
    catalogue = [m["record"]["supports"] for m in meta if m["record"].get("supports") is not None]
    return ([Clause.from_dict(r["record"]) for r in ordered], [int(r["id"]) for r in ordered], documents, catalogue,
            term_counts)


def _checked(manifest: dict, embedder: Embedder) -> Embedder:
    """``embedder`` if it is the one the index was built with."""
    if embedder.name != manifest["embedder"]["name"] or embedder.dim != manifest["embedder"]["dim"]:
        raise IndexIncompatible(
            f"索引由向量模型 {manifest['embedder']['name']} 构建，与当前模型 {embedder.name} 不符 "
            f"(index was built with embedder {manifest['embedder']['name']}, not {embedder.name}; rebuild it)")
    return embedder
