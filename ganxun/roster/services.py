"""Writes of calls to training (调训), unit quotas and the roster (名单).

Who may do what:

* the org department (`roster.call`, `roster.review`) calls for and reviews a class when the
  class's organiser region *or* its institution lies in its subtree (`may_call_for`);
  quotas go to units inside its subtree, named cadres come from its subtree;
* a liaison (`roster.nominate`) uses the quotas of units inside its subtree and nominates
  cadres of the quota unit's subtree only; any other cadre id is "not found", exactly like
  a missing one.

Every nomination, substitution and approval locks the class row first (then the quota and
the cadre), so two concurrent requests are decided one after the other: they cannot both
take the last seat of a quota or of the class, nor enrol one cadre into two overlapping
classes. Retried writes are idempotent (a double-submitted nomination returns the existing
enrollment; approving, rejecting, withdrawing or substituting twice changes nothing twice).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from ganxun.access import scope
from ganxun.audit.services import audit_record
from ganxun.classes.models import ClassStatus, TrainingClass
from ganxun.core.errors import DomainError, NotFound
from ganxun.org.models import Category, Organisation
from ganxun.people.choices import Rank
from ganxun.people.models import Cadre
from ganxun.planning.models import PlanItem
from ganxun.roster.models import (
    LIVE_STATUSES,
    CallMode,
    CallStatus,
    Enrollment,
    EnrollmentStatus,
    NamedCadre,
    QuotaChange,
    TrainingCall,
    UnitQuota,
)
from ganxun.roster.warnings import Subject, warnings_for

# A call may be made for a class that has not started; nominations are taken while the
# notice is out or enrolment is open; the org department decides until the class ends.
CALLABLE_CLASS_STATUSES = (ClassStatus.DRAFT, ClassStatus.NOTICE_ISSUED, ClassStatus.ENROLLING)
NOMINATION_CLASS_STATUSES = (ClassStatus.NOTICE_ISSUED, ClassStatus.ENROLLING)
REVIEW_CLASS_STATUSES = (ClassStatus.NOTICE_ISSUED, ClassStatus.ENROLLING, ClassStatus.RUNNING)

CALL_FIELDS = ("mode", "document_no", "nomination_deadline", "contact", "requirements", "repeat_years",
               "professional_classes", "untrained_years", "target_ranks", "target_categories")
THRESHOLDS = {"repeat_years": (1, 20, "重复培训判定年限应为 1 至 20 年。"),
              "professional_classes": (0, 50, "培训专业户判定班次数应为 0 至 50 个。"),
              "untrained_years": (1, 20, "长期未参训判定年限应为 1 至 20 年。")}


# --- rights --------------------------------------------------------------------------------

def may_call_for(actor, training_class: TrainingClass, permission: str = "roster.call") -> bool:
    """The actor's role carries `permission` and the class's organiser region or its
    institution lies in the actor's subtree."""
    if not scope.can(actor, permission):
        return False
    organiser = training_class.organiser
    return scope.path_within(actor, training_class.institution.path) or (
        organiser is not None and scope.path_within(actor, organiser.path))


def _require_caller(actor, training_class: TrainingClass, permission: str) -> None:
    scope.require(actor, permission)
    if not may_call_for(actor, training_class, permission):
        raise NotFound("该班次不在您的管理范围内。")


def _lock_class(training_class: TrainingClass) -> TrainingClass:
    return TrainingClass.objects.select_for_update(of=("self",)).select_related("institution", "organiser").get(
        pk=training_class.pk)


def _lock_call(call: TrainingCall) -> tuple[TrainingCall, TrainingClass]:
    """Lock the class row first (the order every roster write takes), then the call."""
    training_class = _lock_class(call.training_class)
    call = TrainingCall.objects.select_for_update(of=("self",)).get(pk=call.pk)
    call.training_class = training_class
    return call, training_class


def _name(cadre: Cadre) -> str:
    return cadre.person.name


def _enrollment_repr(enrollment: Enrollment) -> str:
    return f"{enrollment.training_class.title}：{_name(enrollment.cadre)}"


# --- the call ------------------------------------------------------------------------------

def plan_targets(training_class: TrainingClass) -> tuple[list[str], list[str]]:
    if not training_class.plan_item_id:
        return [], []
    row = PlanItem.objects.filter(pk=training_class.plan_item_id).values_list(
        "target_ranks", "target_categories").first()
    return (list(row[0] or []), list(row[1] or [])) if row else ([], [])


def _choices(values, allowed, field: str, what: str) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    cleaned = []
    for value in values:
        if value not in allowed:
            raise DomainError(f"未知的{what}“{value}”。", field=field)
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


def _clean_call(training_class: TrainingClass, data: dict) -> dict:
    """Validate the fields present in `data`; returns them cleaned."""
    cleaned = {}
    if "mode" in data:
        if data["mode"] not in CallMode.values:
            raise DomainError("请选择调训方式。", field="mode")
        cleaned["mode"] = data["mode"]
    for name, limit, label in (("document_no", 60, "文号"), ("contact", 100, "联系人及电话")):
        if name in data:
            value = (data[name] or "").strip()
            if len(value) > limit:
                raise DomainError(f"{label}不能超过 {limit} 个字符。", field=name)
            cleaned[name] = value
    if "requirements" in data:
        cleaned["requirements"] = (data["requirements"] or "").strip()
    if "nomination_deadline" in data:
        deadline = data["nomination_deadline"]
        if deadline is not None and deadline >= training_class.start_date:
            raise DomainError(f"报名截止日期应早于开班日期（{training_class.start_date:%Y-%m-%d}）。",
                              field="nomination_deadline")
        cleaned["nomination_deadline"] = deadline
    for name, (low, high, message) in THRESHOLDS.items():
        if name in data:
            value = data[name]
            if value is None or not low <= int(value) <= high:
                raise DomainError(message, field=name)
            cleaned[name] = int(value)
    if "target_ranks" in data:
        cleaned["target_ranks"] = _choices(data["target_ranks"], Rank.values, "target_ranks", "职级")
    if "target_categories" in data:
        cleaned["target_categories"] = _choices(data["target_categories"], Category.values, "target_categories",
                                                "干部类别")
    return cleaned


@transaction.atomic
def call_create(*, actor, training_class: TrainingClass, data: dict, request=None) -> TrainingCall:
    """The call of a class (a draft). Target ranks and categories not given are taken from the
    class's plan item (年度计划) when the class came from the plan."""
    _require_caller(actor, training_class, "roster.call")
    training_class = _lock_class(training_class)
    if TrainingCall.objects.filter(training_class=training_class).exists():
        raise DomainError("该班次已有调训，请在原调训上修改。", code="duplicate")
    if training_class.status not in CALLABLE_CLASS_STATUSES:
        raise DomainError(f"班次当前为“{training_class.get_status_display()}”，不能再发调训。")
    cleaned = _clean_call(training_class, data)
    ranks, categories = plan_targets(training_class)
    cleaned.setdefault("target_ranks", ranks)
    cleaned.setdefault("target_categories", categories)
    call = TrainingCall(training_class=training_class, created_by=actor, status=CallStatus.DRAFT, **cleaned)
    call.save()
    audit_record(action="roster.call.create", actor=actor, request=request, target=call,
                 detail={"class": training_class.pk, "mode": call.mode})
    return call


@transaction.atomic
def call_update(*, actor, call: TrainingCall, data: dict, request=None) -> TrainingCall:
    """Change the fields given in `data` (a draft only; after the issue only quotas change)."""
    _require_caller(actor, call.training_class, "roster.call")
    call, training_class = _lock_call(call)
    if call.is_issued:
        raise DomainError("调训通知已下发，不能再修改；名额可在“单位名额”中调整。", code="issued")
    cleaned = _clean_call(training_class, data)
    if cleaned.get("mode", call.mode) != call.mode:
        other = call.quotas.exists() if call.mode == CallMode.QUOTA else call.named.exists()
        if other:
            raise DomainError("请先清空已分配的名额或实名名单，再切换调训方式。", field="mode")
    changed = {name: value for name, value in cleaned.items() if getattr(call, name) != value}
    for name, value in changed.items():
        setattr(call, name, value)
    if changed:
        call.save()
        audit_record(action="roster.call.update", actor=actor, request=request, target=call,
                     detail={"changed": sorted(changed)})
    return call


def _issuer(actor) -> Organisation | None:
    """The org department of the actor's region (the notice's 发文单位), else the region."""
    role = scope.active_role(actor)
    if role is None:
        return None
    region = role.scope
    dept = Organisation.objects.filter(parent=region, kind=Organisation.Kind.ORG_DEPT, is_active=True).order_by(
        "sort_order", "id").first()
    return dept or region


@transaction.atomic
def call_issue(*, actor, call: TrainingCall, request=None) -> TrainingCall:
    """Issue the notice: the call becomes issued, the class moves from draft to 已发调训通知
    (a direct, audited status change: the org department needs no institution rights for it),
    and in a named call every named cadre becomes an approved enrollment (hard rules apply).
    Issuing an issued call again changes nothing."""
    _require_caller(actor, call.training_class, "roster.call")
    call, training_class = _lock_call(call)
    if call.is_issued:
        return call
    if training_class.status not in CALLABLE_CLASS_STATUSES:
        raise DomainError(f"班次当前为“{training_class.get_status_display()}”，不能下发调训通知。")
    if not call.document_no:
        raise DomainError("请先填写文号。", field="document_no")
    if not call.contact:
        raise DomainError("请先填写联系人及电话。", field="contact")
    today = timezone.localdate()
    if call.mode == CallMode.QUOTA:
        if call.nomination_deadline is None:
            raise DomainError("请先填写报名截止日期。", field="nomination_deadline")
        if not call.quotas.filter(seats__gt=0).exists():
            raise DomainError("请先给至少一个单位分配名额。", field="quotas")
    elif not call.named.exists():
        raise DomainError("请先添加实名调训的人员。", field="named")
    if call.nomination_deadline is not None and call.nomination_deadline < today:
        raise DomainError("报名截止日期已过，请先修改。", field="nomination_deadline")
    if call.nomination_deadline is not None and call.nomination_deadline >= training_class.start_date:
        raise DomainError(f"报名截止日期应早于开班日期（{training_class.start_date:%Y-%m-%d}）。",
                          field="nomination_deadline")

    call.status, call.issued_by, call.issued_at = CallStatus.ISSUED, actor, timezone.now()
    call.issuer = _issuer(actor)
    call.save()
    if training_class.status == ClassStatus.DRAFT:
        training_class.status = ClassStatus.NOTICE_ISSUED
        training_class.save(update_fields=["status", "updated_at"])
        audit_record(action="class.transition", actor=actor, request=request, target=training_class,
                     detail={"from": ClassStatus.DRAFT, "to": ClassStatus.NOTICE_ISSUED, "by": "roster.call.issue"})
    enrolled = []
    if call.mode == CallMode.NAMED:
        for named in call.named.select_related("cadre__person").order_by("id"):
            enrolled.append(_enrol_named(actor, call, training_class, named.cadre).pk)
    audit_record(action="roster.call.issue", actor=actor, request=request, target=call,
                 detail={"document_no": call.document_no, "mode": call.mode, "enrollments": enrolled})
    return call


# --- quotas --------------------------------------------------------------------------------

def _used(quota: UnitQuota) -> int:
    return quota.enrollments.filter(status__in=LIVE_STATUSES).count()


@transaction.atomic
def quota_set(*, actor, call: TrainingCall, unit: Organisation, seats: int, note: str = "", reason: str = "",
              request=None) -> UnitQuota | None:
    """Give `unit` `seats` places (按名额调训). In a draft, 0 removes the unit's quota; after the
    issue every change is recorded (QuotaChange) with its reason and may not go below the seats
    the unit already uses (0 withdraws an unused quota). The total stays within the class's
    capacity. Setting the same values again changes nothing."""
    _require_caller(actor, call.training_class, "roster.call")
    call, training_class = _lock_call(call)
    if call.mode != CallMode.QUOTA:
        raise DomainError("实名调训不分配名额。", field="mode")
    if unit is None or unit.kind != Organisation.Kind.UNIT:
        raise DomainError("请选择一个参训单位。", field="unit")
    scope.require_within(actor, unit, message="该单位不在您的管理范围内。")
    try:
        seats = int(seats)
    except (TypeError, ValueError):
        raise DomainError("名额应为整数。", field="seats") from None
    if seats < 0:
        raise DomainError("名额不能为负数。", field="seats")
    note = (note or "").strip()
    if len(note) > 200:
        raise DomainError("说明不能超过 200 个字符。", field="note")
    reason = (reason or "").strip()
    quota = UnitQuota.objects.select_for_update(of=("self",)).filter(call=call, unit=unit).first()
    if quota is None and seats == 0:
        raise DomainError("名额至少为 1 个。", field="seats")
    if quota is None and not unit.is_active:
        raise DomainError(f"“{unit.name}”已停用。", field="unit")
    before_seats, before_note = (quota.seats, quota.note) if quota else (0, "")
    if (before_seats, before_note) == (seats, note):
        return quota
    others = (UnitQuota.objects.filter(call=call).exclude(unit=unit).aggregate(total=Sum("seats"))["total"] or 0)
    if others + seats > training_class.capacity:
        raise DomainError(f"名额合计 {others + seats} 个，超过班次计划人数 {training_class.capacity} 人。",
                          field="seats")
    if call.is_issued:
        if not reason:
            raise DomainError("调整已下发的名额须填写调整理由。", field="reason")
        if len(reason) > 300:
            raise DomainError("调整理由不能超过 300 个字符。", field="reason")
        used = _used(quota) if quota else 0
        if seats < used:
            raise DomainError(f"{unit.name}已报名 {used} 人，名额不能少于 {used} 个。", field="seats")
        if quota is None:
            quota = UnitQuota.objects.create(call=call, unit=unit, seats=seats, note=note)
        else:
            quota.seats, quota.note = seats, note
            quota.save(update_fields=["seats", "note"])
        QuotaChange.objects.create(call=call, unit=unit, seats_before=before_seats, seats_after=seats,
                                   note_before=before_note, note_after=note, reason=reason, changed_by=actor)
        audit_record(action="roster.quota.adjust", actor=actor, request=request, target=quota,
                     detail={"call": call.pk, "unit": unit.pk, "before": before_seats, "after": seats,
                             "reason": reason})
        return quota
    if seats == 0:
        audit_record(action="roster.quota.set", actor=actor, request=request, target=quota,
                     detail={"call": call.pk, "unit": unit.pk, "before": before_seats, "after": 0})
        quota.delete()
        return None
    if quota is None:
        quota = UnitQuota.objects.create(call=call, unit=unit, seats=seats, note=note)
    else:
        quota.seats, quota.note = seats, note
        quota.save(update_fields=["seats", "note"])
    audit_record(action="roster.quota.set", actor=actor, request=request, target=quota,
                 detail={"call": call.pk, "unit": unit.pk, "before": before_seats, "after": seats})
    return quota


# --- named cadres (实名调训) ----------------------------------------------------------------

@transaction.atomic
def call_name_cadre(*, actor, call: TrainingCall, cadre: Cadre, request=None) -> NamedCadre:
    """Name a cadre of the actor's subtree. In a draft the cadre joins the notice's list; after
    the issue they are enrolled (approved) at once, under every hard rule. Naming a cadre
    twice changes nothing."""
    _require_caller(actor, call.training_class, "roster.call")
    call, training_class = _lock_call(call)
    if call.mode != CallMode.NAMED:
        raise DomainError("按名额调训由单位报名，不能直接点名。", field="mode")
    cadre = Cadre.objects.select_related("person", "unit").get(pk=cadre.pk)
    scope.require_within(actor, cadre.unit, message="未找到该干部。")
    named = NamedCadre.objects.filter(call=call, cadre=cadre).first()
    if named is not None:
        return named
    if not cadre.is_active:
        raise DomainError(f"“{_name(cadre)}”已不在职，不能参训。", field="cadre", code="not_serving")
    named = NamedCadre.objects.create(call=call, cadre=cadre, unit=cadre.unit, created_by=actor)
    detail = {"call": call.pk, "cadre": cadre.pk}
    if call.is_issued:
        if training_class.status not in REVIEW_CLASS_STATUSES:
            raise DomainError(f"班次当前为“{training_class.get_status_display()}”，不能再增加学员。")
        detail["enrollment"] = _enrol_named(actor, call, training_class, cadre).pk
    audit_record(action="roster.named.add", actor=actor, request=request, target=named,
                 target_repr=f"{training_class.title}：{_name(cadre)}", detail=detail)
    return named


@transaction.atomic
def call_unname_cadre(*, actor, call: TrainingCall, cadre: Cadre, request=None) -> None:
    """Take a cadre off a draft's named list (after the issue, the roster review substitutes)."""
    _require_caller(actor, call.training_class, "roster.call")
    call, training_class = _lock_call(call)
    if call.is_issued:
        raise DomainError("调训通知已下发，实名名单的变动请在名单审核中调换。", code="issued")
    named = NamedCadre.objects.filter(call=call, cadre=cadre).select_related("cadre__person").first()
    if named is None:
        return
    audit_record(action="roster.named.remove", actor=actor, request=request, target=named,
                 target_repr=f"{training_class.title}：{_name(named.cadre)}", detail={"call": call.pk,
                                                                                   "cadre": cadre.pk})
    named.delete()


def _enrol_named(actor, call: TrainingCall, training_class: TrainingClass, cadre: Cadre) -> Enrollment:
    cadre = Cadre.objects.select_for_update(of=("self",)).select_related("person", "unit").get(pk=cadre.pk)
    existing = _live_on_class(training_class, cadre)
    if existing is not None:
        return existing
    _check_seat(training_class, cadre, quota=None)
    now = timezone.now()
    return Enrollment.objects.create(
        training_class=training_class, cadre=cadre, unit=cadre.unit, quota=None, status=EnrollmentStatus.APPROVED,
        warnings=_warnings(call, training_class, cadre), nominated_by=actor, decided_by=actor, decided_at=now,
        decision_note="实名调训", seat_no=_next_seat(training_class),
    )


# --- hard rules ----------------------------------------------------------------------------

def _live_on_class(training_class: TrainingClass, cadre: Cadre) -> Enrollment | None:
    return Enrollment.objects.filter(training_class=training_class, cadre=cadre, status__in=LIVE_STATUSES).first()


def _check_seat(training_class: TrainingClass, cadre: Cadre, *, quota: UnitQuota | None) -> None:
    """The hard rules of a seat, checked with the class (and quota, cadre) rows locked."""
    if not cadre.is_active:
        raise DomainError(f"“{_name(cadre)}”已不在职，不能参训。", field="cadre", code="not_serving")
    other = (Enrollment.objects.filter(cadre=cadre, status__in=LIVE_STATUSES)
             .exclude(training_class=training_class)
             .filter(training_class__start_date__lte=training_class.end_date,
                     training_class__end_date__gte=training_class.start_date)
             .select_related("training_class").order_by("training_class__start_date").first())
    if other is not None:
        o = other.training_class
        raise DomainError(f"“{_name(cadre)}”已报名同期举办的“{o.title}”（{o.start_date:%Y-%m-%d} 至 "
                          f"{o.end_date:%Y-%m-%d}），不能同时参加。", field="cadre", code="overlap")
    if quota is not None:
        used = _used(quota)
        if used >= quota.seats:
            raise DomainError(f"{quota.unit.name}的名额已用完（共 {quota.seats} 个）。", code="over_quota")
    live = Enrollment.objects.filter(training_class=training_class, status__in=LIVE_STATUSES).count()
    if live >= training_class.capacity:
        raise DomainError(f"班次已满（计划 {training_class.capacity} 人，已报名 {live} 人）。", code="class_full")


def _next_seat(training_class: TrainingClass) -> int:
    """学号 in approval order: one more than the highest given in the class (numbers of
    substituted or dropped cadres are not reused). The caller holds the class lock."""
    top = Enrollment.objects.filter(training_class=training_class).aggregate(top=Max("seat_no"))["top"]
    return (top or 0) + 1


def _warnings(call: TrainingCall | None, training_class: TrainingClass, cadre: Cadre) -> list[dict]:
    return warnings_for([Subject(cadre.pk, cadre, training_class, call)])[cadre.pk]


def _nominable_cadre(actor, unit: Organisation, cadre_id, *, lock: bool) -> Cadre:
    """A cadre of `unit`'s subtree that the actor sees; anything else is NotFound, like a
    missing id (ids cannot be probed or borrowed from another unit)."""
    try:
        cadre_id = int(cadre_id)
    except (TypeError, ValueError):
        raise NotFound("未找到该干部。") from None
    qs = scope.scoped(actor, Cadre, permission="cadres.view").filter(unit__path__startswith=unit.path)
    if lock:
        qs = qs.select_for_update(of=("self",))
    cadre = qs.filter(pk=cadre_id).first()
    if cadre is None:
        raise NotFound("未找到该干部。")
    return Cadre.objects.select_related("person", "unit").get(pk=cadre.pk)


# --- nominations (liaisons) ----------------------------------------------------------------

@transaction.atomic
def enrollment_nominate(*, actor, quota: UnitQuota, cadre_id, request=None) -> tuple[Enrollment, bool]:
    """A liaison nominates a cadre of their unit into the unit's quota → (enrollment, created).

    Refused: the call not issued, the class not taking nominations (已发调训通知 / 报名中),
    the deadline passed, a cadre outside the quota unit's subtree or the liaison's scope
    (NotFound), a cadre not serving, overlapping classes, the quota used up, the class full.
    A cadre already live on this class through this quota is returned as is (created False).
    """
    scope.require(actor, "roster.nominate")
    scope.require_within(actor, quota.unit, message="未找到该名额。")
    training_class = _lock_class(quota.call.training_class)
    quota = UnitQuota.objects.select_for_update(of=("self",)).select_related("unit", "call").get(pk=quota.pk)
    call = quota.call
    if not call.is_issued:
        raise DomainError("调训通知尚未下发，不能报名。", code="not_issued")
    if training_class.status not in NOMINATION_CLASS_STATUSES:
        raise DomainError(f"班次当前为“{training_class.get_status_display()}”，不接受报名。", code="closed")
    if call.nomination_deadline is not None and timezone.localdate() > call.nomination_deadline:
        raise DomainError(f"报名已于 {call.nomination_deadline:%Y-%m-%d} 截止。", code="deadline_passed")
    cadre = _nominable_cadre(actor, quota.unit, cadre_id, lock=True)
    existing = _live_on_class(training_class, cadre)
    if existing is not None:
        if existing.quota_id == quota.pk:
            return existing, False
        raise DomainError(f"“{_name(cadre)}”已在本班名单中。", field="cadre", code="duplicate")
    _check_seat(training_class, cadre, quota=quota)
    enrollment = Enrollment.objects.create(
        training_class=training_class, cadre=cadre, unit=quota.unit, quota=quota,
        status=EnrollmentStatus.NOMINATED, warnings=_warnings(call, training_class, cadre), nominated_by=actor,
    )
    audit_record(action="roster.nominate", actor=actor, request=request, target=enrollment,
                 target_repr=_enrollment_repr(enrollment),
                 detail={"class": training_class.pk, "quota": quota.pk, "cadre": cadre.pk,
                         "warnings": [w["code"] for w in enrollment.warnings]})
    return enrollment, True


def _locked_enrollment(enrollment: Enrollment) -> tuple[Enrollment, TrainingClass]:
    training_class = _lock_class(enrollment.training_class)
    enrollment = (Enrollment.objects.select_for_update(of=("self",)).select_related("cadre__person", "unit", "quota", "replaced_by")
                  .get(pk=enrollment.pk))
    enrollment.training_class = training_class
    return enrollment, training_class


@transaction.atomic
def enrollment_withdraw(*, actor, enrollment: Enrollment, request=None) -> Enrollment:
    """The liaison takes back a nomination still waiting for review (withdrawing twice is a no-op)."""
    scope.require(actor, "roster.nominate")
    scope.require_within(actor, enrollment.unit, message="未找到该报名。")
    enrollment, training_class = _locked_enrollment(enrollment)
    if enrollment.status == EnrollmentStatus.WITHDRAWN:
        return enrollment
    if enrollment.status != EnrollmentStatus.NOMINATED:
        raise DomainError(f"该报名当前为“{enrollment.get_status_display()}”，只能撤回待审核的报名；"
                          "如需换人请联系组织部门调换。", code="not_pending")
    enrollment.status = EnrollmentStatus.WITHDRAWN
    enrollment.save(update_fields=["status", "updated_at"])
    audit_record(action="roster.withdraw", actor=actor, request=request, target=enrollment,
                 target_repr=_enrollment_repr(enrollment), detail={"class": training_class.pk})
    return enrollment


# --- review (org department) ---------------------------------------------------------------

def _require_review(actor, training_class: TrainingClass) -> None:
    _require_caller(actor, training_class, "roster.review")
    if training_class.status not in REVIEW_CLASS_STATUSES:
        raise DomainError(f"班次当前为“{training_class.get_status_display()}”，不能审核名单。", code="closed")


def _approve(actor, enrollment: Enrollment, training_class: TrainingClass, request) -> bool:
    """Approve one locked, pending enrollment; False when it was approved already."""
    if enrollment.status == EnrollmentStatus.APPROVED:
        return False
    if enrollment.status != EnrollmentStatus.NOMINATED:
        raise DomainError(f"该报名当前为“{enrollment.get_status_display()}”，不能确认。", code="not_pending")
    if not enrollment.cadre.is_active:
        raise DomainError(f"“{_name(enrollment.cadre)}”已不在职，不能确认。", code="not_serving")
    enrollment.status = EnrollmentStatus.APPROVED
    enrollment.decided_by, enrollment.decided_at = actor, timezone.now()
    enrollment.seat_no = _next_seat(training_class)
    enrollment.save(update_fields=["status", "decided_by", "decided_at", "seat_no", "updated_at"])
    audit_record(action="roster.approve", actor=actor, request=request, target=enrollment,
                 target_repr=_enrollment_repr(enrollment),
                 detail={"class": training_class.pk, "seat_no": enrollment.seat_no})
    return True


@transaction.atomic
def enrollment_approve(*, actor, enrollment: Enrollment, request=None) -> Enrollment:
    """Approve a nomination; the cadre gets the next seat number (学号) of the class."""
    _require_caller(actor, enrollment.training_class, "roster.review")
    enrollment, training_class = _locked_enrollment(enrollment)
    _require_review(actor, training_class)
    _approve(actor, enrollment, training_class, request)
    return enrollment


@transaction.atomic
def enrollment_approve_many(*, actor, training_class: TrainingClass, ids, request=None
                            ) -> tuple[list[Enrollment], list[Enrollment]]:
    """Approve the selected pending nominations of one class, in nomination order →
    (approved now, left as they were: already approved or in another status)."""
    _require_caller(actor, training_class, "roster.review")
    training_class = _lock_class(training_class)
    _require_review(actor, training_class)
    wanted = {int(i) for i in ids if str(i).isdigit()}
    rows = list(Enrollment.objects.select_for_update(of=("self",)).select_related("cadre__person", "unit")
                .filter(training_class=training_class, pk__in=wanted).order_by("nominated_at", "id"))
    if len(rows) != len(wanted):
        raise NotFound("未找到所选的部分报名。")
    approved, skipped = [], []
    for enrollment in rows:
        enrollment.training_class = training_class
        if enrollment.status == EnrollmentStatus.NOMINATED and enrollment.cadre.is_active:
            _approve(actor, enrollment, training_class, request)
            approved.append(enrollment)
        else:
            skipped.append(enrollment)
    return approved, skipped


def _decision_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    if len(value) > 300:
        raise DomainError("不能超过 300 个字符。", field=field)
    return value


@transaction.atomic
def enrollment_reject(*, actor, enrollment: Enrollment, note: str, request=None) -> Enrollment:
    """Reject a pending nomination; the note (审核意见) is required. Its seat is freed."""
    _require_caller(actor, enrollment.training_class, "roster.review")
    note = _decision_text(note, "note", "请填写不通过的理由。")
    enrollment, training_class = _locked_enrollment(enrollment)
    _require_review(actor, training_class)
    if enrollment.status == EnrollmentStatus.REJECTED:
        return enrollment
    if enrollment.status != EnrollmentStatus.NOMINATED:
        raise DomainError(f"该报名当前为“{enrollment.get_status_display()}”，不能退回；"
                          "已确认的学员可调换。", code="not_pending")
    enrollment.status = EnrollmentStatus.REJECTED
    enrollment.decided_by, enrollment.decided_at, enrollment.decision_note = actor, timezone.now(), note
    enrollment.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    audit_record(action="roster.reject", actor=actor, request=request, target=enrollment,
                 target_repr=_enrollment_repr(enrollment), detail={"class": training_class.pk, "note": note})
    return enrollment


@transaction.atomic
def enrollment_substitute(*, actor, enrollment: Enrollment, cadre_id, reason: str, request=None) -> Enrollment:
    """Replace a nominated or approved cadre by another cadre of the same unit → the new,
    approved enrollment. The old one becomes 已调换 with `replaced_by`; its seat is freed
    before the new cadre is checked against every hard rule. The reason is required.
    Repeating the same substitution returns the enrollment made the first time."""
    _require_caller(actor, enrollment.training_class, "roster.review")
    reason = _decision_text(reason, "reason", "请填写调换理由。")
    enrollment, training_class = _locked_enrollment(enrollment)
    _require_review(actor, training_class)
    cadre = _nominable_cadre(actor, enrollment.unit, cadre_id, lock=True)
    if enrollment.status == EnrollmentStatus.SUBSTITUTED:
        if enrollment.replaced_by is not None and enrollment.replaced_by.cadre_id == cadre.pk:
            return enrollment.replaced_by
        raise DomainError("该学员已被调换。", code="not_live")
    if not enrollment.is_live:
        raise DomainError(f"该报名当前为“{enrollment.get_status_display()}”，不能调换。", code="not_live")
    if cadre.pk == enrollment.cadre_id:
        raise DomainError("请选择另一名干部。", field="cadre")
    if _live_on_class(training_class, cadre) is not None:
        raise DomainError(f"“{_name(cadre)}”已在本班名单中。", field="cadre", code="duplicate")
    quota = UnitQuota.objects.select_for_update(of=("self",)).select_related("unit").get(pk=enrollment.quota_id) \
        if enrollment.quota_id else None
    old_status = enrollment.status
    enrollment.status = EnrollmentStatus.SUBSTITUTED  # frees the seat before the new cadre is checked
    enrollment.save(update_fields=["status"])
    _check_seat(training_class, cadre, quota=quota)
    now = timezone.now()
    call = TrainingCall.objects.filter(training_class=training_class).first()
    replacement = Enrollment.objects.create(
        training_class=training_class, cadre=cadre, unit=enrollment.unit, quota=quota,
        status=EnrollmentStatus.APPROVED, warnings=_warnings(call, training_class, cadre), nominated_by=actor,
        decided_by=actor, decided_at=now, decision_note=f"调换：{reason}"[:300], seat_no=_next_seat(training_class),
    )
    enrollment.replaced_by = replacement
    enrollment.decided_by, enrollment.decided_at, enrollment.decision_note = actor, now, reason
    enrollment.save(update_fields=["replaced_by", "decided_by", "decided_at", "decision_note", "updated_at"])
    audit_record(action="roster.substitute", actor=actor, request=request, target=enrollment,
                 target_repr=_enrollment_repr(enrollment),
                 detail={"class": training_class.pk, "from_status": old_status, "old_cadre": enrollment.cadre_id,
                         "new_cadre": cadre.pk, "new_enrollment": replacement.pk, "reason": reason})
    return replacement


def deadline_passed(call: TrainingCall, today: dt.date | None = None) -> bool:
    return call.nomination_deadline is not None and (today or timezone.localdate()) > call.nomination_deadline
