"""View helpers every app's pages share: the 403 page, NotFound from a selector as a 404, and the
answer of a POST button (message and redirect)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from ganxun.core.errors import DomainError, Forbidden, NotFound

T = TypeVar("T")


def forbidden(request):
    """The role may not do this at all (a scope question is a 404 instead)."""
    return render(request, "errors/403.html", status=403)


def or_404(getter: Callable[..., T], *args, **kwargs) -> T:
    """`getter(*args, **kwargs)` — a selector's `<entity>_get_for` — with NotFound (missing and
    not-yours alike) raised as Http404."""
    try:
        return getter(*args, **kwargs)
    except NotFound:
        raise Http404() from None


def run_action(request, action: Callable[[], str | None], *, back: str, refused_prefix: str = ""):
    """A POST button's whole answer: run `action` (a service call returning the success message),
    show its message or the service's refusal, and go `back` (a URL or URL name). NotFound is a
    404 and Forbidden the 403 page, as everywhere."""
    try:
        message = action()
    except NotFound:
        raise Http404() from None
    except Forbidden:
        return forbidden(request)
    except DomainError as exc:
        messages.error(request, f"{refused_prefix}{exc.message}")
    else:
        if message:
            messages.success(request, message)
    return redirect(back)
