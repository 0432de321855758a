"""Evaluation: L1 ratings, L2 pre/post tests, L3 follow-ups and rectification (整改).

Ratings are the cadres' own (no accounts), recorded with the evaluation app's bulk path
`ratings_write_many` (same rules as one by one: only attendees rate a session). Each teacher
has a quality the ratings scatter around — most good, some consistently excellent (the
`teacher` persona among them), two weak ones (one at the city party school, one external at
the academy) whose sessions fall below the 3.5 line; a few classes have poorly rated
logistics or organisation. L2 scores go in with `learning_scores_save`, follow-ups are
materialised and answered (`followups_materialise`, `followups_write_many`) for classes that
ended three months ago or more, some left overdue; for 东城区发展和改革局 the `liaison` persona
answered the earlier ones itself and finds the open ones waiting. Then the daily job's rectification check runs for the process day,
and the owners work on the older items (rectification_update).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ganxun.access.roles import Role
from ganxun.classes.models import Session, SessionKind, TrainingClass
from ganxun.demo.process import texts
from ganxun.demo.process.classes import Place
from ganxun.demo.process.running import Attendance
from ganxun.demo.process.schedule import ClassSpec
from ganxun.demo.process.world import World, at, rng_for, set_field
from ganxun.evaluation import services as evaluation_services
from ganxun.evaluation.models import FollowUp, RectificationItem, RectificationStatus
from ganxun.evaluation.rectifications import rectification_check_due, rectification_update
from ganxun.evaluation.services import ClassRatingIn, SessionRatingIn
from ganxun.people.models import Teacher
from ganxun.roster.models import Enrollment


def teacher_quality(world: World, places: dict[int, Place], persona: Teacher | None) -> dict[int, float]:
    """Mean teacher score of every teacher of the city's institutions (see the module docstring)."""
    rng = rng_for(world.seed, "teacher-quality")
    quality = {}
    for place in places.values():
        for teacher in place.teachers:
            draw = rng.random()
            quality[teacher.pk] = rng.uniform(4.65, 4.9) if draw < 0.2 else rng.uniform(3.95, 4.6)
    for teacher in weak_teachers(places):
        quality[teacher.pk] = 3.05
    if persona is not None:
        quality[persona.pk] = 4.8
    return quality


def weak_teachers(places: dict[int, Place]) -> list[Teacher]:
    """The city party school's last internal teacher without an account, and the academy's
    first external teacher (ID-number order): the two whose ratings open rectification items."""
    weak = []
    for place in places.values():
        if place.kind == "school":
            internal = [t for t in place.teachers if t.is_internal and not t.person.account_id]
            if internal:
                weak.append(internal[-1])
        elif place.kind == "academy":
            external = [t for t in place.teachers if not t.is_internal] or place.teachers[-1:]
            if external:
                weak.append(external[0])
    return weak


def _score(rng, mean: float) -> int:
    return max(1, min(5, round(rng.gauss(mean, 0.62))))


def ratings(world: World, spec: ClassSpec, training_class: TrainingClass, enrollments: list[Enrollment],
            attendance: Attendance, quality: dict[int, float], *, share: float = 0.75, with_class: bool = True,
            skip: set[int] = frozenset()) -> None:
    """Session ratings by the attendees of each held session, class ratings after the end."""
    rng = rng_for(world.seed, "ratings", spec.key)
    session_rows, class_rows = [], []
    by_pk = {s.pk: s for s in attendance.sessions}
    logistics_mean = 3.1 if rng.random() < 0.06 else rng.uniform(4.1, 4.6)
    organisation_mean = 3.2 if rng.random() < 0.04 else rng.uniform(4.3, 4.8)
    for enrollment in enrollments:
        if enrollment.pk in skip or rng.random() > share + 0.15:
            continue
        attended = sorted(attendance.attended.get(enrollment.pk, ()))
        for session_id in attended:
            session: Session = by_pk[session_id]
            if session.kind == SessionKind.EXAM or rng.random() > share:
                continue
            teaching = quality.get(session.teacher_id, 4.3)
            content = teaching - 0.1 if session.teacher_id else (4.6 if session.kind == SessionKind.ON_SITE else 4.2)
            c, t = _score(rng, content), _score(rng, teaching)
            comment = ""
            if rng.random() < 0.1:
                comment = rng.choice(texts.SESSION_PRAISE if min(c, t) >= 4 else texts.SESSION_CRITIQUE)
            session_rows.append(SessionRatingIn(session_id, enrollment.pk, c, t, comment))
        if with_class and attended:
            content = _score(rng, 4.45)
            comment = ""
            if rng.random() < 0.15:
                comment = rng.choice(texts.CLASS_PRAISE if content >= 4 else texts.CLASS_CRITIQUE)
            class_rows.append(ClassRatingIn(enrollment.pk, content, _score(rng, organisation_mean),
                                            _score(rng, logistics_mean), comment))
    if session_rows or class_rows:
        evaluation_services.ratings_write_many(actor=None, training_class=training_class,
                                               session_ratings=session_rows, class_ratings=class_rows)
    world.add("session_ratings", len(session_rows))
    world.add("class_ratings", len(class_rows))


def learning_test(world: World, spec: ClassSpec, training_class: TrainingClass, enrollments: list[Enrollment]) -> None:
    """L2 for about one class in seven of three days or more: a test on the first and the last day."""
    rng = rng_for(world.seed, "learning", spec.key)
    if len(spec.days) < 3 or rng.random() > 0.15 and spec.anchor not in ("A", "B"):
        return
    evaluation_services.learning_test_enable(actor=None, training_class=training_class)
    scores = {}
    for enrollment in enrollments:
        pre = min(95.0, max(20.0, rng.gauss(62, 11)))
        post = min(100.0, max(pre - 8, pre + rng.gauss(14, 7)))
        scores[enrollment.pk] = (Decimal(str(round(pre, 1))),
                                 None if rng.random() < 0.04 else Decimal(str(round(post, 1))))
    evaluation_services.learning_scores_save(actor=None, training_class=training_class, scores=scores, source="demo")
    world.add("learning_tests")


def followups(world: World, liaison_unit_id: int | None) -> None:
    """L3: rows for every class whose follow-up date has come; answers for most of the due
    ones (a few overdue) and for some of those still open — not the `liaison` persona's unit,
    whose follow-ups wait for the persona."""
    evaluation_services.followups_materialise(today=world.today)
    liaison = world.actor("liaison", Role.UNIT_LIAISON)
    rows = list(FollowUp.objects.select_related("training_class", "enrollment__cadre__person")
                .filter(applies__isnull=True))
    rows.sort(key=lambda f: (f.training_class.start_date, f.training_class.title, f.enrollment.cadre.person.id_number))
    by_class: dict[int, list[FollowUp]] = {}
    for row in rows:
        by_class.setdefault(row.training_class_id, []).append(row)
    for class_rows in by_class.values():
        training_class = class_rows[0].training_class
        rng = rng_for(world.seed, "followup", training_class.title, training_class.start_date)
        weak = rng.random() < 0.08
        answers, stamps = {}, {}
        units = {row.enrollment_id: row.unit_id for row in class_rows}
        for row in class_rows:
            overdue = row.due_on < world.today
            if row.unit_id == liaison_unit_id:
                if not overdue:
                    continue  # waiting for the persona
            elif rng.random() > (0.92 if overdue else 0.4):
                continue
            applies = _score(rng, 3.1 if weak else 4.15)
            performance = _score(rng, 3.0 if weak else 3.95)
            comment = rng.choice(texts.FOLLOWUP_COMMENTS) if rng.random() < 0.3 else ""
            answers[row.enrollment_id] = (applies, performance, comment)
            last = min(row.due_on, world.today - dt.timedelta(days=1))
            weeks = max((last - row.opens_on).days // 7, 0)
            stamps[row.pk] = at(row.opens_on + dt.timedelta(days=7 * rng.randint(0, weeks)), dt.time(10, 0))
        if answers:
            # The `liaison` persona answered its unit's own (audited as the liaison); the other
            # units' liaisons have no accounts.
            own = {pk: a for pk, a in answers.items() if units[pk] == liaison_unit_id}
            if own:
                evaluation_services.followups_write_many(actor=liaison, training_class=training_class, answers=own)
            others = {pk: a for pk, a in answers.items() if pk not in own}
            if others:
                evaluation_services.followups_write_many(actor=None, training_class=training_class, answers=others)
            set_field(FollowUp, "answered_at", stamps)
            world.add("followups_answered", len(answers))
    world.add("followups", FollowUp.objects.count())


def rectification(world: World, places: dict[int, Place]) -> None:
    """The daily job's check on the process day, then the owners act on the older items."""
    created = rectification_check_due(today=world.today)
    world.add("rectification_items", created)
    admins = {place.institution.pk: place.admin for place in places.values()}
    items = list(RectificationItem.objects.select_related("training_class", "institution")
                 .order_by("training_class__start_date", "training_class__title", "cause", "title"))
    for item in items:
        rng = rng_for(world.seed, "rectification", item.training_class.title, item.cause, item.title)
        age = (world.today - item.training_class.end_date).days
        if age < 45:
            continue
        if item.owner_org_id == item.institution_id:
            actor = world.actor(admins.get(item.institution_id, "school_admin"), Role.INSTITUTION_ADMIN)
        elif item.owner_org_id == world.city.pk:
            actor = world.actor("orgadmin", Role.ORG_DEPT_ADMIN)
        elif item.owner_org_id == world.county.pk:
            actor = world.actor("county_admin", Role.ORG_DEPT_ADMIN)
        else:
            continue
        draw = rng.random()
        steps = ([RectificationStatus.CLOSED] if draw < 0.1 else
                 [RectificationStatus.IN_PROGRESS] if draw < 0.35 else
                 [RectificationStatus.IN_PROGRESS, RectificationStatus.DONE] if draw < 0.6 else
                 [RectificationStatus.IN_PROGRESS, RectificationStatus.DONE, RectificationStatus.VERIFIED])
        for status in steps:
            rectification_update(actor=actor, item=item, status=status, note=texts.RECTIFICATION_NOTES[status])
            world.add("rectification_updates")

