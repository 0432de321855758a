"""Today's class (R) through the services, so the personas find work waiting for them.

R runs from the day before yesterday to the day after tomorrow at the city party school,
headed by `headteacher`, with the `cadre` persona on its roster; its sessions of today let a
visitor show the rotating QR code and scan it. Through the real services, with the audit
trail: the cadre asks for leave tomorrow morning (pending) and notes a dietary need; other
cadres' leave requests (bulk: they have no accounts) are decided by the head teacher — two
approvals take cadres past the 1/7 line (条例 Art. 15), and `orgadmin` withdraws one and
keeps the other; a 东城区 cadre with two half-days missed is over the line too and waits for
the org department's decision (`orgadmin` or `county_admin`); the head teacher grades some
reflections and leaves others for later.
"""

from __future__ import annotations

import datetime as dt

from ganxun.access.roles import Role
from ganxun.assessment.models import ReflectionGrade
from ganxun.assessment.services import reflection_grade
from ganxun.attendance.models import LeaveRequest, WithdrawalDecision
from ganxun.attendance.services import leave_decide, leave_hours_for, leave_request, withdrawal_decide
from ganxun.classes.models import Session, Slot, TrainingClass
from ganxun.demo.process import texts
from ganxun.demo.process.roster import CadrePool
from ganxun.demo.process.schedule import ClassSpec
from ganxun.demo.process.world import World, rng_for
from ganxun.logistics.services import dietary_update
from ganxun.roster.models import Enrollment


def choose_cast(world: World, pool: CadrePool, enrollments: list[Enrollment]) -> dict[str, Enrollment]:
    """Who plays which part in R: x (withdrawn), y (kept), z (东城区, waiting), w (leave pending),
    v (leave refused) — never the `cadre` persona."""
    rng = rng_for(world.seed, "today-cast")
    persona = pool.persona("cadre")
    others = [e for e in enrollments if persona is None or e.cadre_id != persona.pk]
    others.sort(key=lambda e: pool.by_pk[e.cadre_id].id_number)
    dongcheng = [e for e in others if pool.by_pk[e.cadre_id].unit_path.startswith(world.county.path)]
    cast: dict[str, Enrollment] = {}
    if dongcheng:
        cast["z"] = dongcheng[0]
    rest = [e for e in others if e not in cast.values()]
    rng.shuffle(rest)
    for role, enrollment in zip("xywv", rest):
        cast[role] = enrollment
    return cast


def absent_sessions(cast: dict[str, Enrollment], sessions: list[Session], today: dt.date) -> dict[int, set[int]]:
    """Held sessions each cast member missed: x one afternoon, z two half-days."""
    held = sorted((s for s in sessions if s.date < today), key=lambda s: (s.date, s.slot != Slot.MORNING))
    missed: dict[int, set[int]] = {}
    if "x" in cast and held:
        missed[cast["x"].pk] = {s.pk for s in held if s.date == held[-1].date and s.slot == Slot.AFTERNOON}
    if "z" in cast and len(held) >= 3:
        missed[cast["z"].pk] = {held[-3].pk, held[-2].pk}
    return missed


def today_class_flows(world: World, pool: CadrePool, spec: ClassSpec, training_class: TrainingClass,
                      enrollments: list[Enrollment], sessions: list[Session], cast: dict[str, Enrollment]) -> None:
    rng = rng_for(world.seed, "today-flows")
    head = world.actor("headteacher", Role.HEAD_TEACHER)
    org = world.actor("orgadmin", Role.ORG_DEPT_ADMIN)
    tomorrow = sorted((s for s in sessions if s.date > world.today), key=lambda s: (s.date, s.slot != Slot.MORNING))
    today = sorted((s for s in sessions if s.date == world.today), key=lambda s: s.slot != Slot.MORNING)
    morning = [s for s in tomorrow if s.date == tomorrow[0].date and s.slot == Slot.MORNING] if tomorrow else []
    whole_day = [s for s in tomorrow if s.date == tomorrow[0].date] if tomorrow else []
    persona = pool.persona("cadre")
    mine = next((e for e in enrollments if persona and e.cadre_id == persona.pk), None)
    if mine is not None:
        cadre = world.actor("cadre", Role.CADRE)
        if morning:
            leave_request(actor=cadre, enrollment=mine, sessions=morning, now=world.now,
                          reason="单位安排参加市发展改革委专题调度会，需请假半天。")
        dietary_update(actor=cadre, enrollment=mine, halal=False, vegetarian=False, diet_note="不吃辣")
        world.add("persona_flows", 2)
    asked = {}
    for role, chosen in (("x", morning), ("y", whole_day), ("w", today[-1:] if today else morning),
                         ("v", morning)):
        if role in cast and chosen:
            leave = LeaveRequest.objects.create(enrollment=cast[role], reason=rng.choice(texts.LEAVE_REASONS),
                                                hours=leave_hours_for(training_class, chosen))
            leave.sessions.set(chosen)
            asked[role] = leave
            world.add_bulk("leave.request", 1)
    for role, approve in (("x", True), ("y", True), ("v", False)):
        if role in asked:
            leave_decide(actor=head, leave=asked[role], approve=approve, now=world.now,
                         note="" if approve else rng.choice(texts.LEAVE_REJECT_NOTES))
    for role, decision in (("x", WithdrawalDecision.WITHDRAW), ("y", WithdrawalDecision.KEEP)):
        if role in cast:
            withdrawal_decide(actor=org, enrollment=cast[role], decision=decision, now=world.now,
                              note=texts.WITHDRAW_NOTES[decision])
            world.add("withdrawal_decisions")


def grade_some(world: World, reflections, grader) -> None:
    """The head teacher grades half of the reflections handed in so far; the rest wait."""
    rng = rng_for(world.seed, "today-grades")
    for reflection in reflections[: len(reflections) // 2]:
        grade = rng.choice([ReflectionGrade.EXCELLENT, ReflectionGrade.GOOD, ReflectionGrade.GOOD,
                            ReflectionGrade.PASS])
        reflection_grade(actor=grader, reflection=reflection, grade=grade,
                         comment=rng.choice(texts.GRADE_COMMENTS["good"]) if rng.random() < 0.5 else "")
