"""Reads of classes, timetables and rooms — every one starts from the scope gate."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q, QuerySet

from ganxun.access import scope
from ganxun.access.models import Account
from ganxun.access.roles import Role
from ganxun.classes.models import Room, Session, Slot, TrainingClass
from ganxun.org.models import Organisation
from ganxun.people.models import Teacher

SLOT_ORDER = {value: index for index, value in enumerate(Slot.values)}


def _narrow_to_own(actor, qs: QuerySet) -> QuerySet:
    """Teachers see the classes where they teach a session; head teachers the classes they head.
    Their role's scope (the institution) alone would show them every class of the institution."""
    role = scope.active_role(actor)
    if role is not None and role.role == Role.TEACHER:
        return qs.filter(sessions__teacher__person__account=actor.pk).distinct()
    if role is not None and role.role == Role.HEAD_TEACHER:
        return qs.filter(head_teacher=actor.pk)
    return qs


def class_list_for(actor, *, status: str = "", institution: int | None = None, year: int | None = None,
                   month: int | None = None, q: str = "") -> QuerySet[TrainingClass]:
    qs = _narrow_to_own(actor, scope.scoped(actor, TrainingClass, permission="classes.view"))
    # Two path lookups (institution, organiser) may match the same row through joins.
    qs = qs.distinct().select_related("institution", "organiser", "head_teacher")
    if status:
        qs = qs.filter(status=status)
    if institution:
        qs = qs.filter(institution_id=institution)
    if year:
        qs = qs.filter(start_date__year__lte=year, end_date__year__gte=year)
    if year and month:
        qs = qs.filter(Q(start_date__year__lt=year) | Q(start_date__year=year, start_date__month__lte=month),
                       Q(end_date__year__gt=year) | Q(end_date__year=year, end_date__month__gte=month))
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(place__icontains=q))
    return qs.order_by("-start_date", "-id")


def class_institutions_for(actor) -> QuerySet[Organisation]:
    """The institutions of the classes the actor sees (choices of the list's filter)."""
    ids = class_list_for(actor).order_by().values("institution_id")
    return Organisation.objects.filter(pk__in=ids).order_by("path")


def class_get_for(actor, pk) -> TrainingClass:
    qs = _narrow_to_own(actor, scope.scoped(actor, TrainingClass, permission="classes.view")).distinct()
    return scope.get_for(actor, qs.select_related("institution", "organiser", "head_teacher", "created_by"),
                         pk, permission="classes.view")


def sessions_of(training_class: TrainingClass) -> list[Session]:
    """The class's timetable in date, slot, time order (the caller already holds the class)."""
    sessions = list(training_class.sessions.select_related("teacher__person", "room", "base", "topic"))
    sessions.sort(key=lambda s: (s.date, SLOT_ORDER[s.slot], s.start_time, s.pk))
    return sessions


def session_get_for(actor, training_class: TrainingClass, pk) -> Session:
    qs = scope.scoped(actor, Session, permission="classes.view").filter(training_class=training_class)
    return scope.get_for(actor, qs.distinct().select_related("training_class", "teacher__person", "room", "base"),
                         pk, permission="classes.view")


def class_credit_hours(training_class: TrainingClass, sessions: list[Session] | None = None) -> Decimal:
    """Credit hours (学时) of the class.

    Formula: (number of distinct (date, slot) pairs that hold at least one session)
    × `hours_per_half_day`. A morning, an afternoon and an evening each count as one half
    day, however many sessions they hold; a slot with no session counts nothing.
    """
    if sessions is None:
        sessions = list(training_class.sessions.only("date", "slot"))
    half_days = {(s.date, s.slot) for s in sessions}
    return len(half_days) * training_class.hours_per_half_day


def institution_choices_for(actor) -> QuerySet[Organisation]:
    """Institutions where the actor may create classes: active ones in the role's subtree."""
    root = scope.scope_path(actor)
    if root is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(kind=Organisation.Kind.INSTITUTION, is_active=True,
                                       path__startswith=root).order_by("path")


def organiser_choices_for(actor) -> QuerySet[Organisation]:
    """Regions that may run a class: the regions of the actor's subtree and those above it."""
    root = scope.scope_path(actor)
    if root is None:
        return Organisation.objects.none()
    above = [int(part) for part in root.strip("/").split("/") if part]
    return Organisation.objects.filter(Q(path__startswith=root) | Q(pk__in=above),
                                       kind=Organisation.Kind.REGION, is_active=True).order_by("path")


def head_teacher_choices(institutions) -> QuerySet[Account]:
    return Account.objects.filter(
        assignments__role=Role.HEAD_TEACHER, assignments__revoked_at__isnull=True,
        assignments__scope__in=institutions,
    ).distinct().order_by("full_name", "id")


def pool_teachers(training_class: TrainingClass, *, keep: Teacher | None = None) -> QuerySet[Teacher]:
    """Active teachers of the class's institution pool (and the session's current one)."""
    condition = Q(institution=training_class.institution_id, is_active=True)
    if keep is not None:
        condition |= Q(pk=keep.pk)
    return Teacher.objects.filter(condition).select_related("person").order_by("person__name", "id")


def room_choices(training_class: TrainingClass, *, keep: Room | None = None) -> QuerySet[Room]:
    condition = Q(institution=training_class.institution_id, is_active=True)
    if keep is not None:
        condition |= Q(pk=keep.pk)
    return Room.objects.filter(condition).order_by("name")


def base_choices() -> QuerySet[Organisation]:
    """Teaching bases may host any institution's groups, so every active base is offered."""
    return Organisation.objects.filter(kind=Organisation.Kind.BASE, is_active=True).order_by("name")


def room_list_for(actor) -> QuerySet[Room]:
    return scope.scoped(actor, Room, permission="rooms.manage").select_related("institution").order_by(
        "institution__path", "name")


def room_get_for(actor, pk) -> Room:
    return scope.get_for(actor, Room.objects.select_related("institution"), pk, permission="rooms.manage")


def timetable_room_get_for(actor, pk) -> Room:
    """A room named for a session (API): rooms of the institutions in the actor's scope, for
    those who keep timetables (head teachers have no rooms.manage); 404 otherwise."""
    return scope.get_for(actor, Room.objects.select_related("institution"), pk, permission="timetable.manage")
