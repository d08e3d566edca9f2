"""The API's error contract: every failure is ``{"error": {"code", "message"}}`` with a Chinese + English message.

Validation errors, unknown ids, unknown routes (404), wrong methods (405), oversize bodies (413),
slow bodies (408), a missing key (401), rate limits and lock-outs (429), a loading or busy server
and a spent time budget (503) all take this shape; anything unexpected becomes a logged JSON 500
(:func:`internal_error_response`, sent by :mod:`policyqa.assistant.api_guard`), never a bare traceback.
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from policyqa.corpus.errors import UserError
from policyqa.index import UnknownDocument

from .service import NotFound

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    code: str = Field(examples=["invalid_request"])
    message: str = Field(examples=["请求参数不合法 (invalid request)：body.question：问题不能为空或只含空白 "
                                   "(the question is empty or only whitespace)"])


class ErrorResponse(BaseModel):
    error: ErrorBody


class ApiError(Exception):
    """An error with its HTTP status, stable code and bilingual message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def documented(*statuses: int) -> dict[int | str, dict]:
    """OpenAPI ``responses`` entries declaring the error shape for ``statuses``."""
    return {status: {"model": ErrorResponse, "description": _STATUS_TEXT[status][1]} for status in statuses}


_STATUS_TEXT: dict[int, tuple[str, str, str]] = {
    # status: (code, Chinese, English)
    400: ("bad_request", "请求无法处理", "bad request"),
    401: ("unauthorized", "缺少或错误的 API 密钥", "missing or wrong API key"),
    404: ("not_found", "未找到", "not found"),
    408: ("request_timeout", "请求发送超时", "request not received in time"),
    405: ("method_not_allowed", "该路径不支持此请求方法", "method not allowed"),
    413: ("payload_too_large", "请求体过大", "request body too large"),
    415: ("unsupported_media_type", "不支持的内容类型", "unsupported media type"),
    422: ("invalid_request", "请求参数不合法", "invalid request"),
    429: ("rate_limited", "请求过于频繁", "too many requests"),
    500: ("internal_error", "服务器内部错误", "internal server error"),
    503: ("unavailable", "服务暂不可用", "service unavailable"),
}

# Chinese wording for the pydantic error types a client is likely to trigger.
_PYDANTIC_ZH = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不允许的字段",
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "bool_type": "应为布尔值",
    "list_type": "应为数组",
    "model_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "string_too_short": "字符串过短",
    "string_too_long": "字符串过长",
    "too_short": "数组元素过少",
    "too_long": "数组元素过多",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "literal_error": "取值不在允许范围内",
    "json_invalid": "JSON 格式错误",
}


def _location(loc: tuple) -> str:
    return ".".join(str(part) for part in loc)


def validation_message(errors: list[dict]) -> str:
    """One bilingual line per problem (at most three), e.g. ``body.k：数值过大 (Input should be ≤ 50)``."""
    parts = []
    for err in errors[:3]:
        message = str(err.get("msg", ""))
        text = (message if err["type"].startswith("policyqa_")  # our own validators already speak both languages
                else f"{_PYDANTIC_ZH.get(err['type'], '取值不合法')} ({message})")
        parts.append(f"{_location(err.get('loc', ()))}：{text}")
    more = f"；另有 {len(errors) - 3} 处 (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return "请求参数不合法 (invalid request)：" + "；".join(parts) + more


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    if any(e["type"] == "json_invalid" for e in errors):
        detail = next(e for e in errors if e["type"] == "json_invalid").get("ctx", {}).get("error", "")
        return error_response(400, "invalid_json",
                              f"请求体不是合法的 JSON (the request body is not valid JSON: {detail})")
    return error_response(422, "invalid_request", validation_message(errors))


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code, zh, en = _STATUS_TEXT.get(exc.status_code, ("http_error", "请求失败", "request failed"))
    if exc.status_code == 404:
        message = f"未找到路径 {request.url.path} (no such route: {request.url.path})"
    elif exc.status_code == 400:  # FastAPI's own body-parsing failure (e.g. bytes that are not UTF-8)
        code = "invalid_json"
        message = ("请求体无法解析，须为 UTF-8 编码、嵌套层数合理的 JSON "
                   "(the request body could not be parsed: send UTF-8 JSON that is not nested hundreds of levels deep)")
    elif exc.status_code == 405:
        message = f"路径 {request.url.path} 不支持 {request.method} 方法 (method {request.method} not allowed here)"
    else:
        message = f"{zh} ({en}: {exc.detail})"
    return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message, exc.headers)


async def _user_error(request: Request, exc: UserError) -> JSONResponse:
    """Errors the assistant reports for the caller's input (their messages are already bilingual)."""
    if isinstance(exc, NotFound):
        return error_response(404, "not_found", str(exc))
    if isinstance(exc, UnknownDocument):  # a well-formed request naming a document that is not loaded
        return error_response(404, "unknown_document", str(exc))
    return error_response(400, "bad_request", str(exc))


def internal_error_response() -> JSONResponse:
    code, zh, en = _STATUS_TEXT[500]
    return error_response(500, code, f"{zh}，请稍后再试 ({en}; the error was logged)")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(UserError, _user_error)
