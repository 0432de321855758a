"""Assessment inputs: reflections and their grading, exam scores (grid and spreadsheet), discipline."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from ganxun.access.roles import Role
from ganxun.assessment import services
from ganxun.assessment.models import CompletionRule, DisciplineNote, ExamScore, Reflection
from ganxun.assessment.sheets import read_score_rows
from ganxun.assessment.tests.builders import enroll, ran_class, reflection_text
from ganxun.audit.models import AuditEntry
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.testing import make_account, make_class, make_teacher

# --- reflections --------------------------------------------------------------------------------


def test_the_cadre_submits_and_edits_a_reflection_until_it_is_graded(cast, actor):
    training_class, _ = ran_class(cast)
    enrollment, = enroll(training_class, [cast.carol_cadre])
    carol = actor(cast.carol)
    first = services.reflection_submit(actor=carol, enrollment=enrollment, title="学习体会", text=reflection_text())
    again = services.reflection_submit(actor=carol, enrollment=enrollment, title="改后", text=reflection_text(900))
    assert first.pk == again.pk and Reflection.objects.get().title == "改后"
    assert [e.action for e in AuditEntry.objects.filter(action__startswith="reflection.").order_by("id")] == [
        "reflection.submit", "reflection.update"]
    services.reflection_grade(actor=actor(cast.hannah), reflection=again, grade="good", comment="体会深刻")
    with pytest.raises(DomainError) as caught:
        services.reflection_submit(actor=carol, enrollment=enrollment, text=reflection_text(1000))
    assert caught.value.code == "graded"
    assert Reflection.objects.get().title == "改后"


def test_a_reflection_shorter_than_the_minimum_is_refused_not_counting_blanks(cast, actor):
    training_class, _ = ran_class(cast)
    enrollment, = enroll(training_class, [cast.carol_cadre])
    text = reflection_text(799) + " " * 50 + "\n" * 10
    with pytest.raises(DomainError) as caught:
        services.reflection_submit(actor=actor(cast.carol), enrollment=enrollment, text=text)
    assert caught.value.field == "text"
    assert caught.value.message == "学习心得至少 800 字（不计空白），当前 799 字。"
    assert not Reflection.objects.exists()
    CompletionRule.objects.create(training_class=training_class, reflection_min_length=300)
    services.reflection_submit(actor=actor(cast.carol), enrollment=enrollment, text=reflection_text(300))
    assert Reflection.objects.count() == 1


def test_only_the_cadre_writes_their_reflection_and_only_while_the_class_runs(cast, actor):
    training_class, _ = ran_class(cast)
    enrollment, = enroll(training_class, [cast.carol_cadre])
    other = make_account("cadre2", Role.CADRE, cast.unit_a1)
    with pytest.raises(NotFound):
        services.reflection_submit(actor=actor(other), enrollment=enrollment, text=reflection_text())
    waiting = make_class(cast.party_school, status="enrolling")
    future, = enroll(waiting, [cast.carol_cadre])
    with pytest.raises(DomainError) as caught:
        services.reflection_submit(actor=actor(cast.carol), enrollment=future, text=reflection_text())
    assert caught.value.code == "not_running"
    assert not Reflection.objects.exists()


@pytest.mark.parametrize("grader", ["hannah", "ivan", "tom"])
def test_the_head_teacher_the_institution_admin_and_a_teacher_of_the_class_may_grade(cast, actor, grader):
    training_class, _ = ran_class(cast)  # tom teaches its first session
    enrollment, = enroll(training_class, [cast.carol_cadre])
    reflection = Reflection.objects.create(enrollment=enrollment, text=reflection_text())
    services.reflection_grade(actor=actor(getattr(cast, grader)), reflection=reflection, grade="excellent")
    reflection.refresh_from_db()
    assert reflection.grade == "excellent" and reflection.graded_by == getattr(cast, grader)
    assert AuditEntry.objects.filter(action="reflection.grade", target_id=str(reflection.pk)).exists()


def test_a_teacher_or_head_teacher_of_another_class_cannot_grade(cast, actor):
    training_class, _ = ran_class(cast)
    enrollment, = enroll(training_class, [cast.carol_cadre])
    reflection = Reflection.objects.create(enrollment=enrollment, text=reflection_text())
    wendy = make_account("wendy", Role.TEACHER, cast.party_school)
    make_teacher("温迪", cast.party_school, account=wendy)
    henry = make_account("henry", Role.HEAD_TEACHER, cast.party_school)
    for outsider in (wendy, henry):
        with pytest.raises(NotFound):
            services.reflection_grade(actor=actor(outsider), reflection=reflection, grade="pass")
    with pytest.raises(Forbidden):
        services.reflection_grade(actor=actor(cast.alice), reflection=reflection, grade="pass")
    reflection.refresh_from_db()
    assert reflection.grade == ""


def test_a_failing_grade_needs_a_comment(cast, actor):
    training_class, _ = ran_class(cast)
    enrollment, = enroll(training_class, [cast.carol_cadre])
    reflection = Reflection.objects.create(enrollment=enrollment, text=reflection_text())
    with pytest.raises(DomainError) as caught:
        services.reflection_grade(actor=actor(cast.hannah), reflection=reflection, grade="fail")
    assert caught.value.field == "comment"
    services.reflection_grade(actor=actor(cast.hannah), reflection=reflection, grade="fail", comment="内容空泛")
    assert Reflection.objects.get().grade == "fail"


# --- exam scores ----------------------------------------------------------------------------------

def test_scores_are_saved_changed_and_cleared_and_audited(cast, actor):
    training_class, _ = ran_class(cast, exam=True)
    a, b = enroll(training_class, cast.cadres_a[:2])
    hannah = actor(cast.hannah)
    assert services.exam_scores_save(actor=hannah, training_class=training_class, scores={a.pk: "88.5", b.pk: "72"}) == 2
    assert services.exam_scores_save(actor=hannah, training_class=training_class, scores={a.pk: "88.5", b.pk: ""}) == 1
    assert dict(ExamScore.objects.values_list("enrollment_id", "score")) == {a.pk: Decimal("88.5")}
    last = AuditEntry.objects.filter(action="assessment.exam_scores").order_by("-id").first()
    assert last.detail["changes"] == [[b.pk, "72.0", None]]


def test_every_bad_score_is_reported_and_none_is_saved(cast, actor):
    training_class, _ = ran_class(cast, exam=True)
    a, b, c = enroll(training_class, cast.cadres_a[:3])
    stranger = enroll(make_class(cast.party_school, status="running"), [cast.cadres_a[3]])[0]
    with pytest.raises(services.InvalidInput) as caught:
        services.exam_scores_save(actor=actor(cast.hannah), training_class=training_class,
                                  scores={a.pk: "101", b.pk: "八十", c.pk: "75", stranger.pk: "60"})
    fields = {e.field: e.message for e in caught.value.errors}
    assert fields == {f"score_{a.pk}": "卡萝的成绩应在 0 到 100 分之间", f"score_{b.pk}": "张伟的成绩应为数字",
                      f"score_{stranger.pk}": f"学员 {stranger.pk} 不在本班名单中"}
    assert not ExamScore.objects.exists()


def test_a_head_teacher_enters_scores_only_in_the_class_they_head(cast, actor):
    training_class, _ = ran_class(cast)
    a, = enroll(training_class, [cast.carol_cadre])
    henry = make_account("henry", Role.HEAD_TEACHER, cast.party_school)
    with pytest.raises(NotFound):
        services.exam_scores_save(actor=actor(henry), training_class=training_class, scores={a.pk: "90"})
    with pytest.raises(Forbidden):
        services.exam_scores_save(actor=actor(cast.tom), training_class=training_class, scores={a.pk: "90"})
    assert not ExamScore.objects.exists()


def _workbook(rows, header=("学号", "姓名", "成绩")) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["某班考试成绩"])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    content = io.BytesIO()
    workbook.save(content)
    return content.getvalue()


def test_a_score_sheet_is_imported_by_seat_number(cast, actor):
    training_class, _ = ran_class(cast, exam=True)
    a, b, c = enroll(training_class, cast.cadres_a[:3])
    rows = read_score_rows(_workbook([(1, "卡萝", 91), (2, "张 伟", "78.5"), (3, "李娜", None), (None, None, None)]))
    assert [r.number for r in rows] == [3, 4, 5]
    changed = services.exam_scores_import(actor=actor(cast.hannah), training_class=training_class, rows=rows)
    assert changed == 2
    assert dict(ExamScore.objects.values_list("enrollment_id", "score")) == {a.pk: Decimal("91"),
                                                                            b.pk: Decimal("78.5")}
    assert AuditEntry.objects.get(action="assessment.exam_scores").detail["source"] == "upload"


def test_a_score_sheet_with_bad_rows_reports_each_row_and_imports_nothing(cast, actor):
    training_class, _ = ran_class(cast, exam=True)
    enroll(training_class, cast.cadres_a[:3])
    rows = read_score_rows(_workbook([(1, "卡萝", 91), (2, "李娜", 80), (7, "", 70), (3, "李娜", 150),
                                      ("", "王强", 60), (1, "卡萝", 92)]))
    with pytest.raises(services.InvalidInput) as caught:
        services.exam_scores_import(actor=actor(cast.hannah), training_class=training_class, rows=rows)
    assert [e.message for e in caught.value.errors] == [
        "第 4 行：学号 2 是“张伟”，与表中姓名“李娜”不符",
        "第 5 行：本班没有学号为“7”的学员",
        "第 6 行：成绩应在 0 到 100 分之间",
        "第 7 行：缺少学号",
        "第 8 行：学号 1 与第 3 行重复",
    ]
    assert not ExamScore.objects.exists()


def test_a_file_that_is_not_a_score_sheet_is_refused(cast):
    with pytest.raises(DomainError) as caught:
        read_score_rows(b"not a workbook")
    assert caught.value.field == "file"
    with pytest.raises(DomainError) as caught:
        read_score_rows(_workbook([(1, 2)], header=("编号", "分")))
    assert "学号" in caught.value.message


# --- discipline -----------------------------------------------------------------------------------

def test_the_head_teacher_records_and_withdraws_discipline_notes_audited(cast, actor):
    training_class, _ = ran_class(cast)
    enrollment, = enroll(training_class, [cast.carol_cadre])
    hannah = actor(cast.hannah)
    note = services.discipline_add(actor=hannah, training_class=training_class, enrollment=enrollment,
                                   date=training_class.start_date, text="无故缺席结构化研讨", severity="serious")
    assert AuditEntry.objects.get(action="discipline.add").detail["text"] == "无故缺席结构化研讨"
    with pytest.raises(DomainError):
        services.discipline_withdraw(actor=hannah, note=note, reason="")
    services.discipline_withdraw(actor=hannah, note=note, reason="经核实已请假")
    services.discipline_withdraw(actor=hannah, note=note, reason="再次提交")  # a double submit changes nothing
    note.refresh_from_db()
    assert note.withdrawn_at is not None and note.withdraw_reason == "经核实已请假"
    assert AuditEntry.objects.filter(action="discipline.withdraw").count() == 1


@pytest.mark.parametrize(("date_offset", "text", "severity", "field"), [
    (-1, "迟到", "minor", "date"),
    (0, "", "minor", "text"),
    (0, "迟到", "grave", "severity"),
])
def test_a_bad_discipline_note_is_refused(cast, actor, date_offset, text, severity, field):
    training_class, _ = ran_class(cast)
    enrollment, = enroll(training_class, [cast.carol_cadre])
    with pytest.raises(DomainError) as caught:
        services.discipline_add(actor=actor(cast.hannah), training_class=training_class, enrollment=enrollment,
                                date=training_class.start_date + dt.timedelta(days=date_offset), text=text,
                                severity=severity)
    assert caught.value.field == field
    assert not DisciplineNote.objects.exists()


def test_inputs_of_a_closed_class_are_frozen(cast, actor):
    training_class, _ = ran_class(cast, status="closed")
    enrollment, = enroll(training_class, [cast.carol_cadre])
    reflection = Reflection.objects.create(enrollment=enrollment, text=reflection_text())
    hannah = actor(cast.hannah)
    calls = [
        lambda: services.exam_scores_save(actor=hannah, training_class=training_class, scores={enrollment.pk: "80"}),
        lambda: services.reflection_grade(actor=hannah, reflection=reflection, grade="pass"),
        lambda: services.discipline_add(actor=hannah, training_class=training_class, enrollment=enrollment,
                                        date=training_class.start_date, text="x", severity="minor"),
        lambda: services.reflection_submit(actor=actor(cast.carol), enrollment=enrollment, text=reflection_text(900)),
    ]
    for call in calls:
        with pytest.raises(DomainError) as caught:
            call()
        assert caught.value.code == "class_closed"
    assert not ExamScore.objects.exists() and not DisciplineNote.objects.exists()
    assert Reflection.objects.get().grade == ""
