"""Cadres of the demo place: who works where, their personal details and careers, written in bulk.

Headcounts follow each unit's weight; the posts of a unit follow posts.py;
personal details follow the rank (older and more often 中共党员 and 研究生 the
higher the rank, about 30 % women overall, mostly 汉族). ID numbers carry the
code of a county of the place, with birth date and gender matching the record.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from ganxun.core.crypto import keyed_hash
from ganxun.demo.careers import EventPlan, UnitPool, age_for_rank, plan_career
from ganxun.demo.names import Registry, birth_for_age, person_name
from ganxun.demo.posts import LEADERSHIP_TIERS, RANKS, Post, balance_ranks, unit_posts
from ganxun.people.models import Cadre, CareerEvent, Person

_FEMALE_SHARE = {4: 0.33, 3: 0.27, 2: 0.20, 1: 0.12, 0: 0.10}
_ETHNICITIES = [("汉族", 935), ("畲族", 15), ("回族", 10), ("满族", 8), ("土家族", 8), ("苗族", 7), ("壮族", 6),
                ("蒙古族", 4), ("侗族", 4), ("布依族", 3)]
_POLITICAL = {
    "senior": [("cpc", 93), ("democratic", 5), ("non_partisan", 2)],
    "section": [("cpc", 94), ("cpc_prob", 1), ("democratic", 4), ("non_partisan", 1)],
    "general": [("cpc", 72), ("cpc_prob", 5), ("cyl", 10), ("democratic", 4), ("non_partisan", 2), ("masses", 7)],
}
_EDUCATION = {
    4: [("bachelor", 60), ("master", 22), ("college", 13), ("doctorate", 2), ("secondary", 3)],
    3: [("bachelor", 55), ("master", 33), ("college", 8), ("doctorate", 4)],
    2: [("master", 50), ("bachelor", 38), ("doctorate", 10), ("college", 2)],
    1: [("master", 55), ("doctorate", 25), ("bachelor", 20)],
    0: [("master", 50), ("doctorate", 35), ("bachelor", 15)],
}


def _pick(rng: random.Random, table):
    values, weights = zip(*table)
    return rng.choices(values, weights)[0]


@dataclass(eq=False)
class PersonPlan:
    name: str
    gender: str
    birth: dt.date
    ethnicity: str
    political_status: str
    education: str
    phone: str
    id_number: str
    pk: int | None = None


@dataclass(eq=False)
class CadrePlan:
    person: PersonPlan
    unit: object
    post: Post
    events: list[EventPlan]
    pk: int | None = None

    @property
    def rank(self) -> str:
        return RANKS[self.post.rank]

    @property
    def rank_since(self) -> dt.date:
        promotions = [e.date for e in self.events if e.kind == "promotion"]
        return promotions[-1] if promotions else self.events[0].date


def new_person(rng: random.Random, registry: Registry, *, rank: int, region_code: str, today: dt.date,
               age: int | None = None, gender: str | None = None) -> PersonPlan:
    gender = gender or ("F" if rng.random() < _FEMALE_SHARE[rank] else "M")
    age = age if age is not None else age_for_rank(rng, rank)
    birth = birth_for_age(rng, age, today)
    group = "senior" if rank <= 2 else ("section" if rank == 3 else "general")
    political = _pick(rng, _POLITICAL[group])
    if political == "cyl" and age > 28:
        political = "masses"  # the Youth League ends at 28
    education = _pick(rng, _EDUCATION[rank])
    if education == "doctorate" and age < 30:
        education = "master"  # nobody starts work at 22–25 with a doctorate
    return PersonPlan(
        name=person_name(rng, gender), gender=gender, birth=birth, ethnicity=_pick(rng, _ETHNICITIES),
        political_status=political, education=education, phone=registry.phone(rng),
        id_number=registry.id_number(rng, region_code, birth, gender),
    )


def headcounts(units, total: int, rng: random.Random) -> dict:
    """Cadres per unit: leadership bodies have their fixed posts, the rest shares `total` by weight."""
    counts = {}
    staffed = []
    for unit in units:
        if unit.tier in LEADERSHIP_TIERS:
            counts[unit] = sum(count for _, count in unit.leadership_posts)
        else:
            staffed.append(unit)
    remaining = max(total - sum(counts.values()), 2 * len(staffed))
    weight_sum = sum(unit.weight for unit in staffed)
    shares = [(unit, remaining * unit.weight / weight_sum) for unit in staffed]
    floor = {unit: max(2, int(share)) for unit, share in shares}
    left = remaining - sum(floor.values())
    by_fraction = sorted(shares, key=lambda item: item[1] - int(item[1]), reverse=True)
    for unit, _ in by_fraction[:max(0, left)]:
        floor[unit] += 1
    counts.update(floor)
    return counts


def plan_cadres(rng: random.Random, registry: Registry, *, units, total: int, id_regions: list[str],
                today: dt.date) -> list[CadrePlan]:
    """Every cadre of a group of units (one city, or the province's organs)."""
    units = list(units)
    pool = UnitPool(units)
    posts = [(unit, post) for unit, count in headcounts(units, total, rng).items()
             for post in unit_posts(unit, count, rng)]
    plans = []
    for unit, post in balance_ranks(posts, rng):
        region = unit.region
        if region.level == "county" and rng.random() < 0.85:
            region_code = region.code
        else:
            region_code = rng.choice(id_regions)
        person = new_person(rng, registry, rank=post.rank, region_code=region_code, today=today)
        events = plan_career(rng, birth=person.birth, today=today, unit=unit, post=post, pool=pool)
        plans.append(CadrePlan(person=person, unit=unit, post=post, events=events))
    return plans


def person_row(plan: PersonPlan) -> Person:
    return Person(
        name=plan.name, id_number=plan.id_number, id_number_hash=keyed_hash(plan.id_number), gender=plan.gender,
        birth_date=plan.birth, ethnicity=plan.ethnicity, political_status=plan.political_status,
        education=plan.education, phone=plan.phone, phone_hash=keyed_hash(plan.phone),
    )


def insert_people(plans: list[PersonPlan]) -> None:
    rows = [person_row(plan) for plan in plans]
    Person.objects.bulk_create(rows, batch_size=1000)
    for plan, row in zip(plans, rows):
        plan.pk = row.pk


def insert_cadres(plans: list[CadrePlan]) -> int:
    """Persons, cadres and career events of `plans`; returns the number of events written."""
    insert_people([plan.person for plan in plans])
    rows = [
        Cadre(
            person_id=plan.person.pk, unit_id=plan.unit.pk, position_title=plan.events[-1].title, rank=plan.rank,
            is_leader=plan.post.is_leader, category=plan.unit.category, position_since=plan.events[-1].date,
            rank_since=plan.rank_since,
        )
        for plan in plans
    ]
    Cadre.objects.bulk_create(rows, batch_size=1000)
    events = []
    for plan, row in zip(plans, rows):
        plan.pk = row.pk
        for event in plan.events:
            events.append(CareerEvent(
                cadre_id=row.pk, kind=event.kind, date=event.date, unit_id=event.unit.pk,
                unit_name=event.unit.name, position_title=event.title, rank=RANKS[event.rank],
                is_leader=event.is_leader, note=event.note, source=CareerEvent.Source.DEMO,
            ))
    CareerEvent.objects.bulk_create(events, batch_size=2000)
    return len(events)
