"""Two themed online classes (专题网络班), through ganxun.onlineclasses.services.

* **Open** — 东城区数字政府建设专题网络培训班, run by 中共东城区委组织部 (`county_admin`) for every
  serving cadre of 东城区: the 微课 with the demo's video and three more 数字政府 courses required, two
  electives; opened 20 days before the process day, deadline 10 days after it.
* **Closed** — the city's 党纪学习教育 class for its 乡科级 cadres (`orgadmin`), held last quarter:
  three public courses on party discipline required, two electives; opened on its start day,
  closed the day after its deadline.

Each requires its required courses and, in hours, those plus one elective. Opening materialises
the audience into members (each with the unit of that moment), as it would on the day; the
services take the opening and closing moments (07:30 of those days). Progress is never stored by
the app — it is the members' StudyProgress — so only cadres with accounts can have any: the
learner accounts study (learners.py), every other member shows 0 (they cannot log in).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from ganxun.access.roles import Role
from ganxun.demo.process.world import MORNING, World, at, weekday_on_or_after
from ganxun.learning.conversion import credit_hours_for
from ganxun.learning.models import Course
from ganxun.onlineclasses import services
from ganxun.onlineclasses.models import ThemedClass
from ganxun.org.models import Organisation

OPEN_DAYS_BACK, OPEN_DAYS_AHEAD = 20, 10
OPEN_SERIES = "数字政府"
OPEN_REQUIRED = 3  # besides the video course
OPEN_ELECTIVES = 2
CLOSED_REQUIRED = ("党章党规党纪学习", "廉洁从政教育", "全面从严治党新要求")
CLOSED_ELECTIVES = ("意识形态工作责任制", "党的二十大精神解读")


@dataclass
class ThemedPlan:
    """A class as the learners' study needs it."""

    themed_class: ThemedClass
    required: list[Course]
    electives: list[Course]
    start: dt.date
    last_day: dt.date              # the last day members studied for it (deadline, or yesterday while open)
    members: set[int] = field(default_factory=set)  # cadre ids

    @property
    def courses(self) -> list[Course]:
        return self.required + self.electives


@dataclass
class ThemedPlans:
    open: ThemedPlan | None
    closed: ThemedPlan | None

    def all(self) -> list[ThemedPlan]:
        return [p for p in (self.open, self.closed) if p is not None]


def previous_quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the calendar quarter before the one `today` is in."""
    this_quarter = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    last = this_quarter - dt.timedelta(days=1)
    return dt.date(last.year, last.month - 2, 1), last


def _hours(courses: list[Course], on: dt.date) -> Decimal:
    return sum((credit_hours_for(duration_minutes=c.duration_minutes, on=on) for c in courses), Decimal("0"))


def _published_by(courses: list[Course], day: dt.date) -> list[Course]:
    return [c for c in courses if timezone.localtime(c.published_at).date() < day]


def _open_and_close(actor, themed_class: ThemedClass, *, opened: dt.date, closed: dt.date | None) -> set[int]:
    services.themed_class_open(actor=actor, themed_class=themed_class, now=at(opened, MORNING))
    if closed is not None:
        services.themed_class_close(actor=actor, themed_class=themed_class, now=at(closed, MORNING))
    return set(themed_class.members.values_list("cadre_id", flat=True))


def _open_class(world: World, published: list[Course]) -> ThemedPlan | None:
    start = world.today - dt.timedelta(days=OPEN_DAYS_BACK)
    ready = [c for c in _published_by(published, start) if not c.is_required]
    video = [c for c in ready if c.is_video and c.series == OPEN_SERIES]
    series = [c for c in ready if not c.is_video and c.series == OPEN_SERIES]
    # Too few 数字政府 courses published in time (not at the demo's sizes): any elective fills in.
    series += [c for c in ready if not c.is_video and c.series != OPEN_SERIES]
    required = video[:1] + series[:OPEN_REQUIRED]
    electives = series[OPEN_REQUIRED:OPEN_REQUIRED + OPEN_ELECTIVES]
    if not required:
        return None
    hours = _hours(required + electives[:1], start)
    actor = world.actor("county_admin", Role.ORG_DEPT_ADMIN)
    owner = Organisation.objects.get(parent=world.county, kind=Organisation.Kind.ORG_DEPT)
    themed_class = services.themed_class_create(
        actor=actor, owner=owner, title=f"{world.county.name}数字政府建设专题网络培训班",
        description=(f"围绕数字政府建设，组织全区干部在线学习“一网通办”、政务数据治理等课程。必修课程全部学完，"
                     f"且本班课程折算学时合计不少于 {hours} 学时，视为完成。截止日期前 7 天和 1 天，平台提醒尚未完成的学员。"),
        start_date=start, deadline=world.today + dt.timedelta(days=OPEN_DAYS_AHEAD), required_hours=hours,
        audience_root=world.county, courses=[(c, True) for c in required] + [(c, False) for c in electives])
    members = _open_and_close(actor, themed_class, opened=start, closed=None)
    world.add("themed_class_members", len(members))
    return ThemedPlan(themed_class, required, electives, start, world.today - dt.timedelta(days=1), members)


def _closed_class(world: World, published: list[Course]) -> ThemedPlan | None:
    first, last = previous_quarter(world.today)
    start, deadline = weekday_on_or_after(first + dt.timedelta(days=7)), last - dt.timedelta(days=7)
    ready = {c.title: c for c in _published_by(published, start) if c.is_required}
    required = [ready[t] for t in CLOSED_REQUIRED if t in ready]
    electives = [ready[t] for t in CLOSED_ELECTIVES if t in ready]
    if not required:
        return None
    hours = _hours(required + electives[:1], start)
    quarter = (first.month - 1) // 3 + 1
    actor = world.actor("orgadmin", Role.ORG_DEPT_ADMIN)
    owner = Organisation.objects.get(parent=world.city, kind=Organisation.Kind.ORG_DEPT)
    themed_class = services.themed_class_create(
        actor=actor, owner=owner, title=f"{world.city.name}乡科级干部党纪学习教育专题网络班（{first.year}年第{quarter}季度）",
        description=(f"全市乡科级干部集中学习党章党规党纪、廉洁从政等课程。必修课程全部学完，且本班课程折算学时合计"
                     f"不少于 {hours} 学时，视为完成。"),
        start_date=start, deadline=deadline, required_hours=hours, audience_root=world.city, audience_rank="section",
        courses=[(c, True) for c in required] + [(c, False) for c in electives])
    members = _open_and_close(actor, themed_class, opened=start, closed=deadline + dt.timedelta(days=1))
    world.add("themed_class_members", len(members))
    return ThemedPlan(themed_class, required, electives, start, deadline, members)


def generate_themed_classes(world: World, published: list[Course]) -> ThemedPlans:
    plans = ThemedPlans(open=_open_class(world, published), closed=_closed_class(world, published))
    world.add("themed_classes", len(plans.all()))
    return plans
