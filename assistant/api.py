"""The HTTP API (``policyqa serve``): the same :class:`Assistant` as the CLI and the UI, over FastAPI.

The index loads once, in a background thread started by the lifespan, so the port opens at once:
``/readyz`` and every ``/v1`` route answer 503 until the assistant is complete, and only a fully
loaded assistant is ever published. Admission control (:mod:`.admission`), the security headers
(:mod:`.api_guard`) and the server's timeouts and shutdown (:mod:`.api_server`) wrap this app. Endpoints are plain ``def`` functions, so FastAPI runs the
CPU-bound assistant calls in its threadpool; the parts that are not thread-safe (the embedder's C
engine, jieba) hold their own locks inside the index layer, so the API adds none.
"""
import asyncio
import hmac
import itertools
import json
import logging
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from contextlib import asynccontextmanager
from hashlib import sha256
from importlib.metadata import version
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Path as PathParam, Request, Security
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, StrictStr,
                      StringConstraints, WithJsonSchema, create_model, model_validator)
from pydantic_core import PydanticCustomError
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .admission import CHARGE, Admission
from .api_docs import install_docs
from .api_documents import WriteAccess, documents_router, is_upload
from .api_eligibility import eligibility_router
from .api_errors import ApiError, documented, error_response, install as install_error_handlers
from .api_guard import ResponseGuard
from .api_input import MAX_QUESTION_CHARS, QUESTION_PATTERN, AsOf, question_problem
from .conversations import ConversationStore
from .drafts import AnswererUnavailable
from .followup import HistoryTurn
from .models import STATUS_DOC, WARNING_DOC, Answer, DocumentValidity
from .reloading import AssistantHolder
from .service import Assistant
from .settings import Settings

log = logging.getLogger(__name__)

MAX_K = 50
GENERATION_HEADER = "X-Index-Generation"  # on /v1 answers: the index generation that gave them
MAX_DOC_IDS = 50


# ---- request and response records -----------------------------------------------------------
def _check_question(value: str) -> str:
    if problem := question_problem(value):
        raise PydanticCustomError(problem.code, problem.message)
    return value.strip()


Question = Annotated[StrictStr, AfterValidator(_check_question), WithJsonSchema({
    "type": "string", "minLength": 1, "maxLength": MAX_QUESTION_CHARS, "pattern": QUESTION_PATTERN,
    "description": f"中文问题，去除首尾空白后 1–{MAX_QUESTION_CHARS} 个字符，不得含控制字符 "
                   f"(the question: 1–{MAX_QUESTION_CHARS} characters after trimming, no control characters)",
})]
DocIds = Annotated[
    list[Annotated[StrictStr, StringConstraints(min_length=1, max_length=200)]] | None,
    Field(max_length=MAX_DOC_IDS, description="只在这些文件中检索 (restrict retrieval to these doc_ids)",
          examples=[["yanglao-gaige-2024"]]),
]
Mode = Annotated[Literal["hybrid", "bm25", "dense"] | None,
                 Field(description="检索方式 (retrieval: hybrid = BM25 + dense fused, bm25, dense; default hybrid, "
                                   "bm25 on an index built without vectors)")]


def _json_integer(value: object) -> object:
    """JSON Schema counts 5.0 as an integer; strings and booleans stay refused by the strict check."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


AskK = Annotated[StrictInt, Field(ge=1, le=MAX_K, description="用作依据的条款数 (evidence clauses)"),
                 BeforeValidator(_json_integer)]
SearchK = Annotated[StrictInt, Field(ge=1, le=MAX_K, description="返回的条款数 (clauses to return)"),
                    BeforeValidator(_json_integer)]


MAX_HISTORY_TURNS = 20
ConversationId = Annotated[StrictStr, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")]


class HistoryItem(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    question: Question
    clause_ids: list[Annotated[StrictStr, StringConstraints(min_length=1, max_length=300)]] = Field(
        default_factory=list, max_length=50)


class AskRequest(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"examples": [
        {"question": "养老机构的水电气热能按居民价格收费吗？"},
        {"question": "家庭托育点需要登记备案吗？", "k": 5, "doc_ids": ["yanglao-tuoyu-2020"], "stream": True},
    ]})

    question: Question
    k: AskK = 5
    doc_ids: DocIds = None
    mode: Mode = None
    stream: bool = Field(default=False, description="以 SSE 流式返回 (stream the answer as server-sent events)")
    explain: bool = Field(default=False, description="附上每一步的依据：为什么是这条、为什么拒答 (add the trace: why the "
                                                     "first clause won, why an answer was refused)")
    history: list[HistoryItem] | None = Field(
        default=None, max_length=MAX_HISTORY_TURNS,
        description="此前的对话（由早到晚），用于理解「那托育机构呢？」这类追问 (the conversation so far, oldest first, "
                    "with the clause ids each answer cited: a follow-up is read in its light)")
    conversation_id: ConversationId | None = Field(
        default=None, description="由服务器保存对话（限时限量）；与 history 同用时以 history 为准 (the server keeps the "
                                  "conversation for a bounded time; history, when given, takes precedence)")
    as_of: AsOf = None  # hook (docs/versions.md): the law as it stood on this date


class SearchRequest(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"examples": [
        {"question": "普惠托育服务价格怎么定", "k": 5},
    ]})

    question: Question
    k: SearchK = 10
    doc_ids: DocIds = None
    mode: Mode = None
    as_of: AsOf = None  # hook (docs/versions.md)


def batch_request_model(max_batch: int, max_cost: int) -> type[BaseModel]:
    """The batch body; its bounds come from the settings, so the published schema states them."""

    def within_cost(body: BaseModel) -> BaseModel:
        cost = len(body.questions) * body.k
        if cost > max_cost:
            raise PydanticCustomError(
                "policyqa_batch_cost",
                "问题数 × k = {cost}，超过上限 {max_cost}，请拆分批次或减小 k "
                "(questions × k = {cost} is over the limit of {max_cost}; split the batch or lower k)",
                {"cost": cost, "max_cost": max_cost})
        return body

    return create_model(
        "AskBatchRequest",
        __config__=ConfigDict(strict=True, extra="forbid", json_schema_extra={
            "description": f"问题数 × k 不得超过 {max_cost} (questions × k must not exceed {max_cost})",
            "examples": [{"questions": ["养老机构的水电气热能按居民价格收费吗？", "育儿假一共有多少天？"], "k": 5}],
        }),
        __validators__={"within_cost": model_validator(mode="after")(within_cost)},
        questions=(Annotated[list[Question], Field(min_length=1, max_length=max_batch,
                                                    description=f"1–{max_batch} 个问题 (questions)")], ...),
        k=(AskK, 5),
        doc_ids=(DocIds, None),
        mode=(Mode, None),
        as_of=(AsOf, None),  # hook (docs/versions.md)
    )


class ClauseOut(BaseModel):
    clause_id: str = Field(examples=["yanglao-gaige-2024:（十四）"])
    doc_id: str
    doc_title: str
    doc_number: str | None
    label: str
    number: int | None
    part: Literal["preamble", "body", "closing", "annex"]
    section: str
    text: str
    ordinal: int
    responsible_units: str | None = None
    links: list[str] = Field(default_factory=list, description="相关条款编号 (linked clause ids)")


class SearchHit(ClauseOut):
    score: float
    related: list[str] = Field(description="随本条一并返回的关联条款编号 (ids of the clauses linked to this one)")
    status: str | None = Field(default=None, description=STATUS_DOC)  # hook (docs/versions.md)
    warning: str | None = Field(default=None, description=WARNING_DOC)


class SearchResponse(BaseModel):
    question: str
    hits: list[SearchHit]


class DocumentSummary(BaseModel):
    doc_id: str = Field(examples=["yanglao-tuoyu-2020"])
    title: str
    doc_number: str | None = Field(description="发文字号", examples=["国办发〔2020〕52号"])
    issuer: str | None = None
    date: str | None = None
    source_url: str | None = None
    status: str | None = None
    clause_count: int
    validity: DocumentValidity | None = None  # hook (docs/versions.md): dates, status today, versions


class DocumentDetail(DocumentSummary):
    clauses: list[ClauseOut] = Field(description="按原文顺序的条款 (clauses in reading order)")


class Liveness(BaseModel):
    status: Literal["ok"]


class IndexInfo(BaseModel):
    embedder: str
    clause_count: int
    document_count: int
    built_at: str | None
    format_version: int


class Readiness(BaseModel):
    status: Literal["ready", "loading", "failed", "stopping"]
    message: str
    index: IndexInfo | None = None
    generation: str | None = Field(None, description="服务中的索引版本，写入后变化 (the index generation in service; "
                                                     "each document write makes a new one)", examples=["g000008"])


# ---- the loaded assistant ---------------------------------------------------------------------
def _holder(request: Request) -> AssistantHolder:
    return request.app.state.assistant_holder


def require(holder: AssistantHolder) -> Assistant:
    """The assistant in service (a newer generation may be loading meanwhile), or the 503 saying why there is none."""
    if (assistant := holder.current()) is not None:
        return assistant
    if holder.error is not None:
        raise ApiError(503, "index_unavailable", f"索引加载失败 (the index failed to load): {holder.error}")
    raise ApiError(503, "index_loading", "索引正在加载，请稍后重试 (the index is still loading; retry shortly)",
                   headers={"Retry-After": "1"})


async def current_assistant(request: Request, response: Response) -> Assistant:
    """The request's assistant, taken once: it keeps the generation it started with to its end."""
    holder = _holder(request)
    assistant = require(holder)
    if holder.generation is not None:
        response.headers[GENERATION_HEADER] = str(holder.generation)
    return assistant


def _index_info(assistant: Assistant) -> IndexInfo:
    manifest = assistant.manifest
    return IndexInfo(embedder=manifest["embedder"]["name"], clause_count=manifest["counts"]["clauses"],
                     document_count=manifest["counts"]["documents"], built_at=manifest.get("built_at"),
                     format_version=manifest["format_version"])


# ---- auth and body size -----------------------------------------------------------------------
_bearer = HTTPBearer(auto_error=False, scheme_name="bearer",
                     description="POLICYQA_API_KEY 设置后必需 (required when POLICYQA_API_KEY is set)")


def api_key_guard(key: str) -> Callable:
    expected = sha256(key.encode()).digest()

    async def require_key(credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]) -> None:
        # Comparing digests keeps the comparison constant-time and independent of the key's length.
        given = sha256(credentials.credentials.encode()).digest() if credentials else b""
        if not hmac.compare_digest(given, expected):
            raise ApiError(401, "unauthorized",
                           "缺少或错误的 API 密钥，请使用 Authorization: Bearer <密钥> "
                           "(missing or wrong API key; send Authorization: Bearer <key>)",
                           headers={"WWW-Authenticate": "Bearer"})

    return require_key


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` (a document upload: ``upload_bytes``) with a JSON 413, whether or
    not Content-Length is sent, and bodies not received within ``timeout_s`` (a stalled or trickling client) with a
    JSON 408."""

    # The refused body is read and discarded up to this much before answering: closing a socket with
    # unread data makes the kernel reset the connection, and the client would lose the 413.
    DRAIN_BYTES = 4 * 1024 * 1024

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: float = 30.0, upload_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes or max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_bytes if is_upload(scope) else self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send, limit, more_body=True)
            return
        chunks, size = [], 0
        try:
            async with asyncio.timeout(self.timeout_s):  # the whole body, so trickling a byte at a time fails too
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    chunks.append(message.get("body", b""))
                    size += len(chunks[-1])
                    more_body = message.get("more_body", False)
                    if size > limit:
                        await self._too_large(scope, receive, send, limit, more_body=more_body)
                        return
                    if not more_body:
                        break
        except TimeoutError:
            response = error_response(408, "request_timeout",
                                      f"请求体未在 {self.timeout_s:g} 秒内发送完毕 (the request body did not arrive "
                                      f"within {self.timeout_s:g} s)", headers={"Connection": "close"})
            await response(scope, receive, send)
            return
        body, replayed = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # later calls wait for the disconnect, as streaming responses expect
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int, more_body: bool) -> None:
        drained = 0
        while more_body and drained < self.DRAIN_BYTES:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            drained += len(message.get("body", b""))
            more_body = message.get("more_body", False)
        response = error_response(413, "payload_too_large",
                                  f"请求体超过 {limit} 字节 (request body larger than {limit} bytes)",
                                  headers={"Connection": "close"})
        await response(scope, receive, send)


# ---- routes -----------------------------------------------------------------------------------
def _sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _closing(events: Generator[str, None, None]) -> AsyncIterator[str]:
    """The events, each made in a worker thread; closed as soon as the response ends early (the client went away),
    so that a model server still writing the answer is hung up on instead of writing on for nobody."""
    try:
        async for event in iterate_in_threadpool(events):
            yield event
    finally:
        events.close()


def _event_stream(first: tuple[str, object], events: Iterator[tuple[str, object]]) -> Generator[str, None, None]:
    """``citations`` (list), ``delta`` ({"text"}) per answer piece, ``done`` (the answer object); each event is sent
    as the assistant gives it (a generated answer sentence by sentence)."""
    try:
        for kind, payload in itertools.chain([first], events):
            if kind == "citations":
                yield _sse(kind, [c.model_dump() for c in payload])
            elif kind == "delta":
                yield _sse(kind, {"text": payload})
            else:
                yield _sse(kind, payload.model_dump())
    except AnswererUnavailable as exc:  # the model server failed after a verified sentence was sent
        log.warning("answer stream cut off: %s", exc)
        yield _sse("error", {"code": "answerer_unavailable", "message": f"回答生成中断：{exc}"})
    except Exception:  # the status line is already sent: end the stream with an error event instead
        log.exception("answer stream failed")
        yield _sse("error", {"code": "internal_error", "message": "回答生成中断 (the answer stream failed)"})


# One server-sent event (OpenAPI 3.1 reads an event-stream schema as describing each event).
_SSE_EVENT = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "enum": ["citations", "delta", "done", "error"]},
        "data": {"type": "string", "contentMediaType": "application/json",
                 "description": "citations: [Citation]；delta: {\"text\"}；done: Answer；"
                                "error: {\"code\", \"message\"}"},
    },
}
_SSE_DOC = {200: {"description": "回答对象；stream=true 时为 SSE：citations、delta…、done "
                                 "(the answer; with stream=true server-sent events: citations, delta…, done)",
                  "content": {"text/event-stream": {"schema": _SSE_EVENT}}}}


async def require_json(request: Request) -> None:
    """A body not declared as JSON (a form, text, no Content-Type) is refused up front with 415."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    has_body = request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers
    is_json = media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))
    if has_body and not is_json:
        raise ApiError(415, "unsupported_media_type",
                       f"请求体须为 JSON，请设置 Content-Type: application/json "
                       f"(send the body as JSON with Content-Type: application/json, not {media_type or 'none'})")


def _history(body: "AskRequest", conversations: ConversationStore) -> list[HistoryTurn] | None:
    """The conversation a request carries, or the one the server kept under its ``conversation_id``."""
    if body.history is not None:
        return [HistoryTurn(t.question, tuple(t.clause_ids)) for t in body.history]
    return conversations.history(body.conversation_id) if body.conversation_id else None


def _remember(body: "AskRequest", conversations: ConversationStore, answer: Answer) -> Answer:
    if body.conversation_id and not answer.needs_clarification:
        conversations.append(body.conversation_id,
                             HistoryTurn(body.question, tuple(c.clause_id for c in answer.citations)))
    return answer


def _remembered(body: "AskRequest", conversations: ConversationStore,
                events: Iterator[tuple[str, object]]) -> Iterator[tuple[str, object]]:
    """A streamed answer's events, the finished answer kept under the request's ``conversation_id``."""
    for kind, payload in events:
        if kind == "done":
            _remember(body, conversations, payload)
        yield kind, payload


def v1_router(settings: Settings) -> APIRouter:
    guard = [Depends(api_key_guard(settings.api_key_value))] if settings.api_key else []
    auth_errors = (401,) if settings.api_key else ()
    router = APIRouter(prefix="/v1", dependencies=guard, responses=documented(*auth_errors, 429, 503))
    AssistantDep = Annotated[Assistant, Depends(current_assistant)]
    AskBatchRequest = batch_request_model(settings.max_batch, settings.max_batch_cost)
    json_only, json_errors = [Depends(require_json)], documented(400, 404, 413, 415, 422)
    conversations = ConversationStore()

    @router.post("/ask", response_model=Answer, tags=["问答 ask"], summary="回答问题 (answer a question)",
                 dependencies=json_only, responses=_SSE_DOC | json_errors)
    def ask(body: AskRequest, assistant: AssistantDep):
        """带核验引用的回答，或「现有文件中未找到依据」 (an answer with verified citations, or an honest refusal)."""
        asked = dict(k=body.k, doc_ids=body.doc_ids, mode=body.mode, explain=body.explain,
                     history=_history(body, conversations), as_of=body.as_of)
        if not body.stream:
            return _remember(body, conversations, assistant.ask(body.question, **asked))
        events = _remembered(body, conversations, assistant.ask_stream(body.question, **asked))
        first = next(events)  # the answer is settled before the first event: errors still get a JSON status
        return StreamingResponse(_closing(_event_stream(first, events)), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @router.post("/ask/stream", tags=["问答 ask"], summary="流式回答 (answer as server-sent events)",
                 dependencies=json_only, responses=_SSE_DOC | json_errors)
    def ask_stream(body: AskRequest, assistant: AssistantDep):
        """与 /v1/ask 加 "stream": true 相同 (the same as /v1/ask with "stream": true: citations, delta…, done)."""
        return ask(body.model_copy(update={"stream": True}), assistant)

    @router.post("/ask/batch", response_model=list[Answer], tags=["问答 ask"],
                 summary="批量回答 (answer several questions)", dependencies=json_only, responses=json_errors)
    async def ask_batch(body: AskBatchRequest, assistant: AssistantDep, request: Request):
        if charge := request.scope.get("state", {}).get(CHARGE):  # the rate counts questions: the rest of them
            charge(len(body.questions) - 1)
        answers = []
        for question in body.questions:
            if await request.is_disconnected():  # the client gave up: the rest would be work for nobody
                log.info("batch abandoned by the client after %d of %d questions", len(answers), len(body.questions))
                break
            answers.append(await run_in_threadpool(assistant.ask, question, k=body.k, doc_ids=body.doc_ids,
                                                   mode=body.mode, as_of=body.as_of))
        return answers

    @router.post("/search", response_model=SearchResponse, tags=["检索 search"],
                 summary="检索条款 (ranked clauses)", dependencies=json_only, responses=json_errors)
    def search(body: SearchRequest, assistant: AssistantDep):
        hits = assistant.search(body.question, k=body.k, doc_ids=body.doc_ids, mode=body.mode, as_of=body.as_of)
        return SearchResponse(question=body.question, hits=[
            SearchHit(**h.to_dict(), **assistant.standing(h.clause.doc_id, body.as_of)) for h in hits])

    @router.get("/documents", response_model=list[DocumentSummary], tags=["文件 documents"],
                summary="已加载的文件 (loaded documents)")
    def documents(assistant: AssistantDep):
        return [DocumentSummary.model_validate(d) for d in assistant.documents()]

    @router.get("/documents/{doc_id:path}", response_model=DocumentDetail, tags=["文件 documents"],
                summary="文件及其全部条款 (a document with its clauses in order)", responses=documented(404))
    def document(doc_id: Annotated[str, PathParam(examples=["yanglao-gaige-2024"])], assistant: AssistantDep):
        return DocumentDetail.model_validate(assistant.document(doc_id))

    @router.get("/clauses/{clause_id:path}", response_model=ClauseOut, tags=["文件 documents"],
                summary="单个条款 (one clause; percent-encode the id)", responses=documented(404))
    def clause(clause_id: Annotated[str, PathParam(examples=["yanglao-gaige-2024:（十四）"])],
               assistant: AssistantDep):
        return ClauseOut(**assistant.clause(clause_id).to_dict())

    return router


def health_router() -> APIRouter:
    router = APIRouter(tags=["健康检查 health"])

    async def livez():
        return Liveness(status="ok")

    async def readyz(request: Request):
        holder = _holder(request)
        if holder.stopping:
            body = Readiness(status="stopping", message="服务正在停止 (the server is shutting down)")
            return JSONResponse(body.model_dump(), status_code=503)
        if (assistant := holder.current()) is not None:
            generation = None if holder.generation is None else str(holder.generation)
            message = "就绪 (ready)"
            if holder.reload_error is not None:  # still ready: the generation in service answers
                message += (f"；新版本索引加载失败，仍使用 {generation} (a newer generation failed to load; still serving "
                            f"{generation}): {holder.reload_error}")
            return Readiness(status="ready", message=message, index=_index_info(assistant), generation=generation)
        if holder.error is not None:
            body = Readiness(status="failed", message=f"索引加载失败 (the index failed to load): {holder.error}")
        else:
            body = Readiness(status="loading", message="索引正在加载 (the index is loading)")
        return JSONResponse(body.model_dump(), status_code=503)

    router.add_api_route("/livez", livez, methods=["GET"], response_model=Liveness,
                         summary="进程存活 (the process is up)")
    router.add_api_route("/readyz", readyz, methods=["GET"], response_model=Readiness,
                         summary="索引已加载 (the index is loaded)",
                         responses={503: {"model": Readiness,
                                          "description": "索引加载中、加载失败或服务正在停止 (loading, failed or stopping)"}})
    # HEAD too, for load balancers and container probes; the same answers without a body.
    router.add_api_route("/livez", livez, methods=["HEAD"], include_in_schema=False)
    router.add_api_route("/readyz", readyz, methods=["HEAD"], include_in_schema=False)
    return router


def _protected_openapi(app: FastAPI, key: str) -> None:
    """/openapi.json behind the bearer key (``POLICYQA_PROTECT_DOCS``); /docs and /redoc: see api_docs."""
    router = APIRouter(dependencies=[Depends(api_key_guard(key))], include_in_schema=False)
    router.add_api_route("/openapi.json", lambda: JSONResponse(app.openapi()), methods=["GET"])
    app.include_router(router)


def create_app(settings: Settings | None = None, *, loader: Callable[[], Assistant] | None = None,
               holder: AssistantHolder | None = None, bind_host: str | None = None) -> FastAPI:
    """The API app. Its assistant comes from ``holder`` (``policyqa serve`` with the UI loads one first and shares
    it with the page), else from ``loader`` (run once), else from the index folder's current generation, followed
    as writes publish new ones; a holder not yet loaded loads in the background. ``bind_host``: the address the
    server listens on, for the write rule (:class:`~.api_documents.WriteAccess`)."""
    settings = settings or Settings()
    if holder is None:
        holder = (AssistantHolder(loader) if loader is not None
                  else AssistantHolder.for_index(settings.index, settings.answerer, settings.reload_poll_s))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        holder.start()
        yield

    protect_docs = settings.protect_docs and settings.api_key is not None
    app = FastAPI(
        title="政策问答 API (policyqa)",
        version=version("policyqa"),
        description="基于政策文件条款、带核验引用的中文问答。每句回答都注明所依据的条款，找不到依据时如实说明。\n\n"
                    "Question answering over Chinese policy documents; every answer sentence cites the exact "
                    "article, or the answer is an honest refusal. Errors: `{\"error\": {\"code\", \"message\"}}`.",
        lifespan=lifespan,
        docs_url=None, redoc_url=None, openapi_url=None if protect_docs else "/openapi.json",
    )
    app.state.assistant_holder = holder
    app.state.settings = settings
    app.state.bind_host = bind_host
    app.state.write_access = WriteAccess.of(settings, bind_host)
    install_error_handlers(app)
    app.include_router(health_router())
    app.include_router(v1_router(settings))
    app.include_router(eligibility_router(settings))  # POST /v1/eligibility (api_eligibility.py)
    app.include_router(documents_router(settings, app.state.write_access))  # writes (api_documents.py)
    if protect_docs:
        _protected_openapi(app, settings.api_key_value)
    install_docs(app, dependencies=[Depends(api_key_guard(settings.api_key_value))] if protect_docs else ())
    # Outermost last: headers on every response → CORS → body size and deadline → admission → routes.
    app.add_middleware(Admission, settings=settings)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, timeout_s=settings.body_timeout_s,
                       upload_bytes=settings.max_upload_bytes if app.state.write_access.mode != "off" else None)
    if settings.cors_origin_list:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origin_list,
                           allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                           allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(ResponseGuard)
    return app
