"""{% themed_classes_card %}: the learner home's card of current themed classes, their
deadlines and unread reminders (portal/learn_home.html includes it; the portal view needs no
change, and the card costs one query per open class plus one for the reminders)."""

from __future__ import annotations

from django import template

from ganxun.onlineclasses.selectors import themed_classes_of_learner, unread_reminders

register = template.Library()


@register.inclusion_tag("onlineclasses/_home_card.html", takes_context=True)
def themed_classes_card(context) -> dict:
    user = context["request"].user
    return {"classes": themed_classes_of_learner(user, current_only=True), "reminders": unread_reminders(user)}
