"""Follow-up questions and the trace over the HTTP API, on a real uvicorn server on loopback."""
from __future__ import annotations

import httpx
import pytest

from policyqa.assistant.api import create_app
from policyqa.assistant.conversations import ConversationStore
from policyqa.assistant.followup import HistoryTurn
from tests.test_api import LiveServer, _settings, parse_sse

WATER = "养老机构用水用电按什么价格收费？"


@pytest.fixture(scope="module")
def client(bundled_index_dir):
    with LiveServer(create_app(_settings(bundled_index_dir))) as live:
        live.wait_ready()
        with httpx.Client(base_url=live.url, timeout=60) as c:
            yield c


def test_a_follow_up_is_resolved_from_the_history_it_carries(client):
    history = [{"question": WATER, "clause_ids": ["yanglao-gaige-2024:（十四）"]}]
    answer = client.post("/v1/ask", json={"question": "它是哪年发的？", "history": history}).json()
    assert answer["resolved_question"].endswith("是哪年发的？") and answer["citations"]
    unclear = client.post("/v1/ask", json={"question": "那个呢？", "history": history}).json()
    assert unclear["needs_clarification"] and unclear["refused"] and not unclear["citations"]
    alone = client.post("/v1/ask", json={"question": "它是哪年发的？"}).json()
    assert alone["resolved_question"] is None  # no conversation: the question as it stands


def test_the_server_keeps_a_conversation_by_its_id(client):
    first = client.post("/v1/ask", json={"question": WATER, "conversation_id": "c-42"}).json()
    assert first["citations"][0]["clause_id"] == "yanglao-gaige-2024:（十四）"
    second = client.post("/v1/ask", json={"question": "它是哪年发的？", "conversation_id": "c-42", "stream": True})
    events = parse_sse(second.text)
    done = next(payload for kind, payload in events if kind == "done")
    assert done["resolved_question"].endswith("是哪年发的？")
    other = client.post("/v1/ask", json={"question": "它是哪年发的？", "conversation_id": "c-43"}).json()
    assert other["needs_clarification"]  # another conversation has nothing before it


@pytest.mark.parametrize("body", [
    {"question": "那托育机构呢？", "history": [{"question": ""}]},
    {"question": "那托育机构呢？", "history": [{"question": WATER, "clause_ids": "x"}]},
    {"question": "那托育机构呢？", "history": [{"question": WATER, "extra": 1}]},
    {"question": "那托育机构呢？", "conversation_id": "has space"},
    {"question": "那托育机构呢？", "history": [{"question": WATER}] * 21},
])
def test_a_malformed_history_is_a_422(client, body):
    response = client.post("/v1/ask", json=body)
    assert response.status_code == 422, response.text


def test_the_trace_is_returned_on_request(client):
    answer = client.post("/v1/ask", json={"question": WATER, "explain": True}).json()
    assert answer["trace"]["ranking"][0]["clause_id"] == "yanglao-gaige-2024:（十四）"
    assert answer["trace"]["decision"]["answerable"] is True
    assert client.post("/v1/ask", json={"question": WATER}).json()["trace"] is None


def test_the_store_is_bounded_in_count_turns_and_time():
    store = ConversationStore(max_conversations=2, ttl_seconds=3600, max_turns=2)
    for n in range(3):
        store.append("a", HistoryTurn(f"问题{n}"))
    assert [t.question for t in store.history("a")] == ["问题1", "问题2"]
    store.append("b", HistoryTurn("b"))
    store.append("c", HistoryTurn("c"))
    assert store.history("a") == [] and store.history("c")  # the least recently used went
    expired = ConversationStore(ttl_seconds=0)
    expired.append("x", HistoryTurn("x"))
    assert expired.history("x") == []
