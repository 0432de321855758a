"""The assessment API: the sheet, inputs, grading rights, closing once, the learner's reflection."""

from __future__ import annotations

import json
from decimal import Decimal

from ganxun.access.roles import Role
from ganxun.assessment.models import ExamScore, Reflection
from ganxun.assessment.tests.builders import attend, enroll, ran_class, reflection_text
from ganxun.credits.models import CreditRecord
from ganxun.testing import make_account, make_teacher

API = "/api/v1"


def _json(client, method, url, body=None):
    return getattr(client, method)(url, json.dumps(body or {}), content_type="application/json")


def _setup(cast):
    training_class, sessions = ran_class(cast, exam=True)
    carol, zhang = enroll(training_class, cast.cadres_a[:2])
    attend(carol, sessions)
    attend(zhang, sessions[:6])
    return training_class, carol, zhang


def test_the_sheet_lists_every_cadre_with_reasons_and_masked_numbers(cast, login):
    training_class, carol, zhang = _setup(cast)
    body = login(cast.hannah).get(f"{API}/classes/{training_class.pk}/assessment").json()
    assert body["final"] is False and body["exam_required"] is True and body["class_hours"] == "24.0"
    rows = {row["name"]: row for row in body["rows"]}
    assert rows["卡萝"]["id_number_masked"] == cast.carol_cadre.person.id_number_masked
    assert [r["code"] for r in rows["张伟"]["reasons"]] == ["attendance", "exam_missing", "reflection_missing"]
    assert login(cast.charlie).get(f"{API}/classes/{training_class.pk}/assessment").status_code == 404


def test_scores_are_entered_all_or_nothing(cast, login):
    training_class, carol, zhang = _setup(cast)
    client = login(cast.hannah)
    bad = _json(client, "put", f"{API}/classes/{training_class.pk}/assessment/exam-scores",
                {"scores": [{"enrollment_id": carol.pk, "score": 90}, {"enrollment_id": zhang.pk, "score": 130}]})
    assert bad.status_code == 400
    assert bad.json()["errors"] == [{"field": f"score_{zhang.pk}", "message": "张伟的成绩应在 0 到 100 分之间",
                                     "value": "130"}]
    assert not ExamScore.objects.exists()
    good = _json(client, "put", f"{API}/classes/{training_class.pk}/assessment/exam-scores",
                 {"scores": [{"enrollment_id": carol.pk, "score": 90}, {"enrollment_id": zhang.pk, "score": 58}]})
    assert good.json() == {"changed": 2}


def test_a_teacher_of_another_class_cannot_grade_through_the_api(cast, login):
    training_class, carol, _ = _setup(cast)
    reflection = Reflection.objects.create(enrollment=carol, text=reflection_text())
    wendy = make_account("wendy", Role.TEACHER, cast.party_school)
    make_teacher("温迪", cast.party_school, account=wendy)
    url = f"{API}/assessment/reflections/{reflection.pk}/grade"
    assert _json(login(wendy), "post", url, {"grade": "pass"}).status_code == 404
    response = _json(login(cast.tom), "post", url, {"grade": "fail", "comment": "未联系工作实际"})
    assert response.status_code == 200 and response.json()["grade_label"] == "不合格"


def test_the_learner_submits_a_reflection_through_the_api(cast, login):
    training_class, carol, _ = _setup(cast)
    client = login(cast.carol)
    url = f"{API}/me/classes/{training_class.pk}/reflection"
    assert client.get(url).status_code == 404
    short = _json(client, "put", url, {"text": "太短"})
    assert short.status_code == 400 and short.json()["field"] == "text"
    saved = _json(client, "put", url, {"title": "体会", "text": reflection_text(850)})
    assert saved.status_code == 200 and saved.json()["length"] == 850
    assert client.get(url).json()["title"] == "体会"


def test_closing_through_the_api_posts_once_and_then_answers_409(cast, login):
    training_class, carol, zhang = _setup(cast)
    ExamScore.objects.create(enrollment=carol, score=Decimal("80"))
    Reflection.objects.create(enrollment=carol, text=reflection_text(), grade="pass")
    client = login(cast.hannah)
    assert _json(login(cast.tom), "post", f"{API}/classes/{training_class.pk}/close").status_code == 403
    first = _json(client, "post", f"{API}/classes/{training_class.pk}/close")
    assert first.status_code == 200
    assert first.json()["completed"] == 1 and first.json()["hours_posted"] == "24.00"
    second = _json(client, "post", f"{API}/classes/{training_class.pk}/close")
    assert second.status_code == 409 and second.json()["code"] == "already_closed"
    assert CreditRecord.objects.count() == 1
    sheet = client.get(f"{API}/classes/{training_class.pk}/assessment").json()
    assert sheet["final"] is True
    assert {row["name"]: row["certificate_no"] for row in sheet["rows"]} == {
        "卡萝": f"{training_class.end_date.year}-{training_class.pk}-001", "张伟": None}
