"""L3 follow-ups (materialised when due, liaison scope, answering) and L2 scores (grid and Excel)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from ganxun.access.roles import Role
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.evaluation import scores, selectors
from ganxun.evaluation.models import EvaluationSettings, FollowUp, LearningScore
from ganxun.evaluation.services import (
    KEEP,
    ScoreErrors,
    evaluation_settings_update,
    followup_answer,
    followups_materialise,
    followups_write_many,
    learning_scores_save,
    learning_test_enable,
)
from ganxun.evaluation.tests.factories import past_class
from ganxun.testing import make_account, make_enrollment

pytestmark = pytest.mark.django_db


# --- L3 -------------------------------------------------------------------------------------

def test_followups_appear_when_their_date_has_come_and_only_once(cast):
    due = past_class(cast, ended_days_ago=90, attendees=3)
    early = past_class(cast, ended_days_ago=89, attendees=3, title="尚未到期")
    running = past_class(cast, ended_days_ago=120, attendees=2, title="未结业", status="running")
    assert followups_materialise() == 3
    assert followups_materialise() == 0
    rows = FollowUp.objects.filter(training_class=due.training_class)
    assert rows.count() == 3
    first = rows.first()
    assert first.opens_on == due.training_class.end_date + dt.timedelta(days=90)
    assert first.due_on == first.opens_on + dt.timedelta(days=30)
    assert not FollowUp.objects.filter(training_class__in=[early.training_class, running.training_class]).exists()


def test_followups_cover_approved_enrollments_only(cast):
    scenario = past_class(cast, ended_days_ago=100, attendees=2)
    make_enrollment(scenario.training_class, cast.cadres_a[3], status="withdrawn")
    followups_materialise()
    assert set(FollowUp.objects.values_list("enrollment_id", flat=True)) == {e.pk for e in scenario.enrollments}


def test_the_followup_time_is_configurable_per_class(cast):
    scenario = past_class(cast, ended_days_ago=30, attendees=2)
    EvaluationSettings.objects.create(training_class=scenario.training_class, followup_after_days=30,
                                      followup_answer_days=10)
    followups_materialise()
    row = FollowUp.objects.get(enrollment=scenario.carol)
    assert row.due_on == scenario.training_class.end_date + dt.timedelta(days=40)


def test_a_liaison_materialises_and_sees_only_their_units_followups(cast, actor):
    scenario = past_class(cast, ended_days_ago=100, attendees=4)   # carol A1, then A2, A1, A2
    followups_materialise(unit_path=cast.unit_a1.path)
    assert set(FollowUp.objects.values_list("unit_id", flat=True)) == {cast.unit_a1.pk}
    followups_materialise()
    bob_rows = selectors.liaison_followups_for(actor(cast.bob))
    assert {f.unit_id for f in bob_rows} == {cast.unit_a1.pk} and bob_rows.count() == 2
    assert selectors.liaison_followups_for(actor(cast.charlie)).count() == 0
    liaison_a2 = make_account("liaison_a2", Role.UNIT_LIAISON, cast.unit_a2)
    assert {f.unit_id for f in selectors.liaison_followups_for(actor(liaison_a2))} == {cast.unit_a2.pk}
    with pytest.raises(NotFound):
        selectors.followup_get_for(actor(liaison_a2), FollowUp.objects.get(enrollment=scenario.carol).pk)


def test_due_and_overdue_states(cast, actor):
    past_class(cast, ended_days_ago=125, attendees=2)     # opens 35 days ago, due 5 days ago: overdue
    past_class(cast, ended_days_ago=95, attendees=2, title="待填报")   # due in 25 days
    followups_materialise()
    bob = actor(cast.bob)
    assert [f.training_class.title for f in selectors.liaison_followups_for(bob, state="overdue")] == ["中青年干部培训班"]
    assert [f.training_class.title for f in selectors.liaison_followups_for(bob, state="pending")] == ["待填报"]


def test_the_liaison_answers_and_may_correct_a_followup(cast, actor):
    scenario = past_class(cast, ended_days_ago=100, attendees=2)
    followups_materialise()
    row = FollowUp.objects.get(enrollment=scenario.carol)
    followup_answer(actor=actor(cast.bob), followup=row, applies=4, performance=3, comment="能把所学用于项目审批")
    followup_answer(actor=actor(cast.bob), followup=row, applies=5, performance=4)
    row.refresh_from_db()
    assert (row.applies, row.performance, row.comment, row.answered_by) == (5, 4, "", cast.bob)
    with pytest.raises(DomainError):
        followup_answer(actor=actor(cast.bob), followup=row, applies=6, performance=4)
    liaison_a2 = make_account("liaison_a2", Role.UNIT_LIAISON, cast.unit_a2)
    with pytest.raises(NotFound):
        followup_answer(actor=actor(liaison_a2), followup=row, applies=1, performance=1)
    with pytest.raises(Forbidden):
        followup_answer(actor=actor(cast.alice), followup=row, applies=1, performance=1)


def test_the_followup_date_cannot_move_once_followups_exist(cast, actor):
    scenario = past_class(cast, ended_days_ago=100, attendees=1)
    followups_materialise()
    with pytest.raises(DomainError, match="不能再修改回访时间"):
        evaluation_settings_update(actor=actor(cast.ivan), training_class=scenario.training_class,
                                   data={"followup_after_days": 120})


def test_settings_need_evaluation_manage(cast, actor):
    scenario = past_class(cast, attendees=1)
    with pytest.raises(Forbidden):
        evaluation_settings_update(actor=actor(cast.hannah), training_class=scenario.training_class,
                                   data={"threshold": "4"})
    with pytest.raises(DomainError, match="1 到 5 分"):
        evaluation_settings_update(actor=actor(cast.ivan), training_class=scenario.training_class,
                                   data={"threshold": "5.5"})
    saved = evaluation_settings_update(actor=actor(cast.ivan), training_class=scenario.training_class,
                                       data={"threshold": "4", "rating_window_days": 7, "learning_test": True})
    assert (saved.threshold, saved.rating_window_days, saved.learning_test) == (Decimal("4.00"), 7, True)


# --- L2 -------------------------------------------------------------------------------------

def test_the_head_teacher_of_the_class_enters_scores(cast, actor):
    scenario = past_class(cast, attendees=2)
    hannah = actor(cast.hannah)
    with pytest.raises(DomainError, match="请先启用"):
        learning_scores_save(actor=hannah, training_class=scenario.training_class,
                             scores={scenario.carol.pk: (Decimal("60"), Decimal("80"))})
    learning_test_enable(actor=hannah, training_class=scenario.training_class)
    scenario.training_class.refresh_from_db()
    changed = learning_scores_save(actor=hannah, training_class=scenario.training_class,
                                   scores={scenario.carol.pk: (Decimal("60"), Decimal("80")),
                                           scenario.enrollments[1].pk: (None, None)})
    assert changed == 1
    score = LearningScore.objects.get()
    assert (score.pre_score, score.post_score) == (Decimal("60.0"), Decimal("80.0"))
    learning_scores_save(actor=hannah, training_class=scenario.training_class,
                         scores={scenario.carol.pk: (KEEP, Decimal("85"))})
    score.refresh_from_db()
    assert (score.pre_score, score.post_score) == (Decimal("60.0"), Decimal("85.0"))


def test_only_the_classes_own_head_teacher_or_the_institution_admin_enter_scores(cast, actor):
    other_head = make_account("other_head", Role.HEAD_TEACHER, cast.party_school)
    scenario = past_class(cast, attendees=1, head_teacher=other_head)
    learning_test_enable(actor=actor(cast.ivan), training_class=scenario.training_class)
    with pytest.raises(Forbidden):
        learning_test_enable(actor=actor(cast.hannah), training_class=scenario.training_class)
    with pytest.raises(Forbidden):
        learning_scores_save(actor=actor(cast.alice), training_class=scenario.training_class, scores={})


def _sheet(rows) -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("scores.xlsx", buffer.getvalue())


def test_an_uploaded_sheet_is_read_by_seat_number(cast):
    scenario = past_class(cast, attendees=3)
    roster = selectors.roster_of(scenario.training_class)
    name = scenario.enrollments[1].cadre.person.name
    values = scores.read_scores(_sheet([["学号", "姓名", "训前成绩", "训后成绩"], [1, "卡萝", 60, 75.5],
                                        [2, name, None, 90], [None, None, None, None]]), roster)
    assert values == {scenario.carol.pk: (Decimal("60.0"), Decimal("75.5")),
                      scenario.enrollments[1].pk: (KEEP, Decimal("90.0"))}


def test_an_uploaded_sheet_reports_every_row_problem(cast):
    scenario = past_class(cast, attendees=2)
    roster = selectors.roster_of(scenario.training_class)
    with pytest.raises(ScoreErrors) as caught:
        scores.read_scores(_sheet([["学号", "姓名", "训前成绩", "训后成绩"], [1, "卡萝", 101, 80],
                                   [7, "", 60, 70], ["abc", "", 60, 70], [1, "", 60, 70], [2, "张冠", 60, "八十"],
                                   [2 + 0, "", "60.25", 70]]), roster)
    problems = [(e.row, e.field, e.message) for e in caught.value.errors]
    assert ("第 2 行", "pre_score", "训前成绩“101”应为 0 到 100 之间的数字") in problems
    assert ("第 3 行", "seat_no", "本班没有学号为 7 的学员") in problems
    assert ("第 4 行", "seat_no", "学号“abc”应为整数") in problems
    assert ("第 5 行", "seat_no", "学号 1 重复（第 2 行已填写）") in problems
    assert ("第 6 行", "name", "姓名“张冠”与学号 2 的学员不一致") in problems
    assert ("第 6 行", "post_score", "训后成绩“八十”应为 0 到 100 之间的数字") in problems
    assert ("第 7 行", "seat_no", "学号 2 重复（第 6 行已填写）") in problems


def test_a_sheet_without_the_seat_column_is_refused(cast):
    scenario = past_class(cast, attendees=1)
    with pytest.raises(DomainError, match="没有“学号”列"):
        scores.read_scores(_sheet([["姓名", "训前成绩"], ["卡萝", 60]]), selectors.roster_of(scenario.training_class))
    with pytest.raises(DomainError, match="无法读取文件"):
        scores.read_scores(SimpleUploadedFile("x.xlsx", b"not a workbook"),
                           selectors.roster_of(scenario.training_class))


def test_the_template_lists_the_roster(cast):
    scenario = past_class(cast, attendees=2)
    LearningScore.objects.create(enrollment=scenario.carol, training_class=scenario.training_class, pre_score=55)
    data = scores.scores_template(scenario.training_class, selectors.roster_of(scenario.training_class))
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("学号", "姓名", "单位", "训前成绩", "训后成绩")
    assert rows[1][:2] == (1, "卡萝") and rows[1][3] == 55


def test_many_followup_answers_are_recorded_at_once_and_again_overwrite(cast, actor):
    scenario = past_class(cast, ended_days_ago=100, attendees=3)
    followups_materialise()
    answers = {e.pk: (4, 3, "") for e in scenario.enrollments}
    assert followups_write_many(actor=None, training_class=scenario.training_class, answers=answers) == 3
    followups_write_many(actor=None, training_class=scenario.training_class,
                         answers={scenario.carol.pk: (2, 2, "改进不明显")})
    assert FollowUp.objects.filter(answered_at__isnull=False).count() == 3
    assert FollowUp.objects.get(enrollment=scenario.carol).applies == 2
    with pytest.raises(DomainError):
        followups_write_many(actor=None, training_class=scenario.training_class,
                             answers={scenario.carol.pk: (9, 2, "")})
    with pytest.raises(NotFound):   # bob's unit is A1; the second cadre is of A2
        followups_write_many(actor=actor(cast.bob), training_class=scenario.training_class,
                             answers={scenario.enrollments[1].pk: (3, 3, "")})
    assert FollowUp.objects.get(enrollment=scenario.carol).applies == 2
