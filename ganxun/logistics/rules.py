"""Pure rules of dining and lodging: the default meal pattern, served meals, cut-offs,
date overlap and bed occupancy. No database access here, so every rule is easy to test."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.utils import timezone

from ganxun.logistics.models import DEFAULT_CUTOFF_TIME, MEAL_ORDER, Meal

WEEKDAYS = "一二三四五六日"


def class_days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=offset) for offset in range((end - start).days + 1)]


def default_meals(day: dt.date, start: dt.date, end: dt.date) -> list[str]:
    """The default pattern: breakfast, lunch and dinner every class day, except no breakfast
    on the first day (cadres arrive that morning) and no dinner on the last day (they leave
    after the closing session). A one-day class serves lunch only."""
    meals = list(Meal.values)
    if day == start:
        meals.remove(Meal.BREAKFAST)
    if day == end:
        meals.remove(Meal.DINNER)
    return meals


def served_meals(start: dt.date, end: dt.date, meal_plan: dict | None) -> dict[dt.date, list[str]]:
    """{day: [meals served]} for every class day: the per-day override where the settings
    hold one (days outside the class dates are ignored), else the default pattern."""
    meal_plan = meal_plan or {}
    served = {}
    for day in class_days(start, end):
        override = meal_plan.get(day.isoformat())
        meals = default_meals(day, start, end) if override is None else override
        served[day] = sorted((m for m in meals if m in MEAL_ORDER), key=MEAL_ORDER.__getitem__)
    return served


def plan_overrides(start: dt.date, end: dt.date, wanted: dict[dt.date, Iterable[str]]) -> dict[str, list[str]]:
    """The compact form stored in ClassLogistics.meal_plan: only days that differ from the
    default, so that later changes of the class dates move the default with them."""
    overrides = {}
    for day in class_days(start, end):
        meals = sorted(set(wanted.get(day, ())) & set(MEAL_ORDER), key=MEAL_ORDER.__getitem__)
        if meals != default_meals(day, start, end):
            overrides[day.isoformat()] = meals
    return overrides


def cutoff_at(day: dt.date, days_before: int, at: dt.time = DEFAULT_CUTOFF_TIME) -> dt.datetime:
    """When registration for the meals of `day` closes (aware, in the site's time zone)."""
    naive = dt.datetime.combine(day - dt.timedelta(days=days_before), at)
    return timezone.make_aware(naive, timezone.get_current_timezone())


def is_open(day: dt.date, days_before: int, at: dt.time, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) < cutoff_at(day, days_before, at)


def cutoff_text(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def day_label(day: dt.date) -> str:
    return f"{day.month}月{day.day}日 周{WEEKDAYS[day.weekday()]}"


def dates_overlap(start: dt.date, end: dt.date, other_start: dt.date, other_end: dt.date) -> bool:
    """Inclusive: a class leaving on the day another arrives shares that day (and its beds)."""
    return start <= other_end and other_start <= end


def peak_occupancy(start: dt.date, end: dt.date, stays: Iterable[tuple[dt.date, dt.date]]) -> int:
    """The largest number of `stays` (start, end inclusive) present on any one day of
    [start, end] — the beds a room must have free for a new stay over that period."""
    events: list[tuple[dt.date, int]] = []
    for stay_start, stay_end in stays:
        if not dates_overlap(start, end, stay_start, stay_end):
            continue
        events.append((max(start, stay_start), 1))
        events.append((min(end, stay_end) + dt.timedelta(days=1), -1))
    # Departures (-1) sort before arrivals (+1) on the same day: the day after a stay ends is free.
    events.sort()
    peak = current = 0
    for _, delta in events:
        current += delta
        peak = max(peak, current)
    return peak


_NUMBER_PARTS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """"2-110" after "2-19", "101" after "99": numbers compare as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in _NUMBER_PARTS.split(text or ""))


def room_sort_key(room) -> tuple:
    return natural_key(room.building), natural_key(room.number), room.pk


def expand_numbers(spec: str) -> list[str]:
    """"101-105, 201, 3A" → ["101", ..., "105", "201", "3A"]; ranges keep the width of the
    first number ("08-10" → "08", "09", "10"). Raises ValueError with a Chinese message."""
    numbers: list[str] = []
    for raw in re.split(r"[,，、;；\s]+", (spec or "").strip()):
        if not raw:
            continue
        match = re.fullmatch(r"(\d+)\s*[-–—~～至]\s*(\d+)", raw)
        if match:
            first, last = match.groups()
            low, high = int(first), int(last)
            if high < low:
                raise ValueError(f"房间号范围“{raw}”的结束号小于起始号。")
            if high - low >= 500:
                raise ValueError(f"房间号范围“{raw}”过大（一次最多 500 间）。")
            numbers += [str(n).zfill(len(first)) for n in range(low, high + 1)]
        elif len(raw) <= 20:
            numbers.append(raw)
        else:
            raise ValueError(f"房间号“{raw[:20]}…”过长（最多 20 个字符）。")
    if not numbers:
        raise ValueError("请填写房间号，例如“101-120, 201”。")
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1}, key=natural_key)
    if duplicates:
        raise ValueError(f"房间号重复：{'、'.join(duplicates[:10])}。")
    if len(numbers) > 500:
        raise ValueError("一次最多添加 500 间房间。")
    return numbers
