import datetime as dt
import io

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ganxun.audit.models import AuditEntry
from ganxun.planning import services
from ganxun.planning.models import Answer, Survey, SurveyInvitation, SurveyResponse
from ganxun.planning.tests.builders import full_answers, make_survey, questions, topic
from ganxun.testing import make_account, with_role


def form_data(survey, **kwargs) -> dict:
    """The learner form's POST body for full_answers()."""
    data = {}
    for question_id, value in full_answers(survey, **kwargs).items():
        data[f"q{question_id}"] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


def test_alice_builds_and_opens_a_survey(cast, login):
    client = login(cast.alice)
    closes = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = client.post(reverse("planning:create"), {
        "title": "年度需求调研", "closes_on": closes, "audience_root": cast.county_a.pk})
    survey = Survey.objects.get()
    assert response.status_code == 302 and survey.owner_org == cast.county_a
    response = client.post(reverse("planning:question_add", args=[survey.pk]),
                           {"kind": "single", "text": "培训方式", "required": "on", "options": "脱产\n网络"})
    assert response.status_code == 302
    assert list(survey.questions.get().options.values_list("label", flat=True)) == ["脱产", "网络"]
    response = client.post(reverse("planning:question_add", args=[survey.pk]),
                           {"kind": "topics", "text": "需要的内容"})
    assert response.status_code == 400 and "最多可选数" in response.content.decode()
    detail = client.get(reverse("planning:detail", args=[survey.pk]))
    assert "培训方式" in detail.content.decode()
    client.post(reverse("planning:open", args=[survey.pk]))
    survey.refresh_from_db()
    assert survey.status == "open" and SurveyInvitation.objects.filter(survey=survey).count() == 4
    assert client.get(reverse("planning:list")).status_code == 200


def test_carol_answers_on_the_learner_page_and_reanswering_replaces(cast, login):
    survey = make_survey(cast)
    client = login(cast.carol)
    listing = client.get(reverse("planning:learn_list")).content.decode()
    assert survey.title in listing and "待填写" in listing
    page = client.get(reverse("planning:learn_answer", args=[survey.pk]))
    assert page.status_code == 200 and "推动高质量发展" in page.content.decode()
    assert client.post(reverse("planning:learn_answer", args=[survey.pk]), form_data(survey, rating=2)).status_code == 302
    assert client.post(reverse("planning:learn_answer", args=[survey.pk]), form_data(survey, rating=5)).status_code == 302
    assert SurveyResponse.objects.count() == 1
    assert Answer.objects.get(question=questions(survey)["rating"]).rating == 5
    assert "已提交" in client.get(reverse("planning:learn_list")).content.decode()
    # The form shows her previous answers.
    assert 'value="5" checked' in client.get(reverse("planning:learn_answer", args=[survey.pk])).content.decode()


def test_bad_answers_show_per_question_errors_and_save_nothing(cast, login):
    survey = make_survey(cast)
    data = form_data(survey)
    data[f"q{questions(survey)['rating'].pk}"] = "6"
    data[f"q{questions(survey)['topics'].pk}"] = [str(topic(c).pk) for c in ("01.01", "02.01", "03.01")]
    response = login(cast.carol).post(reverse("planning:learn_answer", args=[survey.pk]), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "评分须为 1 到 5 的整数。" in body and "此题最多选 2 项。" in body
    assert not SurveyResponse.objects.exists()


def test_an_uninvited_cadre_gets_404(cast, login):
    survey = make_survey(cast)
    outsider = make_account("zhao", "cadre", cast.unit_b1)
    person = cast.cadres_b[0].person
    person.account = outsider
    person.save()
    client = login(outsider)
    assert client.get(reverse("planning:learn_answer", args=[survey.pk])).status_code == 404
    assert client.post(reverse("planning:learn_answer", args=[survey.pk]), form_data(survey)).status_code == 404
    assert survey.title not in client.get(reverse("planning:learn_list")).content.decode()


def test_the_outsider_gets_404_on_alices_survey(cast, login):
    survey = make_survey(cast)
    draft = make_survey(cast, opened=False)
    client = login(cast.charlie)
    for name in ("detail", "results", "export"):
        assert client.get(reverse(f"planning:{name}", args=[survey.pk])).status_code == 404
    assert client.get(reverse("planning:edit", args=[draft.pk])).status_code == 404
    assert client.post(reverse("planning:open", args=[draft.pk])).status_code == 404
    assert client.post(reverse("planning:close", args=[survey.pk])).status_code == 404
    question = draft.questions.first()
    assert client.post(reverse("planning:question_remove", args=[question.pk])).status_code == 404
    assert draft.questions.count() == 5
    assert survey.title not in client.get(reverse("planning:list")).content.decode()
    assert not AuditEntry.objects.filter(action="export.survey_results").exists()


def test_bob_sees_unit_a1_rates_but_not_a2(cast, login):
    survey = make_survey(cast)
    services.survey_answer(actor=with_role(cast.carol), survey=survey, answers=full_answers(survey))
    client = login(cast.bob)
    body = client.get(reverse("planning:results", args=[survey.pk])).content.decode()
    assert "东城区发展和改革局" in body and "东城区教育局" not in body
    # A liaison cannot manage surveys.
    assert client.post(reverse("planning:close", args=[survey.pk])).status_code == 403


def test_results_page_and_excel_export_carry_the_topic_ranking(cast, login):
    survey = make_survey(cast)
    services.survey_answer(actor=with_role(cast.carol), survey=survey,
                           answers=full_answers(survey, topics=("01.01", "03.01")))
    zhang = make_account("zhang", "cadre", cast.unit_a1)
    person = cast.cadres_a[1].person
    person.account = zhang
    person.save()
    services.survey_answer(actor=with_role(zhang), survey=survey, answers=full_answers(survey, topics=("03.01",)))
    client = login(cast.alice)
    page = client.get(reverse("planning:results", args=[survey.pk]))
    # The chart lists bottom-up (ECharts draws the first category at the bottom).
    assert page.context["chart"] == {"topics": ["习近平新时代中国特色社会主义思想", "推动高质量发展"], "counts": [1, 2]}
    assert 'id="topic-chart-data"' in page.content.decode()
    # Every question with counts draws a bar per answer: share of those who answered it.
    assert page.content.decode().count('class="progress-bar" style="width: 100%"') >= 1
    assert 'style="width: 50%"' in page.content.decode()  # 03.01 by both, 01.01 by one of two
    response = client.get(reverse("planning:export", args=[survey.pk]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ranking = [row for row in workbook["培训内容需求排行"].iter_rows(min_row=2, values_only=True)]
    assert ranking == [(1, "推动高质量发展", 2, 1.0), (2, "习近平新时代中国特色社会主义思想", 1, 0.5)]
    rates = {row[0]: row[1:3] for row in workbook["回收率"].iter_rows(min_row=2, values_only=True)}
    assert rates["合计"] == (4, 2) and rates["东城区发展和改革局"] == (2, 2)
    entry = AuditEntry.objects.get(action="export.survey_results")
    assert entry.actor_username == "alice" and entry.target_id == str(survey.pk)


def test_a_closed_survey_refuses_answers(cast, login):
    survey = make_survey(cast)
    login(cast.alice).post(reverse("planning:close", args=[survey.pk]))
    client = login(cast.carol)
    page = client.get(reverse("planning:learn_answer", args=[survey.pk])).content.decode()
    assert "调研已结束" in page
    client.post(reverse("planning:learn_answer", args=[survey.pk]), form_data(survey))
    assert not SurveyResponse.objects.exists()


def test_alice_edits_a_draft_and_its_questions(cast, login):
    survey = make_survey(cast, opened=False)
    client = login(cast.alice)
    assert client.get(reverse("planning:edit", args=[survey.pk])).status_code == 200
    closes = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client.post(reverse("planning:edit", args=[survey.pk]), {
        "title": "改名后的调研", "closes_on": closes, "audience_root": cast.unit_a1.pk, "audience_rank": "county"})
    assert response.status_code == 302
    survey.refresh_from_db()
    assert (survey.title, survey.audience_root, survey.audience_rank) == ("改名后的调研", cast.unit_a1, "county")
    question = questions(survey)["single"]
    assert client.get(reverse("planning:question_edit", args=[question.pk])).status_code == 200
    client.post(reverse("planning:question_edit", args=[question.pk]),
                {"text": "培训形式", "required": "on", "options": "脱产\n网络\n混合"})
    question.refresh_from_db()
    assert question.text == "培训形式" and question.options.count() == 3
    # An audience root outside her scope is refused by the form.
    response = client.post(reverse("planning:edit", args=[survey.pk]), {
        "title": "x", "closes_on": closes, "audience_root": cast.county_b.pk})
    assert response.status_code == 200 and Survey.objects.get(pk=survey.pk).audience_root == cast.unit_a1


def test_the_named_list_is_picked_by_search_and_kept_as_chips(cast, login):
    client = login(cast.alice)
    found = client.post(reverse("planning:cadre_search"), {"q": "张"}).content.decode()
    assert "张伟" in found and 'data-add-cadre="' in found and "赵敏" not in found
    assert client.post(reverse("planning:cadre_search"), {"q": "赵"}).content.decode().count("data-add-cadre") == 0
    assert client.get(reverse("planning:cadre_search"), {"q": "张"}).status_code == 405  # never in a URL
    by_id = client.post(reverse("planning:cadre_search"), {"q": cast.cadres_a[1].person.id_number}).content.decode()
    assert "张伟" in by_id
    zhang, wang = cast.cadres_a[1], cast.cadres_a[3]
    closes = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = client.post(reverse("planning:create"), {
        "title": "点名调研", "closes_on": closes, "audience_root": cast.county_a.pk,
        "named_cadres": [zhang.pk, wang.pk]})
    survey = Survey.objects.get()
    assert response.status_code == 302 and set(survey.named_cadres.all()) == {zhang, wang}
    form = client.get(reverse("planning:edit", args=[survey.pk])).content.decode()
    assert f'name="named_cadres" value="{zhang.pk}"' in form and "王强" in form
    assert "<option" not in form.split('id="named-picker"')[1].split("</form>")[0]  # no select of every cadre
    # An id out of scope is refused like a missing one.
    response = client.post(reverse("planning:edit", args=[survey.pk]), {
        "title": "点名调研", "closes_on": closes, "audience_root": cast.county_a.pk,
        "named_cadres": [cast.cadres_b[0].pk]})
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
    assert set(survey.named_cadres.all()) == {zhang, wang}


def test_the_named_search_needs_the_manage_right_and_stays_in_scope(cast, login):
    assert login(cast.bob).post(reverse("planning:cadre_search"), {"q": "张"}).status_code == 403
    assert "张伟" not in login(cast.charlie).post(reverse("planning:cadre_search"), {"q": "张"}).content.decode()
