"""Write index generations: from a corpus (a build), or from a changed set of documents (a living write, see
:mod:`policyqa.index.living`); embeddings of unchanged texts are reused, a killed write resumes from its checkpoint."""
from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
from tqdm import tqdm

from policyqa.corpus.models import Corpus, Document
from policyqa.corpus.supports import SUPPORTS_FILE, catalogue

from . import dense, lexical
from .checkpoint import CHECKPOINT_DIR, EmbeddingCheckpoint
from .embedders import DEFAULT_EMBEDDER, NO_EMBEDDER, Embedder, get_embedder
from .generations import WriteLock, current_folder, new_generation_folder, publish, remove_unused, step
from .passages import clause_text, dense_passages, lexical_text
from .store import (CLAUSE_VECTORS_FILE, FORMAT_VERSION, HASHES_FILE, TOKENS_FILE, IndexCorrupted, IndexError_,
                    check_index_target, read_manifest, verify_checksums, write_manifest)
from .tokenizer import PolicyTokenizer, default_tokenizer


@dataclass
class BuildReport:
    path: Path
    documents: int
    clauses: int
    passages: int
    texts: int      # distinct texts embedded in the index (windows and whole clauses)
    embedded: int   # of those, embedded by this build
    reused: int     # of those, taken from the previous index
    seconds: float
    generation: str = ""

    @property
    def clauses_per_second(self) -> float:
        return self.clauses / self.seconds if self.seconds else 0.0


def _package_version() -> str:
    try:
        return version("policyqa")
    except PackageNotFoundError:
        return "0+unknown"


def _text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _previous_vectors(folder: Path, embedder_name: str) -> dict[str, np.ndarray]:
    """Embeddings stored in the current generation of ``folder`` if the same embedder wrote it, by text hash."""
    folder = current_folder(folder)
    try:
        manifest = read_manifest(folder)
        verify_checksums(folder, manifest)
    except IndexError_:
        return {}
    return stored_vectors(folder, manifest, embedder_name)


def stored_vectors(folder: Path, manifest: dict, embedder_name: str) -> dict[str, np.ndarray]:
    """The embeddings a checked index folder stores, by text hash, if ``embedder_name`` made them."""
    if manifest["embedder"]["name"] != embedder_name:
        return {}
    hashes = json.loads((folder / HASHES_FILE).read_text(encoding="utf-8"))
    index = dense.load_faiss(folder / "dense.faiss")
    clause_vectors = np.load(folder / CLAUSE_VECTORS_FILE)
    if index.ntotal != len(hashes["passages"]) or len(clause_vectors) != len(hashes["clauses"]):
        return {}
    passage_vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, index.d), np.float32)
    return dict(zip(hashes["passages"], passage_vectors)) | dict(zip(hashes["clauses"], clause_vectors))


BATCH_TEXTS = 128  # texts embedded (and checkpointed) together


def embed_texts(texts: dict[str, str], wanted: list[str], embedder: Embedder, cached: dict[str, np.ndarray],
                checkpoint: EmbeddingCheckpoint | None = None,
                progress: bool = False) -> tuple[dict[str, np.ndarray], int]:
    """Vectors of the text hashes ``wanted``: from ``cached``, else embedded from ``texts`` (hash → text) once each
    and checkpointed every batch (when a build has a ``checkpoint``). Returns the vectors and how many texts were
    embedded.

    The progress bar counts characters: embedding time follows the text's length (the model reads every token),
    so the estimate holds from the first batch on, whichever clauses come first."""
    vectors: dict[str, np.ndarray] = {}
    todo: dict[str, str] = {}
    for h in wanted:
        if h in cached:
            vectors[h] = cached[h]
        elif h not in todo:
            if h not in texts:
                where = f" at {checkpoint.folder.parent}" if checkpoint is not None else ""
                raise IndexCorrupted(f"索引缺少已有文本的向量，请重建索引 (a stored text's embedding is missing from the "
                                     f"index{where}; rebuild it with `policyqa build`)")
            todo[h] = texts[h]
    pending = list(todo.items())
    with tqdm(total=sum(len(t) for _, t in pending), unit="字", unit_scale=True, desc="向量化 embedding",
              disable=not progress or not pending, smoothing=0.05) as bar:
        for start in range(0, len(pending), BATCH_TEXTS):
            batch = pending[start:start + BATCH_TEXTS]
            block = embedder.encode_passages([t for _, t in batch])
            if checkpoint is not None:
                checkpoint.add([h for h, _ in batch], block)
            vectors.update(zip((h for h, _ in batch), block))
            bar.set_postfix_str(f"{start + len(batch)}/{len(pending)} texts", refresh=False)
            bar.update(sum(len(t) for _, t in batch))
    return vectors, len(pending)


@dataclass
class DocumentRows:
    """One document as a generation stores it: its documents.json entry, clauses.jsonl lines, BM25 tokens,
    catalogue line (supports.jsonl), source, and dense passages (clause offset within the document, text hash)
    with the hash of each clause's whole text. ``texts`` holds the texts of those hashes when they may need
    embedding (a document just parsed); rows read back from a generation have their vectors stored instead."""

    entry: dict
    lines: list[str]
    tokens: list[str]  # each clause's BM25 tokens as a JSON array (tokens.jsonl lines)
    catalogue: str
    source: dict
    passages: list[tuple[int, str]] = field(default_factory=list)
    clause_hashes: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    means: dict[str, tuple[str, ...]] = field(default_factory=dict)  # a long clause's key → its windows' hashes

    @property
    def doc_id(self) -> str:
        return self.entry["doc_id"]


def document_rows(documents: list[Document], tokenizer: PolicyTokenizer, dense_too: bool,
                  sources: dict[str, dict] | None = None) -> list[DocumentRows]:
    """Rows of parsed documents: tokenized, catalogued, and with ``dense_too`` split into passages."""
    rows = []
    for doc, supports in zip(documents, catalogue(documents)):
        row = DocumentRows(
            entry=dict(doc.meta.to_dict(), clause_count=len(doc.clauses)),
            lines=[json.dumps(c.to_dict(), ensure_ascii=False) for c in doc.clauses],
            tokens=[json.dumps(tokenizer.tokenize(lexical_text(c)), ensure_ascii=False) for c in doc.clauses],
            catalogue=json.dumps(supports.to_dict(), ensure_ascii=False),
            # A document given as text, not read from a file (parse_text), has no path or checksum: null.
            source=(sources or {}).get(doc.doc_id) or {"path": doc.meta.path or None, "sha256": doc.meta.sha256 or None})
        if dense_too:
            for i, clause in enumerate(doc.clauses):
                windows = []
                for p in dense_passages(clause, i):
                    row.texts[h := _text_hash(p.text)] = p.text
                    row.passages.append((i, h))
                    windows.append(h)
                if len(windows) > 1:  # a long clause: its vector is its windows' mean, nothing more is embedded
                    row.means[h := MEAN_PREFIX + _text_hash("".join(windows))] = tuple(windows)
                else:
                    row.texts[h := _text_hash(clause_text(clause))] = clause_text(clause)
                row.clause_hashes.append(h)
        rows.append(row)
    return rows


MEAN_PREFIX = "mean:"  # a clause vector that is the mean of its windows' vectors, not an embedded text's


def text_hashes(rows: list[DocumentRows]) -> list[str]:
    """The hashes of the texts ``rows`` embed, in order: their windows, then their short clauses' whole texts."""
    return [h for row in rows for _, h in row.passages] + [h for row in rows for h in row.clause_hashes
                                                           if not h.startswith(MEAN_PREFIX)]


def add_clause_means(rows: list[DocumentRows], vectors: dict[str, np.ndarray],
                     stored: dict[str, np.ndarray] | None = None) -> None:
    """Put the vector of each long clause of ``rows`` into ``vectors`` (which hold its windows'): the one ``stored``
    (default: ``vectors`` themselves) has, as for a document read back from an index, else the normalised mean of
    its windows' vectors."""
    stored = vectors if stored is None else stored
    for row in rows:
        for key in row.clause_hashes:
            if key.startswith(MEAN_PREFIX) and key not in vectors:
                if key in stored:
                    vectors[key] = stored[key]
                else:
                    mean = np.mean([vectors[h] for h in row.means[key]], axis=0)
                    vectors[key] = (mean / np.linalg.norm(mean)).astype(np.float32)


def write_generation(index_dir: Path, rows: list[DocumentRows], embedder: Embedder | str, tokenizer: PolicyTokenizer,
                     dense_kind: str = "auto", progress: bool = False, started: float | None = None,
                     spec: str | None = None, previous: dict[str, np.ndarray] | None = None) -> BuildReport:
    """Write the documents ``rows`` as a new generation of ``index_dir`` and make it the current one (the caller
    holds the :class:`~policyqa.index.generations.WriteLock`). Texts whose vectors are in ``previous`` (default: the
    current generation's, if the same embedder made them) or in the folder's checkpoint are not embedded again;
    ``embedder`` ``"none"`` writes a lexical index. BM25 is built anew from the stored tokens. ``started``: when
    the write began (its report's seconds count from then); ``spec``: how the embedder was named (the manifest
    records it; default: its name)."""
    started = started or time.perf_counter()
    index_dir = Path(index_dir)
    lexical_only = embedder == NO_EMBEDDER
    spec = spec or (embedder if isinstance(embedder, str) else embedder.name)
    if not lexical_only and isinstance(embedder, str):
        embedder = get_embedder(embedder)
    passage_clause, passage_hashes, clause_hashes = [], [], []
    offset = 0
    for row in rows:
        passage_clause += [offset + i for i, _ in row.passages]
        passage_hashes += [h for _, h in row.passages]
        clause_hashes += row.clause_hashes
        offset += len(row.lines)
    by_hash: dict[str, np.ndarray] = {}
    embedded = distinct = 0
    if not lexical_only:
        checkpoint = EmbeddingCheckpoint(index_dir, embedder.name, embedder.dim)
        if previous is None:
            previous = _previous_vectors(index_dir, embedder.name)
        texts = {h: t for row in rows for h, t in row.texts.items()}
        cached = previous | checkpoint.load()
        by_hash, embedded = embed_texts(texts, text_hashes(rows), embedder, cached, checkpoint, progress)
        distinct = len(by_hash)
        add_clause_means(rows, by_hash, cached)
    step("embedded")
    kind = "none" if lexical_only else dense.choose_kind(dense_kind, len(passage_hashes))

    def stack(hashes: list[str]) -> np.ndarray:
        return np.array([by_hash[h] for h in hashes], dtype=np.float32).reshape(len(hashes), embedder.dim)

    name, tmp = new_generation_folder(index_dir)
    try:
        tokens = [t for row in rows for t in row.tokens]
        (tmp / "bm25").mkdir()
        lexical.save_bm25(lexical.build_bm25(json.loads(f"[{','.join(tokens)}]")), tmp / "bm25")  # one parse
        with (tmp / TOKENS_FILE).open("w", encoding="utf-8") as f:
            f.writelines(t + "\n" for t in tokens)
        if not lexical_only:
            dense.save_faiss(dense.build_faiss(stack(passage_hashes), kind), tmp / "dense.faiss")
            np.save(tmp / "passages.npy", np.array(passage_clause, dtype=np.int32))
            np.save(tmp / CLAUSE_VECTORS_FILE, stack(clause_hashes))
            (tmp / HASHES_FILE).write_text(json.dumps({"passages": passage_hashes, "clauses": clause_hashes}),
                                           encoding="utf-8")
        with (tmp / "clauses.jsonl").open("w", encoding="utf-8") as f:
            f.writelines(line + "\n" for row in rows for line in row.lines)
        (tmp / "documents.json").write_text(json.dumps([row.entry for row in rows], ensure_ascii=False, indent=1),
                                            encoding="utf-8")
        # the eligibility catalogue (corpus/supports.py), one document a line
        (tmp / SUPPORTS_FILE).write_text("".join(row.catalogue + "\n" for row in rows), encoding="utf-8")
        seconds = time.perf_counter() - started
        write_manifest(tmp, {
            "format_version": FORMAT_VERSION,
            "package_version": _package_version(),
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "build_seconds": round(seconds, 3),
            "generation": name,
            "embedder": ({"name": NO_EMBEDDER, "spec": NO_EMBEDDER, "dim": 0} if lexical_only
                         else {"name": embedder.name, "spec": spec, "dim": embedder.dim}),
            "dense_kind": kind,
            "tokenizer": {"name": "jieba-search+policy-dict", "dictionary_hash": tokenizer.dictionary_hash},
            "counts": {"documents": len(rows), "clauses": offset, "passages": len(passage_hashes),
                       "embedded_texts": distinct},
            "sources": {row.doc_id: row.source for row in rows},
        })
        step("written")
        publish(index_dir, name, tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(index_dir / CHECKPOINT_DIR, ignore_errors=True)  # its vectors are in the new generation
    remove_unused(index_dir)
    return BuildReport(index_dir, len(rows), offset, len(passage_hashes), distinct, embedded,
                       distinct - embedded, time.perf_counter() - started, name)


def build_index(corpus: Corpus, out_dir: Path, embedder: Embedder | str = DEFAULT_EMBEDDER,
                dense_kind: str = "auto", tokenizer: PolicyTokenizer | None = None,
                progress: bool = True, device: str = "auto") -> BuildReport:
    """Write an index of ``corpus`` to ``out_dir`` as a new generation (the previous one stays current until the
    new one is complete).

    ``embedder`` ``"none"`` makes a lexical index (BM25 only). ``dense_kind`` ``"auto"`` is exact search up to
    :data:`dense.HNSW_ABOVE` passages, HNSW above. A build that is killed while embedding resumes from the vectors
    it checkpointed (:mod:`policyqa.index.checkpoint`). A second write while one runs gets
    :class:`~policyqa.index.generations.WriterBusy`."""
    started = time.perf_counter()
    out_dir = Path(out_dir)
    check_index_target(out_dir)
    spec = embedder if isinstance(embedder, str) else embedder.name
    if embedder != NO_EMBEDDER and isinstance(embedder, str):
        embedder = get_embedder(embedder, device)
    tokenizer = tokenizer or default_tokenizer()
    with WriteLock(out_dir):
        rows = document_rows(corpus.documents, tokenizer, dense_too=embedder != NO_EMBEDDER)
        return write_generation(out_dir, rows, embedder, tokenizer, dense_kind, progress, started, spec)
