"""Recipes of the API contract test for online learning (see ganxun/api/tests/contract.py)."""

from __future__ import annotations

from ganxun.api.tests.contract import Recipe
from ganxun.learning import review, services
from ganxun.learning.models import Course
from ganxun.learning.tests.helpers import city_admin, make_course, review_all, reviewers
from ganxun.testing import with_role


def recipes(cast) -> dict[tuple[str, str], Recipe]:
    def a_course() -> dict:
        return {"course_id": make_course(cast).pk}

    def a_session() -> dict:
        course = make_course(cast)
        session = services.study_launch(actor=with_role(cast.carol), course=course)
        foreign = services.study_launch(actor=with_role(cast.carol), course=course)
        return {"token": session.token, "foreign": foreign.token + "x"}

    def heartbeat(ids):
        return {"token": ids["token"], "seq": 1, "position": 0, "rate": 1, "visible": True}

    def a_school_draft() -> dict:
        """A draft of the city party school (ivan), with its media: ready to submit."""
        return {"course_id": make_course(cast, owner=cast.party_school, actor=cast.ivan, published=False).pk}

    def in_review() -> dict:
        ids = a_school_draft()
        review.course_submit(actor=with_role(cast.ivan), course=Course.objects.get(pk=ids["course_id"]))
        return ids

    def reviewed() -> dict:
        """In review with the required number of expert reviews: the city's org department may confirm it."""
        ids = in_review()
        review_all(cast, Course.objects.get(pk=ids["course_id"]))
        return ids

    expert = reviewers(cast, 1)[0]
    scores = {"content_score": 4, "teaching_score": 5, "production_score": 4, "comment": "内容扎实，讲授清楚。"}

    return {
        ("get", "/courses"): Recipe(cast.carol, outsider=403),
        ("get", "/courses/{course_id}"): Recipe(cast.carol, ids=a_course, outsider=403),
        ("get", "/me/courses"): Recipe(cast.carol, outsider=403),
        ("post", "/courses/{course_id}/launch"): Recipe(cast.carol, ids=a_course, outsider=403),
        ("post", "/study/heartbeat"): Recipe(cast.carol, heartbeat, ids=a_session, outsider=403,
                                             foreign_body=lambda ids: {**heartbeat(ids), "token": ids["foreign"]}),
        # charlie (org department of county B) has no courses.review, and the school lies outside county B.
        ("get", "/course-reviews"): Recipe(expert, ids=in_review, outsider=403),
        ("put", "/course-reviews/{course_id}"): Recipe(expert, scores, ids=in_review, outsider=403),
        ("get", "/managed-courses/{course_id}/review"): Recipe(cast.ivan, ids=reviewed),
        # The successful call put the course in review: submitting it again is a 409.
        ("post", "/managed-courses/{course_id}/submit"): Recipe(
            cast.ivan, {"note": "请专家审看"}, ids=a_school_draft, conflict=lambda ids: (ids, {})),
        ("post", "/managed-courses/{course_id}/confirm"): Recipe(city_admin(cast), {"decision": "publish"},
                                                                 ids=reviewed),
    }
