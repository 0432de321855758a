"""The home page's to-do card (待办事项): exact lines per persona, links that open, scope, cost."""

from __future__ import annotations

import re
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ganxun.learning.models import Course
from ganxun.portal.tests.world import MONDAY, NOW, World, at, build_world, rita
from ganxun.portal.todo import MAX_LINES_PER_KIND, todo_for

pytestmark = pytest.mark.django_db


@contextmanager
def frozen(moment=NOW):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


PERSONAS = ("alice", "bob", "charlie", "hannah", "ivan", "tom", "rita")


def persona(cast, name):
    """A persona of the cast, or rita — the course reviewer the world adds."""
    return rita(cast) if name == "rita" else getattr(cast, name)


def lines_of(account, actor, now=NOW):
    card = todo_for(actor(account), now=now)
    return None if card is None else [(line.key, line.subject, line.badge_text) for line in card.lines]


def expected(world: World) -> dict[str, list[tuple[str, str, str]]]:
    k1, k2 = world.k1.title, world.k2.title
    morning, afternoon = world.k1_today
    online = world.online
    return {
        "alice": [
            ("withdrawals", "", "1 人"),
            ("review", world.k3.title, "3 人"),
            ("review", world.k4.title, "1 人"),
            ("draft-call", world.k5.title, "12 天后"),
            ("themed-class", online.ta1.title, "完成 33%"),
            ("themed-class", online.ta2.title, "完成 50%"),
            ("course-confirm", online.ca1.title, "1 门"),
            ("recognition", "", "2 条"),
            ("rectifications", "", "1 项"),
            ("followups-overdue", "", "2 人"),
        ],
        "bob": [
            ("quota", world.k4.title, "1 个名额"),
            ("quota", world.k3.title, "2 个名额"),
            ("followup", world.kc.title, "2 人"),
        ],
        "charlie": [
            ("withdrawals", "", "1 人"),
            ("review", world.kb.title, "1 人"),
            ("themed-class", online.tb1.title, "完成 0%"),
            ("course-confirm", online.cb1.title, "1 门"),
            ("recognition", "", "1 条"),
            ("rectifications", "", "1 项"),
        ],
        "hannah": [
            ("session", f"08:30 {morning.title}", "已签到 1/3"),
            ("session", f"14:30 {afternoon.title}", "已签到 0/3"),
            ("leave", k1, "1 份"),
            ("reflections", k1, "2 篇"),
            ("reflections", k2, "1 篇"),
            ("course-reflections", online.o1.title, "2 篇"),
            ("course-reflections", online.o2.title, "1 篇"),
            ("close", k2, "去结班"),
        ],
        "ivan": [
            ("session", f"08:30 {morning.title}", "已签到 1/3"),
            ("session", f"10:00 {world.kb_today.title}", "已签到 0/2"),
            ("session", f"14:30 {afternoon.title}", "已签到 0/3"),
            ("leave", k1, "1 份"),
            ("leave", world.kb.title, "1 份"),
            ("reflections", k1, "2 篇"),
            ("reflections", k2, "1 篇"),
            ("course-reflections", online.o1.title, "2 篇"),
            ("course-reflections", online.o2.title, "1 篇"),
            ("close", k2, "去结班"),
            ("rectifications", "", "2 项"),
        ],
        "tom": [("reflections", k1, "2 篇"), ("course-reflections", online.o1.title, "2 篇")],
        "rita": [("course-review", "", "2 门")],
    }


@pytest.mark.parametrize("name", PERSONAS)
def test_each_role_sees_exactly_what_waits_for_it(cast, actor, name):
    world = build_world(cast)
    assert lines_of(persona(cast, name), actor) == expected(world)[name]


def test_the_lines_say_when_and_what_is_overdue(cast, actor):
    world = build_world(cast)
    alice = {line.key: line for line in todo_for(actor(cast.alice), now=NOW).lines}
    assert alice["withdrawals"].urgent and alice["withdrawals"].url == "/manage/attendance/withdrawals/"
    assert alice["draft-call"].note == "3月13日开班" and not alice["draft-call"].urgent
    assert alice["rectifications"].note == "待整改或整改中" and not alice["rectifications"].urgent
    bob = todo_for(actor(cast.bob), now=NOW).lines
    assert (bob[0].note, bob[0].urgent) == (f"{cast.unit_a1_sub.name} · 明天（3月2日）截止报名", True)
    assert (bob[1].note, bob[1].urgent) == (f"{cast.unit_a1.name} · 3 天后（3月4日）截止报名", False)
    assert (bob[2].note, bob[2].urgent) == ("其中 1 人已逾期", True)
    assert bob[0].url == f"/manage/roster/quotas/{world.quota_k4_sub.pk}/"
    ivan = {line.key: line for line in todo_for(actor(cast.ivan), now=NOW).lines}
    assert (ivan["rectifications"].note, ivan["rectifications"].urgent) == ("其中 1 项已逾期", True)
    sessions = [line.note for line in todo_for(actor(cast.ivan), now=NOW).lines if line.key == "session"]
    assert sessions == [f"{world.k1.title} · 08:30–11:30 · 进行中", f"{world.kb.title} · 10:00–11:30 · 未开始",
                        f"{world.k1.title} · 14:30–17:30 · 未开始"]
    charlie = {line.key: line for line in todo_for(actor(cast.charlie), now=NOW).lines}
    assert charlie["review"].note == "培训进行中" and alice_review_notes(cast, actor) == ["3月11日开班", "3月21日开班"]


def alice_review_notes(cast, actor):
    return [line.note for line in todo_for(actor(cast.alice), now=NOW).lines if line.key == "review"]


def test_sessions_already_over_come_after_those_still_to_run(cast, actor):
    world = build_world(cast)
    evening = [line for line in todo_for(actor(cast.hannah), now=at(MONDAY, 15, 0)).lines
               if line.key == "session"]
    assert [(line.subject.split()[0], line.note.split(" · ")[-1]) for line in evening] == [
        ("14:30", "进行中"), ("08:30", "已结束")]
    assert world.k1_today[1].title in evening[0].subject


def test_the_outsider_sees_none_of_county_a(cast, actor, login):
    world = build_world(cast)
    online = world.online
    county_a = {world.k1.title, world.k2.title, world.k3.title, world.k4.title, world.k5.title, world.kc.title,
                online.ca1.title, online.ca2.title, online.ta1.title, online.ta2.title}
    lines = todo_for(actor(cast.charlie), now=NOW).lines
    assert not {line.subject for line in lines} & county_a
    alice = {line.subject for line in todo_for(actor(cast.alice), now=NOW).lines}
    assert not alice & {world.kb.title, online.tb1.title, online.cb1.title}
    with frozen():
        html = login(cast.charlie).get("/").content.decode()
    for title in county_a:
        assert title not in html
    assert f"/manage/roster/classes/{world.kb.pk}/review/?status=nominated" in html


def test_with_county_a_busy_the_outsider_has_nothing_to_do(cast, login):
    online = build_world(cast).online
    from ganxun.classes.models import TrainingClass
    from ganxun.evaluation.models import RectificationItem
    from ganxun.learning.models import Course
    from ganxun.onlineclasses.models import ThemedClass
    from ganxun.recognition.models import RecognitionClaim
    from ganxun.roster.models import Enrollment

    kb = TrainingClass.objects.get(title="西山县财政干部培训班")
    RectificationItem.objects.filter(training_class=kb).update(status="verified")
    Enrollment.objects.filter(training_class=kb).update(status="withdrawn")
    ThemedClass.objects.filter(pk=online.tb1.pk).update(status="closed")
    Course.objects.filter(pk=online.cb1.pk).update(status="draft")          # returned to its provider
    RecognitionClaim.objects.filter(pk=online.claim_b.pk).update(status="rejected", reason="重复申报")
    with frozen():
        html = login(cast.charlie).get("/").content.decode()
    assert 'id="todo-empty"' in html and "暂无待办事项" in html and "data-todo=" not in html


def test_an_empty_card_is_calm(cast, login):
    with frozen():
        for name in ("alice", "bob", "hannah", "ivan", "tom", "rita"):
            html = login(persona(cast, name)).get("/").content.decode()
            assert 'id="todo-card"' in html and "暂无待办事项" in html, name
            assert "data-todo=" not in html


def test_the_leader_and_the_separated_admins_get_no_card(cast, actor, login):
    build_world(cast)
    with frozen():
        for persona in ("leo", "sam", "sec", "aud"):
            assert todo_for(actor(getattr(cast, persona)), now=NOW) is None
            html = login(getattr(cast, persona)).get("/").content.decode()
            assert 'id="todo-card"' not in html and "待办事项" not in html, persona


def test_the_card_is_at_the_top_and_every_line_is_a_link(cast, login):
    build_world(cast)
    with frozen():
        html = login(cast.ivan).get("/").content.decode()
    assert html.index('id="todo-card"') < html.index("其中外聘")
    links = re.findall(r'<a class="list-group-item[^"]*" href="([^"]+)" data-todo="([\w-]+)"', html)
    assert [key for _, key in links] == ["session", "session", "session", "leave", "leave", "reflections",
                                         "reflections", "course-reflections", "course-reflections", "close",
                                         "rectifications"]
    assert "已签到 1/3" in html and "去结班" in html and "其中 1 项已逾期" in html


@pytest.mark.parametrize("name", PERSONAS)
def test_every_line_opens_the_page_where_it_is_handled(cast, actor, login, name):
    build_world(cast)
    account = persona(cast, name)
    with frozen():
        client = login(account)
        for line in todo_for(actor(account), now=NOW).lines:
            response = client.get(line.url)
            assert response.status_code == 200, (line.key, line.url, response.status_code)


def test_lines_beyond_five_of_a_kind_are_summed_on_one_line(cast, actor):
    build_world(cast)
    build_world(cast, tag="（二）")
    build_world(cast, tag="（三）")
    alice = lines_of(cast.alice, actor)
    reviews = [line for line in alice if line[0].startswith("review")]
    assert len(reviews) == MAX_LINES_PER_KIND + 1
    assert [badge for _, _, badge in reviews] == ["3 人", "3 人", "3 人", "1 人", "1 人", "1 人"]
    assert reviews[-1][:2] == ("review-more", "另外 1 个班次")
    assert ("withdrawals", "", "3 人") in alice and ("rectifications", "", "3 项") in alice
    hannah = lines_of(cast.hannah, actor)
    assert [line for line in hannah if line[0] == "session-more"] == [("session-more", "", "1 节")]
    assert [badge for key, _, badge in hannah if key == "close"] == ["去结班"] * 3
    courses = [line for line in hannah if line[0].startswith("course-reflections")]
    assert [badge for _, _, badge in courses] == ["2 篇"] * 3 + ["1 篇"] * 3
    assert courses[-1][:2] == ("course-reflections-more", "另外 1 门课程")
    themed = [line for line in alice if line[0].startswith("themed-class")]
    assert [badge for _, _, badge in themed] == ["完成 33%"] * 3 + ["完成 50%"] * 2 + ["1 个班"]
    assert themed[-1][:2] == ("themed-class-more", "7 天内截止")
    card = {line.key: line for line in todo_for(actor(cast.alice), now=NOW).lines}
    assert (card["course-confirm"].subject, card["course-confirm"].badge_text) == ("", "3 门")
    assert card["course-confirm"].url == "/manage/courses/?reviews=complete"
    assert not card["themed-class-more"].urgent                     # the one left is due on Sunday
    assert ("recognition", "", "6 条") in alice
    assert lines_of(rita(cast), actor) == [("course-review", "", "6 门")]


def test_the_card_costs_the_same_queries_whatever_the_data(cast, login):
    build_world(cast)
    with frozen():
        clients = {p: login(persona(cast, p)) for p in PERSONAS}
        for client in clients.values():
            assert client.get("/").status_code == 200     # warm-up: the first request writes "last seen"

        def queries() -> dict[str, int]:
            counts = {}
            for persona, client in clients.items():
                with CaptureQueriesContext(connection) as captured:
                    assert client.get("/").status_code == 200
                counts[persona] = len(captured)
            return counts

        small = queries()
        build_world(cast, tag="（二）")
        build_world(cast, tag="（三）")
        large = queries()
    assert large == small
    assert max(small.values()) <= 40, small


@pytest.mark.parametrize("persona", ["alice", "ivan"])
def test_the_rectification_line_opens_exactly_the_items_it_counts(cast, actor, persona):
    from ganxun.evaluation.selectors import rectification_list_for

    build_world(cast)
    account = actor(getattr(cast, persona))
    with frozen():
        line = next(line for line in todo_for(account, now=NOW).lines if line.key == "rectifications")
        listed = rectification_list_for(account, owned=True, status="active")
        everything = rectification_list_for(account)
    assert line.url.endswith("?owned=1&status=active")
    assert listed.count() == line.count and everything.count() > listed.count()


def test_the_online_learning_lines_say_when_and_open_what_they_count(cast, actor):
    from ganxun.recognition.selectors import ClaimFilter, claims_for

    online = build_world(cast).online
    alice = [line for line in todo_for(actor(cast.alice), now=NOW).lines]
    themed = [line for line in alice if line.key == "themed-class"]
    assert [(line.note, line.urgent) for line in themed] == [
        ("后天（3月3日）截止 · 已完成 1/3 人", True), ("6 天后（3月7日）截止 · 已完成 1/2 人", False)]
    assert themed[0].url == f"/manage/themed-classes/{online.ta1.pk}/completion/"
    confirm = next(line for line in alice if line.key == "course-confirm")
    assert (confirm.note, confirm.url) == ("已收到 3 份专家评审意见", f"/manage/courses/{online.ca1.pk}/")
    claims = next(line for line in alice if line.key == "recognition")
    assert (claims.note, claims.url) == ("最早一条 2月25日提交", "/manage/recognition/?status=pending")
    pending = claims_for(actor(cast.alice), ClaimFilter(status="pending"))
    assert claims.count == pending.count() == 2
    charlie = next(line for line in todo_for(actor(cast.charlie), now=NOW).lines if line.key == "themed-class")
    assert (charlie.note, charlie.urgent) == ("3 天后（3月4日）截止 · 已完成 0/1 人", True)   # red from 3 days
    reviewer = todo_for(actor(rita(cast)), now=NOW).lines[0]
    assert (reviewer.note, reviewer.url) == ("最早一门 2月23日提交评审", "/manage/course-reviews/")
    hannah = [line for line in todo_for(actor(cast.hannah), now=NOW).lines if line.key == "course-reflections"]
    assert [(line.note, line.url) for line in hannah] == [
        ("最早一篇 2月26日提交", f"/manage/course-reflections/?status=submitted&course={online.o1.pk}"),
        ("最早一篇 2月27日提交", f"/manage/course-reflections/{online.o2_waiting.pk}/")]


def test_the_review_line_counts_what_the_reviewers_queue_asks_of_her(cast, login):
    online = build_world(cast).online
    with frozen():
        html = login(rita(cast)).get("/manage/course-reviews/").content.decode()
    waiting = html[html.index('id="review-todo"'):html.index('id="review-done"')]
    done = html[html.index('id="review-done"'):]
    # CA1 and CA2 (round 2) wait for her score, as the card's "2 门" says; the queue also lists CA4,
    # which she teaches and may not score (the card leaves it out); CA3 she has scored.
    assert online.ca1.title in waiting and online.ca2.title in waiting and "依法行政" in waiting
    assert "基层减负案例" in done and "基层减负案例" not in waiting


def test_the_online_links_open_exactly_what_the_lines_count(cast, actor, login):
    """Several courses to confirm open the list cut to 评审已完成; a course with several reflections
    opens the grading queue cut to that course: the page lists the line's count, nothing more."""
    build_world(cast)
    build_world(cast, tag="（二）")
    with frozen():
        alice = {line.key: line for line in todo_for(actor(cast.alice), now=NOW).lines}
        confirm = alice["course-confirm"]
        client = login(cast.alice)
        listed = client.get(confirm.url).context["page"]
        in_review = client.get("/manage/courses/", {"status": "in_review"}).context["page"]
        assert confirm.count == listed.paginator.count == 2 < in_review.paginator.count
        assert {course.title for course in listed} == {world_course.title for world_course in
                                                       Course.objects.filter(title__startswith="数字政府建设")}
        hannah = login(cast.hannah)
        lines = [line for line in todo_for(actor(cast.hannah), now=NOW).lines if line.key == "course-reflections"]
        several = [line for line in lines if line.count > 1]
        assert several and all("course=" in line.url for line in several)
        for line in several:
            page = hannah.get(line.url).context["page"]
            assert page.paginator.count == line.count
            assert {reflection.course.title for reflection in page} == {line.subject}
        whole = hannah.get("/manage/course-reflections/", {"status": "submitted"}).context["page"]
        assert whole.paginator.count > max(line.count for line in several)
