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

from policyqa.corpus.models import Clause, Corpus, Document
from policyqa.corpus.supports import SUPPORTS_FILE, catalogue

from . import dense, lexical
from .checkpoint import CHECKPOINT_DIR, EmbeddingCheckpoint
from .embedders import DEFAULT_EMBEDDER, NO_EMBEDDER, Embedder, get_embedder
from .generations import WriteLock, current_folder, new_generation_folder, publish, remove_unused, step
from .passages import clause_text, dense_passages, lexical_text
from .store import (CLAUSE_VECTORS_FILE, FORMAT_VERSION, HASHES_FILE, TOKENS_FILE, IndexError_, check_index_target,
                    read_manifest, verify_checksums, write_manifest)
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


def _embed(texts: list[str], hashes: list[str], embedder: Embedder, cached: dict[str, np.ndarray],
           checkpoint: EmbeddingCheckpoint, progress: bool) -> tuple[dict[str, np.ndarray], int]:
    """Vectors of ``texts`` by their ``hashes``, embedding each distinct text not in ``cached`` once and
    checkpointing every batch. Returns the vectors and how many texts were embedded.

    The progress bar counts characters: embedding time follows the text's length (the model reads every token),
    so the estimate holds from the first batch on, whichever clauses come first."""
    vectors: dict[str, np.ndarray] = {}
    todo: dict[str, str] = {}
    for text, h in zip(texts, hashes):
        if h in cached:
            vectors[h] = cached[h]
        elif h not in todo:
            todo[h] = text
    pending = list(todo.items())
    with tqdm(total=sum(len(t) for _, t in pending), unit="字", unit_scale=True, desc="向量化 embedding",
              disable=not progress or not pending, smoothing=0.05) as bar:
        for start in range(0, len(pending), BATCH_TEXTS):
            batch = pending[start:start + BATCH_TEXTS]
            block = embedder.encode_passages([t for _, t in batch])
            checkpoint.add([h for h, _ in batch], block)
            vectors.update(zip((h for h, _ in batch), block))
            bar.set_postfix_str(f"{start + len(batch)}/{len(pending)} texts", refresh=False)
            bar.update(sum(len(t) for _, t in batch))
    return vectors, len(pending)


@dataclass
class Contents:
    """What a generation holds, in index order: clauses with their BM25 tokens, one documents.json entry and one
    catalogue line (supports.jsonl) per document, and where each document came from."""

    clauses: list[Clause] = field(default_factory=list)
    tokens: list[list[str]] = field(default_factory=list)
    documents: list[dict] = field(default_factory=list)
    catalogue: list[str] = field(default_factory=list)
    sources: dict[str, dict] = field(default_factory=dict)

    def extend(self, documents: list[Document], tokenizer: PolicyTokenizer, sources: dict[str, dict] | None = None) -> None:
        """Add parsed documents (tokenized and catalogued here)."""
        for doc, entry in zip(documents, catalogue(documents)):
            self.clauses += doc.clauses
            self.tokens += [tokenizer.tokenize(lexical_text(c)) for c in doc.clauses]
            self.documents.append(document_entry(doc))
            self.catalogue.append(json.dumps(entry.to_dict(), ensure_ascii=False))
            self.sources[doc.doc_id] = (sources or {}).get(doc.doc_id) or {"path": doc.meta.path or None,
                                                                              "sha256": doc.meta.sha256 or None}


def document_entry(doc: Document) -> dict:
    """A document's entry in documents.json."""
    return dict(doc.meta.to_dict(), clause_count=len(doc.clauses))


def write_generation(index_dir: Path, contents: Contents, embedder: Embedder | str, tokenizer: PolicyTokenizer,
                     dense_kind: str = "auto", progress: bool = False, started: float | None = None,
                     spec: str | None = None) -> BuildReport:
    """Write ``contents`` as a new generation of ``index_dir`` and make it the current one (the caller holds the
    :class:`~policyqa.index.generations.WriteLock`). Texts already embedded in the current generation or in the
    folder's checkpoint are not embedded again; ``embedder`` ``"none"`` writes a lexical index. ``started``: when
    the write began (its report's seconds count from then); ``spec``: how the embedder was named (the manifest
    records it; default: its name)."""
    started = started or time.perf_counter()
    index_dir = Path(index_dir)
    lexical_only = embedder == NO_EMBEDDER
    spec = spec or (embedder if isinstance(embedder, str) else embedder.name)
    if not lexical_only and isinstance(embedder, str):
        embedder = get_embedder(embedder)
    clauses = contents.clauses
    passages = [] if lexical_only else [p for i, c in enumerate(clauses) for p in dense_passages(c, i)]
    passage_hashes = [_text_hash(p.text) for p in passages]
    clause_hashes = [] if lexical_only else [_text_hash(clause_text(c)) for c in clauses]
    by_hash: dict[str, np.ndarray] = {}
    embedded = 0
    if not lexical_only:
        checkpoint = EmbeddingCheckpoint(index_dir, embedder.name, embedder.dim)
        cached = _previous_vectors(index_dir, embedder.name) | checkpoint.load()
        texts = [p.text for p in passages] + [clause_text(c) for c in clauses]
        by_hash, embedded = _embed(texts, passage_hashes + clause_hashes, embedder, cached, checkpoint, progress)
    step("embedded")
    kind = "none" if lexical_only else dense.choose_kind(dense_kind, len(passages))

    def stack(hashes: list[str]) -> np.ndarray:
        return np.array([by_hash[h] for h in hashes], dtype=np.float32).reshape(len(hashes), embedder.dim)

    name, tmp = new_generation_folder(index_dir)
    try:
        (tmp / "bm25").mkdir()
        lexical.save_bm25(lexical.build_bm25(contents.tokens), tmp / "bm25")
        with (tmp / TOKENS_FILE).open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(t, ensure_ascii=False) + "\n" for t in contents.tokens)
        if not lexical_only:
            dense.save_faiss(dense.build_faiss(stack(passage_hashes), kind), tmp / "dense.faiss")
            np.save(tmp / "passages.npy", np.array([p.clause_index for p in passages], dtype=np.int32))
            np.save(tmp / CLAUSE_VECTORS_FILE, stack(clause_hashes))
            (tmp / HASHES_FILE).write_text(json.dumps({"passages": passage_hashes, "clauses": clause_hashes}),
                                           encoding="utf-8")
        with (tmp / "clauses.jsonl").open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(c.to_dict(), ensure_ascii=False) + "\n" for c in clauses)
        (tmp / "documents.json").write_text(json.dumps(contents.documents, ensure_ascii=False, indent=1),
                                            encoding="utf-8")
        # the eligibility catalogue (corpus/supports.py), one document a line
        (tmp / SUPPORTS_FILE).write_text("".join(line + "\n" for line in contents.catalogue), encoding="utf-8")
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
            "counts": {"documents": len(contents.documents), "clauses": len(clauses), "passages": len(passages),
                       "embedded_texts": len(by_hash)},
            # A document given as text, not read from a file (parse_text), has no path or checksum: null.
            "sources": contents.sources,
        })
        step("written")
        publish(index_dir, name, tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(index_dir / CHECKPOINT_DIR, ignore_errors=True)  # its vectors are in the new generation
    remove_unused(index_dir)
    return BuildReport(index_dir, len(contents.documents), len(clauses), len(passages), len(by_hash),
                       embedded, len(by_hash) - embedded, time.perf_counter() - started, name)


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
        contents = Contents()
        contents.extend(corpus.documents, tokenizer)
        return write_generation(out_dir, contents, embedder, tokenizer, dense_kind, progress, started, spec)
