"""View helpers every app's pages share: the 403 page, and NotFound from a selector as a 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.http import Http404
from django.shortcuts import render

from ganxun.core.errors import NotFound

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
