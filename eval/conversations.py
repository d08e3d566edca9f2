"""Conversation sets: follow-up questions answered in the light of the turns before them.

Format (JSONL), one conversation a line::

    {"id": "fu-001", "turns": [
        {"question": "养老机构用水用电按什么价格收费？", "relevant": ["yanglao-gaige-2024:（十四）"]},
        {"question": "那托育机构呢？", "relevant": [...], "kind": "followup", "resolved": "托育机构用水用电按什么价格收费？"}],
     "note": "..."}

Every turn after the first has a ``kind``: ``followup`` (must be read through the previous turn), ``standalone``
(must not be rewritten) or ``unclear`` (must get a clarifying question). Each turn is asked with the conversation so
far — the earlier questions and the clauses their answers actually cited — through the same ``Assistant.ask``.

Metrics over the turns after the first:

- ``resolution_accuracy``: turns handled as their kind says (followup rewritten, standalone left as asked,
  unclear answered with a clarifying question) / turns;
- ``followup_first_citation``: answerable followups whose first citation is relevant / answerable followups;
- ``standalone_first_citation``: the same over answerable standalone turns;
- ``followup_refusal_recall``: followups the documents do not answer that are refused / such followups;
- ``clarification_rate``: unclear turns answered with a clarifying question / unclear turns;
- ``false_clarification_rate``: followup and standalone turns answered with a clarifying question / those turns.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from policyqa.assistant.followup import HistoryTurn
from policyqa.assistant.service import Assistant
from policyqa.corpus.jsonlines import json_lines

from .questions import QuestionSetError

KINDS = ("followup", "standalone", "unclear")


@dataclass(frozen=True)
class ConversationTurn:
    question: str
    relevant: tuple[str, ...]
    kind: str | None  # None for the first turn
    resolved: str | None = None


@dataclass(frozen=True)
class Conversation:
    id: str
    turns: tuple[ConversationTurn, ...]


@dataclass(frozen=True)
class TurnResult:
    turn: ConversationTurn
    rewritten: bool
    clarified: bool
    refused: bool
    first_citation: str | None
    resolved_question: str | None


def is_conversation_file(path: Path) -> bool:
    """Whether ``path`` holds conversations (its first object has ``turns``) rather than single questions."""
    try:
        with path.open(encoding="utf-8") as f:
            first = next((line for line in f if line.strip()), "")
        return isinstance(data := json.loads(first), dict) and "turns" in data
    except (OSError, ValueError):
        return False


def read_conversations(path: Path) -> list[Conversation]:
    conversations, seen = [], set()
    for where, data in json_lines(path, "对话集", QuestionSetError):
        try:
            turns = tuple(_turn(t, i, where) for i, t in enumerate(data["turns"]))
            conversation = Conversation(str(data["id"]), turns)
        except (ValueError, KeyError, TypeError) as exc:
            raise QuestionSetError(f"{where}: 对话格式有误 (malformed conversation: {exc!r})") from None
        if conversation.id in seen or len(turns) < 2:
            raise QuestionSetError(f"{where}: 编号重复或少于两轮 (duplicate id or fewer than two turns)")
        seen.add(conversation.id)
        conversations.append(conversation)
    return conversations


def _turn(data: dict, position: int, where: str) -> ConversationTurn:
    kind = data.get("kind") if position else None
    if position and kind not in KINDS:
        raise QuestionSetError(f"{where}: 第{position + 1}轮的 kind 应为 {'/'.join(KINDS)} (turn kind must be one of "
                               f"{', '.join(KINDS)})")
    return ConversationTurn(str(data["question"]), tuple(str(c) for c in data["relevant"]), kind,
                            data.get("resolved"))


def run_conversations(assistant: Assistant, conversations: list[Conversation]) -> list[TurnResult]:
    """The results of every turn after the first, each asked with the conversation as it actually went."""
    results = []
    for conversation in conversations:
        history: list[HistoryTurn] = []
        for position, turn in enumerate(conversation.turns):
            answer = assistant.ask(turn.question, history=history)
            cited = tuple(c.clause_id for c in answer.citations)
            if position:
                results.append(TurnResult(turn, answer.resolved_question is not None, answer.needs_clarification,
                                          answer.refused, cited[0] if cited and not answer.refused else None,
                                          answer.resolved_question))
            history.append(HistoryTurn(turn.question, cited))
    return results


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def conversation_metrics(results: list[TurnResult]) -> dict:
    def handled(r: TurnResult) -> bool:
        return {"followup": r.rewritten, "standalone": not r.rewritten and not r.clarified,
                "unclear": r.clarified}[r.turn.kind]

    followups = [r for r in results if r.turn.kind == "followup"]
    standalone = [r for r in results if r.turn.kind == "standalone"]
    unclear = [r for r in results if r.turn.kind == "unclear"]
    answerable_followups = [r for r in followups if r.turn.relevant]
    answerable_standalone = [r for r in standalone if r.turn.relevant]
    unanswerable_followups = [r for r in followups if not r.turn.relevant]
    clear = followups + standalone
    return {
        "turns": len(results), "followup": len(followups), "standalone": len(standalone), "unclear": len(unclear),
        "resolution_accuracy": _ratio(sum(map(handled, results)), len(results)),
        "followup_first_citation": _ratio(sum(r.first_citation in r.turn.relevant for r in answerable_followups),
                                          len(answerable_followups)),
        "standalone_first_citation": _ratio(sum(r.first_citation in r.turn.relevant for r in answerable_standalone),
                                            len(answerable_standalone)),
        "followup_refusal_recall": _ratio(sum(r.refused for r in unanswerable_followups), len(unanswerable_followups)),
        "clarification_rate": _ratio(sum(r.clarified for r in unclear), len(unclear)),
        "false_clarification_rate": _ratio(sum(r.clarified for r in clear), len(clear)),
    }
