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
        services.course_publish(actor=actor, course=course, now=T0)
    course.refresh_from_db()
    return course


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
