"""The outermost layer of the HTTP app: security headers on every response, and no 500 for a shutdown.

* Every response, the mounted web UI's included, carries the headers of :data:`SECURITY_HEADERS`
  (no framing, no MIME sniffing, no referrer, no plugins).
* An exception that reaches this layer before a response started becomes the JSON 500 of the error
  contract (logged once, with its traceback).
* A request cancelled by the server — uvicorn cancels what still runs when the graceful-shutdown
  period ends — gets a JSON ``503`` with ``Retry-After`` instead of uvicorn's 500 and traceback.
"""
from __future__ import annotations

import asyncio
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .api_errors import error_response, internal_error_response

log = logging.getLogger(__name__)

SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Restricts framing, <base> and plugins without restricting the UI's own inline scripts and styles.
    "Content-Security-Policy": "frame-ancestors 'none'; base-uri 'self'; object-src 'none'; form-action 'self'",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
_RAW_HEADERS = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
_NAMES = {name for name, _ in _RAW_HEADERS}


class ResponseGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _NAMES]
                message = {**message, "headers": headers + _RAW_HEADERS}
            await send(message)

        try:
            await self.app(scope, receive, secured)
        except asyncio.CancelledError:
            # Only the server cancels a request (graceful-shutdown timeout): answer it, then let it end.
            log.warning("%s %s stopped by the server's shutdown", scope["method"], scope["path"])
            if not started:
                await error_response(503, "shutting_down",
                                     "服务正在停止，请求未完成，请重试 (the server is shutting down; the request was "
                                     "not completed; retry)", headers={"Retry-After": "1", "Connection": "close"})(
                    scope, receive, secured)
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if not started:
                await internal_error_response()(scope, receive, secured)
