"""Career histories: from the first post at 22–25 through promotions and transfers to today's post.

The last event of every history *is* the cadre's current post (same unit,
rank, title, leader flag; its date is "任现职时间"), and the rank only ever
rises one step at a time, at ages typical for the step. Earlier posts are in
units where that rank makes sense: nobody was a 科员 in a county party
committee or a 县处级 in a township.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from ganxun.demo.names import add_years, age_on
from ganxun.demo.posts import CIVIL_SERVICE_CATEGORIES, LEADERSHIP_TIERS, Post, head_rank, title_for

# Age at which a rank (index into posts.RANKS) is typically reached.
_PROMOTION_AGE = {3: (27.0, 36.0), 2: (36.0, 46.0), 1: (45.0, 53.0), 0: (52.0, 57.0)}
# Age of people now holding a rank: (low, high, mode) of a triangular distribution.
_AGE_BY_RANK = {4: (25, 55, 29), 3: (29, 59.9, 45), 2: (37, 59.9, 51), 1: (45, 59.9, 55), 0: (53, 59.9, 58)}
_MIN_GAP_YEARS = 1.5


def age_for_rank(rng: random.Random, rank: int) -> int:
    low, high, mode = _AGE_BY_RANK[rank]
    return min(59, int(rng.triangular(low, high, mode)))


@dataclass
class EventPlan:
    kind: str
    date: dt.date
    rank: int
    unit: object = None
    title: str = ""
    is_leader: bool = False
    note: str = ""


def plausible(unit, rank: int) -> bool:
    """Could a person of `rank` have worked in `unit`?"""
    top = head_rank(unit)
    if unit.tier in LEADERSHIP_TIERS:
        return rank == top
    return rank >= top


class UnitPool:
    """Units of one city (or of the province's organs) by the ranks that fit them, for past posts."""

    def __init__(self, units):
        self.units = list(units)
        self._fits: dict[tuple[int, int], list] = {}  # (lowest, highest rank index held) → units

    def _fitting(self, low: int, high: int) -> list:
        key = (low, high)
        if key not in self._fits:
            self._fits[key] = [u for u in self.units if all(plausible(u, r) for r in range(high, low + 1))]
        return self._fits[key]

    def pick(self, rng: random.Random, *, ranks: set[int], near, exclude) -> object | None:
        """A unit for a stretch of career spent at `ranks`, preferably in the region of `near`."""
        candidates = self._fitting(max(ranks), min(ranks))
        if not candidates:
            return None
        if rng.random() < 0.65:
            region = near.region
            local = [u for u in candidates if u.region is region and u is not exclude]
            if local:
                return rng.choice(local)
        others = [u for u in candidates if u is not exclude]
        return rng.choice(others) if others else None


def plan_career(rng: random.Random, *, birth: dt.date, today: dt.date, unit, post: Post,
                pool: UnitPool) -> list[EventPlan]:
    """Events of one cadre, oldest first; the last one is `post` in `unit`."""
    age_now = age_on(birth, today)
    start = add_years(birth, rng.uniform(22.0, min(25.5, age_now - 1.0)))
    end = today - dt.timedelta(days=30)
    ladder = list(range(4, post.rank - 1, -1))  # general → … → current rank
    promotions = len(ladder) - 1

    dates: list[dt.date] = []
    previous = start
    for step, rank in enumerate(ladder[1:]):
        remaining = promotions - step - 1
        earliest = add_years(previous, _MIN_GAP_YEARS)
        latest = add_years(end, -_MIN_GAP_YEARS * remaining)
        low, high = _PROMOTION_AGE[rank]
        target = add_years(birth, rng.uniform(low, high))
        if latest <= earliest:  # a fast career: spread what is left evenly
            target = previous + (end - previous) / (remaining + 2)
        else:
            target = min(max(target, earliest), latest)
        dates.append(target)
        previous = target
    events = [EventPlan("appointment", start, 4, note="参加工作")]
    events += [EventPlan("promotion", day, rank) for day, rank in zip(dates, ladder[1:])]

    extra_min = 1 if promotions == 0 else 0          # at least two events
    extra_max = 5 - promotions                       # at most six
    years = (end - start).days / 365.25
    extra = rng.randint(extra_min, max(extra_min, min(extra_max, extra_min + 1 + int(years / 9))))
    taken = {event.date for event in events}
    for _ in range(extra):
        for _attempt in range(20):
            day = start + dt.timedelta(days=rng.randrange(120, max(121, (end - start).days)))
            if day not in taken:
                break
        else:
            continue
        taken.add(day)
        # A career with no promotion must move at least once, or its two events would say the same.
        moves = promotions == 0 and extra == 1 or rng.random() < 0.6
        events.append(EventPlan("transfer" if moves else "appointment", day, -1))
    events.sort(key=lambda event: event.date)
    if events[-1].date > end or len({e.date for e in events}) != len(events):
        raise AssertionError("career dates must be distinct and before today")

    rank = 4
    for event in events:  # ranks run forward: extra events keep the rank of the moment
        rank = event.rank if event.rank >= 0 else rank
        event.rank = rank
    _place(rng, events, unit, pool)
    for index, event in enumerate(events[:-1]):
        previous = events[index - 1] if index else None
        for _attempt in range(6):  # a new post in the same unit is a different post
            leader = (event.rank < 4 and event.rank >= head_rank(event.unit)
                      and (event.unit.tier in LEADERSHIP_TIERS or rng.random() < 0.6))
            title = title_for(event.unit, event.rank, leader, rng)
            if previous is None or (previous.unit, previous.title, previous.is_leader) != (event.unit, title, leader):
                break
        event.is_leader, event.title = leader, title
    last = events[-1]
    last.title, last.is_leader = post.title, post.is_leader
    for event in events:
        if event.title in _GENERAL_GRADES and event.unit.category in CIVIL_SERVICE_CATEGORIES:
            # 二级科员 on entry, 一级科员 after three years (the civil-service grade ladder).
            event.title = "二级科员" if (event.date - start).days < 3 * 365 else "一级科员"
    return _without_repeats(events)


_GENERAL_GRADES = frozenset({"一级科员", "二级科员"})


def _without_repeats(events: list[EventPlan]) -> list[EventPlan]:
    """Drop an event that changes nothing (same unit, rank, title, leader as the one before it)."""
    kept = [events[0]]
    for index, event in enumerate(events[1:], start=1):
        before = kept[-1]
        same = (event.unit, event.rank, event.title, event.is_leader) == (
            before.unit, before.rank, before.title, before.is_leader)
        if same and len(kept) + len(events) - index - 1 >= 2:  # never fewer than two events
            continue
        kept.append(event)
    return kept


def _place(rng: random.Random, events: list[EventPlan], unit, pool: UnitPool) -> None:
    """Walk back from today's unit, choosing where the person was before each move."""
    current = unit
    stretch: set[int] = set()  # ranks held in `current` before the events walked so far
    for index in range(len(events) - 1, 0, -1):
        event, before = events[index], events[index - 1]
        event.unit = current
        moves = event.kind == "transfer" or (event.kind == "promotion" and rng.random() < 0.35)
        # Staying only works if the earlier rank fits this unit too (no 科员 in a party committee).
        if not moves and not all(plausible(current, r) for r in stretch | {before.rank}):
            moves = True
            if event.kind == "appointment":
                event.kind = "transfer"
        if moves:
            previous = pool.pick(rng, ranks={before.rank}, near=current, exclude=current)
            if previous is None:
                previous = current
            else:
                event.note = f"由{previous.name}调入" if event.kind == "transfer" else f"由{previous.name}调任"
                current = previous
                stretch = set()
        stretch.add(before.rank)
        if event.kind == "transfer" and event.unit is current:
            event.kind = "appointment"  # nowhere to come from: a new post in the same unit
    events[0].unit = current
