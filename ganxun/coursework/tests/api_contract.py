"""Recipes of the API contract test for course tests, reflections and the discussion (see
ganxun/api/tests/contract.py)."""

from __future__ import annotations

from ganxun.api.tests.contract import Recipe
from ganxun.coursework import services
from ganxun.coursework.models import CourseReflection, DiscussionPost, TestAttempt
from ganxun.coursework.tests.helpers import answer_all, complete, make_course, make_provided_course, make_test
from ganxun.learning.models import Course
from ganxun.testing import with_role


def recipes(cast) -> dict[tuple[str, str], Recipe]:
    def a_test() -> dict:
        """A course with an open test that carol has completed."""
        course = make_course(cast, minutes=1)
        make_test(cast, course)
        complete(cast.carol, course)
        return {"course_id": course.pk}

    def an_attempt() -> dict:
        ids = a_test()
        attempt, _ = services.attempt_start(actor=with_role(cast.carol), course=Course.objects.get(
            pk=ids["course_id"]))
        return {**ids, "attempt_id": attempt.pk, "answers": answer_all(attempt)}

    def passed(ids) -> tuple[dict, None]:
        # The successful call started an attempt: pass it, then starting again is a 409.
        attempt = TestAttempt.objects.get(course_id=ids["course_id"], submitted_at__isnull=True)
        services.attempt_submit(actor=with_role(cast.carol), attempt=attempt, answers=answer_all(attempt))
        return ids, None

    def a_reflection_course() -> dict:
        course = make_provided_course(cast)
        services.reflection_rule_set(actor=with_role(cast.alice), course=course, is_open=True, min_length=5)
        complete(cast.carol, course)
        return {"course_id": course.pk}

    def graded(ids) -> tuple[dict, dict]:
        reflection = CourseReflection.objects.get(course_id=ids["course_id"])
        services.reflection_grade(actor=with_role(cast.hannah), reflection=reflection, grade="good")
        return ids, {"text": "学习后我有了新的体会。"}

    def a_thread() -> dict:
        """A course of county A with one post by carol."""
        course = make_course(cast, minutes=1)
        post = services.post_create(actor=with_role(cast.carol), course=course, text="第一讲讲得很透彻。")
        return {"course_id": course.pk, "post_id": post.pk}

    def a_hidden_post() -> dict:
        ids = a_thread()
        services.post_hide(actor=with_role(cast.alice), post=DiscussionPost.objects.get(pk=ids["post_id"]),
                           reason="与课程无关")
        return ids

    def another_course_post(ids) -> dict:
        # A post of another course is no parent here: 404 like a missing one.
        other = a_thread()
        return {"text": "同意楼上。", "parent_id": other["post_id"]}

    return {
        ("get", "/courses/{course_id}/discussion"): Recipe(cast.carol, ids=a_thread, outsider=403),
        ("post", "/courses/{course_id}/discussion"): Recipe(
            cast.carol, {"text": "请问第二讲什么时候上线？"}, another_course_post, ids=a_thread, outsider=403),
        ("get", "/managed-courses/{course_id}/discussion"): Recipe(cast.alice, ids=a_thread),
        ("post", "/course-posts/{post_id}/hide"): Recipe(cast.alice, {"reason": "与课程无关"}, ids=a_thread),
        ("post", "/course-posts/{post_id}/unhide"): Recipe(cast.alice, ids=a_hidden_post),
        ("get", "/courses/{course_id}/test"): Recipe(cast.carol, ids=a_test, outsider=403),
        ("post", "/courses/{course_id}/test/attempts"): Recipe(cast.carol, ids=a_test, outsider=403, conflict=passed),
        ("get", "/test-attempts/{attempt_id}"): Recipe(cast.carol, ids=an_attempt, outsider=403),
        ("post", "/test-attempts/{attempt_id}/submit"): Recipe(
            cast.carol, lambda ids: {"answers": ids["answers"]}, ids=an_attempt, outsider=403),
        ("get", "/me/test-attempts"): Recipe(cast.carol, outsider=403),
        ("get", "/courses/{course_id}/reflection"): Recipe(cast.carol, ids=a_reflection_course, outsider=403),
        ("put", "/courses/{course_id}/reflection"): Recipe(
            cast.carol, {"text": "学习后我深受启发。"}, ids=a_reflection_course, outsider=403, conflict=graded),
    }
