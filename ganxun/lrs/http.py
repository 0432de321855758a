"""What every /xapi/ resource shares: version negotiation, client authentication,
errors as xAPI expects them, and the `xapi_resource` view decorator.

Views of the LRS are plain Django views (not django-ninja): the resources speak
multipart/mixed, raw documents, ETags and the 1.0.3 alternate request syntax, which
a JSON-schema framework would only get in the way of. They carry the access policy
`API` because each checks its own credentials here.

Request preparation (`prepare_request`, run by `xapi_resource` before anything
else) — what every resource view can rely on:

* the body has been read (`request.body` works up to GANXUN_LRS_MAX_BODY_MB, and
  a larger body is answered 413 before it is read);
* the 1.0.3 alternate request syntax (Communication 1.3: `POST …?method=PUT` with
  an `application/x-www-form-urlencoded` body carrying the headers, the `content`
  and the parameters) has been UNWRAPPED IN PLACE: the same HttpRequest now has
  the real `method`, `GET` holds the parameters from the form, `body` is the
  `content` field, and `headers`/`META` carry the headers from the form
  (Authorization, X-Experience-API-Version, Content-Type, If-Match,
  If-None-Match). `request.xapi_alternate` is True for such a request. A view is
  therefore written once, against `request.method`, `request.GET`,
  `request.body` and `request.headers`, and serves both syntaxes. Query
  parameters other than `method` on an alternate request are a 400, and so is
  the alternate syntax while speaking 2.0.0 (which removed it).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt

from ganxun.access import policies
from ganxun.lrs.models import LrsClient

# What we accept in X-Experience-API-Version and what we answer with.
SUPPORTED_VERSIONS = {"1.0.0": "1.0.3", "1.0.1": "1.0.3", "1.0.2": "1.0.3", "1.0.3": "1.0.3", "2.0.0": "2.0.0"}
ABOUT_VERSIONS = ["1.0.3", "2.0.0"]
VERSION_HEADER = "X-Experience-API-Version"


class XapiError(Exception):
    """An answer other than success: 400 malformed, 401, 403, 404, 409, 412, 413."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str, version: str | None = None) -> HttpResponse:
    response = JsonResponse({"error": {"code": status, "message": message}}, status=status,
                            json_dumps_params={"ensure_ascii": False})
    response[VERSION_HEADER] = version or ABOUT_VERSIONS[0]
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="xAPI"'
    return response


def negotiate_version(request: HttpRequest) -> str:
    """The version this request speaks, or XapiError(400). 1.0.x answer as 1.0.3."""
    given = request.headers.get(VERSION_HEADER)
    if not given:
        raise XapiError(400, f"缺少 {VERSION_HEADER} 请求头 (missing {VERSION_HEADER} header)")
    version = SUPPORTED_VERSIONS.get(given.strip())
    if version is None:
        raise XapiError(400, f"不支持的 xAPI 版本 {given!r} (unsupported version; supported: "
                             f"{', '.join(ABOUT_VERSIONS)})")
    return version


# --- credentials -----------------------------------------------------------------

def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# key → (client, secret_hash, fetched_at): Basic auth is checked on every request,
# and the ingest rate the LRS must reach leaves no room for a query each time.
# A client disabled or changed in the back office is seen within CACHE_SECONDS.
CACHE_SECONDS = 30
_clients: dict[str, tuple[LrsClient, float]] = {}
_clients_lock = threading.Lock()


def forget_cached_clients() -> None:
    with _clients_lock:
        _clients.clear()


def _client_by_key(key: str) -> LrsClient | None:
    now = time.monotonic()
    with _clients_lock:
        hit = _clients.get(key)
    if hit is not None and now - hit[1] < CACHE_SECONDS:
        return hit[0]
    client = LrsClient.objects.select_related("scope").filter(key=key).first()
    if client is not None:
        with _clients_lock:
            _clients[key] = (client, now)
    return client


def authenticate(request: HttpRequest) -> LrsClient:
    """The LrsClient of the Basic credentials, or XapiError(401)."""
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise XapiError(401, "需要 HTTP Basic 认证 (Basic credentials required)")
    try:
        key, sep, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise XapiError(401, "认证信息格式错误 (malformed Basic credentials)") from None
    client = _client_by_key(key) if sep else None
    if client is None or not hmac.compare_digest(client.secret_hash, secret_hash(secret)) or not client.is_active:
        raise XapiError(401, "客户端标识或密钥错误，或客户端已停用 (bad or disabled credentials)")
    return client


def client_touch(client: LrsClient) -> None:
    """Record last use at most once a minute per process (no write per request)."""
    now = timezone.now()
    if client.last_used_at is None or (now - client.last_used_at).total_seconds() >= 60:
        client.last_used_at = now
        LrsClient.objects.filter(pk=client.pk).update(last_used_at=now)


# --- request preparation: body limit, alternate request syntax ---------------------

# Headers the alternate syntax may carry in its form (Communication 1.3.2).
ALTERNATE_HEADERS = {
    "authorization": "HTTP_AUTHORIZATION",
    "x-experience-api-version": "HTTP_X_EXPERIENCE_API_VERSION",
    "content-type": "CONTENT_TYPE",
    "content-length": "CONTENT_LENGTH",
    "if-match": "HTTP_IF_MATCH",
    "if-none-match": "HTTP_IF_NONE_MATCH",
}
ALTERNATE_METHODS = {"GET", "HEAD", "PUT", "POST", "DELETE"}


def max_body_bytes() -> int:
    return settings.GANXUN_LRS_MAX_BODY_MB * 1024 * 1024


def read_body(request: HttpRequest) -> bytes:
    """The request body, read once, or XapiError(413) when it exceeds the limit.
    Read from the stream so Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not apply:
    the LRS has its own limit."""
    if hasattr(request, "_body"):
        body = request._body
    else:
        limit = max_body_bytes()
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise XapiError(400, "Content-Length 不是数字 (malformed Content-Length)") from None
        if declared > limit:
            raise XapiError(413, f"请求体超过 {settings.GANXUN_LRS_MAX_BODY_MB} MB (request body too large)")
        body = request.read(limit + 1) if declared else b""
        request._body = body
    if len(body) > max_body_bytes():
        raise XapiError(413, f"请求体超过 {settings.GANXUN_LRS_MAX_BODY_MB} MB (request body too large)")
    return body


def unwrap_alternate_syntax(request: HttpRequest) -> None:
    """Rewrite an alternate-syntax request into the request it stands for (see the
    module docstring). No-op for an ordinary request."""
    request.xapi_alternate = False
    if request.method != "POST" or "method" not in request.GET:
        return
    extra = sorted(set(request.GET) - {"method"})
    if extra:
        raise XapiError(400, f"使用 method 参数时查询串中不得有其他参数 (alternate request syntax: only "
                             f"'method' may be in the query string, found {', '.join(extra)})")
    method = request.GET["method"].upper()
    if method not in ALTERNATE_METHODS:
        raise XapiError(400, f"method 参数不受支持 (unsupported method {request.GET['method']!r})")
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise XapiError(400, "使用 method 参数时请求体须为 application/x-www-form-urlencoded "
                             "(alternate request syntax needs a form-encoded body)")
    try:
        form = QueryDict(read_body(request), encoding="utf-8")
    except UnicodeDecodeError:
        raise XapiError(400, "表单不是合法的 UTF-8 (form is not valid UTF-8)") from None
    params = QueryDict(mutable=True)
    content = b""
    meta = request.META
    meta.pop("CONTENT_TYPE", None)
    meta.pop("CONTENT_LENGTH", None)
    for name, values in form.lists():
        lowered = name.lower()
        if lowered == "content":
            content = values[-1].encode("utf-8")
        elif lowered in ALTERNATE_HEADERS:
            meta[ALTERNATE_HEADERS[lowered]] = values[-1]
        else:
            params.setlist(name, values)
    meta["CONTENT_LENGTH"] = str(len(content))
    params._mutable = False
    request.method = method
    request.META["REQUEST_METHOD"] = method
    request.GET = params
    request._body = content
    request._post = QueryDict()
    request._files = MultiValueDict()
    request.__dict__.pop("headers", None)  # a cached_property built from META
    request.xapi_alternate = True


def prepare_request(request: HttpRequest) -> None:
    read_body(request)
    unwrap_alternate_syntax(request)


# --- the view decorator -----------------------------------------------------------

def xapi_resource(*, authenticated: bool = True) -> Callable:
    """Wrap a view `view(request, *, client, version)`:

    * negotiates the version (the About resource passes authenticated=False and
      needs no version header);
    * authenticates the client;
    * turns XapiError into the spec's error answer and stamps the version header on
      every response.
    The body limit and the 1.0.3 alternate request syntax are handled first
    (`prepare_request`).
    """

    def decorate(view: Callable) -> Callable:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            version = None
            try:
                prepare_request(request)
                if authenticated:
                    version = negotiate_version(request)
                    if request.xapi_alternate and version == "2.0.0":
                        raise XapiError(400, "xAPI 2.0.0 不支持替代请求语法 (the alternate request syntax was "
                                             "removed in xAPI 2.0.0)")
                    client = authenticate(request)
                    client_touch(client)
                else:
                    client = None
                response = view(request, *args, client=client, version=version, **kwargs)
            except XapiError as exc:
                return error_response(exc.status, exc.message, version)
            response[VERSION_HEADER] = version or ABOUT_VERSIONS[-1]
            return response

        wrapper.access_policy = policies.API
        return wrapper

    return decorate


def json_body(request: HttpRequest):
    """The request body parsed as JSON, or XapiError(400)."""
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise XapiError(400, f"请求体不是合法的 JSON (invalid JSON: {exc})") from None
