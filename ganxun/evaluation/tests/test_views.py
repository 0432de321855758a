"""Pages of the evaluation: who sees what, anonymity, forms showing the services' refusals."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from ganxun.access.roles import Role
from ganxun.evaluation.models import (
    ClassRating,
    EvaluationSettings,
    FollowUp,
    LearningScore,
    RectificationItem,
    RectificationStatus,
    SessionRating,
)
from ganxun.evaluation.panels import render_learner_panel
from ganxun.evaluation.services import followups_materialise
from ganxun.evaluation.tests.factories import past_class, rate_class, rate_sessions
from ganxun.roster.panels import _PANELS, learner_panels
from ganxun.testing import make_account, make_teacher, with_role

pytestmark = pytest.mark.django_db


def _rated(cast, **kwargs):
    """tom's session rated by 3 of 4 attendees (teaching 3.00 — low), with comments; the other
    teacher's session by 2 (below the minimum); the class by 3."""
    scenario = past_class(cast, attendees=4, **kwargs)
    rate_sessions(scenario.sessions[0], scenario.enrollments[:3], [(4, 3), (5, 3), (4, 3)],
                  comments=["案例很生动", "", "希望多些互动"])
    rate_sessions(scenario.sessions[1], scenario.enrollments[:2], [(2, 2), (1, 1)], comments=["听不懂", ""])
    rate_class(scenario.training_class, scenario.enrollments[:3], [(5, 4, 3), (4, 4, 3), (4, 5, 3)],
               comments=["住宿条件一般", "", ""])
    return scenario


def _names(scenario) -> list[str]:
    return [e.cadre.person.name for e in scenario.enrollments]


def test_the_class_page_shows_figures_and_comments_without_names(cast, login):
    scenario = _rated(cast)
    page = login(cast.ivan).get(reverse("evaluation:class_detail", args=[scenario.training_class.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "4.33" in body and "3.00" in body          # tom's session: content, teaching
    assert "案例很生动" in body and "希望多些互动" in body and "住宿条件一般" in body
    assert "听不懂" not in body                          # a session with 2 responses shows no comments
    assert not any(name in body for name in _names(scenario))


def test_the_outsider_gets_404_on_the_class_page(cast, login):
    scenario = _rated(cast)
    assert login(cast.charlie).get(reverse("evaluation:class_detail", args=[scenario.training_class.pk])).status_code == 404


def test_a_head_teacher_sees_only_the_classes_they_head(cast, login):
    mine = _rated(cast)
    other_head = make_account("other_head", Role.HEAD_TEACHER, cast.party_school)
    theirs = past_class(cast, attendees=1, head_teacher=other_head, title="别人的班")
    client = login(cast.hannah)
    assert client.get(reverse("evaluation:class_detail", args=[mine.training_class.pk])).status_code == 200
    assert client.get(reverse("evaluation:class_detail", args=[theirs.training_class.pk])).status_code == 404
    overview = client.get(reverse("evaluation:overview")).content.decode()
    assert mine.training_class.title in overview and "别人的班" not in overview


def test_a_teacher_cannot_open_the_staff_pages(cast, login):
    scenario = _rated(cast)
    client = login(cast.tom)
    assert client.get(reverse("evaluation:class_detail", args=[scenario.training_class.pk])).status_code == 403
    assert client.get(reverse("evaluation:rankings")).status_code == 403
    assert client.get(reverse("evaluation:index"))["Location"] == reverse("evaluation:mine")


def test_tom_sees_his_own_ratings_only_and_no_names(cast, login):
    scenario = _rated(cast)
    body = login(cast.tom).get(reverse("evaluation:mine")).content.decode()
    assert "党史专题" in body and "案例很生动" in body and "3.00" in body
    assert "经济形势分析" not in body and "听不懂" not in body   # the other teacher's session
    assert not any(name in body for name in _names(scenario))
    assert "住宿条件一般" not in body                           # class comments are not the teacher's


def test_a_teacher_with_fewer_than_three_ratings_sees_no_mean_or_comment(cast, login):
    scenario = _rated(cast)
    other = scenario.sessions[1].teacher
    account = make_account("teacher2", Role.TEACHER, cast.party_school)
    other.person.account = account
    other.person.save(update_fields=["account"])
    body = login(account).get(reverse("evaluation:mine")).content.decode()
    assert "经济形势分析" in body
    assert "听不懂" not in body and "1.50" not in body


def test_rankings_show_teachers_and_courses_of_the_scope(cast, login):
    scenario = _rated(cast)
    body = login(cast.alice).get(reverse("evaluation:rankings")).content.decode()
    assert "汤姆" in body and "3.00" in body
    courses = login(cast.alice).get(reverse("evaluation:rankings") + "?view=courses").content.decode()
    assert "党史专题" in courses and "4.33" in courses
    outsider = login(cast.charlie).get(reverse("evaluation:rankings")).content.decode()
    assert "汤姆" not in outsider
    assert scenario.training_class.title not in login(cast.charlie).get(reverse("evaluation:overview")).content.decode()


def test_the_overview_lists_classes_with_their_means(cast, login):
    scenario = _rated(cast)
    body = login(cast.leo).get(reverse("evaluation:overview")).content.decode()
    assert scenario.training_class.title in body and "中共临江市委党校" in body
    assert "4.33" in body  # class content (5+4+4)/3


def test_ivan_changes_the_settings_and_hannah_may_not(cast, login):
    scenario = _rated(cast)
    url = reverse("evaluation:class_settings", args=[scenario.training_class.pk])
    data = {"rating_window_days": 10, "followup_after_days": 60, "followup_answer_days": 20, "threshold": "3.8",
            "learning_test": "on"}
    assert login(cast.hannah).post(url, data).status_code == 403
    response = login(cast.ivan).post(url, data)
    assert response.status_code == 302
    saved = EvaluationSettings.objects.get(training_class=scenario.training_class)
    assert (saved.rating_window_days, saved.followup_after_days, str(saved.threshold), saved.learning_test) == (
        10, 60, "3.80", True)
    bad = login(cast.ivan).post(url, {**data, "threshold": "6"})
    assert bad.status_code == 400


def test_the_check_button_opens_items_once(cast, login):
    scenario = _rated(cast)
    url = reverse("evaluation:class_check", args=[scenario.training_class.pk])
    assert login(cast.ivan).post(url).status_code == 302
    assert login(cast.ivan).post(url).status_code == 302
    # tom's teaching (3.00) and the class's logistics (3.00) are below 3.5; the other session has 2 ratings.
    assert RectificationItem.objects.filter(training_class=scenario.training_class).count() == 2
    assert login(cast.hannah).post(url).status_code == 403
    assert login(cast.charlie).post(url).status_code == 404


def test_the_rectification_pages_list_filter_and_update(cast, login):
    scenario = _rated(cast)
    login(cast.ivan).post(reverse("evaluation:class_check", args=[scenario.training_class.pk]))
    item = RectificationItem.objects.get(cause="session_teaching")
    listing = login(cast.alice).get(reverse("evaluation:rectifications") + "?status=open").content.decode()
    assert item.title in listing
    assert item.title not in login(cast.alice).get(reverse("evaluation:rectifications") + "?status=done").content.decode()
    assert login(cast.charlie).get(reverse("evaluation:rectification_detail", args=[item.pk])).status_code == 404
    url = reverse("evaluation:rectification_detail", args=[item.pk])
    refused = login(cast.ivan).post(url, {"status": "closed", "note": ""})
    assert refused.status_code == 400 and "无需整改的理由" in refused.content.decode()
    assert login(cast.ivan).post(url, {"status": "in_progress", "note": "已约谈教师"}).status_code == 302
    item.refresh_from_db()
    assert item.status == RectificationStatus.IN_PROGRESS
    assert "已约谈教师" in login(cast.ivan).get(url).content.decode()


def test_an_item_opened_by_hand_through_the_form_is_created_once(cast, login):
    scenario = _rated(cast)
    client = login(cast.alice)
    form = client.get(reverse("evaluation:rectification_create") + f"?class={scenario.training_class.pk}")
    assert form.status_code == 200 and "党史专题" in form.content.decode()
    data = {"training_class": scenario.training_class.pk, "session": scenario.sessions[0].pk,
            "title": "课程案例需更新", "description": "学员反映案例陈旧", "token": "tok123"}
    first = client.post(reverse("evaluation:rectification_create"), data)
    second = client.post(reverse("evaluation:rectification_create"), data)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    item = RectificationItem.objects.get()
    assert item.session == scenario.sessions[0] and item.created_by == cast.alice


def test_the_scores_grid_saves_and_reports_errors(cast, login):
    scenario = _rated(cast)
    EvaluationSettings.objects.create(training_class=scenario.training_class, learning_test=True)
    url = reverse("evaluation:scores", args=[scenario.training_class.pk])
    carol, second = scenario.enrollments[:2]
    bad = login(cast.hannah).post(url, {f"pre-{carol.pk}": "60", f"post-{carol.pk}": "120"})
    assert bad.status_code == 400 and "训后成绩“120”应为 0 到 100 之间的数字" in bad.content.decode()
    assert not LearningScore.objects.exists()
    ok = login(cast.hannah).post(url, {f"pre-{carol.pk}": "60", f"post-{carol.pk}": "72.5",
                                       f"pre-{second.pk}": "50", f"post-{second.pk}": ""})
    assert ok.status_code == 302
    assert LearningScore.objects.count() == 2
    page = login(cast.hannah).get(url).content.decode()
    assert "+12.5" in page
    assert login(cast.leo).post(url, {f"pre-{carol.pk}": "1"}).status_code == 403
    assert login(cast.charlie).get(url).status_code == 404


def test_an_uploaded_sheet_with_errors_saves_nothing(cast, login):
    scenario = _rated(cast)
    EvaluationSettings.objects.create(training_class=scenario.training_class, learning_test=True)
    workbook = Workbook()
    workbook.active.append(["学号", "训前成绩", "训后成绩"])
    workbook.active.append([1, 60, 80])
    workbook.active.append([99, 60, 80])
    buffer = io.BytesIO()
    workbook.save(buffer)
    url = reverse("evaluation:scores_upload", args=[scenario.training_class.pk])
    response = login(cast.ivan).post(url, {"file": SimpleUploadedFile("s.xlsx", buffer.getvalue())})
    assert response.status_code == 400
    assert "本班没有学号为 99 的学员" in response.content.decode()
    assert not LearningScore.objects.exists()
    template = login(cast.ivan).get(reverse("evaluation:scores_template", args=[scenario.training_class.pk]))
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")


def test_bob_answers_his_units_followups_on_one_page(cast, login):
    scenario = past_class(cast, ended_days_ago=100, attendees=4)   # carol A1, A2, A1, A2
    client = login(cast.bob)
    listing = client.get(reverse("evaluation:followups")).content.decode()
    assert scenario.training_class.title in listing
    url = reverse("evaluation:followup_class", args=[scenario.training_class.pk])
    page = client.get(url).content.decode()
    a1 = [e for e in scenario.enrollments if e.unit_id == cast.unit_a1.pk]
    a2 = [e for e in scenario.enrollments if e.unit_id == cast.unit_a2.pk]
    assert all(e.cadre.person.name in page for e in a1)
    assert not any(e.cadre.person.name in page for e in a2)
    rows = {f.enrollment_id: f for f in FollowUp.objects.filter(unit=cast.unit_a1)}
    first, second = (rows[e.pk] for e in a1)
    partial = client.post(url, {f"applies-{first.pk}": "4"})
    assert partial.status_code == 400 and "请为两项都选择" in partial.content.decode()
    saved = client.post(url, {f"applies-{first.pk}": "4", f"performance-{first.pk}": "5",
                              f"comment-{first.pk}": "主动牵头改革项目"})
    assert saved.status_code == 302
    first.refresh_from_db()
    assert (first.applies, first.performance, first.answered_by) == (4, 5, cast.bob)
    assert FollowUp.objects.filter(answered_at__isnull=False).count() == 1


def test_other_liaisons_and_the_outsider_get_404_on_the_followup_page(cast, login):
    scenario = past_class(cast, ended_days_ago=100, attendees=1)   # carol of A1 only
    followups_materialise()
    url = reverse("evaluation:followup_class", args=[scenario.training_class.pk])
    liaison_b = make_account("liaison_b", Role.UNIT_LIAISON, cast.unit_b1)
    assert login(liaison_b).get(url).status_code == 404
    assert login(cast.charlie).get(url).status_code == 403        # not a liaison at all
    assert login(cast.charlie).get(reverse("evaluation:class_detail", args=[scenario.training_class.pk])).status_code == 404


def test_the_org_department_sees_followup_completion_per_unit(cast, login):
    scenario = past_class(cast, ended_days_ago=130, attendees=4)
    body = login(cast.alice).get(reverse("evaluation:followup_overview")).content.decode()
    assert scenario.training_class.title in body and "东城区发展和改革局" in body and "东城区教育局" in body
    assert scenario.training_class.title not in login(cast.charlie).get(
        reverse("evaluation:followup_overview")).content.decode()


# --- the learner ----------------------------------------------------------------------------

def _request(cast):
    request = RequestFactory().get("/learn/classes/1/")
    request.user = with_role(cast.carol)
    return request


def _panel(cast, enrollment) -> str:
    return render_learner_panel(_request(cast), enrollment)


def test_the_panel_is_registered_on_the_learners_class_page(cast):
    scenario = past_class(cast, attendees=1)
    assert _PANELS["evaluation"].order == 50
    assert any("班次总体评价" in html for html in learner_panels(_request(cast), scenario.carol))


def test_the_learner_panel_lists_attended_sessions_to_rate(cast):
    scenario = past_class(cast, attendees=2)
    html = _panel(cast, scenario.carol)
    assert "党史专题" in html and "经济形势分析" in html and "班次总体评价" in html
    assert "3 项待评价" in html
    assert 'hx-post="%s"' % reverse("evaluation:learn_session_rate", args=[scenario.sessions[0].pk]) in html


def test_the_learner_panel_is_empty_for_someone_elses_enrollment(cast):
    scenario = past_class(cast, attendees=2)
    assert _panel(cast, scenario.enrollments[1]) == ""


def test_carol_rates_a_session_with_htmx_and_gets_the_item_back(cast, login):
    scenario = past_class(cast, attendees=2)
    url = reverse("evaluation:learn_session_rate", args=[scenario.sessions[0].pk])
    client = login(cast.carol)
    response = client.post(url, {"content": "4", "teaching": "5", "comment": "很好"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "感谢您的评价" in body and f'id="eval-session-{scenario.sessions[0].pk}"' in body
    again = client.post(url, {"content": "3", "teaching": "3"}, HTTP_HX_REQUEST="true")
    assert "感谢" in again.content.decode()
    rating = SessionRating.objects.get()
    assert (rating.content, rating.teaching, rating.comment) == (3, 3, "")


def test_a_missing_score_comes_back_as_the_form_with_its_message(cast, login):
    scenario = past_class(cast, attendees=1)
    url = reverse("evaluation:learn_session_rate", args=[scenario.sessions[0].pk])
    response = login(cast.carol).post(url, {"content": "4"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "请为“授课教师”选择 1 到 5 分" in response.content.decode()
    assert not SessionRating.objects.exists()


def test_without_htmx_the_post_returns_to_the_page(cast, login):
    scenario = past_class(cast, attendees=1)
    url = reverse("evaluation:learn_class_rate", args=[scenario.training_class.pk])
    response = login(cast.carol).post(url, {"content": "5", "organisation": "4", "logistics": "3",
                                            "next": "/learn/evaluation/"})
    assert response.status_code == 302 and response["Location"] == "/learn/evaluation/"
    assert ClassRating.objects.get().logistics == 3
    evil = login(cast.carol).post(url, {"content": "5", "organisation": "4", "logistics": "3",
                                        "next": "https://evil.example/"})
    assert evil["Location"] == reverse("evaluation:learn")


def test_a_cadre_cannot_rate_a_class_they_are_not_in(cast, login):
    scenario = past_class(cast, attendees=2)
    stranger = make_account("stranger", Role.CADRE, cast.unit_a2)
    url = reverse("evaluation:learn_session_rate", args=[scenario.sessions[0].pk])
    assert login(stranger).post(url, {"content": "5", "teaching": "5"}).status_code == 404
    assert login(cast.alice).post(url, {"content": "5", "teaching": "5"}).status_code == 403
    assert not SessionRating.objects.exists()


def test_my_evaluations_page_lists_the_classes_to_rate(cast, login):
    scenario = past_class(cast, attendees=1)
    rate_sessions(scenario.sessions[0], [scenario.carol], [(5, 4)])
    body = login(cast.carol).get(reverse("evaluation:learn")).content.decode()
    assert scenario.training_class.title in body and "我的评价：课程内容 <strong>5</strong>" in body


def test_a_teachers_page_never_names_a_cadre_even_with_many_ratings(cast, login):
    scenario = past_class(cast, attendees=6, teacher=cast.tom_teacher,
                          other_teacher=make_teacher("王老师", cast.party_school))
    rate_sessions(scenario.sessions[0], scenario.enrollments, [(5, 5)] * 6,
                  comments=[f"意见{i}" for i in range(6)])
    body = login(cast.tom).get(reverse("evaluation:mine")).content.decode()
    assert "意见0" in body and "意见5" in body
    assert not any(name in body for name in _names(scenario))
    assert "卡萝" not in body


def test_the_overview_does_not_query_per_class(cast, login):
    for index in range(2):
        _rated(cast, title=f"班{index}")
    client = login(cast.alice)
    client.get(reverse("evaluation:overview"))  # a session's first request also stores "last seen"
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("evaluation:overview")).status_code == 200
    for index in range(4):
        _rated(cast, title=f"更多班{index}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("evaluation:overview")).status_code == 200
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as ranking_few:
        client.get(reverse("evaluation:rankings"))
    _rated(cast, title="再多一个班", other_teacher=make_teacher("新教师", cast.party_school))
    with CaptureQueriesContext(connection) as ranking_many:
        client.get(reverse("evaluation:rankings"))
    assert len(ranking_many) == len(ranking_few)
