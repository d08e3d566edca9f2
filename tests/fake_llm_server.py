"""A scripted OpenAI-compatible chat-completions server on loopback, for tests.

It stands in for what users bring from outside (a vLLM / Ollama server): every
``POST …/chat/completions`` is recorded and answered with the current script.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Script:
    """What the next requests get, after ``delay_s``: a completion whose text is ``content``
    (or ``content(request_json)``, for replies that depend on the numbered evidence), or a raw ``body``."""

    content: str | Callable[[dict], str] = ""
    status: int = 200
    body: str | None = None
    delay_s: float = 0.0


@dataclass(frozen=True)
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    json: dict


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
                    self._send(script.status, json.dumps(completion(text, payload.get("model", ""))))

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
