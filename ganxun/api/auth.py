"""Who is calling the API, what the active role may do, and how often.

Two ways in, tried in this order:

* `Authorization: Bearer gx_…` — an integration's token (another province's platform,
  a unit's HR system, the mobile app). A token is bound to ONE role assignment of its
  account and acts with that role and scope only. A presented but unusable token
  (unknown, revoked, expired, account disabled, role revoked) is a 401 — it never falls
  back to a browser session that happens to ride along.
* the logged-in browser session of our own pages; the active role is the one
  AccessMiddleware put on `request.user`. Unsafe methods must pass Django's CSRF check.

Every operation declares what it needs with `@permission("cadres.view")` placed
*under* the router decorator. The permission is checked inside authentication, so a
role without it gets 403 before its input is even parsed; an operation that forgot
to declare one falls back to the API-wide auth below, which refuses everybody
(fail closed), and tests/test_contract.py proves there is none.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import AuthRateThrottle
from ninja.utils import check_csrf, contribute_operation_callback

from ganxun.access import scope
from ganxun.access.policies import AUTHENTICATED
from ganxun.access.roles import ALL_PERMISSIONS
from ganxun.access.services import token_authenticate
from ganxun.core.errors import Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _require(account, permissions: tuple[str, ...]) -> None:
    if not permissions:
        raise Forbidden("该接口未声明所需权限，已拒绝。", code="no_permission_declared")
    if AUTHENTICATED in permissions:
        return
    if not any(scope.can(account, p) for p in permissions):
        raise Forbidden()


class TokenAuth(HttpBearer):
    """Bearer token issued by access.services.token_create."""

    def __init__(self, permissions: tuple[str, ...] = ()) -> None:
        self.permissions = permissions
        super().__init__()

    def __call__(self, request: HttpRequest):
        header = request.headers.get("Authorization")
        if not header:
            return None  # not this kind of caller: try the session
        scheme, _, raw = header.strip().partition(" ")
        if scheme.lower() != "bearer":
            raise AuthenticationError()
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str):
        api_token = token_authenticate(token)
        if api_token is None:
            raise AuthenticationError()
        account = api_token.account  # token_authenticate set account.active_role = the token's role
        request.user = account
        request.api_token = api_token
        _require(account, self.permissions)
        return account


class SessionAuth(APIKeyCookie):
    """The browser session of our own pages (CSRF checked on unsafe methods)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, permissions: tuple[str, ...] = ()) -> None:
        self.permissions = permissions
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest):
        return self.authenticate(request, request.COOKIES.get(self.param_name))

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # → 401, also for unsafe methods: no session, nothing to forge
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise Forbidden("CSRF 校验失败，请刷新页面后重试。", code="csrf_failed")
        if user.must_change_password:
            raise Forbidden("请先修改初始密码后再使用。", code="password_change_required")
        request.api_token = None
        _require(user, self.permissions)
        return user


def auth_for(permissions: tuple[str, ...]) -> list:
    return [TokenAuth(permissions), SessionAuth(permissions)]


# API-wide default: identifies the caller, then refuses — only reached by an operation
# without @permission.
UNDECLARED = auth_for(())


def permission(*permissions: str) -> Callable:
    """Declare what the active role must carry to call the operation (any one of them).

    `AUTHENTICATED` means any logged-in caller (GET /me). The declaration also goes into
    the OpenAPI document (`x-permissions`) so integrators can see it.
    """
    unknown = [p for p in permissions if p != AUTHENTICATED and p not in ALL_PERMISSIONS]
    if not permissions or unknown:
        raise ValueError(f"unknown or missing permission: {unknown or permissions}")
    callbacks = auth_for(tuple(permissions))

    def decorate(view: Callable) -> Callable:
        view.required_permissions = tuple(permissions)

        def contribute(operation) -> None:
            operation.auth_param = callbacks
            operation.auth_callbacks = callbacks
            operation.openapi_extra = {**(operation.openapi_extra or {}), "x-permissions": list(permissions)}
            needed = "登录即可" if AUTHENTICATED in permissions else "、".join(permissions)
            operation.description = f"{operation.description or ''}\n\n所需权限：{needed}".strip()

        contribute_operation_callback(view, contribute)
        return view

    return decorate


def caller_token(request: HttpRequest):
    return getattr(request, "api_token", None)


class ApiRateThrottle(AuthRateThrottle):
    """settings.GANXUN_API_RATE (e.g. "600/m") per token, or per account for sessions.

    The rate is read on every request so it follows settings overrides. ninja keeps
    the request's history on the throttle instance, which all threads share; here it
    lives in a thread-local so concurrent requests never mix their counts.
    """

    scope = "api"

    def __init__(self) -> None:
        self._state = threading.local()
        super().__init__(rate=settings.GANXUN_API_RATE)

    # ninja's SimpleRateThrottle reads and writes these four between allow_request and wait.
    key = property(lambda self: getattr(self._state, "key", None),
                   lambda self, value: setattr(self._state, "key", value))
    history = property(lambda self: getattr(self._state, "history", []),
                       lambda self, value: setattr(self._state, "history", value))
    now = property(lambda self: getattr(self._state, "now", 0.0),
                   lambda self, value: setattr(self._state, "now", value))

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = settings.GANXUN_API_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str:
        token = caller_token(request)
        if token is not None:
            ident = f"token-{token.pk}"
        elif getattr(request, "auth", None) is not None:
            ident = f"account-{request.auth.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
