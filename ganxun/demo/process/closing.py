"""Assessment and closing (结班): exam scores, reflections, discipline, class_close, archiving.

The completion rule of classes shorter than three days (and online ones) drops the reflection
(rule_update); exam scores go in with exam_scores_save, discipline notes with discipline_add,
and the class is closed by its head teacher with `assessment.services.class_close` — the only
way a class becomes closed: it freezes every cadre's result, numbers the certificates and
posts the completed cadres' hours into the credit ledger. Reflections are the cadres' own
writing (no accounts), so they and their grades are written in bulk before closing.
Classes that ended more than two months ago are then archived (written directly: history).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ganxun.access.roles import Role
from ganxun.assessment.models import ClassClosing, ExamPolicy, Reflection, ReflectionGrade, Severity
from ganxun.assessment.services import class_close, discipline_add, exam_scores_save, rule_update
from ganxun.classes.models import ClassMode, ClassStatus, Session, SessionKind, TrainingClass
from ganxun.credits.models import CreditRecord
from ganxun.credits.services import credit_correct
from ganxun.demo.process import texts
from ganxun.demo.process.roster import CadrePool
from ganxun.demo.process.running import Attendance
from ganxun.demo.process.schedule import ClassSpec
from ganxun.demo.process.world import World, at, rng_for, set_field
from ganxun.roster.models import Enrollment

GRADES = [(ReflectionGrade.EXCELLENT, "excellent", 20), (ReflectionGrade.GOOD, "good", 46),
          (ReflectionGrade.PASS, "pass", 32), (ReflectionGrade.FAIL, "fail", 2)]


def needs_reflection(spec: ClassSpec) -> bool:
    return len(spec.days) >= 3 and spec.template.mode != ClassMode.ONLINE


def set_rule(world: World, spec: ClassSpec, training_class: TrainingClass, runner) -> None:
    """Short and online classes complete on attendance alone (no reflection)."""
    if needs_reflection(spec):
        return
    rule_update(actor=runner, training_class=training_class, data={
        "min_attendance_rate": "90", "exam_policy": ExamPolicy.AUTO, "exam_full_mark": "100",
        "exam_pass_mark": "60", "reflection_required": False, "reflection_min_length": 800,
        "reflection_min_grade": ReflectionGrade.PASS})


def exam_scores(world: World, spec: ClassSpec, training_class: TrainingClass, enrollments: list[Enrollment],
                sessions: list[Session], attendance: Attendance, runner, *, passing: set[int] = frozenset()) -> None:
    exams = [s for s in sessions if s.kind == SessionKind.EXAM]
    if not exams:
        return
    rng = rng_for(world.seed, "exam", spec.key)
    scores = {}
    for enrollment in enrollments:
        if exams[0].pk not in attendance.attended.get(enrollment.pk, ()):
            continue  # missed the exam: no score
        score = min(99.0, max(75.0 if enrollment.pk in passing else 42.0, rng.gauss(83, 7.5)))
        scores[enrollment.pk] = Decimal(str(round(score * 2) / 2))
    if scores:
        exam_scores_save(actor=runner, training_class=training_class, scores=scores)


def reflections(world: World, spec: ClassSpec, training_class: TrainingClass, enrollments: list[Enrollment],
                pool: CadrePool, grader, *, share: float = 0.985, graded: bool = True,
                skip: set[int] = frozenset(), passing: set[int] = frozenset()) -> list[Reflection]:
    """The cadres' reflections (in bulk: they have no accounts), graded by the head teacher;
    those of `passing` always handed in and graded 良好 or better."""
    if not needs_reflection(spec):
        return []
    rng = rng_for(world.seed, "reflection", spec.key)
    topic = training_class.topics.order_by("code").first()
    rows = []
    for enrollment in enrollments:
        if enrollment.pk in skip or (rng.random() > share and enrollment.pk not in passing):
            continue
        cadre = pool.by_pk[enrollment.cadre_id]
        title, text = texts.reflection(rng, cls=training_class.title, topic=topic.name if topic else "履职能力",
                                       institution=training_class.institution.name, unit=cadre.unit_name,
                                       month=f"{spec.start.month}月", days=len(spec.days))
        reflection = Reflection(enrollment=enrollment, title=title, text=text)
        if graded:
            grade, key = _grade(rng)
            if enrollment.pk in passing and key in ("pass", "fail"):
                grade, key = ReflectionGrade.GOOD, "good"
            reflection.grade = grade
            reflection.comment = rng.choice(texts.GRADE_COMMENTS[key]) if key == "fail" or rng.random() < 0.4 else ""
            reflection.graded_by = grader
            reflection.graded_at = at(spec.end + dt.timedelta(days=rng.randint(0, 2)), dt.time(16, 30))
        rows.append((reflection, cadre))
    created = Reflection.objects.bulk_create([r for r, _ in rows], batch_size=500)
    set_field(Reflection, "submitted_at", {r.pk: at(spec.end - dt.timedelta(days=rng.randint(0, 1)), dt.time(21, 30))
                                           for r in created})
    world.add_bulk("reflection.submit", len(created))
    if graded:
        world.add_bulk("reflection.grade", len(created))
    world.add("reflections", len(created))
    return created


def _grade(rng) -> tuple[str, str]:
    pick = rng.choices(GRADES, weights=[w for _, _, w in GRADES])[0]
    return pick[0], pick[1]


def discipline(world: World, spec: ClassSpec, training_class: TrainingClass, enrollments: list[Enrollment],
               runner) -> None:
    rng = rng_for(world.seed, "discipline", spec.key)
    if not enrollments or training_class.mode == ClassMode.ONLINE or rng.random() > 0.3:
        return
    serious = rng.random() < 0.1
    enrollment = rng.choice(enrollments)
    discipline_add(actor=runner, training_class=training_class, enrollment=enrollment,
                   date=rng.choice(spec.days), severity=Severity.SERIOUS if serious else Severity.MINOR,
                   text=rng.choice(texts.DISCIPLINE_SERIOUS if serious else texts.DISCIPLINE_MINOR))
    world.add("discipline_notes")


def close(world: World, spec: ClassSpec, training_class: TrainingClass, closer) -> None:
    """结班 through assessment's class_close, then the closing moment set to the last afternoon."""
    outcome = class_close(actor=closer, training_class=training_class)
    rng = rng_for(world.seed, "close", spec.key)
    ClassClosing.objects.filter(pk=outcome.closing.pk).update(
        closed_at=at(spec.end, dt.time(17, 40)) + dt.timedelta(minutes=rng.randint(0, 90)))
    world.add("closed_classes")
    world.add("credit_records", outcome.postings)


def archive(world: World, training_class: TrainingClass) -> None:
    """Archived a month or two after closing: history, so the status is written directly."""
    TrainingClass.objects.filter(pk=training_class.pk, status=ClassStatus.CLOSED).update(status=ClassStatus.ARCHIVED)
    world.add_bulk("class.transition", 1)
    world.add("archived_classes")


def credit_corrections(world: World, pool: CadrePool) -> None:
    """Two corrections by the org departments: a city one (hours reduced: half a day on leave
    not deducted) and a 东城区 one (on-site teaching left out, hours raised)."""
    cases = [("orgadmin", world.city, Decimal("-3")), ("county_admin", world.county, Decimal("3"))]
    for index, (username, region, delta) in enumerate(cases):
        actor = world.actor(username, Role.ORG_DEPT_ADMIN)
        records = [r for r in CreditRecord.objects.filter(
            cadre__unit__path__startswith=region.path, reverses__isnull=True, reversed_by__isnull=True,
            source_class__isnull=False, hours__gt=6).select_related("source_class")
            if not pool.by_pk.get(r.cadre_id) or not pool.by_pk[r.cadre_id].account]
        if not records:
            continue
        records.sort(key=lambda r: (r.source_class.start_date, r.source_name, pool.by_pk[r.cadre_id].id_number
                                    if r.cadre_id in pool.by_pk else ""))
        record = records[len(records) // 3]
        credit_correct(actor=actor, record=record, reason=texts.CREDIT_CORRECTIONS[index],
                       new_hours=record.hours + delta)
        world.add("credit_corrections")
