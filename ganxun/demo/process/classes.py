"""Classes, teaching rooms, guest rooms and timetables, through the classes and logistics services.

Each institution gets its teaching rooms (classes.services.room_create) and, where classes
live in, guest rooms (logistics lodging_room_create_many). Classes are created by the org
department that runs them (`orgadmin` for the city, `county_admin` for 东城区) or, for the
other counties, by their party school's admin; timetables by the institution's admin with
session_add, which refuses any teacher or room clash — the generator also keeps its own
booking table so it only asks for free slots.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ganxun.access.roles import Role
from ganxun.classes import services as class_services
from ganxun.classes.models import SLOT_TIMES, ClassMode, Room, Session, SessionKind, Slot, TrainingClass
from ganxun.demo.process import staff
from ganxun.demo.process.schedule import ClassSpec
from ganxun.demo.process.world import World, rng_for
from ganxun.logistics import lodging_services
from ganxun.org.models import Organisation
from ganxun.people.models import Teacher
from ganxun.topics.models import Topic

TEACHING_ROOMS = {
    "school": [("报告厅", 220), ("第一教室", 80), ("第二教室", 80), ("第三教室", 60), ("第四教室", 60),
               ("研讨室一", 40), ("研讨室二", 40), ("研讨室三", 40)],
    "academy": [("学术报告厅", 200), ("多功能厅", 120), ("第一教室", 60), ("第二教室", 60), ("研讨室A", 40),
                ("研讨室B", 40)],
    "county": [("报告厅", 150), ("教室", 60), ("研讨室", 40)],
}
GUEST_ROOMS = {
    "school": [("1号学员楼", "101-130, 201-230, 301-330", 2), ("2号学员楼", "101-120", 1)],
    "academy": [("学员公寓", "101-125, 201-225, 301-310", 2)],
}
BASE_WORDS = {"red": "红色", "rural": "乡村振兴", "clean": "廉政"}
LECTURE_TITLES = ["{t}专题辅导", "深入学习{t}", "{t}的实践与思考", "新形势下{t}的重点任务", "{t}的理论与实践",
                  "{t}：形势、任务与对策"]


@dataclass
class Place:
    """An institution as the generator uses it: who runs it, its rooms and teachers."""

    institution: Organisation
    kind: str                                   # school | academy | county
    admin: str                                  # username of its institution admin
    heads: list[str]                            # usernames of its head teachers
    rooms: list[Room] = field(default_factory=list)
    teachers: list[Teacher] = field(default_factory=list)
    expertise: dict[int, set[str]] = field(default_factory=dict)
    created: int = 0

    @property
    def hall(self) -> Room:
        return self.rooms[0]

    @property
    def classrooms(self) -> list[Room]:
        return [r for r in self.rooms[1:] if not r.name.startswith("研讨")]

    @property
    def seminars(self) -> list[Room]:
        return [r for r in self.rooms if r.name.startswith("研讨")] or self.rooms[-1:]


def places(world: World) -> dict[int, Place]:
    """Set up every institution of the first city: teaching rooms, guest rooms, teacher pool."""
    result: dict[int, Place] = {}
    entries = [(world.school, "school", "school_admin", ["headteacher", *staff.SCHOOL_HEADS]),
               (world.academy, "academy", staff.ACADEMY_ADMIN, [staff.ACADEMY_HEAD])]
    for county in world.counties:
        if county.pk in world.county_schools:
            entries.append((world.county_schools[county.pk], "county", staff.county_school_admin(county),
                            [staff.county_school_head(county)]))
    for institution, kind, admin, heads in entries:
        place = Place(institution, kind, admin, [h for h in heads if _exists(h)])
        actor = world.actor(admin, Role.INSTITUTION_ADMIN)
        place.rooms = [class_services.room_create(actor=actor, institution=institution, name=name, capacity=capacity)
                       for name, capacity in TEACHING_ROOMS[kind]]
        for building, numbers, beds in GUEST_ROOMS.get(kind, ()):
            lodging_services.lodging_room_create_many(actor=actor, institution=institution, building=building,
                                                      numbers=numbers, beds=beds)
        teachers = Teacher.objects.filter(institution=institution, is_active=True).select_related("person")
        place.teachers = sorted(teachers, key=lambda t: t.person.id_number)
        for teacher_id, code in Teacher.expertise.through.objects.filter(
                teacher__in=place.teachers).values_list("teacher_id", "topic__code"):
            place.expertise.setdefault(teacher_id, set()).add(code)
        result[institution.pk] = place
    return result


def _exists(username: str) -> bool:
    from ganxun.access.models import Account

    return Account.objects.filter(username=username).exists()


def head_teacher_for(world: World, place: Place, spec: ClassSpec):
    """R is headed by the `headteacher` persona; the others in turn by the institution's heads."""
    if not place.heads:
        return None
    if spec.anchor == "R" or place.kind != "school":
        username = place.heads[0]
    else:
        username = place.heads[place.created % len(place.heads)]
    return world.actor(username, Role.HEAD_TEACHER)


def creator_for(world: World, spec: ClassSpec, place: Place):
    if spec.organiser.pk == world.city.pk:
        return world.actor("orgadmin", Role.ORG_DEPT_ADMIN)
    if spec.organiser.pk == world.county.pk:
        return world.actor("county_admin", Role.ORG_DEPT_ADMIN)
    return world.actor(place.admin, Role.INSTITUTION_ADMIN)


def create_class(world: World, spec: ClassSpec, place: Place, topics: dict[str, Topic]) -> TrainingClass:
    head = head_teacher_for(world, place, spec)
    mode = spec.template.mode
    training_class = class_services.class_create(
        actor=creator_for(world, spec, place), institution=place.institution, organiser=spec.organiser,
        head_teacher=head, topics=[topics[c] for c in spec.template.topics if c in topics],
        data={"title": spec.title, "training_type": spec.template.kind, "start_date": spec.start,
              "end_date": spec.end, "place": "临江干部网络学院（线上直播）" if mode == ClassMode.ONLINE else place.institution.name,
              "mode": mode, "capacity": -(-spec.size // 10) * 10, "hours_per_half_day": Decimal("3"),
              "plan_item_id": spec.plan_item_id})
    place.created += 1
    world.add("classes")
    return training_class


@dataclass
class Bookings:
    """Teacher and room slots already given, across every class of the run."""

    taken: set[tuple] = field(default_factory=set)

    def free(self, kind: str, pk: int, date, slot) -> bool:
        return (kind, pk, date, slot) not in self.taken

    def book(self, kind: str, pk: int, date, slot) -> None:
        self.taken.add((kind, pk, date, slot))


def _slots(spec: ClassSpec, index: int) -> list[str]:
    slots = [Slot.MORNING, Slot.AFTERNOON]
    if len(spec.days) >= 10 and index in (1, 3, 6, 8):
        slots.append(Slot.EVENING)
    return slots


def timetable(world: World, spec: ClassSpec, place: Place, training_class: TrainingClass,
              bookings: Bookings, bases: list[Organisation], persona_teacher: Teacher | None,
              forced: Teacher | None = None, *, in_bulk: bool = False) -> list[Session]:
    """Morning and afternoon sessions on every class day (evenings too in a two-week class):
    opening lecture in the hall, lectures, 结构化研讨 / 案例教学, 现场教学 at a base on the second
    afternoon, 结业考试 on the last afternoon of a class of three days or more.

    Classes still to run get their timetable from session_add (the institution admin, with
    its clash checks and audit trail); the timetables of classes held before the process day
    are history and go in `in_bulk` — the booking table keeps them free of clashes too."""
    rng = rng_for(world.seed, "timetable", spec.key)
    actor = world.actor(place.admin, Role.INSTITUTION_ADMIN)
    planned: list[dict] = []
    template = spec.template
    topics = {t.code: t for t in training_class.topics.all()}
    codes = [c for c in template.topics if c in topics] or list(topics)
    online, blended = template.mode == ClassMode.ONLINE, template.mode == ClassMode.BLENDED
    base = next((b for b in bases if BASE_WORDS.get(template.base, "~") in b.name), None) if template.base else None
    main = place.hall if spec.size > 80 else (rng.choice(place.classrooms) if place.classrooms else place.hall)
    wants_persona = persona_teacher is not None and place.kind == "school" and (
        spec.anchor in ("R", "A", "B") or rng.random() < 0.5)
    wants_forced = forced is not None and forced.institution_id == place.institution.pk
    days = spec.days
    for index, date in enumerate(days):
        for slot in _slots(spec, index):
            code = codes[(index + (slot == Slot.AFTERNOON)) % len(codes)]
            topic = topics.get(code)
            name = topic.name if topic else "干部履职能力"
            last = index == len(days) - 1 and slot == Slot.AFTERNOON
            data = {"date": date, "slot": slot, "topic": topic, "requires_checkout": False}
            if online:
                kind, title = SessionKind.LECTURE, f"网络专题讲座：{rng.choice(LECTURE_TITLES).format(t=name)}"
            elif index == 0 and slot == Slot.MORNING:
                kind, title = SessionKind.LECTURE, (f"开班式暨{name}专题辅导" if len(days) > 1 else f"{name}专题讲座")
            elif slot == Slot.EVENING:
                kind, title = SessionKind.DISCUSSION, f"学员论坛：{name}"
            elif last and len(days) >= 3:
                kind, title = SessionKind.EXAM, "结业考试"
            elif last and len(days) == 2:
                kind, title = SessionKind.DISCUSSION, "结构化研讨与学习交流（结业式）"
            elif index == 1 and slot == Slot.AFTERNOON and base is not None:
                kind, title = SessionKind.ON_SITE, f"现场教学：{base.name}"
            elif slot == Slot.AFTERNOON:
                kind, title = rng.choice([(SessionKind.DISCUSSION, f"结构化研讨：{name}"),
                                          (SessionKind.CASE_STUDY, f"案例教学：{name}典型案例分析")])
            else:
                kind, title = SessionKind.LECTURE, rng.choice(LECTURE_TITLES).format(t=name)
            data.update(kind=kind, title=title)
            if kind == SessionKind.ON_SITE:
                data["base"], data["requires_checkout"] = base, True
            elif not online and not (blended and slot == Slot.MORNING and 0 < index):
                data["room"] = _room(place, bookings, date, slot, kind, main, index, rng)
            else:
                data["title"] = title if online else f"（线上）{title}"
            if spec.anchor == "R" and date == world.today and slot == Slot.AFTERNOON:
                data["requires_checkout"] = True  # so a visitor can try the check-out too
            if kind != SessionKind.EXAM and (kind != SessionKind.DISCUSSION or rng.random() < 0.5):
                wanted = None
                if kind == SessionKind.LECTURE and index > 0 and wants_forced:
                    wanted = forced
                elif wants_persona and kind != SessionKind.ON_SITE:
                    wanted = persona_teacher
                teacher = _teacher(place, bookings, date, slot, code, rng, wanted)
                if teacher is not None:
                    data["teacher"] = teacher
                    bookings.book("t", teacher.pk, date, slot)
                    if teacher == persona_teacher:
                        wants_persona = False
                    if teacher == forced:
                        wants_forced = False
            if data.get("room") is None:
                data.pop("room", None)
            planned.append(data)
    if in_bulk:
        sessions = Session.objects.bulk_create([Session(
            training_class=training_class, start_time=SLOT_TIMES[d["slot"]][0], end_time=SLOT_TIMES[d["slot"]][1],
            **d) for d in planned])
        world.add_bulk("session.add", len(sessions))
    else:
        sessions = [class_services.session_add(actor=actor, training_class=training_class, data=data)
                    for data in planned]
    world.add("sessions", len(sessions))
    return sessions


def _room(place: Place, bookings: Bookings, date, slot, kind, main: Room, index: int, rng) -> Room | None:
    if index == 0 and slot == Slot.MORNING:
        wanted = [place.hall]
    elif kind in (SessionKind.DISCUSSION, SessionKind.CASE_STUDY):
        wanted = list(place.seminars)
    else:
        wanted = [main]
    for room in wanted + place.rooms:
        if bookings.free("r", room.pk, date, slot):
            bookings.book("r", room.pk, date, slot)
            return room
    return None


def _teacher(place: Place, bookings: Bookings, date, slot, code: str, rng, wanted: Teacher | None):
    if wanted is not None and bookings.free("t", wanted.pk, date, slot):
        return wanted
    free = [t for t in place.teachers if bookings.free("t", t.pk, date, slot)]
    experts = [t for t in free if code in place.expertise.get(t.pk, ())]
    pool = experts or free
    return rng.choice(pool) if pool else None
