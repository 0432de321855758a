"""The assessment section of the learner's class page (roster.panels)."""

from __future__ import annotations

from django.template.loader import render_to_string

from ganxun.assessment.selectors import ASSESSED_STATUSES, learner_state, text_length


def render_learner_panel(request, enrollment) -> str:
    """The reflection (write / edit until graded; the grade and comment once graded), the exam
    score once entered, and after closing the result with the certificate download."""
    if enrollment.status not in ASSESSED_STATUSES:
        return ""
    state = learner_state(enrollment)
    if state["reflection"] is not None:
        state["reflection_length"] = text_length(state["reflection"].text)
    return render_to_string("assessment/learn/_panel.html", state, request=request)
