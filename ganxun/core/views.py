"""View helpers every app's pages share: the 403 page, NotFound from a selector as a 404, and the
answer of a POST button or of a submitted form (message and redirect)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.core.forms import add_domain_error

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


def run_form(request, form, action: Callable[[], str | tuple[str, str]], *, back: str | None = None):
    """A valid form's POST: run `action` (the service call), show its success message and go `back`
    (a URL or URL name). `action` returns the message, or (message, URL) when where to go depends on
    what it made. NotFound is a 404 and Forbidden the 403 page, as in run_action. A refusal of the
    service goes onto the form (the field it names, else above it) and the answer is None: the view
    renders the form again."""
    try:
        done = action()
    except NotFound:
        raise Http404() from None
    except Forbidden:
        return forbidden(request)
    except DomainError as exc:
        add_domain_error(form, exc)
        return None
    message, back = done if isinstance(done, tuple) else (done, back)
    messages.success(request, message)
    return redirect(back)
