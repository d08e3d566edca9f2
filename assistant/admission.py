"""Admission control for the HTTP server: who may start work, how much, and for how long.

One ASGI middleware, in this order for each governed request:

1. a client locked out after too many failed keys or UI logins gets ``429`` until the lock-out ends;
2. per-client rate limits (the ``limits`` package, moving window, in memory) give ``429`` with
   ``Retry-After``; a client is its address, or the bearer key it sends (``rate_limit_by=key``), and
   ``X-Forwarded-For`` is read only when the peer is one of the operator's trusted proxies. A request
   counts once; a batch counts each of its questions (:data:`CHARGE`, called by the batch route);
3. a client has at most ``client_concurrency`` requests worked on at once, and the server at most
   ``max_concurrent``: a flooding client queues behind itself, not in front of the others. A request
   that finds no free slot within ``queue_timeout_s`` gets ``429`` (its client's) or ``503`` (the server's);
4. the request runs within a time budget (``request_timeout_s``): past it, the client gets ``503``.

A home-made token bucket would do for one process; ``limits`` is used because it is maintained, has
the moving-window strategy, and the same code moves to Redis storage for several workers.
"""
from __future__ import annotations

import asyncio
import ipaddress
import logging
import math
import time
from collections.abc import Iterable
from hashlib import sha256

from limits import storage, strategies
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .api_errors import ApiError, error_response
from .settings import Network, Settings

log = logging.getLogger(__name__)

# Work routes: the API and the UI's own API (its POSTs start work; its long GET streams do not).
API_PREFIX = "/v1/"
UI_API_PREFIX = "/ui/gradio_api/"
# A failed key shows as these statuses on these routes (the UI's login answers 400 to a wrong password).
_AUTH_FAILURES = {"/ui/login": 400}
# scope["state"][CHARGE](n): count n more units of work against the client's rate (raises ApiError 429).
CHARGE = "policyqa.admission.charge"
# Query parameters that look like a credential: refused, so a key never reaches an access log or a proxy's.
KEY_PARAMS = frozenset({"api_key", "apikey", "api-key", "key", "token", "access_token", "auth", "authorization",
                        "password", "secret"})


def client_address(scope: Scope, trusted: Iterable[Network]) -> str:
    """The peer address; behind trusted proxies, the last ``X-Forwarded-For`` entry they did not add."""
    peer = scope["client"][0] if scope.get("client") else "unknown"
    trusted = list(trusted)
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    forwarded = [v.decode("latin-1") for k, v in scope["headers"] if k == b"x-forwarded-for"]
    hops = [h.strip() for h in ",".join(forwarded).split(",") if h.strip()]
    for hop in reversed(hops):  # each proxy appends the address it saw: read from the right
        if not _is_trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


def _is_trusted(address: str, trusted: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            return value[7:].decode("latin-1").strip() or None
    return None


def query_has_key(scope: Scope) -> bool:
    query = scope.get("query_string", b"").decode("latin-1").lower()
    return any(part.split("=", 1)[0] in KEY_PARAMS for part in query.split("&") if part)


class Admission:
    """The ASGI middleware described in the module docstring."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self._trusted = settings.trusted_proxy_networks
        self._store = storage.MemoryStorage()
        self._limiter = strategies.MovingWindowRateLimiter(self._store)
        self._rates = settings.rate_limits
        self._failure_limits = settings.auth_failure_limits
        self._locked_until: dict[str, float] = {}
        self._slots = asyncio.Semaphore(settings.max_concurrent)
        self._client_slots: dict[str, asyncio.Semaphore] = {}
        self._client_users: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        if query_has_key(scope):
            await error_response(400, "key_in_query",
                                 "API 密钥只能放在 Authorization 请求头中，不得放在网址里 (send the key in the "
                                 "Authorization header, never in the query string)")(scope, receive, send)
            return
        is_api = path.startswith(API_PREFIX)
        starts_work = is_api or (method == "POST" and (path.startswith(UI_API_PREFIX) or path in _AUTH_FAILURES))
        guarded = starts_work or (self.settings.protect_docs and path in {"/docs", "/redoc", "/openapi.json"})
        if not guarded:
            await self.app(scope, receive, send)
            return
        address = client_address(scope, self._trusted)
        client = self._client(scope, address)
        if refusal := self._locked_out(address) or (self._over_rate(client) if starts_work else None):
            await error_response(refusal.status, refusal.code, refusal.message, refusal.headers)(scope, receive, send)
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        if is_api:
            scope.setdefault("state", {})[CHARGE] = lambda cost: self._charge(client, cost)
            await self._work(scope, receive, watch, client)
        else:
            await self.app(scope, receive, watch)
        if status == _AUTH_FAILURES.get(path, 401):
            self._failed_key(address)

    # ---- the checks -----------------------------------------------------------------------------
    def _locked_out(self, address: str) -> ApiError | None:
        until = self._locked_until.get(address)
        if until is None:
            return None
        left = until - time.monotonic()
        if left <= 0:
            del self._locked_until[address]
            return None
        return ApiError(429, "locked_out",
                        f"密钥错误次数过多，请 {math.ceil(left)} 秒后再试 (too many wrong keys from this client; "
                        f"retry in {math.ceil(left)} s)", headers={"Retry-After": str(math.ceil(left))})

    def _client(self, scope: Scope, address: str) -> str:
        if self.settings.rate_limit_by == "key" and (key := _bearer(scope)):
            return "key:" + sha256(key.encode()).hexdigest()[:32]
        return address

    def _over_rate(self, client: str, cost: int = 1, counted: int = 0) -> ApiError | None:
        """None when ``cost`` more units fit every window (and are counted), else the 429 to answer.

        A request is counted as at most a whole window (with the ``counted`` units it already has), so
        a batch larger than the per-second limit is still possible, once, for an otherwise idle client."""
        costs = [(rate, max(0, min(counted + cost, rate.amount) - counted)) for rate in self._rates]
        # Test every window first, so a refused request is not counted against the others.
        blocked = [rate for rate, units in costs if not self._limiter.test(rate, client, cost=units)]
        if not blocked:
            for rate, units in costs:
                self._limiter.hit(rate, client, cost=units)
            return None
        reset = max(self._limiter.get_window_stats(rate, client).reset_time for rate in blocked)
        wait = max(1, math.ceil(reset - time.time()))
        return ApiError(429, "rate_limited",
                        f"请求过于频繁，请 {wait} 秒后再试 (too many requests; retry in {wait} s; "
                        f"limit {self.settings.rate_limit} questions)", headers={"Retry-After": str(wait)})

    def _charge(self, client: str, cost: int) -> None:
        """Count ``cost`` more units for a request the middleware has counted once already."""
        if cost > 0 and (refusal := self._over_rate(client, cost, counted=1)) is not None:
            raise refusal

    def _failed_key(self, address: str) -> None:
        over = [rate for rate in self._failure_limits if not self._limiter.hit(rate, "auth-failure", address)]
        if over:
            self._locked_until[address] = time.monotonic() + self.settings.lockout_s
            for rate in self._failure_limits:
                self._limiter.clear(rate, "auth-failure", address)
            log.warning("client %s locked out for %.0f s after too many wrong keys", address, self.settings.lockout_s)

    async def _work(self, scope: Scope, receive: Receive, send: Send, client: str) -> None:
        """Run a /v1 request within its client's slot, a server slot and the time budget."""
        own = self._client_slots.setdefault(client, asyncio.Semaphore(self.settings.client_concurrency))
        self._client_users[client] = self._client_users.get(client, 0) + 1
        try:
            await self._queued(scope, receive, send, own)
        finally:
            self._client_users[client] -= 1
            if not self._client_users[client]:  # nobody of this client waits or works: forget it
                del self._client_users[client], self._client_slots[client]

    async def _queued(self, scope: Scope, receive: Receive, send: Send, own: asyncio.Semaphore) -> None:
        deadline = asyncio.get_running_loop().time() + self.settings.queue_timeout_s
        try:
            async with asyncio.timeout_at(deadline):
                await own.acquire()
        except TimeoutError:
            await error_response(429, "too_many_at_once",
                                 "同一客户端同时进行的请求过多，请等待前面的请求完成 (too many requests from this "
                                 "client at once; wait for the earlier ones)", headers={"Retry-After": "1"})(
                scope, receive, send)
            return
        try:
            try:
                async with asyncio.timeout_at(deadline):
                    await self._slots.acquire()
            except TimeoutError:
                await error_response(503, "busy", "服务繁忙，请稍后重试 (the server is busy; retry shortly)",
                                     headers={"Retry-After": "1"})(scope, receive, send)
                return
            try:
                await self._budgeted(scope, receive, send)
            finally:
                self._slots.release()
        finally:
            own.release()

    async def _budgeted(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False
        # Hook (api_documents): a document write — embedding new texts, loading the new generation — has its own budget.
        writes = scope["method"] in ("POST", "PUT", "PATCH", "DELETE") and scope["path"].startswith("/v1/documents")
        budget_s = self.settings.write_timeout_s if writes else self.settings.request_timeout_s

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            async with asyncio.timeout(budget_s):
                await self.app(scope, receive, watch)
        except TimeoutError:
            log.warning("%s %s ran past its %.0f s budget", scope["method"], scope["path"], budget_s)
            if not started:
                budget = f"{budget_s:g}"
                await error_response(503, "time_budget_exceeded",
                                     f"请求处理超过 {budget} 秒的时限，已中止，请减少问题数量或稍后重试 "
                                     f"(the request ran past its {budget} s budget and was stopped)",
                                     headers={"Retry-After": "1"})(scope, receive, send)
