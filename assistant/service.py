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
from policyqa.corpus.text import split_sentences
from policyqa.corpus.titles import book_title, cite
from policyqa.corpus.validity import parse_as_of, today
from policyqa.index import Hit, Index, IndexMissing, build_index, check_result_count, default_index_dir, load_index

from .analysis import QueryAnalysis, analyse
from .api_input import MAX_QUESTION_CHARS
from .courtesy import without_courtesy
from .drafts import Answerer, AnswererUnavailable, PriorTurn, StreamingAnswerer
from .evidence import rank_evidence
from .extractive import ExtractiveAnswerer
from .followup import HistoryTurn, resolve
from .lookup import division_heading, lookup, missing_articles, quoted
from .models import Answer, Citation, RelatedClause
from .penalties import with_penalty_article
from .ranker import RankerModel
from .verify import VerifiedSentence, verify

log = logging.getLogger(__name__)
REFUSAL = "现有文件中未找到依据：已加载的文件中没有关于这个问题的规定。"
UNKNOWN_DOCUMENT = "现有文件中未找到依据：已加载的文件中没有{numbers}。"
NOT_CHINESE = ("请用中文提问：已加载的是中文政策文件，只有中文问题能可靠地找到依据。"
               "(Please ask in Chinese: the loaded documents are Chinese policy texts.)")
RESOLVED_PREFIX = "按上文理解为："
EVIDENCE_K = 10  # clauses retrieved for an answer: the ranker reorders them
RELATED_K = 3
DIVISION_CLAUSES = 12  # clauses of a chapter or part quoted by their first sentence
NAMED_SCORE = 1.0  # above any fused score: the clause the question names by its number


class NotFound(UserError):
    """An unknown document or clause id."""


def _removed(count: int) -> str:
    return f"已删除 {count} 句无法核验引用的内容 ({count} sentence(s) without a verified citation removed)"


def _unavailable(exc: AnswererUnavailable) -> str:
    return f"生成式回答不可用，已改用摘录回答 (answerer unavailable: {exc})"


def _events(answer: Answer) -> Iterator[tuple[str, object]]:
    """A finished answer as stream events: its citations, its text piece by piece, the answer."""
    yield "citations", answer.citations
    for piece in re.findall(r"[^】\n]*】|[^】\n]+\n?|\n", answer.answer):
        yield "delta", piece
    yield "done", answer


def _as_asked(answer: Answer | Iterator[tuple[str, object]], asked: str,
              resolved: str) -> Answer | Iterator[tuple[str, object]]:
    """A resolved follow-up's answer as the user asked it, opening with how it was read (按上文理解为：…)."""
    prefix = f"{RESOLVED_PREFIX}{resolved}\n"
    update = {"question": asked, "resolved_question": resolved}
    if isinstance(answer, Answer):
        return answer.model_copy(update=update | {"answer": prefix + answer.answer})

    def prefixed(events: Iterator[tuple[str, object]]) -> Iterator[tuple[str, object]]:
        yield next(events)  # the first citations, sent before the answerer is asked
        yield "delta", prefix
        for kind, payload in events:
            if kind == "done":
                payload = payload.model_copy(update=update | {"answer": prefix + payload.answer})
            yield kind, payload

    return prefixed(answer)


# Digits and Latin letters typed full-width (「５２号文」「２０２４年」) read as the documents' numbers and years do.
_FULL_WIDTH_ALNUM = str.maketrans({chr(c): chr(c - 0xFEE0) for c in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B),
                                                                    *range(0xFF41, 0xFF5B))})


def _clean_question(question: str) -> str:
    question = re.sub(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]", "", question or "").strip()
    question = question.translate(_FULL_WIDTH_ALNUM)
    if not question:
        raise UserError("问题不能为空 (the question is empty)")
    if len(question) > MAX_QUESTION_CHARS:
        raise UserError(f"问题过长，最多 {MAX_QUESTION_CHARS} 字 (the question is longer than {MAX_QUESTION_CHARS} characters)")
    return question


class Assistant:
    def __init__(self, index: Index, answerer: Answerer | None = None, ranker: RankerModel | None = None) -> None:
        self.index = index
        self._ranker = ranker
        self.extractive = ExtractiveAnswerer(index.tokenizer, [c for c in index.clauses if c.part == "annex"],
                                             rarity=index.term_rarity)
        self.answerer: Answerer = answerer or self.extractive
        self._clauses_by_doc: dict[str, list[Clause]] = {}
        for clause in index.clauses:
            self._clauses_by_doc.setdefault(clause.doc_id, []).append(clause)

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
        from policyqa.index.backends import MilvusLocation, from_environment, open_index  # hook: Milvus backend

        if isinstance(location := index_dir or from_environment(), MilvusLocation):
            return cls(open_index(location), answerer)
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

    @property
    def ranker(self) -> RankerModel:
        """The fitted ranker: the one given, else the shipped model (read on first use)."""
        if self._ranker is None:
            self._ranker = RankerModel.load()
        return self._ranker

    @ranker.setter
    def ranker(self, model: RankerModel) -> None:
        self._ranker = model

    # ---- reading -------------------------------------------------------------------------
    @property
    def manifest(self) -> dict:
        return self.index.manifest

    def documents(self, as_of: str | None = None) -> list[dict]:
        """The document records, each with its ``validity`` on ``as_of`` (today by default): dates, status,
        versions."""
        as_of = parse_as_of(as_of)
        return [dict(d, validity=self.index.validity.record(d["doc_id"], as_of)) for d in self.index.documents]

    def document(self, doc_id: str) -> dict:
        meta = next((d for d in self.index.documents if d["doc_id"] == doc_id), None)
        if meta is None:
            raise NotFound(f"未知文件编号：{doc_id} (unknown doc_id: {doc_id})")
        return dict(meta, validity=self.index.validity.record(doc_id),
                    clauses=[c.to_dict() for c in self._clauses_by_doc.get(doc_id, [])])

    def clause(self, clause_id: str) -> Clause:
        clause = self.index.clause(clause_id)
        if clause is None:
            raise NotFound(f"未知条款编号：{clause_id} (unknown clause_id: {clause_id})")
        return clause

    def search(self, question: str, k: int = 10, doc_ids: list[str] | None = None, mode: str | None = None,
               as_of: str | None = None) -> list[Hit]:
        """Ranked clauses (retrieval, then the fitted ranker); an article the question names
        (「国办发〔2020〕52号第十条」) comes first, scored 1.0. ``as_of`` (``YYYY-MM-DD``, default today): the texts
        as they stood on that date (docs/versions.md)."""
        question = _clean_question(question)
        check_result_count(k)
        as_of = parse_as_of(as_of)
        analysis = analyse(question, self.index, doc_ids)
        hits = rank_evidence(analysis, self._retrieve(analysis, max(k, EVIDENCE_K), doc_ids, mode, as_of),
                             self.index, self.ranker).hits[:k]
        named, _ = self._named_articles(analysis, doc_ids, as_of)
        if not named:
            return hits
        ids = {c.clause_id for c in named}
        first = [Hit(clause=c, score=NAMED_SCORE,
                     related=tuple(r for r in (self.index.clause(i) for i in c.links) if r is not None)) for c in named]
        return (first + [h for h in hits if h.clause.clause_id not in ids])[:k]

    # ---- answering -----------------------------------------------------------------------
    def ask(self, question: str, k: int = 5, doc_ids: list[str] | None = None, mode: str | None = None,
            explain: bool = False, history: list[HistoryTurn] | None = None, as_of: str | None = None) -> Answer:
        """The answer with verified citations; ``explain`` adds the trace of every stage (why the first clause
        won, why a refusal was made). With ``history`` (the conversation so far, oldest first; may be empty) a
        follow-up is read in its light (「那托育机构呢？」), or a clarifying question is returned. ``as_of``
        (``YYYY-MM-DD``, default today): the law as it stood on that date; a citation of a text not in force then
        carries a warning naming the version in force (docs/versions.md)."""
        as_of = parse_as_of(as_of)
        answer = self._ask(question, k, doc_ids, mode, explain, history, live=False, as_of=as_of)
        assert isinstance(answer, Answer)  # only a live ask is read as the answerer writes
        return self._dated(answer, as_of)

    def _ask(self, question: str, k: int, doc_ids: list[str] | None, mode: str | None, explain: bool,
             history: list[HistoryTurn] | None, live: bool, turns: tuple[PriorTurn, ...] = (),
             as_of: str | None = None) -> Answer | Iterator[tuple[str, object]]:
        """:meth:`ask`; ``live``: a streaming answerer's answer as the events of :meth:`_live`. ``turns``: the
        conversation as the answerer is shown it."""
        question = _clean_question(question)
        check_result_count(k)
        if history is not None:
            history = [HistoryTurn(_clean_question(t.question), tuple(t.clause_ids)) for t in history]
            turns = tuple(PriorTurn(t.question, tuple(c for c in map(self.index.clause, t.clause_ids) if c))
                          for t in history)
            tokenizer = self.index.tokenizer  # a follow-up is read without its courtesy too (「你好，那托育机构呢？」)
            resolution = resolve(without_courtesy(question, tokenizer),
                                 [HistoryTurn(without_courtesy(t.question, tokenizer), t.clause_ids) for t in history],
                                 self.index)
            if resolution.needs_clarification:
                return Answer(question=question, answer=resolution.clarification, refused=True,
                              needs_clarification=True, refusal_reason="the follow-up cannot be resolved",
                              answerer=self.answerer.name)
            if resolution.rewritten:
                answer = self._ask(resolution.resolved, k, doc_ids, mode, explain, None, live, turns, as_of)
                return _as_asked(answer, question, resolution.resolved)
        analysis = analyse(question, self.index, doc_ids)
        trace: dict = {"analysis": analysis.to_dict()} if explain else {}
        hits = self._retrieve(analysis, max(k, EVIDENCE_K), doc_ids, mode, as_of)
        if explain:
            trace["candidates"] = [{"clause_id": h.clause.clause_id, "fused": round(h.score, 4),
                                    **{n: round(v, 4) for n, v in h.signals.items()}} for h in hits[:EVIDENCE_K]]
        answer = self._answer(analysis, hits, k, doc_ids, trace, turns, live, as_of)
        if explain and isinstance(answer, Answer):
            answer.trace = trace
        return answer

    def _answer(self, analysis: QueryAnalysis, hits: list[Hit], k: int, doc_ids: list[str] | None,
                trace: dict, turns: tuple[PriorTurn, ...] = (), live: bool = False,
                as_of: str | None = None) -> Answer | Iterator[tuple[str, object]]:
        if settled := self._settled(analysis, hits, doc_ids, trace, as_of):
            return settled
        question = analysis.question
        ranked = rank_evidence(analysis, hits, self.index, self.ranker)
        if trace:
            trace.update(ranked.trace(self.ranker))
        if not ranked.answerable:
            return self._refusal(question, ranked.hits, trace=trace, reason=ranked.reason)
        if live and isinstance(self.answerer, StreamingAnswerer):
            return self._live(analysis, ranked.hits, k, turns, trace)
        kept, answerer, warnings = self._verified_draft(analysis, ranked.hits[:k], turns)
        if trace:
            trace["sentences"] = [{"clause_id": s.clause.clause_id, "quote": s.quote} for s in kept]
        if not kept:
            return self._refusal(question, ranked.hits, answerer=answerer, warnings=warnings, trace=trace,
                                 reason="no sentence of the evidence could be verified")
        return self._compose(question, kept, ranked.hits, answerer, warnings)

    def _settled(self, analysis: QueryAnalysis, hits: list[Hit], doc_ids: list[str] | None,
                 trace: dict, as_of: str | None = None) -> Answer | None:
        """The answer when the question is settled before ranking: a named article is looked up; a document
        number, article or law that nothing loaded has, or a question not in Chinese, is refused."""
        question = analysis.question
        if analysis.unknown_numbers:
            return self._refusal(question, hits, UNKNOWN_DOCUMENT.format(numbers="、".join(analysis.unknown_numbers)),
                                 trace=trace, reason="names a document number no loaded document has")
        if not analysis.chinese:
            return self._refusal(question, hits, NOT_CHINESE, trace=trace, reason="not a Chinese question")
        named, scope = self._named_articles(analysis, doc_ids, as_of)
        if named:
            trace["lookup"] = [c.clause_id for c in named]
            return self._lookup_answer(analysis, named, hits)
        if absent := missing_articles(analysis.named, *self._scope(scope)):
            return self._refusal(question, hits, UNKNOWN_DOCUMENT.format(numbers="、".join(absent)), trace=trace,
                                 reason="names an article no loaded document has")
        # 「老年人权益保障法对…有啥处罚」: a law not loaded, named without an article (with one, the article is named).
        if laws := analysis.unknown_laws:
            return self._refusal(question, hits, UNKNOWN_DOCUMENT.format(numbers="、".join(book_title(law) for law in laws)),
                                 trace=trace, reason="names a law that is not loaded")
        return None

    def evidence(self, question: str, doc_ids: list[str] | None = None,
                 mode: str | None = None) -> tuple[QueryAnalysis, list[Hit]] | None:
        """The analysis and retrieved clauses the ranker reads, or None when the question is settled before ranking
        (an article named, a document or law not loaded): what ``policyqa train-ranker`` learns from."""
        analysis = analyse(_clean_question(question), self.index, doc_ids)
        hits = self._retrieve(analysis, EVIDENCE_K, doc_ids, mode)
        return None if self._settled(analysis, hits, doc_ids, {}) else (analysis, hits)

    def _retrieve(self, analysis: QueryAnalysis, k: int, doc_ids: list[str] | None, mode: str | None,
                  as_of: str | None = None) -> list[Hit]:
        """The index's ranking for the question without the words naming a document (「52号文」「2024年养老意见」),
        within the documents it names (the version in force on ``as_of`` of a law named) unless the caller chose
        documents; the texts as they stood on ``as_of`` (default today); asked about a penalty, the article
        punishing the first clause's duty is a candidate too. Local rules of places the question does not name rank
        lower (:mod:`policyqa.index.scope`)."""
        if analysis.named_doc_ids and doc_ids is None:
            doc_ids = self._current(list(analysis.named_doc_ids), as_of)
        mode = mode or ("hybrid" if self.index.has_vectors else "bm25")  # a lexical index has only the one
        hits = self.index.search(analysis.search_text, k=k, mode=mode, doc_ids=doc_ids, as_of=as_of or today(),
                                 places=analysis.reach)
        if analysis.asks_penalty and hits:
            hits = with_penalty_article(hits, self._clauses_by_doc.get(hits[0].clause.doc_id, []))
        return hits

    def _verified_draft(self, analysis: QueryAnalysis, evidence: list[Hit],
                        turns: tuple[PriorTurn, ...] = ()) -> tuple[list[VerifiedSentence], str, list[str]]:
        """The configured answerer's verified sentences, falling back to the extractive answerer.

        Returns the sentences, the name of the answerer that wrote them, and warnings for the user.
        """
        question = analysis.question
        warnings: list[str] = []
        if self.answerer is not self.extractive:
            try:
                draft = self.answerer.draft(question, evidence, turns)
                if draft.refused:
                    return [], self.answerer.name, warnings
                kept, dropped = verify(draft, self.index.clause)
                if dropped:
                    warnings.append(_removed(len(dropped)))
                if kept:
                    return kept, self.answerer.name, warnings
            except AnswererUnavailable as exc:
                log.warning("answerer %s unavailable: %s", self.answerer.name, exc)
                warnings.append(_unavailable(exc))
        return *self._extractive(analysis, evidence), warnings

    def _extractive(self, analysis: QueryAnalysis, evidence: list[Hit]) -> tuple[list[VerifiedSentence], str]:
        """The extractive answerer's verified sentences and its name (as the fallback of another answerer)."""
        name = "extractive" if self.answerer is self.extractive else f"extractive (fallback from {self.answerer.name})"
        kept, _ = verify(self.extractive.draft(analysis.question, evidence, analysis), self.index.clause)
        return kept, name

    def ask_stream(self, question: str, k: int = 5, doc_ids: list[str] | None = None, mode: str | None = None,
                   explain: bool = False, history: list[HistoryTurn] | None = None,
                   as_of: str | None = None) -> Iterator[tuple[str, object]]:
        """("citations", [Citation]), then ("delta", text) per answer sentence, then ("done", Answer). A streaming
        answerer (the LLM) is read as it writes (:meth:`_live`): "citations" comes again, with the citations so
        far, before each sentence. Errors before the first event are raised as in
        :meth:`ask`; the model failing after a sentence was sent raises :class:`AnswererUnavailable`."""
        as_of = parse_as_of(as_of)
        answer = self._ask(question, k, doc_ids, mode, explain, history, live=True, as_of=as_of)
        for kind, payload in _events(answer) if isinstance(answer, Answer) else answer:
            if kind == "citations":
                payload = [self._dated_item(c, as_of) for c in payload]
            elif kind == "done":
                payload = self._dated(payload, as_of)
            yield kind, payload

    def _live(self, analysis: QueryAnalysis, hits: list[Hit], k: int, turns: tuple[PriorTurn, ...],
              trace: dict) -> Iterator[tuple[str, object]]:
        """The streaming answerer's answer as it writes: ("citations", []) at once, then each sentence verified as
        soon as it is complete and sent, one line per ("delta", …) after ("citations", those so far); a sentence
        without a verified citation is never sent. A refusal is refused; if no sentence passes, or the model fails before one does, the extractive
        answer follows as :meth:`ask` gives it. The answer's text is the lines as sent (no several-documents
        heading: it is not known before the last sentence)."""
        question, evidence = analysis.question, hits[:k]
        yield "citations", []
        kept: list[VerifiedSentence] = []
        lines: list[str] = []
        dropped, refused, warnings = 0, False, []
        scores = {h.clause.clause_id: h.score for h in hits}
        try:
            for piece in self.answerer.stream_draft(question, evidence, turns):
                refused = refused or piece.refused
                new, lost = verify(piece, self.index.clause)
                dropped += len(lost)
                for s in new:
                    kept.append(s)
                    yield "citations", [self._citation(v, scores.get(v.clause.clause_id, 0.0)) for v in kept]
                    lines.append(("\n" if lines else "") + f"{s.text}{cite(s.clause.doc_title, s.clause.label)}")
                    yield "delta", lines[-1]
        except AnswererUnavailable as exc:
            if kept:
                raise
            log.warning("answerer %s unavailable: %s", self.answerer.name, exc)
            warnings.append(_unavailable(exc))
        else:
            if dropped and not refused:
                warnings.append(_removed(dropped))
        if trace:
            trace["sentences"] = [{"clause_id": s.clause.clause_id, "quote": s.quote} for s in kept]
        if kept:
            answer = self._compose(question, kept, hits, self.answerer.name, warnings)
            answer.answer = "".join(lines)
        elif refused:
            answer = self._refusal(question, hits, answerer=self.answerer.name, trace=trace,
                                   reason="no sentence of the evidence could be verified")
        else:
            fallback, name = self._extractive(analysis, evidence)
            answer = (self._compose(question, fallback, hits, name, warnings) if fallback else
                      self._refusal(question, hits, answerer=name, warnings=warnings, trace=trace,
                                    reason="no sentence of the evidence could be verified"))
            if trace:
                trace["sentences"] = [{"clause_id": s.clause.clause_id, "quote": s.quote} for s in fallback]
        if trace:
            answer.trace = trace
        if kept:
            yield "done", answer
        else:
            yield from _events(answer)

    def _scope(self, doc_ids: list[str] | None) -> tuple[dict[str, list[Clause]], list[dict]]:
        """The clauses by document and the document records a question may refer to."""
        if not doc_ids:
            return self._clauses_by_doc, self.index.documents
        by_doc = {d: self._clauses_by_doc.get(d, []) for d in doc_ids}
        return by_doc, [d for d in self.index.documents if d["doc_id"] in by_doc]

    def _named_articles(self, analysis: QueryAnalysis, doc_ids: list[str] | None,
                        as_of: str | None = None) -> tuple[list[Clause], list[str] | None]:
        """The articles the question names (「行政复议法第九条」): of the version it names by year (「2016年版的…」,
        :func:`analysis.versions_of_year`), else of the version in force on ``as_of`` where several versions have
        them; and the documents an article it names is missing from — the version named, when only others have it
        (「1996年职业教育法第五十条」), else ``doc_ids``."""
        named = lookup(analysis.named, *self._scope(doc_ids))
        if self._only_other_versions(analysis, named):
            return [], list(analysis.named_doc_ids)
        named = [c for c in named if c.doc_id in analysis.named_doc_ids] or named
        current = set(self._current([c.doc_id for c in named], as_of))
        return [c for c in named if c.doc_id in current], doc_ids

    def _only_other_versions(self, analysis: QueryAnalysis, clauses: list[Clause]) -> bool:
        """Whether ``clauses`` are all of other versions of the law whose version the question names by year."""
        named = set(analysis.named_doc_ids)
        if not (named and clauses):  # most questions: nothing looked up, or no document named
            return False
        versions = {v for d in named for v in self.index.validity.versions(d)} - named
        return bool(versions) and all(c.doc_id in versions for c in clauses)

    def _current(self, doc_ids: list[str], as_of: str | None) -> list[str]:
        """``doc_ids`` less those not in force on ``as_of`` (default today) — superseded, repealed, not yet in force
        while another version is; all of them when that would leave none (a question naming the 2016 text of a law,
        or a repealed one, asks about it)."""
        hidden = self.index.validity.hidden(as_of)
        return [d for d in doc_ids if d not in hidden] or doc_ids

    def standing(self, doc_id: str, as_of: str | None = None) -> dict:
        """``{"status", "warning"}`` of a document on ``as_of`` (default today): the warning, when it is not in force,
        names the version that is."""
        as_of, validity = parse_as_of(as_of), self.index.validity
        return {"status": validity.status(doc_id, as_of), "warning": validity.warning(doc_id, as_of)}

    def _dated_item(self, item: Citation | RelatedClause, as_of: str | None) -> Citation | RelatedClause:
        return item.model_copy(update=self.standing(item.doc_id, as_of))

    def _dated(self, answer: Answer, as_of: str | None) -> Answer:
        """``answer`` with each citation's and related clause's status on ``as_of`` (default today), and a warning
        for each cited text not in force then, naming the version that is."""
        citations = [self._dated_item(c, as_of) for c in answer.citations]
        notes = [f"引用的{w}" for w in dict.fromkeys(c.warning for c in citations if c.warning)]
        return answer.model_copy(update={"citations": citations,
                                         "related": [self._dated_item(r, as_of) for r in answer.related],
                                         "warnings": answer.warnings + [n for n in notes if n not in answer.warnings]})

    def _lookup_answer(self, analysis: QueryAnalysis, clauses: list[Clause], hits: list[Hit]) -> Answer:
        if analysis.named.names_division and len(clauses) > 1:
            return self._division_answer(analysis, clauses, hits)
        kept = []
        for c in clauses[:3]:
            part = quoted(analysis.named, c)  # 「…第三十五条第二款」「…是哪天印发的」: that part only
            if part is None:
                kept.append(VerifiedSentence(c.text, c, c.text))
            elif part[1]:
                kept.append(VerifiedSentence(part[0], c, part[1]))
        prefix = ("" if len(kept) == 1 else f"有 {len(kept)} 份文件含有该条款：\n"
                  if len({s.clause.doc_id for s in kept}) == len(kept) else f"有 {len(kept)} 个条款符合：\n")
        body = "\n".join(f"{s.text}{cite(s.clause.doc_title, s.clause.label)}" for s in kept)
        return Answer(question=analysis.question, answer=prefix + body, refused=False,
                      citations=[self._citation(s, 1.0) for s in kept],
                      related=self._related(hits, exclude={c.clause_id for c in clauses}))

    def _division_answer(self, analysis: QueryAnalysis, clauses: list[Clause], hits: list[Hit]) -> Answer:
        """「旅游法第三章讲了什么」: the chapter's (or part's) heading, then each of its clauses by its first sentence."""
        ref = analysis.named.refs[0]
        lines, kept = [], []
        for doc_id in dict.fromkeys(c.doc_id for c in clauses):
            own = [c for c in clauses if c.doc_id == doc_id]
            heading = division_heading(own[0], ref) or ref.text
            span = f"{own[0].label}至{own[-1].label}，" if len(own) > 1 else ""
            lines.append(f"{book_title(own[0].doc_title)}{heading}：{span}共 {len(own)} 个条款。")
            for c in own[:DIVISION_CLAUSES]:
                first = next(iter(split_sentences(c.text)), c.text)
                kept.append(VerifiedSentence(first, c, first))
                lines.append(f"{first}{cite(c.doc_title, c.label)}")
            if len(own) > DIVISION_CLAUSES:
                lines.append(f"……另有 {len(own) - DIVISION_CLAUSES} 个条款。")
        return Answer(question=analysis.question, answer="\n".join(lines), refused=False,
                      citations=[self._citation(s, 1.0) for s in kept],
                      related=self._related(hits, exclude={c.clause_id for c in clauses}))

    def _compose(self, question: str, kept: list[VerifiedSentence], hits: list[Hit], answerer: str,
                 warnings: list[str]) -> Answer:
        scores = {h.clause.clause_id: h.score for h in hits}
        docs = {s.clause.doc_id for s in kept}
        lines = [f"{s.text}{cite(s.clause.doc_title, s.clause.label)}" for s in kept]
        text = ("\n".join(lines) if len(docs) == 1
                else f"{len(docs)} 份文件对此都有规定：\n" + "\n".join(lines))
        return Answer(question=question, answer=text, refused=False,
                      citations=[self._citation(s, scores.get(s.clause.clause_id, 0.0)) for s in kept],
                      related=self._related(hits, exclude={s.clause.clause_id for s in kept}), answerer=answerer,
                      warnings=warnings)

    def _refusal(self, question: str, hits: list[Hit], message: str = REFUSAL, answerer: str | None = None,
                 warnings: list[str] | None = None, trace: dict | None = None, reason: str = "") -> Answer:
        if trace:
            trace["refusal_reason"] = reason
        return Answer(question=question, answer=message, refused=True, citations=[], refusal_reason=reason or None,
                      related=self._related(hits, exclude=set()), answerer=answerer or self.answerer.name,
                      warnings=warnings or [])

    @staticmethod
    def _citation(s: VerifiedSentence, score: float) -> Citation:
        c = s.clause
        return Citation(clause_id=c.clause_id, doc_id=c.doc_id, doc_title=c.doc_title, doc_number=c.doc_number,
                        label=c.label, number=c.number, part=c.part, quote=s.quote, score=round(score, 6))

    @staticmethod
    def _related(hits: list[Hit], exclude: set[str]) -> list[RelatedClause]:
        return [RelatedClause(clause_id=c.clause_id, doc_id=c.doc_id, doc_title=c.doc_title, doc_number=c.doc_number,
                              label=c.label, number=c.number, part=c.part, score=round(h.score, 6), text=c.text)
                for h in hits if (c := h.clause).clause_id not in exclude][:RELATED_K]
