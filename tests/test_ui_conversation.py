"""The chat kept as a conversation, in a real headless Chromium against ``policyqa ui`` on loopback.

A three-turn conversation with a follow-up and a clarifying question, found again after a reload, exported as
Markdown, copied, judged 👎 with a comment (the line is read back from the server's feedback folder); several
conversations; questions typed while one is answered wait in the queue, in order; the document filter is shown; a
server that has gone away is reported in Chinese. 「停止」, a failed answer and the store's parsing are tested through
the page's own handlers, without a browser.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from policyqa.ui.conversation import INTERRUPTED, Conversations
from policyqa.ui.export import conversation_markdown
from test_ui_browser import CHROMIUM, ENV, OUT, _ask, _free_port, _wait_until_serving, browser  # noqa: F401

ANSWER_MS = 90_000
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="需要 chromium (/usr/bin/chromium missing)")
ANSWERS = ".pq-answer, .pq-refusal, .pq-clarify, .pq-error, .pq-stopped"


def _serve(index: Path, feedback: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "policyqa", "ui", "--index", str(index), "--port", str(port)],
                            stdout=log.open("w"), stderr=subprocess.STDOUT,
                            env={**ENV, "POLICYQA_FEEDBACK_DIR": str(feedback), "OMP_NUM_THREADS": "1"})
    url = f"http://127.0.0.1:{port}/"
    _wait_until_serving(url, lambda: proc.poll() is None)
    return proc, url


@pytest.fixture(scope="module")
def server(bundled_index_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ui-conversation")
    proc, url = _serve(bundled_index_dir, folder / "feedback", folder / "server.log")
    yield url, folder / "feedback"
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True)
    yield context
    context.close()


def _answered(page, count: int) -> None:
    page.wait_for_function(f"document.querySelectorAll('#pq-chat :is({ANSWERS})').length >= {count}",
                           timeout=ANSWER_MS)


def _ask_next(page, question: str) -> None:
    """Ask, and wait until the page has taken the question (it is in the chat) before anything else is typed."""
    before = page.locator("#pq-chat .pq-user").count()
    _ask(page, question)
    page.wait_for_function(f"document.querySelectorAll('#pq-chat .pq-user').length > {before}")


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".pq-conv")  # the conversations kept in the browser have been read back


@needs_chromium
def test_a_three_turn_conversation_is_kept_exported_copied_and_judged(server, context):
    url, feedback = server
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    _open(page, url)
    _ask(page, "养老机构用水用电按什么价格收费？")
    _answered(page, 1)
    first = page.locator(".pq-answer").first
    assert "居民生活类价格" in first.inner_text()
    _ask(page, "那托育机构呢？")
    _answered(page, 2)
    resolved = page.locator("#pq-chat .pq-msg.pq-bot").nth(1).locator(".pq-resolved")
    assert resolved.inner_text() == "按上文理解为：托育机构用水用电按什么价格收费？"
    _ask(page, "那另一个呢？")
    _answered(page, 3)
    clarify = page.locator("#pq-chat .pq-msg.pq-bot").nth(2)
    assert "pq-clarify" in clarify.get_attribute("class") and "需要补充" in clarify.inner_text()
    assert "未找到依据" not in clarify.inner_text()
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / "ui-conversation.png"))

    page.reload()
    _open(page, url)
    page.wait_for_function("document.querySelectorAll('#pq-chat .pq-user').length == 3")
    assert [q.inner_text() for q in page.locator("#pq-chat .pq-user").all()] == [
        "养老机构用水用电按什么价格收费？", "那托育机构呢？", "那另一个呢？"]
    assert page.locator(".pq-resolved").inner_text().startswith("按上文理解为：托育机构")
    assert "3 问" in page.inner_text(".pq-conv-active")

    with page.expect_download() as download:
        page.click("#pq-export")
    assert download.value.suggested_filename.endswith(".md")
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    for text in ("## 1. 问：养老机构用水用电按什么价格收费？", "*按上文理解为：托育机构用水用电按什么价格收费？*",
                 "**需要补充：**", "国办发〔2020〕52号", "`yanglao-gaige-2024:（十四）`", "## 引用的文件"):
        assert text in markdown, text
    quote = first.locator(".pq-chip").first.get_attribute("data-quote")
    assert f"   > {quote}" in markdown

    page.locator(".pq-answer .pq-tool:has-text('复制')").first.click()
    page.wait_for_selector(".pq-tool:has-text('已复制')")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("对符合条件的养老服务机构") and "依据：" in copied and f"「{quote}」" in copied

    second = page.locator("#pq-chat .pq-msg.pq-bot").nth(1)
    second.locator("[data-verdict=down]").click()
    second.locator(".pq-feedback-form input").fill("托育机构的水电价格没有答到")
    second.locator("[data-feedback-send]").click()
    page.wait_for_selector(".pq-feedback-done")
    lines = [json.loads(line) for path in feedback.glob("*.jsonl") for line in path.read_text("utf-8").splitlines()]
    (line,) = [x for x in lines if x["comment"] == "托育机构的水电价格没有答到"]
    assert line["verdict"] == "down" and line["question"] == "那托育机构呢？"
    assert line["resolved_question"] == "托育机构用水用电按什么价格收费？" and line["citations"][0]["quote"]
    assert line["history"] == ["养老机构用水用电按什么价格收费？"] and line["time"].endswith("+00:00")

    # Several conversations: a new one, back to the first, delete the new one.
    page.click("#pq-new")
    page.wait_for_function("document.querySelectorAll('#pq-chat .pq-user').length == 0")
    _ask(page, "家庭托育点需要登记备案吗")
    _answered(page, 1)
    assert page.locator(".pq-conv").count() == 2
    page.click(".pq-conv-open:has-text('养老机构用水用电')")
    page.wait_for_function("document.querySelectorAll('#pq-chat .pq-user').length == 3")
    page.click(".pq-conv:has-text('家庭托育点') .pq-conv-delete")
    page.wait_for_function("document.querySelectorAll('.pq-conv').length == 1")
    page.reload()
    _open(page, url)
    assert page.locator(".pq-conv").count() == 1 and page.locator("#pq-chat .pq-user").count() == 3


@needs_chromium
def test_questions_typed_while_busy_wait_in_order(server, context):
    url, _ = server
    page = context.new_page()
    _open(page, url)
    asked = ["养老机构的水电气热能按居民价格收费吗？", "家庭托育点管理办法由哪个部门牵头制定？", "普惠养老服务有哪些支持政策？"]
    # The busy line under the question box may come and go between two looks when answers are quick: record
    # whether it was ever shown, from the page itself.
    page.evaluate("""() => { window.pqSawBusy = false;
        new MutationObserver(() => { if (document.querySelector('.pq-status.pq-busy')) window.pqSawBusy = true; })
            .observe(document.body, {subtree: true, childList: true, attributes: true}); }""")
    for question in asked:
        _ask_next(page, question)
    _answered(page, 3)
    assert page.evaluate("() => window.pqSawBusy")
    assert [q.inner_text() for q in page.locator("#pq-chat .pq-user").all()] == asked  # none lost, in order
    assert page.locator("#pq-chat .pq-answer").count() == 3
    page.wait_for_selector(".pq-status.pq-idle", state="attached")


@needs_chromium
def test_the_document_filter_is_shown_above_the_answer(server, context):
    url, _ = server
    page = context.new_page()
    _open(page, url)
    page.click("text=检索设置")
    page.click("label:has-text('关于促进养老托育服务健康发展的意见')")
    note = page.locator("#pq-filter-note .pq-filter")
    note.wait_for()
    assert "仅在所选的 1 份文件中查找：《关于促进养老托育服务健康发展的意见》" in note.inner_text()
    _ask(page, "普惠养老服务有哪些支持政策？")
    _answered(page, 1)
    shown = page.locator("#pq-chat .pq-msg.pq-bot .pq-filter")
    assert "仅在所选的 1 份文件中查找" in shown.inner_text()
    chips = page.locator("#pq-chat .pq-answer .pq-chip")
    assert all(chips.nth(i).get_attribute("data-clause").startswith("yanglao-tuoyu-2020:")
               for i in range(chips.count()))


@needs_chromium
def test_a_server_that_has_gone_is_reported_in_chinese(bundled_index_dir, context, tmp_path):
    proc, url = _serve(bundled_index_dir, tmp_path / "feedback", tmp_path / "server.log")
    try:
        page = context.new_page()
        _open(page, url)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        _ask(page, "家庭托育点需要登记备案吗")
        banner = page.locator("#pq-offline")
        banner.wait_for(timeout=30_000)
        assert banner.inner_text().startswith("无法连接服务器")
        page.wait_for_timeout(1000)
        toasts = page.evaluate("[...document.querySelectorAll('.toast-body')].map((t) => t.innerText)")
        assert not toasts, toasts  # Gradio's English notice is gone
        assert page.input_value("#pq-question textarea") == "家庭托育点需要登记备案吗"  # the question is not lost
        page.screenshot(path=str(OUT / "ui-offline.png"))
    finally:
        if proc.poll() is None:
            proc.kill()


def test_the_browser_store_round_trips_and_survives_damage(assistant):
    convs = Conversations()
    from policyqa.ui.render import Turn

    answer = assistant.ask("养老机构的水电气热能按居民价格收费吗？", explain=True)
    convs.current.turns.append(Turn(answer.question, answer=answer, citations=list(answer.citations),
                                    feedback="up", as_of="2025-01-01"))
    convs.current.turns.append(Turn("还在排队的问题", queued=True))
    store = json.loads(json.dumps(convs.to_store(), ensure_ascii=False))
    back = Conversations.from_store(store)
    (turn,) = back.current.turns  # the waiting question is not kept
    assert turn.answer.citations == answer.citations and turn.feedback == "up" and turn.as_of == "2025-01-01"
    assert turn.answer.trace == {"decision": answer.trace["decision"]}  # only what the weak-evidence note needs
    assert conversation_markdown(back.current.turns) == conversation_markdown(convs.current.turns[:1])
    assert "> 按 2025-01-01 的效力作答" in conversation_markdown(back.current.turns)  # the date it was read as of
    for damaged in (None, "x", {"version": 2}, {"version": 1, "items": [{"id": 3}, {"id": "a", "turns": ["x"]}]},
                    {"version": 1, "items": [{"id": "a", "turns": [{"question": "q", "answer": {"bad": 1}}]}]}):
        assert Conversations.from_store(damaged).current.turns == []
    forged = Conversations.from_store(
        {"version": 1, "items": [{"id": "a", "turns": [{"question": "q", "as_of": "<b>"}]}]})
    assert forged.current.turns[0].as_of is None  # a date the page did not write is dropped, not drawn
    unfinished = Conversations.from_store({"version": 1, "items": [{"id": "a", "turns": [{"question": "q"}]}]})
    assert unfinished.current.turns[0].error == INTERRUPTED


def _run(coroutine):
    """Run the page's async handlers on a loop of their own (Playwright's loop may be running in this thread)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_stop_drops_the_running_answer_and_the_waiting_questions(assistant):
    """「停止」 through the page's own handlers, at a known moment: the first question being answered, two waiting.
    (In the browser an answer on the bundled index takes well under a second: too fast to press 停止 reliably.)"""
    import gradio as gr

    from policyqa.ui.app import build_ui

    handlers = {fn.name: fn.fn for fn in build_ui(assistant).fns.values()}
    request = gr.Request(session_hash="stopping-page")
    asked = ["养老机构的水电气热能按居民价格收费吗？", "家庭托育点管理办法由哪个部门牵头制定？", "普惠养老服务有哪些支持政策？"]

    async def scenario():
        for question in asked:
            await handlers["enqueue"](question, 5, [], "", request)
        answering = handlers["answer_next"](request)
        first = await anext(answering)  # the first question taken, drawn as being answered
        stopped = await handlers["stop"](request)
        rest = [out async for out in answering]
        await handlers["enqueue"]("家庭托育点需要登记备案吗", 5, [], "", request)
        after = [out async for out in handlers["answer_next"](request)]
        return first, stopped, rest, after

    first, stopped, rest, after = _run(scenario())
    assert "pq-pending" in first[0] and first[0].count("pq-queued") == 2
    assert "pq-idle" in stopped[1]  # the busy line (conversation list, status, store, export)
    assert rest[-1][0].count("pq-stopped") == 3 and "pq-answer" not in rest[-1][0]
    assert [t["stopped"] for t in rest[-1][3]["items"][0]["turns"]] == [True, True, True]
    final = after[-1][0]
    assert final.count("pq-stopped") == 3 and final.count("pq-answer") == 1  # answered after the stop


@pytest.mark.parametrize("log_questions", [False, True])
def test_a_failed_answer_is_said_in_chinese_and_logs_the_question_only_when_allowed(assistant, monkeypatch, caplog,
                                                                                     log_questions):
    import logging

    import gradio as gr

    from policyqa.ui.app import FAILED, build_ui

    demo = build_ui(assistant, log_questions=log_questions)
    handlers = {fn.name: fn.fn for fn in demo.fns.values()}

    def broken(*args, **kwargs):
        raise RuntimeError("the index went away")

    monkeypatch.setattr(assistant, "ask_stream", broken)
    request = gr.Request(session_hash="failing-page")

    async def ask() -> list:
        await handlers["enqueue"]("家庭托育点需要登记备案吗", 5, [], "", request)
        return [out async for out in handlers["answer_next"](request)]

    with caplog.at_level(logging.ERROR, logger="policyqa.ui.app"):
        outputs = _run(ask())
    assert FAILED in outputs[-1][0] and "pq-error" in outputs[-1][0]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "failed" in logged and ("家庭托育点需要登记备案吗" in logged) is log_questions


def test_the_standalone_page_answers_an_unknown_function_with_a_404(server):
    """`policyqa ui` on its own server, as under `policyqa serve` (tests/test_service_exposure.py)."""
    import httpx

    url, _ = server
    response = httpx.post(f"{url.rstrip('/')}/gradio_api/call/no_such_function", json={"data": []}, timeout=30)
    assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_ui_function"
