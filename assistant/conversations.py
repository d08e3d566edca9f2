"""Conversations the API keeps for a while, so a client may send a ``conversation_id`` instead of the history.

Bounded in count and time: the least recently used conversation goes when the store is full, and one idle longer
than the time-to-live is forgotten. A conversation keeps its last turns only (the resolver reads the latest).
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict

from .followup import HistoryTurn

MAX_CONVERSATIONS = 10_000
TTL_SECONDS = 2 * 3600
MAX_TURNS = 20


class ConversationStore:
    def __init__(self, max_conversations: int = MAX_CONVERSATIONS, ttl_seconds: float = TTL_SECONDS,
                 max_turns: int = MAX_TURNS) -> None:
        self._turns: OrderedDict[str, tuple[float, list[HistoryTurn]]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_conversations, self.ttl_seconds, self.max_turns = max_conversations, ttl_seconds, max_turns

    def history(self, conversation_id: str) -> list[HistoryTurn]:
        """The turns kept for ``conversation_id`` (oldest first); none for an unknown or expired one."""
        with self._lock:
            kept = self._turns.get(conversation_id)
            if kept is None or time.monotonic() - kept[0] > self.ttl_seconds:
                self._turns.pop(conversation_id, None)
                return []
            return list(kept[1])

    def append(self, conversation_id: str, turn: HistoryTurn) -> None:
        with self._lock:
            _, turns = self._turns.pop(conversation_id, (0.0, []))
            self._turns[conversation_id] = (time.monotonic(), [*turns, turn][-self.max_turns:])
            while len(self._turns) > self.max_conversations:
                self._turns.popitem(last=False)
