"""The generative answerer against a scripted OpenAI-compatible server on loopback.

Evidence is real: hits from the real index of the bundled corpus. Only the model is fake.
"""
from __future__ import annotations

import re
import socket

import pytest

from policyqa.assistant.drafts import AnswererUnavailable, DraftSentence
from policyqa.assistant.llm import (
    REFUSAL,
    LLMConfigError,
    LLMSettings,
    OpenAICompatibleAnswerer,
    load_llm_settings,
    parse_completion,
)
from policyqa.assistant.service import Assistant
from policyqa.assistant.verify import verify
from fake_llm_server import FakeLLMServer, Script

QUESTION = "县级综合养老服务管理平台依托什么建设？"
PLATFORM = "yanglao-gaige-2024:（一）"  # 建设县级综合养老服务管理平台
GOOD = "县级综合养老服务管理平台依托县级特困人员供养服务机构和养老服务信息系统建设。"
GOOD_QUOTE = ("依托县级特困人员供养服务机构和养老服务信息系统，建设综合养老服务管理平台，在承担兜底保障职能基础上，"
              "拓展和强化服务示范、行业指导、应急救助、资源协调等综合功能，统筹推动县域养老服务资源高效利用。")
INVENTED = "中央财政对每个平台补贴一千万元。"


@pytest.fixture(scope="session")
def llm_server():
    with FakeLLMServer() as server:
        yield server


@pytest.fixture
def server(llm_server):
    llm_server.script = Script()
    llm_server.requests.clear()
    return llm_server


@pytest.fixture
def answerer(server):
    return OpenAICompatibleAnswerer(base_url=server.base_url, model="fake-qwen", timeout_s=5)


@pytest.fixture(scope="session")
def evidence(assistant):
    """Three real hits for QUESTION; the platform clause is among them."""
    hits = assistant.search(QUESTION, k=3)
    assert PLATFORM in [h.clause.clause_id for h in hits]
    return hits


def number_of(evidence, clause_id: str) -> int:
    return [h.clause.clause_id for h in evidence].index(clause_id) + 1


def number_in_request(request: dict, clause) -> int:
    """The number the prompt gave ``clause``, read from the request as a model would."""
    user = request["messages"][-1]["content"]
    found = re.search(rf"\[(\d+)\] 《{re.escape(clause.doc_title)}》{re.escape(clause.label)}\n", user)
    assert found, "clause not in the prompt"
    return int(found.group(1))


# ---- (a) a good answer ------------------------------------------------------------------------
def test_good_answer_maps_numbers_to_clauses_with_verbatim_quotes(answerer, server, evidence, assistant):
    n = number_of(evidence, PLATFORM)
    server.script = Script(content=f"{GOOD}[{n}]\n省级、市级养老机构要推动优质资源下沉[{n}]。")

    draft = answerer.draft(QUESTION, evidence)

    assert not draft.refused
    assert draft.sentences == [
        DraftSentence(text=GOOD, clause_id=PLATFORM, quote=GOOD_QUOTE),
        DraftSentence(text="省级、市级养老机构要推动优质资源下沉。", clause_id=PLATFORM,
                      quote="省级、市级养老机构要推动优质资源下沉，增强对县级综合养老服务管理平台的技术支持、"
                            "示范引领、人才培养作用，促进区域联动。"),
    ]
    kept, dropped = verify(draft, assistant.index.clause)
    assert len(kept) == 2 and not dropped


def test_sentence_citing_several_numbers_takes_the_clause_that_supports_it(answerer, server, evidence):
    n = number_of(evidence, PLATFORM)
    others = [i for i in range(1, len(evidence) + 1) if i != n]
    server.script = Script(content=f"{GOOD}[{others[0]}][{n}]")

    [sentence] = answerer.draft(QUESTION, evidence).sentences

    assert (sentence.clause_id, sentence.quote) == (PLATFORM, GOOD_QUOTE)


# ---- (b) fabricated and missing citations -----------------------------------------------------
def test_fabricated_missing_and_unsupported_citations_are_not_attributed(answerer, server, evidence, assistant):
    n = number_of(evidence, PLATFORM)
    server.script = Script(content=f"{GOOD}[{n}]{INVENTED}[9]\n这一做法有利于统筹资源。\n月亮围绕地球运行。[{n}]")

    draft = answerer.draft(QUESTION, evidence)

    assert [(s.text, s.clause_id, s.quote) for s in draft.sentences] == [
        (GOOD, PLATFORM, GOOD_QUOTE),
        (INVENTED, None, None),  # [9] with three clauses of evidence
        ("这一做法有利于统筹资源。", None, None),  # no marker
        ("月亮围绕地球运行。", PLATFORM, None),  # the cited clause does not say it
    ]
    kept, dropped = verify(draft, assistant.index.clause)
    assert [s.text for s in kept] == [GOOD]
    assert len(dropped) == 3


# ---- (c) refusal ------------------------------------------------------------------------------
@pytest.mark.parametrize("reply", [REFUSAL, f"{REFUSAL}。", f"{REFUSAL}，所给条款没有涉及这一问题。"])
def test_refusal_phrase_gives_a_refused_draft(answerer, server, evidence, reply):
    server.script = Script(content=reply)

    draft = answerer.draft(QUESTION, evidence)

    assert draft.refused and draft.sentences == []


# ---- (d) timeout, (e) errors ------------------------------------------------------------------
def test_timeout_raises_unavailable(server, evidence):
    server.script = Script(content=f"{GOOD}[1]", delay_s=1.5)
    slow = OpenAICompatibleAnswerer(base_url=server.base_url, model="fake-qwen", timeout_s=0.3)

    with pytest.raises(AnswererUnavailable, match="超时"):
        slow.draft(QUESTION, evidence)


@pytest.mark.parametrize(
    ("script", "message"),
    [
        (Script(status=500, body='{"error": "model crashed"}'), "HTTP 500"),
        (Script(body="{not json"), "JSON"),
        (Script(body='{"object": "error", "message": "model not found"}'), "choices"),
        (Script(body='{"choices": [{"message": {"role": "assistant", "content": null}}]}'), "not a string"),
        (Script(content="   "), "empty"),
    ],
    ids=["http-500", "malformed-json", "no-choices", "null-content", "empty-content"],
)
def test_server_errors_and_unusable_output_raise_unavailable(answerer, server, evidence, script, message):
    server.script = script

    with pytest.raises(AnswererUnavailable, match=message):
        answerer.draft(QUESTION, evidence)


def test_unreachable_server_raises_unavailable(evidence):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gone = OpenAICompatibleAnswerer(base_url=f"http://127.0.0.1:{port}/v1", model="fake-qwen", timeout_s=2)

    with pytest.raises(AnswererUnavailable, match="无法连接"):
        gone.draft(QUESTION, evidence)


# ---- (f) the request --------------------------------------------------------------------------
def test_request_carries_model_numbered_evidence_and_question(answerer, server, evidence):
    server.script = Script(content=REFUSAL)

    answerer.draft(QUESTION, evidence)

    [request] = server.requests
    assert request.path == "/v1/chat/completions"
    assert "Authorization" not in request.headers
    body = request.json
    assert body["model"] == "fake-qwen"
    assert body["temperature"] == 0 and body["stream"] is False
    system, user = body["messages"]
    assert system["role"] == "system" and REFUSAL in system["content"] and "[2]" in system["content"]
    assert user["role"] == "user" and QUESTION in user["content"]
    for n, hit in enumerate(evidence, start=1):
        assert number_in_request(body, hit.clause) == n
        assert hit.clause.text.strip() in user["content"]


def test_api_key_is_sent_as_bearer_token(server, evidence):
    server.script = Script(content=REFUSAL)
    keyed = OpenAICompatibleAnswerer(base_url=server.base_url + "/", model="qwen2.5:7b", api_key="sk-test")

    keyed.draft(QUESTION, evidence)

    [request] = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["Authorization"] == "Bearer sk-test"
    assert request.json["model"] == "qwen2.5:7b"


# ---- parsing details ---------------------------------------------------------------------------
def test_reasoning_list_bullets_and_marker_styles(evidence):
    n = number_of(evidence, PLATFORM)
    full_width = chr(ord("０") + n)
    reply = (f"<think>问题问的是平台依托什么。</think>\n"
             f"1. {GOOD}\n[{n}, 9]\n- {GOOD}［{full_width}］\n* {GOOD}【{n}】")

    draft = parse_completion(reply, evidence)

    assert [(s.text, s.clause_id, s.quote) for s in draft.sentences] == [(GOOD, PLATFORM, GOOD_QUOTE)] * 3


# ---- configuration ----------------------------------------------------------------------------
@pytest.fixture
def clean_env(monkeypatch):
    for field in LLMSettings.model_fields:
        monkeypatch.delenv(f"POLICYQA_LLM_{field.upper()}", raising=False)
    return monkeypatch


def test_settings_from_environment(clean_env, server, evidence):
    clean_env.setenv("POLICYQA_LLM_BASE_URL", server.base_url + "/")
    clean_env.setenv("POLICYQA_LLM_MODEL", "qwen2.5:7b")
    clean_env.setenv("POLICYQA_LLM_API_KEY", "sk-env")
    clean_env.setenv("POLICYQA_LLM_TIMEOUT_S", "4.5")

    settings = load_llm_settings()
    answerer = OpenAICompatibleAnswerer.from_settings(settings)

    assert (settings.base_url, settings.timeout_s, settings.temperature) == (server.base_url, 4.5, 0.0)
    assert "sk-env" not in repr(settings)
    assert answerer.name == "llm:qwen2.5:7b"
    server.script = Script(content=REFUSAL)
    answerer.draft(QUESTION, evidence)
    assert server.requests[0].headers["Authorization"] == "Bearer sk-env"
    assert load_llm_settings(model="qwen3:8b", timeout_s=None).model == "qwen3:8b"


@pytest.mark.parametrize(
    ("env", "message"),
    [({}, "POLICYQA_LLM_BASE_URL"), ({"POLICYQA_LLM_BASE_URL": "localhost:8000/v1", "POLICYQA_LLM_MODEL": "q"},
                                     "http://")],
    ids=["missing", "no-scheme"],
)
def test_missing_or_bad_settings_are_a_user_error(clean_env, env, message):
    for name, value in env.items():
        clean_env.setenv(name, value)

    with pytest.raises(LLMConfigError, match=message) as caught:
        load_llm_settings()
    assert "未配置" in str(caught.value)


# ---- end to end through the assistant ---------------------------------------------------------
def _assert_verified(answer, assistant):
    assert answer.citations
    for citation in answer.citations:
        assert citation.quote in assistant.clause(citation.clause_id).text


def test_assistant_drops_fabricated_citation_and_warns(assistant, answerer, server):
    platform = assistant.clause(PLATFORM)
    server.script = Script(content=lambda request: f"{GOOD}[{number_in_request(request, platform)}]{INVENTED}[9]")

    answer = Assistant(assistant.index, answerer=answerer).ask(QUESTION)

    assert answer.answerer == "llm:fake-qwen"
    assert not answer.refused
    assert GOOD in answer.answer and "一千万" not in answer.answer
    assert [c.clause_id for c in answer.citations] == [PLATFORM]
    assert answer.warnings
    _assert_verified(answer, assistant)


def test_assistant_falls_back_when_no_sentence_survives(assistant, answerer, server):
    server.script = Script(content=f"{INVENTED}[9]")

    answer = Assistant(assistant.index, answerer=answerer).ask(QUESTION)

    assert answer.answerer == "extractive (fallback from llm:fake-qwen)"
    assert "一千万" not in answer.answer and answer.warnings
    _assert_verified(answer, assistant)


def test_assistant_falls_back_on_timeout(assistant, server):
    server.script = Script(content=f"{GOOD}[1]", delay_s=1.5)
    slow = OpenAICompatibleAnswerer(base_url=server.base_url, model="fake-qwen", timeout_s=0.3)

    answer = Assistant(assistant.index, answerer=slow).ask(QUESTION)

    assert answer.answerer == "extractive (fallback from llm:fake-qwen)"
    assert not answer.refused and answer.warnings
    _assert_verified(answer, assistant)
