"""Writing documents over HTTP: ``POST /v1/documents`` (upload, several files), ``POST /v1/documents/preview``
(how files would split into clauses, nothing written), ``PUT /v1/documents/{doc_id}`` (replace), ``PATCH
/v1/documents/{doc_id}`` (a repeal date set by the user, or cleared), ``DELETE /v1/documents/{doc_id}`` (remove).

Who may write (:class:`WriteAccess`): with ``POLICYQA_ADMIN_KEY`` set, a request bearing that key (the reading key
gets 403, any other 401, counted towards the lock-out); without it, nobody (403) unless ``POLICYQA_ALLOW_WRITES=1``
on a loopback bind, where the reading key, if one is set, is enough. The web UI's 「文件管理」 tab applies the same
rule (:meth:`WriteAccess.check`).

Uploads are saved under their own file names — refused when the name carries a path, a control character or an
unsupported suffix — in a temporary folder removed after the call; the doc_id is the name without its suffix, as in
a build. The writes run in the threadpool through :mod:`policyqa.index.living`; after one, this process loads the
new generation before answering, so its next request sees the change, and other processes over the same folder
follow within their poll interval (:mod:`.reloading`). Every refusal is a 4xx with its reason: an unreadable file
(422, nothing changed), an unknown document (404), a second writer at once (409).
"""
from __future__ import annotations

import hmac
import logging
import math
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Path as PathParam, Request, Security, UploadFile
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits import storage, strategies
from pydantic import BaseModel, ConfigDict, Field, StrictStr, StringConstraints
from starlette.concurrency import run_in_threadpool

from policyqa.corpus.errors import UserError
from policyqa.corpus.reading import SUPPORTED_SUFFIXES
from policyqa.index import living, milvus_writes
from policyqa.index.generations import WriterBusy

from .api_errors import ApiError, ErrorResponse, documented
from .api_server import _is_loopback
from .reloading import AssistantHolder
from .settings import Settings

log = logging.getLogger(__name__)
MAX_NAME_CHARS = 200
# POST routes that carry files (PUT /v1/documents/{doc_id} too); the page's upload route when it is mounted at /ui.
UPLOAD_ROUTES = ("/v1/documents", "/v1/documents/preview", "/ui/gradio_api/upload")


def is_upload(scope) -> bool:
    """Whether a request carries files (its body may be as large as ``max_upload_bytes``)."""
    path, method = scope["path"], scope["method"]
    return (method == "POST" and path in UPLOAD_ROUTES) or (method == "PUT" and path.startswith("/v1/documents/"))


# ---- who may write ------------------------------------------------------------------------------
def _digest(key: str | None) -> bytes | None:
    return sha256(key.encode()).digest() if key else None


@dataclass
class WriteAccess:
    """The write rule of one server: ``mode`` is ``key`` (the admin key is needed), ``open`` (writes allowed:
    ``POLICYQA_ALLOW_WRITES`` on a loopback bind; the reading key, if set, is needed) or ``off``."""

    mode: Literal["key", "open", "off"]
    admin: bytes | None = None
    reading: bytes | None = None
    # The page's own failed admin keys: locked out like the API's (admission.py), per client address.
    failure_limits: list = field(default_factory=list)
    lockout_s: float = 300.0
    _locked_until: dict[str, float] = field(default_factory=dict)
    _limiter: strategies.MovingWindowRateLimiter = field(
        default_factory=lambda: strategies.MovingWindowRateLimiter(storage.MemoryStorage()))

    @classmethod
    def of(cls, settings: Settings, bind_host: str | None) -> WriteAccess:
        """``bind_host`` None: the server's address is not known here, and each connection's local address
        decides instead (``local`` of :meth:`check`)."""
        common = {"reading": _digest(settings.api_key_value), "failure_limits": settings.auth_failure_limits,
                  "lockout_s": settings.lockout_s}
        if settings.admin_key is not None:
            return cls("key", admin=_digest(settings.admin_key_value), **common)
        if settings.allow_writes and (bind_host is None or _is_loopback(bind_host)):
            return cls("open", **common)
        return cls("off", **common)

    @property
    def page_asks_key(self) -> bool:
        """The 「文件管理」 tab asks for a key (the admin key, or the reading key on an open loopback server)."""
        return self.admin is not None or (self.mode == "open" and self.reading is not None)

    def check(self, given: str | None, client: str = "", local: str | None = None) -> ApiError | None:
        """None when a writer presenting ``given`` may write, else the refusal (403 off or reading key, 401 wrong
        key, 429 locked out). ``local``: the address the request arrived on, for a server of unknown bind."""
        if self.mode == "off" or (self.mode == "open" and local is not None and not _is_loopback(local)):
            return ApiError(403, "writes_disabled",
                            "写入未开启：请设置管理密钥 POLICYQA_ADMIN_KEY，或仅在本机地址上设置 POLICYQA_ALLOW_WRITES=1 "
                            "(document writes are off: set POLICYQA_ADMIN_KEY, or POLICYQA_ALLOW_WRITES=1 on a "
                            "loopback bind)")
        if refusal := self._locked_out(client):
            return refusal
        digest = _digest(given) or b""
        wanted = self.admin if self.mode == "key" else self.reading
        if wanted is None or hmac.compare_digest(digest, wanted):
            return None
        if self.mode == "key" and self.reading is not None and hmac.compare_digest(digest, self.reading):
            return ApiError(403, "admin_key_required",
                            "读取密钥不能写入，请使用管理密钥 POLICYQA_ADMIN_KEY (the reading key cannot add, replace or "
                            "remove documents; send the admin key)")
        zh, en = ("管理密钥", "admin key") if self.mode == "key" else ("API 密钥", "API key")
        return ApiError(401, "unauthorized", f"缺少或错误的{zh}，请使用 Authorization: Bearer <{zh}> (missing or wrong "
                                             f"{en}; send Authorization: Bearer <{en}>)",
                        headers={"WWW-Authenticate": "Bearer"})

    def failed(self, client: str) -> None:
        """A wrong key from ``client`` through the page (the API's are counted by admission control)."""
        if any(not self._limiter.hit(rate, "admin-failure", client) for rate in self.failure_limits):
            self._locked_until[client] = time.monotonic() + self.lockout_s

    def _locked_out(self, client: str) -> ApiError | None:
        left = self._locked_until.get(client, 0.0) - time.monotonic()
        if left <= 0:
            self._locked_until.pop(client, None)
            return None
        return ApiError(429, "locked_out", f"密钥错误次数过多，请 {math.ceil(left)} 秒后再试 (too many wrong keys; "
                                           f"retry in {math.ceil(left)} s)",
                        headers={"Retry-After": str(math.ceil(left))})


_admin_bearer = HTTPBearer(auto_error=False, scheme_name="admin",
                           description="POLICYQA_ADMIN_KEY：添加、替换、删除文件 (the admin key, for document writes)")


def write_guard(access: WriteAccess):
    """The write routes' dependency; the bearer scheme appears in the schema only where a key is asked for."""

    def check(request: Request, given: str | None) -> None:
        local = request.scope.get("server", (None,))[0] if request.app.state.bind_host is None else None
        if refusal := access.check(given, local=local):
            raise refusal

    if not access.page_asks_key:
        async def require_writer(request: Request) -> None:
            check(request, None)

        return require_writer

    async def require_key(request: Request,
                          credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_admin_bearer)]):
        check(request, credentials.credentials if credentials else None)

    return require_key


# ---- records ------------------------------------------------------------------------------------
class ParseReportOut(BaseModel):
    doc_id: str = Field(examples=["yanglao-tuoyu-2020"])
    file: str = Field("", description="上传的文件名 (the uploaded file's name)")
    title: str
    doc_number: str | None = Field(None, description="发文字号")
    date: str | None = Field(None, description="成文或公布日期 (date)")
    clauses: int = Field(description="切分出的条款数 (number of clauses)")
    labels: list[str] = Field(description="条款编号，按原文顺序 (clause labels in reading order)",
                              examples=[["序言", "（一）", "（二）", "附件第1项"]])
    heads: list[str] = Field(default_factory=list, description="各条款开头的文字 (each clause's first characters)")
    problems: list[str] = Field(default_factory=list,
                                description="切分问题：丢失或重复的文字 (the parser's no-loss check; empty when none)")
    loaded: bool | None = Field(None, description="预览时：已有同编号的文件，添加会被拒绝，应替换 (in a preview: a document "
                                                  "with this doc_id is loaded; adding is refused, replace it instead)")


class StatusRequest(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"examples": [
        {"repealed": "2025-01-01"}, {"repealed": None}]})

    repealed: Annotated[StrictStr, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = Field(
        description="自该日起废止（YYYY-MM-DD）；null 取消标记 (repealed from this date; null clears the mark)")


class PreviewResponse(BaseModel):
    documents: list[ParseReportOut]


class WriteResponse(BaseModel):
    generation: str = Field(description="写入后的索引版本 (the index generation after the write)",
                            examples=["g000008"])
    documents: list[ParseReportOut] = Field(default_factory=list, description="新增或替换的文件 (added or replaced)")
    removed: list[str] = Field(default_factory=list, description="删除或被替换的文件编号 (doc_ids removed or replaced)")
    embedded: int = Field(0, description="本次新计算向量的文本数 (texts embedded by this write)")
    reused: int = Field(0, description="沿用已有向量的文本数 (texts whose stored embedding was reused)")
    seconds: float = Field(0.0, description="写入耗时 (seconds the write took)")
    document_count: int = Field(0, description="写入后的文件数 (documents in the new generation)")
    clause_count: int = Field(0, description="写入后的条款数 (clauses in the new generation)")


def report_out(report) -> ParseReportOut:
    """A :class:`policyqa.index.living.ParseReport` as the API's record."""
    return ParseReportOut.model_validate(report, from_attributes=True)


# ---- uploads ------------------------------------------------------------------------------------
def upload_name(name: str | None) -> str:
    """The file name an upload is saved and known by, or an :class:`ApiError` when it is not a plain file name
    of a supported type."""
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not name:
        raise ApiError(400, "bad_filename", "上传的文件没有文件名 (the uploaded file has no name)")
    tricks = ("/" in name or "\\" in name or ":" in name or name.startswith(".") or len(name) > MAX_NAME_CHARS
              or any(unicodedata.category(ch)[0] == "C" for ch in name))
    if tricks:
        raise ApiError(400, "bad_filename",
                       f"文件名不合法：不得含路径、冒号、控制字符，不得以点开头，最长 {MAX_NAME_CHARS} 字 (not a plain file "
                       f"name: no path, colon or control characters, no leading dot, at most {MAX_NAME_CHARS} "
                       f"characters): {name[:80]!r}")
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES or not Path(name).stem:
        raise ApiError(415, "unsupported_file_type",
                       f"不支持的文件类型 {suffix or '（无后缀）'}，支持 {'、'.join(SUPPORTED_SUFFIXES)} (unsupported file "
                       f"type {suffix or '(none)'} in {name[:80]!r}; supported: {', '.join(SUPPORTED_SUFFIXES)})")
    return name


async def save_uploads(files: list[UploadFile], folder: Path, max_files: int) -> list[Path]:
    """The uploads written into ``folder`` under their checked names (one doc_id once, no empty file)."""
    if len(files) > max_files:
        raise ApiError(422, "too_many_files", f"一次最多上传 {max_files} 个文件，本次 {len(files)} 个 (at most "
                                              f"{max_files} files per request, got {len(files)})")
    paths: dict[str, Path] = {}
    for upload in files:
        name = upload_name(upload.filename)
        doc_id = Path(name).stem
        if doc_id in paths:
            raise ApiError(422, "duplicate_document", f"同一文件编号上传了两次：{doc_id} (two files with the doc_id "
                                                      f"{doc_id} in one request)")
        data = await upload.read()
        if not data.strip():
            raise ApiError(422, "unreadable_document", f"{name}：文件为空 (empty file)")
        paths[doc_id] = folder / name
        paths[doc_id].write_bytes(data)
    return list(paths.values())


def _unreadable(exc: UserError) -> ApiError:
    return ApiError(422, "unreadable_document", f"文件无法读取，未作任何更改：{exc} (the file cannot be read; nothing "
                                                f"was changed)")


def _write_error(exc: UserError) -> ApiError:
    """The library's refusals as HTTP statuses (a UserError it raises is always the caller's to fix)."""
    if isinstance(exc, living.FileRefused):
        return _unreadable(exc)
    if isinstance(exc, WriterBusy):
        return ApiError(409, "writer_busy", str(exc), headers={"Retry-After": "1"})
    if isinstance(exc, living.DocumentNotFound):
        return ApiError(404, "unknown_document", str(exc))
    if isinstance(exc, living.DocumentExists):
        return ApiError(409, "document_exists", str(exc))
    if isinstance(exc, milvus_writes.MilvusUnavailable):  # hook (index.milvus_writes): the collection, not the caller
        return ApiError(503, "index_not_writable", str(exc))
    return ApiError(400, "bad_request", str(exc))


# ---- the writes, for the API and the page alike -------------------------------------------------
def preview_paths(paths: list[Path], loaded: set[str] | None) -> list[ParseReportOut]:
    """How each file would split into clauses (nothing written), each marked when its doc_id is among ``loaded``
    (None: not known); an unreadable one is a 422 naming it."""
    try:
        reports = [report_out(living.preview_file(path)) for path in paths]
    except living.FileRefused as exc:
        raise _unreadable(exc) from None
    if loaded is not None:
        for report in reports:
            report.loaded = report.doc_id in loaded
    return reports


def apply_write(holder: AssistantHolder | None, call, index_dir: Path, *args) -> WriteResponse:
    """One write of :mod:`policyqa.index.living` (``call(index_dir, *args)``), then its generation loaded by this
    process (``holder``), so the next request here sees it. Blocking; it refuses by raising :class:`ApiError`."""
    call, index_dir = milvus_writes.route(holder, call, index_dir)  # hook (index.milvus_writes): a server over Milvus
    try:
        result = call(index_dir, *args)
    except UserError as exc:
        raise _write_error(exc) from None
    except OSError as exc:  # a read-only or full disk: the library switches nothing it has not written whole
        log.exception("writing to the index folder %s failed", index_dir)
        raise ApiError(503, "index_not_writable", f"索引文件夹无法写入，未作任何更改：{exc.strerror or exc} (the index "
                                                  f"folder could not be written; nothing was changed)") from None
    if holder is not None:
        try:
            holder.refresh()
        except Exception:  # the write stands; the generation in service stays until a later poll loads it
            log.exception("the new generation %s did not load here", result.generation)
    return WriteResponse(generation=result.generation, documents=[report_out(r) for r in result.reports],
                         removed=result.removed, embedded=result.embedded, reused=result.reused,
                         seconds=round(result.seconds, 3), document_count=result.documents,
                         clause_count=result.clauses)


# ---- routes -------------------------------------------------------------------------------------
Files = Annotated[list[UploadFile], File(description="一个或多个文件，字段名 file 可重复 (one or more files; repeat the "
                                                     "field)")]
DocId = Annotated[str, PathParam(examples=["yanglao-tuoyu-2020"])]
_WRITE_ERRORS = documented(400, 401, 404, 413, 415, 422) | {
    403: {"model": ErrorResponse, "description": "写入未开启，或使用了读取密钥 (writes are off, or the reading key was sent)"},
    409: {"model": ErrorResponse,
          "description": "另一个写入正在进行，或文件编号已存在 (another write is in progress, or the doc_id exists)"},
}


def documents_router(settings: Settings, access: WriteAccess) -> APIRouter:
    from .api import require_json  # the app module includes this router: import at call time
    router = APIRouter(prefix="/v1", tags=["文件管理 document writes"], responses=documented(429, 503),
                       dependencies=[Depends(write_guard(access))])

    def index_dir() -> Path:
        from policyqa.index import default_index_dir

        return Path(settings.index) if settings.index is not None else default_index_dir()

    async def write(request: Request, call, *args) -> WriteResponse:
        return await run_in_threadpool(apply_write, request.app.state.assistant_holder, call, index_dir(), *args)

    @router.post("/documents/preview", response_model=PreviewResponse, summary="预览条款切分，不写入 (preview how "
                 "files split into clauses; nothing is written)", responses=_WRITE_ERRORS)
    async def preview(request: Request, file: Files):
        assistant = request.app.state.assistant_holder.current()
        loaded = {d["doc_id"] for d in assistant.index.documents} if assistant is not None else None
        with tempfile.TemporaryDirectory(prefix="policyqa-upload-") as folder:
            paths = await save_uploads(file, Path(folder), settings.max_upload_files)
            return PreviewResponse(documents=await run_in_threadpool(preview_paths, paths, loaded))

    @router.post("/documents", response_model=WriteResponse, status_code=201,
                 summary="添加文件 (add documents: .txt .md .html .docx .pdf)", responses=_WRITE_ERRORS)
    async def add(request: Request, file: Files):
        """文件编号为文件名去掉后缀；已有的编号请用 PUT 替换 (the doc_id is the file name without its suffix)."""
        with tempfile.TemporaryDirectory(prefix="policyqa-upload-") as folder:
            paths = await save_uploads(file, Path(folder), settings.max_upload_files)
            return await write(request, living.add_documents, paths)

    @router.put("/documents/{doc_id:path}", response_model=WriteResponse,
                summary="以新文本替换文件 (replace a document by a new text)", responses=_WRITE_ERRORS)
    async def replace(request: Request, doc_id: DocId, file: Annotated[UploadFile, File(description="新文本 (the new text)")]):
        with tempfile.TemporaryDirectory(prefix="policyqa-upload-") as folder:
            [path] = await save_uploads([file], Path(folder), 1)
            return await write(request, living.replace_document, doc_id, path)

    @router.patch("/documents/{doc_id:path}", response_model=WriteResponse, responses=_WRITE_ERRORS,
                  summary="标记废止或取消标记 (mark a document repealed from a date, or clear the mark)",
                  dependencies=[Depends(require_json)])
    async def set_status(request: Request, doc_id: DocId, body: StatusRequest):
        """文件自 repealed 日起按已废止处理，回答引用时提示 (the document counts as repealed from that date)."""
        return await write(request, living.set_document_status, doc_id, body.repealed)

    @router.delete("/documents/{doc_id:path}", response_model=WriteResponse, summary="删除文件 (remove a document)",
                   responses=_WRITE_ERRORS)
    async def remove(request: Request, doc_id: DocId):
        return await write(request, living.remove_documents, [doc_id])

    return router
