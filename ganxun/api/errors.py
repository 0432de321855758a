"""One error body for every refusal of the API, and the handlers that produce it.

Every 4xx answer has the shape of `ErrorOut`:

    {"code": "invalid", "message": "身份证号：校验位不正确", "field": "id_number",
     "errors": [{"field": "id_number", "message": "校验位不正确", "value": "…"}]}

`code` is stable and machine-readable, `message` is Chinese and meant for people,
`field` names the input at fault when there is one, `errors` lists every field
problem of the request at once (validation of the whole record, never only the
first mistake).

Statuses: 400 bad input (schema or domain rules — ninja's own 422 is folded into
400 so clients handle one status for "fix your input"), 401 no or bad credentials,
403 the active role may not do this (or CSRF failed), 404 missing *or* outside the
caller's data scope (same body, so ids cannot be probed), 409 conflict, 429 rate limit.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from ganxun.core.errors import DomainError

# Statuses any authenticated operation can answer: 401 (credentials), 403 (role or
# CSRF), 429 (rate limit). Operations add 400 / 404 / 409 as their inputs allow.
ALWAYS = (401, 403, 429)


class FieldErrorOut(Schema):
    field: str
    message: str
    value: str | None = None


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    errors: list[FieldErrorOut] | None = None


def responses(success: dict[int, Any], *codes: int) -> dict[int, Any]:
    """The `response=` of an operation: its success schema(s), the error schema for the
    statuses every operation can give (ALWAYS) and the extra ones it declares."""
    declared = dict(success)
    for status in sorted(set(ALWAYS) | set(codes)):
        declared[status] = ErrorOut
    return declared


def error_body(code: str, message: str, *, field: str | None = None,
               errors: list[dict] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message, "field": field}
    if errors is not None:
        body["errors"] = errors
    return body


# --- pydantic / ninja validation errors, in Chinese -------------------------------------

_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def _field_of(loc: tuple | list, payload_names: set[str]) -> str:
    """("body", "payload", "rank") → "rank"; ("query", "page_size") → "page_size"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in payload_names:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _message_of(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "必填"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return "应为整数"
    if kind in {"bool_parsing", "bool_type"}:
        return "应为 true 或 false"
    if kind in {"string_type", "string_unicode"}:
        return "应为文本"
    if kind in {"date_parsing", "date_type", "date_from_datetime_parsing", "date_from_datetime_inexact"}:
        return "应为日期，格式 YYYY-MM-DD"
    if kind == "string_too_long":
        return f"不能超过 {ctx.get('max_length')} 个字符"
    if kind == "string_too_short":
        return f"不能少于 {ctx.get('min_length')} 个字符"
    if kind == "greater_than_equal":
        return f"不能小于 {ctx.get('ge')}"
    if kind == "greater_than":
        return f"应大于 {ctx.get('gt')}"
    if kind == "less_than_equal":
        return f"不能大于 {ctx.get('le')}"
    if kind == "less_than":
        return f"应小于 {ctx.get('lt')}"
    if kind in {"enum", "literal_error"}:
        # pydantic says "'a', 'b' or 'c'"
        expected = str(ctx.get("expected", "")).replace(" or ", ", ").replace("'", "")
        return f"不是有效的取值，可选：{'、'.join(part.strip() for part in expected.split(','))}"
    if kind in {"list_type", "too_long", "too_short"}:
        return "应为列表" if kind == "list_type" else "列表长度不符合要求"
    if kind in {"json_invalid", "json_type"}:
        return "请求体不是有效的 JSON"
    if kind in {"model_attributes_type", "dict_type", "model_type"}:
        return "应为 JSON 对象"
    if kind == "extra_forbidden":
        return "不支持的字段"
    if kind.startswith("ganxun_"):
        return str(error.get("msg", "格式不正确"))  # our own validators speak Chinese already
    return "格式不正确"


def _value_of(error: dict) -> str | None:
    value = error.get("input")
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)[:200]


def validation_errors(exc: ValidationError) -> list[dict]:
    payload_names = {"payload", "data", "body", "filters", "paging"}
    seen: set[tuple[str, str]] = set()
    out = []
    for error in exc.errors:
        field = _field_of(error.get("loc", ()), payload_names)
        message = _message_of(error)
        if (field, message) in seen:
            continue
        seen.add((field, message))
        out.append({"field": field, "message": message, "value": _value_of(error)})
    return out


# --- handlers ------------------------------------------------------------------------------

def install_handlers(api) -> None:
    """Map every refusal to ErrorOut. Unexpected exceptions still go to Django (500, logged)."""

    def respond(request: HttpRequest, status: int, body: dict) -> HttpResponse:
        return api.create_response(request, body, status=status)

    def on_domain_error(request, exc: DomainError):
        errors = None
        if getattr(exc, "errors", None):  # people.services.InvalidRecord: every field at once
            errors = [{"field": e.field, "message": e.message, "value": e.value or None} for e in exc.errors]
        return respond(request, exc.status, error_body(exc.code, exc.message, field=exc.field, errors=errors))

    def on_validation_error(request, exc: ValidationError):
        errors = validation_errors(exc)
        message = "；".join(f"{e['field']}：{e['message']}" for e in errors) or "请求参数有误。"
        first = errors[0]["field"] if errors else None
        return respond(request, 400, error_body("invalid", message, field=first, errors=errors))

    def on_authentication_error(request, exc: AuthenticationError):
        response = respond(request, 401, error_body(
            "unauthenticated", "未登录，或 API 令牌无效、已吊销、已过期。"))
        response["WWW-Authenticate"] = 'Bearer realm="ganxun"'
        return response

    def on_throttled(request, exc: Throttled):
        return respond(request, 429, error_body("throttled", "请求过于频繁，请稍后再试。"))

    def on_http_error(request, exc: HttpError):
        # ninja raises HttpError(400) only when the body cannot be parsed at all.
        known = {
            400: ("invalid", "请求体无法解析，请发送 UTF-8 编码的 JSON。"),
            401: ("unauthenticated", "未登录。"),
            403: ("forbidden", "当前角色无权执行此操作。"),
            404: ("not_found", "未找到该记录。"),
            409: ("conflict", "与现有数据冲突。"),
        }
        code, message = known.get(exc.status_code, ("error", str(exc)))
        return respond(request, exc.status_code, error_body(code, message))

    def on_404(request, exc: Http404):
        return respond(request, 404, error_body("not_found", "未找到该记录。"))

    api.add_exception_handler(DomainError, on_domain_error)
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(AuthenticationError, on_authentication_error)
    api.add_exception_handler(Throttled, on_throttled)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_404)
