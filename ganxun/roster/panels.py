"""Sections of the learner's class page contributed by the apps above roster.

The roster app owns the cadre's class page (我的班次 → one class: details and own
timetable). The apps above it — attendance (check-in, leave), logistics (meals, room),
assessment (reflection, result), evaluation (ratings to give) — add their sections by
registering a panel in their AppConfig.ready(); roster never imports them (layers go
one way, STYLE.md).

A panel's `render(request, enrollment)` returns HTML, or "" when it has nothing to show
for this enrollment (a class without lodging, say).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class LearnerPanel:
    key: str
    order: int
    render: Callable[[HttpRequest, object], str]


_PANELS: dict[str, LearnerPanel] = {}


def register_learner_panel(key: str, *, order: int, render: Callable[[HttpRequest, object], str]) -> None:
    """Add (or replace, on a second ready()) the panel `key`; lower `order` shows first."""
    _PANELS[key] = LearnerPanel(key, order, render)


def learner_panels(request: HttpRequest, enrollment) -> list[str]:
    """The HTML of every panel with something to show for `enrollment`, in order."""
    rendered = (panel.render(request, enrollment) for panel in sorted(_PANELS.values(), key=lambda p: p.order))
    return [html for html in rendered if html]
