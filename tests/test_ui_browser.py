"""The web UI driven end to end in a real headless Chromium.

A real index is built with ``policyqa build``; ``policyqa ui`` serves it on loopback; Playwright
asks questions, clicks citations and reads documents. A second server mounts the same UI inside
a FastAPI app. Screenshots go to ``test-output/ui/``.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="需要 Debian 的 chromium 浏览器 (/usr/bin/chromium missing: apt-get install -y chromium)",
)
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
OUT = Path(__file__).resolve().parents[1] / "test-output" / "ui"
ANSWER_TIMEOUT_MS = 60_000
ENV = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_serving(url: str, alive, deadline_s: float = 240) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"UI server at {url} exited before serving")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"UI server at {url} did not answer within {deadline_s} s")


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ui-index")
    subprocess.run([sys.executable, "-m", "policyqa", "build", "--index", str(path), "--quiet"],
                   check=True, env=ENV, timeout=900)
    return path


@pytest.fixture(scope="module")
def ui_url(index_dir, tmp_path_factory):
    """``policyqa ui`` on a free loopback port."""
    port = _free_port()
    log = (tmp_path_factory.mktemp("ui-log") / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "policyqa", "ui", "--index", str(index_dir),
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=ENV)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_serving(url, lambda: proc.poll() is None)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="module")
def corpus_clauses() -> dict:
    from policyqa.corpus import load_corpus

    return {c.clause_id: c for c in load_corpus().clauses}


def _ask(page, question: str) -> None:
    box = page.locator("#pq-question textarea")
    box.fill(question)
    box.press("Enter")


def _settle(page) -> None:
    page.mouse.move(0, 0)
    page.wait_for_timeout(300)


def test_ask_click_citation_and_read_the_clause(ui_url, page, corpus_clauses):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(ui_url)
    page.wait_for_selector(".pq-example")
    assert page.title() == "政策问答"

    _ask(page, "养老机构的水电气热能按居民价格收费吗？")
    chip = page.locator(".pq-answer .pq-chip").first
    chip.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "居民生活类价格" in page.inner_text(".pq-answer .pq-text")
    assert re.fullmatch(r"《关于[^》]+》（[一二三四五六七八九十]+）", chip.inner_text())
    clause = corpus_clauses[chip.get_attribute("data-clause")]
    quote = chip.get_attribute("data-quote")
    assert quote and quote in clause.text

    _ask(page, "家庭托育点管理办法由哪个部门牵头制定？")
    page.wait_for_function("document.querySelectorAll('.pq-answer').length == 2", timeout=ANSWER_TIMEOUT_MS)
    second = page.locator(".pq-answer").nth(1)
    assert second.locator(".pq-chip").count() >= 1 and "牵头" in second.inner_text()
    _settle(page)
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / "ui-chat.png"))

    chip.click()
    page.wait_for_selector("#pq-panel mark")
    panel_text = page.inner_text("#pq-panel .pq-clause-text")
    assert panel_text.strip() == clause.text.strip()
    assert page.inner_text("#pq-panel mark") == quote
    panel = page.inner_text("#pq-panel")
    assert clause.doc_title in panel and clause.section.split(" / ")[0] in panel
    _settle(page)
    page.screenshot(path=str(OUT / "ui-clause.png"))

    # Nothing leaves the machine: every request the page made went to the UI server.
    assert {urlsplit(u).netloc for u in requests if u.startswith("http")} == {urlsplit(ui_url).netloc}


def test_interface_has_no_english(ui_url, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="en-US")
    page = context.new_page()
    page.goto(ui_url)
    page.wait_for_selector(".pq-example")
    page.click("button.pq-example >> nth=0")
    page.wait_for_selector(".pq-answer .pq-chip", timeout=ANSWER_TIMEOUT_MS)
    page.click("text=检索设置")
    page.wait_for_timeout(300)
    words = set(re.findall(r"[A-Za-z]{2,}", page.inner_text("body")))
    context.close()
    assert not words, f"English left in the interface: {sorted(words)}"


def test_refusal_is_shown_as_refusal_with_related_clauses(ui_url, page):
    page.goto(ui_url)
    page.wait_for_selector(".pq-example")
    _ask(page, "火星移民签证怎么办理？")
    refusal = page.locator(".pq-refusal")
    refusal.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "未找到依据" in refusal.inner_text()
    assert refusal.inner_text().count("未找到依据") == 1  # the heading says it; the reason does not repeat it
    assert "相关条款，仅供参考" in refusal.inner_text()
    assert page.locator(".pq-answer").count() == 0
    related = refusal.locator(".pq-chip").first
    related.click()
    page.wait_for_selector("#pq-panel .pq-clause-text")
    assert page.locator("#pq-panel mark").count() == 0  # offered for reading, nothing quoted
    _settle(page)
    page.screenshot(path=str(OUT / "ui-refusal.png"))


def test_example_question_then_whole_document_at_the_clause(ui_url, page, corpus_clauses):
    page.goto(ui_url)
    page.click("button.pq-example:has-text('家庭托育点管理办法由哪个部门牵头制定？')")
    page.wait_for_selector(".pq-answer .pq-chip", timeout=ANSWER_TIMEOUT_MS)
    assert "国家卫生健康委牵头" in page.inner_text(".pq-answer")
    chip = page.locator(".pq-answer .pq-chip").last
    clause = corpus_clauses[chip.get_attribute("data-clause")]
    chip.click()
    page.wait_for_selector("#pq-panel mark")

    page.click("#pq-panel .pq-open")
    target = page.locator("#pq-reader .pq-target")
    target.wait_for()
    assert target.get_attribute("id") == f"clause-{clause.doc_id}-{clause.ordinal}"
    assert target.inner_text().strip().endswith(clause.text.strip()[-20:])
    page.wait_for_function("() => { const r = document.querySelector('#pq-reader .pq-target').getBoundingClientRect();"
                           " return r.top >= 0 && r.top < window.innerHeight; }")
    assert page.locator("#pq-reader .pq-reader-clause").count() == len(
        [c for c in corpus_clauses.values() if c.doc_id == clause.doc_id])
    assert "pq-doc-active" in page.locator(f"#pq-doc-list [data-doc='{clause.doc_id}']").get_attribute("class")
    _settle(page)
    page.screenshot(path=str(OUT / "ui-reader.png"))


def test_settings_restrict_to_one_document(ui_url, page):
    page.goto(ui_url)
    page.wait_for_selector(".pq-example")
    page.click("text=检索设置")
    page.click("label:has-text('关于深化养老服务改革发展的意见')")
    _ask(page, "普惠养老服务有哪些支持政策？")
    page.wait_for_selector(".pq-answer .pq-chip", timeout=ANSWER_TIMEOUT_MS)
    chips = page.locator(".pq-answer .pq-chip")
    ids = {chips.nth(i).get_attribute("data-clause") for i in range(chips.count())}
    assert ids and all(i.startswith("yanglao-gaige-2024:") for i in ids)


def test_settings_answer_as_the_documents_stood_on_a_date(ui_url, page):
    """检索设置's date: the answer says which date it was read as of, and a citation of a document not yet in force
    on that date carries its status and warning."""
    page.goto(ui_url)
    page.wait_for_selector(".pq-example")
    page.click("text=检索设置")
    page.fill("#pq-as-of input", "2021-01-01")
    _ask(page, "养老机构的水电气热能按居民价格收费吗？")
    page.wait_for_selector(".pq-answer .pq-chip", timeout=ANSWER_TIMEOUT_MS)
    answer = page.locator(".pq-msg.pq-bot").last
    assert "按 2021-01-01 的效力回答" in answer.inner_text()
    assert "尚未施行" in answer.inner_text()  # the 2024 意见 was issued on 2024-12-30
    page.fill("#pq-as-of input", "2021-02-30")
    _ask(page, "养老机构的水电气热能按居民价格收费吗？")
    page.wait_for_selector(".pq-msg.pq-error")
    assert "日期无效" in page.locator(".pq-msg.pq-error").last.inner_text()


def test_narrow_window(ui_url, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(ui_url)
    page.wait_for_selector(".pq-example")
    _ask(page, "我们想把闲置的商业用房改造成托育点，需要变更土地性质吗？")
    page.locator(".pq-answer .pq-chip").first.click(timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_selector("#pq-panel mark")
    assert "不需变更土地和房屋性质" in page.inner_text("#pq-panel mark")
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    _settle(page)
    page.screenshot(path=str(OUT / "ui-narrow.png"), full_page=True)
    context.close()
    assert width <= inner, "the page scrolls sideways on a narrow window"


def test_mounted_in_fastapi_with_document_browser(assistant, browser):
    """The page inside another FastAPI app, as ``policyqa serve`` runs it (conftest's session assistant)."""
    import uvicorn
    from fastapi import FastAPI

    from policyqa.ui.app import mount_ui

    app = mount_ui(FastAPI(), assistant, path="/ui")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{port}/ui/"
        _wait_until_serving(url, thread.is_alive)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)
        page.click("button[role=tab]:has-text('文件浏览')")
        docs = page.locator("#pq-doc-list [data-doc]")
        docs.first.wait_for()
        assert docs.count() == len(assistant.documents())
        page.click("#pq-doc-list [data-doc='yanglao-tuoyu-2020']")
        page.wait_for_selector("#pq-reader .pq-reader-title")
        reader = page.inner_text("#pq-reader")
        assert "国务院办公厅关于促进养老托育服务健康发展的意见" in reader and "国办发〔2020〕52号" in reader
        assert page.locator("#pq-reader .pq-reader-clause").count() == len(
            assistant.document("yanglao-tuoyu-2020")["clauses"])
        page.close()
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_a_long_question_and_the_start_of_its_long_answer_are_in_view(ui_url, page):
    page.goto(ui_url)
    page.wait_for_selector(".pq-example")
    _ask(page, "养老机构的水电气热能按居民价格收费吗？")
    page.wait_for_selector(".pq-answer .pq-chip", timeout=ANSWER_TIMEOUT_MS)
    _ask(page, "我们是民营养老机构，" * 20 + "请问民政部负责哪些任务？")  # a long question, a long list
    page.wait_for_function("document.querySelectorAll('#pq-chat .pq-answer').length == 2", timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_timeout(500)
    seen = page.evaluate("""() => {
        const box = document.querySelector('#pq-chat').getBoundingClientRect();
        const asked = [...document.querySelectorAll('#pq-chat .pq-user')].pop().getBoundingClientRect();
        const answer = [...document.querySelectorAll('#pq-chat .pq-answer')].pop().getBoundingClientRect();
        return {question: asked.top >= box.top - 1 && asked.top < box.bottom,
                answer: answer.top >= box.top && answer.top < box.bottom};
    }""")
    assert seen == {"question": True, "answer": True}  # the new question and the start of its answer are in view
