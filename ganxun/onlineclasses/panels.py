"""The learner home's 专题网络班 card: current themed classes, their deadlines and unread
reminders. Registered with learning.home in OnlineClassesConfig.ready() (order 120: after the
hours card, before my classes); the portal never imports this app."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from ganxun.onlineclasses.selectors import themed_classes_of_learner, unread_reminders

HOME_CARD_ORDER = 120


def render_home_card(request: HttpRequest) -> str:
    """The card, or "" when the learner has no open class. One query for the open classes, one
    progress query per class, and one for the reminders when there is an open class (an unread
    reminder always belongs to one of the learner's open memberships, so without any there is
    nothing to ask for)."""
    user = request.user
    classes = themed_classes_of_learner(user, current_only=True)
    if not classes:
        return ""
    # No request: the context processors would run (and query) a second time for nothing the
    # card uses.
    return render_to_string("onlineclasses/_home_card.html",
                            {"classes": classes, "reminders": unread_reminders(user)})
