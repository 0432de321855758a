"""/api/v1 endpoints of dining and lodging: parse → call a service/selector → serialise.

Scoped like the pages: class endpoints need `logistics.manage` and a class the caller
manages (head teachers: the classes they head); a cadre reaches only their own
enrollment (`self.view`), staff any enrollment of a class they manage; guest rooms need
`rooms.manage` at their institution. Missing and out-of-scope are the same 404. Names
only — no ID numbers or phones are in these answers.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from ganxun.access import scope
from ganxun.api.auth import permission
from ganxun.api.errors import responses
from ganxun.api.organisations import organisation_ref
from ganxun.api.schemas import Id, Input, Page, PageQuery, label, page_of, text
from ganxun.core.errors import NotFound
from ganxun.logistics import lodging_services, rules, selectors, services
from ganxun.logistics.guards import enrollment_role, managed_class
from ganxun.logistics.lodging_selectors import (
    class_room_get,
    lodging_board,
    lodging_room_get_for,
    lodging_room_list_for,
)
from ganxun.logistics.models import Meal, RoomGender
from ganxun.people.choices import Gender
from ganxun.roster.models import Enrollment, EnrollmentStatus

router = Router()
TAGS = ["就餐与住宿"]
STAFF = "logistics.manage"
SELF = "self.view"


# --- schemas ---------------------------------------------------------------------------------

class MealDayOut(Schema):
    date: dt.date
    meals: list[str] = Field(description="当天供应的餐次：breakfast/lunch/dinner")
    default_meals: list[str] = Field(description="默认安排（报到日无早餐，结业日无晚餐）")


class SettingsOut(Schema):
    class_id: int
    configured: bool = Field(description="是否已保存过设置；未保存时学员看不到食宿，返回的是默认值")
    provides_dining: bool
    provides_lodging: bool
    cutoff_days_before: int
    cutoff_time: str = Field(description="HH:MM；某日的报餐截止 = 该日前 cutoff_days_before 天的此时刻")
    days: list[MealDayOut]


class MealDayIn(Input):
    date: dt.date
    meals: list[Meal] = Field(max_length=3)


class SettingsIn(Input):
    provides_dining: bool
    provides_lodging: bool
    cutoff_days_before: int = Field(1, ge=0, le=7)
    cutoff_time: dt.time = Field(dt.time(16, 0), description="HH:MM")
    meal_plan: list[MealDayIn] | None = Field(None, max_length=400,
                                              description="按日的供餐餐次；未列出的日期保持不变，省略则不改")


class DietOut(Schema):
    halal: bool
    vegetarian: bool
    diet_note: str


class MealStateOut(Schema):
    date: dt.date
    meal: str
    registered: bool


class DinerOut(Schema):
    enrollment_id: int
    seat_no: int | None
    name: str
    gender: str
    unit_name: str
    diet: DietOut
    meals: list[MealStateOut] = Field(description="每个供餐餐次的登记（默认就餐）")


class MealCountOut(Schema):
    date: dt.date
    meal: str
    meal_label: str
    registered: int = Field(description="已确认学员中登记就餐的人数")
    not_registered: int
    halal: list[str] = Field(description="就餐学员中清真者姓名")
    vegetarian: list[str]
    notes: list[dict[str, str]] = Field(description="[{name, note}] 忌口/过敏")


class CountsOut(Schema):
    class_id: int
    provides_dining: bool
    headcount: int = Field(description="已确认参训的学员人数")
    total: int = Field(description="全部餐次的就餐人次")
    counts: list[MealCountOut]


class MealIn(Input):
    date: dt.date
    meal: Meal
    registered: bool


class DietIn(Input):
    halal: bool = False
    vegetarian: bool = False
    diet_note: text(200) = ""


class NeedIn(Input):
    needed: bool


class NeedOut(Schema):
    enrollment_id: int
    lodging_needed: bool


class RoomRef(Schema):
    id: int
    building: str
    number: str


class OwnSlotOut(Schema):
    meal: str
    served: bool
    registered: bool
    open: bool = Field(description="本人是否还能修改（未过截止时间）")


class OwnDayOut(Schema):
    date: dt.date
    cutoff: dt.datetime
    slots: list[OwnSlotOut]


class OwnOut(Schema):
    enrollment_id: int
    class_id: int
    class_title: str
    start_date: dt.date
    end_date: dt.date
    provides_dining: bool
    provides_lodging: bool
    days: list[OwnDayOut]
    diet: DietOut
    lodging_needed: bool
    lodging_open: bool = Field(description="本人是否还能修改住宿需求")
    room: RoomRef | None
    roommates: list[str] = Field(description="同住者姓名")


class LodgingRoomOut(Schema):
    id: int
    institution_id: int
    institution_name: str
    building: str
    number: str
    beds: int
    gender: str
    gender_label: str
    note: str
    is_active: bool


class RoomFilters(Schema):
    institution_id: Id | None = None
    q: text(40) = Field("", description="楼栋或房间号包含")


class RoomIn(Input):
    institution_id: Id
    building: text(40)
    number: text(20)
    beds: int = Field(ge=1, le=20)
    gender: RoomGender = RoomGender.ANY
    note: text(100) = ""


class RoomPatchIn(Input):
    building: text(40) | None = None
    number: text(20) | None = None
    beds: int | None = Field(None, ge=1, le=20)
    gender: RoomGender | None = None
    note: text(100) | None = None
    is_active: bool | None = None


class BoardRowOut(Schema):
    enrollment_id: int
    seat_no: int | None
    name: str
    gender: str
    unit_name: str
    lodging_needed: bool
    room: RoomRef | None


class RoomUseOut(Schema):
    room: RoomRef
    beds: int
    gender: str = Field(description="房间设定：M/F/any")
    held: str | None = Field(description="本班期间实际性别：M/F，空房为 null，mixed 为男女混住")
    occupants: list[str] = Field(description="本班入住学员")
    others: int = Field(description="其他班次同期入住人数")
    free: int
    is_active: bool


class BoardOut(Schema):
    class_id: int
    provides_lodging: bool
    needing: int
    not_needed: int
    assigned: int
    unassigned_male: int
    unassigned_female: int
    problems: list[str]
    rows: list[BoardRowOut]
    rooms: list[RoomUseOut]


class AutoOut(Schema):
    assigned: int
    unplaced: list[str]
    message: str


class AssignIn(Input):
    room_id: Id


class AssignmentOut(Schema):
    enrollment_id: int
    room: RoomRef | None
    roommates: list[str]


class UnassignOut(Schema):
    enrollment_id: int
    unassigned: bool = Field(description="是否确有房间被取消")


class OwnListItem(Schema):
    enrollment_id: int
    class_id: int
    class_title: str
    start_date: dt.date
    end_date: dt.date
    provides_dining: bool
    provides_lodging: bool


# --- helpers ---------------------------------------------------------------------------------

def _room_ref(room) -> dict | None:
    return {"id": room.pk, "building": room.building, "number": room.number} if room is not None else None


def _diet(record) -> dict:
    if record is None:
        return {"halal": False, "vegetarian": False, "diet_note": ""}
    return {"halal": record.halal, "vegetarian": record.vegetarian, "diet_note": record.diet_note}


def _enrollment(actor, pk: int) -> Enrollment:
    """An enrollment the caller may act on (staff of its class, or the cadre), else 404."""
    enrollment = (Enrollment.objects.select_related("training_class__institution", "cadre__person", "unit")
                  .filter(pk=pk).first())
    if enrollment is None:
        raise NotFound()
    enrollment_role(actor, enrollment)
    return enrollment


def _settings_out(training_class) -> dict:
    settings = selectors.settings_or_default(training_class)
    served = selectors.served_of(training_class, settings)
    start, end = training_class.start_date, training_class.end_date
    return {
        "class_id": training_class.pk, "configured": settings.pk is not None,
        "provides_dining": settings.provides_dining, "provides_lodging": settings.provides_lodging,
        "cutoff_days_before": settings.cutoff_days_before, "cutoff_time": settings.cutoff_time.strftime("%H:%M"),
        "days": [{"date": day, "meals": meals, "default_meals": rules.default_meals(day, start, end)}
                 for day, meals in served.items()],
    }


def _own_out(enrollment) -> dict:
    own = selectors.own_logistics(enrollment)
    room = own.assignment.room if own.assignment is not None and own.lodging_needed else None
    return {
        "enrollment_id": enrollment.pk, "class_id": enrollment.training_class_id,
        "class_title": enrollment.training_class.title, "start_date": enrollment.training_class.start_date,
        "end_date": enrollment.training_class.end_date, "provides_dining": own.provides_dining,
        "provides_lodging": own.provides_lodging,
        "days": [{"date": day.date, "cutoff": day.cutoff,
                  "slots": [{"meal": s.meal, "served": s.served, "registered": s.served and s.registered,
                             "open": s.served and s.open and own.editable} for s in day.slots]}
                 for day in own.days],
        "diet": _diet(own.diet), "lodging_needed": own.lodging_needed, "lodging_open": own.lodging_open,
        "room": _room_ref(room), "roommates": [mate.name for mate in own.roommates] if room else [],
    }


def _room_out(room) -> dict:
    return {"id": room.pk, "institution_id": room.institution_id, "institution_name": room.institution.name,
            "building": room.building, "number": room.number, "beds": room.beds, "gender": room.gender,
            "gender_label": label(RoomGender, room.gender), "note": room.note, "is_active": room.is_active}


# --- class settings --------------------------------------------------------------------------

@router.get("/classes/{class_id}/logistics", response=responses({200: SettingsOut}, 400, 404), tags=TAGS,
            summary="班次食宿设置")
@permission(STAFF)
def logistics_settings_detail(request, class_id: Id):
    return _settings_out(managed_class(request.auth, class_id))


@router.put("/classes/{class_id}/logistics", response=responses({200: SettingsOut}, 400, 404), tags=TAGS,
            summary="保存班次食宿设置")
@permission(STAFF)
def logistics_settings_save(request, class_id: Id, payload: SettingsIn):
    """Whether the class provides meals and rooms, the registration cut-off, and per-day meals."""
    training_class = managed_class(request.auth, class_id)
    plan = None
    if payload.meal_plan is not None:
        plan = {day.date: [meal.value for meal in day.meals] for day in payload.meal_plan}
    services.logistics_settings_update(
        actor=request.auth, training_class=training_class, request=request,
        data=services.SettingsInput(provides_dining=payload.provides_dining, provides_lodging=payload.provides_lodging,
                                    cutoff_days_before=payload.cutoff_days_before, cutoff_time=payload.cutoff_time,
                                    meal_plan=plan))
    return _settings_out(training_class)


# --- dining ----------------------------------------------------------------------------------

@router.get("/classes/{class_id}/meals", response=responses({200: Page[DinerOut]}, 400, 404), tags=TAGS,
            summary="就餐登记（按学员）")
@permission(STAFF)
def logistics_meal_list(request, class_id: Id, paging: Query[PageQuery]):
    training_class = managed_class(request.auth, class_id)
    sheet = selectors.dining_sheet(request.auth, training_class)
    start = (paging.page - 1) * paging.page_size
    items = sheet.diners[start:start + paging.page_size]
    return {"count": len(sheet.diners), "page": paging.page, "page_size": paging.page_size, "items": [{
        "enrollment_id": d.enrollment.pk, "seat_no": d.enrollment.seat_no, "name": d.enrollment.cadre.person.name,
        "gender": d.enrollment.cadre.person.gender, "unit_name": d.enrollment.unit.name, "diet": _diet(d.diet),
        "meals": [{"date": c.date, "meal": c.meal, "registered": c.registered} for c in d.cells],
    } for d in items]}


@router.get("/classes/{class_id}/meal-counts", response=responses({200: CountsOut}, 400, 404), tags=TAGS,
            summary="就餐人数（按日、餐次）")
@permission(STAFF)
def logistics_meal_counts(request, class_id: Id):
    """registered = approved cadres registered for that meal (opt-out default); see docs/logistics.md."""
    training_class = managed_class(request.auth, class_id)
    sheet = selectors.dining_sheet(request.auth, training_class)
    counts = [{"date": c.date, "meal": c.meal, "meal_label": c.meal_label, "registered": c.registered,
               "not_registered": c.not_registered, "halal": c.halal, "vegetarian": c.vegetarian,
               "notes": [{"name": name, "note": note} for name, note in c.notes]}
              for day in sheet.days for c in day.meals if c is not None]
    provides = sheet.settings is not None and sheet.settings.provides_dining
    return {"class_id": training_class.pk, "provides_dining": provides, "headcount": sheet.headcount,
            "total": sheet.total if provides else 0, "counts": counts if provides else []}


@router.put("/enrollments/{enrollment_id}/meals", response=responses({200: MealStateOut}, 400, 404), tags=TAGS,
            summary="登记或取消一餐")
@permission(STAFF, SELF)
def logistics_meal_set(request, enrollment_id: Id, payload: MealIn):
    """A cadre changes their own until the cut-off (400 `cutoff_passed` after it); staff at any
    time. Idempotent: sending the current state again changes nothing."""
    enrollment = _enrollment(request.auth, enrollment_id)
    registered = services.dining_set(actor=request.auth, enrollment=enrollment, date=payload.date,
                                     meal=payload.meal.value, registered=payload.registered, request=request)
    return {"date": payload.date, "meal": payload.meal.value, "registered": registered}


@router.put("/enrollments/{enrollment_id}/diet", response=responses({200: DietOut}, 400, 404), tags=TAGS,
            summary="饮食要求（清真、素食、忌口/过敏）")
@permission(STAFF, SELF)
def logistics_diet_set(request, enrollment_id: Id, payload: DietIn):
    enrollment = _enrollment(request.auth, enrollment_id)
    record = services.dietary_update(actor=request.auth, enrollment=enrollment, halal=payload.halal,
                                     vegetarian=payload.vegetarian, diet_note=payload.diet_note, request=request)
    return _diet(record)


@router.get("/enrollments/{enrollment_id}/logistics", response=responses({200: OwnOut}, 400, 404), tags=TAGS,
            summary="学员的就餐、饮食要求与房间")
@permission(STAFF, SELF)
def logistics_own_detail(request, enrollment_id: Id):
    """The cadre's own view (also for staff of the class): meals per day with whether they can
    still be changed, dietary note, room (building, number) and roommates' names."""
    return _own_out(_enrollment(request.auth, enrollment_id))


@router.get("/me/logistics", response=responses({200: Page[OwnListItem]}, 400), tags=TAGS,
            summary="我的班次食宿（列表）")
@permission(SELF)
def logistics_mine(request, paging: Query[PageQuery]):
    """The caller's own approved enrollments whose class provides meals or rooms, newest first."""
    owner = scope.rule_for(Enrollment).owner_lookup
    qs = (Enrollment.objects.filter(**{owner: request.auth.pk}, status=EnrollmentStatus.APPROVED,
                                  training_class__logistics__isnull=False)
          .exclude(training_class__logistics__provides_dining=False, training_class__logistics__provides_lodging=False)
          .select_related("training_class__logistics").order_by("-training_class__start_date", "-pk"))
    return page_of(qs, paging, lambda e: {
        "enrollment_id": e.pk, "class_id": e.training_class_id, "class_title": e.training_class.title,
        "start_date": e.training_class.start_date, "end_date": e.training_class.end_date,
        "provides_dining": e.training_class.logistics.provides_dining,
        "provides_lodging": e.training_class.logistics.provides_lodging})


# --- lodging ---------------------------------------------------------------------------------

@router.put("/enrollments/{enrollment_id}/lodging-need", response=responses({200: NeedOut}, 400, 404), tags=TAGS,
            summary="是否需要住宿")
@permission(STAFF, SELF)
def logistics_lodging_need(request, enrollment_id: Id, payload: NeedIn):
    """`needed: false` for local cadres; it frees the room they had. A cadre may change it until
    the cut-off of the class's first day; staff at any time."""
    enrollment = _enrollment(request.auth, enrollment_id)
    record = lodging_services.lodging_set_need(actor=request.auth, enrollment=enrollment, needed=payload.needed,
                                               request=request)
    return {"enrollment_id": enrollment.pk, "lodging_needed": record.lodging_needed}


@router.get("/lodging-rooms", response=responses({200: Page[LodgingRoomOut]}, 400), tags=TAGS,
            summary="住宿房间列表")
@permission("rooms.manage")
def logistics_room_list(request, filters: Query[RoomFilters], paging: Query[PageQuery]):
    rooms = sorted(lodging_room_list_for(request.auth, institution=filters.institution_id, q=filters.q),
                   key=lambda r: (r.institution.path, *rules.room_sort_key(r)))
    start = (paging.page - 1) * paging.page_size
    return {"count": len(rooms), "page": paging.page, "page_size": paging.page_size,
            "items": [_room_out(r) for r in rooms[start:start + paging.page_size]]}


@router.post("/lodging-rooms", response=responses({201: LodgingRoomOut}, 400, 404), tags=TAGS,
             summary="添加住宿房间")
@permission("rooms.manage")
def logistics_room_add(request, payload: RoomIn):
    institution = organisation_ref(request.auth, payload.institution_id, field="institution_id")
    room = lodging_services.lodging_room_create(
        actor=request.auth, institution=institution, building=payload.building, number=payload.number,
        beds=payload.beds, gender=payload.gender.value, note=payload.note, request=request)
    return Status(201, _room_out(lodging_room_get_for(request.auth, room.pk)))


@router.patch("/lodging-rooms/{room_id}", response=responses({200: LodgingRoomOut}, 400, 404), tags=TAGS,
              summary="修改住宿房间（含停用/启用）")
@permission("rooms.manage")
def logistics_room_change(request, room_id: Id, payload: RoomPatchIn):
    room = lodging_room_get_for(request.auth, room_id)
    sent = payload.model_dump(exclude_unset=True)
    active = sent.pop("is_active", None)
    if sent:
        values = {"building": room.building, "number": room.number, "beds": room.beds, "gender": room.gender,
                  "note": room.note}
        values.update({k: (v.value if isinstance(v, RoomGender) else v) for k, v in sent.items() if v is not None})
        room = lodging_services.lodging_room_update(actor=request.auth, room=room, request=request, **values)
    if active is not None:
        room = lodging_services.lodging_room_set_active(actor=request.auth, room=room, active=active, request=request)
    return _room_out(lodging_room_get_for(request.auth, room.pk))


@router.get("/classes/{class_id}/lodging", response=responses({200: BoardOut}, 400, 404), tags=TAGS,
            summary="班次住宿安排")
@permission(STAFF)
def logistics_lodging_board(request, class_id: Id):
    training_class = managed_class(request.auth, class_id)
    settings = selectors.settings_for(training_class)
    board = lodging_board(request.auth, training_class)
    unassigned = board.unassigned
    return {
        "class_id": training_class.pk, "provides_lodging": settings is not None and settings.provides_lodging,
        "needing": board.needing, "not_needed": board.not_needed, "assigned": board.assigned,
        "unassigned_male": unassigned.get(Gender.MALE, 0), "unassigned_female": unassigned.get(Gender.FEMALE, 0),
        "problems": board.problems,
        "rows": [{"enrollment_id": r.enrollment.pk, "seat_no": r.enrollment.seat_no,
                  "name": r.enrollment.cadre.person.name, "gender": r.gender, "unit_name": r.enrollment.unit.name,
                  "lodging_needed": r.needed, "room": _room_ref(r.room)} for r in board.rows],
        "rooms": [{"room": _room_ref(u.room), "beds": u.room.beds, "gender": u.room.gender, "held": u.held,
                   "occupants": u.ours, "others": u.others, "free": u.free, "is_active": u.room.is_active}
                  for u in board.rooms],
    }


@router.post("/classes/{class_id}/lodging/auto-assign", response=responses({200: AutoOut}, 400, 404), tags=TAGS,
             summary="自动分配房间")
@permission(STAFF)
def logistics_lodging_auto(request, class_id: Id):
    """Beds for every approved cadre who needs one and has none (by gender, same unit together,
    rooms in order). Running it again assigns nobody twice."""
    training_class = managed_class(request.auth, class_id)
    result = lodging_services.lodging_auto_assign(actor=request.auth, training_class=training_class,
                                                  request=request)
    return {"assigned": result.assigned, "unplaced": result.unplaced, "message": result.message}


def _assignment_out(enrollment) -> dict:
    own = selectors.own_logistics(enrollment)
    room = own.assignment.room if own.assignment is not None else None
    return {"enrollment_id": enrollment.pk, "room": _room_ref(room),
            "roommates": [mate.name for mate in own.roommates]}


@router.put("/enrollments/{enrollment_id}/room", response=responses({200: AssignmentOut}, 400, 404), tags=TAGS,
            summary="安排或调整房间")
@permission(STAFF)
def logistics_room_assign(request, enrollment_id: Id, payload: AssignIn):
    """Assign (or move to) a room of the class's institution; refusals name the rule (gender,
    full, inactive) with 400 `room_refused`. Assigning the current room again changes nothing."""
    enrollment = _enrollment(request.auth, enrollment_id)
    managed_class(request.auth, enrollment.training_class)
    try:
        room = class_room_get(enrollment.training_class, payload.room_id)
    except NotFound as exc:
        exc.field = "room_id"
        raise
    lodging_services.lodging_assign(actor=request.auth, enrollment=enrollment, room=room, request=request)
    return _assignment_out(enrollment)


@router.delete("/enrollments/{enrollment_id}/room", response=responses({200: UnassignOut}, 400, 404), tags=TAGS,
               summary="取消房间安排")
@permission(STAFF)
def logistics_room_unassign(request, enrollment_id: Id):
    enrollment = _enrollment(request.auth, enrollment_id)
    managed_class(request.auth, enrollment.training_class)
    done = lodging_services.lodging_unassign(actor=request.auth, enrollment=enrollment, request=request)
    return {"enrollment_id": enrollment.pk, "unassigned": done}
