"""A call of a page function that does not exist gets a 404 in the error contract, not Gradio's bare 500.

Gradio answers ``POST …/gradio_api/call/NAME`` or ``…/run/NAME`` for an unknown ``NAME``, and ``…/queue/join`` for an
unknown ``fn_index``, with ``500 Internal Server Error``: a client's mistake reported as the server's. This layer
knows the page's functions and answers those requests itself.
"""
from __future__ import annotations

import json

import gradio as gr
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from policyqa.assistant.api_errors import error_response

_NAMED = ("call", "run")


def _unknown(what: str) -> object:
    return error_response(404, "unknown_ui_function",
                          f"页面没有这个接口：{what} (the page has no function {what})")


class UnknownUiCalls:
    """ASGI layer around the Gradio app of ``demo`` (inside the host app's own layers: keys, limits, headers)."""

    def __init__(self, app: ASGIApp, demo: gr.Blocks) -> None:
        self.app = app
        self.names = {f.api_name for f in demo.fns.values() if isinstance(f.api_name, str)}
        self.indices = set(demo.fns)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        _, api, tail = scope.get("path", "").partition("/gradio_api/")
        if scope["type"] != "http" or scope["method"] != "POST" or not api:
            await self.app(scope, receive, send)
            return
        kind, _, name = tail.partition("/")
        if kind in _NAMED and name and "/" not in name.strip("/") and name.strip("/") not in self.names:
            await _unknown(name.strip("/"))(scope, receive, send)
            return
        if (kind, name) == ("queue", "join"):
            body, receive = await _read_body(receive)
            try:
                fn_index = json.loads(body).get("fn_index")
            except (ValueError, AttributeError):
                fn_index = None  # not ours to judge: Gradio's own validation answers
            if isinstance(fn_index, int) and fn_index not in self.indices:
                await _unknown(f"fn_index {fn_index}")(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body, and a ``receive`` that hands it on again (bodies are bounded by the admission layer)."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body"):
            break
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return body, replay
