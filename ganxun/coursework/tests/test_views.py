"""The pages: take a test with a countdown, the result with mistakes, write a reflection, the
discussion; the item bank editor, the grading queue, moderation; outsiders get 404."""

from __future__ import annotations

import re

from ganxun.access.roles import Role
from ganxun.coursework import selectors, services
from ganxun.coursework.models import CourseReflection, DiscussionPost, Question, TestAttempt
from ganxun.coursework.tests.helpers import complete, make_course, make_provided_course, make_test
from ganxun.testing import make_account, with_role


def test_a_learner_takes_a_test_sees_the_countdown_and_reviews_mistakes(cast, login):
    course = make_course(cast, minutes=1)
    make_test(cast, course, draw=5)
    complete(cast.carol, course)
    client = login(cast.carol)
    page = client.get(f"/learn/courses/{course.pk}/")
    assert f"/learn/courses/{course.pk}/test/" in page.content.decode()
    assert "开始测试" in client.get(f"/learn/courses/{course.pk}/test/").content.decode()
    response = client.post(f"/learn/courses/{course.pk}/test/start/")
    attempt = TestAttempt.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/learn/test-attempts/{attempt.pk}/"
    paper = client.get(f"/learn/test-attempts/{attempt.pk}/").content.decode()
    assert 'id="countdown"' in paper and len(re.findall(r'name="q\d+"', paper)) >= 5
    wrong = attempt.questions[0]
    data = {f"q{q['id']}": q["answer"] for q in attempt.questions[1:]}
    data[f"q{wrong['id']}"] = ["false"] if wrong["kind"] == "true_false" else ["D"]
    client.post(f"/learn/test-attempts/{attempt.pk}/submit/", data)
    attempt.refresh_from_db()
    assert attempt.correct_count == 4 and attempt.passed
    result = client.get(f"/learn/test-attempts/{attempt.pk}/?mistakes=1").content.decode()
    assert "80.0 分" in result and result.count('class="mistake"') == 1


def test_a_learner_writes_a_reflection_and_the_head_teacher_grades_it(cast, login):
    course = make_provided_course(cast)
    services.reflection_rule_set(actor=with_role(cast.alice), course=course, is_open=True, min_length=10)
    complete(cast.carol, course)
    client = login(cast.carol)
    short = client.post(f"/learn/courses/{course.pk}/reflection/", {"text": "太短了"})
    assert short.status_code == 400 and "至少 10 字" in short.content.decode()
    assert 'data-min-length="10"' in short.content.decode()
    client.post(f"/learn/courses/{course.pk}/reflection/", {"text": "学习之后我对基层治理有了新的认识。"})
    reflection = CourseReflection.objects.get()
    hannah = login(cast.hannah)
    assert reflection.account.full_name in hannah.get("/manage/course-reflections/").content.decode()
    hannah.post(f"/manage/course-reflections/{reflection.pk}/", {"action": "grade", "grade": "good", "comment": "好"})
    reflection.refresh_from_db()
    assert reflection.grade == "good"
    assert "良好" in client.get(f"/learn/courses/{course.pk}/reflection/").content.decode()
    assert login(cast.charlie).get(f"/manage/course-reflections/{reflection.pk}/").status_code in (403, 404)


def test_the_item_bank_editor_adds_edits_and_retires_questions(cast, login):
    course = make_course(cast, minutes=1)
    client = login(cast.alice)
    assert client.get(f"/manage/courses/{course.pk}/coursework/").status_code == 200
    bad = client.post(f"/manage/courses/{course.pk}/coursework/questions/new/",
                      {"kind": "single", "stem": "题", "options": "甲\n乙", "answer": "AB"})
    assert bad.status_code == 400 and not Question.objects.exists()
    client.post(f"/manage/courses/{course.pk}/coursework/questions/new/",
                {"kind": "multiple", "stem": "哪些正确？", "options": "甲\n乙\n丙", "answer": "A,C"})
    question = Question.objects.get()
    assert question.answer == ["A", "C"]
    client.post(f"/manage/course-questions/{question.pk}/", {"kind": "true_false", "stem": "对吗？", "answer": "对"})
    question.refresh_from_db()
    assert (question.kind, question.answer) == ("true_false", ["true"])
    client.post(f"/manage/course-questions/{question.pk}/active/", {"active": "0"})
    assert not Question.objects.get().is_active
    settings = client.post(f"/manage/courses/{course.pk}/coursework/test/",
                           {"draw_count": 5, "time_limit_minutes": 10, "pass_mark": 60, "max_attempts": 2,
                            "is_open": "on"})
    assert settings.status_code == 400 and selectors.course_test_of(course) is None


def test_learners_discuss_and_a_course_manager_hides_a_post(cast, login):
    course = make_course(cast, minutes=1)
    client = login(cast.carol)
    client.post(f"/learn/courses/{course.pk}/discussion/", {"text": "第一讲讲得很透彻。"})
    post = DiscussionPost.objects.get()
    client.post(f"/learn/courses/{course.pk}/discussion/", {"text": "同意。", "parent": post.pk})
    assert "同意。" in client.get(f"/learn/courses/{course.pk}/discussion/").content.decode()
    login(cast.alice).post(f"/manage/course-posts/{post.pk}/hide/", {"reason": "与课程无关"})
    page = client.get(f"/learn/courses/{course.pk}/discussion/").content.decode()
    assert "第一讲讲得很透彻" not in page and "已被管理员隐藏" in page


def test_the_outsider_gets_404_on_every_page_of_county_a(cast, login):
    course = make_course(cast, minutes=1)
    make_test(cast, course)
    question = Question.objects.filter(course=course).first()
    post = services.post_create(actor=with_role(cast.carol), course=course, text="提问")
    charlie = login(cast.charlie)
    for url in (f"/manage/courses/{course.pk}/coursework/", f"/manage/course-questions/{question.pk}/",
                f"/manage/courses/{course.pk}/discussion/"):
        assert charlie.get(url).status_code == 404, url
    assert charlie.post(f"/manage/course-posts/{post.pk}/hide/", {"reason": "x"}).status_code == 404
    complete(cast.carol, course)
    attempt, _ = services.attempt_start(actor=with_role(cast.carol), course=course)
    assert login(cast.carol).get(f"/learn/test-attempts/{attempt.pk}/").status_code == 200
    assert charlie.get(f"/learn/test-attempts/{attempt.pk}/").status_code == 403  # no learning.study at all
    dora = login(make_account("dora", Role.CADRE, cast.unit_b1))  # a learner of county B
    for url in (f"/learn/test-attempts/{attempt.pk}/", f"/learn/courses/{course.pk}/test/",
                f"/learn/courses/{course.pk}/reflection/", f"/learn/courses/{course.pk}/discussion/"):
        assert dora.get(url).status_code == 404, url


def test_the_grading_queue_filters_by_course_within_the_graders_scope(cast, login):
    from ganxun.coursework.tests.helpers import at
    from ganxun.testing import make_cadre

    taught = make_provided_course(cast, title="党的二十大精神")
    taught.teacher = cast.tom_teacher
    taught.save(update_fields=["teacher"])
    other = make_provided_course(cast, title="数字经济")
    dora = make_account("dora", Role.CADRE, cast.unit_a1, full_name="多拉")
    make_cadre("多拉", cast.unit_a1, account=dora)
    text = "通过学习，我深刻认识到理论联系实际的重要性。"
    for course in (taught, other):
        services.reflection_rule_set(actor=with_role(cast.alice), course=course, is_open=True, min_length=10)
    for n, (account, course) in enumerate([(cast.carol, taught), (dora, taught), (cast.carol, other)]):
        complete(account, course)
        services.reflection_submit(actor=with_role(account), course=course, text=text, now=at(5 + n))
    waiting = {row.course_id: row.count for row in selectors.reflections_to_grade_by_course(with_role(cast.hannah))}
    assert waiting == {taught.pk: 2, other.pk: 1}

    hannah = login(cast.hannah)
    whole = hannah.get("/manage/course-reflections/", {"status": "submitted"})
    assert whole.context["page"].paginator.count == 3 and 'id="course-filter"' in whole.text
    assert 'id="course-filter-clear"' not in whole.text
    page = hannah.get("/manage/course-reflections/", {"status": "submitted", "course": taught.pk})
    assert page.context["page"].paginator.count == waiting[taught.pk]
    assert {r.course_id for r in page.context["page"]} == {taught.pk}
    assert "课程：党的二十大精神" in page.text
    assert 'href="?status=submitted" id="course-filter-clear"' in page.text
    assert f'href="?status=graded&amp;course={taught.pk}"' in page.text     # the status tabs keep the course
    # Once graded, the course's reflections leave 待评阅 and show under 已评定, still cut to the course.
    services.reflection_grade(actor=with_role(cast.hannah), reflection=page.context["page"][0], grade="good",
                              comment="好")
    assert hannah.get("/manage/course-reflections/", {"status": "submitted", "course": taught.pk}
                      ).context["page"].paginator.count == 1
    graded = hannah.get("/manage/course-reflections/", {"status": "graded", "course": other.pk})
    assert graded.context["page"].paginator.count == 0
    # A teacher's filter offers only the courses they teach; another course's id shows their own queue.
    tom = login(cast.tom)
    offered = tom.get("/manage/course-reflections/")
    assert [c.course_id for c in offered.context["courses"]] == [taught.pk] and "数字经济" not in offered.text
    foreign = tom.get("/manage/course-reflections/", {"course": other.pk})
    assert foreign.context["course"] is None and "数字经济" not in foreign.text
    assert {r.course_id for r in foreign.context["page"]} == {taught.pk}
    # The outsider (an org department: it grades nothing) has no queue, whatever the filter.
    assert login(cast.charlie).get("/manage/course-reflections/", {"course": taught.pk}).status_code == 403
