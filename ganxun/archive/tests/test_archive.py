"""The training archive: content, scope per role, PDF, API, and the learner's pages."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ganxun.archive.selectors import archive_of
from ganxun.assessment.models import Reflection
from ganxun.assessment.services import class_close
from ganxun.assessment.tests.builders import attend, enroll, ran_class, reflection_text
from ganxun.audit.models import AuditEntry
from ganxun.credits.models import CreditRecord
from ganxun.credits.services import Posting, credit_correct, credit_post_many
from ganxun.testing import with_role


@pytest.fixture
def history(cast, actor):
    """carol completed a closed class (24 h, off-job), failed another (no hours), and has 8 h of
    online study and 5 h recognised from another platform, the latter corrected to 3 h."""
    done, sessions = ran_class(cast, title="县处级干部进修班")
    carol_done, = enroll(done, [cast.carol_cadre])
    attend(carol_done, sessions)
    Reflection.objects.create(enrollment=carol_done, text=reflection_text(), grade="excellent")
    class_close(actor=actor(cast.hannah), training_class=done)
    failed, sessions = ran_class(cast, title="党性教育专题班", start=dt.date.today() - dt.timedelta(days=40))
    carol_failed, = enroll(failed, [cast.carol_cadre])
    attend(carol_failed, sessions[:4])
    class_close(actor=actor(cast.hannah), training_class=failed)
    today = timezone.localdate()
    online, recognised = credit_post_many(actor=actor(cast.alice), postings=[
        Posting(cadre_id=cast.carol_cadre.pk, hours=Decimal("8"), earned_on=today, mode="online",
                source_ref="online:course:1", source_name="习近平新时代中国特色社会主义思想专题网络课程"),
        Posting(cadre_id=cast.carol_cadre.pk, hours=Decimal("5"), earned_on=today, mode="recognised",
                source_ref="recognised:1", source_name="外省平台学时互认")])
    credit_correct(actor=actor(cast.alice), record=recognised, reason="认定标准调整", new_hours=Decimal("3"))
    return done, failed


def test_the_archive_lists_classes_hours_assessment_and_other_entries(cast, actor, history):
    done, failed = history
    archive = archive_of(with_role(cast.alice), cast.carol_cadre)
    classes = {entry.training_class.pk: entry for entry in archive.classes}
    assert classes[done.pk].hours == Decimal("24") and classes[done.pk].result.completed
    assert classes[failed.pk].hours == 0 and not classes[failed.pk].result.completed
    assert [entry.training_class.pk for entry in archive.classes] == [done.pk, failed.pk]  # newest first
    assert sorted(r.hours for r in archive.other_records) == [Decimal("-5"), Decimal("3"), Decimal("5"), Decimal("8")]
    assert archive.totals.total == Decimal("35") and archive.totals.off_job == Decimal("24")
    assert archive.completed_classes == 1


def test_carol_reads_her_own_archive_on_the_phone(cast, login, history):
    done, failed = history
    response = login(cast.carol).get(reverse("archive:learn"))
    body = response.content.decode()
    assert '<div class="h2 mb-0" id="archive-total-hours">35</div>' in body
    assert "县处级干部进修班" in body and "党性教育专题班" in body and "未结业" in body
    assert "learner-tabs" in body and reverse("assessment:learn_certificate", args=[done.pk]) in body
    # She reads no one else's: the staff pages need archive.view.
    assert login(cast.carol).get(reverse("archive:cadre", args=[cast.cadres_a[1].pk])).status_code == 403


@pytest.mark.parametrize(("account", "cadre_index", "status"), [
    ("bob", 0, 200), ("bob", 2, 200),   # his unit and its sub-unit
    ("bob", 3, 404),                    # 王强 of unit A2 is not his
    ("alice", 3, 200), ("leo", 0, 200),
    ("charlie", 0, 404), ("hannah", 0, 403), ("tom", 0, 403),
])
def test_staff_read_archives_of_cadres_in_their_scope_only(cast, login, account, cadre_index, status):
    url = reverse("archive:cadre", args=[cast.cadres_a[cadre_index].pk])
    assert login(getattr(cast, account)).get(url).status_code == status


def test_the_staff_page_shows_the_hours_and_links_to_the_certificate(cast, login, history):
    done, _ = history
    body = login(cast.bob).get(reverse("archive:cadre", args=[cast.carol_cadre.pk])).content.decode()
    assert '<div class="h2 mb-0" id="archive-total-hours">35</div>' in body
    assert cast.carol_cadre.person.id_number_masked in body and cast.carol_cadre.person.id_number not in body
    result = done.assessment_results.get()
    certificate = login(cast.bob).get(reverse("archive:cadre_certificate", args=[cast.carol_cadre.pk, result.pk]))
    assert certificate.status_code == 200 and certificate.content.startswith(b"%PDF")
    assert login(cast.charlie).get(reverse("archive:cadre_certificate",
                                           args=[cast.carol_cadre.pk, result.pk])).status_code == 404


def _font_names(data: bytes) -> set[str]:
    chunks = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return {name.decode() for chunk in chunks for name in re.findall(rb"/BaseFont\s*/([A-Z]{6}\+[\w-]+)", chunk)}


def test_the_archive_pdf_embeds_a_cjk_font_masks_the_id_number_and_is_audited(cast, login, history):
    response = login(cast.alice).get(reverse("archive:cadre_pdf", args=[cast.carol_cadre.pk]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert any("CJK" in name for name in _font_names(response.content))
    assert AuditEntry.objects.get(action="export.archive").target_id == str(cast.carol_cadre.pk)
    archive = archive_of(with_role(cast.alice), cast.carol_cadre)
    html = render_to_string("archive/pdf/archive.html", {
        "archive": archive, "cadre": cast.carol_cadre, "person": cast.carol_cadre.person,
        "generated_at": timezone.localtime()})
    person = cast.carol_cadre.person
    assert person.id_number_masked in html and person.id_number not in html
    assert "size: A4 portrait" in html and "县处级干部进修班" in html
    own = login(cast.carol).get(reverse("archive:learn_pdf"))
    assert own.status_code == 200 and own.content.startswith(b"%PDF")


def test_the_archive_api_is_scoped(cast, login, history):
    done, _ = history
    body = login(cast.bob).get(f"/api/v1/cadres/{cast.carol_cadre.pk}/archive").json()
    assert body["totals"]["total"] == "35.00" and body["id_number_masked"] == cast.carol_cadre.person.id_number_masked
    first = body["classes"][0]
    assert first["class_id"] == done.pk and first["hours"] == "24.00" and first["assessment"]["completed"] is True
    assert first["assessment"]["reflection_grade_label"] == "优秀"
    assert body["count"] == 4
    assert login(cast.charlie).get(f"/api/v1/cadres/{cast.carol_cadre.pk}/archive").status_code == 404
    assert login(cast.bob).get(f"/api/v1/cadres/{cast.cadres_a[3].pk}/archive").status_code == 404
    mine = login(cast.carol).get("/api/v1/me/archive").json()
    assert mine["cadre_id"] == cast.carol_cadre.pk and len(mine["classes"]) == 2
    assert login(cast.hannah).get("/api/v1/me/archive").json()["code"] == "no_cadre"


def test_a_cadre_without_any_training_sees_an_empty_archive(cast, login):
    body = login(cast.carol).get(reverse("archive:learn")).content.decode()
    assert '<div class="h2 mb-0" id="archive-total-hours">0</div>' in body and "还没有参加过已结班的班次" in body


def test_hours_posted_for_a_class_without_an_assessment_still_show_under_the_class(cast, actor):
    training_class, _ = ran_class(cast, status="closed", title="补录的班次")
    credit_post_many(actor=actor(cast.alice), postings=[Posting(
        cadre_id=cast.carol_cadre.pk, hours=Decimal("12"), earned_on=training_class.end_date, mode="offline",
        source_ref="legacy:1", source_class_id=training_class.pk, off_job=True)])
    archive = archive_of(with_role(cast.carol), cast.carol_cadre)
    assert [(e.training_class.title, e.result, e.hours) for e in archive.classes] == [("补录的班次", None, Decimal("12"))]
    assert CreditRecord.objects.count() == 1


# --- the touch points on other pages --------------------------------------------------------------

def test_the_learner_home_shows_this_years_hours_and_the_profile_the_archive(cast, login, history):
    client = login(cast.carol)
    home = client.get(reverse("portal:learn_home")).content.decode()
    # The failed class credits nothing; this year's hours depend on when the classes ended.
    year = timezone.localdate().year
    expected = sum(r.hours for r in CreditRecord.objects.filter(cadre=cast.carol_cadre, earned_on__year=year))
    assert f'<span id="learn-year-hours">{expected.normalize():f}</span>' in home
    profile = client.get(reverse("portal:learn_profile")).content.decode()
    assert 'id="learn-archive-card"' in profile and "县处级干部进修班" in profile
    assert f'href="{reverse("archive:learn")}"' in profile


def test_the_cadre_page_links_to_the_archive_for_archive_readers(cast, login):
    link = reverse("archive:cadre", args=[cast.carol_cadre.pk])
    for account in (cast.alice, cast.bob, cast.leo):
        body = login(account).get(reverse("people:cadre_detail", args=[cast.carol_cadre.pk])).content.decode()
        assert f'id="cadre-archive" href="{link}"' in body, account.username


def test_the_archive_shows_the_class_evaluation_once_three_cadres_rated_it(cast, actor, login):
    from ganxun.evaluation.models import ClassRating

    training_class, sessions = ran_class(cast, title="评估过的班")
    enrollments = enroll(training_class, cast.cadres_a[:3])
    for enrollment in enrollments:
        attend(enrollment, sessions)
        Reflection.objects.create(enrollment=enrollment, text=reflection_text(), grade="pass")
    class_close(actor=actor(cast.hannah), training_class=training_class)
    for enrollment, score in zip(enrollments[:2], (5, 4), strict=True):
        ClassRating.objects.create(training_class=training_class, enrollment=enrollment, content=score,
                                   organisation=4, logistics=3)
    assert archive_of(with_role(cast.carol), cast.carol_cadre).classes[0].evaluation is None  # too few to show
    ClassRating.objects.create(training_class=training_class, enrollment=enrollments[2], content=4, organisation=5,
                               logistics=3)
    evaluation = archive_of(with_role(cast.carol), cast.carol_cadre).classes[0].evaluation
    assert evaluation.responses == 3 and evaluation.means["content"] == Decimal("4.33")
    body = login(cast.carol).get(reverse("archive:learn")).content.decode()
    assert "班次评估（3 人评价，满分 5）：内容 4.33 · 组织 4.33 · 后勤 3.00" in body
    api = login(cast.alice).get(f"/api/v1/cadres/{cast.carol_cadre.pk}/archive").json()
    assert api["classes"][0]["evaluation"] == {"responses": 3, "content": "4.33", "organisation": "4.33",
                                               "logistics": "3.00"}
