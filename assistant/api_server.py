"""Serving the API with uvicorn: connection timeouts and caps, a draining shutdown, redacted access logs.

* Headers must arrive within ``header_timeout_s`` of the connection opening (or of the previous
  response): uvicorn times out idle keep-alive connections but not a client that stalls mid-headers,
  so :class:`TimedH11Protocol` adds that timer. The body's deadline is :class:`~.api.BodyLimit`'s.
* ``max_connections`` is uvicorn's ``limit_concurrency``: past it, requests get ``503``.
* SIGTERM/SIGINT: ``/readyz`` turns ``503 stopping`` at once, the server keeps serving for
  ``shutdown_delay_s`` (so a load balancer sees it and stops sending), then stops accepting and gives
  running requests ``shutdown_grace_s``; what still runs then is answered ``503`` by
  :class:`~.api_guard.ResponseGuard`.
* ``X-Forwarded-For`` is not applied by uvicorn (``proxy_headers=False``): admission control reads it
  from the operator's trusted proxies only.
"""
from __future__ import annotations

import ipaddress
import logging
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import h11
import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from policyqa.corpus.errors import UserError

from .reloading import AssistantHolder, CurrentAssistant
from .service import Assistant
from .settings import Settings, load_settings

log = logging.getLogger(__name__)


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request headers do not arrive in time."""

    header_timeout_s: float = 10.0

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_header_timer()

    def _arm_header_timer(self) -> None:
        cycle = self.cycle  # the request in hand; a new one replaces it when its headers are complete
        self.loop.call_later(self.header_timeout_s, self._headers_overdue, cycle)

    def _headers_overdue(self, cycle: object) -> None:
        if self.cycle is cycle and not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self.transport.close()


def timed_protocol(header_timeout_s: float) -> type[TimedH11Protocol]:
    return type("TimedH11Protocol", (TimedH11Protocol,), {"header_timeout_s": header_timeout_s})


class RedactQuery(logging.Filter):
    """Access-log lines keep the path and drop the query string (it could hold a key or a question)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3 and isinstance(record.args[2], str):
            path, sep, _ = record.args[2].partition("?")
            if sep:
                record.args = (*record.args[:2], f"{path}?…", *record.args[3:])
        return True


def server_config(app: FastAPI, settings: Settings, host: str = "127.0.0.1", port: int = 8000,
                  **overrides: object) -> uvicorn.Config:
    """The uvicorn configuration every server of this app uses (tests and benchmarks included)."""
    config = uvicorn.Config(
        app, host=host, port=port, http=timed_protocol(settings.header_timeout_s),
        timeout_keep_alive=settings.keep_alive_s, limit_concurrency=settings.max_connections,
        timeout_graceful_shutdown=settings.shutdown_grace_s, proxy_headers=False, server_header=False,
        **overrides)
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQuery) for f in access.filters):
        access.addFilter(RedactQuery())
    return config


class DrainingServer(uvicorn.Server):
    """A uvicorn server whose first stop signal turns readiness off before it stops."""

    def __init__(self, config: uvicorn.Config, on_drain: Callable[[], None], delay_s: float) -> None:
        super().__init__(config)
        self._on_drain = on_drain
        self._delay_s = delay_s
        self._draining = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self._draining or self._delay_s <= 0:
            if not self._draining:
                self._draining = True
                self._on_drain()
            super().handle_exit(sig, frame)
            return
        self._draining = True
        self._on_drain()
        log.info("停止中：%.0f 秒后不再接受连接 (draining: /readyz is 503; stopping in %.0f s)",
                 self._delay_s, self._delay_s)
        timer = threading.Timer(self._delay_s, super().handle_exit, (sig, frame))
        timer.daemon = True
        timer.start()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_open_exposure(host: str, settings: Settings) -> None:
    """Serving a non-loopback address without an API key is a :class:`UserError` unless ``allow_open`` is set."""
    if not settings.api_key and not settings.allow_open and not _is_loopback(host):
        raise UserError(
            f"拒绝在 {host} 上无密钥提供服务：请设置 POLICYQA_API_KEY，或确需开放时设置 POLICYQA_ALLOW_OPEN=true "
            f"(refusing to serve {host} without an API key: set POLICYQA_API_KEY, or POLICYQA_ALLOW_OPEN=true "
            f"to serve it open on purpose)")


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def run_server(index_dir: Path | None, host: str = "127.0.0.1", port: int = 8000, *,
               mount: Callable[[FastAPI, Assistant], object] | None = None) -> None:
    """Serve the API with uvicorn until SIGINT or SIGTERM; a SIGTERM ends with exit status 0.

    ``mount`` adds more to the app (the web UI: ``ui.app.mount_ui``); it needs the assistant before
    the server starts, so the index is then loaded before the port opens. Serving a non-loopback
    address without an API key is refused unless ``POLICYQA_ALLOW_OPEN`` is set.
    """
    from .api import create_app  # the app module imports this one's settings users; keep the import one-way

    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    settings = load_settings(**({"index": Path(index_dir)} if index_dir is not None else {}))
    refuse_open_exposure(host, settings)
    # Hook (reloading): one holder follows the index folder's generations for the API and the page alike.
    holder = AssistantHolder.for_index(settings.index, settings.answerer, settings.reload_poll_s)
    if mount is not None:
        holder.load_now()
    app = create_app(settings, holder=holder, bind_host=host)
    if mount is not None:
        mount(app, CurrentAssistant(holder))
    holder = app.state.assistant_holder
    server = DrainingServer(server_config(app, settings, host, port), on_drain=holder.stop,
                            delay_s=settings.shutdown_delay_s)
    holder.on_failure = lambda: setattr(server, "should_exit", True)
    # uvicorn re-raises the SIGTERM it caught once its graceful shutdown is done; end with status 0 then.
    previous = signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        server.run()
    finally:
        signal.signal(signal.SIGTERM, previous)
    if holder.error is not None:
        raise UserError(f"索引加载失败，服务已停止 (the index failed to load; server stopped): {holder.error}")
