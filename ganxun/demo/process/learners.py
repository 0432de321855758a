"""Learner accounts and their online study.

Only a cadre with an account studies online (Role.CADRE holds `learning.study`): of the demo
log-ins that is the `cadre` persona alone — `liaison` and `leader` have cadre records but not
the learner role, and their roles are part of the foundation's fingerprint. So the process
adds five learner accounts (`cadre2`–`cadre6`) for generated cadres of 东城区, like the staff
accounts (an existing person each, the demo password, an audit entry, the role through
access.services.role_assign): two colleagues of the persona in 东城区发展和改革局 and three
cadres of other 东城区 units, of several ranks. They make the themed classes' completion
tables and the liaison's view of its unit show real study next to the members who have no
account (and so no progress).

Study before the process day is history, written in bulk as the heartbeats would have left it:
a StudyProgress row per course (credited seconds, completion, converted hours; a video's
playback position), the ledger entry of each completed course (credit_post_many, source_ref
course:<course>:cadre:<cadre>, as learning.services.progress_complete posts it) and a rating
of most completed courses. Each learner's study follows the themed classes they belong to:

* `cadre` — the closed class completed; in the open class two courses done, the video watched
  to 1:35 (a visitor can finish it) and one more course partly read; a course of its own
  choice begun: six completed, three in progress in all;
* the others — some completed courses (of the classes and of their own choice) and one in
  progress each; in the open class one complete, one almost, two under way, one not started;
  in the closed class (乡科级 only) all complete but the last, who stopped after one course.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from ganxun.access import services as access_services
from ganxun.access.models import Account
from ganxun.access.roles import Role
from ganxun.audit.services import audit_record
from ganxun.credits.models import CreditMode
from ganxun.credits.services import Posting, credit_post_many
from ganxun.demo.personas import PASSWORD
from ganxun.demo.process.roster import persona_unit
from ganxun.demo.process.world import World, at, rng_for
from ganxun.learning.conversion import credit_hours_for
from ganxun.learning.models import Course, CourseRating, StudyProgress
from ganxun.learning.services import current_media, full_seconds
from ganxun.people.models import Cadre, Person

LEARNERS = ("cadre2", "cadre3", "cadre4", "cadre5", "cadre6")
ROLE_NOTE = "演示数据：学员"
# Who gets them: (a colleague of the persona in its unit?, rank wanted or None for any).
WANTED = ((True, "section"), (True, "general"), (False, "section"), (False, "county"), (False, "general"))
# How far each learner has come in the open themed class (see the module docstring), in order.
OPEN_STATES = ("complete", "two", "one", "none", "almost")
VIDEO_POSITION = 95  # seconds of the 3-minute video the persona has watched


@dataclass(frozen=True)
class Learner:
    username: str
    account: Account
    cadre: Cadre


def _pick(world: World) -> list[Cadre]:
    """Serving 东城区 cadres without an account, for WANTED: sorted by ID number (the ID number is
    encrypted with a random nonce, so the order is taken in Python); another unit each outside
    the persona's."""
    unit = persona_unit(world)
    serving = sorted(Cadre.objects.filter(unit__path__startswith=world.county.path, is_active=True,
                                          person__account__isnull=True).select_related("person", "unit"),
                     key=lambda c: c.person.id_number)
    chosen: list[Cadre] = []
    for colleague, rank in WANTED:
        pool = [c for c in serving if c not in chosen and (unit is not None and c.unit_id == unit.pk) == colleague
                and (colleague or c.unit_id not in {x.unit_id for x in chosen})]
        pick = next((c for c in pool if c.rank == rank), pool[0] if pool else None)
        if pick is not None:
            chosen.append(pick)
    return chosen


def create_learners(world: World) -> list[Learner]:
    """The `cadre` persona and the learner accounts created here, persona first."""
    learners = []
    persona = Account.objects.filter(username="cadre").first()
    cadre = Cadre.objects.filter(person__account=persona).first() if persona else None
    if persona is not None and cadre is not None:
        learners.append(Learner("cadre", persona, cadre))
    encoded = make_password(PASSWORD)
    for username, cadre in zip(LEARNERS, _pick(world)):
        account = Account(username=username, full_name=cadre.person.name, must_change_password=False,
                          password=encoded, password_changed_at=timezone.now())
        account.full_clean()
        access_services.validate_password(PASSWORD, account)
        account.save()
        audit_record(action="account.create", actor=None, target=account, detail={"demo": True, "learner": True})
        Person.objects.filter(pk=cadre.person_id).update(account=account)
        access_services.role_assign(actor=None, account=account, role=Role.CADRE, scope=cadre.unit, note=ROLE_NOTE)
        learners.append(Learner(username, account, cadre))
    world.add("learner_accounts", len(learners) - (1 if learners and learners[0].username == "cadre" else 0))
    return learners


# --- study ----------------------------------------------------------------------------------------

@dataclass
class _Done:
    course: Course
    day: dt.date


@dataclass
class _Doing:
    course: Course
    since: dt.date
    seconds: int


def _full_seconds(course: Course) -> int:
    return full_seconds(course, current_media(course) if course.is_video else None)


class _Plan:
    """One learner's study: what they completed and on which day, what they are in the middle of."""

    def __init__(self, rng, today: dt.date, opened: dict[int, dt.date]):
        self.rng, self.today, self.opened = rng, today, opened
        self.done: list[_Done] = []
        self.doing: list[_Doing] = []
        self.days: set[dt.date] = set()

    def day_in(self, first: dt.date, last: dt.date) -> dt.date:
        """A day in [first, last] without another completion (the daily cap of study time would
        not allow much more), else any of them."""
        days = [first + dt.timedelta(days=n) for n in range(max((last - first).days + 1, 1))]
        day = self.rng.choice([d for d in days if d not in self.days] or days)
        self.days.add(day)
        return day

    def complete(self, plan, courses) -> None:
        for course in courses:
            self.done.append(_Done(course, self.day_in(max(plan.start, self.opened[course.pk]), plan.last_day)))

    def complete_on_own(self, course) -> None:
        self.done.append(_Done(course, self.day_in(self.opened[course.pk] + dt.timedelta(days=1),
                                                   self.today - dt.timedelta(days=1))))

    def under_way(self, course, first: dt.date, seconds: int | None = None) -> None:
        """Started in the last fortnight (not before `first`), `seconds` credited (else a share)."""
        if seconds is None:
            seconds = int(_full_seconds(course) * self.rng.choice((0.3, 0.4, 0.6)))
        since = self.day_in(max(first, self.opened[course.pk], self.today - dt.timedelta(days=14)),
                            self.today - dt.timedelta(days=1))
        self.doing.append(_Doing(course, since, seconds))

    def courses(self) -> set[int]:
        return {d.course.pk for d in self.done} | {d.course.pk for d in self.doing}


def _follow_classes(plan: _Plan, state: str, learner: Learner, classes, last_in_closed: bool) -> None:
    closed, open_ = classes.closed, classes.open
    if closed and learner.cadre.pk in closed.members:
        plan.complete(closed, closed.required[:1] if last_in_closed else closed.required + closed.electives[:1])
    if not open_ or learner.cadre.pk not in open_.members:
        return
    video = next((c for c in open_.required if c.is_video), None)
    reading = [c for c in open_.required if not c.is_video]
    if state == "persona":
        plan.complete(open_, reading[:2])
        if video is not None:
            plan.under_way(video, open_.start, seconds=VIDEO_POSITION)
        if len(reading) > 2:
            plan.under_way(reading[2], open_.start)
    elif state == "complete":
        plan.complete(open_, open_.required + open_.electives[:1])
    elif state == "two":
        plan.complete(open_, reading[:2])
        if video is not None:
            plan.under_way(video, open_.start, seconds=_full_seconds(video) // 3)
    elif state == "one":
        plan.complete(open_, reading[:1])
        if len(reading) > 1:
            plan.under_way(reading[1], open_.start)
    elif state == "almost" and reading:
        plan.complete(open_, [c for c in open_.required if c != reading[-1]] + open_.electives[:1])
        plan.under_way(reading[-1], open_.start)


def study(world: World, learners: list[Learner], published: list[Course], classes) -> None:
    """Progress rows, ledger entries and ratings of every learner account (see the module
    docstring). `classes` is themed.ThemedPlans."""
    rng = rng_for(world.seed, "online-learners")
    today = world.today
    opened = {c.pk: timezone.localtime(c.published_at).date() for c in published}
    in_classes = {c.pk for plan in classes.all() for c in plan.courses}
    others = [c for c in published if c.pk not in in_classes and opened[c.pk] < today - dt.timedelta(days=3)]
    in_closed = [x for x in learners if x.username != "cadre" and classes.closed
                 and x.cadre.pk in classes.closed.members]
    rows, postings, ratings = [], [], []
    for index, learner in enumerate(learners):
        plan = _Plan(rng, today, opened)
        persona = learner.username == "cadre"
        state = "persona" if persona else OPEN_STATES[(index - 1) % len(OPEN_STATES)]
        _follow_classes(plan, state, learner, classes, last_in_closed=bool(in_closed) and learner is in_closed[-1])
        # Courses of their own choice besides the classes (网络自主选学).
        extra = [c for c in others if c.pk not in plan.courses()]
        rng.shuffle(extra)
        for course in extra[:0 if persona else 1 + index % 2]:
            plan.complete_on_own(course)
        if (persona or not plan.doing) and len(extra) > 2:
            plan.under_way(extra[2], today - dt.timedelta(days=14))
        rows += _rows(world, learner, plan.done, plan.doing)
        postings += _postings(learner, plan.done)
        ratings += [CourseRating(course=d.course, account=learner.account, stars=rng.choice((4, 5, 5, 3)))
                    for d in plan.done if rng.random() < 0.8]
    StudyProgress.objects.bulk_create(rows)
    credit_post_many(actor=None, postings=postings, action="learning.credit_post")
    CourseRating.objects.bulk_create(ratings)
    world.add("online_progress_rows", len(rows))
    world.add("online_learner_credit_records", len(postings))
    world.add_bulk("demo.online_progress", len(rows) + len(ratings))


def _rows(world: World, learner: Learner, done: list[_Done], doing: list[_Doing]) -> list[StudyProgress]:
    rng = rng_for(world.seed, "online-times", learner.username)
    rows = []
    for item in done:
        start = at(item.day, dt.time(rng.randint(8, 21), rng.choice((0, 10, 20, 30, 40, 50))))
        full = _full_seconds(item.course)
        end = start + dt.timedelta(seconds=full + rng.randint(60, 600))
        rows.append(StudyProgress(account=learner.account, cadre=learner.cadre, course=item.course, started_at=start,
                                  last_studied_at=end, completed_at=end, credited_seconds=full,
                                  position=full if item.course.is_video else 0,
                                  credit_hours=credit_hours_for(duration_minutes=item.course.duration_minutes,
                                                                on=item.day)))
    for item in doing:
        start = at(item.since, dt.time(rng.randint(8, 21), rng.choice((0, 15, 30, 45))))
        rows.append(StudyProgress(account=learner.account, cadre=learner.cadre, course=item.course, started_at=start,
                                  last_studied_at=start + dt.timedelta(seconds=item.seconds + rng.randint(30, 300)),
                                  credited_seconds=item.seconds,
                                  position=item.seconds if item.course.is_video else 0))
    return rows


def _postings(learner: Learner, done: list[_Done]) -> list[Posting]:
    return [Posting(cadre_id=learner.cadre.pk, mode=CreditMode.ONLINE, earned_on=item.day,
                    hours=credit_hours_for(duration_minutes=item.course.duration_minutes, on=item.day),
                    source_ref=f"course:{item.course.pk}:cadre:{learner.cadre.pk}", source_name=item.course.title,
                    topic_ids=tuple(item.course.topics.order_by("pk").values_list("pk", flat=True)))
            for item in done]
