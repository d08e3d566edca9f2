"""Slow and stalled clients on a real server over loopback: dropped within the configured timeouts, and a
cap on connections. Before these settings, a connection that stalled its headers or body stayed open."""
from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import pytest

from policyqa.assistant.api import create_app
from test_api import ASKED, LiveServer, _settings

HEADER_TIMEOUT, BODY_TIMEOUT = 1.0, 1.5


@pytest.fixture(scope="module")
def timed(bundled_index_dir, assistant):
    settings = _settings(bundled_index_dir, header_timeout_s=HEADER_TIMEOUT, body_timeout_s=BODY_TIMEOUT,
                         keep_alive_s=1)
    with LiveServer(create_app(settings, loader=lambda: assistant)) as live:
        live.wait_ready()
        yield live


def _open(port: int, first_bytes: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    if first_bytes:
        sock.sendall(first_bytes)
    return sock


def _closed_after(sock: socket.socket, limit: float) -> tuple[float, bytes]:
    """Seconds until the server closed ``sock`` (reading what it sent first); ``limit`` bounds the wait."""
    started, received = time.monotonic(), b""
    sock.settimeout(limit)
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except TimeoutError:
        return float("inf"), received
    except ConnectionResetError:
        pass
    return time.monotonic() - started, received


STALLS = {
    "nothing sent": b"",
    "headers cut off": b"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n",
    "body cut off": (b"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 200\r\n\r\n{\"question\": \""),
}


@pytest.mark.parametrize("stall", list(STALLS))
def test_stalled_connections_are_dropped_within_the_timeout(timed, stall):
    sockets = [_open(timed.port, STALLS[stall]) for _ in range(30)]
    try:
        limit = (BODY_TIMEOUT if stall == "body cut off" else HEADER_TIMEOUT) + 1.5
        results = [_closed_after(sock, limit) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
    assert all(seconds < limit for seconds, _ in results), [s for s, _ in results]
    if stall == "body cut off":  # the request had begun: the client is told why
        head, _, body = results[0][1].partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408")
        assert json.loads(body)["error"]["code"] == "request_timeout"


def test_a_body_trickled_byte_by_byte_is_cut_at_the_body_deadline(timed):
    body = json.dumps({"question": ASKED}).encode()
    sock = _open(timed.port, b"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n" % len(body))
    started, stop = time.monotonic(), threading.Event()

    def trickle() -> None:
        for byte in body:
            if stop.wait(0.2):
                return
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                return

    feeder = threading.Thread(target=trickle)
    feeder.start()
    try:
        seconds, received = _closed_after(sock, BODY_TIMEOUT + 2)
    finally:
        stop.set()
        feeder.join()
        sock.close()
    assert received.startswith(b"HTTP/1.1 408") and time.monotonic() - started < BODY_TIMEOUT + 2


def test_other_clients_are_served_while_connections_stall(timed):
    stalled = [_open(timed.port, STALLS["headers cut off"]) for _ in range(50)]
    try:
        assert httpx.post(f"{timed.url}/v1/ask", json={"question": ASKED}, timeout=30).status_code == 200
    finally:
        for sock in stalled:
            sock.close()


def test_connections_over_the_cap_get_503_until_stalled_ones_are_dropped(bundled_index_dir, assistant):
    settings = _settings(bundled_index_dir, max_connections=20, header_timeout_s=HEADER_TIMEOUT)
    with LiveServer(create_app(settings, loader=lambda: assistant)) as live:
        live.wait_ready()
        stalled = [_open(live.port, b"GET /v1/documents HTTP/1.1\r\n") for _ in range(20)]
        try:
            assert httpx.get(f"{live.url}/v1/documents", timeout=10).status_code == 503
            time.sleep(HEADER_TIMEOUT + 0.5)
            assert httpx.get(f"{live.url}/v1/documents", timeout=10).status_code == 200
        finally:
            for sock in stalled:
                sock.close()
