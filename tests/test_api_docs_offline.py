"""/docs and /redoc work on a machine with no internet: every asset comes from the server itself.

The browser test cuts the network (every request not to the loopback server is aborted) and checks that
Swagger UI renders the API's routes and ReDoc its title.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
import pytest

from policyqa.assistant.api import create_app
from policyqa.assistant.api_docs import ASSETS
from test_api import LiveServer, _settings
from test_ui_browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="module")
def live(bundled_index_dir, assistant):
    with LiveServer(create_app(_settings(bundled_index_dir), loader=lambda: assistant)) as server:
        server.wait_ready()
        yield server


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_pages_name_only_local_assets(live, page):
    html = httpx.get(live.url + page, timeout=30).text
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", html)
    assert urls and all(u.startswith("/") for u in urls), urls
    assert "cdn" not in html and "googleapis" not in html and "tiangolo" not in html
    for url in urls:
        if url.startswith(ASSETS):
            response = httpx.get(live.url + url, timeout=30)
            assert response.status_code == 200 and len(response.content) > 1000, url


@pytest.mark.skipif(not CHROMIUM.exists(), reason="需要 chromium (/usr/bin/chromium missing)")
def test_docs_render_with_the_network_cut(live):
    from playwright.sync_api import sync_playwright

    local = urlsplit(live.url).netloc
    blocked: list[str] = []

    def only_local(route):
        if urlsplit(route.request.url).netloc == local:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", only_local)
            page.goto(live.url + "/docs")
            page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
            assert page.locator(".opblock-summary-path:has-text('/v1/ask')").count() >= 1
            assert "政策问答 API" in page.inner_text(".swagger-ui .info .title")
            page.goto(live.url + "/redoc")
            page.wait_for_selector("h1:has-text('政策问答 API')", timeout=30_000)
            assert "/v1/ask" in page.inner_text("body")
        finally:
            browser.close()
    assert not blocked, f"the docs reached outside the server: {blocked}"
