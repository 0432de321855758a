"""Cards of the learner's home page (portal:learn_home) contributed by the apps above learning.

The portal owns the learner home and shows learning's own cards (hours, continue learning,
required courses). Apps above learning — themed online classes (onlineclasses), say — add
theirs by registering a panel in their AppConfig.ready(); neither learning nor the portal
imports them (layers go one way, STYLE.md). The registry lives here, below those apps, so
that registering never imports a higher layer.

A panel's `render(request)` returns HTML, or "" when it has nothing for this learner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class HomePanel:
    key: str
    order: int
    render: Callable[[HttpRequest], str]


_PANELS: dict[str, HomePanel] = {}


def register_home_panel(key: str, *, order: int, render: Callable[[HttpRequest], str]) -> None:
    """Add (or replace, on a second ready()) the panel `key`. Lower `order` shows first; the
    portal's own cards sit at 100 (hours), 200 (continue learning), 300 (required courses)."""
    _PANELS[key] = HomePanel(key, order, render)


def home_panels(request: HttpRequest) -> list[tuple[int, str]]:
    """(order, HTML) of every panel with something to show, in order."""
    rendered = ((panel.order, panel.render(request)) for panel in sorted(_PANELS.values(), key=lambda p: p.order))
    return [(order, html) for order, html in rendered if html]
