"""The 「资格自查」 tab driven in a real headless Chromium: fill in the form, get the grouped result, open a citation,
read a sentence into the form, and export the checklist (Markdown and CSV downloads)."""
from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from test_ui_browser import CHROMIUM, CHROMIUM_ARGS, ENV, OUT, _free_port, _wait_until_serving

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="需要 Debian 的 chromium 浏览器 (/usr/bin/chromium missing: apt-get install -y chromium)",
)
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def ui_url(bundled_index_dir, tmp_path_factory):
    """``policyqa ui`` on a free loopback port over the session's real index."""
    port = _free_port()
    log = (tmp_path_factory.mktemp("eligibility-ui-log") / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "policyqa", "ui", "--index", str(bundled_index_dir),
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
def page(ui_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(ui_url)
        page.click("button[role='tab']:has-text('资格自查')")
        yield page
        browser.close()


def test_form_grouped_result_citation_and_export(page, bundled_corpus):
    texts = {c.clause_id: c.text for c in bundled_corpus.clauses}
    page.fill("#pq-el-region input, #pq-el-region textarea", "济南")
    page.click("#pq-el-ownership label:has-text('民办')")
    page.click("#pq-el-residents label:has-text('失能')")
    page.click("#pq-el-run")
    result = page.locator("#pq-el-result .pq-el-result")
    result.wait_for()
    groups = result.locator(".pq-el-group h3").all_inner_texts()
    assert "税费减免" in groups and "价格（水电气热）" in groups
    read = result.locator(".pq-el-profile").inner_text()
    assert "民办" in read and "床位" not in read  # beds left empty is not said, not 0
    # Every quote shown is verbatim in the clause its chip opens.
    chips = result.locator(".pq-el-item .pq-chip")
    assert chips.count() >= 5
    for i in range(chips.count()):
        chip = chips.nth(i)
        assert chip.get_attribute("data-quote") in texts[chip.get_attribute("data-clause")]
    tax = result.locator(".pq-el-group:has(h3:text-is('税费减免')) .pq-chip").first
    clause_id, quote = tax.get_attribute("data-clause"), tax.get_attribute("data-quote")
    tax.click()
    panel = page.locator("#pq-el-panel .pq-panel")
    panel.wait_for()
    assert panel.locator("mark").first.inner_text() in quote
    assert clause_id.split(":")[1] in panel.locator(".pq-panel-heading").inner_text()
    # The provisions that do not apply are there, collapsed.
    na = result.locator("details.pq-el-na")
    assert na.count() == 1 and na.get_attribute("open") is None
    na.locator("summary").click()
    refused = na.locator(".pq-chip").first
    assert "地方性规定" in na.inner_text() or "不是给" in na.inner_text()
    refused.click()
    page.locator(f"#pq-el-panel .pq-panel-heading:has-text('{refused.inner_text()}')").wait_for()
    tab = page.locator("[role='tabpanel']:visible").first.inner_text()
    assert not re.findall(r"[A-Za-z]{2,}", tab), "English left in the tab"
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / "ui-eligibility.png"), full_page=True)
    # Export: both downloads carry the checklist.
    with page.expect_download() as md:
        page.click("#pq-el-md")
    markdown = Path(md.value.path()).read_text(encoding="utf-8")
    assert markdown.startswith("# 政策支持自查清单") and quote in markdown
    with page.expect_download() as table:
        page.click("#pq-el-csv")
    rows = list(csv.reader(io.StringIO(Path(table.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "支持类别" and clause_id in {r[7] for r in rows[1:]}


def test_a_sentence_is_read_into_the_form(page):
    page.fill("#pq-el-text textarea", "我们是一家普惠托育中心，在杭州")
    page.click("#pq-el-read")
    page.locator("#pq-el-result .pq-el-profile:has-text('托育机构')").wait_for()
    assert page.locator("#pq-el-kind input").input_value() == "托育机构"
    assert "杭州" in page.locator("#pq-el-region input, #pq-el-region textarea").first.input_value()
    groups = page.locator("#pq-el-result .pq-el-group h3").all_inner_texts()
    assert groups and "价格（水电气热）" not in groups  # the utility prices are for elderly-care institutions
    page.fill("#pq-el-text textarea", "我们是济南的民办养老院，80张床")
    page.click("#pq-el-read")
    page.locator("#pq-el-result .pq-el-profile:has-text('80张床位')").wait_for()
    assert page.locator("#pq-el-beds textarea, #pq-el-beds input").first.input_value() == "80"
    page.fill("#pq-el-text textarea", "你好")
    page.click("#pq-el-read")
    page.locator("#pq-el-result .pq-el-error").wait_for()
    assert "哪类机构" in page.locator("#pq-el-result .pq-el-error").inner_text()
