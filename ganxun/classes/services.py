"""Writes of classes, rooms and timetables.

Every function re-checks the actor's rights (permission + the institution lies in the
actor's scope), raises DomainError with a Chinese message naming the field, and writes
the audit trail inside its transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ganxun.access import scope
from ganxun.access.models import RoleAssignment
from ganxun.access.roles import Role
from ganxun.audit.services import audit_record
from ganxun.classes.models import SLOT_TIMES, ClassStatus, Room, Session, SessionKind, TrainingClass
from ganxun.core.errors import Conflict, DomainError, NotFound
from ganxun.org.models import Organisation
from ganxun.people.models import Teacher

# The lifecycle moves one step forward; a notice may be withdrawn back to draft. Running →
# closed is not a generic step: closing (结班) assesses the cadres and posts their credit
# hours, so it goes only through assessment.services.class_close.
TRANSITIONS: dict[str, frozenset[str]] = {
    ClassStatus.DRAFT: frozenset({ClassStatus.NOTICE_ISSUED}),
    ClassStatus.NOTICE_ISSUED: frozenset({ClassStatus.ENROLLING, ClassStatus.DRAFT}),
    ClassStatus.ENROLLING: frozenset({ClassStatus.RUNNING}),
    ClassStatus.RUNNING: frozenset(),
    ClassStatus.CLOSED: frozenset({ClassStatus.ARCHIVED}),
    ClassStatus.ARCHIVED: frozenset(),
}

CLASS_FIELDS = ("title", "training_type", "start_date", "end_date", "place", "mode", "capacity",
                "hours_per_half_day", "plan_item_id")

# Higher apps (roster) refuse an edit of a class that their data no longer fits — a capacity
# below the roster, dates that make an enrolled cadre attend two classes at once:
# fn(training_class, data) -> (field, reason) or None; `data` holds the new values.
_update_guards: list[Callable[[TrainingClass, dict], tuple[str, str] | None]] = []


def register_update_guard(guard: Callable[[TrainingClass, dict], tuple[str, str] | None]) -> None:
    if guard not in _update_guards:
        _update_guards.append(guard)


# ... and a status change that would contradict their data (a notice already issued by the org
# department cannot be withdrawn into a draft by the institution): fn(class, to) -> reason or None.
_transition_guards: list[Callable[[TrainingClass, str], str | None]] = []


def register_transition_guard(guard: Callable[[TrainingClass, str], str | None]) -> None:
    if guard not in _transition_guards:
        _transition_guards.append(guard)


def _transition_refusal(training_class: TrainingClass, to: str) -> str | None:
    return next((reason for guard in _transition_guards if (reason := guard(training_class, to))), None)


# --- rooms ---------------------------------------------------------------------------------

def _check_institution(institution: Organisation | None) -> None:
    if institution is None or institution.kind != Organisation.Kind.INSTITUTION:
        raise DomainError("请选择一个培训机构。", field="institution")


def _room_name(institution: Organisation, name: str, room: Room | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写教室名称。", field="name")
    clash = Room.objects.filter(institution=institution, name=name)
    if room is not None:
        clash = clash.exclude(pk=room.pk)
    if clash.exists():
        raise DomainError(f"本机构已有名为“{name}”的教室。", field="name")
    return name


@transaction.atomic
def room_create(*, actor, institution: Organisation, name: str, capacity: int = 0, request=None) -> Room:
    scope.require(actor, "rooms.manage")
    _check_institution(institution)
    scope.require_within(actor, institution)
    room = Room.objects.create(institution=institution, name=_room_name(institution, name),
                               capacity=max(int(capacity or 0), 0))
    audit_record(action="room.create", actor=actor, request=request, target=room)
    return room


@transaction.atomic
def room_update(*, actor, room: Room, name: str, capacity: int = 0, request=None) -> Room:
    scope.require(actor, "rooms.manage")
    scope.require_within(actor, room.institution)
    room.name = _room_name(room.institution, name, room)
    room.capacity = max(int(capacity or 0), 0)
    room.save(update_fields=["name", "capacity", "updated_at"])
    audit_record(action="room.update", actor=actor, request=request, target=room)
    return room


@transaction.atomic
def room_set_active(*, actor, room: Room, active: bool, request=None) -> Room:
    """Deactivate (or re-activate) a room; booked sessions keep it, new ones cannot pick it."""
    scope.require(actor, "rooms.manage")
    scope.require_within(actor, room.institution)
    room.is_active = active
    room.save(update_fields=["is_active", "updated_at"])
    audit_record(action="room.activate" if active else "room.deactivate", actor=actor, request=request, target=room)
    return room


# --- classes -------------------------------------------------------------------------------

def _validate_class(actor, data: dict, institution, organiser, head_teacher) -> None:
    _check_institution(institution)
    scope.require_within(actor, institution, message="该培训机构不在您的管理范围内。")
    if not (data.get("title") or "").strip():
        raise DomainError("请填写班次名称。", field="title")
    start, end = data.get("start_date"), data.get("end_date")
    if start is None or end is None:
        raise DomainError("请填写开班和结业日期。", field="start_date" if start is None else "end_date")
    if end < start:
        raise DomainError("结业日期不能早于开班日期。", field="end_date")
    if data.get("capacity") is None or data["capacity"] < 1:
        raise DomainError("计划人数至少为 1 人。", field="capacity")
    hours = data.get("hours_per_half_day")
    if hours is None or not (Decimal("0") < Decimal(hours) <= Decimal("8")):
        raise DomainError("每半天学时应大于 0 且不超过 8。", field="hours_per_half_day")
    if organiser is not None:
        # The region that runs the class: one in the actor's own subtree, or a region the
        # institution lies in (a city party school serves its city's org department).
        if organiser.kind != Organisation.Kind.REGION or not (
            scope.path_within(actor, organiser.path) or institution.path.startswith(organiser.path)
        ):
            raise DomainError("主办区域应为您管理范围内或该培训机构所在的行政区域。", field="organiser")
    if head_teacher is not None and not RoleAssignment.objects.current().filter(
        account=head_teacher, role=Role.HEAD_TEACHER, scope=institution,
    ).exists():
        raise DomainError(f"“{head_teacher.full_name}”不是{institution.name}的班主任，不能担任本班班主任。",
                          field="head_teacher")


@transaction.atomic
def class_create(*, actor, data: dict, institution: Organisation, organiser: Organisation | None = None,
                 head_teacher=None, topics=(), request=None) -> TrainingClass:
    scope.require(actor, "classes.manage")
    _validate_class(actor, data, institution, organiser, head_teacher)
    training_class = TrainingClass(institution=institution, organiser=organiser, head_teacher=head_teacher,
                                   created_by=actor, status=ClassStatus.DRAFT)
    for name in CLASS_FIELDS:
        if name in data:
            setattr(training_class, name, data[name])
    training_class.title = training_class.title.strip()
    training_class.save()
    training_class.topics.set(topics)
    audit_record(action="class.create", actor=actor, request=request, target=training_class)
    return training_class


@transaction.atomic
def class_update(*, actor, training_class: TrainingClass, data: dict, organiser: Organisation | None = None,
                 head_teacher=None, topics=(), request=None) -> TrainingClass:
    """Edit a class (the institution stays: its timetable, rooms and teachers belong to it)."""
    scope.require(actor, "classes.manage")
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    if training_class.is_locked:
        raise DomainError("班次已结业或归档，不能再修改。")
    _validate_class(actor, data, training_class.institution, organiser, head_teacher)
    for guard in _update_guards:
        if refusal := guard(training_class, data):
            field, reason = refusal
            raise DomainError(reason, field=field)
    outside = training_class.sessions.exclude(date__range=(data["start_date"], data["end_date"]))
    if (first := outside.first()) is not None:
        raise DomainError(f"已有课程安排在新的日期范围之外（{first.date:%Y-%m-%d}“{first.title}”），"
                          "请先调整课程安排。", field="start_date")
    for name in CLASS_FIELDS:
        if name in data:
            setattr(training_class, name, data[name])
    training_class.title = training_class.title.strip()
    training_class.organiser, training_class.head_teacher = organiser, head_teacher
    training_class.save()
    training_class.topics.set(topics)
    audit_record(action="class.update", actor=actor, request=request, target=training_class)
    return training_class


def class_allowed_transitions(training_class: TrainingClass) -> list[str]:
    allowed = [to for to in TRANSITIONS.get(training_class.status, ()) if _transition_refusal(training_class, to) is None]
    return sorted(allowed, key=list(ClassStatus.values).index)


@transaction.atomic
def class_transition(*, actor, training_class: TrainingClass, to: str, request=None) -> TrainingClass:
    scope.require(actor, "classes.manage")
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    scope.require_within(actor, training_class.institution, message="该班次不在您的管理范围内。")
    if to not in ClassStatus.values:
        raise DomainError("未知的班次状态。", field="status")
    if to not in TRANSITIONS[training_class.status]:
        raise DomainError(f"班次当前为“{training_class.get_status_display()}”，"
                          f"不能直接变为“{ClassStatus(to).label}”。", code="illegal_transition", field="status")
    if reason := _transition_refusal(training_class, to):
        raise DomainError(reason, code="illegal_transition", field="status")
    before = training_class.status
    training_class.status = to
    training_class.save(update_fields=["status", "updated_at"])
    audit_record(action="class.transition", actor=actor, request=request, target=training_class,
                 detail={"from": before, "to": to})
    return training_class


# Classes whose start date has come may be started (开班) from these statuses.
STARTABLE = (ClassStatus.NOTICE_ISSUED, ClassStatus.ENROLLING)


def class_may_start(actor, training_class: TrainingClass, *, today: dt.date | None = None) -> bool:
    """The start button is offered: the actor runs the class, it is waiting to start, its day has come."""
    return (training_class.status in STARTABLE and training_class.start_date <= (today or timezone.localdate())
            and _runs_class(actor, training_class))


def _runs_class(actor, training_class: TrainingClass) -> bool:
    """The class's own head teacher, or an admin of its institution (classes.run)."""
    role = scope.active_role(actor)
    if role is None or not scope.can(actor, "classes.run"):
        return False
    if role.role == Role.HEAD_TEACHER:
        return training_class.head_teacher_id == actor.pk
    return scope.path_within(actor, training_class.institution.path)


@transaction.atomic
def class_start(*, actor, training_class: TrainingClass, today: dt.date | None = None, request=None) -> TrainingClass:
    """开班: the head teacher (or the institution's admin) starts the class on or after its start
    date — from 已发调训通知 or 报名中 to 进行中, which closes nominations and opens closing later.
    Starting a running class again changes nothing (a double-clicked button)."""
    scope.require(actor, "classes.run")
    training_class = TrainingClass.objects.select_for_update().select_related("institution").get(pk=training_class.pk)
    if not _runs_class(actor, training_class):
        raise NotFound("该班次不在您的管理范围内。")
    if training_class.status == ClassStatus.RUNNING:
        return training_class
    if training_class.status not in STARTABLE:
        raise DomainError(f"班次当前为“{training_class.get_status_display()}”，不能开班。", code="illegal_transition",
                          field="status")
    today = today or timezone.localdate()
    if training_class.start_date > today:
        raise DomainError(f"开班日期为 {training_class.start_date:%Y-%m-%d}，届时才能开班。", code="too_early",
                          field="status")
    before = training_class.status
    training_class.status = ClassStatus.RUNNING
    training_class.save(update_fields=["status", "updated_at"])
    audit_record(action="class.start", actor=actor, request=request, target=training_class,
                 detail={"from": before, "to": ClassStatus.RUNNING})
    return training_class


def classes_start_due(*, today: dt.date | None = None) -> int:
    """The daily job: classes whose start date has come and that nobody started are started by
    the system (one audit entry each, with no actor), so no class stays 报名中 while it runs."""
    today = today or timezone.localdate()
    started = 0
    for pk in TrainingClass.objects.filter(status__in=STARTABLE, start_date__lte=today).values_list("pk", flat=True):
        with transaction.atomic():
            training_class = TrainingClass.objects.select_for_update().get(pk=pk)
            if training_class.status not in STARTABLE:
                continue
            before = training_class.status
            training_class.status = ClassStatus.RUNNING
            training_class.save(update_fields=["status", "updated_at"])
            audit_record(action="class.start", actor=None, actor_username="system", target=training_class,
                         detail={"from": before, "to": ClassStatus.RUNNING, "automatic": True})
            started += 1
    return started


# --- timetable -----------------------------------------------------------------------------

def _overlapping(qs, date: dt.date, start: dt.time, end: dt.time, session: Session | None):
    qs = qs.filter(date=date, start_time__lt=end, end_time__gt=start)
    if session is not None:
        qs = qs.exclude(pk=session.pk)
    return qs.select_related("training_class").first()


def _clash_text(other: Session) -> str:
    return (f"班次“{other.training_class.title}”{other.date:%Y-%m-%d} "
            f"{other.start_time:%H:%M}–{other.end_time:%H:%M}“{other.title}”")


def _check_session(training_class: TrainingClass, data: dict, session: Session | None) -> dict:
    """Validate and complete one session's fields; lock the teacher and room rows so two
    concurrent bookings of the same teacher or room are checked one after the other."""
    if training_class.is_locked:
        raise DomainError("班次已结业或归档，课程安排不能再修改。")
    title = (data.get("title") or "").strip()
    if not title:
        raise DomainError("请填写课程名称。", field="title")
    date, slot = data.get("date"), data.get("slot")
    if date is None:
        raise DomainError("请填写日期。", field="date")
    if not training_class.start_date <= date <= training_class.end_date:
        raise DomainError(f"日期应在班次日期 {training_class.start_date:%Y-%m-%d} 至 "
                          f"{training_class.end_date:%Y-%m-%d} 之内。", field="date")
    if slot not in SLOT_TIMES:
        raise DomainError("请选择时段。", field="slot")
    start = data.get("start_time") or SLOT_TIMES[slot][0]
    end = data.get("end_time") or SLOT_TIMES[slot][1]
    if end <= start:
        raise DomainError("结束时间应晚于开始时间。", field="end_time")
    kind = data.get("kind") or SessionKind.LECTURE
    if kind not in SessionKind.values:
        raise DomainError("请选择课程形式。", field="kind")
    room, base, teacher = data.get("room"), data.get("base"), data.get("teacher")
    if room is not None and base is not None:
        raise DomainError("教室和教学基地只能选择一个。", field="base")
    if kind == SessionKind.ON_SITE and base is None:
        raise DomainError("现场教学须选择教学基地。", field="base")
    if base is not None and (base.kind != Organisation.Kind.BASE or not base.is_active):
        raise DomainError("请选择一个启用的教学基地。", field="base")
    if room is not None:
        room = Room.objects.select_for_update().get(pk=room.pk)
        if room.institution_id != training_class.institution_id:
            raise DomainError("只能选择本培训机构的教室。", field="room")
        if not room.is_active and (session is None or session.room_id != room.pk):
            raise DomainError(f"教室“{room.name}”已停用。", field="room")
        if (other := _overlapping(Session.objects.filter(room=room), date, start, end, session)) is not None:
            raise Conflict(f"教室“{room.name}”在该时间已被占用：{_clash_text(other)}。", field="room")
    if teacher is not None:
        teacher = Teacher.objects.select_for_update().select_related("person").get(pk=teacher.pk)
        if teacher.institution_id != training_class.institution_id:
            raise DomainError(f"“{teacher.person.name}”不在{training_class.institution.name}的师资库中。",
                              field="teacher")
        if not teacher.is_active and (session is None or session.teacher_id != teacher.pk):
            raise DomainError(f"“{teacher.person.name}”已移出师资库。", field="teacher")
        if (other := _overlapping(Session.objects.filter(teacher=teacher), date, start, end, session)) is not None:
            raise Conflict(f"教师“{teacher.person.name}”在该时间已有安排：{_clash_text(other)}。", field="teacher")
    topic = data.get("topic")
    return {"date": date, "slot": slot, "start_time": start, "end_time": end, "kind": kind, "title": title,
            "topic": topic, "teacher": teacher, "room": room, "base": base,
            # Callers that do not send the flag (older forms, API patches) keep the session's value.
            "requires_checkout": bool(data.get("requires_checkout",
                                               session.requires_checkout if session is not None else False))}


def _lock_class(actor, training_class: TrainingClass) -> TrainingClass:
    scope.require(actor, "timetable.manage")
    training_class = TrainingClass.objects.select_for_update().select_related("institution").get(
        pk=training_class.pk)
    scope.require_within(actor, training_class.institution, message="该班次不在您的管理范围内。")
    return training_class


@transaction.atomic
def session_add(*, actor, training_class: TrainingClass, data: dict, request=None) -> Session:
    training_class = _lock_class(actor, training_class)
    session = Session.objects.create(training_class=training_class, **_check_session(training_class, data, None))
    audit_record(action="session.add", actor=actor, request=request, target=session,
                 detail={"class": training_class.pk})
    return session


@transaction.atomic
def session_update(*, actor, session: Session, data: dict, request=None) -> Session:
    training_class = _lock_class(actor, session.training_class)
    session = Session.objects.select_for_update().get(pk=session.pk)
    for name, value in _check_session(training_class, data, session).items():
        setattr(session, name, value)
    session.save()
    audit_record(action="session.update", actor=actor, request=request, target=session,
                 detail={"class": training_class.pk})
    return session


@transaction.atomic
def session_remove(*, actor, session: Session, request=None) -> None:
    training_class = _lock_class(actor, session.training_class)
    if training_class.is_locked:
        raise DomainError("班次已结业或归档，课程安排不能再修改。")
    audit_record(action="session.remove", actor=actor, request=request, target=session,
                 detail={"class": training_class.pk})
    session.delete()
