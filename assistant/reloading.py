"""The serving process's current assistant, swapped for a newer index generation without stopping.

A write (``policyqa add``, the API, the UI, another process) publishes a new generation of the index folder by
switching one pointer (:mod:`policyqa.index.living`). A serving process notices at most once per ``poll_s``, on a
request's path, by one small read (:func:`~policyqa.index.living.current_generation`); no thread runs while it is
idle. The new generation is then loaded and warmed in a background thread while requests go on being answered from
the old one, and one reference is swapped. A request takes the assistant once, when it starts, and keeps it: the
requests in flight finish on the generation they began with, the next ones get the new one, and none waits for a
load or sees half of one. A reload that fails is logged and the old generation stays in service.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from policyqa.corpus.errors import UserError

from .service import Assistant

log = logging.getLogger(__name__)
RETRY_FAILED_S = 30.0  # a generation that failed to load is tried again after this, not at every poll


def _no_generation() -> None:
    return None


WARM_QUESTIONS = ("养老服务补贴的标准是多少？",  # retrieval, the ranker's features, an extractive answer
                  "养老服务第一条是怎么规定的？")  # an article named: the documents' numbering for lookup


def _warm(assistant: Assistant) -> None:
    """What the first request would otherwise wait for, made before it comes: the tokenizer, the embedder (a lexical
    index has none), and what the assistant reads once per index — the documents' title tables and numbering, each
    document's reach, the stored BM25 terms (1.5–2 s over the whole law corpus)."""
    for question in WARM_QUESTIONS:
        assistant.ask(question)


def _reason(exc: Exception) -> str:
    return str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"


class AssistantHolder:
    """Loads the assistant (once in the background, or now) and publishes only a complete, warmed one; thereafter
    :meth:`current` serves the newest generation of the index folder that has finished loading."""

    def __init__(self, loader: Callable[[], Assistant], generation: Callable[[], object] = _no_generation,
                 poll_s: float = 1.0) -> None:
        self._loader = loader
        self._generation = generation
        self.poll_s = poll_s
        self.assistant: Assistant | None = None
        self.generation: object = None  # the generation of ``assistant``, as current_generation names it
        self.error: str | None = None  # the first load failed: the server cannot serve
        self.reload_error: str | None = None  # the last reload failed: the previous generation serves on
        self.stopping = False
        self.on_failure: Callable[[], None] | None = None
        self._load_lock = threading.Lock()  # one load at a time
        self._checked_at = 0.0
        self._reloading = False
        self._started = False
        self.index_dir: Path | None = None  # the folder followed, when known (for_index)

    @classmethod
    def for_index(cls, index_dir: object, answerer: str | None = None, poll_s: float = 1.0) -> AssistantHolder:
        """A holder of ``Assistant.load(index_dir)`` that follows the index's generations (``index_dir``: a folder,
        None for the default one, or a Milvus location — given, or ``$POLICYQA_MILVUS_URI`` — whose builds it
        follows by the collection aliases, so every replica over one Milvus picks up a ``policyqa publish``)."""
        from policyqa.index import default_index_dir
        from policyqa.index.backends import MilvusLocation, from_environment
        from policyqa.index.living import current_generation

        def load() -> Assistant:
            return Assistant.load(index_dir, answerer=answerer)

        if isinstance(location := index_dir or from_environment(), MilvusLocation):
            from policyqa.index.milvus import current_version  # hook: builds and living-corpus writes alike

            return cls(load, lambda: current_version(location), poll_s)
        if index_dir is not None and not isinstance(index_dir, str | Path):
            return cls(load)
        folder = Path(index_dir) if index_dir is not None else default_index_dir()
        holder = cls(load, lambda: current_generation(folder), poll_s)
        holder.index_dir = folder
        return holder

    # ---- the first load ---------------------------------------------------------------------------
    def stop(self) -> None:
        """The server is shutting down: readiness turns false first, so a load balancer stops sending."""
        self.stopping = True

    def start(self) -> None:
        """The first load, in a background thread (the port opens at once; /readyz says when it is done); nothing
        when it has begun already."""
        if self._started:
            return
        self._started = True
        threading.Thread(target=self._first_load, name="policyqa-index-loader", daemon=True).start()

    def load_now(self) -> Assistant:
        """The first load, here (a :class:`UserError` when it fails)."""
        self._started = True
        self._first_load()
        if self.assistant is None:
            raise UserError(f"索引加载失败 (the index failed to load): {self.error}")
        return self.assistant

    def _first_load(self) -> None:
        try:
            self._load_newest()
        except Exception as exc:  # reported on /readyz and /v1 as 503; run_server stops the server
            log.error("索引加载失败 index failed to load: %s", exc, exc_info=not isinstance(exc, UserError))
            self.error = _reason(exc)
            if self.on_failure is not None:
                self.on_failure()
            return
        log.info("索引已加载 index loaded: %s clauses, generation %s", len(self.assistant.index.clauses),
                 self.generation)

    # ---- later generations -------------------------------------------------------------------------
    def current(self) -> Assistant | None:
        """The assistant to serve this request with; a newer generation, when one is noticed, loads meanwhile."""
        if self.assistant is not None and not self._reloading:
            now = time.monotonic()
            if now - self._checked_at >= self.poll_s:
                self._checked_at = now
                self._notice_newer()
        return self.assistant

    def refresh(self) -> Assistant:
        """Load the newest generation now, if it is not the one served, and return it (after a write made by this
        process: its next request must see the write). Blocking: call it off the event loop."""
        self._load_newest()
        self._checked_at = time.monotonic()
        return self.assistant

    def _notice_newer(self) -> None:
        try:
            newest = self._generation()
        except Exception as exc:  # a folder being written to, a permission problem: try again at the next poll
            log.debug("index generation unreadable: %s", exc)
            return
        if newest == self.generation:
            self.reload_error = None  # the pointer names the generation in service again: nothing is failing
        else:
            self._reloading = True
            threading.Thread(target=self._reload, name="policyqa-index-reloader", daemon=True).start()

    def _reload(self) -> None:
        retry_in = 0.0
        try:
            self._load_newest()
        except Exception as exc:  # the generation in service stays; a later poll tries again
            log.error("新版本索引加载失败，继续使用当前版本 (reload failed; serving generation %s): %s",
                      self.generation, exc, exc_info=not isinstance(exc, UserError))
            self.reload_error = _reason(exc)
            retry_in = RETRY_FAILED_S
        finally:
            self._checked_at = time.monotonic() + retry_in
            self._reloading = False

    def _load_newest(self) -> None:
        with self._load_lock:
            try:
                newest = self._generation()
            except UserError:  # no index yet (Assistant.load builds the default one) or unreadable: loading says
                newest = None
            if self.assistant is not None and newest == self.generation:
                return
            assistant = self._loader()
            _warm(assistant)
            # The generation the index says it loaded (a write between the two reads is then not missed).
            newest = getattr(assistant.index, "generation", newest)
            self.assistant, self.generation = assistant, newest  # the swap: one reference
            self.reload_error = None
        if newest is not None:
            log.info("索引版本 %s 已启用 (index generation %s in service)", newest, newest)


class CurrentAssistant:
    """Stands for a holder's current :class:`Assistant` where one object is expected (the web UI): every attribute
    is read from the generation in service at that moment, so a method called on it runs wholly on one generation."""

    def __init__(self, holder: AssistantHolder) -> None:
        self._holder = holder

    @property
    def holder(self) -> AssistantHolder:
        return self._holder

    def __getattr__(self, name: str):
        assistant = self._holder.current()
        if assistant is None:
            raise UserError("索引正在加载，请稍后重试 (the index is still loading; retry shortly)")
        return getattr(assistant, name)
