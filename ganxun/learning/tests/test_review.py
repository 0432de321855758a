"""The review pipeline: submit → expert reviews → org-department confirmation (publish, pilot,
return) → a pilot promoted by its ratings; pages and API of each role."""

from __future__ import annotations

import json

import pytest

from ganxun.access.models import RoleAssignment
from ganxun.access.roles import ROLE_PERMISSIONS, SEPARATED_ADMIN_ROLES, Role
from ganxun.audit.models import AuditEntry
from ganxun.core.errors import Conflict, DomainError, Forbidden, NotFound
from ganxun.learning import review, selectors, services
from ganxun.learning.jobs import learning_pilots_hourly
from ganxun.learning.models import CourseReview, CourseStatus, CourseTransition
from ganxun.learning.tests.helpers import (
    T0,
    Player,
    city_admin,
    make_course,
    pdf_bytes,
    publish_through_review,
    review_all,
    reviewers,
    upload,
)
from ganxun.testing import make_account, make_cadre, with_role


def school_course(cast, **kwargs):
    """A draft of the city party school (ivan), with its media."""
    return make_course(cast, owner=cast.party_school, actor=cast.ivan, published=False, **kwargs)


def transitions(course) -> list[tuple[str, str]]:
    return list(CourseTransition.objects.filter(course=course).order_by("at", "id")
                .values_list("from_status", "to_status"))


def test_the_reviewer_role_is_scoped_to_a_region_and_shares_nothing_with_the_three_admins():
    assert ROLE_PERMISSIONS[Role.COURSE_REVIEWER] == {"topics.view", "courses.review"}
    for admin in SEPARATED_ADMIN_ROLES:
        assert not ROLE_PERMISSIONS[admin] & {"courses.review", "courses.confirm", "courses.submit"}


def test_it_walks_a_course_from_submission_through_review_to_publication(cast):
    course = school_course(cast)
    review.course_submit(actor=with_role(cast.ivan), course=course, note="请评审", now=T0)
    course.refresh_from_db()
    assert course.status == CourseStatus.IN_REVIEW and course.review_round == 1
    review_all(cast, course, score=5)
    review.course_confirm(actor=city_admin(cast), course=course, decision="publish", now=T0)
    course.refresh_from_db()
    assert course.status == CourseStatus.PUBLISHED and course.published_at == T0
    assert transitions(course) == [("", "draft"), ("draft", "in_review"), ("in_review", "published")]
    last = CourseTransition.objects.filter(course=course).last()
    assert "3 份评审" in last.note and "5.00" in last.note
    assert AuditEntry.objects.filter(action="learning.course_confirm", target_id=str(course.pk)).exists()


def test_it_refuses_to_publish_an_institution_draft_without_review(cast):
    course = school_course(cast)
    with pytest.raises(DomainError, match="专家评审"):
        services.course_publish(actor=city_admin(cast), course=course, now=T0)
    # the institution admin no longer publishes at all
    with pytest.raises(Forbidden):
        services.course_publish(actor=with_role(cast.ivan), course=course, now=T0)


def test_it_refuses_to_confirm_before_enough_reviews_are_in(cast):
    course = school_course(cast)
    review.course_submit(actor=with_role(cast.ivan), course=course, now=T0)
    first, second, _ = reviewers(cast)
    for expert in (first, second):
        review.course_review_save(actor=expert, course=course, content_score=4, teaching_score=4,
                                  production_score=4, comment="可以。", now=T0)
    with pytest.raises(DomainError, match="2 份评审意见，需要 3 份"):
        review.course_confirm(actor=city_admin(cast), course=course, decision="publish", now=T0)
    course.refresh_from_db()
    assert course.status == CourseStatus.IN_REVIEW


def test_a_reviewer_revises_their_review_instead_of_adding_a_second(cast):
    course = school_course(cast)
    review.course_submit(actor=with_role(cast.ivan), course=course, now=T0)
    expert = reviewers(cast, 1)[0]
    for score in (2, 5):
        review.course_review_save(actor=expert, course=course, content_score=score, teaching_score=3,
                                  production_score=4, comment=f"第{score}稿", now=T0)
    only = CourseReview.objects.get(course=course)
    assert only.content_score == 5 and only.comment == "第5稿"
    course.refresh_from_db()
    assert review.review_summary(course).count == 1


def test_it_rejects_scores_outside_one_to_five_and_an_empty_comment(cast):
    course = school_course(cast)
    review.course_submit(actor=with_role(cast.ivan), course=course, now=T0)
    expert = reviewers(cast, 1)[0]
    with pytest.raises(DomainError, match="内容") as bad:
        review.course_review_save(actor=expert, course=course, content_score=6, teaching_score=3,
                                  production_score=3, comment="好", now=T0)
    assert bad.value.field == "content_score"
    with pytest.raises(DomainError, match="评审意见"):
        review.course_review_save(actor=expert, course=course, content_score=3, teaching_score=3,
                                  production_score=3, comment="  ", now=T0)
    assert not CourseReview.objects.exists()


def test_it_refuses_a_review_of_a_course_not_in_review_or_out_of_scope(cast):
    course = school_course(cast)
    expert = reviewers(cast, 1)[0]
    with pytest.raises(DomainError, match="不在评审阶段"):
        review.course_review_save(actor=expert, course=course, content_score=3, teaching_score=3,
                                  production_score=3, comment="好", now=T0)
    county_b_expert = with_role(make_account("revb", Role.COURSE_REVIEWER, cast.county_b))
    review.course_submit(actor=with_role(cast.ivan), course=course, now=T0)
    with pytest.raises(NotFound):
        review.course_review_save(actor=county_b_expert, course=course, content_score=3, teaching_score=3,
                                  production_score=3, comment="好", now=T0)
    assert list(review.courses_for_reviewer(county_b_expert)) == []


def test_it_refuses_a_teacher_reviewing_their_own_course(cast):
    teacher_account = make_account("prof", Role.TEACHER, cast.party_school, full_name="教授")
    course = services.course_create(actor=with_role(teacher_account), owner=cast.party_school, title="我的课",
                                    kind="document", duration_minutes=20, now=T0)
    services.media_upload(actor=with_role(teacher_account), course=course, upload=upload("a.pdf", pdf_bytes()))
    review.course_submit(actor=with_role(teacher_account), course=course, now=T0)
    as_reviewer = RoleAssignment.objects.create(account=teacher_account, role=Role.COURSE_REVIEWER, scope=cast.city)
    teacher_account.active_role = as_reviewer
    with pytest.raises(DomainError, match="自己"):
        review.course_review_save(actor=teacher_account, course=course, content_score=5, teaching_score=5,
                                  production_score=5, comment="很好", now=T0)


def test_a_returned_course_goes_back_to_draft_with_the_reason_and_a_new_round_on_resubmission(cast):
    course = school_course(cast)
    ivan = with_role(cast.ivan)
    review.course_submit(actor=ivan, course=course, now=T0)
    review_all(cast, course, score=2)
    with pytest.raises(DomainError, match="原因"):
        review.course_confirm(actor=city_admin(cast), course=course, decision="return", now=T0)
    review.course_confirm(actor=city_admin(cast), course=course, decision="return", reason="案例陈旧，请更新", now=T0)
    course.refresh_from_db()
    assert course.status == CourseStatus.DRAFT
    assert CourseTransition.objects.filter(course=course).last().note == "退回：案例陈旧，请更新"
    review.course_submit(actor=ivan, course=course, now=T0)
    course.refresh_from_db()
    assert course.review_round == 2 and review.review_summary(course).count == 0  # scored afresh
    assert CourseReview.objects.filter(course=course, round=1).count() == 3


def test_a_course_in_review_cannot_be_edited_or_submitted_twice(cast):
    course = school_course(cast)
    ivan = with_role(cast.ivan)
    review.course_submit(actor=ivan, course=course, now=T0)
    with pytest.raises(Conflict):
        review.course_submit(actor=ivan, course=course, now=T0)
    with pytest.raises(DomainError, match="评审中"):
        services.course_update(actor=ivan, course=course, title="改名", kind=course.kind, duration_minutes=10)


def test_it_refuses_to_submit_a_course_without_media(cast):
    course = services.course_create(actor=with_role(cast.ivan), owner=cast.party_school, title="空课程",
                                    kind="video", duration_minutes=10, now=T0)
    with pytest.raises(DomainError, match="上传课程资源"):
        review.course_submit(actor=with_role(cast.ivan), course=course, now=T0)


def test_a_pilot_is_seen_only_by_its_audience_and_promoted_when_ratings_pass(cast, settings):
    settings.GANXUN_PILOT_MIN_RATINGS = 2
    settings.GANXUN_PILOT_MIN_AVERAGE = 4.0
    course = school_course(cast, title="试点课程")
    publish_through_review(cast, course, decision="pilot", pilot_orgs=[cast.unit_a1])
    course.refresh_from_db()
    assert course.status == CourseStatus.PILOT and course.pilot_since == T0
    carol = with_role(cast.carol)
    other_a2 = make_cadre("吴二", cast.unit_a2, account=make_account("wu2", Role.CADRE, cast.unit_a2))
    assert selectors.courses_for_learner(carol).filter(pk=course.pk).exists()
    assert not selectors.courses_for_learner(with_role(other_a2.person.account)).filter(pk=course.pk).exists()

    second = make_account("peer", Role.CADRE, cast.unit_a1)
    make_cadre("同事", cast.unit_a1, account=second)
    Player(cast.carol, course).beat()
    Player(second, course).beat()
    services.course_rate(actor=carol, course=course, stars=5)
    course.refresh_from_db()
    assert course.status == CourseStatus.PILOT  # one rating is not enough
    services.course_rate(actor=with_role(second), course=course, stars=4)
    course.refresh_from_db()
    assert course.status == CourseStatus.PUBLISHED
    promoted = CourseTransition.objects.filter(course=course).last()
    assert promoted.actor is None and "2 人评分" in promoted.note and "4.50" in promoted.note
    # now everyone in reach of the party school sees it
    assert selectors.courses_for_learner(with_role(other_a2.person.account)).filter(pk=course.pk).exists()


def test_a_pilot_below_the_threshold_stays_a_pilot_and_the_job_promotes_it_when_the_threshold_drops(cast, settings):
    settings.GANXUN_PILOT_MIN_RATINGS = 1
    settings.GANXUN_PILOT_MIN_AVERAGE = 4.0
    course = school_course(cast)
    publish_through_review(cast, course, decision="pilot", pilot_orgs=[cast.county_a])
    course.refresh_from_db()
    Player(cast.carol, course).beat()
    services.course_rate(actor=with_role(cast.carol), course=course, stars=3)
    course.refresh_from_db()
    assert course.status == CourseStatus.PILOT
    assert learning_pilots_hourly.call_local() == 0
    settings.GANXUN_PILOT_MIN_AVERAGE = 3.0
    assert learning_pilots_hourly.call_local() == 1
    course.refresh_from_db()
    assert course.status == CourseStatus.PUBLISHED
    assert learning_pilots_hourly.call_local() == 0  # idempotent


def test_a_pilot_audience_must_lie_in_the_confirming_departments_scope(cast):
    course = make_course(cast, published=False)  # county A's own course
    review.course_submit(actor=with_role(cast.alice), course=course, now=T0)
    review_all(cast, course)
    with pytest.raises(NotFound):
        review.course_confirm(actor=with_role(cast.alice), course=course, decision="pilot",
                              pilot_orgs=[cast.unit_b1], now=T0)
    with pytest.raises(DomainError, match="试点范围"):
        review.course_confirm(actor=with_role(cast.alice), course=course, decision="pilot", now=T0)
    course.refresh_from_db()
    assert course.status == CourseStatus.IN_REVIEW


def test_a_teacher_creates_and_submits_their_own_course_and_sees_no_others(cast):
    tom = with_role(cast.tom)
    own = services.course_create(actor=tom, owner=cast.party_school, title="汤姆的课", kind="document",
                                 duration_minutes=30, now=T0)
    assert own.teacher == cast.tom_teacher and own.provider == cast.party_school
    someone_elses = school_course(cast, title="伊万的课")
    assert set(selectors.courses_in_scope(tom)) == {own}
    with pytest.raises(NotFound):
        services.course_update(actor=tom, course=someone_elses, title="x", kind="video", duration_minutes=10)


# --- pages ------------------------------------------------------------------------------------

def test_the_reviewer_scores_a_course_on_the_review_page(cast, login):
    course = school_course(cast, title="待评课程")
    review.course_submit(actor=with_role(cast.ivan), course=course, now=T0)
    expert = reviewers(cast, 1)[0]
    client = login(expert)
    queue = client.get("/manage/course-reviews/")
    assert queue.status_code == 200 and "待评课程" in queue.text
    page = client.get(f"/manage/course-reviews/{course.pk}/")
    assert page.status_code == 200 and "<video" in page.text
    media = services.current_media(course)
    assert client.get(f"/manage/course-reviews/{course.pk}/media/{media.pk}/").status_code == 200
    bad = client.post(f"/manage/course-reviews/{course.pk}/", {"content_score": "9", "teaching_score": "4",
                                                                "production_score": "4", "comment": "x"})
    assert bad.status_code == 400 and not CourseReview.objects.exists()
    done = client.post(f"/manage/course-reviews/{course.pk}/", {"content_score": "5", "teaching_score": "4",
                                                                 "production_score": "3", "comment": "结构清晰"})
    assert done.status_code == 302
    saved = CourseReview.objects.get()
    assert (saved.content_score, saved.teaching_score, saved.production_score) == (5, 4, 3)
    assert "已评" in client.get("/manage/course-reviews/").text


def test_the_provider_submits_and_the_org_department_confirms_on_the_detail_page(cast, login):
    course = school_course(cast)
    assert login(cast.ivan).post(f"/manage/courses/{course.pk}/submit/", {"note": "新课"}).status_code == 302
    course.refresh_from_db()
    assert course.status == CourseStatus.IN_REVIEW
    review_all(cast, course)
    olga = login(city_admin(cast))
    detail = olga.get(f"/manage/courses/{course.pk}/")
    assert "评审确认" in detail.text and "内容扎实" in detail.text and "评审专家1" in detail.text
    refused = olga.post(f"/manage/courses/{course.pk}/confirm/", {"decision": "pilot"})
    assert refused.status_code == 400 and "试点范围" in refused.text
    ok = olga.post(f"/manage/courses/{course.pk}/confirm/", {"decision": "pilot", "pilot_orgs": [cast.county_a.pk]})
    assert ok.status_code == 302
    course.refresh_from_db()
    assert course.status == CourseStatus.PILOT and list(course.pilot_orgs.all()) == [cast.county_a]
    assert "试讲试评" in olga.get(f"/manage/courses/{course.pk}/").text


def test_outsiders_get_404_on_the_review_pages(cast, login):
    course = school_course(cast)
    review.course_submit(actor=with_role(cast.ivan), course=course, now=T0)
    county_b_expert = make_account("revb", Role.COURSE_REVIEWER, cast.county_b)
    assert login(county_b_expert).get(f"/manage/course-reviews/{course.pk}/").status_code == 404
    assert login(cast.charlie).post(f"/manage/courses/{course.pk}/confirm/", {"decision": "return",
                                                                              "reason": "x"}).status_code == 404
    assert login(cast.carol).get("/manage/course-reviews/").status_code == 403


# --- API --------------------------------------------------------------------------------------

def test_the_api_runs_the_pipeline(cast, login):
    course = school_course(cast)
    ivan = login(cast.ivan)
    submitted = ivan.post(f"/api/v1/managed-courses/{course.pk}/submit", json.dumps({"note": "请审"}),
                          content_type="application/json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "in_review"
    again = ivan.post(f"/api/v1/managed-courses/{course.pk}/submit", "{}", content_type="application/json")
    assert again.status_code == 409
    for n, expert in enumerate(reviewers(cast), start=1):
        client = login(expert)
        assert [c["id"] for c in client.get("/api/v1/course-reviews").json()["items"]] == [course.pk]
        body = {"content_score": 4, "teaching_score": 5, "production_score": n, "comment": f"意见{n}"}
        for _ in range(2):  # a retried PUT stores one review
            answer = client.put(f"/api/v1/course-reviews/{course.pk}", json.dumps(body),
                                content_type="application/json")
            assert answer.status_code == 200 and answer.json()["reviewer_name"] is None
    bad = login(reviewers(cast, 1)[0]).put(f"/api/v1/course-reviews/{course.pk}", json.dumps(
        {"content_score": 0, "teaching_score": 5, "production_score": 5, "comment": "x"}),
        content_type="application/json")
    assert bad.status_code == 400
    olga = login(city_admin(cast))
    foreign = olga.post(f"/api/v1/managed-courses/{course.pk}/confirm", json.dumps(
        {"decision": "pilot", "pilot_org_ids": [999999]}), content_type="application/json")
    assert foreign.status_code == 400 and foreign.json()["field"] == "pilot_org_ids"
    confirmed = olga.post(f"/api/v1/managed-courses/{course.pk}/confirm", json.dumps(
        {"decision": "publish"}), content_type="application/json")
    state = confirmed.json()
    assert confirmed.status_code == 200 and state["status"] == "published"
    assert state["reviews_in_round"] == 3 and len(state["reviews"]) == 3 and state["reviews"][0]["reviewer_name"]
    assert [t["to_status"] for t in state["transitions"]] == ["draft", "in_review", "published"]
    assert login(cast.charlie).get(f"/api/v1/managed-courses/{course.pk}/review").status_code == 404
