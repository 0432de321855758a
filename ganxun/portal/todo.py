"""The home page's to-do card (待办事项): what waits for the active role.

Each line says what waits, how many, and links to the page where it is handled (one click).
Every count comes from a selector of the app that owns the data, through the scope gate, so a
count never includes rows the role may not see; the definitions are in those selectors'
docstrings and in docs/home.md. The card costs a fixed number of queries whatever the amount of
data: each source below is a grouped query or two (the withdrawal count at most nine), and
classes come in bulk.

Which lines a role gets follows from its permissions (access/roles.py):

* org department — roster.review: withdrawals (1/7 line), nominations to review per class;
  roster.call: draft calls of classes starting soon, overdue L3 follow-ups of its classes;
  onlineclasses.manage: its themed online classes due within 7 days and not yet complete;
  courses.confirm: courses whose expert reviews are in; recognition.decide: credit claims to
  approve; rectification.manage: the items it owns;
* unit liaison — roster.nominate: quotas with seats left before the deadline;
  evaluation.followup: follow-ups to answer per class;
* institution admin / head teacher — attendance.manage: today's sessions (check-in screens);
  leave.approve: pending leave per class; reflections.grade: reflections to grade per class and
  per online course; classes.close: classes whose last session has ended; rectification.manage
  (admin): owned items;
* teacher — reflections.grade: reflections of the classes and online courses they teach;
* course reviewer — courses.review: courses in review they have not scored yet;
* leader and the three admins: no card (nothing for them to act on).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone

from ganxun.access import scope
from ganxun.assessment.selectors import classes_awaiting_close, reflections_to_grade_by_class
from ganxun.attendance import rules as attendance_rules
from ganxun.attendance.selectors import pending_leave_by_class, sessions_to_run_today, withdrawal_candidate_count
from ganxun.coursework.selectors import reflections_to_grade_by_course
from ganxun.evaluation.selectors import (
    followups_due_by_class,
    followups_overdue_count_for,
    rectification_owned_counts_for,
)
from ganxun.learning.selectors import courses_awaiting_confirmation, courses_awaiting_my_review
from ganxun.onlineclasses.selectors import DUE_SOON_DAYS, themed_classes_due_soon
from ganxun.recognition.selectors import claims_awaiting_decision
from ganxun.roster.selectors import (
    DRAFT_CALL_HORIZON_DAYS,
    draft_calls_starting_soon,
    nominations_pending_review,
    quotas_to_fill,
)

# Lines of one kind shown one by one (a class, a quota, a session); the rest share one line.
MAX_LINES_PER_KIND = 5

# Permissions that can put something on the card; a role holding none of them gets no card.
TODO_PERMISSIONS = ("roster.review", "roster.call", "rectification.manage", "roster.nominate",
                    "evaluation.followup", "attendance.manage", "leave.approve", "reflections.grade",
                    "classes.close", "onlineclasses.manage", "courses.confirm", "recognition.decide",
                    "courses.review")

# A themed online class's line turns red this many days before its deadline (and on the day).
THEMED_CLASS_RED_DAYS = 3


@dataclass(frozen=True)
class TodoLine:
    key: str                 # the kind of work (data-todo in the page; tests)
    icon: str                # a Tabler icon name
    title: str               # what waits: "报名待审核"
    url: str                 # the page where it is handled
    count: int | None = None  # how many; None for a single thing (a class to close, a session)
    unit: str = ""           # the count's measure word: 人, 份, 篇, 项 …
    subject: str = ""        # which class / session it concerns
    note: str = ""           # dates, the overdue share
    badge: str = ""          # badge text when there is no count
    urgent: bool = False     # overdue or past a legal line: shown in red

    @property
    def badge_text(self) -> str:
        return f"{self.count} {self.unit}".strip() if self.count is not None else self.badge


@dataclass
class TodoCard:
    lines: list[TodoLine] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.lines


def todo_for(actor, *, now: dt.datetime | None = None) -> TodoCard | None:
    """The to-do card of the actor's active role, or None for roles with nothing to act on."""
    if not any(scope.can(actor, permission) for permission in TODO_PERMISSIONS):
        return None
    now = timezone.localtime(now) if now is not None else timezone.localtime()
    today = now.date()
    lines: list[TodoLine] = []
    # The org department.
    if scope.can(actor, "roster.review"):
        lines += _withdrawals(actor, now)
        lines += _nominations(actor)
    if scope.can(actor, "roster.call"):
        lines += _draft_calls(actor, today)
    # The org department's online learning: deadlines first, then decisions.
    if scope.can(actor, "onlineclasses.manage"):
        lines += _themed_classes(actor, today)
    if scope.can(actor, "courses.confirm"):
        lines += _courses_to_confirm(actor)
    if scope.can(actor, "recognition.decide"):
        lines += _claims(actor)
    # The unit liaison.
    if scope.can(actor, "roster.nominate"):
        lines += _quotas(actor, today)
    if scope.can(actor, "evaluation.followup"):
        lines += _followups_to_answer(actor, today)
    # The institution: today's sessions first (time-bound), then decisions and grading.
    if scope.can(actor, "attendance.manage"):
        lines += _sessions_today(actor, now)
    if scope.can(actor, "leave.approve"):
        lines += _leave(actor)
    if scope.can(actor, "reflections.grade"):
        lines += _reflections(actor)
        lines += _course_reflections(actor)
    if scope.can(actor, "classes.close"):
        lines += _classes_to_close(actor, now)
    # Follow-through: rectification and the units' follow-ups.
    if scope.can(actor, "rectification.manage"):
        lines += _rectifications(actor, today)
    if scope.can(actor, "roster.call") and scope.can(actor, "evaluation.view"):
        lines += _followups_overdue(actor, today)
    # The course reviewer.
    if scope.can(actor, "courses.review"):
        lines += _courses_to_review(actor)
    return TodoCard(lines)


# --- helpers ---------------------------------------------------------------------------------

def _day(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def _days_ahead(day: dt.date, today: dt.date) -> str:
    days = (day - today).days
    return {0: "今天", 1: "明天", 2: "后天"}.get(days, f"{days} 天后")


def _local_day(moment: dt.datetime) -> str:
    return _day(timezone.localtime(moment).date())


def _url(name: str, *args, query: str = "") -> str:
    url = reverse(name, args=args)
    return f"{url}?{query}" if query else url


def _per_class(rows, *, key: str, icon: str, title: str, unit: str, url_name: str, query: str = "",
               note=None, more_title: str, more_url: str) -> list[TodoLine]:
    """One line per (class, count), the first MAX_LINES_PER_KIND; the rest summed on one line."""
    lines = [TodoLine(key=key, icon=icon, title=title, subject=training_class.title, count=count, unit=unit,
                      note=note(training_class) if note else "", url=_url(url_name, training_class.pk, query=query))
             for training_class, count in rows[:MAX_LINES_PER_KIND]]
    rest = rows[MAX_LINES_PER_KIND:]
    if rest:
        lines.append(TodoLine(key=f"{key}-more", icon=icon, title=more_title, subject=f"另外 {len(rest)} 个班次",
                              count=sum(count for _, count in rest), unit=unit, url=more_url))
    return lines


# --- the org department ----------------------------------------------------------------------

def _withdrawals(actor, now) -> list[TodoLine]:
    count = withdrawal_candidate_count(actor, now=now)
    if not count:
        return []
    return [TodoLine(key="withdrawals", icon="alert-triangle", title="请假缺课超过总学时 1/7，待作退学处理",
                     count=count, unit="人", url=_url("attendance:withdrawals"), urgent=True)]


def _nominations(actor) -> list[TodoLine]:
    return _per_class(nominations_pending_review(actor), key="review", icon="user-check", title="报名待审核",
                      unit="人", url_name="roster:review", query="status=nominated",
                      note=lambda c: "培训进行中" if c.status == "running" else f"{_day(c.start_date)}开班",
                      more_title="其他班次报名待审核", more_url=_url("roster:call_list"))


def _draft_calls(actor, today) -> list[TodoLine]:
    calls = draft_calls_starting_soon(actor, today=today)
    lines = [TodoLine(key="draft-call", icon="send", title="调训通知尚未下发", subject=call.training_class.title,
                      note=f"{_day(call.training_class.start_date)}开班",
                      badge=_days_ahead(call.training_class.start_date, today),
                      urgent=(call.training_class.start_date - today).days <= 7,
                      url=_url("roster:call", call.training_class_id))
             for call in calls[:MAX_LINES_PER_KIND]]
    if len(calls) > MAX_LINES_PER_KIND:
        lines.append(TodoLine(key="draft-call-more", icon="send", title="其他调训通知尚未下发",
                              subject=f"{DRAFT_CALL_HORIZON_DAYS} 天内开班", count=len(calls) - MAX_LINES_PER_KIND,
                              unit="个班次", url=_url("roster:call_list", query="status=draft")))
    return lines


def _followups_overdue(actor, today) -> list[TodoLine]:
    count = followups_overdue_count_for(actor, today=today)
    if not count:
        return []
    return [TodoLine(key="followups-overdue", icon="clock-exclamation", title="训后回访逾期未填报",
                     note="请督促选派单位联络员填报", count=count, unit="人",
                     url=_url("evaluation:followup_overview", query="state=overdue"))]


def _rectifications(actor, today) -> list[TodoLine]:
    counts = rectification_owned_counts_for(actor, today=today)
    if not counts["active"]:
        return []
    note = f"其中 {counts['overdue']} 项已逾期" if counts["overdue"] else "待整改或整改中"
    return [TodoLine(key="rectifications", icon="tool", title="本单位负责的整改项待落实", note=note,
                     count=counts["active"], unit="项", urgent=bool(counts["overdue"]),
                     url=_url("evaluation:rectifications", query="owned=1&status=active"))]


# --- the org department's online learning ---------------------------------------------------

def _themed_classes(actor, today) -> list[TodoLine]:
    rows = themed_classes_due_soon(actor, today=today)
    lines = []
    for row in rows[:MAX_LINES_PER_KIND]:
        deadline = row.themed_class.deadline
        lines.append(TodoLine(
            key="themed-class", icon="device-laptop", title="专题网络班即将截止", subject=row.themed_class.title,
            note=f"{_days_ahead(deadline, today)}（{_day(deadline)}）截止 · 已完成 {row.complete}/{row.members} 人",
            badge=f"完成 {row.percent}%", urgent=(deadline - today).days <= THEMED_CLASS_RED_DAYS,
            url=_url("onlineclasses:manage_completion", row.themed_class.pk)))
    rest = rows[MAX_LINES_PER_KIND:]
    if rest:
        lines.append(TodoLine(key="themed-class-more", icon="device-laptop", title="其他专题网络班即将截止",
                              subject=f"{DUE_SOON_DAYS} 天内截止", count=len(rest), unit="个班",
                              urgent=any((r.themed_class.deadline - today).days <= THEMED_CLASS_RED_DAYS
                                         for r in rest),
                              url=_url("onlineclasses:manage_list", query="status=open")))
    return lines


def _courses_to_confirm(actor) -> list[TodoLine]:
    courses = list(courses_awaiting_confirmation(actor).values_list("pk", "title", "review_count"))
    if not courses:
        return []
    if len(courses) == 1:
        pk, title, reviews = courses[0]
        return [TodoLine(key="course-confirm", icon="rosette", title="课程评审已完成，待确认发布", subject=title,
                         note=f"已收到 {reviews} 份专家评审意见", count=1, unit="门",
                         url=_url("learning:manage_detail", pk))]
    return [TodoLine(key="course-confirm", icon="rosette", title="课程评审已完成，待确认发布",
                     note="专家评审意见均已收齐，请逐门确认", count=len(courses), unit="门",
                     url=_url("learning:manage_list", query="reviews=complete"))]


def _claims(actor) -> list[TodoLine]:
    claims = claims_awaiting_decision(actor)
    if not claims.count:
        return []
    return [TodoLine(key="recognition", icon="certificate", title="学时认定申请待审核",
                     note=f"最早一条 {_local_day(claims.oldest_created_at)}提交", count=claims.count, unit="条",
                     url=_url("recognition:claims", query="status=pending"))]


# --- the unit liaison ------------------------------------------------------------------------

def _quotas(actor, today) -> list[TodoLine]:
    quotas = quotas_to_fill(actor, today=today)
    lines = []
    for quota in quotas[:MAX_LINES_PER_KIND]:
        deadline = quota.call.nomination_deadline
        note = f"{_days_ahead(deadline, today)}（{_day(deadline)}）截止报名" if deadline else "报名进行中"
        lines.append(TodoLine(key="quota", icon="user-plus", title="调训名额待报名",
                              subject=quota.call.training_class.title, note=f"{quota.unit.name} · {note}",
                              count=quota.remaining, unit="个名额",
                              urgent=deadline is not None and (deadline - today).days <= 1,
                              url=_url("roster:nominate", quota.pk)))
    rest = quotas[MAX_LINES_PER_KIND:]
    if rest:
        lines.append(TodoLine(key="quota-more", icon="user-plus", title="其他调训名额待报名",
                              subject=f"另外 {len(rest)} 个班次", count=sum(q.remaining for q in rest), unit="个名额",
                              url=_url("roster:quota_list")))
    return lines


def _followups_to_answer(actor, today) -> list[TodoLine]:
    rows = followups_due_by_class(actor, today=today)
    lines = []
    for row in rows[:MAX_LINES_PER_KIND]:
        note = (f"其中 {row.overdue} 人已逾期" if row.overdue
                else f"{_days_ahead(row.due_on, today)}（{_day(row.due_on)}）截止")
        lines.append(TodoLine(key="followup", icon="message-check", title="训后回访待填报",
                              subject=row.training_class.title, note=note, count=row.total, unit="人",
                              urgent=bool(row.overdue), url=_url("evaluation:followup_class", row.training_class.pk)))
    rest = rows[MAX_LINES_PER_KIND:]
    if rest:
        lines.append(TodoLine(key="followup-more", icon="message-check", title="其他班次训后回访待填报",
                              subject=f"另外 {len(rest)} 个班次", count=sum(r.total for r in rest), unit="人",
                              urgent=any(r.overdue for r in rest), url=_url("evaluation:followups")))
    return lines


# --- the institution: head teachers, institution admins, teachers ----------------------------

def _sessions_today(actor, now) -> list[TodoLine]:
    sessions = sessions_to_run_today(actor, now=now)
    # Sessions still to come or under way first, those already over after them.
    sessions.sort(key=lambda s: attendance_rules.session_end(s) <= now)
    lines = []
    for session in sessions[:MAX_LINES_PER_KIND]:
        if attendance_rules.session_end(session) <= now:
            state = "已结束"
        elif attendance_rules.session_start(session) <= now:
            state = "进行中"
        else:
            state = "未开始"
        lines.append(TodoLine(
            key="session", icon="qrcode", title="今日签到", subject=f"{session.start_time:%H:%M} {session.title}",
            note=f"{session.training_class.title} · {session.start_time:%H:%M}–{session.end_time:%H:%M} · {state}",
            badge=f"已签到 {session.checked_in}/{session.expected}",
            url=_url("attendance:session", session.training_class_id, session.pk)))
    rest = sessions[MAX_LINES_PER_KIND:]
    if rest:
        lines.append(TodoLine(key="session-more", icon="qrcode", title="今日其他课程", count=len(rest), unit="节",
                              url=_url("classes:list", query="status=running")))
    return lines


def _leave(actor) -> list[TodoLine]:
    return _per_class(pending_leave_by_class(actor), key="leave", icon="calendar-minus", title="请假待审批",
                      unit="份", url_name="attendance:leave_list", query="status=pending",
                      more_title="其他班次请假待审批", more_url=_url("classes:list", query="status=running"))


def _reflections(actor) -> list[TodoLine]:
    return _per_class(reflections_to_grade_by_class(actor), key="reflections", icon="file-pencil",
                      title="学习心得待评定", unit="篇", url_name="assessment:reflections",
                      more_title="其他班次学习心得待评定", more_url=_url("classes:list", query="status=running"))


def _course_reflections(actor) -> list[TodoLine]:
    rows = reflections_to_grade_by_course(actor)
    lines = []
    for row in rows[:MAX_LINES_PER_KIND]:
        # One reflection: its grading page; several: the grading queue cut to the course.
        url = (_url("coursework:grading", row.first_id) if row.count == 1
               else _url("coursework:grading_queue", query=f"status=submitted&course={row.course_id}"))
        lines.append(TodoLine(key="course-reflections", icon="notebook", title="网络课程学习心得待评阅",
                              subject=row.title, note=f"最早一篇 {_local_day(row.oldest_submitted_at)}提交",
                              count=row.count, unit="篇", url=url))
    rest = rows[MAX_LINES_PER_KIND:]
    if rest:
        lines.append(TodoLine(key="course-reflections-more", icon="notebook", title="其他网络课程学习心得待评阅",
                              subject=f"另外 {len(rest)} 门课程", count=sum(r.count for r in rest), unit="篇",
                              url=_url("coursework:grading_queue", query="status=submitted")))
    return lines


def _classes_to_close(actor, now) -> list[TodoLine]:
    classes = classes_awaiting_close(actor, now=now)
    lines = [TodoLine(key="close", icon="flag-check", title="课程已全部结束，待结班", subject=c.title,
                      note=f"最后一节课 {_day(c.last_day)}；结班后登记学时", badge="去结班",
                      url=_url("assessment:close", c.pk))
             for c in classes[:MAX_LINES_PER_KIND]]
    if len(classes) > MAX_LINES_PER_KIND:
        lines.append(TodoLine(key="close-more", icon="flag-check", title="其他班次待结班",
                              count=len(classes) - MAX_LINES_PER_KIND, unit="个班次",
                              url=_url("classes:list", query="status=running")))
    return lines


# --- the course reviewer ---------------------------------------------------------------------

def _courses_to_review(actor) -> list[TodoLine]:
    backlog = courses_awaiting_my_review(actor)
    if not backlog.count:
        return []
    oldest = backlog.oldest_submitted_at
    return [TodoLine(key="course-review", icon="star", title="网络课程待评审",
                     note=f"最早一门 {_local_day(oldest)}提交评审" if oldest else "", count=backlog.count,
                     unit="门", url=_url("learning:manage_review_queue"))]
