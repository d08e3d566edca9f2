"""A loaded index: clause records plus BM25 and FAISS, searched separately or fused."""
from __future__ import annotations

import json
from collections.abc import Collection
from functools import cached_property
from pathlib import Path

import numpy as np

from policyqa.corpus.errors import UserError
from policyqa.corpus.models import Clause
from policyqa.corpus.validity import Validity, clauses_by_document, today

from . import dense, lexical
from .embedders import NO_EMBEDDER, Embedder, get_embedder
from .generations import lease_current
from .fusion import CANDIDATES, fused_hits, penalties
from .models import SEARCH_MODES, Hit
from .passages import lexical_text
from .scope import DocumentScopes
from .store import CLAUSE_VECTORS_FILE, TOKENS_FILE, IndexIncompatible, default_index_dir, read_manifest, verify_checksums
from .tokenizer import PolicyTokenizer, default_tokenizer


QUERY_CHARS = 256  # the dense side reads the first characters of a pasted long text; BM25 reads all of it


class UnknownDocument(UserError):
    pass


class NoVectors(UserError):
    """Dense or hybrid search asked of a lexical index (built with ``--embedder none``)."""


def check_result_count(k: int) -> None:
    """Refuse a number of results below one (search, and ask, which searches for more than it shows)."""
    if k < 1:
        raise UserError(f"k 必须为正整数 (k must be at least 1, got {k})")


class Index:
    """Everything needed to answer ``search`` for one index folder."""

    def __init__(self, path: Path, manifest: dict, clauses: list[Clause], documents: list[dict], bm25,
                 faiss_index, passage_clause: np.ndarray, clause_vectors: np.ndarray, embedder: Embedder | None,
                 tokenizer: PolicyTokenizer) -> None:
        self.path = path
        self.manifest = manifest
        self.clauses = clauses
        self.documents = documents
        self._bm25 = bm25
        self._faiss = faiss_index
        self._passage_clause = passage_clause
        self._clause_vectors = clause_vectors
        self.embedder = embedder
        self.tokenizer = tokenizer
        self._by_id = {c.clause_id: i for i, c in enumerate(clauses)}
        self._doc_number = {d["doc_id"]: i for i, d in enumerate(documents)}
        self._doc_of = np.array([self._doc_number[c.doc_id] for c in clauses], dtype=np.int32)
        self.validity = Validity(documents, clauses_by_document(clauses))
        self._date_masks: dict[tuple[str, str | None, str], np.ndarray] = {}

    @property
    def superseded(self) -> frozenset[str]:
        """Documents another version of whose law is in force today (same title, a later version in force)."""
        return self.validity.superseded()

    def _documents_mask(self, which: str, as_of: str | None) -> np.ndarray:
        """Per clause, whether its document is ``hidden`` on ``as_of`` (superseded, repealed, or
        not yet in force while another version of its law is) or ``outdated`` (not in force then and not hidden: a
        text not yet in force; without a date, every text not in force today)."""
        key = (which, as_of, today())
        mask = self._date_masks.get(key)
        if mask is None:  # threads may work out the same mask twice; each returns its own, complete
            hidden = self.validity.hidden(as_of) if as_of else frozenset()
            docs = hidden if which == "hidden" else self.validity.outdated(as_of) - hidden
            per_doc = np.array([d["doc_id"] in docs for d in self.documents], dtype=bool)
            mask = per_doc[self._doc_of] if len(self.documents) else np.zeros(0, dtype=bool)
            if len(self._date_masks) > 64:
                self._date_masks.clear()
            self._date_masks[key] = mask
        return mask

    @property
    def has_vectors(self) -> bool:
        """False for a lexical index (``--embedder none``): BM25 search only."""
        return self.embedder is not None

    @cached_property
    def _passage_vectors(self) -> np.ndarray:
        """All passage vectors, for exact scoring when a search is restricted to some documents: a view of the
        FAISS index's own memory, not a second copy."""
        return dense.stored_vectors(self._faiss)

    @cached_property
    def _document_frequencies(self) -> dict[str, int]:
        return lexical.document_frequencies(self._bm25)

    def document_frequency(self, term: str) -> int:
        """How many clauses hold ``term`` (a tokenizer term), as BM25 counts them."""
        return self._document_frequencies.get(term, 0)

    def term_rarity(self, term: str) -> float:
        """Inverse document frequency of ``term`` over the clauses, scaled to [0, 1] (1: in one clause or none)."""
        n = len(self.clauses)
        df = self.document_frequency(term)
        return float(np.log((n + 1) / (df + 1)) / np.log(n + 1)) if n else 1.0

    def clause(self, clause_id: str) -> Clause | None:
        i = self._by_id.get(clause_id)
        return None if i is None else self.clauses[i]

    @cached_property
    def _stored_tokens(self) -> lexical.StoredTokens | None:
        tokens = lexical.StoredTokens(self.path / TOKENS_FILE) if (self.path / TOKENS_FILE).is_file() else None
        return tokens if tokens is not None and len(tokens) == len(self.clauses) else None

    def clause_terms(self, clause: Clause) -> frozenset[str]:
        """The BM25 terms of ``clause`` (its section path, label and text): as stored for one of the index's own
        clauses, segmented for another. Segmenting every candidate again cost about 15 ms a question on the whole
        law corpus, where the memoised term sets of a small index seldom hit."""
        i = self._by_id.get(clause.clause_id)
        if i is not None and self.clauses[i] is clause and self._stored_tokens is not None:
            return self._stored_tokens.terms(i)
        return self.tokenizer.terms(lexical_text(clause))

    @cached_property
    def scopes(self) -> DocumentScopes:
        """Each document's reach (national or a province's), read from its title and issuer once."""
        return DocumentScopes(self.documents)

    def _allowed(self, doc_ids: list[str] | None) -> np.ndarray | None:
        if not doc_ids:
            return None
        unknown = [d for d in doc_ids if d not in self._doc_number]
        if unknown:
            raise UnknownDocument(f"未知文件编号：{'、'.join(unknown)} (unknown doc_ids: {', '.join(unknown)})")
        wanted = np.zeros(len(self.documents), dtype=bool)
        wanted[[self._doc_number[d] for d in doc_ids]] = True
        return wanted[self._doc_of]

    def _bm25_scores(self, question: str, allowed: np.ndarray | None) -> np.ndarray:
        scores = lexical.bm25_scores(self._bm25, self.tokenizer.tokenize(question))
        return np.where(allowed, scores, 0.0) if allowed is not None else scores

    def _dense_scores(self, question: str, allowed: np.ndarray | None,
                      hidden: np.ndarray | None = None) -> tuple[np.ndarray, dict[int, float]]:
        """The query vector and the best window cosine of the clauses nearest to it, leaving out ``hidden`` ones
        (other versions of a law hold near copies of its windows: twice as many are read to make up for them)."""
        query = self.embedder.encode_queries([question[:QUERY_CHARS]])[0]
        best = dense.best_per_clause(self._faiss, query, self._passage_clause,
                                     CANDIDATES * 3 * (1 if hidden is None else 2), allowed,
                                     self._passage_vectors if allowed is not None else None)
        if hidden is not None:
            best = {c: s for c, s in best.items() if not hidden[c]}
        return query, best

    def search(self, question: str, k: int = 10, mode: str = "hybrid", doc_ids: list[str] | None = None,
               as_of: str | None = None, places: Collection[str] | None = None) -> list[Hit]:
        """The ``k`` best clauses for ``question``; ``mode`` is hybrid, bm25 or dense.

        Candidates are the best clauses by BM25 and by nearest window; each is scored by its BM25 score,
        best window cosine and whole-clause cosine, fused (see :mod:`policyqa.index.fusion`).

        ``as_of`` (``YYYY-MM-DD``) searches the texts as they stood on that date: a version of a law is left out when
        another version of it is in force then, a repealed text is left out, and one not yet in force ranks lower. Without
        it every loaded text is searched and those not in force today rank lower. Documents chosen by ``doc_ids``
        are searched as they are.

        ``places`` (provinces: 浙江省) are those the question is about: a local rule of any other place ranks lower
        (:mod:`policyqa.index.scope`); empty, every local rule does. None (the default): no place is preferred.
        """
        check_result_count(k)
        if mode not in SEARCH_MODES:
            raise UserError(f"未知检索方式 {mode} (unknown mode {mode!r}; expected one of {', '.join(SEARCH_MODES)})")
        if mode != "bm25" and not self.has_vectors:
            raise NoVectors(f"该索引没有向量（以 --embedder none 构建），只能用 bm25 检索 (the index at {self.path} has no "
                            f"vectors: it was built with --embedder none; search it with mode bm25, or rebuild it "
                            f"with an embedder for {mode})")
        allowed = self._allowed(doc_ids)
        hidden = self._documents_mask("hidden", as_of) if as_of and not doc_ids else None
        if hidden is not None and not hidden.any():
            hidden = None
        candidates: set[int] = set()
        if mode != "dense":
            bm25 = self._bm25_scores(question, allowed if hidden is None else ~hidden)
            candidates.update(lexical.top_positive(bm25, CANDIDATES).tolist())
        best: dict[int, float] = {}
        if mode != "bm25":
            query, best = self._dense_scores(question, allowed, hidden)
            candidates.update(sorted(best, key=lambda c: -best[c])[:CANDIDATES])
        if not candidates:
            return []
        cands = np.array(sorted(candidates))
        signals = {}
        if mode != "dense":
            signals["bm25"] = bm25[cands]
        if mode != "bm25":
            # A clause with no window among the nearest scores as the farthest of them: it is no closer.
            floor = min(best.values(), default=0.0)
            signals["window"] = np.array([best.get(int(c), floor) for c in cands])
            signals["clause"] = self._clause_vectors[cands] @ query
        outdated = None if doc_ids else self._documents_mask("outdated", as_of)
        outside = self.scopes.outside(places)[self._doc_of[cands]] if places is not None else None
        penalty = penalties(outdated[cands] if outdated is not None else None, outside)
        return fused_hits(cands, signals, penalty, best, k, self.clauses.__getitem__, self.clause)


def load_index(path: Path | None = None, embedder: Embedder | None = None,
               tokenizer: PolicyTokenizer | None = None, device: str = "auto") -> Index:
    """Load and check an index folder; refuse one built for another embedder, format or dictionary. A lexical
    index (``--embedder none``) loads no embedder."""
    lease = lease_current(Path(path) if path else default_index_dir())  # hook (index.generations): kept by the Index
    path = lease.folder
    manifest = read_manifest(path)
    verify_checksums(path, manifest)
    tokenizer = tokenizer or default_tokenizer()
    if manifest["tokenizer"]["dictionary_hash"] != tokenizer.dictionary_hash:
        raise IndexIncompatible(
            "索引的分词词典与当前版本不同，请重建索引 (the index was built with another tokenizer dictionary; "
            "rebuild it with `policyqa build`)"
        )
    lexical_only = manifest["embedder"]["name"] == NO_EMBEDDER
    if embedder is None and not lexical_only:
        embedder = get_embedder(manifest["embedder"]["spec"], device)
    if not lexical_only and (embedder.name != manifest["embedder"]["name"] or embedder.dim != manifest["embedder"]["dim"]):
        raise IndexIncompatible(
            f"索引由向量模型 {manifest['embedder']['name']} 构建，与当前模型 {embedder.name} 不符 "
            f"(index was built with embedder {manifest['embedder']['name']}, not {embedder.name}; rebuild it)"
        )
    with (path / "clauses.jsonl").open(encoding="utf-8") as f:
        clauses = [Clause.from_dict(json.loads(line)) for line in f]
    documents = json.loads((path / "documents.json").read_text(encoding="utf-8"))
    if lexical_only:
        index = Index(path, manifest, clauses, documents, lexical.load_bm25(path / "bm25"), None,
                      np.zeros(0, dtype=np.int32), np.zeros((len(clauses), 0), dtype=np.float32), None, tokenizer)
    else:  # Clause vectors are memory-mapped: a search reads the ~200 rows of its candidates.
        index = Index(path, manifest, clauses, documents, lexical.load_bm25(path / "bm25"),
                      dense.load_faiss(path / "dense.faiss"), np.load(path / "passages.npy"),
                      np.load(path / CLAUSE_VECTORS_FILE, mmap_mode="r"), embedder, tokenizer)
    index.generation, index.lease = lease.generation, lease  # hook: the generation loaded, held while index lives
    return index
