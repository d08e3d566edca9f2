"""The HTTP API over a real uvicorn server on loopback: every endpoint, streaming, auth, loading, errors, SIGTERM."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import httpx
import pytest
import uvicorn

from policyqa.assistant.api import create_app
from policyqa.assistant.api_server import server_config
from policyqa.assistant.service import Assistant
from policyqa.assistant.settings import Settings

ASKED = "养老机构的水电气热能按居民价格收费吗？"
REFUSED = "育儿假一共有多少天？"
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")


class LiveServer:
    """A real uvicorn server for ``app`` in a background thread, on a free loopback port, configured as
    ``policyqa serve`` configures it (timeouts, connection cap, no proxy headers) from the app's settings."""

    def __init__(self, app) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = app
        self._server = uvicorn.Server(server_config(app, app.state.settings, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        return self

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while httpx.get(f"{self.url}/readyz").status_code != 200:
            assert time.monotonic() < deadline, "index did not load"
            time.sleep(0.05)

    def __exit__(self, *exc) -> None:
        self._server.should_exit = True
        self._thread.join(15)
        self._sock.close()


def _settings(index_dir, **overrides) -> Settings:
    """Settings for these tests: no per-client rate or concurrency limit (many requests come from one address
    here), unless overridden."""
    return Settings(**{"index": index_dir, "api_key": None, "cors_origins": "", "rate_limit": "",
                       "client_concurrency": 64} | overrides)


@pytest.fixture(scope="module")
def server(bundled_index_dir):
    """The API with the default loader: ``Assistant.load(POLICYQA_INDEX)`` in the lifespan's background thread."""
    with LiveServer(create_app(_settings(bundled_index_dir, max_batch=4))) as live:
        live.wait_ready()
        yield live


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


def assert_error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    message = body["error"]["message"]
    assert CJK.search(message) and LATIN.search(message), f"message not in Chinese and English: {message}"
    return body["error"]


def parse_sse(text: str) -> list[tuple[str, object]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


# ---- endpoints ----------------------------------------------------------------------------------
def test_health_and_manifest(client, assistant):
    assert client.get("/livez").json() == {"status": "ok"}
    assert client.head("/livez").status_code == 200 and client.head("/readyz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["index"] == {
        "embedder": assistant.manifest["embedder"]["name"], "clause_count": 79, "document_count": 2,
        "built_at": assistant.manifest["built_at"], "format_version": assistant.manifest["format_version"],
    }


@pytest.mark.parametrize("question", [ASKED, REFUSED, "国办发〔2020〕52号第十条"])
def test_ask_returns_the_cli_answer_object(client, assistant, question):
    response = client.post("/v1/ask", json={"question": f"  {question}\n"})
    assert response.status_code == 200
    assert response.json() == assistant.ask(question).model_dump(mode="json")


def test_ask_options_reach_the_assistant(client, assistant):
    body = {"question": "家庭托育点需要登记备案吗", "k": 3, "doc_ids": ["yanglao-tuoyu-2020"], "mode": "bm25"}
    answer = client.post("/v1/ask", json=body).json()
    expected = assistant.ask(body["question"], k=3, doc_ids=["yanglao-tuoyu-2020"], mode="bm25")
    assert answer == expected.model_dump(mode="json")
    assert {c["doc_id"] for c in answer["citations"]} <= {"yanglao-tuoyu-2020"}


@pytest.mark.parametrize("route,flag", [("/v1/ask", {"stream": True}), ("/v1/ask/stream", {})])
@pytest.mark.parametrize("question", [ASKED, REFUSED])
def test_ask_streams_citations_then_text_then_the_whole_answer(client, assistant, question, route, flag):
    with client.stream("POST", route, json={"question": question, **flag}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    events = parse_sse(text)
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "citations" and kinds[-1] == "done" and set(kinds[1:-1]) == {"delta"}
    done = events[-1][1]
    assert done == assistant.ask(question).model_dump(mode="json")
    assert events[0][1] == done["citations"]
    assert "".join(data["text"] for kind, data in events if kind == "delta") == done["answer"]


def test_stream_errors_before_the_first_event_are_json(client):
    response = client.post("/v1/ask", json={"question": ASKED, "stream": True, "doc_ids": ["no-such-doc"]})
    assert_error(response, 404, "unknown_document")
    response = client.post("/v1/ask/stream", json={"question": ASKED, "doc_ids": ["no-such-doc"]})
    assert_error(response, 404, "unknown_document")


def test_batch_answers_each_question(client, assistant):
    questions = [ASKED, REFUSED, "家庭托育点需要登记备案吗"]
    response = client.post("/v1/ask/batch", json={"questions": questions, "k": 4})
    assert response.status_code == 200
    assert response.json() == [assistant.ask(q, k=4).model_dump(mode="json") for q in questions]


def test_batch_size_is_bounded(client):
    error = assert_error(client.post("/v1/ask/batch", json={"questions": [ASKED] * 5}), 422, "invalid_request")
    assert "questions" in error["message"]
    assert_error(client.post("/v1/ask/batch", json={"questions": []}), 422, "invalid_request")
    error = assert_error(client.post("/v1/ask/batch", json={"questions": [ASKED, " "]}), 422, "invalid_request")
    assert "questions.1" in error["message"]


def test_search_returns_ranked_hits(client, assistant):
    response = client.post("/v1/search", json={"question": ASKED, "k": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["question"] == ASKED
    assert body["hits"] == [h.to_dict() | assistant.standing(h.clause.doc_id) for h in assistant.search(ASKED, k=5)]
    assert body["hits"][0]["clause_id"] == "yanglao-gaige-2024:（十四）"
    only = client.post("/v1/search", json={"question": ASKED, "k": 50, "doc_ids": ["yanglao-tuoyu-2020"]}).json()
    assert only["hits"] and {h["doc_id"] for h in only["hits"]} == {"yanglao-tuoyu-2020"}


def test_documents_list_and_detail(client, assistant):
    listed = client.get("/v1/documents").json()
    assert [d["doc_id"] for d in listed] == ["yanglao-gaige-2024", "yanglao-tuoyu-2020"]
    tuoyu = listed[1]
    assert tuoyu["title"] == "国务院办公厅关于促进养老托育服务健康发展的意见"
    assert tuoyu["doc_number"] == "国办发〔2020〕52号" and tuoyu["date"] == "2020-12-14"
    assert sum(d["clause_count"] for d in listed) == 79
    assert all("path" not in d and "sha256" not in d for d in listed)  # no server file paths leak out
    for summary in listed:
        detail = client.get(f"/v1/documents/{quote(summary['doc_id'])}").json()
        assert {k: detail[k] for k in summary} == summary
        assert [c["clause_id"] for c in detail["clauses"]] == [
            c["clause_id"] for c in assistant.document(summary["doc_id"])["clauses"]]
        assert len(detail["clauses"]) == summary["clause_count"]
        ordinals = [c["ordinal"] for c in detail["clauses"]]
        assert ordinals == sorted(ordinals)


def test_every_clause_by_percent_encoded_id(client, assistant):
    for clause in assistant.index.clauses:
        response = client.get("/v1/clauses/" + quote(clause.clause_id, safe=""))
        assert response.status_code == 200, clause.clause_id
        assert response.json() == clause.to_dict()
    # Unencoded full-width characters and the colon work too (the client encodes them as UTF-8).
    assert client.get("/v1/clauses/yanglao-tuoyu-2020:附件第11项").json()["label"] == "附件第11项"


def test_openapi_and_docs(client):
    schema = client.get("/openapi.json").json()
    assert {"/v1/ask", "/v1/ask/batch", "/v1/search", "/v1/documents", "/v1/documents/{doc_id}",
            "/v1/clauses/{clause_id}", "/livez", "/readyz"} <= set(schema["paths"])
    examples = schema["components"]["schemas"]["AskRequest"]["examples"]
    assert any(CJK.search(e["question"]) for e in examples)
    assert schema["components"]["schemas"]["AskBatchRequest"]["properties"]["questions"]["maxItems"] == 4
    assert "securitySchemes" not in schema.get("components", {})
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


# ---- the error contract -------------------------------------------------------------------------
JSON = {"content-type": "application/json"}


@pytest.mark.parametrize("body,status,code", [
    (b'{"question": "x",', 400, "invalid_json"),
    (b'{"question": "\xff"}', 400, "invalid_json"),
    (b"[1, 2]", 422, "invalid_request"),
    (b"", 422, "invalid_request"),
    (b"{}", 422, "invalid_request"),
    (b'{"question": 5}', 422, "invalid_request"),
    (b'{"question": ["x"]}', 422, "invalid_request"),
    (b'{"question": "x", "k": "5"}', 422, "invalid_request"),
    (b'{"question": "x", "k": 2.5}', 422, "invalid_request"),
    (b'{"question": "x", "k": true}', 422, "invalid_request"),
    (b'{"question": "x", "k": 0}', 422, "invalid_request"),
    (b'{"question": "x", "k": 51}', 422, "invalid_request"),
    (b'{"question": "x", "doc_ids": "yanglao-gaige-2024"}', 422, "invalid_request"),
    (b'{"question": "x", "mode": "fuzzy"}', 422, "invalid_request"),
    (b'{"question": "x", "stream": "yes"}', 422, "invalid_request"),
    (b'{"question": "x", "questions": ["y"]}', 422, "invalid_request"),
    (b'{"question": ""}', 422, "invalid_request"),
    ('{"question": " \\t\\n\u3000 "}'.encode(), 422, "invalid_request"),
    (b'{"question": "\\u517b\\u8001\\u0007"}', 422, "invalid_request"),
    (b'{"question": "\\u0000"}', 422, "invalid_request"),
    (b'{"question": "\\ud800"}', 422, "invalid_request"),
    (json.dumps({"question": "养" * 1001}).encode(), 422, "invalid_request"),
    (b'{"question": "x", "doc_ids": ["no-such-doc"]}', 404, "unknown_document"),
])
@pytest.mark.parametrize("route", ["/v1/ask", "/v1/search"])
def test_bad_bodies_get_json_4xx(client, route, body, status, code):
    assert_error(client.post(route, content=body, headers=JSON), status, code)


def test_question_limits_apply_after_trimming(client):
    assert client.post("/v1/search", json={"question": "  " + "养" * 1000 + "\n", "k": 1}).status_code == 200
    error = assert_error(client.post("/v1/search", json={"question": "\u3000 "}), 422, "invalid_request")
    assert "问题不能为空" in error["message"] and "body.question" in error["message"]
    error = assert_error(client.post("/v1/search", json={"question": "托育\x1b"}), 422, "invalid_request")
    assert "控制字符" in error["message"] and "control characters" in error["message"]
    error = assert_error(client.post("/v1/search", content=b'{"question": "\\ud800"}', headers=JSON),
                         422, "invalid_request")
    assert "surrogate" in error["message"]


def test_body_must_be_declared_json(client):
    assert_error(client.post("/v1/ask", data={"question": ASKED}), 415, "unsupported_media_type")
    assert_error(client.post("/v1/ask", content=json.dumps({"question": ASKED}).encode(),
                             headers={"content-type": "text/plain"}), 415, "unsupported_media_type")
    assert_error(client.post("/v1/ask", content=json.dumps({"question": ASKED}).encode(),
                             headers={"content-type": "text/x+json"}), 415, "unsupported_media_type")
    nested = ('{"question": "托育", "doc_ids": ' + "[" * 2000 + "]" * 2000 + "}").encode()
    assert "nested" in assert_error(client.post("/v1/ask", content=nested, headers=JSON), 400, "invalid_json")["message"]


def test_oversize_bodies_get_413(client):
    big = json.dumps({"question": "养" * 30_000}).encode()  # 90 KB > 64 KiB
    assert_error(client.post("/v1/ask", content=big, headers=JSON), 413, "payload_too_large")

    def chunks():  # no Content-Length: the limit is enforced while reading
        for start in range(0, len(big), 8192):
            yield big[start:start + 8192]

    assert_error(client.post("/v1/ask", content=chunks(), headers=JSON), 413, "payload_too_large")
    # A body just under the limit is read and judged on its content.
    near = json.dumps({"question": "x" * 60_000}).encode()
    assert_error(client.post("/v1/ask", content=near, headers=JSON), 422, "invalid_request")


@pytest.mark.parametrize("path", ["/v1/documents/no-such-doc", "/v1/clauses/no-such-doc:第一条",
                                  "/v1/clauses/" + quote("yanglao-gaige-2024:（九十九）", safe=""),
                                  "/v1/documents/", "/v1/nothing-here", "/nothing", "/v2/ask"])
def test_unknown_ids_and_routes_get_404(client, path):
    assert_error(client.get(path), 404, "not_found")


@pytest.mark.parametrize("method,path,allow", [
    ("GET", "/v1/ask", "POST"), ("PUT", "/v1/search", "POST"), ("DELETE", "/v1/documents", "GET"),
    ("POST", "/v1/documents/yanglao-gaige-2024", "GET"), ("POST", "/readyz", "GET"),
])
def test_wrong_methods_get_405(client, method, path, allow):
    response = client.request(method, path)
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == allow


# ---- concurrency, loading, auth ------------------------------------------------------------------
def test_an_abandoned_batch_stops_being_answered(bundled_index_dir, assistant, monkeypatch):
    asked = []
    real_ask = assistant.ask
    monkeypatch.setattr(assistant, "ask", lambda *a, **kw: asked.append(1) or real_ask(*a, **kw))
    questions = [f"{ASKED}{i}" for i in range(200)]  # several seconds of work
    with LiveServer(create_app(_settings(bundled_index_dir, max_batch=200), loader=lambda: assistant)) as live:
        live.wait_ready()
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(f"{live.url}/v1/ask/batch", json={"questions": questions}, timeout=0.3)
        time.sleep(1.0)  # the question in hand is finished, then the batch stops
        done = len(asked)
        time.sleep(1.0)
        assert 0 < done == len(asked) < len(questions)


def test_concurrent_requests_get_the_sequential_answers(server, assistant):
    questions = [ASKED, REFUSED, "家庭托育点需要登记备案吗", "谁牵头建立一老一小服务能力评价机制",
                 "普惠托育服务价格怎么定"]
    expected = {q: assistant.ask(q).model_dump(mode="json") for q in questions}
    hits = {q: [h.to_dict() | assistant.standing(h.clause.doc_id) for h in assistant.search(q, k=5)] for q in questions}

    def call(i: int) -> bool:
        q = questions[i % len(questions)]
        with httpx.Client(base_url=server.url, timeout=120) as c:
            if i % 2:
                return c.post("/v1/search", json={"question": q, "k": 5}).json()["hits"] == hits[q]
            return c.post("/v1/ask", json={"question": q}).json() == expected[q]

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert all(pool.map(call, range(48)))


def test_requests_during_loading_get_503_then_complete_answers(bundled_index_dir, assistant):
    gate = threading.Event()

    def gated_loader() -> Assistant:
        gate.wait(60)
        return Assistant.load(bundled_index_dir)

    expected = assistant.ask(ASKED).model_dump(mode="json")
    with LiveServer(create_app(_settings(bundled_index_dir), loader=gated_loader)) as live, \
            httpx.Client(base_url=live.url, timeout=60) as c:
        assert c.get("/livez").status_code == 200
        ready = c.get("/readyz")
        assert ready.status_code == 503 and ready.json()["status"] == "loading" and ready.json()["index"] is None
        assert_error(c.post("/v1/ask", json={"question": ASKED}), 503, "index_loading")
        loading = c.get("/v1/documents")
        assert_error(loading, 503, "index_loading")
        assert loading.headers["retry-after"] == "1"

        statuses: list[int] = []

        def hammer() -> None:  # requests racing the load see a 503 or a complete answer, nothing between
            with httpx.Client(base_url=live.url, timeout=60) as own:
                while True:
                    response = own.post("/v1/ask", json={"question": ASKED})
                    statuses.append(response.status_code)
                    if response.status_code == 200:
                        assert response.json() == expected
                        return
                    assert_error(response, 503, "index_loading")

        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = [pool.submit(hammer) for _ in range(4)]
            time.sleep(0.3)
            gate.set()
            for future in futures:
                future.result(timeout=120)
        assert 503 in statuses and statuses.count(200) == 4
        assert c.get("/readyz").json()["status"] == "ready"


def test_failed_load_is_reported_not_crashed(bundled_index_dir, tmp_path):
    missing = tmp_path / "no-index"
    with LiveServer(create_app(_settings(missing))) as live, httpx.Client(base_url=live.url) as c:
        deadline = time.monotonic() + 30
        while (ready := c.get("/readyz").json())["status"] == "loading":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert ready["status"] == "failed" and "policyqa build" in ready["message"]
        error = assert_error(c.post("/v1/search", json={"question": ASKED}), 503, "index_unavailable")
        assert str(missing) in error["message"]


def test_api_key_guards_v1_routes_only(bundled_index_dir, assistant):
    settings = Settings(index=bundled_index_dir, api_key="s3cret-政策-key".encode().hex(),
                        cors_origins="https://zhengce.example.gov.cn", rate_limit="")
    key = settings.api_key.get_secret_value()
    with LiveServer(create_app(settings, loader=lambda: assistant)) as live, \
            httpx.Client(base_url=live.url, timeout=60) as c:
        live.wait_ready()
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Bearer {key}x"},
                        {"Authorization": f"Basic {key}"}, {"Authorization": key}):
            response = c.get("/v1/documents", headers=headers)
            assert_error(response, 401, "unauthorized")
            assert response.headers["www-authenticate"] == "Bearer"
            assert_error(c.post("/v1/ask", json={"question": ASKED}, headers=headers), 401, "unauthorized")
        auth = {"Authorization": f"Bearer {key}"}
        assert c.get("/v1/documents", headers=auth).status_code == 200
        assert c.post("/v1/ask", json={"question": ASKED}, headers=auth).json()["citations"]
        assert c.get("/v1/clauses/" + quote("yanglao-gaige-2024:（十四）"), headers=auth).status_code == 200
        # Health and documentation stay open.
        assert c.get("/livez").status_code == 200 and c.get("/readyz").status_code == 200
        schema = c.get("/openapi.json").json()
        assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
        # Browsers on the configured origin may call the API (the preflight carries no key).
        preflight = c.options("/v1/ask", headers={"Origin": "https://zhengce.example.gov.cn",
                                                  "Access-Control-Request-Method": "POST",
                                                  "Access-Control-Request-Headers": "authorization,content-type"})
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://zhengce.example.gov.cn"
        other = c.get("/v1/documents", headers=auth | {"Origin": "https://elsewhere.example.com"})
        assert "access-control-allow-origin" not in other.headers


# ---- the real command: `policyqa serve` --------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_serving(proc: subprocess.Popen, url: str) -> None:
    """Until ``policyqa serve`` (``proc``, its output piped) answers /readyz with 200; its output if it exits."""
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, proc.stdout.read()
        try:
            if httpx.get(f"{url}/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "server did not become ready"
        time.sleep(0.1)


def test_serve_command_reads_env_settings_and_stops_cleanly_on_sigterm(bundled_index_dir):
    port = _free_port()
    env = dict(os.environ, POLICYQA_API_KEY="env-key", POLICYQA_MAX_BATCH="20")
    proc = subprocess.Popen([sys.executable, "-m", "policyqa", "serve", "--index", str(bundled_index_dir),
                             "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_serving(proc, url)
        assert_error(httpx.get(f"{url}/v1/documents"), 401, "unauthorized")
        auth = {"Authorization": "Bearer env-key"}
        # The page at /ui is behind the same key: a login that takes it as the password.
        with httpx.Client(base_url=f"{url}/ui") as page:
            assert page.get("/config").status_code == 401
            assert page.post("/login", data={"username": "any", "password": "wrong"}).status_code == 400
            assert page.post("/login", data={"username": "any", "password": "env-key"}).status_code == 200
            assert page.get("/config").status_code == 200  # the login cookie opens it
        schema = httpx.get(f"{url}/openapi.json").json()
        assert schema["components"]["schemas"]["AskBatchRequest"]["properties"]["questions"]["maxItems"] == 20

        # A request in flight when SIGTERM arrives still gets its answer: the body's second half is sent
        # only after the signal, so the server has certainly begun the request when it is told to stop.
        body = json.dumps({"questions": [ASKED, REFUSED]}).encode()
        first_half_sent, signalled = threading.Event(), threading.Event()

        def slow_body():
            yield body[:20]
            first_half_sent.set()
            signalled.wait(30)
            yield body[20:]

        result: dict[str, httpx.Response] = {}
        batch = threading.Thread(target=lambda: result.setdefault("r", httpx.post(
            f"{url}/v1/ask/batch", content=slow_body(), headers=auth | JSON, timeout=120)))
        batch.start()
        assert first_half_sent.wait(30)
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        signalled.set()
        assert proc.wait(timeout=30) == 0
        batch.join(30)
        assert result["r"].status_code == 200 and len(result["r"].json()) == 2
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Traceback" not in proc.stdout.read()


def test_serve_command_rejects_bad_settings_clearly(bundled_index_dir):
    env = dict(os.environ, POLICYQA_MAX_BATCH="0")
    result = subprocess.run([sys.executable, "-m", "policyqa", "serve", "--index", str(bundled_index_dir),
                             "--port", str(_free_port())], env=env, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 2
    assert "POLICYQA_MAX_BATCH" in result.stderr and "Traceback" not in result.stderr


def test_serve_command_with_a_missing_index_fails_clearly(tmp_path):
    result = subprocess.run([sys.executable, "-m", "policyqa", "serve", "--index", str(tmp_path / "none"),
                             "--port", str(_free_port())], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2
    assert "policyqa build" in result.stderr and "Traceback" not in result.stderr
