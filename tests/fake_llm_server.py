"""A scripted OpenAI-compatible chat-completions server on loopback, for tests.

It stands in for what users bring from outside (a vLLM / Ollama server): every
``POST …/chat/completions`` is recorded and answered with the current script, as one completion or, when the
request asks for ``"stream": true``, as server-sent chunks (``data: {…"delta": {"content": …}}`` … ``data: [DONE]``)
a few characters each. Two marks in the content steer a stream: :data:`GATE` holds the rest until the test sets
``script.gate``; :data:`DIE` ends the stream there without ``[DONE]``, as a model server that crashed.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Script:
    """What the next requests get, after ``delay_s``: a completion whose text is ``content``
    (or ``content(request_json)``, for replies that depend on the numbered evidence), or a raw ``body``."""

    content: str | Callable[[dict], str] = ""
    status: int = 200
    body: str | None = None
    delay_s: float = 0.0
    chunk_chars: int = 3  # characters per streamed chunk
    chunk_delay_s: float = 0.0  # pause before each streamed chunk
    gate: threading.Event = field(default_factory=threading.Event)
    # What became of this script's streams: one was sent to its end ([DONE] or DIE); a client hung up on one.
    finished: threading.Event = field(default_factory=threading.Event)
    abandoned: threading.Event = field(default_factory=threading.Event)


GATE = "\x00"  # in streamed content: send nothing after it until ``script.gate`` is set
DIE = "\x01"  # in streamed content: stop there, no [DONE], connection closed
GATE_WAIT_S = 30.0  # a gate never opened gives up after this (a test that failed)


@dataclass(frozen=True)
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    json: dict


def chunk(content: str, model: str = "fake", finish_reason: str | None = None) -> dict:
    """One streamed chat-completion chunk."""
    return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": model,
            "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish_reason}]}


def completion(content: str, model: str = "fake") -> dict:
    """The OpenAI chat-completions response shape."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


class FakeLLMServer:
    """``with FakeLLMServer() as server: server.script = Script(content="…[1]")``; ``server.base_url``."""

    def __init__(self) -> None:
        self.script = Script()
        self.requests: list[ReceivedRequest] = []
        self._closing = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> "FakeLLMServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server naming)
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append(ReceivedRequest(self.path, dict(self.headers), payload))
                script = server.script
                if script.delay_s and server._closing.wait(script.delay_s):
                    return
                if not self.path.endswith("/chat/completions"):
                    self._send(404, json.dumps({"error": "not found"}))
                elif script.body is not None:
                    self._send(script.status, script.body)
                else:
                    text = script.content(payload) if callable(script.content) else script.content
                    if payload.get("stream") and script.status == 200:
                        self._stream(script, text, payload.get("model", ""))
                    else:
                        text = text.replace(GATE, "").split(DIE)[0]
                        self._send(script.status, json.dumps(completion(text, payload.get("model", ""))))

            def _stream(self, script: Script, text: str, model: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()  # HTTP/1.0: the body ends when the connection closes
                try:
                    self._event(chunk("", model) | {"choices": [{"index": 0, "delta": {"role": "assistant"}}]})
                    for part in _parts(text, script.chunk_chars):
                        if part == GATE:
                            if not script.gate.wait(GATE_WAIT_S):
                                return
                        elif part == DIE:
                            script.finished.set()
                            return
                        else:
                            if script.chunk_delay_s and server._closing.wait(script.chunk_delay_s):
                                return
                            self._event(chunk(part, model))
                    self._event(chunk("", model, finish_reason="stop"))
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                    script.finished.set()
                except (BrokenPipeError, ConnectionResetError):
                    script.abandoned.set()

            def _event(self, data: dict) -> None:
                self.wfile.write(f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode("utf-8"))
                self.wfile.flush()

            def _send(self, status: int, body: str) -> None:
                data = body.encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def _parts(text: str, size: int) -> list[str]:
    """``text`` in pieces of ``size`` characters, each GATE or DIE mark a piece of its own."""
    parts: list[str] = []
    for n, run in enumerate(text.replace(DIE, GATE + DIE).split(GATE)):
        if n:
            parts.append(DIE if run.startswith(DIE) else GATE)
            run = run.removeprefix(DIE)
        parts.extend(run[i:i + size] for i in range(0, len(run), size))
    return parts
