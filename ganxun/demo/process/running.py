"""Running a class: attendance and leave of the sessions held, dining and lodging.

Attendance that happened before the process day is history: QR check-ins happen only
during a session and leave is asked for today or later, so these rows are written in bulk
(one summary audit entry per step). The pattern: nearly everyone checks in a few minutes
before the start, about 5 % late, a few absences (a handful of cadres miss much more), some
leave requests — most approved by the head teacher, some refused — and for sessions that
need it a check-out, which a few forget. Online classes are recorded from the learning
platform by the staff. Dining and lodging go through the logistics services — meal opt-outs
in one dining_bulk_set, lodging_auto_assign — after the settings (through the service for
classes not yet over) and the cadres' dietary notes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from ganxun.attendance.models import AttendanceMethod, AttendanceRecord, AttendanceStatus, LeaveRequest, LeaveStatus
from ganxun.attendance.services import leave_hours_for
from ganxun.classes.models import ClassMode, Session, TrainingClass
from ganxun.demo.process import texts
from ganxun.demo.process.roster import CadrePool
from ganxun.demo.process.schedule import ClassSpec
from ganxun.demo.process.world import World, at, insert_rows, rng_for, set_field
from ganxun.logistics import lodging_services
from ganxun.logistics import services as logistics_services
from ganxun.logistics.models import ClassLogistics, EnrollmentLogistics, Meal
from ganxun.logistics.rules import served_meals
from ganxun.roster.models import Enrollment

HALAL_ETHNICITIES = {"回族", "维吾尔族", "哈萨克族", "东乡族", "撒拉族", "保安族"}


@dataclass
class Attendance:
    """What the later steps need to know: who attended which session (present or late)."""

    attended: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    sessions: list[Session] = field(default_factory=list)


def _half_days(sessions: list[Session]) -> dict[tuple, list[Session]]:
    groups: dict[tuple, list[Session]] = defaultdict(list)
    for session in sessions:
        groups[(session.date, session.slot)].append(session)
    return groups


def attendance_history(world: World, spec: ClassSpec, training_class: TrainingClass,
                       enrollments: list[Enrollment], sessions: list[Session], staff, *, before: dt.date,
                       scripted: dict[int, set[int]] | None = None) -> Attendance:
    """Records and leave of the sessions held before `before` (a day). `scripted`: enrollments
    whose story personas.py tells — present at every held session but the ones given, no leave."""
    scripted = scripted or {}
    rng = rng_for(world.seed, "attendance", spec.key)
    held = [s for s in sessions if s.date < before]
    result = Attendance(sessions=held)
    if not held:
        return result
    online = training_class.mode == ClassMode.ONLINE
    halves = _half_days(held)
    records: list[dict] = []
    leaves: list[tuple[LeaveRequest, list[Session]]] = []
    for enrollment in enrollments:
        draw = rng.random()
        p_absent = 0.2 if draw < 0.015 else 0.003
        on_leave: set[int] = set()
        if enrollment.pk in scripted:
            draw, p_absent = 0.5, 0.0
        if draw > 0.97 and len(halves) > 1:
            keys = sorted(halves)
            taken = rng.sample(keys, 1 if rng.random() < 0.8 else min(3, len(keys) - 1))
            chosen = [s for key in taken for s in halves[key]]
            approved = rng.random() < 0.85
            asked = min(s.date for s in chosen) - dt.timedelta(days=rng.choice([0, 1]))
            leave = LeaveRequest(
                enrollment=enrollment, hours=leave_hours_for(training_class, chosen), reason=rng.choice(texts.LEAVE_REASONS),
                status=LeaveStatus.APPROVED if approved else LeaveStatus.REJECTED, decided_by=staff,
                decided_at=at(asked, dt.time(21, 10)),
                decision_note="" if approved else rng.choice(texts.LEAVE_REJECT_NOTES))
            leaves.append((leave, chosen))
            if approved:
                on_leave = {s.pk for s in chosen}
        for session in held:
            if session.pk in on_leave or session.pk in scripted.get(enrollment.pk, ()):
                continue
            if rng.random() < p_absent:
                if rng.random() < 0.08 and staff is not None:
                    records.append({"session_id": session.pk, "enrollment_id": enrollment.pk,
                                    "status": AttendanceStatus.PRESENT, "method": AttendanceMethod.MANUAL,
                                    "reason": rng.choice(texts.MANUAL_REASONS), "recorded_by_id": staff.pk})
                    result.attended[enrollment.pk].add(session.pk)
                continue
            start = at(session.date, session.start_time)
            if online:
                records.append({"session_id": session.pk, "enrollment_id": enrollment.pk,
                                "status": AttendanceStatus.PRESENT, "method": AttendanceMethod.MANUAL,
                                "reason": texts.ONLINE_REASON, "recorded_by_id": staff.pk if staff else None})
                result.attended[enrollment.pk].add(session.pk)
                continue
            late = rng.random() < 0.05
            checked_in = start + (dt.timedelta(minutes=rng.randint(11, 45)) if late
                                  else -dt.timedelta(minutes=rng.randint(1, 28)))
            checked_out = None
            if session.requires_checkout and rng.random() > 0.04:
                checked_out = at(session.date, session.end_time) + dt.timedelta(minutes=rng.randint(-20, 25))
            records.append({"session_id": session.pk, "enrollment_id": enrollment.pk, "method": AttendanceMethod.QR,
                            "status": AttendanceStatus.LATE if late else AttendanceStatus.PRESENT,
                            "checked_in_at": checked_in, "checked_out_at": checked_out})
            result.attended[enrollment.pk].add(session.pk)
    insert_rows(AttendanceRecord, records)
    _write_leave(leaves)
    world.add_bulk("attendance.scan", len(records))
    world.add_bulk("leave.request", len(leaves))
    world.add("attendance_records", len(records))
    world.add("leave_requests", len(leaves))
    return result


def _write_leave(leaves: list[tuple[LeaveRequest, list[Session]]]) -> None:
    if not leaves:
        return
    created = LeaveRequest.objects.bulk_create([leave for leave, _ in leaves])
    LeaveRequest.sessions.through.objects.bulk_create([
        LeaveRequest.sessions.through(leaverequest_id=leave.pk, session_id=session.pk)
        for leave, (_, sessions) in zip(created, leaves) for session in sessions])
    # Asked the evening before (or the same morning), decided within the hour.
    set_field(LeaveRequest, "created_at", {leave.pk: leave.decided_at - dt.timedelta(minutes=50) for leave in created})


def logistics(world: World, spec: ClassSpec, training_class: TrainingClass, enrollments: list[Enrollment],
              pool: CadrePool, runner, *, kind: str) -> None:
    """Dining for every class held on site; rooms for classes of two days or more at the city
    party school and the academy (the county schools' cadres go home)."""
    if training_class.mode == ClassMode.ONLINE or not enrollments:
        return
    rng = rng_for(world.seed, "logistics", spec.key)
    lodging = len(spec.days) >= 2 and kind in ("school", "academy")
    if training_class.end_date < world.today:
        # Set before the class began: history, written at once (the same row the service writes).
        settings = ClassLogistics.objects.create(training_class=training_class, provides_dining=True,
                                                 provides_lodging=lodging, updated_by=runner)
        world.add_bulk("logistics.settings", 1)
    else:
        settings = logistics_services.logistics_settings_update(
            actor=runner, training_class=training_class,
            data=logistics_services.SettingsInput(provides_dining=True, provides_lodging=lodging,
                                                  cutoff_days_before=1, cutoff_time=dt.time(16, 0)))
    served = served_meals(training_class.start_date, training_class.end_date, settings.meal_plan)
    changes, notes = [], []
    for enrollment in enrollments:
        row = pool.by_pk[enrollment.cadre_id]
        home = lodging and rng.random() < 0.12 and not row.account  # lives in town: home for dinner, no room
        for day, meals in sorted(served.items()):
            for meal in meals:
                if (home and meal in (Meal.BREAKFAST, Meal.DINNER)) or rng.random() < 0.03:
                    changes.append(logistics_services.MealChange(enrollment.pk, day, meal, False))
        diet = _diet(rng, row.ethnicity)
        if diet or home:
            notes.append(EnrollmentLogistics(enrollment=enrollment, lodging_needed=not home, **(diet or {})))
    EnrollmentLogistics.objects.bulk_create(notes)
    world.add_bulk("dining.diet", len(notes))
    if changes:
        logistics_services.dining_bulk_set(actor=runner, training_class=training_class, changes=changes)
    if lodging:
        lodging_services.lodging_auto_assign(actor=runner, training_class=training_class)


def _diet(rng, ethnicity: str) -> dict | None:
    if ethnicity in HALAL_ETHNICITIES:
        return {"halal": True}
    draw = rng.random()
    if draw < 0.015:
        return {"vegetarian": True}
    if draw < 0.05:
        return {"diet_note": rng.choice(texts.DIET_NOTES)}
    return None
