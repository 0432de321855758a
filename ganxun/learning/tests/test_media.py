"""Course files: refusals on upload (by content, not name), and serving with Range requests."""

from __future__ import annotations

import pytest

from ganxun.core.errors import DomainError
from ganxun.learning import services
from ganxun.learning.media import Unsatisfiable, parse_range, sniff
from ganxun.learning.models import CourseMedia
from ganxun.learning.tests.helpers import make_course, mp4_bytes, pdf_bytes, upload
from ganxun.testing import with_role


@pytest.fixture
def draft(cast):
    return make_course(cast, published=False)


def _refused(cast, course, name, content, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        services.media_upload(actor=with_role(cast.alice), course=course, upload=upload(name, content), **kwargs)
    return caught.value


def test_it_reads_the_duration_of_an_mp4_from_its_header(cast, draft):
    media = services.current_media(draft)
    assert (media.content_type, media.duration_seconds, media.size) == ("video/mp4", 600, len(mp4_bytes(600)))
    assert media.file.path.endswith(f"{media.sha256}.mp4")


def test_it_refuses_a_file_whose_content_is_not_an_accepted_type(cast, draft):
    error = _refused(cast, draft, "课程.mp4", b"MZ\x90\x00" + b"\x00" * 100)  # a Windows program named .mp4
    assert error.code == "unsupported_media" and error.field == "file"
    assert CourseMedia.objects.filter(course=draft).count() == 1


def test_it_refuses_an_extension_that_disagrees_with_the_content(cast, draft):
    assert _refused(cast, draft, "课程.mp4", pdf_bytes()).code == "extension_mismatch"


def test_it_refuses_a_matroska_file_posing_as_webm(cast, draft):
    mkv = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska" + b"\x00" * 64
    assert _refused(cast, draft, "课程.webm", mkv).code == "unsupported_media"


def test_it_refuses_a_document_for_a_video_course(cast, draft):
    assert _refused(cast, draft, "讲义.pdf", pdf_bytes()).code == "kind_mismatch"


def test_it_refuses_a_file_over_the_size_limit(cast, draft, settings):
    settings.GANXUN_MEDIA_MAX_MB = 0
    assert _refused(cast, draft, "课程.mp4", mp4_bytes()).code == "too_large"


def test_a_webm_needs_its_duration_typed_in(cast, draft, media_root):
    webm = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\x00" * 200
    assert _refused(cast, draft, "课程.webm", webm).code == "duration_required"
    assert len(list(media_root.rglob("*.webm"))) == 0  # the refused file was not left behind
    media = services.media_upload(actor=with_role(cast.alice), course=draft, upload=upload("课程.webm", webm),
                                  duration_seconds=1200)
    assert (media.content_type, media.duration_seconds) == ("video/webm", 1200)


def test_it_accepts_html_only_by_its_content(cast):
    course = make_course(cast, kind="document", published=False)
    media = services.media_upload(actor=with_role(cast.alice), course=course,
                                  upload=upload("讲义.html", "<!DOCTYPE html><html><body>讲义</body></html>".encode()))
    assert media.content_type == "text/html"
    assert sniff(b"<script>alert(1)</script>") is None


@pytest.mark.parametrize("header,expected", [
    ("bytes=0-99", (0, 99)), ("bytes=100-", (100, 999)), ("bytes=-100", (900, 999)), ("bytes=990-2000", (990, 999)),
    ("bytes=5-1", None), ("items=0-1", None), ("bytes=0-1,5-6", None), (None, None),
])
def test_it_parses_range_headers(header, expected):
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=-0"])
def test_it_knows_an_unsatisfiable_range(header):
    with pytest.raises(Unsatisfiable):
        parse_range(header, 1000)


def _media_url(course, media):
    return f"/learn/courses/{course.pk}/media/{media.pk}/"


def test_a_learner_gets_the_video_in_ranges(cast, login):
    course = make_course(cast)
    media = services.current_media(course)
    content = mp4_bytes(600)
    client = login(cast.carol)
    whole = client.get(_media_url(course, media))
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == content
    part = client.get(_media_url(course, media), HTTP_RANGE="bytes=4-11")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 4-11/{len(content)}" and part["Content-Length"] == "8"
    assert b"".join(part.streaming_content) == content[4:12]
    tail = client.get(_media_url(course, media), HTTP_RANGE="bytes=-10")
    assert b"".join(tail.streaming_content) == content[-10:]
    bad = client.get(_media_url(course, media), HTTP_RANGE=f"bytes={len(content)}-")
    assert bad.status_code == 416 and bad["Content-Range"] == f"bytes */{len(content)}"
    changed = client.get(_media_url(course, media), HTTP_RANGE="bytes=0-3", HTTP_IF_RANGE='"other"')
    assert changed.status_code == 200


def test_html_documents_are_served_sandboxed(cast, login):
    course = make_course(cast, kind="document", published=False)
    media = services.media_upload(actor=with_role(cast.alice), course=course,
                                  upload=upload("讲义.html", b"<html><script>x()</script></html>"))
    services.course_publish(actor=with_role(cast.alice), course=course)
    response = login(cast.carol).get(_media_url(course, media))
    assert response.status_code == 200 and response["Content-Security-Policy"].startswith("sandbox")


def test_media_of_a_course_out_of_reach_is_404(cast, login):
    course = make_course(cast)
    media = services.current_media(course)
    unpublished = make_course(cast, published=False)
    assert login(cast.carol).get(_media_url(unpublished, services.current_media(unpublished))).status_code == 404
    assert login(cast.charlie).get(f"/manage/courses/{course.pk}/media/{media.pk}/").status_code == 404
    assert login(cast.alice).get(f"/manage/courses/{course.pk}/media/{media.pk}/").status_code == 200
    other = make_course(cast, owner=cast.org_dept_b, actor=cast.charlie)
    assert login(cast.carol).get(_media_url(other, services.current_media(other))).status_code == 404
