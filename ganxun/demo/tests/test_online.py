"""The demo's online learning: the catalogue through the review pipeline, PDF handouts and the one
video, a year of online hours, the learner accounts' progress, the two themed online classes and
credit recognition from other platforms."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ganxun.access.models import Account, RoleAssignment
from ganxun.credits.models import CreditMode, CreditRecord
from ganxun.demo.process import learners, online, recognition, themed
from ganxun.learning import media as media_files
from ganxun.learning.models import (
    Course,
    CourseKind,
    CourseReview,
    CourseStatus,
    CourseTransition,
    MediaType,
    StudyProgress,
)
from ganxun.learning.services import current_media, required_seconds
from ganxun.onlineclasses import selectors as themed_selectors
from ganxun.onlineclasses.models import ThemedClass, ThemedClassStatus
from ganxun.people.models import Cadre
from ganxun.recognition.models import ClaimStatus, RecognitionClaim, RecognitionSource, RecognitionUpload

pytestmark = pytest.mark.django_db

LEARNER_NAMES = ("cadre", *learners.LEARNERS)


def _today(summary) -> dt.date:
    return summary.process_day


def test_the_catalogue_has_required_and_elective_courses_in_every_stage(tiny_demo):
    statuses = Counter(Course.objects.values_list("status", flat=True))
    assert Course.objects.count() == tiny_demo.counts["online_courses"] >= 78
    assert statuses[CourseStatus.PUBLISHED] >= 60 and statuses[CourseStatus.PILOT] == 4
    assert statuses[CourseStatus.IN_REVIEW] == 3 and statuses[CourseStatus.DRAFT] == online.VIDEO_DRAFTS + 1
    assert Course.objects.filter(is_required=True, status=CourseStatus.PUBLISHED).count() == 12
    assert Course.objects.exclude(series="").values("series").distinct().count() == 6


def test_every_document_course_has_a_real_pdf_and_only_the_video_drafts_await_their_video(tiny_demo):
    for course in Course.objects.exclude(status=CourseStatus.DRAFT).filter(kind=CourseKind.DOCUMENT):
        media = course.media.get()
        with media.file.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"
    drafts = Course.objects.filter(kind__in=["video", "micro"], status=CourseStatus.DRAFT)
    assert drafts.count() == online.VIDEO_DRAFTS
    assert all("视频待上传" in c.summary and not c.media.exists() for c in drafts)
    # A 微课 is minutes long, a lecture video longer.
    assert all(c.duration_minutes <= 15 for c in drafts.filter(kind="micro"))


def test_the_committed_video_is_a_small_three_minute_webm_the_platform_accepts():
    data = online.VIDEO_FILE.read_bytes()
    assert len(data) <= 400 * 1024
    assert media_files.check_upload("一网通办实践.webm", data[:media_files.SNIFF_BYTES]) == MediaType.WEBM
    # The EBML header's DocType is "webm"; its Duration (0x4489) is in the Segment Info.
    assert data[:4] == b"\x1a\x45\xdf\xa3" and b"\x44\x89" in data[:512]


def test_the_video_micro_course_is_published_with_its_webm_and_served_in_ranges(tiny_demo, client):
    course = Course.objects.get(title=online.VIDEO_TITLE)
    assert course.kind == CourseKind.MICRO and course.status == CourseStatus.PUBLISHED
    assert course.duration_minutes * 60 == online.VIDEO_SECONDS
    media = current_media(course)
    data = online.VIDEO_FILE.read_bytes()
    assert media.content_type == MediaType.WEBM and media.duration_seconds == online.VIDEO_SECONDS
    assert media.size == len(data)
    assert CourseReview.objects.filter(course=course, round=1).count() == 3
    assert list(CourseTransition.objects.filter(course=course).values_list("to_status", flat=True)) == [
        "draft", "in_review", "published"]

    client.force_login(Account.objects.get(username="cadre"))
    page = client.get(reverse("learning:learn_course", args=[course.pk]))
    url = reverse("learning:learn_media", args=[course.pk, media.pk])
    assert page.status_code == 200 and url in page.content.decode()
    whole = client.get(url)
    assert whole.status_code == 200 and whole["Content-Type"] == "video/webm" and whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == data
    part = client.get(url, HTTP_RANGE="bytes=1000-1999")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    assert b"".join(part.streaming_content) == data[1000:2000]
    tail = client.get(url, HTTP_RANGE="bytes=-4096")  # where a player looks for the Cues
    assert tail.status_code == 206 and b"".join(tail.streaming_content) == data[-4096:]


def test_cadres_have_a_year_of_online_hours_and_the_persona_has_progress(tiny_demo):
    online_records = CreditRecord.objects.filter(mode=CreditMode.ONLINE, source_ref__startswith="course:")
    assert online_records.count() >= tiny_demo.counts["online_credit_records"] > 0
    persona = Account.objects.get(username="cadre")
    progress = StudyProgress.objects.filter(account=persona)
    assert progress.filter(completed_at__isnull=False).count() == 6
    assert progress.filter(completed_at__isnull=True).count() == 3
    # The persona is part-way through the video: position and credit agree, not yet complete.
    video = progress.get(course__title=online.VIDEO_TITLE)
    assert video.position == video.credited_seconds == learners.VIDEO_POSITION
    assert video.credited_seconds < required_seconds(video.course, current_media(video.course))


def test_every_learner_account_has_completed_courses_and_one_in_progress(tiny_demo):
    today = _today(tiny_demo)
    accounts = Account.objects.filter(username__in=learners.LEARNERS)
    assert accounts.count() == len(learners.LEARNERS)
    for account in accounts:
        cadre = Cadre.objects.get(person__account=account)
        assert RoleAssignment.objects.current().get(account=account).role == "cadre"
        assert cadre.unit.path.startswith(Cadre.objects.get(person__account__username="cadre").unit.parent.path)
        rows = StudyProgress.objects.filter(account=account)
        assert rows.filter(completed_at__isnull=True).count() == 1, account.username
        assert rows.filter(completed_at__isnull=False).count() >= 1, account.username
    for username in LEARNER_NAMES:
        account = Account.objects.get(username=username)
        cadre = Cadre.objects.get(person__account=account)
        rows = StudyProgress.objects.filter(account=account).select_related("course")
        for row in rows:
            started = timezone.localdate(row.started_at)
            assert row.cadre_id == cadre.pk and timezone.localdate(row.course.published_at) <= started < today
            assert 0 < row.credited_seconds <= row.course.duration_minutes * 60
        # A learner's online ledger entries are exactly their completed courses, with the same hours.
        done = {f"course:{r.course_id}:cadre:{cadre.pk}": r.credit_hours for r in rows if r.completed_at}
        ledger = dict(CreditRecord.objects.filter(cadre=cadre, mode=CreditMode.ONLINE)
                      .values_list("source_ref", "hours"))
        assert ledger == done, username


def test_the_open_themed_class_has_the_county_as_members_and_real_progress_only_for_accounts(tiny_demo):
    today = _today(tiny_demo)
    themed_class = ThemedClass.objects.get(status=ThemedClassStatus.OPEN)
    assert themed_class.deadline == today + dt.timedelta(days=themed.OPEN_DAYS_AHEAD)
    assert themed_class.audience_root.name == "东城区" and themed_class.owner.name == "中共东城区委组织部"
    links = list(themed_class.class_courses.select_related("course"))
    assert links[0].course.title == online.VIDEO_TITLE and links[0].is_required
    serving = Cadre.objects.filter(is_active=True, unit__path__startswith=themed_class.audience_root.path)
    assert themed_class.members.count() == serving.count() > 20
    progress = themed_selectors.member_progress(themed_class, themed_class.members.all())
    with_account = set(Cadre.objects.filter(person__account__username__in=LEARNER_NAMES).values_list("pk", flat=True))
    for row in progress:
        if row.cadre_id not in with_account:
            assert row.studied_seconds == 0 and row.completed == 0 and not row.is_complete
    mine = [row for row in progress if row.cadre_id in with_account]
    assert sum(row.is_complete for row in mine) == 1
    assert sum(row.started and not row.is_complete for row in mine) >= 3
    assert any(not row.started for row in mine)


def test_the_closed_themed_class_ran_last_quarter_for_the_citys_section_level_cadres(tiny_demo):
    first, last = themed.previous_quarter(_today(tiny_demo))
    themed_class = ThemedClass.objects.get(status=ThemedClassStatus.CLOSED)
    assert first <= themed_class.start_date < themed_class.deadline <= last
    assert timezone.localdate(themed_class.closed_at) == themed_class.deadline + dt.timedelta(days=1)
    assert themed_class.audience_rank == "section"
    ranks = set(themed_class.members.values_list("cadre__rank", flat=True))
    assert ranks == {"section"} and themed_class.members.count() > 50
    progress = {row.cadre_id: row for row in themed_selectors.member_progress(themed_class, themed_class.members.all())}
    persona = Cadre.objects.get(person__account__username="cadre")
    assert progress[persona.pk].is_complete
    # Studied within the class's dates.
    courses = themed_class.class_courses.values("course")
    for row in StudyProgress.objects.filter(account__username="cadre", course__in=courses):
        assert themed_class.start_date <= timezone.localdate(row.completed_at) <= themed_class.deadline


def test_the_themed_class_pages_show_completion_by_unit_and_the_learners_card(tiny_demo, client):
    open_class = ThemedClass.objects.get(status=ThemedClassStatus.OPEN)
    client.force_login(Account.objects.get(username="county_admin"))
    page = client.get(reverse("onlineclasses:manage_completion", args=[open_class.pk]))
    assert page.status_code == 200 and "东城区发展和改革局" in page.content.decode()
    client.force_login(Account.objects.get(username="cadre"))
    home = client.get(reverse("portal:learn_home")).content.decode()
    assert open_class.title in home
    mine = client.get(reverse("onlineclasses:learn_list")).content.decode()
    assert ThemedClass.objects.get(status=ThemedClassStatus.CLOSED).title in mine


def test_recognition_has_two_sources_and_claims_in_every_state(tiny_demo):
    xuexi = RecognitionSource.objects.get(name=recognition.XUEXI)
    rule = xuexi.rules.get()
    assert xuexi.unit == "points" and rule.amount_per_hour == recognition.POINTS_PER_HOUR
    assert rule.yearly_cap_hours == recognition.YEARLY_CAP_HOURS and rule.needs_approval
    academy = RecognitionSource.objects.get(name="江东干部网络学院")
    assert academy.unit == "hours" and not academy.rules.get().needs_approval

    claims = RecognitionClaim.objects.filter(source=xuexi)
    pending = claims.get(status=ClaimStatus.PENDING)
    assert pending.cadre.person.account.username == "cadre"
    assert pending.earned_on == claims.filter(cadre=pending.cadre).order_by("-earned_on").first().earned_on
    rejected = claims.get(reason=recognition.REJECT_REASON)
    assert rejected.status == ClaimStatus.REJECTED and rejected.cadre.person.account.username == "liaison"
    for claim in RecognitionClaim.objects.filter(status=ClaimStatus.RECOGNISED):
        record = claim.credit_record
        assert record.mode == CreditMode.RECOGNISED and record.hours == claim.recognised_hours
        assert record.source_ref == f"recognition:{claim.pk}"
    # The cap: no cadre has more than 20 hours of 学习强国 in a calendar year.
    per_year = Counter()
    for claim in claims.filter(status=ClaimStatus.RECOGNISED):
        per_year[(claim.cadre_id, claim.earned_on.year)] += claim.recognised_hours
    assert per_year and max(per_year.values()) <= Decimal(recognition.YEARLY_CAP_HOURS)
    assert RecognitionClaim.objects.filter(source=academy, status=ClaimStatus.RECOGNISED, decided_by=None).count() >= 5


def test_the_liaisons_upload_reports_the_row_outside_its_unit_masked(tiny_demo, client):
    upload = RecognitionUpload.objects.get(source__name=recognition.XUEXI)
    assert upload.status == RecognitionUpload.Status.COMMITTED and upload.created_by.username == "liaison"
    assert upload.data_rows == upload.valid_rows + 1 == upload.claims_created + 1
    (problem,) = upload.problems
    assert problem["reason"] == "该干部不在您的管理范围内" and "*" in problem["value"]
    client.force_login(Account.objects.get(username="cadre"))
    page = client.get(reverse("recognition:mine")).content.decode()
    assert "待审核" in page and "江东干部网络学院" in page


def test_the_personas_see_the_catalogue_the_home_and_the_review_queue(tiny_demo, client):
    client.force_login(Account.objects.get(username="cadre"))
    home = client.get(reverse("portal:learn_home")).content.decode()
    assert "继续学习" in home and "公共必修课" in home
    assert client.get(reverse("learning:learn_catalogue")).status_code == 200
    client.force_login(Account.objects.get(username="reviewer2"))
    queue = client.get(reverse("learning:manage_review_queue")).content.decode()
    assert queue.count("第 1 轮") == 3  # the three courses still waiting for this expert
