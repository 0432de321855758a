"""The completion rule: each reason a cadre does not complete, and the hours credited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ganxun.assessment import services
from ganxun.assessment.models import CompletionRule, DisciplineNote, ExamScore, Reflection
from ganxun.assessment.selectors import assessment_sheet
from ganxun.assessment.tests.builders import attend, enroll, leave, ran_class, reflection_text
from ganxun.core.errors import DomainError


def _sheet(training_class):
    return {row.enrollment.pk: row for row in assessment_sheet(training_class, all_sessions=True).rows}


def _graded(enrollment, grade="pass"):
    return Reflection.objects.create(enrollment=enrollment, text=reflection_text(), grade=grade)


def _codes(row):
    return [reason.code for reason in row.reasons]


def test_a_cadre_meeting_every_rule_completes_and_is_credited_the_half_days_attended(cast):
    training_class, sessions = ran_class(cast)
    done, = enroll(training_class, [cast.carol_cadre])
    attend(done, sessions)
    _graded(done)
    row = _sheet(training_class)[done.pk]
    assert row.completed and row.reasons == []
    assert row.attendance_rate == Decimal("1") and row.credited_hours == Decimal("24")


def test_it_refuses_completion_below_the_minimum_attendance_rate(cast):
    training_class, sessions = ran_class(cast)
    low, ok = enroll(training_class, cast.cadres_a[:2])
    attend(low, sessions[:7])  # 7 of 8 = 87.5 %
    attend(ok, sessions)
    _graded(low), _graded(ok)
    rows = _sheet(training_class)
    assert _codes(rows[low.pk]) == ["attendance"]
    assert rows[low.pk].reasons[0].message == "出勤率 87.5%，低于要求的 90%"
    assert rows[low.pk].credited_hours == 0
    assert rows[ok.pk].completed


def test_the_attendance_minimum_is_configurable(cast):
    training_class, sessions = ran_class(cast)
    low, = enroll(training_class, [cast.carol_cadre])
    attend(low, sessions[:7])
    _graded(low)
    CompletionRule.objects.create(training_class=training_class, min_attendance_rate=Decimal("85"))
    row = _sheet(training_class)[low.pk]
    assert row.completed
    # Seven half-days attended: the missed one is not credited.
    assert row.credited_hours == Decimal("21")


def test_leave_over_one_seventh_of_the_class_hours_fails_the_cadre(cast):
    training_class, sessions = ran_class(cast)  # 24 class hours → limit 24 / 7 ≈ 3.43 h
    CompletionRule.objects.create(training_class=training_class, min_attendance_rate=Decimal("0"))
    within, over = enroll(training_class, cast.cadres_a[:2])
    attend(within, sessions[1:])
    leave(within, sessions[:1], hours="3")
    attend(over, sessions[2:])
    leave(over, sessions[:2], hours="6")
    _graded(within), _graded(over)
    rows = _sheet(training_class)
    assert rows[within.pk].completed and rows[within.pk].credited_hours == Decimal("21")
    assert _codes(rows[over.pk]) == ["leave"]
    assert rows[over.pk].reasons[0].message == "请假 6 学时，超过班次总学时 24 的 1/7（3.4 学时）"


def test_exam_is_required_when_the_timetable_holds_an_exam(cast):
    training_class, sessions = ran_class(cast, exam=True)
    missing, failed, passed = enroll(training_class, cast.cadres_a[:3])
    for enrollment in (missing, failed, passed):
        attend(enrollment, sessions)
        _graded(enrollment)
    ExamScore.objects.create(enrollment=failed, score=Decimal("59.5"))
    ExamScore.objects.create(enrollment=passed, score=Decimal("60"))
    rows = _sheet(training_class)
    assert _codes(rows[missing.pk]) == ["exam_missing"]
    assert rows[failed.pk].reasons[0].message == "考试成绩 59.5 分，低于合格分 60 分"
    assert rows[passed.pk].completed


def test_without_an_exam_session_scores_do_not_decide_unless_the_rule_requires_an_exam(cast):
    training_class, sessions = ran_class(cast)
    enrollment, = enroll(training_class, [cast.carol_cadre])
    attend(enrollment, sessions)
    _graded(enrollment)
    ExamScore.objects.create(enrollment=enrollment, score=Decimal("20"))
    assert _sheet(training_class)[enrollment.pk].completed
    CompletionRule.objects.create(training_class=training_class, exam_policy="required")
    assert _codes(_sheet(training_class)[enrollment.pk]) == ["exam_failed"]


@pytest.mark.parametrize(("grade", "minimum", "expected"), [
    (None, "pass", ["reflection_missing"]),
    ("", "pass", ["reflection_ungraded"]),
    ("fail", "pass", ["reflection_grade"]),
    ("pass", "good", ["reflection_grade"]),
    ("good", "good", []),
])
def test_the_reflection_must_be_graded_at_least_the_minimum(cast, grade, minimum, expected):
    training_class, sessions = ran_class(cast)
    CompletionRule.objects.create(training_class=training_class, reflection_min_grade=minimum)
    enrollment, = enroll(training_class, [cast.carol_cadre])
    attend(enrollment, sessions)
    if grade is not None:
        _graded(enrollment, grade)
    assert _codes(_sheet(training_class)[enrollment.pk]) == expected


def test_no_reflection_is_needed_when_the_rule_does_not_require_one(cast):
    training_class, sessions = ran_class(cast)
    CompletionRule.objects.create(training_class=training_class, reflection_required=False)
    enrollment, = enroll(training_class, [cast.carol_cadre])
    attend(enrollment, sessions)
    assert _sheet(training_class)[enrollment.pk].completed


def test_a_serious_discipline_note_prevents_completion_unless_withdrawn(cast):
    training_class, sessions = ran_class(cast)
    enrollment, = enroll(training_class, [cast.carol_cadre])
    attend(enrollment, sessions)
    _graded(enrollment)
    DisciplineNote.objects.create(enrollment=enrollment, date=training_class.start_date, text="迟到", severity="minor")
    row = _sheet(training_class)[enrollment.pk]
    assert row.completed and row.discipline_minor == 1
    serious = DisciplineNote.objects.create(enrollment=enrollment, date=training_class.start_date,
                                            text="擅自离开培训地点", severity="serious")
    row = _sheet(training_class)[enrollment.pk]
    assert _codes(row) == ["discipline"] and row.reasons[0].message == "有 1 条严重违纪记录"
    DisciplineNote.objects.filter(pk=serious.pk).update(withdrawn_at=dt.datetime.now(dt.UTC))
    assert _sheet(training_class)[enrollment.pk].completed


def test_a_dropped_cadre_is_assessed_and_does_not_complete(cast):
    training_class, sessions = ran_class(cast)
    dropped, = enroll(training_class, [cast.carol_cadre], status="dropped")
    enroll(training_class, [cast.cadres_a[1]], status="withdrawn", first_seat=9)
    attend(dropped, sessions)
    _graded(dropped)
    rows = _sheet(training_class)
    assert list(rows) == [dropped.pk]  # withdrawn enrollments are not assessed
    assert _codes(rows[dropped.pk]) == ["dropped"] and rows[dropped.pk].credited_hours == 0


def test_every_failed_rule_is_listed(cast):
    training_class, sessions = ran_class(cast, exam=True)
    enrollment, = enroll(training_class, [cast.carol_cadre])
    attend(enrollment, sessions[2:])
    leave(enrollment, sessions[:2], hours="6")
    DisciplineNote.objects.create(enrollment=enrollment, date=training_class.start_date, text="x", severity="serious")
    assert _codes(_sheet(training_class)[enrollment.pk]) == [
        "attendance", "leave", "exam_missing", "reflection_missing", "discipline"]


def test_a_late_check_in_counts_as_attended(cast):
    training_class, sessions = ran_class(cast)
    enrollment, = enroll(training_class, [cast.carol_cadre])
    attend(enrollment, sessions, status="late")
    _graded(enrollment)
    assert _sheet(training_class)[enrollment.pk].completed


# --- the rule itself ------------------------------------------------------------------------

def _rule(**changes):
    data = {"min_attendance_rate": "90", "exam_policy": "auto", "exam_full_mark": "100", "exam_pass_mark": "60",
            "reflection_required": True, "reflection_min_length": 800, "reflection_min_grade": "pass"}
    data.update(changes)
    return data


def test_the_head_teacher_sets_the_rule_and_it_is_audited(cast, actor):
    from ganxun.audit.models import AuditEntry

    training_class, _ = ran_class(cast)
    rule = services.rule_update(actor=actor(cast.hannah), training_class=training_class,
                                data=_rule(min_attendance_rate="80", reflection_min_length=500))
    assert rule.min_attendance_rate == Decimal("80") and rule.reflection_min_length == 500
    entry = AuditEntry.objects.get(action="assessment.rule")
    assert entry.detail["before"] is None and entry.detail["after"]["min_attendance_rate"] == "80.0"


@pytest.mark.parametrize(("changes", "field"), [
    ({"min_attendance_rate": "101"}, "min_attendance_rate"),
    ({"exam_pass_mark": "120"}, "exam_pass_mark"),
    ({"exam_full_mark": "0"}, "exam_full_mark"),
    ({"reflection_min_length": -1}, "reflection_min_length"),
    ({"reflection_min_grade": "fail"}, "reflection_min_grade"),
    ({"exam_policy": "sometimes"}, "exam_policy"),
])
def test_a_bad_rule_is_refused_naming_the_field(cast, actor, changes, field):
    training_class, _ = ran_class(cast)
    with pytest.raises(DomainError) as caught:
        services.rule_update(actor=actor(cast.ivan), training_class=training_class, data=_rule(**changes))
    assert caught.value.field == field
    assert not CompletionRule.objects.exists()


def test_the_full_mark_cannot_drop_below_an_entered_score(cast, actor):
    training_class, _ = ran_class(cast)
    enrollment, = enroll(training_class, [cast.carol_cadre])
    ExamScore.objects.create(enrollment=enrollment, score=Decimal("95"))
    with pytest.raises(DomainError) as caught:
        services.rule_update(actor=actor(cast.ivan), training_class=training_class,
                             data=_rule(exam_full_mark="50", exam_pass_mark="30"))
    assert "95" in caught.value.message


def test_the_rule_of_a_closed_class_is_frozen(cast, actor):
    training_class, _ = ran_class(cast, status="closed")
    with pytest.raises(DomainError) as caught:
        services.rule_update(actor=actor(cast.ivan), training_class=training_class, data=_rule())
    assert caught.value.code == "class_closed"
