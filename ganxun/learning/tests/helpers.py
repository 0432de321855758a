"""Builders of the learning tests: courses with media, and a clock for heartbeats."""

from __future__ import annotations

import datetime as dt
import struct

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ganxun.learning import services
from ganxun.testing import with_role

T0 = timezone.make_aware(dt.datetime(2026, 5, 11, 9, 0, 0))


def mp4_bytes(seconds: int = 600, padding: int = 2000) -> bytes:
    """A minimal MP4: ftyp, then moov/mvhd carrying the duration (timescale 1000)."""
    ftyp = struct.pack(">I4s", 20, b"ftyp") + b"isom" + struct.pack(">I", 512) + b"isom"
    mvhd_payload = bytes([0, 0, 0, 0]) + struct.pack(">IIII", 0, 0, 1000, seconds * 1000) + b"\x00" * 80
    mvhd = struct.pack(">I4s", 8 + len(mvhd_payload), b"mvhd") + mvhd_payload
    moov = struct.pack(">I4s", 8 + len(mvhd), b"moov") + mvhd
    mdat = struct.pack(">I4s", 8 + padding, b"mdat") + bytes(range(256)) * (padding // 256) + b"\x00" * (padding % 256)
    return ftyp + moov + mdat


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def make_course(cast, *, title: str = "习近平新时代中国特色社会主义思想概论", kind: str = "video", minutes: int = 10,
                owner=None, published: bool = True, video_seconds: int | None = None, summary: str = "",
                series: str = "", is_required: bool = False, topics=(), actor=None):
    """A course of county A's org department (alice), with its media, published by default."""
    actor = with_role(actor or cast.alice)
    course = services.course_create(actor=actor, owner=owner or cast.org_dept_a, title=title, kind=kind,
                                    duration_minutes=minutes, summary=summary, series=series,
                                    is_required=is_required, topics=topics, now=T0)
    if kind == "document":
        services.media_upload(actor=actor, course=course, upload=upload("讲义.pdf", pdf_bytes()))
    else:
        services.media_upload(actor=actor, course=course,
                              upload=upload("课程.mp4", mp4_bytes(video_seconds or minutes * 60)))
    if published:
        if course.owner.kind == "institution":
            publish_through_review(cast, course)
        else:
            services.course_publish(actor=actor, course=course, now=T0)
    course.refresh_from_db()
    return course


def reviewers(cast, count: int | None = None) -> list:
    """Course reviewers of the city (rev1, rev2, …), created on first use."""
    from django.conf import settings

    from ganxun.access.models import Account
    from ganxun.access.roles import Role
    from ganxun.testing import make_account

    wanted = count or settings.GANXUN_COURSE_REVIEWS_REQUIRED
    found = []
    for n in range(1, wanted + 1):
        account = Account.objects.filter(username=f"rev{n}").first() or make_account(
            f"rev{n}", Role.COURSE_REVIEWER, cast.city, full_name=f"评审专家{n}")
        found.append(with_role(account))
    return found


def city_admin(cast):
    """An org-department admin of the city (olga): she confirms the party school's courses."""
    from ganxun.access.models import Account
    from ganxun.access.roles import Role
    from ganxun.testing import make_account

    account = Account.objects.filter(username="olga").first() or make_account(
        "olga", Role.ORG_DEPT_ADMIN, cast.city, full_name="欧佳")
    return with_role(account)


def review_all(cast, course, *, score: int = 4):
    from ganxun.learning import review

    for reviewer in reviewers(cast):
        review.course_review_save(actor=reviewer, course=course, content_score=score, teaching_score=score,
                                  production_score=score, comment="内容扎实，讲授清楚。", now=T0)


def publish_through_review(cast, course, *, decision: str = "publish", pilot_orgs=()):
    """An institution's course through the pipeline: submitted by its admin (ivan), reviewed by the
    city's experts, confirmed by the city's org department (olga)."""
    from ganxun.learning import review

    review.course_submit(actor=with_role(cast.ivan), course=course, now=T0)
    review_all(cast, course)
    return review.course_confirm(actor=city_admin(cast), course=course, decision=decision,
                                 pilot_orgs=pilot_orgs, now=T0)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


class Player:
    """A learner's study page: launches a session and sends heartbeats on a simulated clock."""

    def __init__(self, account, course, *, start: float = 0):
        self.account = with_role(account)
        self.course = course
        self.clock = start
        self.seq = 0
        self.position = 0.0
        self.session = services.study_launch(actor=self.account, course=course, now=at(start))
        self.position = self.session.start_position

    def beat(self, *, after: float = 30, moved: float | None = None, rate: float = 1.0, visible: bool = True,
             seq: int | None = None, position: float | None = None):
        self.clock += after
        if position is None:
            position = self.position + (after * rate if moved is None else moved)
        self.position = position
        if seq is None:
            self.seq += 1
            seq = self.seq
        return services.study_heartbeat(actor=self.account, token=self.session.token, seq=seq, position=position,
                                        rate=rate, visible=visible, now=at(self.clock))

    def play(self, intervals: int, **kwargs) -> int:
        return sum(self.beat(**kwargs).credited_seconds for _ in range(intervals))
