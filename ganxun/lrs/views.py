"""The Statement and About resources of /xapi/ (thin: parse → service/selector → answer)."""

from __future__ import annotations

import json
from email.utils import format_datetime

import orjson
from django.http import HttpRequest, HttpResponse, JsonResponse

from ganxun.lrs import formats, selectors
from ganxun.lrs.http import ABOUT_VERSIONS, XapiError, xapi_resource
from ganxun.lrs.models import XapiAttachment
from ganxun.lrs.multipart import build_response, check_parts_match, content_type_parameters, parse_statement_request
from ganxun.lrs.services import statements_store

JSON = "application/json"


@xapi_resource(authenticated=False)
def about(request: HttpRequest, *, client, version) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return _method_not_allowed("GET, HEAD")
    return JsonResponse({"version": ABOUT_VERSIONS, "extensions": {}})


@xapi_resource()
def statements(request: HttpRequest, *, client, version: str) -> HttpResponse:
    if request.method == "PUT":
        response = _put(request, client, version)
    elif request.method == "POST":
        response = _post(request, client, version)
    elif request.method in ("GET", "HEAD"):
        response = _get(request, client, version)
        if request.method == "HEAD":
            response.content = b""
    else:
        return _method_not_allowed("GET, HEAD, PUT, POST")
    # Communication 2.1.3: on all responses of the Statement resource.
    response["X-Experience-API-Consistent-Through"] = selectors.consistent_through()
    return response


def _method_not_allowed(allow: str) -> HttpResponse:
    response = JsonResponse({"error": {"code": 405, "message": "不支持的请求方法 (method not allowed)"}}, status=405)
    response["Allow"] = allow
    return response


# --- writes --------------------------------------------------------------------------

# 19 digits in a row may be an integer beyond 64 bits, which orjson reads as a float.
# Found by mapping every digit to "0" and everything else to " " (bytes.translate is
# ~10× faster than a regular expression over a 1 MB batch).
_DIGITS_AS_ZERO = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))
_LONG_DIGITS = b"0" * 19


def loads(raw: bytes):
    """The body parsed as the stdlib parses it, or XapiError(400). orjson (~3× faster)
    is used where its result is the same: it refuses what the stdlib reads differently
    (NaN/Infinity, lone surrogates, UTF-16/32, a BOM), and bodies with a long run of
    digits go to the stdlib."""
    if _LONG_DIGITS not in raw.translate(_DIGITS_AS_ZERO):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise XapiError(400, f"请求体不是合法的 JSON (invalid JSON: {exc})") from None


def _read_statements(request: HttpRequest):
    """(parsed JSON, attachments) of a statement write, or XapiError(400)."""
    kind, _params = content_type_parameters(request.headers.get("Content-Type", ""))
    attachments = None
    if kind == JSON:
        raw = request.body
    elif kind == "multipart/mixed":
        raw, attachments = parse_statement_request(request.body, request.headers["Content-Type"])
    else:
        raise XapiError(400, f"Content-Type 须为 application/json 或 multipart/mixed (got {kind or 'none'!r})")
    payload = loads(raw)
    if attachments:
        check_parts_match(payload if isinstance(payload, list) else [payload], attachments)
    return payload, attachments


def _put(request: HttpRequest, client, version: str) -> HttpResponse:
    extra = sorted(set(request.GET) - {"statementId"})
    if extra:
        raise XapiError(400, f"unknown parameter(s) for PUT: {', '.join(extra)}")
    statement_id = request.GET.get("statementId")
    if not statement_id:
        raise XapiError(400, "statementId: is required for PUT")
    statement, attachments = _read_statements(request)
    if not isinstance(statement, dict):
        raise XapiError(400, "statement: PUT takes a single statement (a JSON object)")
    given = statement.get("id")
    if given is not None and str(given).lower() != statement_id.lower():
        raise XapiError(400, "statement.id: does not match the statementId parameter")
    statement["id"] = statement_id
    statements_store(client=client, statements=[statement], version=version, attachments=attachments)
    return HttpResponse(status=204)


def _post(request: HttpRequest, client, version: str) -> HttpResponse:
    if request.GET:
        raise XapiError(400, f"unknown parameter(s) for POST: {', '.join(sorted(request.GET))}")
    payload, attachments = _read_statements(request)
    batch = payload if isinstance(payload, list) else [payload]
    ids = statements_store(client=client, statements=batch, version=version, attachments=attachments)
    return HttpResponse(json.dumps(ids), content_type=JSON)


# --- reads ---------------------------------------------------------------------------

def _get(request: HttpRequest, client, version: str) -> HttpResponse:
    params = request.GET
    languages = formats.accept_languages(request.headers.get("Accept-Language", ""))
    if "statementId" in params or "voidedStatementId" in params:
        return _get_one(request, client, languages)
    if "more" in params:
        if len(params) > 1:
            raise XapiError(400, "more: cannot be combined with other parameters")
        query = selectors.decode_more(params["more"])
    else:
        query = selectors.parse_query({k: params[k] for k in params}, version)
    rows, more = selectors.statements_page(client=client, query=query)
    bodies = [formats.render(row[2], query.format, languages) for row in rows]
    more_url = (request.path + "?more=" + more) if more else ""
    body = ('{"statements":[' + ",".join(bodies) + '],"more":' + json.dumps(more_url) + "}").encode()
    return _answer(body, rows if query.attachments else [])


def _get_one(request: HttpRequest, client, languages: list[str]) -> HttpResponse:
    params = request.GET
    unknown = sorted(set(params) - selectors.SINGLE_PARAMS)
    if unknown:
        raise XapiError(400, f"statementId/voidedStatementId cannot be combined with: {', '.join(unknown)}")
    if "statementId" in params and "voidedStatementId" in params:
        raise XapiError(400, "statementId and voidedStatementId cannot be used together")
    voided = "voidedStatementId" in params
    fmt = selectors.parse_format(params.get("format"))
    attachments = params.get("attachments", "false")
    if attachments not in ("true", "false"):
        raise XapiError(400, "attachments: must be true or false")
    row = selectors.statement_get(client=client, statement_id=params["voidedStatementId" if voided else "statementId"],
                                  voided=voided)
    if row is None:
        raise XapiError(404, "未找到该语句 (no such statement)")
    response = _answer(formats.render(row[2], fmt, languages).encode(), [row] if attachments == "true" else [])
    response["Last-Modified"] = format_datetime(row[1], usegmt=True)
    return response


def _answer(body: bytes, rows_with_attachments: list[tuple]) -> HttpResponse:
    """JSON, or multipart/mixed with the attachments of these statements."""
    if not rows_with_attachments:
        return HttpResponse(body, content_type=JSON)
    wanted: list[str] = []
    for row in rows_with_attachments:
        if row[3]:
            for attachment in json.loads(row[2]).get("attachments") or ():
                sha2 = attachment["sha2"].lower()
                if sha2 not in wanted:
                    wanted.append(sha2)
    stored = {a.sha2: a for a in XapiAttachment.objects.filter(sha2__in=wanted)}
    parts = [(sha2, stored[sha2].content_type, bytes(stored[sha2].content)) for sha2 in wanted if sha2 in stored]
    content, content_type = build_response(body, parts)
    return HttpResponse(content, content_type=content_type)
