"""Who attends: the cadre pool, the choice of each class's roster, and writing it.

**The skew.** Each serving cadre of the city gets an appetite for training: 28 % next to
none (they stay untrained unless a class cannot be filled otherwise), the rest by rank
(县处级 most) with a wide spread, and about 3 % "training professionals" who are picked far
more often. A cadre takes at most three classes in the window (15 %, the professionals
among them, four) and never two at once. Classes are filled in date order, so every roster sees the history
before it: the warnings stored on each nomination (roster.warnings: repeated training,
training professional, outside the target, never trained) are true of the generated data.

**How it is written.** Classes whose nomination deadline has passed (closed and running
ones, and the other counties' classes, whose org departments have no accounts) get their
call, quotas and enrollments in bulk (here), with rejections, withdrawals and substitutions
as a review would leave them. Classes of the city and of 东城区 that take nominations now
go through the roster services (calls.py).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from ganxun.access.roles import Role
from ganxun.classes import services as class_services
from ganxun.classes.models import ClassStatus, TrainingClass
from ganxun.demo.process import texts
from ganxun.demo.process.schedule import ClassSpec
from ganxun.demo.process.world import World, at, rng_for, set_field
from ganxun.org.models import Organisation
from ganxun.people.choices import PoliticalStatus
from ganxun.people.models import Cadre
from ganxun.roster.models import (
    CallMode,
    CallStatus,
    Enrollment,
    EnrollmentStatus,
    NamedCadre,
    TrainingCall,
    UnitQuota,
)
from ganxun.roster.warnings import Subject, warnings_for

RANK_APPETITE = {"bureau": 0.4, "county": 1.8, "section": 1.2, "general": 0.8}
NEVER_SHARE = 0.28
PROFESSIONAL_SHARE = 0.03
KEEN_SHARE = 0.15  # may take four classes in the window (the professionals among them)
CAP, PROFESSIONAL_CAP = 3, 4
PARTY = (PoliticalStatus.CPC_MEMBER, PoliticalStatus.CPC_PROBATIONARY)
PERSONA_UNIT = "发展和改革局"
QUOTA_UNITS = 12  # units a call issued through the services gives seats to
NOMINATION_TIME = dt.time(10, 30)
MIN_ROSTER = 5


@dataclass
class CadreRow:
    """What the generator needs of a cadre (duck-types Cadre for roster.warnings)."""

    pk: int
    name: str
    id_number: str
    unit_id: int
    unit_path: str
    unit_code: str
    unit_name: str
    rank: str
    category: str
    gender: str
    ethnicity: str
    party: bool
    birth: dt.date
    account: str
    appetite: float
    professional: bool
    cap: int = CAP
    busy: list[tuple[dt.date, dt.date]] = field(default_factory=list)

    def free(self, start: dt.date, end: dt.date) -> bool:
        return all(end < s or start > e for s, e in self.busy)

    def recent(self, start: dt.date) -> int:
        """Classes started in the 12 months before `start`."""
        return sum(1 for s, _ in self.busy if start - dt.timedelta(days=365) <= s < start)


class CadrePool:
    """The serving cadres of the first city, in ID-number order (stable across databases)."""

    def __init__(self, world: World):
        rng = rng_for(world.seed, "appetite")
        rows = []
        for cadre in Cadre.objects.filter(unit__path__startswith=world.city.path, is_active=True).select_related(
                "person__account", "unit"):
            person = cadre.person
            rows.append(CadreRow(
                pk=cadre.pk, name=person.name, id_number=person.id_number, unit_id=cadre.unit_id,
                unit_path=cadre.unit.path, unit_code=cadre.unit.code, unit_name=cadre.unit.name, rank=cadre.rank, category=cadre.category,
                gender=person.gender, ethnicity=person.ethnicity, party=person.political_status in PARTY,
                birth=person.birth_date, account=person.account.username if person.account_id else "",
                appetite=0.0, professional=False))
        rows.sort(key=lambda r: r.id_number)
        for row in rows:
            draw = rng.random()
            spread = math.exp(rng.gauss(0, 0.9))
            if draw < NEVER_SHARE:
                row.appetite = 0.01
            else:
                row.appetite = RANK_APPETITE.get(row.rank, 1.0) * spread
                if draw > 1 - KEEN_SHARE:
                    row.cap = PROFESSIONAL_CAP
                if draw > 1 - PROFESSIONAL_SHARE:
                    row.professional, row.appetite = True, row.appetite * 6
        self.rows = rows
        self.by_pk = {r.pk: r for r in rows}
        self.today = world.today
        self._subtrees: dict[str, list[CadreRow]] = {}

    def persona(self, username: str) -> CadreRow | None:
        return next((r for r in self.rows if r.account == username), None)

    def subtree(self, path: str) -> list[CadreRow]:
        if path not in self._subtrees:
            self._subtrees[path] = [r for r in self.rows if r.unit_path.startswith(path)]
        return self._subtrees[path]

    def age(self, row: CadreRow) -> int:
        born = row.birth
        return self.today.year - born.year - ((self.today.month, self.today.day) < (born.month, born.day))

    def fits(self, row: CadreRow, spec: ClassSpec) -> bool:
        t = spec.template
        return ((not t.ranks or row.rank in t.ranks) and (not t.categories or row.category in t.categories)
                and (not t.gender or row.gender == t.gender) and (not t.non_party or not row.party)
                and (not t.max_age or self.age(row) <= t.max_age))

    def available(self, row: CadreRow, spec: ClassSpec, *, over_cap: bool = False) -> bool:
        return (not row.account.startswith(("cadre", "liaison")) and row.free(spec.start, spec.end)
                and (over_cap or len(row.busy) < row.cap))

    def pick(self, spec: ClassSpec, k: int, rng, *, within: str | None = None, exclude=(),
             relax: bool = True, units: set[int] | None = None, over_cap: bool = False) -> list[CadreRow]:
        """k cadres for the class, weighted by appetite (Efraimidis–Spirakis keys), those who fit
        the class's targets first; others only when the targets cannot fill it."""
        if k <= 0:
            return []
        pool = self.subtree(within or spec.organiser.path)
        excluded = set(exclude)
        fitting, others = [], []
        for row in pool:
            if row.pk in excluded or (units is not None and row.unit_id not in units) or not self.available(
                    row, spec, over_cap=over_cap):
                continue
            key = rng.random() ** (1 / row.appetite)
            (fitting if self.fits(row, spec) else others).append((key, row))
        fitting.sort(key=lambda x: -x[0])
        chosen = [row for _, row in fitting[:k]]
        if relax and len(chosen) < k and not spec.template.gender and not spec.template.non_party:
            others.sort(key=lambda x: -x[0])
            chosen += [row for _, row in others[:k - len(chosen)]]
        return chosen

    def pick_in_units(self, spec: ClassSpec, k: int, rng, *, max_units: int) -> list[CadreRow]:
        """Like pick, but from at most `max_units` units (those a quota call gives seats to):
        the units most picked first, then filled up from the same units."""
        first = self.pick(spec, k, rng)
        counts: dict[int, int] = defaultdict(int)
        codes = {}
        for row in first:
            counts[row.unit_id] += 1
            codes[row.unit_id] = row.unit_code
        keep = set(sorted(counts, key=lambda u: (-counts[u], codes[u]))[:max_units])
        chosen = [row for row in first if row.unit_id in keep]
        chosen += self.pick(spec, k - len(chosen), rng, exclude=[r.pk for r in chosen], units=keep)
        return chosen

    def book(self, row: CadreRow, spec: ClassSpec) -> None:
        row.busy.append((spec.start, spec.end))


@dataclass
class Seat:
    """One nomination as the review left it."""

    row: CadreRow
    status: str
    note: str = ""
    replaced_by: Seat | None = None


def plan_seats(world: World, pool: CadrePool, spec: ClassSpec, *, include=(), size: int | None = None,
               rng=None) -> list[Seat]:
    """The roster of a class that has run (or is running): approved cadres, plus the rejected,
    withdrawn and substituted nominations a review leaves behind (quota calls)."""
    rng = rng or rng_for(world.seed, "roster", spec.key)
    size = spec.size if size is None else size
    chosen = list(include) + pool.pick(spec, size - len(include), rng, exclude=[r.pk for r in include])
    if len(chosen) < min(MIN_ROSTER, size):  # a class that ran had cadres, even in a tiny demo
        chosen += pool.pick(spec, min(MIN_ROSTER, size) - len(chosen), rng, exclude=[r.pk for r in chosen],
                            over_cap=True)
    seats = [Seat(row, EnrollmentStatus.APPROVED) for row in chosen]
    for row in chosen:
        pool.book(row, spec)
    if spec.template.call == CallMode.NAMED or len(chosen) < 10:
        return seats
    taken = {row.pk for row in chosen}
    for status, share in ((EnrollmentStatus.REJECTED, 0.05), (EnrollmentStatus.WITHDRAWN, 0.02),
                          (EnrollmentStatus.SUBSTITUTED, 0.03)):
        for _ in range(max(0, round(len(chosen) * share + rng.random() - 0.5))):
            replaced = {id(s.replaced_by) for s in seats if s.replaced_by is not None}
            approved = [s for s in seats if s.status == EnrollmentStatus.APPROVED and s.row not in include
                        and id(s) not in replaced]
            if not approved:
                break
            anchor = rng.choice(approved)
            mates = [r for r in pool.subtree(_unit_prefix(anchor.row)) if r.unit_id == anchor.row.unit_id
                     and r.pk not in taken and pool.available(r, spec, over_cap=True)]
            if not mates:
                continue
            other = rng.choice(mates)
            taken.add(other.pk)
            if status == EnrollmentStatus.SUBSTITUTED:
                # `other` was nominated and approved first, then replaced by `anchor`.
                seats.append(Seat(other, status, rng.choice(texts.SUBSTITUTE_REASONS), replaced_by=anchor))
            elif status == EnrollmentStatus.REJECTED:
                seats.append(Seat(other, status, rng.choice(texts.NOMINATION_REJECT_NOTES)))
            else:
                seats.append(Seat(other, status))
    return seats


def _unit_prefix(row: CadreRow) -> str:
    return row.unit_path


# --- the call ----------------------------------------------------------------------------------

def _issuer(region: Organisation) -> Organisation:
    dept = Organisation.objects.filter(parent=region, kind=Organisation.Kind.ORG_DEPT).order_by("sort_order",
                                                                                                "code").first()
    return dept or region


def document_no(world: World, spec: ClassSpec, issued: dt.date) -> str:
    prefix = "临组" if spec.organiser.pk == world.city.pk else f"{spec.organiser.name[:1]}组"
    key = f"{spec.organiser.code}/{issued.year}"
    world.numbers[key] = world.numbers.get(key, 10) + 1
    return f"{prefix}字〔{issued.year}〕{world.numbers[key]}号"


def call_fields(world: World, spec: ClassSpec, issued: dt.date, deadline: dt.date) -> dict:
    who = "市委组织部干部教育科" if spec.organiser.pk == world.city.pk else f"{spec.organiser.name}委组织部干部科"
    phone = 88000000 + (sum(map(ord, spec.organiser.name)) * 7919) % 999999
    return {"mode": spec.template.call, "document_no": document_no(world, spec, issued),
            "nomination_deadline": deadline, "contact": f"{who}，电话 {phone}",
            "requirements": "请各单位严格按照调训对象条件选派学员，于报名截止日前完成报名。参训学员须全程参加学习，"
                            "原则上不得请假；确需请假的，须经所在单位同意后向班主任提出。",
            "target_ranks": list(spec.template.ranks), "target_categories": list(spec.template.categories)}


def org_actor(world: World, spec: ClassSpec):
    """The org department's account that calls for the class (none for the other counties)."""
    if spec.organiser.pk == world.city.pk:
        return world.actor("orgadmin", Role.ORG_DEPT_ADMIN)
    if spec.organiser.pk == world.county.pk:
        return world.actor("county_admin", Role.ORG_DEPT_ADMIN)
    return None


# --- bulk: calls whose nominations are over ----------------------------------------------------

def write_seats(world: World, spec: ClassSpec, training_class: TrainingClass, seats: list[Seat], *,
                issued: dt.date, deadline: dt.date, decided: dt.date | None, rng) -> list[Enrollment]:
    """Write the issued call, its quotas (or named list) and the enrollments of `seats` in bulk;
    returns the approved enrollments in seat order."""
    actor = org_actor(world, spec)
    fields = call_fields(world, spec, issued, deadline)
    call = TrainingCall.objects.create(
        training_class=training_class, status=CallStatus.ISSUED, issuer=_issuer(spec.organiser),
        issued_by=actor, issued_at=at(issued, dt.time(10, 0)), created_by=actor, **fields)
    live = [s for s in seats if s.status in (EnrollmentStatus.APPROVED, EnrollmentStatus.NOMINATED)]
    quotas: dict[int, UnitQuota] = {}
    if call.mode == CallMode.QUOTA:
        per_unit: dict[int, int] = defaultdict(int)
        for seat in live:
            per_unit[seat.row.unit_id] += 1
        spare = training_class.capacity - len(live)
        rows = []
        codes = {s.row.unit_id: s.row.unit_code for s in seats}
        for unit_id in sorted(per_unit, key=codes.get):
            extra = 1 if spare > 0 and rng.random() < 0.2 else 0
            spare -= extra
            rows.append(UnitQuota(call=call, unit_id=unit_id, seats=per_unit[unit_id] + extra))
        for seat in seats:  # units whose only nominations were turned down keep their seat
            if seat.row.unit_id not in per_unit and seat.row.unit_id not in {q.unit_id for q in rows} and spare > 0:
                rows.append(UnitQuota(call=call, unit_id=seat.row.unit_id, seats=1))
                spare -= 1
        quotas = {q.unit_id: q for q in UnitQuota.objects.bulk_create(rows)}
        world.add_bulk("roster.quota.set", len(rows))
    else:
        NamedCadre.objects.bulk_create([NamedCadre(call=call, cadre_id=s.row.pk, unit_id=s.row.unit_id,
                                                   created_by=actor) for s in seats
                                        if s.status == EnrollmentStatus.APPROVED])
    world.add_bulk("roster.call.issue", 1)
    warned = warnings_for([Subject(i, s.row, training_class, call) for i, s in enumerate(seats)],
                          today=issued + dt.timedelta(days=3))
    seat_no = 0
    span = max((deadline - issued).days, 1)
    # Units send their lists on a few days between the notice and the deadline.
    days = sorted(rng.sample(range(1, span + 1), min(4, span)))
    made: dict[int, Enrollment] = {}
    for wave in (False, True):  # substituted ones point at their replacement, so they come second
        batch = []
        for index, seat in enumerate(seats):
            if (seat.status == EnrollmentStatus.SUBSTITUTED) != wave:
                continue
            nominated = at(issued + dt.timedelta(days=rng.choice(days)), NOMINATION_TIME)
            decided_at = (at(decided, dt.time(15, 0)) if decided and seat.status not in (
                EnrollmentStatus.NOMINATED, EnrollmentStatus.WITHDRAWN) else None)
            enrollment = Enrollment(
                training_class=training_class, cadre_id=seat.row.pk, unit_id=seat.row.unit_id,
                quota=quotas.get(seat.row.unit_id), status=seat.status, warnings=warned[index],
                nominated_by=actor if call.mode == CallMode.NAMED else None,
                decided_by=actor if decided_at else None, decided_at=decided_at,
                decision_note="实名调训" if call.mode == CallMode.NAMED else seat.note)
            if seat.status == EnrollmentStatus.APPROVED:
                seat_no += 1
                enrollment.seat_no = seat_no
            if seat.status == EnrollmentStatus.SUBSTITUTED:
                enrollment.replaced_by = made[id(seat.replaced_by)]
            batch.append((seat, enrollment, nominated))
        Enrollment.objects.bulk_create([e for _, e, _ in batch], batch_size=500)
        for seat, enrollment, nominated in batch:
            made[id(seat)] = enrollment
            enrollment.nominated_at = nominated
    enrollments = made
    set_field(Enrollment, "nominated_at", {e.pk: e.nominated_at for e in enrollments.values()})
    world.add_bulk("roster.nominate", len(enrollments))
    world.add("enrollments", len(enrollments))
    return sorted((e for e in enrollments.values() if e.status == EnrollmentStatus.APPROVED), key=lambda e: e.seat_no)


def move_to(world: World, training_class: TrainingClass, runner, target: str, *, in_bulk: bool = False) -> None:
    """Walk the class's status forward (classes.services.class_transition) up to `target`
    (running at most: closing is assessment's class_close). `in_bulk`: the walk of a class
    held before the process day, written at once."""
    order = [ClassStatus.DRAFT, ClassStatus.NOTICE_ISSUED, ClassStatus.ENROLLING, ClassStatus.RUNNING]
    training_class.refresh_from_db(fields=["status"])
    if in_bulk:
        steps = order.index(target) - order.index(training_class.status)
        TrainingClass.objects.filter(pk=training_class.pk).update(status=target)
        training_class.status = target
        world.add_bulk("class.transition", steps)
        return
    while order.index(training_class.status) < order.index(target):
        step = order[order.index(training_class.status) + 1]
        class_services.class_transition(actor=runner, training_class=training_class, to=step)
        training_class.status = step


def past_dates(spec: ClassSpec, rng) -> tuple[dt.date, dt.date, dt.date]:
    """(issued, deadline, decided) of a call before the class."""
    issued = spec.start - dt.timedelta(days=rng.randint(24, 35))
    deadline = spec.start - dt.timedelta(days=rng.randint(6, 9))
    return issued, deadline, deadline + dt.timedelta(days=rng.randint(1, 3))


def future_seats(world: World, pool: CadrePool, spec: ClassSpec, status: str) -> list[Seat]:
    """Nominations of a class of a county without an org-department account: most approved
    while enrolling, a few pending; only some nominations in while the notice is fresh."""
    rng = rng_for(world.seed, "roster", spec.key)
    share = 0.8 if status == ClassStatus.ENROLLING else 0.2
    chosen = pool.pick(spec, round(spec.size * share), rng)
    seats = []
    for row in chosen:
        pool.book(row, spec)
        approved = status == ClassStatus.ENROLLING and rng.random() < 0.7
        seats.append(Seat(row, EnrollmentStatus.APPROVED if approved else EnrollmentStatus.NOMINATED))
    return seats


def persona_unit(world: World) -> Organisation | None:
    return Organisation.objects.filter(parent=world.county, name=f"{world.county.name}{PERSONA_UNIT}").first()
