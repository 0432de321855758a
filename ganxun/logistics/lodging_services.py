"""Writes of lodging: an institution's rooms, and the rooms of a class's cadres.

Rules (docs/logistics.md): a room holds one gender at a time (a "不限" room takes the
gender of whoever stays in it over the dates in question); never more occupants on any
day than beds, counting every class whose dates overlap; only active rooms of the class's
institution; only approved cadres who need a room. Each write locks the room rows it
checks (select_for_update), so two assignments to the same room are checked one after
the other, and is idempotent (assigning the room a cadre already has changes nothing).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from ganxun.access import scope
from ganxun.audit.services import audit_record
from ganxun.classes.models import TrainingClass
from ganxun.core.errors import DomainError, NotFound
from ganxun.logistics import rules
from ganxun.logistics.guards import enrollment_role, managed_class
from ganxun.logistics.models import (
    AssignMethod,
    ClassLogistics,
    EnrollmentLogistics,
    LodgingAssignment,
    LodgingRoom,
    RoomGender,
)
from ganxun.logistics.services import LOCKED, _lock_enrollment, check_approved
from ganxun.org.models import Organisation
from ganxun.people.choices import Gender
from ganxun.roster.models import Enrollment, EnrollmentStatus

GENDER_WORD = {Gender.MALE: "男", Gender.FEMALE: "女"}


# --- who stays where -----------------------------------------------------------------------

@dataclass(frozen=True)
class Stay:
    room_id: int
    start: dt.date
    end: dt.date
    gender: str
    enrollment_id: int
    class_id: int
    class_title: str
    name: str


def stays_in(room_ids, start: dt.date, end: dt.date) -> dict[int, list[Stay]]:
    """Every live stay (approved enrollment) in these rooms whose class dates overlap [start, end].
    Dropped or withdrawn cadres free their bed without anyone having to unassign them."""
    rows = LodgingAssignment.objects.filter(
        room_id__in=list(room_ids), enrollment__status=EnrollmentStatus.APPROVED,
        enrollment__training_class__start_date__lte=end, enrollment__training_class__end_date__gte=start,
    ).values_list("room_id", "enrollment__training_class__start_date", "enrollment__training_class__end_date",
                  "enrollment__cadre__person__gender", "enrollment_id", "enrollment__training_class_id",
                  "enrollment__training_class__title", "enrollment__cadre__person__name")
    stays: dict[int, list[Stay]] = defaultdict(list)
    for row in rows:
        stays[row[0]].append(Stay(*row))
    return stays


def room_gender_over(room: LodgingRoom, stays: list[Stay]) -> str | None:
    """The gender the room holds over the period: its fixed gender, else that of its
    occupants then (None when an unrestricted room is empty then)."""
    if room.gender != RoomGender.ANY:
        return room.gender
    genders = {stay.gender for stay in stays}
    return genders.pop() if len(genders) == 1 else (None if not genders else "mixed")


def _room_refusal(room: LodgingRoom, gender: str, name: str, start: dt.date, end: dt.date,
                  stays: list[Stay], class_id: int) -> str | None:
    """Why `name` (of `gender`) cannot have a bed in `room` over [start, end], or None."""
    if not room.is_active:
        return f"房间“{room.label}”已停用。"
    word = GENDER_WORD.get(gender, "")
    if room.gender != RoomGender.ANY and room.gender != gender:
        return f"房间“{room.label}”为{RoomGender(room.gender).label}生房间，不能安排{word}学员“{name}”。"
    others = [s for s in stays if s.gender != gender]
    if room.gender == RoomGender.ANY and others:
        where = _other_classes(others, class_id)
        return (f"房间“{room.label}”在此期间已住有{GENDER_WORD.get(others[0].gender, '')}学员{where}，"
                f"不能安排{word}学员“{name}”。")
    peak = rules.peak_occupancy(start, end, [(s.start, s.end) for s in stays])
    if peak >= room.beds:
        return (f"房间“{room.label}”已住满（{room.beds} 张床位，此期间已住 {peak} 人"
                f"{_other_classes(stays, class_id)}）。")
    return None


def _other_classes(stays: list[Stay], class_id: int) -> str:
    titles = sorted({s.class_title for s in stays if s.class_id != class_id})
    return f"（含班次“{'”“'.join(titles[:3])}”）" if titles else ""


def _lodging_settings(training_class: TrainingClass) -> ClassLogistics:
    settings = ClassLogistics.objects.filter(training_class=training_class).first()
    if settings is None or not settings.provides_lodging:
        raise DomainError("本班次未统一安排住宿。", code="no_lodging")
    return settings


def _needs(enrollment: Enrollment) -> bool:
    record = EnrollmentLogistics.objects.filter(enrollment=enrollment).first()
    return record is None or record.lodging_needed


# --- rooms of an institution ---------------------------------------------------------------

def _room_fields(building: str, number: str, beds, gender: str, note: str) -> dict:
    building, number = (building or "").strip(), (number or "").strip()
    if not building:
        raise DomainError("请填写楼栋。", field="building")
    if len(building) > 40:
        raise DomainError("楼栋名称最多 40 个字。", field="building")
    if not number:
        raise DomainError("请填写房间号。", field="number")
    if len(number) > 20:
        raise DomainError("房间号最多 20 个字符。", field="number")
    try:
        beds = int(beds)
    except (TypeError, ValueError):
        raise DomainError("请填写床位数。", field="beds") from None
    if not 1 <= beds <= 20:
        raise DomainError("床位数应在 1 到 20 之间。", field="beds")
    if gender not in RoomGender.values:
        raise DomainError("请选择房间性别：男、女或不限。", field="gender")
    return {"building": building, "number": number, "beds": beds, "gender": gender,
            "note": (note or "").strip()[:100]}


def _check_institution(actor, institution: Organisation | None) -> None:
    scope.require(actor, "rooms.manage")
    if institution is None or institution.kind != Organisation.Kind.INSTITUTION:
        raise DomainError("请选择一个培训机构。", field="institution")
    scope.require_within(actor, institution, message="该培训机构不在您的管理范围内。")


@transaction.atomic
def lodging_room_create(*, actor, institution: Organisation, building: str, number: str, beds: int,
                        gender: str = RoomGender.ANY, note: str = "", request=None) -> LodgingRoom:
    _check_institution(actor, institution)
    values = _room_fields(building, number, beds, gender, note)
    if LodgingRoom.objects.filter(institution=institution, building=values["building"],
                                  number=values["number"]).exists():
        raise DomainError(f"{institution.name}已有房间“{values['building']} {values['number']}”。",
                          field="number", code="duplicate")
    room = LodgingRoom.objects.create(institution=institution, **values)
    audit_record(action="lodging.room_create", actor=actor, request=request, target=room)
    return room


@transaction.atomic
def lodging_room_create_many(*, actor, institution: Organisation, building: str, numbers: str, beds: int,
                             gender: str = RoomGender.ANY, request=None) -> list[LodgingRoom]:
    """Add a run of rooms at once ("101-120, 201-220"); rooms that already exist are
    refused by name, and then none is added."""
    _check_institution(actor, institution)
    try:
        expanded = rules.expand_numbers(numbers)
    except ValueError as exc:
        raise DomainError(str(exc), field="numbers") from None
    rows = [_room_fields(building, number, beds, gender, "") for number in expanded]
    taken = sorted(LodgingRoom.objects.filter(institution=institution, building=rows[0]["building"],
                                              number__in=expanded).values_list("number", flat=True),
                   key=rules.natural_key)
    if taken:
        raise DomainError(f"{rows[0]['building']}已有这些房间：{'、'.join(taken[:10])}"
                          f"{' 等' if len(taken) > 10 else ''}。", field="numbers", code="duplicate")
    rooms = LodgingRoom.objects.bulk_create([LodgingRoom(institution=institution, **values) for values in rows])
    audit_record(action="lodging.room_create", actor=actor, request=request, target=institution,
                 detail={"building": rows[0]["building"], "rooms": len(rooms), "beds": rows[0]["beds"],
                         "gender": gender})
    return rooms


def _future_stays(room: LodgingRoom) -> list[Stay]:
    today = timezone.localdate()
    return stays_in([room.pk], today, dt.date.max - dt.timedelta(days=1)).get(room.pk, [])


@transaction.atomic
def lodging_room_update(*, actor, room: LodgingRoom, building: str, number: str, beds: int, gender: str,
                        note: str = "", request=None) -> LodgingRoom:
    """Change a room. Fewer beds than the room will hold on some day from today, or a
    gender that contradicts its present and future occupants, are refused."""
    room = LodgingRoom.objects.select_for_update().select_related("institution").get(pk=room.pk)
    _check_institution(actor, room.institution)
    values = _room_fields(building, number, beds, gender, note)
    clash = LodgingRoom.objects.filter(institution=room.institution, building=values["building"],
                                       number=values["number"]).exclude(pk=room.pk)
    if clash.exists():
        raise DomainError(f"{room.institution.name}已有房间“{values['building']} {values['number']}”。",
                          field="number", code="duplicate")
    stays = _future_stays(room)
    if stays:
        today = timezone.localdate()
        peak = rules.peak_occupancy(today, dt.date.max - dt.timedelta(days=1), [(s.start, s.end) for s in stays])
        if values["beds"] < peak:
            raise DomainError(f"房间“{room.label}”今后最多同时住 {peak} 人，床位数不能少于 {peak}。", field="beds")
        wrong = [s for s in stays if values["gender"] != RoomGender.ANY and s.gender != values["gender"]]
        if wrong:
            raise DomainError(f"房间“{room.label}”已安排{GENDER_WORD.get(wrong[0].gender, '')}学员“{wrong[0].name}”"
                              f"（班次“{wrong[0].class_title}”），不能改为{RoomGender(values['gender']).label}生房间。",
                              field="gender")
    if all(getattr(room, k) == v for k, v in values.items()):
        return room
    for name, value in values.items():
        setattr(room, name, value)
    room.save()
    audit_record(action="lodging.room_update", actor=actor, request=request, target=room, detail=values)
    return room


@transaction.atomic
def lodging_room_set_active(*, actor, room: LodgingRoom, active: bool, request=None) -> LodgingRoom:
    """Deactivate (or re-activate) a room: occupants keep it, new assignments cannot pick it."""
    room = LodgingRoom.objects.select_for_update().select_related("institution").get(pk=room.pk)
    _check_institution(actor, room.institution)
    if room.is_active == bool(active):
        return room
    room.is_active = bool(active)
    room.save(update_fields=["is_active", "updated_at"])
    audit_record(action="lodging.room_activate" if active else "lodging.room_deactivate", actor=actor,
                 request=request, target=room)
    return room


# --- assignments ---------------------------------------------------------------------------

def _staff_enrollment(actor, enrollment: Enrollment) -> Enrollment:
    enrollment = _lock_enrollment(enrollment)
    managed_class(actor, enrollment.training_class)
    if enrollment.training_class.is_locked:
        raise DomainError(LOCKED, code="class_locked")
    return enrollment


@transaction.atomic
def lodging_assign(*, actor, enrollment: Enrollment, room: LodgingRoom, request=None) -> LodgingAssignment:
    """Give the cadre a bed in `room` (a move when they have another room). Staff only."""
    enrollment = _staff_enrollment(actor, enrollment)
    training_class = enrollment.training_class
    check_approved(enrollment)
    _lodging_settings(training_class)
    name = enrollment.cadre.person.name
    if not _needs(enrollment):
        raise DomainError(f"“{name}”已登记为无需住宿，请先改为需要住宿。", code="no_lodging_needed")
    try:
        room = LodgingRoom.objects.select_for_update().get(pk=room.pk, institution=training_class.institution_id)
    except LodgingRoom.DoesNotExist:
        raise NotFound("未找到该房间，或它不属于本班次的培训机构。") from None
    current = LodgingAssignment.objects.filter(enrollment=enrollment).first()
    if current is not None and current.room_id == room.pk:
        return current
    stays = [s for s in stays_in([room.pk], training_class.start_date, training_class.end_date).get(room.pk, [])
             if s.enrollment_id != enrollment.pk]
    refusal = _room_refusal(room, enrollment.cadre.person.gender, name, training_class.start_date,
                            training_class.end_date, stays, training_class.pk)
    if refusal:
        raise DomainError(refusal, field="room_id", code="room_refused")
    if current is None:
        current = LodgingAssignment.objects.create(enrollment=enrollment, room=room, method=AssignMethod.MANUAL,
                                                   assigned_by=actor)
        audit_record(action="lodging.assign", actor=actor, request=request, target=enrollment,
                     detail={"class": training_class.pk, "room": room.pk, "room_label": room.label})
    else:
        before = current.room
        current.room, current.method, current.assigned_by = room, AssignMethod.MANUAL, actor
        current.save()
        audit_record(action="lodging.move", actor=actor, request=request, target=enrollment,
                     detail={"class": training_class.pk, "from": before.pk, "from_label": before.label,
                             "room": room.pk, "room_label": room.label})
    return current


@transaction.atomic
def lodging_unassign(*, actor, enrollment: Enrollment, request=None) -> bool:
    """Free the cadre's bed. Returns whether there was one."""
    enrollment = _staff_enrollment(actor, enrollment)
    return _unassign(actor, enrollment, request, by="staff")


def _unassign(actor, enrollment: Enrollment, request, *, by: str) -> bool:
    current = LodgingAssignment.objects.select_related("room").filter(enrollment=enrollment).first()
    if current is None:
        return False
    audit_record(action="lodging.unassign", actor=actor, request=request, target=enrollment,
                 detail={"class": enrollment.training_class_id, "room": current.room_id,
                         "room_label": current.room.label, "by": by})
    current.delete()
    return True


def lodging_need_open(settings: ClassLogistics, training_class: TrainingClass, now: dt.datetime | None = None) -> bool:
    """Cadres say whether they need a room until the cut-off of the class's first day."""
    return rules.is_open(training_class.start_date, settings.cutoff_days_before, settings.cutoff_time, now)


@transaction.atomic
def lodging_set_need(*, actor, enrollment: Enrollment, needed: bool, request=None,
                     now: dt.datetime | None = None) -> EnrollmentLogistics:
    """Mark a cadre as needing a room or not (local cadres go home). The cadre may change it
    until the cut-off of the class's first day; staff at any time. Not needing a room frees
    the bed the cadre had."""
    enrollment = _lock_enrollment(enrollment)
    role = enrollment_role(actor, enrollment)
    training_class = enrollment.training_class
    if training_class.is_locked:
        raise DomainError(LOCKED, code="class_locked")
    check_approved(enrollment)
    settings = _lodging_settings(training_class)
    if role == "self" and not lodging_need_open(settings, training_class, now):
        deadline = rules.cutoff_at(training_class.start_date, settings.cutoff_days_before, settings.cutoff_time)
        raise DomainError(f"住宿登记已于 {rules.cutoff_text(deadline)} 截止，如需调整请联系班主任。",
                          code="cutoff_passed", field="lodging_needed")
    record, _ = EnrollmentLogistics.objects.get_or_create(enrollment=enrollment)
    needed = bool(needed)
    if record.lodging_needed == needed:
        return record
    record.lodging_needed, record.updated_by = needed, actor
    record.save(update_fields=["lodging_needed", "updated_by", "updated_at"])
    if not needed:
        _unassign(actor, enrollment, request, by=role)
    audit_record(action="lodging.need", actor=actor, request=request, target=enrollment,
                 detail={"class": training_class.pk, "needed": needed, "by": role})
    return record


@dataclass
class AutoAssignResult:
    assigned: int = 0
    unplaced: list[str] = field(default_factory=list)  # names
    unplaced_by_gender: dict[str, int] = field(default_factory=dict)

    @property
    def message(self) -> str:
        text = f"已自动安排 {self.assigned} 名学员。"
        if self.unplaced:
            detail = "，".join(f"{GENDER_WORD.get(g, g)} {self.unplaced_by_gender[g]} 人"
                              for g in Gender.values if self.unplaced_by_gender.get(g))
            text += f"还有 {len(self.unplaced)} 名学员没有可用床位（{detail}），请添加或启用房间后再试。"
        return text


@transaction.atomic
def lodging_auto_assign(*, actor, training_class: TrainingClass, request=None) -> AutoAssignResult:
    """Give every approved cadre who needs a room and has none a bed.

    Cadres are taken by gender (men, then women) and then by unit (the nominating unit's
    place in the tree, then seat number). For each gender, rooms are filled one after the
    other — first the rooms reserved for that gender, then the unrestricted ones, each in
    building and number order — skipping inactive rooms, full ones and unrestricted rooms
    held by the other gender; so cadres of one unit share rooms as far as room sizes allow,
    and earlier assignments (manual, or of other classes over the same dates) are respected.
    A few queries whatever the class size.
    Cadres for whom no bed is left are reported, not half-placed.
    """
    training_class = managed_class(actor, training_class)
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    if training_class.is_locked:
        raise DomainError(LOCKED, code="class_locked")
    _lodging_settings(training_class)
    start, end = training_class.start_date, training_class.end_date
    rooms = sorted(LodgingRoom.objects.select_for_update().filter(institution=training_class.institution_id,
                                                                  is_active=True).order_by("pk"),
                   key=rules.room_sort_key)
    stays = stays_in([room.pk for room in rooms], start, end)
    free = {room.pk: room.beds - rules.peak_occupancy(start, end, [(s.start, s.end) for s in stays.get(room.pk, [])])
            for room in rooms}
    held = {room.pk: room_gender_over(room, stays.get(room.pk, [])) for room in rooms}
    candidates = list(
        Enrollment.objects.filter(training_class=training_class, status=EnrollmentStatus.APPROVED,
                                  lodging__isnull=True)
        .exclude(logistics__lodging_needed=False)
        .values_list("pk", "cadre__person__gender", "unit__path", "seat_no", "cadre__person__name")
    )
    gender_rank = {value: index for index, value in enumerate(Gender.values)}  # men first, then women
    candidates.sort(key=lambda c: (gender_rank.get(c[1], 9), rules.natural_key(c[2]), c[3] is None, c[3] or 0,
                                   c[4], c[0]))
    # Rooms reserved for a gender come first for it, so unrestricted rooms stay open to either.
    order = {gender: [r for r in rooms if r.gender == gender] + [r for r in rooms if r.gender == RoomGender.ANY]
             for gender in Gender.values}
    result = AutoAssignResult()
    new: list[LodgingAssignment] = []
    cursor: dict[str, int] = defaultdict(int)
    for pk, gender, _unit, _seat, name in candidates:
        sequence = order.get(gender, [])
        index = cursor[gender]
        while index < len(sequence):
            room = sequence[index]
            if free[room.pk] > 0 and held[room.pk] in (None, gender):
                break
            index += 1
        cursor[gender] = index
        if index == len(sequence):
            result.unplaced.append(name)
            result.unplaced_by_gender[gender] = result.unplaced_by_gender.get(gender, 0) + 1
            continue
        room = sequence[index]
        free[room.pk] -= 1
        held[room.pk] = gender
        new.append(LodgingAssignment(enrollment_id=pk, room=room, method=AssignMethod.AUTO, assigned_by=actor))
    LodgingAssignment.objects.bulk_create(new)
    result.assigned = len(new)
    if new or result.unplaced:
        audit_record(action="lodging.auto_assign", actor=actor, request=request, target=training_class,
                     detail={"assigned": result.assigned, "unplaced": len(result.unplaced)})
    return result
