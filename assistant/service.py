"""The assistant: retrieval → evidence check → answerer draft → verification → answer object.

One object serves the CLI, the HTTP API and the UI, so all three give the same answer.
"""
from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from policyqa.corpus.errors import UserError
from policyqa.corpus.models import Clause
from policyqa.corpus.titles import cite
from policyqa.index import Hit, Index, IndexMissing, build_index, check_result_count, default_index_dir, load_index

from .drafts import Answerer, AnswererUnavailable
from .extractive import ExtractiveAnswerer
from .ages import age_bracket_first
from .declined import without_declined
from .mentions import document_mentions, without_mentions
from .lookup import (addressee_quote, date_quote, lookup, missing_articles, titled_sections, unknown_doc_numbers,
                     unknown_laws)
from .models import Answer, Citation, RelatedClause
from .ordering import articles_first, departments_first, figure_first
from .penalties import penalty_first
from .refusal import check_evidence
from .verify import VerifiedSentence, verify

log = logging.getLogger(__name__)
REFUSAL = "现有文件中未找到依据：已加载的文件中没有关于这个问题的规定。"
UNKNOWN_DOCUMENT = "现有文件中未找到依据：已加载的文件中没有{numbers}。"
NOT_CHINESE = ("请用中文提问：已加载的是中文政策文件，只有中文问题能可靠地找到依据。"
               "(Please ask in Chinese: the loaded documents are Chinese policy texts.)")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")
NO_SUCH_ARTICLE = "现有文件中未找到依据：已加载的文件中没有{articles}。"
MAX_QUESTION_CHARS = 1000
EVIDENCE_K = 8
RELATED_K = 3
NAMED_SCORE = 1.0  # above any fused score: the clause the question names by its number


class NotFound(UserError):
    """An unknown document or clause id."""


def _clean_question(question: str) -> str:
    question = re.sub(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]", "", question or "").strip()
    if not question:
        raise UserError("问题不能为空 (the question is empty)")
    if len(question) > MAX_QUESTION_CHARS:
        raise UserError(f"问题过长，最多 {MAX_QUESTION_CHARS} 字 (the question is longer than {MAX_QUESTION_CHARS} characters)")
    return question


class Assistant:
    def __init__(self, index: Index, answerer: Answerer | None = None) -> None:
        self.index = index
        self.extractive = ExtractiveAnswerer(index.tokenizer, [c for c in index.clauses if c.part == "annex"],
                                             rarity=index.term_rarity)
        self.answerer: Answerer = answerer or self.extractive
        self._clauses_by_doc: dict[str, list[Clause]] = {}
        for clause in index.clauses:
            self._clauses_by_doc.setdefault(clause.doc_id, []).append(clause)
        self._sections = titled_sections(index.clauses)

    @classmethod
    def load(cls, index_dir: Path | None = None, answerer: Answerer | str | None = None) -> "Assistant":
        """Load an index; the default location is built from the bundled corpus on first use.

        ``answerer`` is an :class:`Answerer`, or ``"extractive"`` (default) / ``"llm"`` (configured by
        ``POLICYQA_LLM_*``, see :mod:`policyqa.assistant.llm`).
        """
        if answerer == "llm":
            from .llm import OpenAICompatibleAnswerer, load_llm_settings

            answerer = OpenAICompatibleAnswerer.from_settings(load_llm_settings())
        elif answerer == "extractive":
            answerer = None
        path = Path(index_dir) if index_dir else default_index_dir()
        try:
            index = load_index(path)
        except IndexMissing:
            if index_dir is not None:
                raise
            from policyqa.corpus import load_corpus

            print(f"首次使用：正在为内置文件建立索引 {path} (building the default index)…", file=sys.stderr)
            build_index(load_corpus(), path)
            index = load_index(path)
        return cls(index, answerer)

    # ---- reading -------------------------------------------------------------------------
    @property
    def manifest(self) -> dict:
        return self.index.manifest

    def documents(self) -> list[dict]:
        return list(self.index.documents)

    def document(self, doc_id: str) -> dict:
        meta = next((d for d in self.index.documents if d["doc_id"] == doc_id), None)
        if meta is None:
            raise NotFound(f"未知文件编号：{doc_id} (unknown doc_id: {doc_id})")
        return dict(meta, clauses=[c.to_dict() for c in self._clauses_by_doc.get(doc_id, [])])

    def clause(self, clause_id: str) -> Clause:
        clause = self.index.clause(clause_id)
        if clause is None:
            raise NotFound(f"未知条款编号：{clause_id} (unknown clause_id: {clause_id})")
        return clause

    def search(self, question: str, k: int = 10, doc_ids: list[str] | None = None, mode: str = "hybrid") -> list[Hit]:
        """Ranked clauses; an article the question names (「国办发〔2020〕52号第十条」) comes first, scored 1.0."""
        question = _clean_question(question)
        hits = self._retrieve(question, k, doc_ids, mode)
        named = self._named_articles(question, doc_ids)
        if not named:
            return hits
        ids = {c.clause_id for c in named}
        first = [Hit(clause=c, score=NAMED_SCORE,
                     related=tuple(r for r in (self.index.clause(i) for i in c.links) if r is not None)) for c in named]
        return (first + [h for h in hits if h.clause.clause_id not in ids])[:k]

    # ---- answering -----------------------------------------------------------------------
    def ask(self, question: str, k: int = 5, doc_ids: list[str] | None = None, mode: str = "hybrid") -> Answer:
        question = _clean_question(question)
        check_result_count(k)
        hits = self._retrieve(question, max(k, EVIDENCE_K), doc_ids, mode)
        if missing := unknown_doc_numbers(question, self.index.documents):
            return self._refusal(question, hits, UNKNOWN_DOCUMENT.format(numbers="、".join(missing)))
        if not CJK_RE.search(question):
            return self._refusal(question, hits, NOT_CHINESE)
        named = self._named_articles(question, doc_ids)
        if named:
            return self._lookup_answer(question, named, hits)
        if absent := self._missing_articles(question, doc_ids):
            return self._refusal(question, hits, NO_SUCH_ARTICLE.format(articles="、".join(absent)))
        # 「老年人权益保障法对…有啥处罚」: a law not loaded, named without an article (with one, the article is named).
        if laws := unknown_laws(self.index.tokenizer.words(question), self.index.documents):
            return self._refusal(question, hits, UNKNOWN_DOCUMENT.format(numbers="、".join(f"《{law}》" for law in laws)))
        hits = figure_first(question, hits, self.index.tokenizer)
        hits = age_bracket_first(question, departments_first(question, hits))
        if not check_evidence(question, hits, self.index.tokenizer, self.index.document_frequency).answerable:
            return self._refusal(question, hits)
        # Whether to answer is read from the ranking; which clause answers first may then be an article over a row.
        hits = articles_first(question, hits)
        kept, answerer, warnings = self._verified_draft(question, hits[:k])
        if not kept:
            return self._refusal(question, hits, answerer=answerer, warnings=warnings)
        return self._compose(question, kept, hits, answerer, warnings)

    def _retrieve(self, question: str, k: int, doc_ids: list[str] | None, mode: str) -> list[Hit]:
        """The index's ranking for the question without the words naming a document (「52号文」「2024年养老意见」),
        within the documents it names unless the caller chose documents."""
        mentions = document_mentions(question, self.index.documents)
        if mentions and doc_ids is None:
            doc_ids = sorted({d for m in mentions for d in m.doc_ids})
        hits = self.index.search(without_declined(without_mentions(question, mentions)), k=k, mode=mode,
                                 doc_ids=doc_ids)
        return penalty_first(question, hits, self._clauses_by_doc.get(hits[0].clause.doc_id, []) if hits else [])

    def _verified_draft(self, question: str, evidence: list[Hit]) -> tuple[list[VerifiedSentence], str, list[str]]:
        """The configured answerer's verified sentences, falling back to the extractive answerer.

        Returns the sentences, the name of the answerer that wrote them, and warnings for the user.
        """
        warnings: list[str] = []
        if self.answerer is not self.extractive:
            try:
                draft = self.answerer.draft(question, evidence)
                if draft.refused:
                    return [], self.answerer.name, warnings
                kept, dropped = verify(draft, self.index.clause)
                if dropped:
                    warnings.append(f"已删除 {len(dropped)} 句无法核验引用的内容 "
                                    f"({len(dropped)} sentence(s) without a verified citation removed)")
                if kept:
                    return kept, self.answerer.name, warnings
            except AnswererUnavailable as exc:
                log.warning("answerer %s unavailable: %s", self.answerer.name, exc)
                warnings.append(f"生成式回答不可用，已改用摘录回答 (answerer unavailable: {exc})")
        name = "extractive" if self.answerer is self.extractive else f"extractive (fallback from {self.answerer.name})"
        kept, _ = verify(self.extractive.draft(question, evidence), self.index.clause)
        return kept, name, warnings

    def ask_stream(self, question: str, k: int = 5, doc_ids: list[str] | None = None,
                   mode: str = "hybrid") -> Iterator[tuple[str, object]]:
        """("citations", [Citation]), then ("delta", text) per answer sentence, then ("done", Answer)."""
        answer = self.ask(question, k=k, doc_ids=doc_ids, mode=mode)
        yield "citations", answer.citations
        for piece in re.findall(r"[^】\n]*】|[^】\n]+\n?|\n", answer.answer):
            yield "delta", piece
        yield "done", answer

    def _scope(self, doc_ids: list[str] | None) -> tuple[dict[str, list[Clause]], list[dict]]:
        """The clauses by document and the document records a question may refer to."""
        by_doc = self._clauses_by_doc if not doc_ids else {d: self._clauses_by_doc.get(d, []) for d in doc_ids}
        return by_doc, [d for d in self.index.documents if d["doc_id"] in by_doc]

    def _named_articles(self, question: str, doc_ids: list[str] | None) -> list[Clause]:
        return lookup(question, *self._scope(doc_ids), self._sections)

    def _missing_articles(self, question: str, doc_ids: list[str] | None) -> list[str]:
        return missing_articles(question, *self._scope(doc_ids))

    def _lookup_answer(self, question: str, clauses: list[Clause], hits: list[Hit]) -> Answer:
        kept = []
        for c in clauses[:3]:
            quote = date_quote(question, c)  # 「…是哪天印发的」: the signature and date, not the whole closing
            if quote is None:
                quote = addressee_quote(question, c)  # 「…主送单位是哪些」: the salutation
            if quote is None:
                kept.append(VerifiedSentence(c.text, c, c.text))
            elif quote:
                kept.append(VerifiedSentence(quote.replace("\n", "　"), c, quote))
        if len(kept) == 1:
            prefix = ""
        elif len({s.clause.doc_id for s in kept}) == len(kept):
            prefix = f"有 {len(kept)} 份文件含有该条款：\n"
        else:
            prefix = f"有 {len(kept)} 个条款符合：\n"
        body = "\n".join(f"{s.text}{cite(s.clause.doc_title, s.clause.label)}" for s in kept)
        return Answer(question=question, answer=prefix + body, refused=False,
                      citations=[self._citation(s, 1.0) for s in kept],
                      related=self._related(hits, exclude={c.clause_id for c in clauses}))

    def _compose(self, question: str, kept: list[VerifiedSentence], hits: list[Hit], answerer: str,
                 warnings: list[str]) -> Answer:
        scores = {h.clause.clause_id: h.score for h in hits}
        docs = {s.clause.doc_id for s in kept}
        lines = [f"{s.text}{cite(s.clause.doc_title, s.clause.label)}" for s in kept]
        text = ("\n".join(lines) if len(docs) == 1
                else f"{len(docs)} 份文件对此都有规定：\n" + "\n".join(lines))
        citations, seen = [], set()
        for s in kept:
            citations.append(self._citation(s, scores.get(s.clause.clause_id, 0.0)))
            seen.add(s.clause.clause_id)
        return Answer(question=question, answer=text, refused=False, citations=citations,
                      related=self._related(hits, exclude=seen), answerer=answerer, warnings=warnings)

    def _refusal(self, question: str, hits: list[Hit], message: str = REFUSAL, answerer: str | None = None,
                 warnings: list[str] | None = None) -> Answer:
        return Answer(question=question, answer=message, refused=True, citations=[],
                      related=self._related(hits, exclude=set()), answerer=answerer or self.answerer.name,
                      warnings=warnings or [])

    @staticmethod
    def _citation(s: VerifiedSentence, score: float) -> Citation:
        c = s.clause
        return Citation(clause_id=c.clause_id, doc_id=c.doc_id, doc_title=c.doc_title, doc_number=c.doc_number,
                        label=c.label, number=c.number, part=c.part, quote=s.quote, score=round(score, 6))

    @staticmethod
    def _related(hits: list[Hit], exclude: set[str]) -> list[RelatedClause]:
        related = []
        for h in hits:
            c = h.clause
            if c.clause_id in exclude:
                continue
            related.append(RelatedClause(clause_id=c.clause_id, doc_id=c.doc_id, doc_title=c.doc_title,
                                         doc_number=c.doc_number, label=c.label, number=c.number, part=c.part,
                                         score=round(h.score, 6), text=c.text))
            if len(related) >= RELATED_K:
                break
        return related
