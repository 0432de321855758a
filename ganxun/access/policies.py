"""Access policies of views: every URL declares one, and AccessMiddleware enforces it.

A view without a policy is refused (fail closed), and a test walks the URL
configuration to prove that every route has one.
"""

from __future__ import annotations

from collections.abc import Callable

PUBLIC = "public"
AUTHENTICATED = "authenticated"
API = "api"  # django-ninja routes: each operation checks its own permission
ALL_POLICY_KINDS = frozenset({PUBLIC, AUTHENTICATED, API})


def public(view: Callable) -> Callable:
    """Reachable without logging in (log-in page, health check)."""
    view.access_policy = PUBLIC
    return view


def login_required(view: Callable) -> Callable:
    """Any logged-in account, whatever its role (own account pages, role switch)."""
    view.access_policy = AUTHENTICATED
    return view


def requires(permission: str) -> Callable[[Callable], Callable]:
    """Logged in, and the active role carries `permission` (roles.ROLE_PERMISSIONS)."""

    def decorate(view: Callable) -> Callable:
        view.access_policy = permission
        return view

    return decorate


def policy_of(view: Callable) -> str | None:
    return getattr(view, "access_policy", None)
