"""A Monday morning (09:00, 1 March 2027) of county A, county B and the city party school, with
work waiting for every role — the fixtures of the to-do card's tests.

Rows are written directly in the state each test needs (the services are tested in their apps).
`build_world(cast, tag=…)` may be called several times with different tags: each call adds the
same work again with its own cadres, which is how the query-count test grows the data.

What waits (one world):

* K1 中青年干部培训班 — running Sat–Mon, organised by county A, headed by hannah, tom teaches its
  first session: three cadres on the roster; X missed Saturday morning (3 h > 18 h / 7 = 2.57 h:
  flagged for withdrawal); Monday has a morning (08:30–11:30, Y checked in) and an afternoon
  session; Z asked leave for Monday afternoon (pending); X's and Y's reflections are ungraded.
* K2 科级干部任职培训班 — running, its last session was last Wednesday: waits to be closed; one
  ungraded reflection.
* K3 县处级干部专题研讨班 — enrolling, call issued (deadline Thursday): A1 has 3 seats with one
  nomination, A2 2 seats with two: three nominations to review; A1 has two seats left.
* K4 乡镇党委书记培训班 — notice issued (deadline tomorrow): A1-sub 3 seats, one approved and one
  nominated (one to review, one seat left); A1 1 seat, used.
* K5 (draft call, starts in 12 days) and K7 (draft call, starts in 45 days); K6 (issued quota for
  A1, deadline passed yesterday).
* KB 西山县财政干部培训班 — county B's class at the party school headed by helen: B1's cadre missed
  two half-days (flagged), another asked leave for today's 10:00 session (pending), and a cadre
  of county A's unit A2 was nominated (county B reviews it).
* KC 基层治理专题班 — closed 4 months ago (county A): follow-ups of A1 (one due in 20 days, one
  overdue), A2 (overdue) and A1-sub (answered).
* Rectification items: on K2 the party school owns one overdue and one in progress; on KC county
  A owns one open and one verified; on KB county B owns one open and the party school one done.

Online learning (issue 4):

* Courses in review: CA1 数字政府建设 (county A, round 1, submitted last Tuesday, three experts'
  reviews: awaits alice's confirmation); CA2 乡村振兴实务 (county A, returned and resubmitted on
  Saturday: round 2 has one review; rita's is of round 1); CA3 基层减负案例 (county A, rita and one
  expert scored it); CA4 依法行政 (county A, taught by rita: not hers to score); CB1 西山县财税改革
  (county B, three reviews: awaits charlie's confirmation). rita, a course reviewer of county A,
  still has to score CA1 and CA2.
* Online courses provided by the party school: O1 (tom teaches it) with two reflections waiting
  and one graded, O2 with one waiting and one returned to its learner.
* Credit claims (the province's 学习强国, approval needed): two pending of county A's cadres, one
  recognised; one pending of county B's.
* Themed online classes: TA1 (county A, deadline Wednesday, 1 of 3 members complete), TA2 (county A,
  deadline Sunday, 1 of 2), TA3 (county A, Saturday, all complete), TA4 (county A, in 12 days);
  TB1 (county B, deadline Thursday, 0 of 1).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from ganxun.access.models import Account
from ganxun.access.roles import Role
from ganxun.assessment.models import Reflection
from ganxun.attendance.models import AttendanceRecord, LeaveRequest
from ganxun.classes.models import TrainingClass
from ganxun.coursework.models import CourseReflection, ReflectionStatus
from ganxun.evaluation.models import FollowUp, RectificationItem
from ganxun.learning.models import Course, CourseReview, CourseStatus, CourseTransition, StudyProgress
from ganxun.onlineclasses.models import ThemedClass, ThemedClassCourse, ThemedClassMember, ThemedClassStatus
from ganxun.recognition.models import ClaimStatus, RecognitionClaim, RecognitionRule, RecognitionSource
from ganxun.roster.models import CallMode, CallStatus, TrainingCall, UnitQuota
from ganxun.testing import make_account, make_cadre, make_class, make_enrollment, make_session, make_teacher

MONDAY = dt.date(2027, 3, 1)
_serial = itertools.count(1)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


NOW = at(MONDAY, 9, 0)


def days(n: int) -> dt.date:
    return MONDAY + dt.timedelta(days=n)


@dataclass
class World:
    k1: TrainingClass
    k2: TrainingClass
    k3: TrainingClass
    k4: TrainingClass
    k5: TrainingClass
    kb: TrainingClass
    kc: TrainingClass
    k1_today: list            # K1's Monday morning and afternoon sessions
    kb_today: object          # KB's Monday 10:00 session
    quota_k3_a1: UnitQuota
    quota_k4_sub: UnitQuota
    online: Online


@dataclass
class Online:
    """The online-learning work of one world (see the module docstring)."""

    ca1: Course
    ca2: Course
    cb1: Course
    o1: Course
    o2: Course
    o2_waiting: CourseReflection      # O2's only reflection waiting for a grade
    ta1: ThemedClass
    ta2: ThemedClass
    tb1: ThemedClass
    claim_b: RecognitionClaim         # county B's pending claim


def _helen(cast) -> Account:
    """Another head teacher of the party school (KB's)."""
    return Account.objects.filter(username="helen").first() or make_account(
        "helen", Role.HEAD_TEACHER, cast.party_school, full_name="海伦")


def rita(cast) -> Account:
    """A course reviewer of county A who also teaches at the party school (CA4 is her course)."""
    account = Account.objects.filter(username="rita").first()
    if account is None:
        account = make_account("rita", Role.COURSE_REVIEWER, cast.county_a, full_name="瑞塔")
        make_teacher("瑞塔", cast.party_school, account=account)
    return account


def _expert(n: int, cast) -> Account:
    """A course reviewer of the city (the experts who scored before rita)."""
    return Account.objects.filter(username=f"expert{n}").first() or make_account(
        f"expert{n}", Role.COURSE_REVIEWER, cast.city, full_name=f"评审专家{n}")


def _learner() -> Account:
    return make_account(f"learner{next(_serial)}")


def _course(title, owner, *, status=CourseStatus.IN_REVIEW, round=1, created_by=None, teacher=None,
            provider=None) -> Course:
    return Course.objects.create(title=title, kind="document", duration_minutes=30, owner=owner, status=status,
                                 review_round=round, created_by=created_by, teacher=teacher, provider=provider,
                                 published_at=timezone.now() if status == CourseStatus.PUBLISHED else None)


def _submitted(course, when, by, *, from_status="draft") -> None:
    CourseTransition.objects.create(course=course, from_status=from_status, to_status="in_review", actor=by, at=when)


def _reviewed(course, reviewer, *, round=None) -> CourseReview:
    return CourseReview.objects.create(course=course, round=round or course.review_round, reviewer=reviewer,
                                       content_score=4, teaching_score=4, production_score=5, comment="内容扎实。",
                                       created_at=NOW, updated_at=NOW)


def _source(cast) -> RecognitionSource:
    source, created = RecognitionSource.objects.get_or_create(owner=cast.province, name="学习强国",
                                                              defaults={"unit": "points"})
    if created:
        RecognitionRule.objects.create(source=source, effective_from=dt.date(2020, 1, 1), amount_per_hour=30,
                                       needs_approval=True)
    return source


def _claim(source, cadre, created, *, status=ClaimStatus.PENDING) -> RecognitionClaim:
    claim = RecognitionClaim.objects.create(cadre=cadre, source=source, external_ref=f"xx{next(_serial)}",
                                            amount=Decimal("60"), earned_on=days(-10), title="学习新思想",
                                            origin="upload", converted_hours=Decimal("2"), status=status)
    RecognitionClaim.objects.filter(pk=claim.pk).update(created_at=created)
    return claim


def _themed_class(cast, title, owner, root, deadline, course, *, complete: int, incomplete: int) -> ThemedClass:
    themed_class = ThemedClass.objects.create(
        title=title, owner=owner, status=ThemedClassStatus.OPEN, start_date=days(-20), deadline=deadline,
        audience_root=root, created_by=cast.alice if root == cast.county_a else cast.charlie,
        opened_at=at(days(-20), 9))
    ThemedClassCourse.objects.create(themed_class=themed_class, course=course, order=1, is_required=True)
    unit = cast.unit_a2 if root == cast.county_a else cast.unit_b1
    for n in range(complete + incomplete):
        account = _learner()
        cadre = make_cadre(f"{title}学员{n + 1}", unit, account=account)
        ThemedClassMember.objects.create(themed_class=themed_class, cadre=cadre, unit=unit)
        if n < complete:
            StudyProgress.objects.create(account=account, cadre=cadre, course=course, credited_seconds=1800,
                                         started_at=NOW, last_studied_at=NOW, completed_at=NOW,
                                         credit_hours=Decimal("1"))
    return themed_class


def _online(cast, tag: str) -> Online:
    school, dept_a, dept_b = cast.party_school, cast.org_dept_a, cast.org_dept_b
    experts = [_expert(n, cast) for n in (1, 2, 3)]
    reviewer = rita(cast)

    # Courses in review.
    ca1 = _course(f"数字政府建设{tag}", dept_a, created_by=cast.alice)
    _submitted(ca1, at(days(-6), 10), cast.alice)
    for expert in experts:
        _reviewed(ca1, expert)
    ca2 = _course(f"乡村振兴实务{tag}", dept_a, round=2, created_by=cast.alice)
    _submitted(ca2, at(days(-20), 10), cast.alice)
    CourseTransition.objects.create(course=ca2, from_status="in_review", to_status="draft", actor=cast.alice,
                                    at=at(days(-10), 10), note="退回：请补充案例")
    _submitted(ca2, at(days(-2), 16), cast.alice)
    for expert in experts:
        _reviewed(ca2, expert, round=1)
    _reviewed(ca2, reviewer, round=1)
    _reviewed(ca2, experts[0])
    ca3 = _course(f"基层减负案例{tag}", dept_a, created_by=cast.alice)
    _submitted(ca3, at(days(-4), 10), cast.alice)
    _reviewed(ca3, reviewer)
    _reviewed(ca3, experts[1])
    ca4 = _course(f"依法行政{tag}", dept_a, created_by=cast.alice, teacher=reviewer.person.teacher)
    _submitted(ca4, at(days(-1), 10), cast.alice)
    cb1 = _course(f"西山县财税改革{tag}", dept_b, created_by=cast.charlie)
    _submitted(cb1, at(days(-3), 10), cast.charlie)
    for expert in experts:
        _reviewed(cb1, expert)

    # Reflections on the party school's online courses.
    o1 = _course(f"网络课程：党的二十大精神{tag}", dept_a, status=CourseStatus.PUBLISHED, provider=school,
                 teacher=cast.tom_teacher)
    o2 = _course(f"网络课程：数字经济{tag}", dept_a, status=CourseStatus.PUBLISHED, provider=school)

    def reflect(course, submitted, status=ReflectionStatus.SUBMITTED):
        return CourseReflection.objects.create(course=course, account=_learner(), text="体会" * 200, status=status,
                                               grade="good" if status == ReflectionStatus.GRADED else "",
                                               submitted_at=submitted)

    reflect(o1, at(days(-3), 20))
    reflect(o1, at(days(-1), 21))
    reflect(o1, at(days(-5), 8), ReflectionStatus.GRADED)
    o2_waiting = reflect(o2, at(days(-2), 19))
    reflect(o2, at(days(-6), 8), ReflectionStatus.RETURNED)

    # Credit claims waiting for the org departments.
    source = _source(cast)
    _claim(source, make_cadre(f"陈一{tag}", cast.unit_a1), at(days(-4), 9))
    _claim(source, make_cadre(f"陈二{tag}", cast.unit_a1_sub), at(days(-2), 15))
    _claim(source, make_cadre(f"陈三{tag}", cast.unit_a2), at(days(-8), 9), status=ClaimStatus.RECOGNISED)
    claim_b = _claim(source, make_cadre(f"陈四{tag}", cast.unit_b1), at(days(-1), 11))

    # Themed online classes.
    required_a = _course(f"专题必修课{tag}", dept_a, status=CourseStatus.PUBLISHED)
    required_b = _course(f"西山县专题必修课{tag}", dept_b, status=CourseStatus.PUBLISHED)
    ta1 = _themed_class(cast, f"学习贯彻全会精神专题网络班{tag}", dept_a, cast.county_a, days(2), required_a,
                        complete=1, incomplete=2)
    ta2 = _themed_class(cast, f"数字素养提升专题网络班{tag}", dept_a, cast.county_a, days(6), required_a,
                        complete=1, incomplete=1)
    _themed_class(cast, f"保密教育专题网络班{tag}", dept_a, cast.county_a, days(5), required_a, complete=1, incomplete=0)
    _themed_class(cast, f"安全生产专题网络班{tag}", dept_a, cast.county_a, days(12), required_a, complete=0, incomplete=1)
    tb1 = _themed_class(cast, f"西山县廉政教育专题网络班{tag}", dept_b, cast.county_b, days(3), required_b,
                        complete=0, incomplete=1)
    return Online(ca1=ca1, ca2=ca2, cb1=cb1, o1=o1, o2=o2, o2_waiting=o2_waiting, ta1=ta1, ta2=ta2, tb1=tb1,
                  claim_b=claim_b)


def _call(training_class, *, status=CallStatus.ISSUED, deadline=None) -> TrainingCall:
    return TrainingCall.objects.create(
        training_class=training_class, mode=CallMode.QUOTA, status=status, document_no="东组通〔2027〕3号",
        nomination_deadline=deadline, contact="组织科 王老师",
        issued_at=timezone.now() if status == CallStatus.ISSUED else None)


def _present(enrollment, sessions, status="present") -> None:
    AttendanceRecord.objects.bulk_create([AttendanceRecord(session=s, enrollment=enrollment, status=status,
                                                           method="qr") for s in sessions])


def _pending_leave(enrollment, sessions, hours="3") -> LeaveRequest:
    leave = LeaveRequest.objects.create(enrollment=enrollment, hours=Decimal(hours), reason="公务")
    leave.sessions.set(sessions)
    return leave


def _reflection(enrollment, grade="") -> Reflection:
    return Reflection.objects.create(enrollment=enrollment, title="学习体会", text="体会" * 500, grade=grade)


def _item(tag, training_class, owner_org, *, status="open", due_on):
    return RectificationItem.objects.create(
        key=f"test:{next(_serial)}{tag}", cause="manual", title="整改事项", training_class=training_class,
        institution=training_class.institution, owner_org=owner_org, due_on=due_on, status=status)


def build_world(cast, *, tag: str = "") -> World:
    school, county_a = cast.party_school, cast.county_a

    def cadre(name, unit):
        return make_cadre(f"{name}{tag}", unit)

    def running(title, *, start, length, organiser=county_a, head=cast.hannah):
        return make_class(school, title=f"{title}{tag}", organiser=organiser, start=start, days=length,
                          status="running", head_teacher=head)

    # K1: running Saturday to Monday, two sessions a day (6 half-days × 3 h = 18 h; 1/7 = 2.57 h).
    k1 = running("中青年干部培训班", start=days(-2), length=3)
    k1_sessions = []
    for offset in range(3):
        for slot in ("morning", "afternoon"):
            k1_sessions.append(make_session(k1, date=days(offset - 2), slot=slot, title=f"专题{len(k1_sessions) + 1}",
                                            teacher=cast.tom_teacher if not k1_sessions else None))
    past, today = k1_sessions[:4], k1_sessions[4:]
    x = make_enrollment(k1, cadre("夏雪", cast.unit_a1), seat_no=1)
    y = make_enrollment(k1, cadre("杨阳", cast.unit_a1), seat_no=2)
    z = make_enrollment(k1, cadre("赵真", cast.unit_a1_sub), seat_no=3)
    _present(x, past[1:])                         # missed Saturday morning: 3 h away
    _present(y, past + today[:1])                 # and checked in this morning
    _present(z, past)
    _pending_leave(z, today[1:])
    _reflection(x)
    _reflection(y)
    _reflection(z, grade="pass")

    # K2: ran last Monday to Wednesday, still running: to be closed.
    k2 = running("科级干部任职培训班", start=days(-7), length=3)
    k2_sessions = [make_session(k2, date=days(offset - 7), slot="morning", title=f"讲座{offset + 1}")
                   for offset in range(3)]
    w = make_enrollment(k2, cadre("王伟", cast.unit_a2), seat_no=1)
    _present(w, k2_sessions)
    _reflection(w)

    # K3: enrolling, three nominations to review; A1 has two seats left until Thursday.
    k3 = make_class(school, title=f"县处级干部专题研讨班{tag}", organiser=county_a, start=days(10), days=3)
    call3 = _call(k3, deadline=days(3))
    quota_k3_a1 = UnitQuota.objects.create(call=call3, unit=cast.unit_a1, seats=3)
    quota_k3_a2 = UnitQuota.objects.create(call=call3, unit=cast.unit_a2, seats=2)
    make_enrollment(k3, cadre("钱一", cast.unit_a1), status="nominated", quota=quota_k3_a1)
    make_enrollment(k3, cadre("钱二", cast.unit_a2), status="nominated", quota=quota_k3_a2)
    make_enrollment(k3, cadre("钱三", cast.unit_a2), status="nominated", quota=quota_k3_a2)

    # K4: notice issued, deadline tomorrow: A1-sub has one seat left and one nomination to review.
    k4 = make_class(school, title=f"乡镇党委书记培训班{tag}", organiser=county_a, start=days(20), days=5,
                    status="notice_issued")
    call4 = _call(k4, deadline=days(1))
    quota_k4_sub = UnitQuota.objects.create(call=call4, unit=cast.unit_a1_sub, seats=3)
    quota_k4_a1 = UnitQuota.objects.create(call=call4, unit=cast.unit_a1, seats=1)
    make_enrollment(k4, cadre("孙一", cast.unit_a1_sub), quota=quota_k4_sub, seat_no=1)
    make_enrollment(k4, cadre("孙二", cast.unit_a1_sub), status="nominated", quota=quota_k4_sub)
    make_enrollment(k4, cadre("孙三", cast.unit_a1), quota=quota_k4_a1, seat_no=2)

    # K5 / K7: draft calls, starting in 12 and 45 days; K6: A1's quota, deadline passed yesterday.
    k5 = make_class(school, title=f"年轻干部培训班{tag}", organiser=county_a, start=days(12), status="draft")
    _call(k5, status=CallStatus.DRAFT, deadline=days(8))
    k7 = make_class(school, title=f"统战干部培训班{tag}", organiser=county_a, start=days(45), status="draft")
    _call(k7, status=CallStatus.DRAFT)
    k6 = make_class(school, title=f"财会干部培训班{tag}", organiser=county_a, start=days(8))
    UnitQuota.objects.create(call=_call(k6, deadline=days(-1)), unit=cast.unit_a1, seats=2)

    # KB: county B's class at the party school, headed by helen.
    kb = running("西山县财政干部培训班", start=days(-2), length=3, organiser=cast.county_b, head=_helen(cast))
    kb_sessions = [make_session(kb, date=days(-2), slot="morning", title="财政政策"),
                   make_session(kb, date=days(-1), slot="morning", title="预算管理")]
    kb_today = make_session(kb, date=MONDAY, slot="morning", title="审计实务", start=dt.time(10, 0),
                            end=dt.time(11, 30))
    make_enrollment(kb, cadre("贝一", cast.unit_b1), seat_no=1)        # absent twice: 6 h > 9 h / 7
    b2 = make_enrollment(kb, cadre("贝二", cast.unit_b1), seat_no=2)
    _present(b2, kb_sessions)
    _pending_leave(b2, [kb_today], hours="3")
    make_enrollment(kb, cadre("安南", cast.unit_a2), status="nominated")

    # KC: closed four months ago; follow-ups of units A1, A2 and A1-sub.
    kc = make_class(school, title=f"基层治理专题班{tag}", organiser=county_a, start=days(-120), days=2,
                    status="closed", head_teacher=cast.hannah)
    for name, unit, due, answered in (("周一", cast.unit_a1, days(20), False), ("周二", cast.unit_a1, days(-3), False),
                                      ("周三", cast.unit_a2, days(-3), False),
                                      ("周四", cast.unit_a1_sub, days(-3), True)):
        enrollment = make_enrollment(kc, cadre(name, unit))
        FollowUp.objects.create(enrollment=enrollment, training_class=kc, unit=unit, opens_on=days(-10), due_on=due,
                                applies=4 if answered else None, performance=4 if answered else None,
                                answered_at=timezone.now() if answered else None)

    # Rectification items.
    _item(tag, k2, school, due_on=days(-1))                                  # overdue
    _item(tag, k2, school, status="in_progress", due_on=days(10))
    _item(tag, kc, county_a, due_on=days(5))
    _item(tag, kc, county_a, status="verified", due_on=days(-20))
    _item(tag, kb, cast.county_b, due_on=days(5))
    _item(tag, kb, school, status="done", due_on=days(-2))
    return World(k1=k1, k2=k2, k3=k3, k4=k4, k5=k5, kb=kb, kc=kc, k1_today=today, kb_today=kb_today,
                 quota_k3_a1=quota_k3_a1, quota_k4_sub=quota_k4_sub, online=_online(cast, tag))
