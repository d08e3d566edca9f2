"""Generated answers streamed: the LLM answerer read as the model writes, each sentence verified before it is sent.

The model is the scripted OpenAI-compatible server on loopback (tests/fake_llm_server.py), streaming its reply in
chunks over real HTTP; the API is a real uvicorn server; the evidence comes from the real index of the bundled
corpus. Ordering is proven with a gate the test opens, not with timings.
"""
from __future__ import annotations

import json
import random
import re
import socket

import httpx
import pytest

from policyqa.assistant.api import create_app
from policyqa.assistant.drafts import AnswererUnavailable, Draft, PriorTurn
from policyqa.assistant.llm import (MAX_PRIOR_TURNS, REFUSAL, OpenAICompatibleAnswerer, SentenceCutter,
                                    build_messages, draft_sentence, parse_completion)
from policyqa.assistant.service import Assistant
from fake_llm_server import DIE, GATE, FakeLLMServer, Script
from tests.test_api import LiveServer, _settings
from tests.test_llm_answerer import GOOD, INVENTED, PLATFORM, QUESTION, number_in_request

SECOND = "省级、市级养老机构要推动优质资源下沉。"
UNSUPPORTED = "月亮围绕地球运行。"
WATER = "养老机构用水用电按什么价格收费？"
WATER_CLAUSE = "yanglao-gaige-2024:（十四）"


@pytest.fixture(scope="module")
def llm():
    with FakeLLMServer() as server:
        yield server


@pytest.fixture
def model(llm):
    """The fake model with a fresh script; a gate left closed by a failed test is opened afterwards."""
    llm.script = Script()
    llm.requests.clear()
    yield llm
    llm.script.gate.set()


@pytest.fixture(scope="module")
def answerer(llm):
    return OpenAICompatibleAnswerer(base_url=llm.base_url, model="fake-qwen", timeout_s=2)


@pytest.fixture(scope="module")
def generating(assistant, answerer):
    return Assistant(assistant.index, answerer=answerer)


@pytest.fixture(scope="module")
def api(bundled_index_dir, generating):
    with LiveServer(create_app(_settings(bundled_index_dir), loader=lambda: generating)) as live:
        live.wait_ready()
        with httpx.Client(base_url=live.url, timeout=20) as client:
            yield client


@pytest.fixture(scope="module")
def cited(assistant):
    """``cited("…[{n}]")``: a reply whose {n} is the number the request gave the platform clause."""
    platform = assistant.clause(PLATFORM)
    return lambda text: lambda request: text.format(n=number_in_request(request, platform))


def events_as_they_come(response: httpx.Response):
    """(event, data) for each server-sent event, read as it arrives."""
    kind = None
    for line in response.iter_lines():
        if line.startswith("event: "):
            kind = line[len("event: "):]
        elif line.startswith("data: "):
            yield kind, json.loads(line[len("data: "):])


def ask_streaming(api: httpx.Client, body: dict) -> tuple[list[tuple[str, object]], str]:
    with api.stream("POST", "/v1/ask", json={"stream": True, **body}) as response:
        assert response.status_code == 200, response.read()
        events = list(events_as_they_come(response))
    return events, "".join(json.dumps(data, ensure_ascii=False) for _, data in events)


# ---- cutting the reply as it arrives ------------------------------------------------------------
REPLIES = [
    f"{GOOD}[1]\n{SECOND}[1]",
    f"<think>问题问的是平台依托什么。</think>\n1. {GOOD}\n[1, 9]\n- {GOOD}［１］\n* {GOOD}【1】",
    f"{GOOD}[1][2]{INVENTED}[9]\n这一做法有利于统筹资源。\n{UNSUPPORTED}[1]",
    f"{GOOD}！？[2]。\n\n{SECOND}[1,]没有句号的结尾[3]",
    f"  {GOOD} [1] \n\n  [2]{SECOND}\n[1]",
    "[1]\n\n。。",
]


@pytest.mark.parametrize("reply", REPLIES)
def test_cutting_in_pieces_finds_the_sentences_of_the_whole_reply(reply, evidence_of_three):
    whole = parse_completion(reply, evidence_of_three).sentences
    rng = random.Random(reply)
    for sizes in ([1] * len(reply), [rng.randint(1, 7) for _ in reply]):
        cutter, raw, at = SentenceCutter(), [], 0
        for size in sizes:
            raw += cutter.feed(reply[at:at + size])
            at += size
        raw += cutter.finish()
        assert [s for s in (draft_sentence(r, evidence_of_three) for r in raw) if s] == whole


def test_a_sentence_is_handed_over_once_nothing_after_it_can_be_its_marker():
    cutter = SentenceCutter()
    assert cutter.feed(f"{GOOD}") == []  # a marker may follow 。
    assert cutter.feed("\n[") == []  # … even on the next line
    assert cutter.feed("1]") == []
    assert cutter.feed("\n") == []
    assert cutter.feed("省") == [f"{GOOD}\n[1]"]  # the next sentence has begun
    assert cutter.feed("级\n") == ["省级\n"]  # a line break ends a sentence at once
    assert cutter.feed("<thi") == [] and cutter.feed("nk>想一想。[2]</think>末句。") == []
    assert cutter.finish() == ["末句。"]


@pytest.fixture(scope="module")
def evidence_of_three(assistant):
    hits = assistant.search(QUESTION, k=3)
    assert PLATFORM in [h.clause.clause_id for h in hits]
    return hits


# ---- the answerer over HTTP --------------------------------------------------------------------
def test_stream_draft_gives_the_sentences_of_draft(model, answerer, evidence_of_three, cited):
    reply = cited(f"{GOOD}[{{n}}]{INVENTED}[9]\n{SECOND}[{{n}}]")
    model.script = Script(content=reply)
    whole = answerer.draft(QUESTION, evidence_of_three)
    streamed = list(answerer.stream_draft(QUESTION, evidence_of_three))

    assert [d.sentences for d in streamed] == [[s] for s in whole.sentences]
    assert [r.json["stream"] for r in model.requests] == [False, True]
    assert model.script.finished.is_set()


def test_a_refusal_streams_as_a_refused_draft(model, answerer, evidence_of_three):
    model.script = Script(content=f"{REFUSAL}。")
    *_, last = answerer.stream_draft(QUESTION, evidence_of_three)
    assert last == Draft(refused=True)


def test_a_server_that_does_not_stream_is_read_whole(model, answerer, evidence_of_three):
    model.script = Script(body=json.dumps({"choices": [{"message": {"content": f"{GOOD}[1]"}}]}))
    [piece] = answerer.stream_draft(QUESTION, evidence_of_three)
    assert piece.sentences[0].text == GOOD


@pytest.mark.parametrize(("content", "message"), [(f"{GOOD}[1]省级{DIE}", "中断"), (f"{GOOD}[1]省级{GATE}", "超时")],
                         ids=["died", "stalled"])
def test_a_model_that_dies_or_stalls_mid_stream_raises_after_the_finished_sentences(
        model, answerer, evidence_of_three, content, message):
    model.script = Script(content=content)
    pieces = answerer.stream_draft(QUESTION, evidence_of_three)
    assert next(pieces).sentences[0].text == GOOD
    with pytest.raises(AnswererUnavailable, match=message):
        next(pieces)


@pytest.mark.parametrize(
    ("script", "message"),
    [
        (Script(status=500, body='{"error": "model crashed"}'), "HTTP 500"),
        (Script(body="{not json"), "JSON"),
        (Script(body='{"object": "error", "message": "model not found"}'), "choices"),
        (Script(content="   "), "empty"),
    ],
    ids=["http-500", "malformed-json", "no-choices", "empty-content"],
)
def test_server_errors_and_unusable_output_raise_unavailable(model, answerer, evidence_of_three, script, message):
    model.script = script
    with pytest.raises(AnswererUnavailable, match=message):
        list(answerer.stream_draft(QUESTION, evidence_of_three))


def test_an_unreachable_server_raises_unavailable(evidence_of_three):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gone = OpenAICompatibleAnswerer(base_url=f"http://127.0.0.1:{port}/v1", model="fake-qwen", timeout_s=2)
    with pytest.raises(AnswererUnavailable, match="无法连接"):
        list(gone.stream_draft(QUESTION, evidence_of_three))


# ---- through the API ---------------------------------------------------------------------------
def test_the_first_sentence_is_sent_while_the_model_is_still_writing(model, api, cited):
    model.script = Script(content=cited(f"{GOOD}[{{n}}]省{GATE}级、市级养老机构要推动优质资源下沉[{{n}}]。"))
    with api.stream("POST", "/v1/ask", json={"question": QUESTION, "stream": True}) as response:
        assert response.status_code == 200
        events = events_as_they_come(response)
        assert next(events) == ("citations", [])
        kind, citations = next(events)
        assert kind == "citations" and [c["clause_id"] for c in citations] == [PLATFORM]
        kind, delta = next(events)
        # The model is held at the gate, in its second sentence: the first is out, verified and cited.
        assert kind == "delta" and delta["text"].startswith(GOOD) and "《" in delta["text"]
        assert not model.script.finished.is_set()
        model.script.gate.set()
        rest = list(events)
    assert model.script.finished.is_set()
    kinds = [k for k, _ in rest]
    assert kinds == ["citations", "delta", "done"]
    done = rest[-1][1]
    assert done["answerer"] == "llm:fake-qwen" and not done["refused"]
    assert done["answer"] == delta["text"] + rest[1][1]["text"]
    assert SECOND in done["answer"]
    assert done["citations"] == rest[0][1] and len(done["citations"]) == 2


def test_an_unverifiable_sentence_never_appears_in_any_event(model, api, assistant, cited):
    model.script = Script(content=cited(f"{GOOD}[{{n}}]{INVENTED}[9]\n这一做法有利于统筹资源。\n{UNSUPPORTED}[{{n}}]"))
    events, raw = ask_streaming(api, {"question": QUESTION})
    for dropped in ("一千万", "统筹资源", "月亮"):
        assert dropped not in raw
    done = events[-1][1]
    assert events[-1][0] == "done" and done["answer"].startswith(GOOD)
    assert done["warnings"] == ["已删除 3 句无法核验引用的内容 (3 sentence(s) without a verified citation removed)"]
    for c in done["citations"]:
        assert c["quote"] in assistant.clause(c["clause_id"]).text


def test_when_no_sentence_verifies_the_extractive_answer_is_sent(model, api, assistant):
    model.script = Script(content=f"{INVENTED}[9]")
    events, raw = ask_streaming(api, {"question": QUESTION})
    assert "一千万" not in raw
    done = events[-1][1]
    assert done["answerer"] == "extractive (fallback from llm:fake-qwen)" and done["citations"]
    assert "".join(d["text"] for k, d in events if k == "delta") == done["answer"]


def test_a_model_refusal_ends_with_the_refusal_text(model, api):
    model.script = Script(content=REFUSAL)
    events, _ = ask_streaming(api, {"question": QUESTION})
    done = events[-1][1]
    assert done["refused"] and done["answerer"] == "llm:fake-qwen"
    assert "".join(d["text"] for k, d in events if k == "delta") == done["answer"] == \
        "现有文件中未找到依据：已加载的文件中没有关于这个问题的规定。"


@pytest.mark.parametrize("cut", [DIE, GATE], ids=["died", "stalled"])
def test_a_model_lost_after_a_sentence_was_sent_ends_the_stream_with_an_error_event(model, api, cited, cut):
    model.script = Script(content=cited(f"{GOOD}[{{n}}]省级{cut}"))
    events, _ = ask_streaming(api, {"question": QUESTION})
    assert [k for k, _ in events] == ["citations", "citations", "delta", "error"]
    error = events[-1][1]
    assert set(error) == {"code", "message"} and error["code"] == "answerer_unavailable"
    assert "模型服务" in error["message"]


def test_a_model_lost_before_any_sentence_falls_back_to_the_extractive_answer(model, api):
    model.script = Script(content=f"县级{DIE}")
    events, _ = ask_streaming(api, {"question": QUESTION})
    done = events[-1][1]
    assert events[-1][0] == "done" and done["answerer"].startswith("extractive (fallback")
    assert any("生成式回答不可用" in w for w in done["warnings"])


def test_the_model_is_dropped_when_the_client_goes(model, api, cited):
    model.script = Script(content=cited(f"{GOOD}[{{n}}]" * 300), chunk_delay_s=0.01)
    with api.stream("POST", "/v1/ask", json={"question": QUESTION, "stream": True}) as response:
        for kind, _ in events_as_they_come(response):
            if kind == "delta":
                break
    # The fake writes until its writes fail: that happens only if the API closed its request to the model.
    assert model.script.abandoned.wait(30), "the model server was never hung up on"
    assert not model.script.finished.is_set()


def test_the_model_receives_the_earlier_turns(model, api, assistant):
    model.script = Script(content=REFUSAL)
    history = [{"question": WATER, "clause_ids": [WATER_CLAUSE]}]
    for stream in (True, False):
        model.requests.clear()
        response = api.post("/v1/ask", json={"question": "那托育机构呢？", "history": history, "stream": stream})
        assert response.status_code == 200
        [request] = model.requests
        assert request.json["stream"] is stream
        user = request.json["messages"][-1]["content"]
        water = assistant.clause(WATER_CLAUSE)
        assert f"问：{WATER}" in user and f"《{water.doc_title}》{water.label}" in user
        assert user.index("此前的对话") < user.index("条款：") < user.index("问题：托育机构")  # resolved question


def first_sentence_of_clause_one(request: dict) -> str:
    """A reply quoting the first sentence of clause [1] as the prompt gives it, cited [1]: verifiable whatever
    the evidence is."""
    user = request["messages"][-1]["content"]
    text = re.search(r"\[1\] 《[^》]+》\S*\n(.+)", user).group(1)
    return re.match(r"[^。；]+", text).group() + "。[1]"


def test_a_resolved_follow_up_streams_its_reading_first(model, api):
    model.script = Script(content=first_sentence_of_clause_one)
    history = [{"question": WATER, "clause_ids": [WATER_CLAUSE]}]
    events, _ = ask_streaming(api, {"question": "那托育机构呢？", "history": history})
    deltas = [d["text"] for k, d in events if k == "delta"]
    done = events[-1][1]
    assert done["resolved_question"].startswith("托育机构") and done["answerer"] == "llm:fake-qwen"
    assert deltas[0] == f"按上文理解为：{done['resolved_question']}\n" and len(deltas) == 2
    assert "".join(deltas) == done["answer"] and done["question"] == "那托育机构呢？"


def test_a_client_that_does_not_stream_gets_the_whole_answer(model, api, cited):
    model.script = Script(content=cited(f"{GOOD}[{{n}}]{INVENTED}[9]"))
    answer = api.post("/v1/ask", json={"question": QUESTION}).json()
    assert answer["answer"].startswith(GOOD) and "一千万" not in answer["answer"]
    assert [c["clause_id"] for c in answer["citations"]] == [PLATFORM]
    assert [r.json["stream"] for r in model.requests] == [False]


def test_the_conversation_shown_to_the_model_is_bounded(assistant):
    water = assistant.clause(WATER_CLAUSE)
    turns = [PriorTurn(f"第{i}问" + "很长" * 200, (water,) * 5) for i in range(10)]
    user = build_messages(QUESTION, [], turns)[-1]["content"]
    assert "第9问" in user and f"第{9 - MAX_PRIOR_TURNS}问" not in user
    assert len(user) < 1500 and not re.search("很长" * 60, user)
