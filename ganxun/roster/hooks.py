"""Callbacks roster registers with the apps below it (see RosterConfig.ready)."""

from __future__ import annotations

from django.db.models import Sum

from ganxun.roster.models import LIVE_STATUSES, CallStatus, Enrollment, TrainingCall, UnitQuota


def capacity_below_roster(training_class, data: dict) -> tuple[str, str] | None:
    """classes.services.class_update asks before saving a new capacity (the class row is locked
    there, and every nomination locks it too, so the count cannot move meanwhile)."""
    capacity = data["capacity"]
    live = Enrollment.objects.filter(training_class=training_class, status__in=LIVE_STATUSES).count()
    if capacity < live:
        return "capacity", f"计划人数不能少于已报名的 {live} 人。"
    seats = UnitQuota.objects.filter(call__training_class=training_class).aggregate(total=Sum("seats"))["total"] or 0
    if capacity < seats:
        return "capacity", f"计划人数不能少于已分配的调训名额 {seats} 个，请先调整名额。"
    return None


def dates_overlap_roster(training_class, data: dict) -> tuple[str, str] | None:
    """New dates must not make a cadre on the roster attend another class at the same time (the
    rule a nomination is checked by, services._check_seat)."""
    start, end = data["start_date"], data["end_date"]
    if (start, end) == (training_class.start_date, training_class.end_date):
        return None
    roster = Enrollment.objects.filter(training_class=training_class, status__in=LIVE_STATUSES).values("cadre")
    clash = (Enrollment.objects.filter(cadre__in=roster, status__in=LIVE_STATUSES)
             .exclude(training_class=training_class)
             .filter(training_class__start_date__lte=end, training_class__end_date__gte=start)
             .select_related("cadre__person", "training_class").order_by("training_class__start_date", "pk").first())
    if clash is None:
        return None
    other = clash.training_class
    return "start_date", (f"学员“{clash.cadre.person.name}”已报名“{other.title}”（{other.start_date:%Y-%m-%d} 至 "
                          f"{other.end_date:%Y-%m-%d}），与新的日期重叠，请先调整名单或日期。")


def draft_after_issued_call(training_class, to: str) -> str | None:
    """An issued call has told the units to send cadres: the institution cannot quietly turn the
    class back into a draft under it (the notice is the org department's)."""
    if to != "draft":
        return None
    call = TrainingCall.objects.filter(training_class=training_class, status=CallStatus.ISSUED).first()
    if call is None:
        return None
    return (f"调训通知{f'（{call.document_no}）' if call.document_no else ''}已由组织部门下发，"
            "不能撤回为草稿；如需停办请联系组织部门。")
