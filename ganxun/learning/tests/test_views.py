"""Catalogue and study pages (learner) and the course back office: search, filters, scope."""

from __future__ import annotations

from ganxun.learning.models import Course, CourseTransition
from ganxun.learning.tests.helpers import Player, make_course, mp4_bytes


def test_the_catalogue_finds_courses_by_chinese_words(cast, login):
    make_course(cast, title="乡村振兴战略与基层治理", series="乡村振兴")
    make_course(cast, title="数字经济与高质量发展", series="经济管理", summary="讲解数字经济的发展趋势")
    make_course(cast, title="党章学习", is_required=True)
    client = login(cast.carol)
    page = client.get("/learn/courses/", {"q": "乡村"})
    assert page.status_code == 200
    assert "乡村振兴战略与基层治理" in page.text and "数字经济与高质量发展" not in page.text
    assert "数字经济与高质量发展" in client.get("/learn/courses/", {"q": "发展趋势"}).text
    assert "党章学习" not in client.get("/learn/courses/", {"q": "经济 乡村"}).text
    only_required = client.get("/learn/courses/", {"required": "1"}).text
    assert "党章学习" in only_required and "乡村振兴战略与基层治理" not in only_required
    assert "乡村振兴战略" not in client.get("/learn/courses/", {"series": "经济管理"}).text


def test_the_catalogue_counts_distinct_learners_and_sorts_by_them(cast, login):
    popular = make_course(cast, title="热门课程")
    make_course(cast, title="冷门课程")
    Player(cast.carol, popular).beat()
    Player(cast.carol, popular, start=100).beat()  # the same learner twice counts once
    text = login(cast.carol).get("/learn/courses/", {"sort": "learners"}).text
    assert text.index("热门课程") < text.index("冷门课程")
    assert "1 人学习" in text


def test_the_catalogue_shows_only_published_courses_within_reach(cast, login):
    make_course(cast, title="草稿课程", published=False)
    make_course(cast, title="西山县课程", owner=cast.org_dept_b, actor=cast.charlie)
    make_course(cast, title="市委党校课程", owner=cast.party_school, actor=cast.ivan)
    text = login(cast.carol).get("/learn/courses/").text
    assert "市委党校课程" in text and "草稿课程" not in text and "西山县课程" not in text


def test_the_study_page_carries_the_player(cast, login):
    course = make_course(cast)
    page = login(cast.carol).get(f"/learn/courses/{course.pk}/")
    assert page.status_code == 200
    assert "study.js" in page.text and "<video" in page.text and f"/api/v1/courses/{course.pk}/launch" in page.text


def test_an_outsider_gets_404_for_a_course(cast, login):
    course = make_course(cast)
    assert login(cast.charlie).get(f"/manage/courses/{course.pk}/").status_code == 404
    assert login(cast.charlie).post(f"/manage/courses/{course.pk}/withdraw/").status_code == 404
    other = make_course(cast, owner=cast.org_dept_b, actor=cast.charlie)
    assert login(cast.carol).get(f"/learn/courses/{other.pk}/").status_code == 404


def test_an_admin_creates_uploads_and_publishes_a_course(cast, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(cast.alice)
    response = client.post("/manage/courses/new/", {"title": "基层治理现代化", "kind": "video", "duration_minutes": 45,
                                                    "owner": cast.org_dept_a.pk, "series": "基层治理"})
    course = Course.objects.get(title="基层治理现代化")
    assert response.status_code == 302 and course.status == "draft"
    refused = client.post(f"/manage/courses/{course.pk}/publish/", follow=True)
    assert "请先上传课程资源" in refused.text
    bad = client.post(f"/manage/courses/{course.pk}/media/",
                      {"file": SimpleUploadedFile("x.mp4", b"not a video at all")})
    assert bad.status_code == 400 and "不是可接受的格式" in bad.text
    client.post(f"/manage/courses/{course.pk}/media/", {"file": SimpleUploadedFile("课程.mp4", mp4_bytes(2700))})
    client.post(f"/manage/courses/{course.pk}/publish/")
    client.post(f"/manage/courses/{course.pk}/withdraw/", {"reason": "内容更新"})
    course.refresh_from_db()
    assert course.status == "withdrawn"
    assert list(CourseTransition.objects.filter(course=course).values_list("from_status", "to_status")) == [
        ("", "draft"), ("draft", "published"), ("published", "withdrawn")]


def test_a_learner_cannot_reach_the_back_office(cast, login):
    assert login(cast.carol).get("/manage/courses/").status_code == 403
    assert login(cast.alice).get("/learn/courses/").status_code == 403


def test_my_courses_shows_progress_and_hours(cast, login):
    course = make_course(cast, minutes=40, video_seconds=30)
    Player(cast.carol, course).beat()
    page = login(cast.carol).get("/learn/courses/mine/")
    assert page.status_code == 200 and course.title in page.text and "1" in page.text


def test_the_reviews_complete_filter_lists_exactly_the_courses_awaiting_confirmation(cast, login):
    from ganxun.learning import review
    from ganxun.learning.selectors import courses_awaiting_confirmation
    from ganxun.learning.tests.helpers import T0, review_all, reviewers
    from ganxun.testing import with_role

    complete = make_course(cast, title="评审已完成的课程", published=False)
    partial = make_course(cast, title="评审进行中的课程", published=False)
    make_course(cast, title="已发布的课程")
    for course in (complete, partial):
        review.course_submit(actor=with_role(cast.alice), course=course, now=T0)
    review_all(cast, complete)
    for expert in reviewers(cast)[:2]:
        review.course_review_save(actor=expert, course=partial, content_score=4, teaching_score=4,
                                  production_score=4, comment="可以。", now=T0)
    foreign = make_course(cast, title="西山县的课程", owner=cast.org_dept_b, actor=cast.charlie, published=False)
    review.course_submit(actor=with_role(cast.charlie), course=foreign, now=T0)
    review_all(cast, foreign)

    alice = login(cast.alice)
    in_review = alice.get("/manage/courses/", {"status": "in_review"})
    assert in_review.context["page"].paginator.count == 2
    page = alice.get("/manage/courses/", {"reviews": "complete"})
    assert page.status_code == 200 and 'id="filter-reviews-complete"' in page.text
    assert [c.title for c in page.context["page"]] == ["评审已完成的课程"]
    assert page.context["page"].paginator.count == courses_awaiting_confirmation(with_role(cast.alice)).count()
    assert 'href="?" id="filter-clear"' in page.text and 'id="filter-clear"' not in in_review.text
    # Charlie's filter shows county B's course only; alice never sees it.
    charlie = login(cast.charlie).get("/manage/courses/", {"reviews": "complete"})
    assert [c.title for c in charlie.context["page"]] == ["西山县的课程"]
    # A role that confirms nothing has no such filter, and the parameter changes nothing.
    ivan = login(cast.ivan)
    assert 'id="filter-reviews-complete"' not in ivan.get("/manage/courses/").text
    assert (ivan.get("/manage/courses/", {"reviews": "complete"}).context["page"].paginator.count
            == ivan.get("/manage/courses/").context["page"].paginator.count)
