"""Calls that take nominations on the process day, through the roster services.

The org department creates and issues the call with unit quotas (or names the cadres), the
`liaison` persona nominates for 东城区发展和改革局 (the `cadre` persona and a colleague; a seat
stays open), the units' other nominations come in (their liaisons have no accounts: written
in bulk, with the warnings the service would store), and the org department approves,
rejects with a note and substitutes — and leaves some nominations pending, among them
cadres put forward again after four classes in a year, so the review page has work and its
warnings are true.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from ganxun.access.roles import Role
from ganxun.classes.models import ClassStatus, TrainingClass
from ganxun.demo.process import texts
from ganxun.demo.process.roster import (
    QUOTA_UNITS,
    CadrePool,
    CadreRow,
    call_fields,
    move_to,
    org_actor,
    persona_unit,
)
from ganxun.demo.process.schedule import ClassSpec
from ganxun.demo.process.world import World, rng_for
from ganxun.org.models import Organisation
from ganxun.people.models import Cadre
from ganxun.roster import services as roster_services
from ganxun.roster.models import CallMode, Enrollment, EnrollmentStatus, UnitQuota
from ganxun.roster.warnings import Subject, warnings_for


def can_issue(spec: ClassSpec) -> bool:
    """The call can still be issued by the real clock (a deadline from today, before the start);
    only not so when generating for a past process day."""
    return timezone.localdate() < spec.start


def issue_and_review(world: World, pool: CadrePool, spec: ClassSpec, training_class: TrainingClass,
                     status: str, runner) -> list[Enrollment]:
    """The call of a city or 东城区 class that starts within the notice window, through the
    roster services (module docstring). Returns the approved enrollments."""
    rng = rng_for(world.seed, "roster", spec.key)
    org = org_actor(world, spec)
    deadline = max(spec.start - dt.timedelta(days=7), timezone.localdate())
    issued = world.today - dt.timedelta(days=rng.randint(3, 12))
    fields = call_fields(world, spec, issued, deadline)
    if spec.plan_item_id:
        fields.pop("target_ranks"), fields.pop("target_categories")  # taken from the plan item
    call = roster_services.call_create(actor=org, training_class=training_class, data=fields)
    liaison_unit = persona_unit(world)
    # Seats kept back: two professionals put forward again, the persona unit's quota.
    reserve = 2 + {"U": 3, "D": 2}.get(spec.anchor, 0)
    budget = min(spec.size, training_class.capacity - reserve)
    if call.mode == CallMode.NAMED:
        intended = pool.pick(spec, budget, rng)
    else:
        intended = pool.pick_in_units(spec, budget, rng, max_units=QUOTA_UNITS)
    units = Organisation.objects.in_bulk({r.unit_id for r in intended})
    if call.mode == CallMode.NAMED:
        for row in intended:
            roster_services.call_name_cadre(actor=org, call=call, cadre=Cadre(pk=row.pk))
            pool.book(row, spec)
        roster_services.call_issue(actor=org, call=call)
        move_to(world, training_class, runner, status)
        world.add("enrollments", len(intended))
        return list(Enrollment.objects.filter(training_class=training_class, status=EnrollmentStatus.APPROVED))
    # Units are still nominating for the classes further out; a few professionals are put forward again.
    share = 1.0 if status == ClassStatus.ENROLLING and (spec.start - world.today).days <= 7 else (
        0.8 if status == ClassStatus.ENROLLING else 0.2)
    nominees = [r for r in intended if rng.random() < share]
    extras = _professionals(world, pool, spec, rng, exclude={r.pk for r in intended}, count=2 if share < 1 else 0)
    nominees += extras
    per_unit: dict[int, int] = defaultdict(int)
    for row in intended + extras:
        per_unit[row.unit_id] += 1
    if liaison_unit is not None and spec.anchor in ("U", "D"):
        per_unit[liaison_unit.pk] = {"U": 3, "D": 2}[spec.anchor]
        nominees = [r for r in nominees if r.unit_id != liaison_unit.pk]
    units.update(Organisation.objects.in_bulk(set(per_unit) - set(units)))
    for unit_id in sorted(per_unit, key=lambda u: units[u].code):
        roster_services.quota_set(actor=org, call=call, unit=units[unit_id], seats=per_unit[unit_id])
    roster_services.call_issue(actor=org, call=call)
    move_to(world, training_class, runner, status)
    quotas = {q.unit_id: q for q in call.quotas.all()}
    for row in nominees:
        pool.book(row, spec)
    _bulk_nominations(world, training_class, call, quotas, nominees)
    if spec.anchor == "U" and liaison_unit is not None:
        _liaison_nominates(world, pool, spec, quotas[liaison_unit.pk])
    if status == ClassStatus.ENROLLING:
        _review(world, pool, spec, training_class, org, rng, keep_pending={r.pk for r in nominees
                                                                            if r.recent(spec.start) > 3})
    return list(Enrollment.objects.filter(training_class=training_class, status=EnrollmentStatus.APPROVED))


def _professionals(world, pool: CadrePool, spec: ClassSpec, rng, *, exclude: set[int], count: int) -> list[CadreRow]:
    """Cadres with more than three classes in the last twelve months whom a unit puts forward
    again (the review shows them as 培训专业户)."""
    if count <= 0:
        return []
    busy = [r for r in pool.subtree(spec.organiser.path) if r.pk not in exclude and r.recent(spec.start) > 3
            and r.free(spec.start, spec.end) and not r.account]
    return rng.sample(busy, min(count, len(busy)))


def _bulk_nominations(world: World, training_class, call, quotas, rows: list[CadreRow]) -> None:
    """Nominations by the units' liaisons (no accounts): pending, with their warnings."""
    warned = warnings_for([Subject(r.pk, r, training_class, call) for r in rows], today=world.today)
    Enrollment.objects.bulk_create([
        Enrollment(training_class=training_class, cadre_id=r.pk, unit_id=r.unit_id, quota=quotas[r.unit_id],
                   status=EnrollmentStatus.NOMINATED, warnings=warned[r.pk]) for r in rows])
    world.add_bulk("roster.nominate", len(rows))
    world.add("enrollments", len(rows))


def _liaison_nominates(world: World, pool: CadrePool, spec: ClassSpec, quota: UnitQuota) -> None:
    """The `liaison` persona puts forward the `cadre` persona and two colleagues, then takes one
    colleague back (enrollment_withdraw); one seat of three stays open."""
    liaison = world.actor("liaison", Role.UNIT_LIAISON)
    cadre = pool.persona("cadre")
    colleagues = [r for r in pool.subtree(quota.unit.path) if not r.account and r.free(spec.start, spec.end)]
    nominated = []
    for row in [cadre] + colleagues[:2]:
        if row is None:
            continue
        enrollment, _ = roster_services.enrollment_nominate(actor=liaison, quota=quota, cadre_id=row.pk)
        nominated.append((row, enrollment))
        world.add("enrollments")
    if len(nominated) == 3:
        row, enrollment = nominated.pop()
        roster_services.enrollment_withdraw(actor=liaison, enrollment=enrollment)
    for row, _ in nominated:
        pool.book(row, spec)


def _review(world: World, pool: CadrePool, spec: ClassSpec, training_class, org, rng, keep_pending: set[int]) -> None:
    """The org department decides most nominations: approve (in bulk), reject with a note,
    substitute one cadre; the rest wait (the `cadre` persona's nomination is approved)."""
    pending = list(Enrollment.objects.filter(training_class=training_class, status=EnrollmentStatus.NOMINATED)
                   .select_related("cadre__person").order_by("cadre__person__name", "pk"))
    pending.sort(key=lambda e: pool.by_pk[e.cadre_id].id_number)
    near = (spec.start - world.today).days <= 7
    approve, reject = [], []
    for enrollment in pending:
        row = pool.by_pk[enrollment.cadre_id]
        if row.account == "cadre":
            approve.append(enrollment)
        elif row.pk in keep_pending or row.account:
            continue
        elif rng.random() < 0.04 and len(reject) < 2:
            reject.append(enrollment)
        elif near or rng.random() < 0.65:
            approve.append(enrollment)
    for enrollment in reject:
        roster_services.enrollment_reject(actor=org, enrollment=enrollment,
                                          note=rng.choice(texts.NOMINATION_REJECT_NOTES))
        pool.by_pk[enrollment.cadre_id].busy.remove((spec.start, spec.end))
    if approve:
        roster_services.enrollment_approve_many(actor=org, training_class=training_class,
                                                ids=[e.pk for e in approve])
    approved = [e for e in approve if pool.by_pk[e.cadre_id].account != "cadre"]
    if approved and len(approved) >= 10:
        old = approved[rng.randrange(len(approved))]
        mates = [r for r in pool.rows if r.unit_id == old.unit_id and pool.available(r, spec)
                 and r.pk not in {e.cadre_id for e in pending}]
        if mates:
            new = rng.choice(mates)
            roster_services.enrollment_substitute(actor=org, enrollment=old, cadre_id=new.pk,
                                                  reason=rng.choice(texts.SUBSTITUTE_REASONS))
            pool.book(new, spec)
            pool.by_pk[old.cadre_id].busy.remove((spec.start, spec.end))
            world.add("enrollments")


def draft_call(world: World, pool: CadrePool, spec: ClassSpec, training_class: TrainingClass) -> None:
    """A draft call with some quotas (not issued yet) for a city class in preparation."""
    org = org_actor(world, spec)
    if org is None or spec.template.call != CallMode.QUOTA:
        return
    rng = rng_for(world.seed, "roster", spec.key)
    issued = world.today
    fields = call_fields(world, spec, issued, spec.start - dt.timedelta(days=10))
    fields["document_no"] = ""
    if spec.plan_item_id:
        fields.pop("target_ranks"), fields.pop("target_categories")
    call = roster_services.call_create(actor=org, training_class=training_class, data=fields)
    units = sorted({r.unit_id for r in pool.pick(spec, spec.size // 2, rng)})
    for unit in Organisation.objects.filter(pk__in=units).order_by("code")[:8]:
        roster_services.quota_set(actor=org, call=call, unit=unit, seats=rng.randint(1, 3))
