"""/xapi/activities/state, /xapi/activities/profile, /xapi/agents/profile,
/xapi/activities and /xapi/agents.

Thin views: check the parameters the spec allows for the method, call one function
of `documents`, and answer with the document, a list of ids, or 204. HEAD answers
as GET would, without the body (Communication §1.1).
"""

from __future__ import annotations

import hashlib
import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils.http import http_date

from ganxun.lrs import documents
from ganxun.lrs.documents import DocumentContext, Kind
from ganxun.lrs.http import XapiError, xapi_resource
from ganxun.lrs.models import LrsClient

READ_METHODS = ("GET", "HEAD")
DOCUMENT_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")


# --- request parsing ---------------------------------------------------------------------------

def _params(request: HttpRequest, *, allowed: set[str], required: set[str]) -> dict[str, str]:
    """The query parameters, each once, none unknown (Communication §3.2: 400 otherwise)."""
    query = request.GET
    for name in query:
        if name not in allowed:
            raise XapiError(400, f"此处不接受参数 {name!r} (unexpected parameter {name!r}; "
                                 f"allowed: {', '.join(sorted(allowed))})")
        if len(query.getlist(name)) > 1:
            raise XapiError(400, f"参数 {name} 重复 (parameter {name} given more than once)")
    params = {name: query[name] for name in query}
    for name in sorted(required):
        if not params.get(name):
            raise XapiError(400, f"缺少参数 {name} (missing parameter {name})")
    return params


def _body(request: HttpRequest) -> bytes:
    """The request body, or XapiError(413) when it is larger than the LRS accepts."""
    limit = documents.max_body_bytes()
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        raise XapiError(400, "Content-Length 无效 (invalid Content-Length)") from None
    if declared > limit:
        raise XapiError(413, f"请求体超过上限 {limit // (1024 * 1024)} MB (request entity too large)")
    try:
        body = request.body
    except RequestDataTooBig:
        raise XapiError(413, f"请求体超过上限 {limit // (1024 * 1024)} MB (request entity too large)") from None
    if len(body) > limit:
        raise XapiError(413, f"请求体超过上限 {limit // (1024 * 1024)} MB (request entity too large)")
    return body


def _context(kind: str, params: dict[str, str]) -> DocumentContext:
    activity_id = documents.parse_iri(params["activityId"], "activityId") if "activityId" in params else ""
    agent = documents.parse_agent(params["agent"]) if "agent" in params else None
    registration = documents.parse_uuid(params["registration"], "registration") if "registration" in params else ""
    return DocumentContext(kind=kind, activity_id=activity_id, agent=agent, registration=registration)


def _since(params: dict[str, str], version: str):
    return documents.parse_timestamp(params["since"], "since", version) if "since" in params else None


# --- responses ----------------------------------------------------------------------------------

def _head(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if request.method == "HEAD":
        length = len(response.content)
        response.content = b""
        response["Content-Length"] = str(length)
    return response


def _json(request: HttpRequest, data, *, last_modified=None) -> HttpResponse:
    content = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    response["ETag"] = f'"{hashlib.sha1(content).hexdigest()}"'
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    return _head(request, response)


def _document(request: HttpRequest, document) -> HttpResponse:
    if document is None:
        raise XapiError(404, "文档不存在 (no such document)")
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["ETag"] = f'"{document.etag}"'
    response["Last-Modified"] = http_date(document.updated.timestamp())
    return _head(request, response)


def _no_content() -> HttpResponse:
    return HttpResponse(status=204)


# --- the three document resources --------------------------------------------------------------

def _document_resource(request: HttpRequest, *, client: LrsClient, version: str, kind: str,
                       context_params: set[str], required_context: set[str], id_param: str,
                       delete_many: bool) -> HttpResponse:
    """What the three resources share; they differ in their context parameters and in
    whether DELETE without an id clears the whole context (State only)."""
    method = request.method
    if method not in DOCUMENT_METHODS:
        return HttpResponseNotAllowed(DOCUMENT_METHODS)
    if method in READ_METHODS:
        params = _params(request, allowed=context_params | {id_param, "since"}, required=required_context)
        if id_param in params and "since" in params:
            raise XapiError(400, f"取单个文档时不能带 since (since is only for the list of ids, without {id_param})")
        context = _context(kind, params)
        if id_param in params:
            return _document(request, documents.document_get(client=client, context=context,
                                                             document_id=params[id_param]))
        ids, latest = documents.document_ids(client=client, context=context, since=_since(params, version))
        return _json(request, ids, last_modified=latest)

    if method == "DELETE":
        required = required_context if delete_many else required_context | {id_param}
        params = _params(request, allowed=context_params | {id_param}, required=required)
        documents.document_delete(client=client, context=_context(kind, params), document_id=params.get(id_param),
                                  if_match=request.headers.get("If-Match"),
                                  if_none_match=request.headers.get("If-None-Match"))
        return _no_content()

    # PUT and POST
    params = _params(request, allowed=context_params | {id_param}, required=required_context | {id_param})
    context = _context(kind, params)
    body = _body(request)
    documents.document_save(
        client=client, context=context, document_id=params[id_param], content=body,
        content_type=request.headers.get("Content-Type"), merge=method == "POST",
        if_match=request.headers.get("If-Match"), if_none_match=request.headers.get("If-None-Match"),
        version=version,
    )
    return _no_content()


@xapi_resource()
def state_view(request: HttpRequest, *, client: LrsClient, version: str) -> HttpResponse:
    return _document_resource(request, client=client, version=version, kind=Kind.STATE,
                              context_params={"activityId", "agent", "registration"},
                              required_context={"activityId", "agent"}, id_param="stateId", delete_many=True)


@xapi_resource()
def activity_profile_view(request: HttpRequest, *, client: LrsClient, version: str) -> HttpResponse:
    return _document_resource(request, client=client, version=version, kind=Kind.ACTIVITY_PROFILE,
                              context_params={"activityId"}, required_context={"activityId"},
                              id_param="profileId", delete_many=False)


@xapi_resource()
def agent_profile_view(request: HttpRequest, *, client: LrsClient, version: str) -> HttpResponse:
    return _document_resource(request, client=client, version=version, kind=Kind.AGENT_PROFILE,
                              context_params={"agent"}, required_context={"agent"},
                              id_param="profileId", delete_many=False)


# --- Activities and Agents ----------------------------------------------------------------------

@xapi_resource()
def activities_view(request: HttpRequest, *, client: LrsClient, version: str) -> HttpResponse:
    if request.method not in READ_METHODS:
        return HttpResponseNotAllowed(READ_METHODS)
    params = _params(request, allowed={"activityId"}, required={"activityId"})
    activity_id = documents.parse_iri(params["activityId"], "activityId")
    return _json(request, documents.activity_get(client=client, activity_id=activity_id))


@xapi_resource()
def agents_view(request: HttpRequest, *, client: LrsClient, version: str) -> HttpResponse:
    if request.method not in READ_METHODS:
        return HttpResponseNotAllowed(READ_METHODS)
    params = _params(request, allowed={"agent"}, required={"agent"})
    agent = documents.parse_agent(params["agent"])
    return _json(request, documents.agent_person(client=client, agent=agent))
