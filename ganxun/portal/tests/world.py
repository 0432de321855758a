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
from ganxun.evaluation.models import FollowUp, RectificationItem
from ganxun.roster.models import CallMode, CallStatus, TrainingCall, UnitQuota
from ganxun.testing import make_account, make_cadre, make_class, make_enrollment, make_session

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


def _helen(cast) -> Account:
    """Another head teacher of the party school (KB's)."""
    return Account.objects.filter(username="helen").first() or make_account(
        "helen", Role.HEAD_TEACHER, cast.party_school, full_name="海伦")


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
                 quota_k3_a1=quota_k3_a1, quota_k4_sub=quota_k4_sub)
