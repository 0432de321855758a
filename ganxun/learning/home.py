"""Cards of the learner's home page (portal:learn_home) contributed by the apps above learning.

The portal owns the learner home and shows its own cards at fixed places: hours (order 100),
my classes (150), continue learning (200), required courses (300). Apps above learning — themed
online classes (onlineclasses, 120: between the hours and my classes), say — add theirs by
registering a panel in their AppConfig.ready(); neither learning nor the portal imports them
(layers go one way, STYLE.md). The registry lives here, below those apps, so that registering
never imports a higher layer. This is the only way a card gets onto the page.

A panel's `render(request)` returns HTML (a SafeString; a plain str is escaped), or "" when it
has nothing for this learner. A panel registered with `needs_cadre=True` is not rendered at all
(so costs no query) for an account that has no cadre record: the portal shows such a learner
only the course cards and a note to ask their liaison.
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
    needs_cadre: bool = False


_PANELS: dict[str, HomePanel] = {}


def register_home_panel(key: str, *, order: int, render: Callable[[HttpRequest], str],
                        needs_cadre: bool = False) -> None:
    """Add (or replace, on a second ready()) the panel `key`. Lower `order` shows first; the
    portal's own cards sit at 100 (hours), 150 (my classes), 200 (continue learning) and 300
    (required courses), and a panel of the same order as one of them comes after it.
    `needs_cadre`: render only for a learner with a cadre record."""
    _PANELS[key] = HomePanel(key, order, render, needs_cadre)


def home_panels(request: HttpRequest, *, has_cadre: bool) -> list[tuple[int, str]]:
    """(order, HTML) of every panel with something to show, in order. `has_cadre`: the learner
    has a cadre record (the portal has looked it up already); if not, `needs_cadre` panels are
    skipped without being rendered."""
    panels = sorted((p for p in _PANELS.values() if has_cadre or not p.needs_cadre), key=lambda p: p.order)
    rendered = ((panel.order, panel.render(request)) for panel in panels)
    return [(order, html) for order, html in rendered if html]
