"""The page's conversations: several per browser, kept in its local storage, each asked with its history.

The server holds one :class:`Conversations` per page session (:class:`Sessions`); the browser keeps a copy
(``gr.BrowserState``) written after every change and read back when the page loads, so a reload or a restart
of the server loses nothing. What comes back from the browser is checked field by field: a damaged or edited
store gives an empty list, never an error.
"""
from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field

from pydantic import ValidationError

from policyqa.assistant.followup import HistoryTurn
from policyqa.assistant.models import Answer

from .render import Turn

MAX_CONVERSATIONS = 30  # kept in the browser, newest first; the oldest goes when a new one starts
MAX_TURNS = 60  # turns of one conversation kept in the browser
MAX_SESSIONS = 1000  # open pages the server remembers (the browser has the real copy)
TITLE_CHARS = 18
AS_OF_RE = re.compile(r"\d{4}-\d{2}-\d{2}")  # a turn's date as the store keeps it (parse_as_of wrote it)
INTERRUPTED = "页面刷新或关闭时，这个问题还没有回答完，请重新提问。"


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass
class Conversation:
    id: str = field(default_factory=_new_id)
    turns: list[Turn] = field(default_factory=list)

    @property
    def title(self) -> str:
        if not self.turns:
            return "新对话"
        first = self.turns[0].question
        return first[:TITLE_CHARS] + ("…" if len(first) > TITLE_CHARS else "")

    def history(self, turn: Turn) -> list[HistoryTurn]:
        """The answered turns before ``turn``, oldest first, with the clauses each answer cited; clarifying
        questions are left out (the next question is read against the turn before them)."""
        before = self.turns[:self.turns.index(turn)]
        return [HistoryTurn(t.answer.question, tuple(c.clause_id for c in t.answer.citations))
                for t in before if t.answer is not None and not t.answer.needs_clarification and not t.stopped]


@dataclass
class Conversations:
    items: list[Conversation] = field(default_factory=lambda: [Conversation()])
    active: str = ""
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.items:
            self.items.append(Conversation())
        if self.active not in {c.id for c in self.items}:
            self.active = self.items[0].id

    @property
    def current(self) -> Conversation:
        return next(c for c in self.items if c.id == self.active)

    def start(self) -> Conversation:
        """A new empty conversation, made active (the current one is reused when it is still empty)."""
        if not self.current.turns:
            return self.current
        conversation = Conversation()
        self.items = [conversation, *self.items][:MAX_CONVERSATIONS]
        self.active = conversation.id
        return conversation

    def switch(self, conversation_id: str) -> bool:
        if conversation_id in {c.id for c in self.items}:
            self.active = conversation_id
            return True
        return False

    def remove(self, conversation_id: str) -> None:
        self.items = [c for c in self.items if c.id != conversation_id]
        self.__post_init__()

    def restore(self, stored: Conversations) -> None:
        """Take the conversations the browser kept, behind any begun on this page before they arrived (a
        question asked while the page was still loading); this object stays the session's."""
        live = [c for c in self.items if c.turns]
        known = {c.id for c in live}
        self.items = (live + [c for c in stored.items if c.turns and c.id not in known])[:MAX_CONVERSATIONS]
        self.active = live[0].id if live else stored.active
        self.__post_init__()

    def busy(self) -> Turn | None:
        """The turn being answered now."""
        return next((t for c in self.items for t in c.turns if t.running), None)

    def next_queued(self) -> tuple[Conversation, Turn] | None:
        return next(((c, t) for c in reversed(self.items) for t in c.turns if t.queued), None)

    def queued_count(self) -> int:
        return sum(t.queued for c in self.items for t in c.turns)

    def to_store(self) -> dict:
        """What the browser keeps: finished turns only, the trace reduced to the decision (for the
        weak-evidence note)."""
        items = []
        for c in self.items:
            turns = [_turn_to_dict(t) for t in c.turns if not t.queued and not t.running][-MAX_TURNS:]
            if turns:
                items.append({"id": c.id, "turns": turns})
        return {"version": 1, "active": self.active, "items": items}

    @classmethod
    def from_store(cls, data: object) -> Conversations:
        if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("items"), list):
            return cls()
        items = []
        for raw in data["items"][:MAX_CONVERSATIONS]:
            if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not isinstance(raw.get("turns"), list):
                continue
            turns = [t for t in (_turn_from_dict(x) for x in raw["turns"][-MAX_TURNS:]) if t is not None]
            if turns:
                items.append(Conversation(raw["id"][:40], turns))
        active = data.get("active") if isinstance(data.get("active"), str) else ""
        return cls(items or [Conversation()], active)


def _turn_to_dict(turn: Turn) -> dict:
    answer = None
    if turn.answer is not None:
        answer = turn.answer.model_dump(mode="json", exclude={"trace", "related"})
        decision = (turn.answer.trace or {}).get("decision")
        answer["trace"] = {"decision": decision} if decision else None
    return {"question": turn.question, "answer": answer, "error": turn.error, "stopped": turn.stopped,
            "doc_titles": turn.doc_titles, "as_of": turn.as_of, "feedback": turn.feedback}


def _turn_from_dict(data: object) -> Turn | None:
    if not isinstance(data, dict) or not isinstance(data.get("question"), str):
        return None
    turn = Turn(data["question"])
    try:
        turn.answer = Answer.model_validate(data["answer"]) if data.get("answer") is not None else None
    except ValidationError:
        return None
    if turn.answer is not None:
        turn.citations = list(turn.answer.citations)
    error = data.get("error")
    turn.error = error if isinstance(error, str) else None
    turn.stopped = data.get("stopped") is True
    titles = data.get("doc_titles")
    turn.doc_titles = [t for t in titles if isinstance(t, str)] if isinstance(titles, list) else []
    as_of = data.get("as_of")
    turn.as_of = as_of if isinstance(as_of, str) and AS_OF_RE.fullmatch(as_of) else None
    turn.feedback = data.get("feedback") if data.get("feedback") in ("up", "down") else None
    if turn.answer is None and turn.error is None and not turn.stopped:
        turn.error = INTERRUPTED
    return turn


class Sessions:
    """The conversations of each open page, by Gradio session; the least recently used are forgotten."""

    def __init__(self, limit: int = MAX_SESSIONS) -> None:
        self._limit = limit
        self._items: OrderedDict[str, Conversations] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: str) -> Conversations:
        with self._lock:
            if session not in self._items:
                self._items[session] = Conversations()
            self._items.move_to_end(session)
            while len(self._items) > self._limit:
                self._items.popitem(last=False)
            return self._items[session]

    def drop(self, session: str) -> None:
        with self._lock:
            self._items.pop(session, None)
