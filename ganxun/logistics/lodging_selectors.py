"""Reads of lodging: an institution's rooms, a class's room board, roommates.

Definitions used on the pages and in the API:
* a room's *occupancy over a period* is the largest number of stays present on any one
  day of it (rules.peak_occupancy), counting approved enrollments of every class whose
  dates overlap the period; *free beds* = beds − occupancy (never below 0 on screen);
* a room is *overfull* when occupancy > beds, and *mixed* when stays of both genders
  overlap in it — both can only arise when a class's dates were moved after its cadres
  got their rooms, and the board flags them;
* roommates are the other occupants of the same room whose class dates overlap the
  cadre's class (names only).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from ganxun.access import scope
from ganxun.classes.models import TrainingClass
from ganxun.core.errors import NotFound
from ganxun.logistics import rules
from ganxun.logistics.lodging_services import GENDER_WORD, Stay, room_gender_over, stays_in
from ganxun.logistics.models import EnrollmentLogistics, LodgingAssignment, LodgingRoom, RoomGender
from ganxun.people.choices import Gender
from ganxun.roster.models import Enrollment, EnrollmentStatus


def lodging_room_list_for(actor, *, institution: int | None = None, q: str = ""):
    qs = scope.scoped(actor, LodgingRoom, permission="rooms.manage").select_related("institution")
    if institution:
        qs = qs.filter(institution_id=institution)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(building__icontains=q) | Q(number__icontains=q))
    return qs.order_by("institution__path", "building", "number")


def lodging_room_get_for(actor, pk) -> LodgingRoom:
    return scope.get_for(actor, LodgingRoom.objects.select_related("institution"), pk, permission="rooms.manage")


def class_room_get(training_class: TrainingClass, pk) -> LodgingRoom:
    """A room of the class's institution (the class is already resolved for the actor)."""
    try:
        return LodgingRoom.objects.get(pk=int(pk), institution=training_class.institution_id)
    except (TypeError, ValueError, LodgingRoom.DoesNotExist):
        raise NotFound("未找到该房间，或它不属于本班次的培训机构。") from None


@dataclass
class Roommate:
    name: str
    same_class: bool


def roommates_of(assignment: LodgingAssignment) -> list[Roommate]:
    enrollment = assignment.enrollment
    training_class = enrollment.training_class
    stays = stays_in([assignment.room_id], training_class.start_date, training_class.end_date).get(
        assignment.room_id, [])
    return sorted((Roommate(s.name, s.class_id == training_class.pk) for s in stays
                   if s.enrollment_id != enrollment.pk), key=lambda r: (not r.same_class, r.name))


# --- the room board of a class --------------------------------------------------------------

@dataclass
class RoomUse:
    room: LodgingRoom
    peak: int
    held: str | None  # gender over the class's dates, "mixed", or None (empty unrestricted room)
    ours: list[str] = field(default_factory=list)  # names of this class's cadres in it
    others: int = 0  # stays of other classes over these dates

    @property
    def free(self) -> int:
        return max(self.room.beds - self.peak, 0)

    @property
    def overfull(self) -> bool:
        return self.peak > self.room.beds

    @property
    def mixed(self) -> bool:
        return self.held == "mixed"

    @property
    def held_label(self) -> str:
        if self.held == "mixed":
            return "男女混住"
        if self.room.gender != RoomGender.ANY:
            return f"{RoomGender(self.room.gender).label}（固定）"
        return f"{GENDER_WORD[self.held]}（不限，按入住者）" if self.held else "不限（空）"

    def takes(self, gender: str) -> bool:
        return self.room.is_active and self.free > 0 and self.held in (None, gender)


@dataclass
class BoardRow:
    enrollment: Enrollment
    needed: bool
    room: LodgingRoom | None
    options: list[RoomUse] = field(default_factory=list)  # rooms it could have (see options_for)

    @property
    def gender(self) -> str:
        return self.enrollment.cadre.person.gender


@dataclass
class LodgingBoard:
    training_class: TrainingClass
    rows: list[BoardRow]
    rooms: list[RoomUse]
    problems: list[str]

    @property
    def needing(self) -> int:
        return sum(1 for r in self.rows if r.needed)

    @property
    def not_needed(self) -> int:
        return sum(1 for r in self.rows if not r.needed)

    @property
    def assigned(self) -> int:
        return sum(1 for r in self.rows if r.room is not None)

    @property
    def unassigned(self) -> dict[str, int]:
        counts = {Gender.MALE.value: 0, Gender.FEMALE.value: 0}
        for row in self.rows:
            if row.needed and row.room is None:
                counts[row.gender] = counts.get(row.gender, 0) + 1
        return counts

    @property
    def unassigned_total(self) -> int:
        return sum(self.unassigned.values())

    def free_beds(self, gender: str) -> int:
        return sum(use.free for use in self.rooms if use.takes(gender))

    @property
    def free_male(self) -> int:
        return self.free_beds(Gender.MALE)

    @property
    def free_female(self) -> int:
        return self.free_beds(Gender.FEMALE)

    def options_for(self, row: BoardRow) -> list[RoomUse]:
        """Rooms the cadre could move to (right gender, a free bed), plus their current one."""
        return [use for use in self.rooms
                if use.takes(row.gender) or (row.room is not None and use.room.pk == row.room.pk)]

    @property
    def by_room(self) -> list[RoomUse]:
        return [use for use in self.rooms if use.ours]


def lodging_board(actor, training_class: TrainingClass) -> LodgingBoard:
    """Who of the class needs a room and has which; how full each room of the institution
    is over the class's dates (a few queries whatever the class size)."""
    start, end = training_class.start_date, training_class.end_date
    enrollments = list(
        scope.scoped(actor, Enrollment, permission="logistics.manage")
        .filter(training_class=training_class, status=EnrollmentStatus.APPROVED)
        .select_related("cadre__person", "unit", "logistics", "lodging__room")
        .order_by("seat_no", "cadre__person__name", "pk"))
    rows = []
    for enrollment in enrollments:
        try:
            needed = enrollment.logistics.lodging_needed
        except EnrollmentLogistics.DoesNotExist:
            needed = True
        try:
            room = enrollment.lodging.room
        except LodgingAssignment.DoesNotExist:
            room = None
        rows.append(BoardRow(enrollment, needed, room))
    used_ids = {row.room.pk for row in rows if row.room is not None}
    rooms = sorted(LodgingRoom.objects.filter(Q(institution=training_class.institution_id, is_active=True)
                                              | Q(pk__in=used_ids)), key=rules.room_sort_key)
    stays = stays_in([room.pk for room in rooms], start, end)
    uses = []
    problems = []
    for room in rooms:
        room_stays: list[Stay] = stays.get(room.pk, [])
        use = RoomUse(room, rules.peak_occupancy(start, end, [(s.start, s.end) for s in room_stays]),
                      room_gender_over(room, room_stays))
        use.ours = sorted(s.name for s in room_stays if s.class_id == training_class.pk)
        use.others = sum(1 for s in room_stays if s.class_id != training_class.pk)
        if room.gender != RoomGender.ANY and any(s.gender != room.gender for s in room_stays):
            use.held = "mixed"
        if use.overfull:
            problems.append(f"房间“{room.label}”超员：{room.beds} 张床位，本班期间最多住 {use.peak} 人。")
        if use.mixed:
            problems.append(f"房间“{room.label}”在本班期间男女混住，请调整。")
        uses.append(use)
    board = LodgingBoard(training_class, rows, uses, problems)
    for row in rows:
        row.options = board.options_for(row)
    return board
