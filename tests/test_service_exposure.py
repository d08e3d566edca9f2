"""What the server shows and to whom: security headers on every response, documentation behind the key on
request, keys never in a URL or a log line, no open non-loopback server without a key, and the web UI's own API
held to the /v1 question contract without tracebacks or question text in the log."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import httpx
import pytest

from policyqa.assistant.api import create_app
from policyqa.assistant.api_guard import SECURITY_HEADERS
from test_api import ASKED, JSON, LiveServer, _free_port, _settings, assert_error, wait_serving


@pytest.fixture(scope="module")
def with_ui(bundled_index_dir, assistant):
    from policyqa.ui.app import mount_ui

    app = create_app(_settings(bundled_index_dir, max_body_bytes=128 * 1024, rate_limit="30/minute"),
                     loader=lambda: assistant)
    mount_ui(app, assistant)
    with LiveServer(app) as live:
        live.wait_ready()
        yield live


def test_every_response_carries_the_security_headers(with_ui):
    # From an address of its own: the rate limit this test runs into is not the other tests' budget.
    with httpx.Client(base_url=with_ui.url, timeout=60,
                      transport=httpx.HTTPTransport(local_address="127.0.0.20")) as c:
        responses = [
            c.get("/livez"), c.get("/readyz"), c.get("/v1/documents"), c.get("/docs"), c.get("/openapi.json"),
            c.get("/nothing"), c.put("/v1/ask"), c.post("/v1/ask", json={"question": ""}),
            c.post("/v1/ask", content=b"x" * 200_000, headers=JSON), c.get("/v1/documents?token=abc"),
            c.get("/ui/"), c.get("/ui/config"), c.get("/ui/gradio_api/info"),
        ]
        statuses = {r.status_code for r in responses}
        while (r := c.get("/v1/documents")).status_code != 429:
            pass
        responses.append(r)
    assert {200, 400, 404, 405, 413, 422} <= statuses
    for response in responses:
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (response.request.url, name)
    assert "frame-ancestors 'none'" in SECURITY_HEADERS["Content-Security-Policy"]


def test_docs_can_be_put_behind_the_key(bundled_index_dir, assistant):
    key = {"Authorization": "Bearer docs-key"}
    settings = _settings(bundled_index_dir, api_key="docs-key", protect_docs=True)
    with LiveServer(create_app(settings, loader=lambda: assistant)) as live, \
            httpx.Client(base_url=live.url, timeout=60) as c:
        live.wait_ready()
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert_error(c.get(path), 401, "unauthorized")
            assert c.get(path, headers=key).status_code == 200
        assert "/v1/ask" in c.get("/openapi.json", headers=key).json()["paths"]
        assert c.get("/readyz").status_code == 200 and c.get("/livez").status_code == 200  # probes stay open
    with LiveServer(create_app(_settings(bundled_index_dir, api_key="docs-key"), loader=lambda: assistant)) as live:
        assert httpx.get(f"{live.url}/openapi.json").status_code == 200  # the default: documentation is open


def _serve(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    """``policyqa serve`` with ``env`` over this environment, without any other POLICYQA_* setting."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
    return subprocess.Popen([sys.executable, "-m", "policyqa", "serve", "--no-ui", *args],
                            env=base | env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    try:
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.stdout.read()


def test_keys_in_the_query_string_are_refused_and_never_logged(bundled_index_dir):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _serve(["--index", str(bundled_index_dir), "--port", str(port)], {"POLICYQA_API_KEY": "qs-secret-key"})
    try:
        wait_serving(proc, url)
        for query in ("api_key=qs-secret-key", "token=qs-secret-key", "Key=qs-secret-key&x=1"):
            error = assert_error(httpx.get(f"{url}/v1/documents?{query}"), 400, "key_in_query")
            assert "Authorization" in error["message"]
        assert httpx.get(f"{url}/livez?question=家庭托育点").status_code == 200  # any query is kept out of the log
    finally:
        log = _stop(proc)
    assert "/v1/documents?…" in log and "qs-secret-key" not in log and "家庭托育点" not in log


def test_serving_a_non_loopback_address_needs_a_key_or_an_explicit_choice(bundled_index_dir, tmp_path):
    port = _free_port()
    refused = _serve(["--index", str(bundled_index_dir), "--host", "0.0.0.0", "--port", str(port)], {})
    assert refused.wait(timeout=60) == 2
    output = refused.stdout.read()
    assert "POLICYQA_API_KEY" in output and "POLICYQA_ALLOW_OPEN" in output and "Traceback" not in output
    assert len(output.strip().splitlines()) == 1
    base = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
    ui = subprocess.run([sys.executable, "-m", "policyqa", "ui", "--index", str(bundled_index_dir), "--host",
                         "0.0.0.0", "--port", str(port)], env=base, capture_output=True, text=True, timeout=60,
                        check=False)
    assert ui.returncode == 2 and "POLICYQA_ALLOW_OPEN" in ui.stderr and "Traceback" not in ui.stderr
    proc = _serve(["--index", str(bundled_index_dir), "--host", "0.0.0.0", "--port", str(port)],
                  {"POLICYQA_ALLOW_OPEN": "true"})
    try:
        wait_serving(proc, f"http://127.0.0.1:{port}")
    finally:
        _stop(proc)


# ---- the web UI's own API (/ui/gradio_api) -------------------------------------------------------
def _ask_endpoint(url: str) -> str:
    """The page's API endpoint that takes the question box (问题), the number of clauses, the documents and the
    date the documents are read as of."""
    named = httpx.get(f"{url}/ui/gradio_api/info", timeout=60).json()["named_endpoints"]
    [name] = [name for name, spec in named.items()
              if [p["label"] for p in spec["parameters"]][:1] == ["问题"] and len(spec["parameters"]) == 4]
    return name.lstrip("/")


def _ui_call(url: str, question: object, k: object = 5, doc_ids: object = None, as_of: object = "") -> str:
    """The chat (HTML) after one call of the page's question endpoint, as a script would make it."""
    data = [question, k, [] if doc_ids is None else doc_ids, as_of]
    endpoint = _ask_endpoint(url)
    event = httpx.post(f"{url}/ui/gradio_api/call/{endpoint}", json={"data": data}, timeout=60)
    assert event.status_code == 200, event.text
    stream = httpx.get(f"{url}/ui/gradio_api/call/{endpoint}/{event.json()['event_id']}", timeout=120).text
    blocks = [b for b in stream.strip().split("\n\n") if b.startswith("event: complete")]
    assert blocks, stream[-500:]
    return json.loads(blocks[-1].split("data: ", 1)[1])[0]


@pytest.mark.parametrize("question,k,doc_ids,refusal", [
    ("养" * 20_000, 5, None, "问题过长，最多 1000 个字符"),
    ("养老机构\x07的水电气热", 5, None, "问题含有控制字符"),
    ("养老机构\u0000", 5, None, "问题含有控制字符"),
    (ASKED, 500, None, "参考条款数量应为 1–10 的整数"),
    (ASKED, "5", None, "参考条款数量应为 1–10 的整数"),
    (ASKED, 5, ["no-such-doc"], "所选文件不在已加载的文件中"),
    (ASKED, 5, None, "日期无效"),
])
def test_the_ui_api_applies_the_question_contract_without_tracebacks(with_ui, capfd, question, k, doc_ids, refusal):
    html = _ui_call(with_ui.url, question, k, doc_ids, "2024-13-01" if refusal == "日期无效" else "")
    assert refusal in html and "pq-error" in html
    assert "Traceback" not in capfd.readouterr().err


def test_the_ui_api_accepts_a_valid_question(with_ui):
    """The contract refuses only what it should (the answer itself is the browser test's to check)."""
    html = _ui_call(with_ui.url, f"  {ASKED}\n")
    assert "pq-error" not in html and f">{ASKED}<" in html
    dated = _ui_call(with_ui.url, ASKED, as_of="2021-01-01")
    assert "pq-error" not in dated and "按 2021-01-01 的效力回答" in dated


@pytest.mark.parametrize("path,body", [
    ("/ui/gradio_api/call/no_such_function", {"data": []}),
    ("/ui/gradio_api/run/no_such_function", {"data": []}),
    ("/ui/gradio_api/queue/join", {"data": [], "fn_index": 99999, "session_hash": "abc"}),
])
def test_a_page_function_that_does_not_exist_is_a_404_not_a_500(with_ui, path, body):
    """Gradio answers these with a bare 500; the page's own calls (the browser tests) still go through."""
    with httpx.Client(base_url=with_ui.url, timeout=60,
                      transport=httpx.HTTPTransport(local_address="127.0.0.21")) as c:
        error = assert_error(c.post(path, json=body), 404, "unknown_ui_function")
    assert "页面没有这个接口" in error["message"]
