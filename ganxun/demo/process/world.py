"""What every part of the process generator shares: the time line, random streams, actors.

The time line is anchored at `today` — by default the real local date of generation, since
the services check real time (closing after the last session, check-in during a session,
leave for today or later, rating windows). The year of training covers WINDOW_BACK days
up to `today` and WINDOW_AHEAD days after it. `now` is a fixed moment of that day (07:30,
before the first session), passed to the services that take one, so the same seed and the
same process day give the same data whatever the hour of generation.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, models
from django.utils import timezone

from ganxun.access.models import Account, RoleAssignment
from ganxun.audit.services import audit_record
from ganxun.classes.models import ClassStatus
from ganxun.org.models import Organisation

WINDOW_BACK = 365
WINDOW_AHEAD = 60
ARCHIVE_AFTER_DAYS = 60       # closed classes that ended longer ago are archived
ENROLLING_WITHIN_DAYS = 30    # classes starting within this are taking nominations
NOTICE_WITHIN_DAYS = 45       # … within this the notice is out; later ones are drafts
PLAN_YEAR_MIN_DAYS = 90       # a calendar year with at least this much of the window has a plan
MORNING = dt.time(7, 30)


def rng_for(seed: int, *parts: object) -> random.Random:
    """The random stream of one part of the process: random.Random("<seed>/process/<parts>")."""
    return random.Random("/".join(str(p) for p in (seed, "process", *parts)))


@functools.lru_cache(maxsize=4096)
def at(day: dt.date, time: dt.time) -> dt.datetime:
    """An aware datetime in the platform's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, time))


def set_field(model, name: str, values: dict[int, object]) -> None:
    """Give many rows (pk → value) a field that takes only a few distinct values: one UPDATE
    per value, where bulk_update would build a CASE over every row (and auto_now_add fields
    cannot be given on insert)."""
    groups: dict[object, list[int]] = defaultdict(list)
    for pk, value in values.items():
        groups[value].append(pk)
    for value, pks in groups.items():
        for start in range(0, len(pks), 500):
            model.objects.filter(pk__in=pks[start:start + 500]).update(**{name: value})


def status_for(start: dt.date, end: dt.date, today: dt.date) -> str:
    """Where a class with these dates stands on `today`."""
    if end < today - dt.timedelta(days=ARCHIVE_AFTER_DAYS):
        return ClassStatus.ARCHIVED
    if end < today:
        return ClassStatus.CLOSED
    if start <= today:
        return ClassStatus.RUNNING
    if (start - today).days <= ENROLLING_WITHIN_DAYS:
        return ClassStatus.ENROLLING
    if (start - today).days <= NOTICE_WITHIN_DAYS:
        return ClassStatus.NOTICE_ISSUED
    return ClassStatus.DRAFT


def weekday_on_or_after(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def weekdays_from(start: dt.date, count: int) -> list[dt.date]:
    """`count` working days (Monday–Friday) from `start` (itself moved to a weekday)."""
    days, day = [], weekday_on_or_after(start)
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def insert_rows(model, rows: list[dict]) -> int:
    """Insert many plain rows (attname → value) at once — COPY on PostgreSQL, executemany on
    SQLite: for the largest history table (attendance records), where building model instances
    and bulk_create's SQL cost several times what the database does. Missing fields take
    their defaults, auto_now(_add) fields the present moment. Returns the number of rows."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    stamped = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    defaults = {f.attname: f.get_default() for f in fields if f.attname not in stamped}
    moments = {f.attname for f in fields if isinstance(f, models.DateTimeField)}
    adapt = connection.ops.adapt_datetimefield_value
    params = []
    for row in rows:
        values = []
        for f in fields:
            value = now if f.attname in stamped else row.get(f.attname, defaults[f.attname])
            values.append(adapt(value) if f.attname in moments and value is not None else value)
        params.append(values)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY: several times faster than INSERT … VALUES
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in params:
                    copy.write_row(values)
        else:  # SQLite runs in the process: executemany is its fast path
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})", params)
    return len(params)


@dataclass
class World:
    """The first city's process context, filled step by step by the parts of the generator."""

    seed: int
    today: dt.date
    city: Organisation
    county: Organisation                    # 东城区, the personas' county
    counties: list[Organisation]
    school: Organisation                    # 中共临江市委党校
    academy: Organisation                   # 临江干部学院
    county_schools: dict[int, Organisation]  # county pk → its party school
    size_factor: float = 1.0
    city_classes_per_year: int = 60
    county_classes_per_year: int = 5
    plan_topics: int = 6
    actors: dict[str, Account] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    bulk: dict[str, int] = field(default_factory=dict)   # rows written in bulk, per step (for the audit trail)
    numbers: dict[str, int] = field(default_factory=dict)  # running numbers (document numbers of notices)

    @property
    def now(self) -> dt.datetime:
        return at(self.today, MORNING)

    @property
    def window(self) -> tuple[dt.date, dt.date]:
        return self.today - dt.timedelta(days=WINDOW_BACK), self.today + dt.timedelta(days=WINDOW_AHEAD)

    def plan_years(self) -> list[int]:
        """Calendar years with at least PLAN_YEAR_MIN_DAYS of the window, none after this year."""
        first, last = self.window
        years = []
        for year in range(first.year, last.year + 1):
            start, end = max(first, dt.date(year, 1, 1)), min(last, dt.date(year, 12, 31))
            if (end - start).days + 1 >= PLAN_YEAR_MIN_DAYS and year <= self.today.year:
                years.append(year)
        return years

    def actor(self, username: str, role: str | None = None) -> Account:
        """The account acting now, with the role it acts in (its first current one by default)."""
        key = f"{username}/{role or ''}"
        if key not in self.actors:
            account = Account.objects.get(username=username)
            assignments = RoleAssignment.objects.current().filter(account=account).select_related("scope")
            if role:
                assignments = assignments.filter(role=role)
            account.active_role = assignments.order_by("id").first()
            self.actors[key] = account
        return self.actors[key]

    def add(self, key: str, value: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + value

    def add_bulk(self, step: str, rows: int) -> None:
        self.bulk[step] = self.bulk.get(step, 0) + rows


def bulk_audit(world: World) -> None:
    """One summary audit entry per bulk step: what the generator wrote without the services
    (generated cadres have no accounts; history before the process day cannot go through
    services that check the clock)."""
    for step in sorted(world.bulk):
        audit_record(action=step, actor=None, target_type="demo.process", target_repr="演示数据（批量写入）",
                     detail={"demo": True, "bulk": True, "rows": world.bulk[step]})
