"""Reflections (学习心得): minimum length, who grades them (the providing institution; a teacher
only their own courses), return for revision, final once graded. And the discussion thread."""

from __future__ import annotations

import pytest

from ganxun.core.errors import Conflict, DomainError, Forbidden, NotFound
from ganxun.coursework import selectors, services
from ganxun.coursework.models import ReflectionStatus
from ganxun.coursework.tests.helpers import at, complete, make_course, make_provided_course
from ganxun.testing import with_role

TEXT = "通过学习，我深刻认识到理论联系实际的重要性。"


@pytest.fixture
def course(cast):
    """A course of the city party school taught by tom, with reflections of at least 10 字."""
    course = make_provided_course(cast)
    course.teacher = cast.tom_teacher
    course.save(update_fields=["teacher"])
    services.reflection_rule_set(actor=with_role(cast.alice), course=course, is_open=True, min_length=10)
    return course


@pytest.fixture
def carol(cast):
    return with_role(cast.carol)


def test_it_refuses_a_reflection_shorter_than_the_minimum_not_counting_whitespace(cast, course, carol):
    complete(cast.carol, course)
    with pytest.raises(DomainError) as refused:
        services.reflection_submit(actor=carol, course=course, text="学 习 体 会 很 好 \n\n 啊", now=at(5))
    assert refused.value.field == "text" and "当前 7 字" in refused.value.message
    with pytest.raises(DomainError):
        services.reflection_submit(actor=carol, course=course, text="   ", now=at(5))
    assert selectors.reflection_of(carol, course) is None


def test_it_refuses_a_reflection_on_a_course_not_studied_or_closed(cast, course, carol):
    with pytest.raises(DomainError) as refused:
        services.reflection_submit(actor=carol, course=course, text=TEXT, now=at(5))
    assert refused.value.code == "not_studied"
    complete(cast.carol, course)
    services.reflection_rule_set(actor=with_role(cast.alice), course=course, is_open=False, min_length=10)
    with pytest.raises(DomainError) as refused:
        services.reflection_submit(actor=carol, course=course, text=TEXT, now=at(5))
    assert refused.value.code == "closed"


def test_it_refuses_to_open_reflections_on_a_course_nobody_grades(cast):
    course = make_course(cast, minutes=1)  # county A's org department, no provider, no teacher
    with pytest.raises(DomainError) as refused:
        services.reflection_rule_set(actor=with_role(cast.alice), course=course, is_open=True, min_length=10)
    assert refused.value.code == "no_grader"


def test_the_head_teacher_and_admin_of_the_institution_grade_and_a_teacher_only_their_own(cast, course, carol):
    complete(cast.carol, course)
    reflection = services.reflection_submit(actor=carol, course=course, text=TEXT, now=at(5))
    for grader in (cast.hannah, cast.ivan, cast.tom):
        assert list(selectors.reflections_for_grader(with_role(grader))) == [reflection]
    other = make_provided_course(cast, title="另一门课")
    services.reflection_rule_set(actor=with_role(cast.alice), course=other, is_open=True, min_length=10)
    complete(cast.carol, other)
    mine_not = services.reflection_submit(actor=carol, course=other, text=TEXT, now=at(6))
    assert list(selectors.reflections_for_grader(with_role(cast.tom))) == [reflection]  # not tom's course
    with pytest.raises(NotFound):
        services.reflection_grade(actor=with_role(cast.tom), reflection=mine_not, grade="good")
    graded = services.reflection_grade(actor=with_role(cast.hannah), reflection=mine_not, grade="good", comment="好")
    assert graded.status == ReflectionStatus.GRADED and graded.graded_by == cast.hannah


def test_outsiders_and_roles_without_the_permission_cannot_grade(cast, course, carol):
    complete(cast.carol, course)
    reflection = services.reflection_submit(actor=carol, course=course, text=TEXT, now=at(5))
    with pytest.raises(Forbidden):
        services.reflection_grade(actor=with_role(cast.alice), reflection=reflection, grade="good")
    assert list(selectors.reflections_for_grader(with_role(cast.charlie))) == []
    with pytest.raises(NotFound):
        selectors.reflection_get_for_grader(with_role(cast.charlie), reflection.pk)


def test_a_fail_needs_a_comment_and_a_graded_reflection_is_final(cast, course, carol):
    complete(cast.carol, course)
    reflection = services.reflection_submit(actor=carol, course=course, text=TEXT, now=at(5))
    hannah = with_role(cast.hannah)
    with pytest.raises(DomainError):
        services.reflection_grade(actor=hannah, reflection=reflection, grade="fail")
    with pytest.raises(DomainError):
        services.reflection_grade(actor=hannah, reflection=reflection, grade="perfect")
    services.reflection_grade(actor=hannah, reflection=reflection, grade="excellent")
    with pytest.raises(Conflict):
        services.reflection_submit(actor=carol, course=course, text=TEXT + "再改。", now=at(6))
    reflection.refresh_from_db()
    assert reflection.text == TEXT and reflection.grade == "excellent"


def test_a_returned_reflection_is_revised_and_waits_again(cast, course, carol):
    complete(cast.carol, course)
    reflection = services.reflection_submit(actor=carol, course=course, text=TEXT, now=at(5))
    hannah = with_role(cast.hannah)
    with pytest.raises(DomainError):
        services.reflection_return(actor=hannah, reflection=reflection, comment="")
    services.reflection_return(actor=hannah, reflection=reflection, comment="请结合工作实际。")
    with pytest.raises(DomainError):
        services.reflection_grade(actor=hannah, reflection=reflection, grade="pass")
    revised = services.reflection_submit(actor=carol, course=course, text=TEXT + "结合本职工作谈体会。", now=at(6))
    assert (revised.status, revised.revision) == (ReflectionStatus.SUBMITTED, 2)
    assert list(selectors.reflections_for_grader(hannah)) == [revised]


# --- discussion -------------------------------------------------------------------------------

def test_replies_stay_one_level_deep_and_a_retry_is_stored_once(cast, course, carol):
    post = services.post_create(actor=carol, course=course, text="第一讲的重点是什么？", now=at(1))
    reply = services.post_create(actor=carol, course=course, text="我理解是三点。", parent=post, now=at(2))
    nested = services.post_create(actor=carol, course=course, text="补充第四点。", parent=reply, now=at(3))
    assert nested.parent_id == post.pk
    again = services.post_create(actor=carol, course=course, text="补充第四点。", parent=reply, now=at(3.2))
    assert again.pk == nested.pk
    [top] = selectors.discussion_of(course)
    assert [r.pk for r in top.replies.all()] == [reply.pk, nested.pk]
    with pytest.raises(DomainError):
        services.post_create(actor=carol, course=course, text=" ", now=at(4))


def test_course_managers_hide_posts_and_outsiders_cannot(cast, course, carol):
    post = services.post_create(actor=carol, course=course, text="广告内容", now=at(1))
    with pytest.raises(NotFound):
        services.post_hide(actor=with_role(cast.charlie), post=post, reason="广告")
    with pytest.raises(DomainError):
        services.post_hide(actor=with_role(cast.alice), post=post, reason="")
    hidden = services.post_hide(actor=with_role(cast.alice), post=post, reason="广告")
    assert hidden.is_hidden and hidden.hide_reason == "广告"
    with pytest.raises(DomainError):
        services.post_create(actor=carol, course=course, text="回复", parent=post, now=at(2))
    assert not services.post_unhide(actor=with_role(cast.alice), post=post).is_hidden
