"""Admission control on a real server over loopback: rate limits, trusted proxies, lock-out, batch cost,
the concurrency cap and the time budget. Every case here was accepted (and worked on) before."""
from __future__ import annotations

import threading
import time

import httpx
import pytest

from policyqa.assistant.api import create_app
from test_api import ASKED, REFUSED, LiveServer, _settings, assert_error


def _from(address: str, url: str, **kwargs) -> httpx.Client:
    """A client whose connections leave from ``address`` (any 127.x.y.z is this machine's loopback)."""
    return httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address=address), timeout=60, **kwargs)


@pytest.fixture(scope="module")
def limited(bundled_index_dir, assistant):
    settings = _settings(bundled_index_dir, rate_limit="5/second;1000/hour", trusted_proxies="127.0.0.9")
    with LiveServer(create_app(settings, loader=lambda: assistant)) as live:
        live.wait_ready()
        yield live


def _burst(client: httpx.Client, n: int, headers: dict | None = None) -> list[httpx.Response]:
    return [client.get("/v1/documents", headers=headers or {}) for _ in range(n)]


def test_a_client_over_its_rate_gets_429_with_retry_after_and_others_are_served(limited):
    with _from("127.0.0.2", limited.url) as flood, _from("127.0.0.3", limited.url) as other:
        responses = _burst(flood, 8)
        assert [r.status_code for r in responses[:5]] == [200] * 5
        refused = responses[5]
        error = assert_error(refused, 429, "rate_limited")
        assert "请求过于频繁" in error["message"]
        assert 1 <= int(refused.headers["retry-after"]) <= 2
        assert other.get("/v1/documents").status_code == 200  # another client is not affected
        assert flood.get("/livez").status_code == 200  # probes are never limited
        time.sleep(int(refused.headers["retry-after"]) + 0.1)
        assert flood.get("/v1/documents").status_code == 200  # the window moved on


def test_forwarded_for_is_believed_only_from_trusted_proxies(limited):
    # Not a trusted proxy: a new X-Forwarded-For on every request does not make a new client.
    with _from("127.0.0.4", limited.url) as spoofer:
        statuses = [spoofer.get("/v1/documents", headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code
                    for i in range(8)]
        assert statuses.count(429) == 3
    # The trusted proxy 127.0.0.9: each forwarded client has its own budget; the proxy's own address none.
    with _from("127.0.0.9", limited.url) as proxy:
        for i in range(3):
            assert {r.status_code for r in _burst(proxy, 5, {"X-Forwarded-For": f"203.0.113.{i}"})} == {200}
        chained = _burst(proxy, 6, {"X-Forwarded-For": "198.51.100.7, 203.0.113.99"})  # the last hop counts
        assert [r.status_code for r in chained].count(429) == 1
        assert proxy.get("/v1/documents", headers={"X-Forwarded-For": "203.0.113.98"}).status_code == 200


def test_wrong_keys_lock_the_client_out_then_the_lock_ends(bundled_index_dir, assistant):
    settings = _settings(bundled_index_dir, api_key="the-right-key", auth_failures="3/minute", lockout_s=2)
    with LiveServer(create_app(settings, loader=lambda: assistant)) as live, \
            _from("127.0.0.5", live.url) as guesser, _from("127.0.0.6", live.url) as user:
        live.wait_ready()
        right = {"Authorization": "Bearer the-right-key"}
        for i in range(4):
            assert_error(guesser.get("/v1/documents", headers={"Authorization": f"Bearer guess-{i}"}), 401,
                         "unauthorized")
        locked = guesser.get("/v1/documents", headers=right)  # even the right key, while locked out
        error = assert_error(locked, 429, "locked_out")
        assert "密钥错误次数过多" in error["message"] and 1 <= int(locked.headers["retry-after"]) <= 2
        assert user.get("/v1/documents", headers=right).status_code == 200  # other clients are not locked out
        time.sleep(2.1)
        assert guesser.get("/v1/documents", headers=right).status_code == 200


def test_wrong_ui_logins_lock_the_client_out(bundled_index_dir, assistant):
    from policyqa.ui.app import mount_ui

    settings = _settings(bundled_index_dir, api_key="ui-key", auth_failures="3/minute", lockout_s=30)
    app = create_app(settings, loader=lambda: assistant)
    mount_ui(app, assistant)
    with LiveServer(app) as live, _from("127.0.0.7", live.url) as guesser:
        live.wait_ready()
        for i in range(4):
            assert guesser.post("/ui/login", data={"username": "x", "password": f"guess-{i}"}).status_code == 400
        locked = guesser.post("/ui/login", data={"username": "x", "password": "ui-key"})
        assert_error(locked, 429, "locked_out")
        with _from("127.0.0.8", live.url) as user:
            assert user.post("/ui/login", data={"username": "x", "password": "ui-key"}).status_code == 200


def test_a_batch_costing_more_than_the_cap_is_refused(bundled_index_dir, assistant):
    settings = _settings(bundled_index_dir, max_batch=100, max_batch_cost=500)
    with LiveServer(create_app(settings, loader=lambda: assistant)) as live, \
            httpx.Client(base_url=live.url, timeout=60) as c:
        live.wait_ready()
        error = assert_error(c.post("/v1/ask/batch", json={"questions": [ASKED] * 100, "k": 50}), 422,
                             "invalid_request")
        assert "问题数 × k = 5000" in error["message"] and "500" in error["message"]
        assert c.post("/v1/ask/batch", json={"questions": [ASKED, REFUSED], "k": 50}).status_code == 200
        schema = c.get("/openapi.json").json()["components"]["schemas"]["AskBatchRequest"]
        assert "500" in schema["description"]


def test_a_request_past_its_time_budget_gets_503_in_chinese(bundled_index_dir, assistant):
    settings = _settings(bundled_index_dir, max_batch=300, max_batch_cost=100_000, request_timeout_s=1)
    with LiveServer(create_app(settings, loader=lambda: assistant)) as live, \
            httpx.Client(base_url=live.url, timeout=60) as c:
        live.wait_ready()
        started = time.monotonic()
        response = c.post("/v1/ask/batch", json={"questions": [f"{ASKED}{i}" for i in range(300)]})
        elapsed = time.monotonic() - started
        error = assert_error(response, 503, "time_budget_exceeded")
        assert "时限" in error["message"]
        assert elapsed < 5, elapsed  # stopped after the question in hand, not after 300 questions
        assert c.post("/v1/ask", json={"question": ASKED}).status_code == 200


def test_requests_over_the_concurrency_cap_wait_then_get_503(bundled_index_dir, assistant):
    settings = _settings(bundled_index_dir, max_batch=300, max_batch_cost=100_000, max_concurrent=1,
                         queue_timeout_s=0.3)
    with LiveServer(create_app(settings, loader=lambda: assistant)) as live, \
            httpx.Client(base_url=live.url, timeout=120) as c:
        live.wait_ready()
        long_batch = threading.Thread(target=lambda: httpx.post(
            f"{live.url}/v1/ask/batch", json={"questions": [f"{ASKED}{i}" for i in range(60)]}, timeout=120))
        long_batch.start()
        time.sleep(0.5)
        busy = c.post("/v1/ask", json={"question": ASKED})
        assert_error(busy, 503, "busy")
        assert busy.headers["retry-after"] == "1"
        assert c.get("/readyz").status_code == 200  # health routes are outside the cap
        long_batch.join(120)
        assert c.post("/v1/ask", json={"question": ASKED}).status_code == 200


def test_a_batch_counts_each_question_against_the_rate(bundled_index_dir, assistant):
    settings = _settings(bundled_index_dir, rate_limit="10/minute")
    with LiveServer(create_app(settings, loader=lambda: assistant)) as live, _from("127.0.0.11", live.url) as c:
        live.wait_ready()
        assert c.post("/v1/ask/batch", json={"questions": [ASKED] * 8}).status_code == 200
        assert [c.post("/v1/ask", json={"question": ASKED}).status_code for _ in range(3)] == [200, 200, 429]
        error = assert_error(c.post("/v1/ask/batch", json={"questions": [ASKED] * 2}), 429, "rate_limited")
        assert "questions" in error["message"]
        with _from("127.0.0.12", live.url) as other:  # a batch over a whole window is one window's worth
            assert other.post("/v1/ask/batch", json={"questions": [ASKED] * 12}).status_code == 200
            assert_error(other.post("/v1/ask", json={"question": ASKED}), 429, "rate_limited")


def test_a_client_queues_behind_its_own_requests_not_in_front_of_others(bundled_index_dir, assistant):
    settings = _settings(bundled_index_dir, max_batch=300, max_batch_cost=100_000, client_concurrency=1,
                         queue_timeout_s=0.3)
    with LiveServer(create_app(settings, loader=lambda: assistant)) as live, \
            _from("127.0.0.13", live.url) as busy, _from("127.0.0.14", live.url) as other:
        live.wait_ready()
        long_batch = threading.Thread(target=lambda: busy.post(
            "/v1/ask/batch", json={"questions": [f"{ASKED}{i}" for i in range(60)]}, timeout=120))
        long_batch.start()
        time.sleep(0.5)
        queued = busy.post("/v1/ask", json={"question": ASKED})
        assert_error(queued, 429, "too_many_at_once")
        assert queued.headers["retry-after"] == "1"
        assert other.post("/v1/ask", json={"question": ASKED}).status_code == 200
        long_batch.join(120)


def test_clients_can_be_told_apart_by_their_bearer_key(bundled_index_dir, assistant):
    """Behind one gateway address, each caller with a key of its own (``rate_limit_by=key``) has its own rate."""
    settings = _settings(bundled_index_dir, rate_limit="3/minute", rate_limit_by="key")
    with LiveServer(create_app(settings, loader=lambda: assistant)) as live, _from("127.0.0.15", live.url) as c:
        live.wait_ready()
        first, second = {"Authorization": "Bearer caller-a"}, {"Authorization": "Bearer caller-b"}
        assert [r.status_code for r in _burst(c, 4, first)] == [200, 200, 200, 429]
        assert [r.status_code for r in _burst(c, 3, second)] == [200, 200, 200]
        assert [r.status_code for r in _burst(c, 4)] == [200, 200, 200, 429]  # no key: the address
