"""What every /xapi/ resource shares: version negotiation, client authentication,
errors as xAPI expects them, and the `xapi_resource` view decorator.

Views of the LRS are plain Django views (not django-ninja): the resources speak
multipart/mixed, raw documents, ETags and the 1.0.3 alternate request syntax, which
a JSON-schema framework would only get in the way of. They carry the access policy
`API` because each checks its own credentials here.
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

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
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


# --- the view decorator -----------------------------------------------------------

def xapi_resource(*, authenticated: bool = True) -> Callable:
    """Wrap a view `view(request, *, client, version)`:

    * negotiates the version (the About resource passes authenticated=False and
      needs no version header);
    * authenticates the client;
    * turns XapiError into the spec's error answer and stamps the version header on
      every response.
    The 1.0.3 alternate request syntax is unwrapped here too (see `alternate_syntax`).
    """

    def decorate(view: Callable) -> Callable:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            version = None
            try:
                if authenticated:
                    version = negotiate_version(request)
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
