"""/api/v1/surveys and /api/v1/me/surveys: the needs survey through the API, in scope."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from ganxun.access.roles import Role
from ganxun.audit.models import AuditEntry
from ganxun.planning import services
from ganxun.planning.models import Answer, Question, Survey, SurveyResponse
from ganxun.planning.tests.builders import full_answers, make_survey, questions, topic
from ganxun.planning.tests.plan_builders import answer_topics
from ganxun.testing import make_account, make_cadre, with_role

API = "/api/v1"


def _send(client, method, path, body=None):
    return getattr(client, method)(f"{API}{path}", json.dumps(body if body is not None else {}),
                                   content_type="application/json")


def _ok(response, status=200) -> dict:
    assert response.status_code == status, response.content.decode()
    return response.json()


def _error(response, status=400) -> dict:
    assert response.status_code == status, response.content.decode()
    return response.json()


def _fields(body: dict) -> set[str]:
    return {e["field"] for e in body["errors"]}


def _soon(days: int = 10) -> str:
    return str(timezone.localdate() + dt.timedelta(days=days))


# --- list and detail -------------------------------------------------------------------------

def test_it_lists_the_surveys_in_scope_with_the_callers_counts(cast, token_client):
    opened = make_survey(cast)
    draft = make_survey(cast, opened=False)
    draft.title = "草稿调研"
    draft.save()
    services.survey_answer(actor=with_role(cast.carol), survey=opened, answers=full_answers(opened))

    page = _ok(token_client(cast.alice).get(f"{API}/surveys"))
    assert page["count"] == 2
    assert [(s["title"], s["status"], s["status_label"]) for s in page["items"]] == [
        ("草稿调研", "draft", "草稿"), ("2027年度培训需求调研", "open", "进行中")]
    row = page["items"][1]
    assert (row["invited"], row["answered"], row["rate"]) == (4, 1, 0.25)
    assert (row["owner_org_name"], row["audience_root_name"], row["targeted"]) == ("东城区", "东城区", False)

    # The liaison: no drafts, and counts over unit A1 and its sub-unit only (3 cadres).
    liaison = _ok(token_client(cast.bob).get(f"{API}/surveys"))
    assert [(s["id"], s["invited"], s["answered"]) for s in liaison["items"]] == [(opened.pk, 3, 1)]
    assert _ok(token_client(cast.leo).get(f"{API}/surveys"))["count"] == 1
    assert _ok(token_client(cast.charlie).get(f"{API}/surveys"))["count"] == 0


def test_it_filters_surveys_by_status_and_year(cast, token_client):
    make_survey(cast)
    make_survey(cast, opened=False)
    client = token_client(cast.alice)
    assert [s["status"] for s in _ok(client.get(f"{API}/surveys?status=draft"))["items"]] == ["draft"]
    this_year = (timezone.localdate() + dt.timedelta(days=14)).year
    assert _ok(client.get(f"{API}/surveys?year={this_year}"))["count"] == 2
    assert _ok(client.get(f"{API}/surveys?year={this_year + 3}"))["count"] == 0
    body = _error(client.get(f"{API}/surveys?status=finished"))
    assert body["field"] == "status"


def test_the_detail_has_the_questions_and_the_audience(cast, token_client):
    survey = make_survey(cast, opened=False, named=[cast.cadres_a[1], cast.cadres_a[3]])
    body = _ok(token_client(cast.alice).get(f"{API}/surveys/{survey.pk}"))
    assert body["targeted"] is True and body["named_count"] == 2
    assert {c["name"] for c in body["named_cadres"]} == {"张伟", "王强"}
    assert [(q["kind"], q["kind_label"], q["text"], q["required"], q["max_choices"]) for q in body["questions"]] == [
        ("single", "单选", "您希望的培训方式", True, None),
        ("multiple", "多选", "可参训时间", False, None),
        ("rating", "评分（1–5）", "对去年培训的满意度", True, None),
        ("text", "文字", "其他建议", False, None),
        ("topics", "培训内容偏好", "最需要的培训内容", True, 2),
    ]
    assert [o["label"] for o in body["questions"][1]["options"]] == ["春季", "夏季", "秋季"]
    assert (body["invited"], body["answered"], body["rate"]) == (0, 0, None)


def test_a_liaison_sees_only_the_named_cadres_of_their_unit(cast, token_client):
    survey = make_survey(cast, named=[cast.cadres_a[1], cast.cadres_a[3]])
    body = _ok(token_client(cast.bob).get(f"{API}/surveys/{survey.pk}"))
    assert body["named_count"] == 2 and [c["name"] for c in body["named_cadres"]] == ["张伟"]


def test_a_draft_is_hidden_from_readers_and_other_regions_get_404(cast, token_client):
    draft = make_survey(cast, opened=False)
    opened = make_survey(cast)
    assert token_client(cast.bob).get(f"{API}/surveys/{draft.pk}").status_code == 404
    assert token_client(cast.leo).get(f"{API}/surveys/{draft.pk}").status_code == 404
    charlie = token_client(cast.charlie)
    for path in (f"/surveys/{opened.pk}", f"/surveys/{opened.pk}/results", f"/surveys/{draft.pk}/audience",
                 "/surveys/999999"):
        body = _error(charlie.get(f"{API}{path}"), 404)
        assert body["code"] == "not_found"
    assert _error(_send(charlie, "patch", f"/surveys/{draft.pk}", {"title": "改"}), 404)["code"] == "not_found"
    assert _error(_send(charlie, "post", f"/surveys/{draft.pk}/open"), 404)["code"] == "not_found"
    draft.refresh_from_db()
    assert draft.status == Survey.Status.DRAFT and draft.title == "2027年度培训需求调研"


# --- drafting --------------------------------------------------------------------------------

def test_it_creates_a_draft_survey(cast, token_client):
    body = _ok(_send(token_client(cast.alice), "post", "/surveys", {
        "title": " 2028年度需求调研 ", "description": "请如实填写", "closes_on": _soon(),
        "audience_root_id": cast.unit_a1.pk, "audience_rank": "county", "audience_category": "party_gov",
    }), 201)
    assert (body["title"], body["status"], body["owner_org_id"], body["audience_root_id"]) == (
        "2028年度需求调研", "draft", cast.county_a.pk, cast.unit_a1.pk)
    assert (body["audience_rank"], body["audience_rank_label"]) == ("county", "县处级")
    assert (body["audience_category"], body["audience_category_label"]) == ("party_gov", "党政机关")
    assert body["questions"] == [] and body["named_cadres"] == []
    assert AuditEntry.objects.filter(action="survey.create", target_id=str(body["id"])).count() == 1


def test_it_names_every_bad_field_of_a_new_survey(cast, token_client):
    client = token_client(cast.alice)
    body = _error(_send(client, "post", "/surveys", {"audience_rank": "emperor", "named_cadre_ids": ["x"]}))
    assert _fields(body) == {"title", "closes_on", "audience_root_id", "audience_rank", "named_cadre_ids.0"}

    good = {"title": "调研", "closes_on": _soon(), "audience_root_id": cast.county_a.pk}
    body = _error(_send(client, "post", "/surveys", {**good, "closes_on": "2001-01-01"}))
    assert (body["field"], body["message"]) == ("closes_on", "截止日期不能早于今天。")
    body = _error(_send(client, "post", "/surveys", {**good, "audience_root_id": cast.org_dept_a.pk}))
    assert (body["field"], body["message"]) == ("audience_root_id", "调研范围须为行政区域或单位。")
    # Another region's unit or cadre: 404 like a missing id, naming the field.
    assert _error(_send(client, "post", "/surveys", {**good, "audience_root_id": cast.county_b.pk}),
                  404)["field"] == "audience_root_id"
    assert _error(_send(client, "post", "/surveys", {**good, "named_cadre_ids": [cast.cadres_b[0].pk]}),
                  404)["field"] == "named_cadre_ids"
    assert not Survey.objects.exists()


def test_roles_without_surveys_manage_get_403(cast, token_client):
    survey = make_survey(cast, opened=False)
    body = {"title": "调研", "closes_on": _soon(), "audience_root_id": cast.unit_a1.pk}
    for account in (cast.bob, cast.leo, cast.ivan):
        client = token_client(account)
        assert _error(_send(client, "post", "/surveys", body), 403)["code"] == "forbidden"
        assert _send(client, "post", f"/surveys/{survey.pk}/questions", {"kind": "text", "text": "x"}).status_code == 403
        assert client.get(f"{API}/surveys/{survey.pk}/audience").status_code == 403


def test_it_changes_only_the_fields_sent(cast, token_client):
    survey = make_survey(cast, opened=False, audience_rank="county")
    client = token_client(cast.alice)
    body = _ok(_send(client, "patch", f"/surveys/{survey.pk}", {"title": "新标题", "audience_rank": None,
                                                                 "named_cadre_ids": [cast.cadres_a[2].pk]}))
    assert (body["title"], body["audience_rank"], body["audience_root_id"]) == ("新标题", "", cast.county_a.pk)
    assert [c["name"] for c in body["named_cadres"]] == ["李娜"]
    survey.refresh_from_db()
    assert survey.closes_on == timezone.localdate() + dt.timedelta(days=14)
    assert _error(_send(client, "patch", f"/surveys/{survey.pk}", {"title": None}))["field"] == "title"
    assert _error(_send(client, "patch", f"/surveys/{survey.pk}", {"title": "  "}))["message"] == "请填写标题。"


# --- questions ---------------------------------------------------------------------------------

def test_it_adds_questions_of_every_kind(cast, token_client):
    survey = make_survey(cast, opened=False)
    survey.questions.all().delete()
    client = token_client(cast.alice)
    sent = [
        {"kind": "single", "text": "培训方式", "options": ["脱产", "网络"]},
        {"kind": "multiple", "text": "可参训时间", "options": ["春季", "夏季", "秋季"], "max_choices": 2,
         "required": False},
        {"kind": "rating", "text": "满意度"},
        {"kind": "text", "text": "建议", "required": False},
        {"kind": "topics", "text": "培训内容", "max_choices": 3},
    ]
    made = [_ok(_send(client, "post", f"/surveys/{survey.pk}/questions", body), 201) for body in sent]
    assert [(q["order"], q["kind"], q["required"], q["max_choices"], [o["label"] for o in q["options"]])
            for q in made] == [
        (1, "single", True, None, ["脱产", "网络"]), (2, "multiple", False, 2, ["春季", "夏季", "秋季"]),
        (3, "rating", True, None, []), (4, "text", False, None, []), (5, "topics", True, 3, []),
    ]
    assert list(survey.questions.values_list("kind", flat=True)) == ["single", "multiple", "rating", "text", "topics"]


@pytest.mark.parametrize("body, field, message", [
    ({"kind": "single", "text": "方式", "options": ["脱产"]}, "options", "单选题和多选题至少需要两个选项。"),
    ({"kind": "multiple", "text": "时间", "options": ["春", "春"]}, "options", "选项不能重复。"),
    ({"kind": "multiple", "text": "时间", "options": ["春", "夏"], "max_choices": 3}, "max_choices",
     "最多可选数须在 1 到选项数之间。"),
    ({"kind": "topics", "text": "内容"}, "max_choices", "培训内容偏好题须填写最多可选数（至少 1）。"),
    ({"kind": "essay", "text": "内容"}, "kind", None),
    ({"kind": "text", "text": " "}, "text", "请填写题目。"),
])
def test_it_refuses_a_bad_question_naming_the_field(cast, token_client, body, field, message):
    survey = make_survey(cast, opened=False)
    response = _error(_send(token_client(cast.alice), "post", f"/surveys/{survey.pk}/questions", body))
    assert response["field"] == field
    if message:
        assert response["message"] == message
    assert survey.questions.count() == 5


def test_it_changes_reorders_and_removes_questions(cast, token_client):
    survey = make_survey(cast, opened=False)
    qs = questions(survey)
    client = token_client(cast.alice)
    body = _ok(_send(client, "patch", f"/surveys/{survey.pk}/questions/{qs['single'].pk}",
                     {"options": ["脱产", "网络", "混合"], "required": False}))
    assert (body["text"], body["required"], [o["label"] for o in body["options"]]) == (
        "您希望的培训方式", False, ["脱产", "网络", "混合"])
    # The kind cannot change.
    assert _error(_send(client, "patch", f"/surveys/{survey.pk}/questions/{qs['single'].pk}",
                        {"kind": "text"}))["field"] == "kind"

    order = [qs["topics"].pk, qs["text"].pk, qs["rating"].pk, qs["multiple"].pk, qs["single"].pk]
    body = _ok(_send(client, "put", f"/surveys/{survey.pk}/question-order", {"question_ids": order}))
    assert [q["id"] for q in body] == order and [q["order"] for q in body] == [1, 2, 3, 4, 5]
    # Idempotent; an incomplete order is refused.
    assert [q["id"] for q in _ok(_send(client, "put", f"/surveys/{survey.pk}/question-order",
                                       {"question_ids": order}))] == order
    body = _error(_send(client, "put", f"/surveys/{survey.pk}/question-order", {"question_ids": order[:4]}))
    assert (body["field"], body["message"]) == ("question_ids", "请按新顺序列出本调研的全部题目，每题一次。")

    response = _send(client, "delete", f"/surveys/{survey.pk}/questions/{qs['text'].pk}")
    assert response.status_code == 204
    assert _send(client, "delete", f"/surveys/{survey.pk}/questions/{qs['text'].pk}").status_code == 404
    assert survey.questions.count() == 4


def test_a_question_is_reached_only_through_its_own_survey(cast, token_client):
    mine = make_survey(cast, opened=False)
    other = make_survey(cast, opened=False)
    question = questions(other)["text"]
    client = token_client(cast.alice)
    assert _send(client, "patch", f"/surveys/{mine.pk}/questions/{question.pk}", {"text": "x"}).status_code == 404
    assert _send(client, "delete", f"/surveys/{mine.pk}/questions/{question.pk}").status_code == 404
    assert Question.objects.filter(pk=question.pk, text="其他建议").exists()


def test_questions_and_audience_freeze_once_the_survey_is_open(cast, token_client):
    survey = make_survey(cast)
    question = questions(survey)["text"]
    client = token_client(cast.alice)
    calls = [
        ("patch", f"/surveys/{survey.pk}", {"title": "改"}),
        ("post", f"/surveys/{survey.pk}/questions", {"kind": "text", "text": "新题"}),
        ("patch", f"/surveys/{survey.pk}/questions/{question.pk}", {"text": "改"}),
        ("delete", f"/surveys/{survey.pk}/questions/{question.pk}", None),
        ("put", f"/surveys/{survey.pk}/question-order",
         {"question_ids": list(survey.questions.values_list("pk", flat=True))}),
    ]
    for method, path, body in calls:
        response = _error(_send(client, method, path, body), 409)
        assert response["code"] == "not_draft", (method, path)
    assert survey.questions.count() == 5


# --- open, close, audience ---------------------------------------------------------------------

def test_it_opens_and_closes_a_survey(cast, token_client):
    survey = make_survey(cast, opened=False)
    client = token_client(cast.alice)
    body = _ok(_send(client, "post", f"/surveys/{survey.pk}/open"))
    assert (body["status"], body["invited_now"], body["invited"], body["accepts_answers"]) == ("open", 4, 4, True)
    assert _error(_send(client, "post", f"/surveys/{survey.pk}/open"), 409)["code"] == "not_draft"
    assert survey.invitations.count() == 4

    body = _ok(_send(client, "post", f"/surveys/{survey.pk}/close"))
    assert (body["status"], body["status_label"], body["accepts_answers"]) == ("closed", "已结束", False)
    assert _send(client, "post", f"/surveys/{survey.pk}/close").status_code == 409
    assert AuditEntry.objects.filter(action__in=["survey.open", "survey.close"]).count() == 2


def test_it_refuses_to_open_a_survey_without_questions(cast, token_client):
    survey = make_survey(cast, opened=False)
    survey.questions.all().delete()
    body = _error(_send(token_client(cast.alice), "post", f"/surveys/{survey.pk}/open"))
    assert body["message"] == "调研还没有题目，不能发布。"
    survey.refresh_from_db()
    assert survey.status == Survey.Status.DRAFT


def test_the_audience_preview_counts_who_would_be_invited(cast, token_client):
    survey = make_survey(cast, opened=False)
    client = token_client(cast.alice)
    body = _ok(client.get(f"{API}/surveys/{survey.pk}/audience"))
    assert (body["materialised"], body["count"]) == (False, 4)
    assert {u["unit_name"]: u["count"] for u in body["units"]} == {
        "东城区发展和改革局": 2, "东城区价格监测中心": 1, "东城区教育局": 1}
    # Tree order: a unit before its sub-units.
    names = [u["unit_name"] for u in body["units"]]
    assert names.index("东城区发展和改革局") < names.index("东城区价格监测中心")

    _ok(_send(client, "patch", f"/surveys/{survey.pk}", {"audience_rank": "county"}))
    body = _ok(client.get(f"{API}/surveys/{survey.pk}/audience"))
    assert (body["count"], [u["unit_name"] for u in body["units"]]) == (1, ["东城区发展和改革局"])

    _ok(_send(client, "patch", f"/surveys/{survey.pk}", {"named_cadre_ids": [cast.cadres_a[2].pk, cast.cadres_a[3].pk]}))
    assert _ok(client.get(f"{API}/surveys/{survey.pk}/audience"))["count"] == 2

    _ok(_send(client, "post", f"/surveys/{survey.pk}/open"))
    body = _ok(client.get(f"{API}/surveys/{survey.pk}/audience"))
    assert (body["materialised"], body["count"]) == (True, 2)


# --- results ----------------------------------------------------------------------------------

def test_the_results_aggregate_every_question_and_rank_the_topics(cast, token_client):
    survey = make_survey(cast)
    services.survey_answer(actor=with_role(cast.carol), survey=survey,
                           answers=full_answers(survey, rating=4, topics=("03.01", "01.01"), text="多安排案例"))
    # Two more respondents answer only the topic question (the cadres have no accounts).
    for cadre, topics in ((cast.cadres_a[1], [topic("03.01")]), (cast.cadres_a[2], [topic("01.01"), topic("02.01")])):
        now = timezone.now()
        response = SurveyResponse.objects.create(invitation=survey.invitations.get(cadre=cadre), submitted_at=now,
                                                 updated_at=now)
        Answer.objects.create(response=response, question=questions(survey)["topics"]).topics.set(topics)

    body = _ok(token_client(cast.alice).get(f"{API}/surveys/{survey.pk}/results"))
    assert (body["invited"], body["answered"], body["rate"]) == (4, 3, 0.75)
    assert {u["unit_name"]: (u["invited"], u["answered"], u["missing"], u["rate"]) for u in body["units"]} == {
        "东城区发展和改革局": (2, 2, 0, 1.0), "东城区价格监测中心": (1, 1, 0, 1.0), "东城区教育局": (1, 0, 1, 0.0)}
    by_kind = {q["kind"]: q for q in body["questions"]}
    assert [(o["label"], o["count"]) for o in by_kind["single"]["options"]] == [("脱产", 1), ("网络", 0)]
    assert by_kind["single"]["options"][0]["id"] == questions(survey)["single"].options.get(label="脱产").pk
    assert by_kind["rating"]["ratings"] == [{"value": v, "count": int(v == 4)} for v in range(1, 6)]
    assert by_kind["rating"]["average"] == 4.0
    assert by_kind["text"]["texts"] == ["多安排案例"]
    assert by_kind["topics"]["answered"] == 3
    ranking = [(r["rank"], r["code"], r["count"], round(r["share"], 4)) for r in body["topic_ranking"]]
    assert ranking == [(1, "01.01", 2, 0.6667), (2, "03.01", 2, 0.6667), (3, "02.01", 1, 0.3333)]
    assert body["topic_ranking"][0]["topic_id"] == topic("01.01").pk
    assert "carol" not in json.dumps(body, ensure_ascii=False) and "卡萝" not in json.dumps(body, ensure_ascii=False)


def test_a_liaison_gets_the_results_of_their_unit_subtree_only(cast, token_client):
    survey = make_survey(cast)
    answer_topics(survey, [[topic("03.01")]] * 4)
    body = _ok(token_client(cast.bob).get(f"{API}/surveys/{survey.pk}/results"))
    assert (body["invited"], body["answered"]) == (3, 3)
    assert [u["unit_name"] for u in body["units"]] == ["东城区发展和改革局", "东城区价格监测中心"]  # parent first
    assert [(r["code"], r["count"], r["share"]) for r in body["topic_ranking"]] == [("03.01", 3, 1.0)]
    assert token_client(cast.tom).get(f"{API}/surveys/{survey.pk}/results").status_code == 403
    assert token_client(cast.carol).get(f"{API}/surveys/{survey.pk}/results").status_code == 403


# --- the cadre answers -------------------------------------------------------------------------

def test_carol_lists_her_surveys_and_answers_one(cast, token_client):
    survey = make_survey(cast)
    client = token_client(cast.carol)
    page = _ok(client.get(f"{API}/me/surveys"))
    assert [(s["id"], s["accepts_answers"], s["answered"]) for s in page["items"]] == [(survey.pk, True, False)]

    body = _ok(client.get(f"{API}/me/surveys/{survey.pk}"))
    assert body["answered"] is False and body["submitted_at"] is None
    assert [q["answer"] for q in body["questions"]] == [None] * 5
    assert {t["code"] for t in body["topic_choices"]} >= {"01.01", "03.01"}

    qs = questions(survey)
    single = qs["single"].options.get(label="网络").pk
    spring = qs["multiple"].options.get(label="春季").pk
    answers = {str(qs["single"].pk): single, str(qs["multiple"].pk): [spring], str(qs["rating"].pk): 5,
               str(qs["text"].pk): "希望增加现场教学", str(qs["topics"].pk): [topic("03.01").pk]}
    body = _ok(_send(client, "put", f"/me/surveys/{survey.pk}/answers", {"answers": answers}))
    assert body["answered"] is True and body["submitted_at"] is not None
    assert [q["answer"] for q in body["questions"]] == [[single], [spring], 5, "希望增加现场教学",
                                                         [topic("03.01").pk]]
    page = _ok(client.get(f"{API}/me/surveys"))
    assert page["items"][0]["answered"] is True


def test_answering_twice_replaces_the_previous_answers(cast, token_client):
    survey = make_survey(cast)
    qs = questions(survey)
    client = token_client(cast.carol)
    first = {str(k): v for k, v in full_answers(survey, rating=2, text="第一次").items()}
    second = {str(k): v for k, v in full_answers(survey, rating=5, topics=("01.01",)).items()}
    _ok(_send(client, "put", f"/me/surveys/{survey.pk}/answers", {"answers": first}))
    body = _ok(_send(client, "put", f"/me/surveys/{survey.pk}/answers", {"answers": second}))
    assert {q["id"]: q["answer"] for q in body["questions"]}[qs["rating"].pk] == 5
    assert {q["id"]: q["answer"] for q in body["questions"]}[qs["text"].pk] is None  # not answered the 2nd time
    assert SurveyResponse.objects.count() == 1
    assert sorted(Answer.objects.values_list("question__kind", flat=True)) == ["multiple", "rating", "single", "topics"]
    assert list(Answer.objects.get(question=qs["topics"]).topics.values_list("code", flat=True)) == ["01.01"]
    assert list(AuditEntry.objects.filter(action="survey.answer").order_by("id").values_list(
        "detail__replaced", flat=True)) == [False, True]


def test_it_reports_every_bad_answer_and_saves_nothing(cast, token_client):
    survey = make_survey(cast)
    other = make_survey(cast)
    qs = questions(survey)
    foreign_option = questions(other)["single"].options.first().pk
    body = _error(_send(token_client(cast.carol), "put", f"/me/surveys/{survey.pk}/answers", {"answers": {
        str(qs["single"].pk): foreign_option, str(qs["rating"].pk): 9,
        str(qs["topics"].pk): [topic("01.01").pk, topic("02.01").pk, topic("03.01").pk],
        "999999": "?",
    }}))
    assert body["code"] == "invalid_answers"
    assert {(e["field"], e["message"]) for e in body["errors"]} == {
        (f"answers.{qs['single'].pk}", "选项不属于此题。"),
        (f"answers.{qs['rating'].pk}", "评分须为 1 到 5 的整数。"),
        (f"answers.{qs['topics'].pk}", "此题最多选 2 项。"),
        ("answers.999999", "不是本调研的题目。"),
    }
    assert not SurveyResponse.objects.exists()
    # Only unknown question ids: refused too, nothing saved.
    answers = {**{str(k): v for k, v in full_answers(survey).items()}, "999999": 1}
    assert _fields(_error(_send(token_client(cast.carol), "put", f"/me/surveys/{survey.pk}/answers",
                                {"answers": answers}))) == {"answers.999999"}
    assert not SurveyResponse.objects.exists()
    # A value of the wrong shape.
    body = _error(_send(token_client(cast.carol), "put", f"/me/surveys/{survey.pk}/answers",
                        {"answers": {str(qs["rating"].pk): {"score": 5}}}))
    assert body["field"] == f"answers.{qs['rating'].pk}"


def test_a_closed_survey_refuses_answers_with_409(cast, token_client):
    survey = make_survey(cast)
    services.survey_close(actor=with_role(cast.alice), survey=survey)
    client = token_client(cast.carol)
    answers = {str(k): v for k, v in full_answers(survey).items()}
    assert _error(_send(client, "put", f"/me/surveys/{survey.pk}/answers", {"answers": answers}), 409)["code"] == "closed"
    assert _ok(client.get(f"{API}/me/surveys?accepting=true"))["count"] == 0
    assert _ok(client.get(f"{API}/me/surveys?accepting=false"))["count"] == 1


def test_a_cadre_who_is_not_invited_gets_404(cast, token_client):
    elsewhere = make_survey(cast, root=cast.unit_a2)
    draft = make_survey(cast, opened=False)
    client = token_client(cast.carol)
    assert _ok(client.get(f"{API}/me/surveys"))["count"] == 0
    for survey in (elsewhere, draft):
        assert client.get(f"{API}/me/surveys/{survey.pk}").status_code == 404
        assert _send(client, "put", f"/me/surveys/{survey.pk}/answers", {"answers": {}}).status_code == 404
    # A cadre of county B with an account: carol's survey is not theirs.
    dora = make_account("dora", Role.CADRE, cast.unit_b1)
    make_cadre("多拉", cast.unit_b1, account=dora)
    survey = make_survey(cast)
    assert token_client(dora).get(f"{API}/me/surveys/{survey.pk}").status_code == 404
    # The outsider (an org-department admin) has no learner permission at all.
    assert token_client(cast.charlie).get(f"{API}/me/surveys/{survey.pk}").status_code == 403


def test_the_survey_list_takes_the_same_number_of_queries_for_more_surveys(cast, token_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = token_client(cast.alice)
    make_survey(cast)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{API}/surveys").status_code == 200
        return len(captured)

    count()  # the token's first use is recorded once
    before = count()
    for _ in range(3):
        make_survey(cast, named=[cast.cadres_a[0]])
    assert count() == before
