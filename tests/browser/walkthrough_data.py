"""Data of the browser walk-through (test_walkthrough.py), run in the server's environment:

    DJANGO_SETTINGS_MODULE=ganxun.settings GANXUN_VAR_DIR=… python tests/browser/walkthrough_data.py <step>

Steps (each prints one JSON object on its last line of output):

* ``setup`` — the persona cast (``ganxun.testing.build_cast``: county A 东城区 with alice of its
  org department, unit A1 with bob the liaison and its cadres, carol with her account, the
  city party school with ivan, hannah the head teacher and tom a teacher), a one-day class of
  the school organised by county A, enrolling, starting **tomorrow** with one session taught by
  tom; the call to training made and issued by alice through the real services (two seats for
  unit A1, nominations open until today), and the completion rule set by hannah so that no
  reflection is required. Nominations close before a class starts (the call refuses a deadline
  on or after the start date), so the liaison and the org department act "the day before".
* ``class-day`` — time passes to the class day: the class (and its call's deadline) move one day
  earlier so the class is held today, and its session runs now — started a few minutes ago,
  ending later today.
* ``session-over`` — time passes to the end of the session: it ended a second ago.

The two time steps move dates with ORM updates instead of waiting: a test cannot sleep for a
day, and the server reads the clock itself (check-in window, "closing only after the last
session ended"), so the data is moved to fit the clock.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ganxun.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

CLASS_TITLE = "东城区科级干部依法行政专题培训班"
SESSION_TITLE = "法治政府建设专题讲座"
# A session never crosses midnight; the walk-through needs a few minutes of one day.
MINUTES_BEFORE_MIDNIGHT = 5


def _wait_out_midnight() -> None:
    """If the day ends within a few minutes, wait until it has ended (the walk takes under a
    minute, and nominations close, sessions run and credits are dated by the local day)."""
    now = timezone.localtime()
    midnight = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=1, microsecond=0)
    if midnight - now < dt.timedelta(minutes=MINUTES_BEFORE_MIDNIGHT):
        time.sleep((midnight - now).total_seconds())


def setup() -> dict:
    from ganxun.assessment import services as assessment_services
    from ganxun.classes.selectors import class_credit_hours
    from ganxun.roster import services as roster_services
    from ganxun.testing import PASSWORD, build_cast, make_class, make_session, with_role

    _wait_out_midnight()
    today = timezone.localdate()
    cast = build_cast()
    alice, hannah = with_role(cast.alice), with_role(cast.hannah)
    training_class = make_class(
        cast.party_school, title=CLASS_TITLE, organiser=cast.county_a, start=today + dt.timedelta(days=1), days=1,
        capacity=30, status="enrolling", head_teacher=cast.hannah, training_type="in_service",
    )
    session = make_session(training_class, slot="morning", title=SESSION_TITLE, teacher=cast.tom_teacher)
    call = roster_services.call_create(actor=alice, training_class=training_class, data={
        "mode": "quota", "document_no": "东组干训〔2026〕7号", "contact": "区委组织部干部教育科 0571-87000000",
        "nomination_deadline": today, "requirements": "请各单位按名额选派科级干部参训。",
    })
    quota = roster_services.quota_set(actor=alice, call=call, unit=cast.unit_a1, seats=2, note="科级干部")
    roster_services.call_issue(actor=alice, call=call)
    # The completion rule: attendance only (no reflection, no exam), the defaults otherwise.
    assessment_services.rule_update(actor=hannah, training_class=training_class, data={
        "min_attendance_rate": "90", "exam_policy": "none", "exam_full_mark": "100", "exam_pass_mark": "60",
        "reflection_required": False, "reflection_min_length": "800", "reflection_min_grade": "pass",
    })
    carol = cast.carol_cadre
    return {
        "password": PASSWORD,
        "org_dept": cast.alice.username, "liaison": cast.bob.username, "cadre": cast.carol.username,
        "institution_admin": cast.ivan.username, "head_teacher": cast.hannah.username,
        "cadre_name": carol.person.name, "cadre_id_number": carol.person.id_number,
        "cadre_id_masked": carol.person.id_number_masked,
        "other_cadres": [c.person.name for c in cast.cadres_a if c.pk != carol.pk],
        "class_id": training_class.pk, "class_title": training_class.title, "session_id": session.pk,
        "quota_id": quota.pk, "credit_hours": str(class_credit_hours(training_class)),
        "hours_per_half_day": str(training_class.hours_per_half_day),
    }


def class_day() -> dict:
    from ganxun.classes.models import Session, Slot, TrainingClass
    from ganxun.roster.models import TrainingCall

    (class_id,) = sys.argv[2:3]
    now = timezone.localtime().replace(microsecond=0, tzinfo=None)
    today = now.date()
    start = max(now - dt.timedelta(minutes=3), dt.datetime.combine(today, dt.time(0, 0)))
    end = min(now + dt.timedelta(hours=2), dt.datetime.combine(today, dt.time(23, 59, 59)))
    slot = Slot.MORNING if start.hour < 12 else Slot.AFTERNOON if start.hour < 18 else Slot.EVENING
    TrainingClass.objects.filter(pk=class_id).update(start_date=today, end_date=today)
    TrainingCall.objects.filter(training_class_id=class_id).update(nomination_deadline=today - dt.timedelta(days=1))
    Session.objects.filter(training_class_id=class_id).update(date=today, slot=slot, start_time=start.time(),
                                                               end_time=end.time())
    return {"date": today.isoformat(), "start": start.time().isoformat(), "end": end.time().isoformat()}


def session_over() -> dict:
    from ganxun.classes.models import Session

    (class_id,) = sys.argv[2:3]
    now = timezone.localtime().replace(microsecond=0, tzinfo=None)
    session = Session.objects.get(training_class_id=class_id)
    end = now - dt.timedelta(seconds=1)
    if session.date != end.date() or end.time() <= session.start_time:
        raise SystemExit(f"the session ({session.date} {session.start_time}) cannot end at {end}")
    Session.objects.filter(pk=session.pk).update(end_time=end.time())
    return {"end": end.time().isoformat()}


STEPS = {"setup": setup, "class-day": class_day, "session-over": session_over}

if __name__ == "__main__":
    print(json.dumps(STEPS[sys.argv[1]](), ensure_ascii=False))
