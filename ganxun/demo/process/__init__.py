"""The training process of the demo city: a year of classes (the first city only, every scale).

Order of the run, each part in its own module:

1. staff.py — the accounts that run the cadre academy and the county party schools;
2. survey.py, plans.py — 东城区's needs survey in November and the annual plans (东城区's, the
   city's) of every plan year of the window;
3. schedule.py — the classes of the window (≈ 12 months back, 2 months ahead), regular ones
   from the city's and counties' programmes plus the anchored ones (the personas' classes,
   today's class, one class in every status);
4. then class by class in date order: classes.py (class and timetable), roster.py (who
   attends; calls already over, in bulk), calls.py (calls taking nominations now, through
   the services), running.py (attendance, leave, dining, lodging),
   closing.py (exam, reflections, discipline, class_close, archive), evaluation.py (ratings,
   L2) — as far as the class has come on the process day; personas.py for today's class;
5. evaluation.py — follow-ups and the rectification check; closing.py — credit corrections;
   one summary audit entry per bulk step.

The services do the work wherever they can do it on the process day (rights, rules, audit
trail); history they cannot write — anything that needs the clock of a past day, and
everything generated cadres do themselves, having no accounts — is written in bulk.
"""

from __future__ import annotations

import datetime as dt

from ganxun.access.roles import Role
from ganxun.attendance.xapi import attendance_xapi_sync
from ganxun.classes.models import ClassStatus
from ganxun.demo.process import (
    calls,
    classes,
    closing,
    evaluation,
    online,
    personas,
    plans,
    roster,
    running,
    staff,
)
from ganxun.demo.process.schedule import ClassSpec, city_and_county_specs, dongcheng_adhoc, in_window
from ganxun.demo.process.world import World, bulk_audit, rng_for, status_for
from ganxun.lrs.compression import dictionary_due, dictionary_train
from ganxun.org.models import Organisation
from ganxun.people.models import Teacher
from ganxun.topics.models import Topic


def generate_process(*, seed: int, sizes, city: Organisation, county: Organisation,
                     today: dt.date) -> dict[str, int]:
    """Generate the training process of the first city for the process day `today`; returns
    the counts for the run summary."""
    world = _world(seed, sizes, city, county, today)
    staff.create_staff(world)
    specs: list[ClassSpec] = []
    for year in world.plan_years():
        _, dongcheng = plans.dongcheng_plan(world, year)
        specs += dongcheng
    if not any(s.anchor == "D" for s in specs):
        specs.append(dongcheng_adhoc(world))
    city_specs = city_and_county_specs(world)
    for year in world.plan_years():
        plans.city_plan(world, year, [s for s in city_specs if s.planned and s.start.year == year])
    specs = sorted((s for s in specs + city_specs if in_window(world, s)), key=lambda s: (s.start, s.key))
    run = _Run(world)
    for spec in specs:
        run.add_class(spec)
    liaison_unit = roster.persona_unit(world)
    evaluation.followups(world, liaison_unit.pk if liaison_unit else None)
    evaluation.rectification(world, run.places)
    closing.credit_corrections(world, run.pool)
    # The online catalogue through the review pipeline, and a year of online study in the ledger.
    online.generate_online(world)
    # The year's attendance into the LRS as `attended` statements, as the scans would have.
    world.add("xapi_attended_statements", attendance_xapi_sync())
    # What the LRS's daily job does once enough statements are stored: train the dictionary
    # that compresses statement bodies (lrs.compression); statements from now on use it.
    if dictionary_due():
        dictionary_train()
    bulk_audit(world)
    return dict(sorted(world.counts.items()))


def _world(seed: int, sizes, city: Organisation, county: Organisation, today: dt.date) -> World:
    counties = sorted(Organisation.objects.filter(parent=city, kind=Organisation.Kind.REGION), key=lambda o: o.code)
    institutions = Organisation.objects.filter(kind=Organisation.Kind.INSTITUTION, path__startswith=city.path)
    school = next(i for i in institutions if i.parent_id == city.pk and i.name.endswith("党校"))
    academy = next(i for i in institutions if i.parent_id == city.pk and i.pk != school.pk)
    county_schools = {i.parent_id: i for i in institutions if i.parent_id != city.pk}
    return World(seed=seed, today=today, city=city, county=county, counties=counties, school=school,
                 academy=academy, county_schools=county_schools, size_factor=sizes.process_size_factor,
                 city_classes_per_year=sizes.process_city_classes, county_classes_per_year=sizes.process_county_classes,
                 plan_topics=sizes.process_plan_topics)


class _Run:
    """The class-by-class part: the institutions, the cadre pool and the teachers' quality."""

    def __init__(self, world: World):
        self.world = world
        self.places = classes.places(world)
        self.pool = roster.CadrePool(world)
        self.topics = {t.code: t for t in Topic.objects.all()}
        self.bases = list(Organisation.objects.filter(kind=Organisation.Kind.BASE, is_active=True,
                                                      path__startswith=world.city.path).order_by("code"))
        self.persona_teacher = Teacher.objects.filter(person__account__username="teacher").first()
        self.weak = evaluation.weak_teachers(self.places)
        self.quality = evaluation.teacher_quality(world, self.places, self.persona_teacher)
        self.bookings = classes.Bookings()
        persona = self.pool.persona("cadre")
        self.persona_pk = persona.pk if persona else None

    def add_class(self, spec: ClassSpec) -> None:
        place = self.places[spec.institution.pk]
        training_class = classes.create_class(self.world, spec, place, self.topics)
        forced = self.weak[0] if self.weak and spec.anchor in ("A", "C") else None
        held = spec.end < self.world.today
        sessions = classes.timetable(self.world, spec, place, training_class, self.bookings, self.bases,
                                     self.persona_teacher, forced, in_bulk=held)
        self.advance(spec, place, training_class, sessions)

    def persona_enrollments(self, enrollments) -> set[int]:
        return {e.pk for e in enrollments if e.cadre_id == self.persona_pk}

    def advance(self, spec: ClassSpec, place: classes.Place, training_class, sessions) -> None:
        """Take the class as far as it has come on the process day."""
        world, pool = self.world, self.pool
        status = status_for(spec.start, spec.end, world.today)
        runner = world.actor(place.admin, Role.INSTITUTION_ADMIN)
        head = (world.actor(training_class.head_teacher.username, Role.HEAD_TEACHER)
                if training_class.head_teacher_id else None)
        world.add(f"classes_{status}")
        if status in (ClassStatus.ENROLLING, ClassStatus.NOTICE_ISSUED):
            self.enrol(spec, place, training_class, status, runner)
            return
        if status == ClassStatus.DRAFT:
            if rng_for(world.seed, "draft", spec.key).random() < 0.5 or spec.anchor == "F":
                calls.draft_call(world, pool, spec, training_class)
            return
        include = []
        if spec.anchor in ("A", "B", "R") and pool.persona("cadre") is not None:
            include.append(pool.persona("cadre"))
        if spec.anchor == "R":
            include += pool.pick(spec, 1, rng_for(world.seed, "today-z"), within=world.county.path)
        rng = rng_for(world.seed, "call", spec.key)
        seats = roster.plan_seats(world, pool, spec, include=include)
        issued, deadline, decided = roster.past_dates(spec, rng)
        enrollments = roster.write_seats(world, spec, training_class, seats, issued=issued, deadline=deadline,
                                         decided=decided, rng=rng)
        roster.move_to(world, training_class, runner, ClassStatus.RUNNING, in_bulk=status != ClassStatus.RUNNING)
        if status == ClassStatus.RUNNING:
            self.run_today(spec, place, training_class, sessions, enrollments, runner, head)
        else:
            self.run_to_the_end(spec, place, training_class, sessions, enrollments, runner, head, status)

    def enrol(self, spec, place, training_class, status, runner) -> None:
        world, pool = self.world, self.pool
        if roster.org_actor(world, spec) is not None and calls.can_issue(spec):
            enrollments = calls.issue_and_review(world, pool, spec, training_class, status, runner)
        else:
            rng = rng_for(world.seed, "call", spec.key)
            seats = roster.future_seats(world, pool, spec, status)
            issued = world.today - dt.timedelta(days=rng.randint(3, 10))
            enrollments = roster.write_seats(world, spec, training_class, seats, issued=issued,
                                             deadline=max(spec.start - dt.timedelta(days=7), world.today),
                                             decided=world.today - dt.timedelta(days=1), rng=rng)
            roster.move_to(world, training_class, runner, status)
        if status == ClassStatus.ENROLLING and (spec.start - world.today).days <= 14:
            running.logistics(world, spec, training_class, enrollments, pool, runner, kind=place.kind)

    def run_to_the_end(self, spec, place, training_class, sessions, enrollments, runner, head, status) -> None:
        world, pool = self.world, self.pool
        staff_member = head or runner
        mine = self.persona_enrollments(enrollments)  # the `cadre` persona completes its classes
        attendance = running.attendance_history(world, spec, training_class, enrollments, sessions, staff_member,
                                                before=spec.end + dt.timedelta(days=1),
                                                scripted={pk: set() for pk in mine})
        running.logistics(world, spec, training_class, enrollments, pool, runner, kind=place.kind)
        closing.set_rule(world, spec, training_class, runner)
        closing.exam_scores(world, spec, training_class, enrollments, sessions, attendance, runner, passing=mine)
        closing.reflections(world, spec, training_class, enrollments, pool, staff_member, passing=mine)
        closing.discipline(world, spec, training_class, [e for e in enrollments if e.pk not in mine], runner)
        closing.close(world, spec, training_class, staff_member)
        recent = (world.today - spec.end).days <= 14
        evaluation.ratings(world, spec, training_class, enrollments, attendance, self.quality,
                           share=0.55 if recent else 0.75,
                           skip=self.persona_enrollments(enrollments) if recent else frozenset())
        evaluation.learning_test(world, spec, training_class, enrollments)
        if status == ClassStatus.ARCHIVED:
            closing.archive(world, training_class)

    def run_today(self, spec, place, training_class, sessions, enrollments, runner, head) -> None:
        world, pool = self.world, self.pool
        mine = self.persona_enrollments(enrollments)
        cast = personas.choose_cast(world, pool, enrollments) if spec.anchor == "R" else {}
        scripted = {e.pk: set() for e in cast.values()} | {pk: set() for pk in mine}
        scripted.update(personas.absent_sessions(cast, sessions, world.today))
        attendance = running.attendance_history(world, spec, training_class, enrollments, sessions, head or runner,
                                                before=world.today, scripted=scripted)
        running.logistics(world, spec, training_class, enrollments, pool, runner, kind=place.kind)
        closing.set_rule(world, spec, training_class, runner)
        handed_in = closing.reflections(world, spec, training_class, enrollments, pool, None, share=0.4,
                                        graded=False, skip=mine)
        if head is not None:
            personas.grade_some(world, handed_in, head)
        evaluation.ratings(world, spec, training_class, enrollments, attendance, self.quality, share=0.5,
                           with_class=False, skip=mine)
        if spec.anchor == "R":
            personas.today_class_flows(world, pool, spec, training_class, enrollments, sessions, cast)
