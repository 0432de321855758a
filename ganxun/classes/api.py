"""/api/v1/classes, their timetable (/classes/{id}/sessions) and /api/v1/rooms: parse → call a
service/selector of classes → serialise.

Classes come through classes.selectors like the pages (an out-of-scope class is 404 like a
missing one; teachers and head teachers only see their own classes). Writes go through
classes.services, which re-check that the class's institution lies in the caller's scope.
Timetable conflicts (a teacher or a room booked twice at overlapping times, in any class) are
409 naming the other class, date, time and session, with `field` = `teacher_id` / `room_id`.
The printable timetable stays a page.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal
from functools import partial

from django.db import transaction
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from ganxun.access import scope
from ganxun.api.auth import permission
from ganxun.api.errors import responses
from ganxun.api.people import TopicRef
from ganxun.api.schemas import Id, Input, Page, PageQuery, label, page_of, text
from ganxun.classes import selectors, services
from ganxun.classes.models import ClassMode, ClassStatus, Room, Session, SessionKind, Slot, TrainingClass
from ganxun.core.errors import DomainError, NotFound
from ganxun.org.models import Organisation
from ganxun.org.selectors import organisation_get_for
from ganxun.people.selectors import teacher_get_for
from ganxun.planning.plan_selectors import plan_item_get_for
from ganxun.topics.choices import TrainingType
from ganxun.topics.models import Topic

router = Router()
CLASSES, TIMETABLE, ROOMS = ["班次"], ["课程安排"], ["教室"]

# Service field → request field.
FIELDS = {"institution": "institution_id", "organiser": "organiser_id", "head_teacher": "head_teacher_id",
          "status": "to", "teacher": "teacher_id", "room": "room_id", "base": "base_id", "topic": "topic_id"}


@contextmanager
def _request_fields():
    """Name the request's fields in a service's refusal (`teacher` → `teacher_id`)."""
    try:
        yield
    except DomainError as exc:
        exc.field = FIELDS.get(exc.field, exc.field)
        raise


def _ref(lookup, field: str):
    """An object named in a request body; missing and out of scope are the same 404, naming the field."""
    try:
        found = lookup()
    except NotFound as exc:
        exc.field = field
        raise
    if found is None:
        error = NotFound()
        error.field = field
        raise error
    return found


# --- schemas ---------------------------------------------------------------------------------


class ClassTransitionOut(Schema):
    status: str
    label: str


class ClassOut(Schema):
    id: int
    title: str
    institution_id: int
    institution_name: str
    organiser_id: int | None = Field(description="主办区域（组织部门所在区域）")
    organiser_name: str
    training_type: str
    training_type_label: str
    start_date: dt.date
    end_date: dt.date
    place: str
    mode: str
    mode_label: str
    head_teacher_id: int | None = Field(description="班主任账号")
    head_teacher_name: str
    capacity: int
    hours_per_half_day: float
    status: str
    status_label: str
    plan_item_id: int | None = Field(description="年度计划班次")
    topics: list[TopicRef]
    created_at: dt.datetime
    updated_at: dt.datetime


class ClassDetailOut(ClassOut):
    session_count: int
    credit_hours: float = Field(description="学时 = 有课的半天数 × 每半天学时")
    allowed_transitions: list[ClassTransitionOut] = Field(description="当前状态可以变为的状态")
    can_manage: bool = Field(description="调用者可修改本班次（机构在其范围内且有 classes.manage）")


class ClassFilters(Schema):
    q: text(100) = Field("", description="名称或地点包含")
    status: ClassStatus | None = None
    institution_id: Id | None = None
    year: int | None = Field(None, ge=2000, le=2100, description="班次日期与该年有交集")
    month: int | None = Field(None, ge=1, le=12, description="与 year 一起：班次日期与该月有交集")


class ClassIn(Input):
    title: text(120)
    institution_id: Id = Field(description="范围内的培训机构；创建后不能修改")
    organiser_id: Id | None = Field(None, description="主办区域：范围内的，或该培训机构所在的行政区域")
    training_type: TrainingType
    start_date: dt.date
    end_date: dt.date
    place: text(200) = ""
    mode: ClassMode = ClassMode.OFFLINE
    head_teacher_id: Id | None = Field(None, description="该培训机构的班主任账号")
    capacity: int = Field(ge=-1_000_000, le=1_000_000, description="计划人数 ≥ 1")
    hours_per_half_day: Decimal = Field(Decimal("3"), max_digits=4, decimal_places=1,
                                        description="每半天学时，大于 0 且不超过 8")
    topic_ids: list[Id] = Field([], max_length=50)
    plan_item_id: Id | None = Field(None, description="来自年度计划的班次（可查看的计划班次）")


class ClassPatchIn(Input):
    """Only the fields sent change (null clears organiser, head teacher, plan item). The
    institution stays: the timetable uses its rooms and teachers."""

    title: text(120) = None
    institution_id: Id = None
    organiser_id: Id | None = None
    training_type: TrainingType = None
    start_date: dt.date = None
    end_date: dt.date = None
    place: text(200) = None
    mode: ClassMode = None
    head_teacher_id: Id | None = None
    capacity: int = Field(None, ge=-1_000_000, le=1_000_000)
    hours_per_half_day: Decimal = Field(None, max_digits=4, decimal_places=1)
    topic_ids: list[Id] = Field(None, max_length=50)
    plan_item_id: Id | None = None


class ClassTransitionIn(Input):
    to: ClassStatus = Field(description="目标状态，须为 allowed_transitions 之一")


class TimetableSessionOut(Schema):
    id: int
    class_id: int
    date: dt.date
    slot: str
    slot_label: str
    start_time: dt.time
    end_time: dt.time
    kind: str
    kind_label: str
    title: str
    topic_id: int | None
    topic_name: str
    teacher_id: int | None
    teacher_name: str
    room_id: int | None
    room_name: str
    base_id: int | None
    base_name: str
    requires_checkout: bool


class TimetableOut(Schema):
    class_id: int
    class_title: str
    start_date: dt.date
    end_date: dt.date
    credit_hours: float
    sessions: list[TimetableSessionOut] = Field(description="按日期、时段、开始时间排列")


class TimetableSessionIn(Input):
    date: dt.date
    slot: Slot
    start_time: dt.time | None = Field(None, description="不填按时段默认时间（上午 08:30、下午 14:30、晚上 19:00）")
    end_time: dt.time | None = Field(None, description="不填按时段默认时间（11:30、17:30、21:00）")
    kind: SessionKind = SessionKind.LECTURE
    title: text(150)
    topic_id: Id | None = None
    teacher_id: Id | None = Field(None, description="本机构师资库中的教师")
    room_id: Id | None = Field(None, description="本机构启用的教室；与 base_id 只选其一")
    base_id: Id | None = Field(None, description="教学基地（现场教学必填）")
    requires_checkout: bool = Field(False, description="学员下课时须签退")


class TimetableSessionPatchIn(Input):
    """Only the fields sent change (null clears the optional ones; a time cleared falls back to
    the slot's default)."""

    date: dt.date = None
    slot: Slot = None
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    kind: SessionKind = None
    title: text(150) = None
    topic_id: Id | None = None
    teacher_id: Id | None = None
    room_id: Id | None = None
    base_id: Id | None = None
    requires_checkout: bool = None


class TeachingRoomOut(Schema):
    id: int
    institution_id: int
    institution_name: str
    name: str
    capacity: int
    is_active: bool
    updated_at: dt.datetime


class TeachingRoomFilters(Schema):
    institution_id: Id | None = None
    include_inactive: bool = False


class TeachingRoomIn(Input):
    institution_id: Id
    name: text(60)
    capacity: int = Field(0, ge=0, le=100_000)


class TeachingRoomPatchIn(Input):
    """Only the fields sent change; `is_active` false stops new bookings (booked sessions keep the room)."""

    name: text(60) = None
    capacity: int = Field(None, ge=0, le=100_000)
    is_active: bool = None


# --- serialisers --------------------------------------------------------------------------------

def _account_name(account) -> str:
    return (account.full_name or account.username) if account is not None else ""


def class_out(training_class: TrainingClass) -> dict:
    c = training_class
    return {
        "id": c.pk, "title": c.title, "institution_id": c.institution_id, "institution_name": c.institution.name,
        "organiser_id": c.organiser_id, "organiser_name": c.organiser.name if c.organiser_id else "",
        "training_type": c.training_type, "training_type_label": label(TrainingType, c.training_type),
        "start_date": c.start_date, "end_date": c.end_date, "place": c.place, "mode": c.mode,
        "mode_label": label(ClassMode, c.mode), "head_teacher_id": c.head_teacher_id,
        "head_teacher_name": _account_name(c.head_teacher), "capacity": c.capacity,
        "hours_per_half_day": c.hours_per_half_day, "status": c.status, "status_label": label(ClassStatus, c.status),
        "plan_item_id": c.plan_item_id,
        "topics": [{"id": t.pk, "code": t.code, "name": t.name} for t in sorted(c.topics.all(), key=lambda t: t.code)],
        "created_at": c.created_at, "updated_at": c.updated_at,
    }


def class_detail_out(actor, class_id: int) -> dict:
    training_class = selectors.class_get_for(actor, class_id)
    sessions = selectors.sessions_of(training_class)
    return {
        **class_out(training_class), "session_count": len(sessions),
        "credit_hours": selectors.class_credit_hours(training_class, sessions),
        "allowed_transitions": [{"status": value, "label": label(ClassStatus, value)}
                                for value in services.class_allowed_transitions(training_class)],
        "can_manage": scope.can(actor, "classes.manage")
        and scope.path_within(actor, training_class.institution.path),
    }


def session_out(session: Session) -> dict:
    s = session
    return {
        "id": s.pk, "class_id": s.training_class_id, "date": s.date, "slot": s.slot, "slot_label": label(Slot, s.slot),
        "start_time": s.start_time, "end_time": s.end_time, "kind": s.kind, "kind_label": label(SessionKind, s.kind),
        "title": s.title, "topic_id": s.topic_id, "topic_name": s.topic.name if s.topic_id else "",
        "teacher_id": s.teacher_id, "teacher_name": s.teacher.person.name if s.teacher_id else "",
        "room_id": s.room_id, "room_name": s.room.name if s.room_id else "", "base_id": s.base_id,
        "base_name": s.base.name if s.base_id else "", "requires_checkout": s.requires_checkout,
    }


def room_out(room: Room) -> dict:
    return {"id": room.pk, "institution_id": room.institution_id, "institution_name": room.institution.name,
            "name": room.name, "capacity": room.capacity, "is_active": room.is_active, "updated_at": room.updated_at}


# --- classes ---------------------------------------------------------------------------------

def _topics(ids: list[int]) -> list[Topic]:
    ids = list(dict.fromkeys(ids))
    topics = list(Topic.objects.filter(pk__in=ids))
    if len(topics) != len(ids):
        missing = sorted(set(ids) - {t.pk for t in topics})
        raise DomainError(f"没有这个培训内容分类：{'、'.join(map(str, missing))}。", field="topic_ids")
    return topics


def _class_refs(actor, sent: dict, institution: Organisation) -> dict:
    """organiser, head teacher, topics and plan item of a class, resolved in the caller's scope."""
    refs: dict = {}
    if "organiser_id" in sent:
        pk = sent["organiser_id"]
        refs["organiser"] = None if pk is None else _ref(
            lambda: selectors.organiser_choices_for(actor).filter(pk=pk).first(), "organiser_id")
    if "head_teacher_id" in sent:
        pk = sent["head_teacher_id"]
        refs["head_teacher"] = None if pk is None else _ref(
            lambda: selectors.head_teacher_choices([institution]).filter(pk=pk).first(), "head_teacher_id")
    if "topic_ids" in sent:
        refs["topics"] = _topics(sent["topic_ids"])
    if sent.get("plan_item_id") is not None:
        _ref(lambda: plan_item_get_for(actor, sent["plan_item_id"]), "plan_item_id")
    return refs


def _class_data(values: dict) -> dict:
    data = {name: values[name] for name in services.CLASS_FIELDS}
    for name in ("training_type", "mode"):
        data[name] = getattr(data[name], "value", data[name])
    return data


@router.get("/classes", response=responses({200: Page[ClassOut]}, 400), tags=CLASSES, summary="班次列表")
@permission("classes.view")
def class_list(request, filters: Query[ClassFilters], paging: Query[PageQuery]):
    """Classes in the caller's scope (teachers: where they teach; head teachers: the classes
    they head), latest start first; the same filters as the class list page."""
    qs = selectors.class_list_for(
        request.auth, status=filters.status.value if filters.status else "", institution=filters.institution_id,
        year=filters.year, month=filters.month, q=filters.q).prefetch_related("topics")
    return page_of(qs, paging, class_out)


@router.get("/classes/{class_id}", response=responses({200: ClassDetailOut}, 400, 404), tags=CLASSES,
            summary="班次详情")
@permission("classes.view")
def class_detail(request, class_id: Id):
    """The class with its credit hours (学时) and the status changes allowed now."""
    return class_detail_out(request.auth, class_id)


@router.post("/classes", response=responses({201: ClassDetailOut}, 400, 404), tags=CLASSES, summary="新建班次")
@permission("classes.manage")
def class_add(request, payload: ClassIn):
    """A draft class of an institution in the caller's scope. Not idempotent: a retried create
    makes a second class (find it with `GET /classes?q=<title>`)."""
    actor = request.auth
    institution = _ref(lambda: organisation_get_for(actor, payload.institution_id), "institution_id")
    sent = payload.model_dump()
    refs = _class_refs(actor, sent, institution)
    with _request_fields():
        training_class = services.class_create(
            actor=actor, data=_class_data(sent), institution=institution, organiser=refs["organiser"],
            head_teacher=refs["head_teacher"], topics=refs["topics"], request=request)
    return Status(201, class_detail_out(actor, training_class.pk))


@router.patch("/classes/{class_id}", response=responses({200: ClassDetailOut}, 400, 404), tags=CLASSES,
              summary="修改班次")
@permission("classes.manage")
def class_change(request, class_id: Id, payload: ClassPatchIn):
    """Only the fields sent change. Refused: a closed or archived class; dates that would leave
    sessions outside; a capacity the roster no longer fits (field `capacity`)."""
    actor = request.auth
    training_class = selectors.class_get_for(actor, class_id)
    sent = payload.model_dump(exclude_unset=True)
    if sent.pop("institution_id", training_class.institution_id) != training_class.institution_id:
        raise DomainError("班次的培训机构创建后不能修改。", field="institution_id")
    current = {name: getattr(training_class, name) for name in services.CLASS_FIELDS}
    refs = {"organiser": training_class.organiser, "head_teacher": training_class.head_teacher,
            "topics": list(training_class.topics.all())}
    refs.update(_class_refs(actor, sent, training_class.institution))
    with _request_fields():
        services.class_update(actor=actor, training_class=training_class, data=_class_data({**current, **sent}),
                              request=request, **refs)
    return class_detail_out(actor, training_class.pk)


@router.post("/classes/{class_id}/transition", response=responses({200: ClassDetailOut}, 400, 404), tags=CLASSES,
             summary="变更班次状态")
@permission("classes.manage")
def class_move(request, class_id: Id, payload: ClassTransitionIn):
    """One step of the lifecycle (see `allowed_transitions`); any other move is 400
    `illegal_transition` (field `to`). Idempotent: when the class already has the status asked
    for, nothing is written and the class is answered as it is (a retried call is harmless)."""
    actor = request.auth
    training_class = selectors.class_get_for(actor, class_id)
    if training_class.status != payload.to.value:
        with _request_fields():
            services.class_transition(actor=actor, training_class=training_class, to=payload.to.value, request=request)
    return class_detail_out(actor, training_class.pk)


@router.post("/classes/{class_id}/start", response=responses({200: ClassDetailOut}, 400, 404), tags=CLASSES,
             summary="开班")
@permission("classes.run")
def class_start(request, class_id: Id):
    """The head teacher (or the institution's admin) starts the class on or after its start date:
    已发调训通知 / 报名中 → 进行中. 400 `too_early` before the start date, `illegal_transition` from
    another status; starting a running class again answers it unchanged (safe to retry). Classes
    nobody starts are started by the daily job."""
    actor = request.auth
    training_class = selectors.class_get_for(actor, class_id)
    services.class_start(actor=actor, training_class=training_class, request=request)
    return class_detail_out(actor, training_class.pk)


# --- timetable ---------------------------------------------------------------------------------

def _session_refs(actor, sent: dict) -> dict:
    refs: dict = {}
    lookups = {
        "teacher_id": ("teacher", lambda pk: teacher_get_for(actor, pk)),
        "room_id": ("room", lambda pk: selectors.timetable_room_get_for(actor, pk)),
        "base_id": ("base", lambda pk: Organisation.objects.filter(pk=pk, kind=Organisation.Kind.BASE).first()),
    }
    for field, (name, lookup) in lookups.items():
        if field in sent:
            refs[name] = None if sent[field] is None else _ref(partial(lookup, sent[field]), field)
    if sent.get("topic_id") is not None:
        refs["topic"] = Topic.objects.filter(pk=sent["topic_id"]).first()
        if refs["topic"] is None:
            raise DomainError("没有这个培训内容分类。", field="topic_id")
    elif "topic_id" in sent:
        refs["topic"] = None
    return refs


def _session_data(sent: dict, refs: dict) -> dict:
    data = {name: sent[name] for name in ("date", "slot", "start_time", "end_time", "kind", "title",
                                          "requires_checkout") if name in sent}
    for name in ("slot", "kind"):
        if name in data:
            data[name] = getattr(data[name], "value", data[name])
    return {**data, **refs}


def _session(actor, class_id: int, session_id: int) -> Session:
    return selectors.session_get_for(actor, selectors.class_get_for(actor, class_id), session_id)


def _session_fresh(actor, class_id: int, session_id: int) -> dict:
    return session_out(_session(actor, class_id, session_id))


@router.get("/classes/{class_id}/sessions", response=responses({200: TimetableOut}, 400, 404), tags=TIMETABLE,
            summary="课程安排")
@permission("classes.view")
def class_timetable(request, class_id: Id):
    """The class's sessions in date, slot and time order, with the class's credit hours."""
    training_class = selectors.class_get_for(request.auth, class_id)
    sessions = selectors.sessions_of(training_class)
    return {"class_id": training_class.pk, "class_title": training_class.title,
            "start_date": training_class.start_date, "end_date": training_class.end_date,
            "credit_hours": selectors.class_credit_hours(training_class, sessions),
            "sessions": [session_out(s) for s in sessions]}


@router.post("/classes/{class_id}/sessions", response=responses({201: TimetableSessionOut}, 400, 404, 409), tags=TIMETABLE,
             summary="添加课程")
@permission("timetable.manage")
def class_session_add(request, class_id: Id, payload: TimetableSessionIn):
    """Add a session. The date lies within the class; on-site teaching (on_site) needs a base;
    a room or a base, not both; the teacher from the institution's pool. A teacher or room
    already booked at an overlapping time (in any class) is 409 naming the other session
    (`field` teacher_id / room_id) — which also makes a retried add safe when it books a
    teacher or a room; a session with neither is added again."""
    actor = request.auth
    training_class = selectors.class_get_for(actor, class_id)
    sent = payload.model_dump()
    refs = _session_refs(actor, sent)
    with _request_fields():
        session = services.session_add(actor=actor, training_class=training_class, data=_session_data(sent, refs),
                                       request=request)
    return Status(201, _session_fresh(actor, training_class.pk, session.pk))


@router.patch("/classes/{class_id}/sessions/{session_id}", response=responses({200: TimetableSessionOut}, 400, 404, 409),
              tags=TIMETABLE, summary="修改课程")
@permission("timetable.manage")
def class_session_change(request, class_id: Id, session_id: Id, payload: TimetableSessionPatchIn):
    """Only the fields sent change; the same checks and conflicts (409) as adding."""
    actor = request.auth
    session = _session(actor, class_id, session_id)
    sent = payload.model_dump(exclude_unset=True)
    current = {name: getattr(session, name) for name in (
        "date", "slot", "start_time", "end_time", "kind", "title", "topic", "teacher", "room", "base",
        "requires_checkout")}
    data = {**current, **_session_data(sent, _session_refs(actor, sent))}
    with _request_fields():
        services.session_update(actor=actor, session=session, data=data, request=request)
    return _session_fresh(actor, session.training_class_id, session.pk)


@router.delete("/classes/{class_id}/sessions/{session_id}", response=responses({204: None}, 400, 404),
               tags=TIMETABLE, summary="删除课程")
@permission("timetable.manage")
def class_session_remove(request, class_id: Id, session_id: Id):
    """Remove a session (not in a closed or archived class). A retried delete is 404."""
    session = _session(request.auth, class_id, session_id)
    services.session_remove(actor=request.auth, session=session, request=request)
    return Status(204, None)


# --- rooms -----------------------------------------------------------------------------------

@router.get("/rooms", response=responses({200: Page[TeachingRoomOut]}, 400), tags=ROOMS, summary="教室列表")
@permission("rooms.manage")
def room_list(request, filters: Query[TeachingRoomFilters], paging: Query[PageQuery]):
    qs = selectors.room_list_for(request.auth)
    if filters.institution_id is not None:
        qs = qs.filter(institution_id=filters.institution_id)
    if not filters.include_inactive:
        qs = qs.filter(is_active=True)
    return page_of(qs, paging, room_out)


@router.post("/rooms", response=responses({201: TeachingRoomOut}, 400, 404), tags=ROOMS, summary="添加教室")
@permission("rooms.manage")
def room_add(request, payload: TeachingRoomIn):
    """A room of an institution in scope; names are unique per institution, so a retried create
    is 400 (field `name`) and creates nothing twice."""
    actor = request.auth
    institution = _ref(lambda: organisation_get_for(actor, payload.institution_id), "institution_id")
    with _request_fields():
        room = services.room_create(actor=actor, institution=institution, name=payload.name,
                                    capacity=payload.capacity, request=request)
    return Status(201, room_out(selectors.room_get_for(actor, room.pk)))


@router.patch("/rooms/{room_id}", response=responses({200: TeachingRoomOut}, 400, 404), tags=ROOMS, summary="修改教室")
@permission("rooms.manage")
def room_change(request, room_id: Id, payload: TeachingRoomPatchIn):
    """Rename, change capacity, (de)activate — together, all or nothing."""
    actor = request.auth
    room = selectors.room_get_for(actor, room_id)
    sent = payload.model_dump(exclude_unset=True)
    with transaction.atomic(), _request_fields():
        if "name" in sent or "capacity" in sent:
            services.room_update(actor=actor, room=room, name=sent.get("name", room.name),
                                 capacity=sent.get("capacity", room.capacity), request=request)
        if "is_active" in sent and sent["is_active"] != room.is_active:
            services.room_set_active(actor=actor, room=room, active=sent["is_active"], request=request)
    return room_out(selectors.room_get_for(actor, room.pk))
