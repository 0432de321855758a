"""Pages of assessment and closing, certificates and the learner's reflection."""

from __future__ import annotations

import io
import re
import zlib
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from ganxun.access.roles import Role
from ganxun.assessment.models import AssessmentResult, DisciplineNote, ExamScore, Reflection
from ganxun.assessment.panels import render_learner_panel
from ganxun.assessment.tests.builders import attend, enroll, ran_class, reflection_text
from ganxun.classes.models import ClassStatus
from ganxun.credits.models import CreditRecord
from ganxun.testing import make_account, make_teacher, with_role


def pdf_font_names(data: bytes) -> set[str]:
    """Names of the fonts embedded in a PDF (subset names like `ABCDEF+Noto-Serif-CJK-SC`),
    looked up in the raw bytes and in every Flate-compressed stream (object streams hold them)."""
    chunks = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return {name.decode() for chunk in chunks for name in re.findall(rb"/BaseFont\s*/([A-Z]{6}\+[\w-]+)", chunk)}


@pytest.fixture
def running(cast):
    """A class that ran: carol and 张伟 attended everything; carol's reflection is graded, 张伟's not."""
    training_class, sessions = ran_class(cast)
    carol, zhang = enroll(training_class, cast.cadres_a[:2])
    attend(carol, sessions)
    attend(zhang, sessions)
    Reflection.objects.create(enrollment=carol, text=reflection_text(), grade="pass")
    zhang_reflection = Reflection.objects.create(enrollment=zhang, text=reflection_text(), title="张伟的体会")
    return training_class, carol, zhang, zhang_reflection


def _pages(training_class, enrollment, reflection):
    return [reverse(name, args=[training_class.pk]) for name in (
        "assessment:table", "assessment:export", "assessment:rule", "assessment:exam", "assessment:exam_template",
        "assessment:reflections", "assessment:discipline", "assessment:close")] + [
        reverse("assessment:reflection", args=[training_class.pk, reflection.pk]),
        reverse("assessment:certificate", args=[training_class.pk, enrollment.pk]),
        reverse("assessment:certificates", args=[training_class.pk])]


def test_the_outsider_and_a_head_teacher_of_another_class_get_404_everywhere(cast, login, running):
    training_class, carol, _, reflection = running
    henry = make_account("henry", Role.HEAD_TEACHER, cast.party_school)
    for account in (cast.charlie, henry):
        client = login(account)
        for url in _pages(training_class, carol, reflection):
            assert client.get(url).status_code == 404, (account.username, url)
        assert client.post(reverse("assessment:close", args=[training_class.pk])).status_code == 404
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.RUNNING


def test_the_assessment_table_shows_each_cadre_with_the_decision_and_reasons(cast, login, running):
    training_class, carol, zhang, _ = running
    body = login(cast.hannah).get(reverse("assessment:table", args=[training_class.pk])).content.decode()
    assert '<div class="h2 mb-0" id="completed-count">1</div>' in body
    assert "学习心得尚未评定" in body and "结班前" in body
    assert f'href="{reverse("assessment:close", args=[training_class.pk])}"' in body and 'id="close-class"' in body
    # The org department that runs the class reads it, without the close button.
    alice_body = login(cast.alice).get(reverse("assessment:table", args=[training_class.pk])).content.decode()
    assert "卡萝" in alice_body and 'id="close-class"' not in alice_body


def test_a_missing_reflection_reads_not_required_when_the_rule_does_not_ask_for_one(cast, login):
    from ganxun.assessment.models import CompletionRule

    training_class, sessions = ran_class(cast)
    (carol,) = enroll(training_class, cast.cadres_a[:1])
    attend(carol, sessions)
    url = reverse("assessment:table", args=[training_class.pk])
    assert "未提交" in login(cast.hannah).get(url).content.decode()
    CompletionRule.objects.update_or_create(training_class=training_class, defaults={"reflection_required": False})
    body = login(cast.hannah).get(url).content.decode()
    assert "不要求" in body and "未提交" not in body


def test_the_teacher_is_sent_to_the_reflections_and_cannot_close(cast, login, running):
    training_class, _, _, reflection = running
    client = login(cast.tom)  # tom teaches a session of this class
    response = client.get(reverse("assessment:table", args=[training_class.pk]))
    assert response.status_code == 302 and response.url == reverse("assessment:reflections", args=[training_class.pk])
    assert client.get(reverse("assessment:reflections", args=[training_class.pk])).status_code == 200
    assert client.get(reverse("assessment:close", args=[training_class.pk])).status_code == 403
    assert client.post(reverse("assessment:close", args=[training_class.pk])).status_code == 403
    assert client.post(reverse("assessment:exam", args=[training_class.pk]), {}).status_code == 403
    response = client.post(reverse("assessment:reflection", args=[training_class.pk, reflection.pk]),
                           {"grade": "good", "comment": ""})
    assert response.status_code == 302
    reflection.refresh_from_db()
    assert reflection.grade == "good" and reflection.graded_by == cast.tom


def test_a_teacher_of_another_class_gets_404_on_the_reflections(cast, login, running):
    training_class, _, _, reflection = running
    wendy = make_account("wendy", Role.TEACHER, cast.party_school)
    make_teacher("温迪", cast.party_school, account=wendy)
    client = login(wendy)
    assert client.get(reverse("assessment:reflections", args=[training_class.pk])).status_code == 404
    assert client.post(reverse("assessment:reflection", args=[training_class.pk, reflection.pk]),
                       {"grade": "pass"}).status_code == 404
    reflection.refresh_from_db()
    assert reflection.grade == ""


def test_the_exam_grid_keeps_what_was_typed_and_marks_the_bad_cells(cast, login, running):
    training_class, carol, zhang, _ = running
    client = login(cast.hannah)
    response = client.post(reverse("assessment:exam", args=[training_class.pk]),
                           {f"score_{carol.pk}": "95", f"score_{zhang.pk}": "abc"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "张伟的成绩应为数字" in body and 'value="95"' in body and 'value="abc"' in body
    assert not ExamScore.objects.exists()
    response = client.post(reverse("assessment:exam", args=[training_class.pk]),
                           {f"score_{carol.pk}": "95", f"score_{zhang.pk}": "61.5"})
    assert response.status_code == 302
    assert dict(ExamScore.objects.values_list("enrollment_id", "score")) == {carol.pk: Decimal("95"),
                                                                            zhang.pk: Decimal("61.5")}


def test_a_score_sheet_upload_reports_the_bad_rows(cast, login, running):
    training_class, carol, _, _ = running
    client = login(cast.hannah)
    template = client.get(reverse("assessment:exam_template", args=[training_class.pk]))
    sheet = load_workbook(io.BytesIO(template.content)).active
    assert [c.value for c in sheet[1]] == ["学号", "姓名", "选派单位", "成绩"]
    assert sheet["B2"].value == "卡萝"
    sheet["D2"], sheet["D3"] = 88, 250
    content = io.BytesIO()
    sheet.parent.save(content)
    content.seek(0)
    content.name = "成绩.xlsx"
    response = client.post(reverse("assessment:exam_upload", args=[training_class.pk]), {"file": content})
    assert response.status_code == 400
    assert "第 3 行：成绩应在 0 到 100 分之间" in response.content.decode()
    assert not ExamScore.objects.exists()
    sheet["D3"] = 70
    content = io.BytesIO()
    sheet.parent.save(content)
    content.seek(0)
    content.name = "成绩.xlsx"
    response = client.post(reverse("assessment:exam_upload", args=[training_class.pk]), {"file": content})
    assert response.status_code == 302
    assert ExamScore.objects.get(enrollment=carol).score == Decimal("88")


def test_the_export_is_masked(cast, login, running):
    training_class, _, _, _ = running
    # alice reads the class as the org department that runs it (the institution is the city's).
    response = login(cast.alice).get(reverse("assessment:export", args=[training_class.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[2]]
    rows = {row[1]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    number = rows["卡萝"][header.index("身份证号")]
    assert "*" in number and number != cast.carol_cadre.person.id_number
    assert rows["卡萝"][header.index("结论")] == "结业"
    assert rows["张伟"][header.index("未结业原因")] == "学习心得尚未评定"


def test_discipline_is_recorded_and_withdrawn_on_the_page(cast, login, running):
    training_class, carol, _, _ = running
    client = login(cast.hannah)
    response = client.post(reverse("assessment:discipline", args=[training_class.pk]), {
        "enrollment": carol.pk, "date": training_class.start_date.isoformat(), "severity": "serious",
        "text": "擅自离开培训地点"})
    assert response.status_code == 302
    note = DisciplineNote.objects.get()
    client.post(reverse("assessment:discipline_withdraw", args=[training_class.pk, note.pk]), {"reason": "误记"})
    note.refresh_from_db()
    assert note.withdraw_reason == "误记"
    assert login(cast.alice).post(reverse("assessment:discipline", args=[training_class.pk]), {
        "enrollment": carol.pk, "date": training_class.start_date.isoformat(), "severity": "minor",
        "text": "x"}).status_code == 403


def test_the_head_teacher_closes_on_the_page_once(cast, login, running):
    training_class, carol, zhang, reflection = running
    client = login(cast.hannah)
    detail = client.get(reverse("classes:detail", args=[training_class.pk])).content.decode()
    assert 'id="close-class"' in detail
    confirm = client.get(reverse("assessment:close", args=[training_class.pk])).content.decode()
    assert "还有 1 篇学习心得未评定" in confirm and 'id="confirm-close"' not in confirm
    client.post(reverse("assessment:reflection", args=[training_class.pk, reflection.pk]), {"grade": "pass"})
    confirm = client.get(reverse("assessment:close", args=[training_class.pk])).content.decode()
    assert 'id="confirm-close"' in confirm and '<dd id="preview-hours">48 学时</dd>' in confirm
    response = client.post(reverse("assessment:close", args=[training_class.pk]), follow=True)
    assert "已结班：2 人参加考核，2 人结业，登记学时 2 条共 48 学时。" in response.content.decode()
    again = client.post(reverse("assessment:close", args=[training_class.pk]), follow=True)
    assert "本次没有重复写入" in again.content.decode()
    assert CreditRecord.objects.count() == 2
    detail = client.get(reverse("classes:detail", args=[training_class.pk])).content.decode()
    assert 'id="close-class"' not in detail


def test_certificates_render_as_pdf_with_an_embedded_cjk_font(cast, login, running, actor):
    from ganxun.assessment.services import class_close

    training_class, carol, zhang, reflection = running
    Reflection.objects.filter(pk=reflection.pk).update(grade="good")
    class_close(actor=actor(cast.hannah), training_class=training_class)
    client = login(cast.hannah)
    response = client.get(reverse("assessment:certificates", args=[training_class.pk]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert any("CJK" in name for name in pdf_font_names(response.content))
    one = client.get(reverse("assessment:certificate", args=[training_class.pk, carol.pk]))
    assert one.status_code == 200 and len(one.content) < len(response.content)
    # Only completed cadres have one.
    AssessmentResult.objects.filter(enrollment=zhang).update(completed=False, certificate_no=None)
    assert client.get(reverse("assessment:certificate", args=[training_class.pk, zhang.pk])).status_code == 404


def test_the_certificate_text_names_the_cadre_class_hours_and_number(cast, running, actor):
    from django.template.loader import render_to_string

    from ganxun.assessment.selectors import completed_results
    from ganxun.assessment.services import class_close

    training_class, _, _, reflection = running
    Reflection.objects.filter(pk=reflection.pk).update(grade="good")
    class_close(actor=actor(cast.hannah), training_class=training_class)
    results = completed_results(training_class)
    html = render_to_string("assessment/pdf/certificates.html", {
        "training_class": training_class, "results": results, "issued_on": training_class.end_date})
    assert "size: A4 landscape" in html and html.count('class="cert"') == 2
    assert "卡萝 同志" in html and f"证书编号：{results[0].certificate_no}" in html and "共计 24 学时" in html
    from weasyprint import HTML

    assert len(HTML(string=html).render().pages) == 2  # one landscape page per certificate


# --- the learner ----------------------------------------------------------------------------------

def test_the_cadre_writes_the_reflection_on_the_phone(cast, login):
    training_class, sessions = ran_class(cast)
    enrollment, = enroll(training_class, [cast.carol_cadre])
    client = login(cast.carol)
    url = reverse("assessment:learn_reflection", args=[training_class.pk])
    short = client.post(url, {"title": "体会", "text": "太短了"})
    assert short.status_code == 400 and "学习心得至少 800 字" in short.content.decode()
    assert client.post(url, {"title": "体会", "text": reflection_text()}).status_code == 302
    assert Reflection.objects.get(enrollment=enrollment).title == "体会"
    assert login(cast.alice).get(url).status_code == 403  # staff have no self.view here
    other = make_account("cadre2", Role.CADRE, cast.unit_a1)
    assert login(other).get(url).status_code == 404


def test_the_learner_panel_shows_the_reflection_the_score_and_after_closing_the_certificate(cast, actor, running):
    from ganxun.assessment.services import class_close

    training_class, carol, _, reflection = running
    request = RequestFactory().get("/")
    request.user = with_role(cast.carol)
    ExamScore.objects.create(enrollment=carol, score=Decimal("88"))
    html = render_learner_panel(request, carol)
    assert 'id="assessment-panel"' in html and "<strong>88</strong> 分" in html
    assert '<strong id="learn-reflection-grade">合格</strong>' in html and 'id="learn-certificate"' not in html
    Reflection.objects.filter(pk=reflection.pk).update(grade="good")
    class_close(actor=actor(cast.hannah), training_class=training_class)
    carol.refresh_from_db()
    html = render_learner_panel(request, carol)
    assert 'id="learn-certificate"' in html and '<strong id="learn-credited-hours">24</strong>' in html


def test_the_cadre_downloads_only_their_own_certificate(cast, login, actor, running):
    from ganxun.assessment.services import class_close

    training_class, _, _, reflection = running
    Reflection.objects.filter(pk=reflection.pk).update(grade="good")
    class_close(actor=actor(cast.hannah), training_class=training_class)
    response = login(cast.carol).get(reverse("assessment:learn_certificate", args=[training_class.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    other = make_account("cadre2", Role.CADRE, cast.unit_a1)
    assert login(other).get(reverse("assessment:learn_certificate", args=[training_class.pk])).status_code == 404


def test_the_reflection_page_uses_the_learner_layout(cast, login):
    training_class, _ = ran_class(cast)
    enroll(training_class, [cast.carol_cadre])
    body = login(cast.carol).get(reverse("assessment:learn_reflection", args=[training_class.pk])).content.decode()
    assert "learner-tabs" in body and "navbar-menu" not in body and 'id="submit-reflection"' in body


def test_the_rule_page_saves_for_the_head_teacher_and_is_read_only_for_the_org_department(cast, login, running):
    from ganxun.assessment.models import CompletionRule

    training_class, _, _, _ = running
    url = reverse("assessment:rule", args=[training_class.pk])
    data = {"min_attendance_rate": "80", "exam_policy": "none", "exam_full_mark": "100", "exam_pass_mark": "60",
            "reflection_required": "on", "reflection_min_length": "600", "reflection_min_grade": "good"}
    assert login(cast.hannah).post(url, data).status_code == 302
    rule = CompletionRule.objects.get(training_class=training_class)
    assert (rule.min_attendance_rate, rule.exam_policy, rule.reflection_min_grade) == (Decimal("80"), "none", "good")
    bad = login(cast.hannah).post(url, {**data, "exam_pass_mark": "120"})
    assert bad.status_code == 400 and "考试合格分应在 0 到满分之间" in bad.content.decode()
    alice = login(cast.alice)
    assert "<fieldset disabled>" in alice.get(url).content.decode()
    assert alice.post(url, {**data, "min_attendance_rate": "10"}).status_code == 403
    rule.refresh_from_db()
    assert rule.min_attendance_rate == Decimal("80")
