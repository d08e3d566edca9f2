"""Issue 20's browser test: in a real headless Chromium, the 「文件管理」 tab of ``policyqa serve`` uploads a file of
each supported format, previews how each splits into clauses, commits them, the chat answers from one, which is then
replaced and removed — while a client keeps asking questions through the API of a second ``policyqa serve`` over the
same index folder, which follows each generation and never answers with an error."""
from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from test_living_api import AMENDED, MEAL, _formats
from test_ui_browser import CHROMIUM, CHROMIUM_ARGS, ENV, OUT, _free_port, _wait_until_serving

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="需要 Debian 的 chromium 浏览器 (/usr/bin/chromium missing: apt-get install -y chromium)",
)
TIMEOUT_MS = 90_000
WRITE_TIMEOUT_MS = 240_000  # a write embeds the new text and rebuilds the index: minutes on a loaded 2-core machine
ADMIN = "admin-key-浏览器".encode().hex()
BACKGROUND_QUESTIONS = ("养老机构的水电气热能按居民价格收费吗？", MEAL, "家庭托育点需要登记备案吗？")


def _serve(index_dir: Path, port: int, log_path: Path, *extra: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "policyqa", "serve", "--index", str(index_dir), "--port", str(port),
                             *extra], stdout=log_path.open("w"), stderr=subprocess.STDOUT,
                            env={**ENV, "POLICYQA_RATE_LIMIT": "", "POLICYQA_CLIENT_CONCURRENCY": "16", **env})


@pytest.fixture(scope="module")
def servers(bundled_index_dir, tmp_path_factory):
    """``policyqa serve`` with the page and an admin key, and a second ``policyqa serve --no-ui`` over the same
    folder (a copy of the session's index), polling for generations every 0.2 s."""
    folder = tmp_path_factory.mktemp("living-browser")
    index_dir = Path(shutil.copytree(bundled_index_dir, folder / "index"))
    ports = _free_port(), _free_port()
    page_server = _serve(index_dir, ports[0], folder / "page.log", POLICYQA_ADMIN_KEY=ADMIN)
    api_server = _serve(index_dir, ports[1], folder / "api.log", "--no-ui", POLICYQA_RELOAD_POLL_S="0.2")
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        for url, proc in zip(urls, (page_server, api_server)):
            _wait_until_serving(f"{url}/readyz", lambda proc=proc: proc.poll() is None)
        yield index_dir, *urls
    finally:
        for proc in (page_server, api_server):
            proc.terminate()
            proc.wait(timeout=30)


class Asker(threading.Thread):
    """Asks the API one question after another until stopped; keeps every failure and the doc_ids each answer
    cited."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.cited: list[set[str]] = []

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=120) as client:
            while not self.stop.is_set():
                for question in BACKGROUND_QUESTIONS:
                    try:
                        response = client.post("/v1/ask", json={"question": question})
                    except httpx.HTTPError as exc:
                        self.errors.append(repr(exc))
                        continue
                    if response.status_code != 200:
                        self.errors.append(f"{response.status_code} {response.text}")
                    else:
                        self.cited.append({c["doc_id"] for c in response.json()["citations"]})


def _follows(url: str, generation: str, timeout_s: float = 60) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if httpx.get(f"{url}/readyz").json().get("generation") == generation:
            return True
        time.sleep(0.1)
    return False


def _ask(page, question: str, answers: int, reply: str = ".pq-answer"):
    """The ``answers``-th reply of class ``reply`` (``.pq-bot``: an answer or a refusal), once it is shown."""
    box = page.locator("#pq-question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('{reply}').length == {answers}", timeout=TIMEOUT_MS)
    return page.locator(reply).nth(answers - 1)


def _choose(page, doc_id: str) -> None:
    page.locator("#pq-adm-doc input").click()
    page.locator("ul[role='listbox'] li", has_text=f"（{doc_id}）").first.click()


def _generation(page, where: str = "#pq-adm-status") -> str:
    """The generation the page's last write made, as its message says."""
    return page.locator(f"{where} .pq-adm-ok").inner_text().split("现为索引版本 ")[1].split("，")[0]


def test_upload_preview_commit_answer_replace_remove_while_the_api_answers(servers, tmp_path):
    from playwright.sync_api import sync_playwright

    index_dir, page_url, api_url = servers
    files = []
    for name, data in _formats(tmp_path).items():
        (tmp_path / name).write_bytes(data)
        files.append(str(tmp_path / name))
    amended = tmp_path / "amended" / "zhucan.txt"
    amended.parent.mkdir()
    amended.write_text(AMENDED, encoding="utf-8")
    asker = Asker(api_url)
    asker.start()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN").new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{page_url}/ui/")
        page.wait_for_selector(".pq-example")
        header = page.locator(".pq-header p").inner_text()
        page.click("button[role='tab']:has-text('文件管理')")
        page.locator("#pq-adm-table tbody tr").first.wait_for()
        assert page.locator("#pq-adm-table tbody tr").count() == 2

        # A wrong key is refused in the page, and nothing is previewed.
        page.set_input_files("#pq-adm-files input[type=file]", files)
        page.locator("#pq-adm-key input").fill("wrong")
        page.click("#pq-adm-preview")
        assert "管理密钥" in page.locator("#pq-adm-report .pq-adm-error").inner_text()

        # Preview: how each file splits, before anything is written.
        page.locator("#pq-adm-key input").fill(ADMIN)
        page.click("#pq-adm-preview")
        reports = page.locator("#pq-adm-report .pq-adm-report")
        page.wait_for_function("document.querySelectorAll('#pq-adm-report .pq-adm-report').length == 5")
        by_doc = {reports.nth(i).get_attribute("data-doc-id"): reports.nth(i).inner_text() for i in range(5)}
        assert set(by_doc) == {"zhucan", "zhuyu", "notice-page", "banfa", "tuoyu"}
        assert "一、社区助餐点对八十周岁以上老年人每餐补贴三元" in by_doc["zhucan"] and "5 个条款" in by_doc["zhucan"]
        assert "第四条" in by_doc["banfa"] and "某政办发〔2025〕7号" in by_doc["tuoyu"]
        assert all("切分检查通过" in text for text in by_doc.values())
        OUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUT / "ui-documents-preview.png"), full_page=True)
        assert page.locator("#pq-adm-table tbody tr").count() == 2  # still nothing written

        # Commit: the page's own process serves the new generation at once; the other server follows.
        page.click("#pq-adm-add")
        page.locator("#pq-adm-report .pq-adm-ok:has-text('已添加')").wait_for(timeout=WRITE_TIMEOUT_MS)  # in place of the preview
        added = _generation(page, "#pq-adm-report")
        page.wait_for_function("!document.querySelector('#pq-adm-files').innerText.includes('zhucan.txt')")  # emptied
        page.wait_for_function("document.querySelectorAll('#pq-adm-table tbody tr').length == 7")
        assert _follows(api_url, added)
        assert page.locator(".pq-header p").inner_text() != header  # the counts in the header follow

        # Answered from, in the chat.
        page.click("button[role='tab']:has-text('问答')")
        answer = _ask(page, MEAL, 1)
        chip = answer.locator(".pq-chip").first
        chip.wait_for()
        assert chip.get_attribute("data-clause").startswith("zhucan:") and "三元" in answer.inner_text()
        page.click("button[role='tab']:has-text('文件浏览')")
        assert "关于开展社区助餐服务的通知" in page.locator("#pq-doc-list").inner_text()

        # Replace by the amended text.
        page.click("button[role='tab']:has-text('文件管理')")
        _choose(page, "zhucan")
        page.set_input_files("#pq-adm-new input[type=file]", str(amended))
        page.click("#pq-adm-replace")
        page.locator("#pq-adm-status .pq-adm-ok:has-text('已替换')").wait_for(timeout=WRITE_TIMEOUT_MS)
        replaced = _generation(page)
        assert replaced != added and _follows(api_url, replaced)
        page.click("button[role='tab']:has-text('问答')")
        answer = _ask(page, MEAL, 2)
        answer.locator(".pq-chip").first.wait_for()
        assert "五元" in answer.inner_text() and "三元" not in answer.inner_text()

        # Marked repealed from a date by the user, then the mark cleared.
        page.click("button[role='tab']:has-text('文件管理')")
        row = page.locator("#pq-adm-table tr[data-doc-id='zhucan']")
        _choose(page, "zhucan")
        page.locator("#pq-adm-repeal-date input").fill("2025-06-01")
        page.click("#pq-adm-repeal")
        page.locator("#pq-adm-status .pq-adm-ok:has-text('标记自 2025-06-01 起废止')").wait_for()
        assert "已废止" in row.inner_text() and "2025-06-01 废止（用户标记）" in row.inner_text()
        _choose(page, "zhucan")
        page.click("#pq-adm-unrepeal")
        page.locator("#pq-adm-status .pq-adm-ok:has-text('取消废止标记')").wait_for()
        assert "现行有效" in row.inner_text() and "废止" not in row.inner_text()

        # Remove, after the browser's confirmation.
        _choose(page, "zhucan")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#pq-adm-remove")
        page.locator("#pq-adm-status .pq-adm-ok:has-text('已删除')").wait_for(timeout=WRITE_TIMEOUT_MS)
        removed = _generation(page)
        page.wait_for_function("document.querySelectorAll('#pq-adm-table tbody tr').length == 6")
        page.wait_for_function("document.querySelector('.pq-header p').innerText.includes('已加载 6 份政策文件')")
        page.screenshot(path=str(OUT / "ui-documents.png"), full_page=True)
        assert _follows(api_url, removed)
        page.click("button[role='tab']:has-text('问答')")
        answer = _ask(page, MEAL, 3, ".pq-bot")  # refused, or answered from another document: never the removed one
        page.wait_for_timeout(500)
        assert "zhucan:" not in (answer.inner_html() or "")
        browser.close()
    asker.stop.set()
    asker.join(120)
    assert asker.errors == []
    assert any("zhucan" in docs for docs in asker.cited)
    assert "zhucan" not in asker.cited[-1]
    assert not list((index_dir / "generations").glob(".*.tmp-*"))
