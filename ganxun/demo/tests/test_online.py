"""The demo's online catalogue: courses through the review pipeline, PDF handouts, a year of
online credit hours, and the cadre persona's progress."""

from __future__ import annotations

from collections import Counter

import pytest
from django.urls import reverse

from ganxun.access.models import Account
from ganxun.credits.models import CreditMode, CreditRecord
from ganxun.learning.models import Course, CourseReview, CourseStatus, CourseTransition, StudyProgress

pytestmark = pytest.mark.django_db


def test_the_catalogue_has_required_and_elective_courses_in_every_stage(tiny_demo):
    statuses = Counter(Course.objects.values_list("status", flat=True))
    assert Course.objects.count() == tiny_demo.counts["online_courses"] >= 78
    assert statuses[CourseStatus.PUBLISHED] >= 60 and statuses[CourseStatus.PILOT] == 4
    assert statuses[CourseStatus.IN_REVIEW] == 3 and statuses[CourseStatus.DRAFT] == 9
    assert Course.objects.filter(is_required=True, status=CourseStatus.PUBLISHED).count() == 12
    assert Course.objects.exclude(series="").values("series").distinct().count() == 6


def test_every_course_with_content_has_a_real_pdf_and_video_drafts_await_their_video(tiny_demo):
    for course in Course.objects.exclude(status=CourseStatus.DRAFT):
        media = course.media.get()
        with media.file.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"
    drafts = Course.objects.filter(kind__in=["video", "micro"])
    assert drafts.count() == 8 and all(c.status == CourseStatus.DRAFT and not c.media.exists() for c in drafts)


def test_the_pipeline_left_its_reviews_and_transitions(tiny_demo):
    for course in Course.objects.filter(status__in=[CourseStatus.PILOT, CourseStatus.PUBLISHED], is_required=False):
        assert CourseReview.objects.filter(course=course, round=1).count() == 3
        assert list(CourseTransition.objects.filter(course=course).values_list("to_status", flat=True))[:2] == [
            "draft", "in_review"]
    returned = CourseTransition.objects.get(from_status="in_review", to_status="draft")
    assert returned.note.startswith("退回：")
    assert all(c.pilot_orgs.exists() for c in Course.objects.filter(status=CourseStatus.PILOT))


def test_cadres_have_a_year_of_online_hours_and_the_persona_has_progress(tiny_demo):
    online = CreditRecord.objects.filter(mode=CreditMode.ONLINE, source_ref__startswith="course:")
    assert online.count() >= tiny_demo.counts["online_credit_records"] > 0
    persona = Account.objects.get(username="cadre")
    progress = StudyProgress.objects.filter(account=persona)
    assert progress.filter(completed_at__isnull=False).count() == 6
    assert progress.filter(completed_at__isnull=True).count() == 3


def test_the_personas_see_the_catalogue_the_home_and_the_review_queue(tiny_demo, client):
    client.force_login(Account.objects.get(username="cadre"))
    home = client.get(reverse("portal:learn_home")).content.decode()
    assert "继续学习" in home and "公共必修课" in home
    assert client.get(reverse("learning:learn_catalogue")).status_code == 200
    client.force_login(Account.objects.get(username="reviewer2"))
    queue = client.get(reverse("learning:manage_review_queue")).content.decode()
    assert queue.count("第 1 轮") == 3  # the three courses still waiting for this expert
