"""Callbacks roster registers with the apps below it (see RosterConfig.ready)."""

from __future__ import annotations

from django.db.models import Sum

from ganxun.roster.models import LIVE_STATUSES, Enrollment, UnitQuota


def capacity_below_roster_reason(training_class, capacity: int) -> str | None:
    """classes.services.class_update asks before saving a new capacity (the class row is locked
    there, and every nomination locks it too, so the count cannot move meanwhile)."""
    live = Enrollment.objects.filter(training_class=training_class, status__in=LIVE_STATUSES).count()
    if capacity < live:
        return f"计划人数不能少于已报名的 {live} 人。"
    seats = UnitQuota.objects.filter(call__training_class=training_class).aggregate(total=Sum("seats"))["total"] or 0
    if capacity < seats:
        return f"计划人数不能少于已分配的调训名额 {seats} 个，请先调整名额。"
    return None
