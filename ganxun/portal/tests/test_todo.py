"""The home page's to-do card (待办事项): exact lines per persona, links that open, scope, cost."""

from __future__ import annotations

import re
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ganxun.portal.tests.world import MONDAY, NOW, World, at, build_world
from ganxun.portal.todo import MAX_LINES_PER_KIND, todo_for

pytestmark = pytest.mark.django_db


@contextmanager
def frozen(moment=NOW):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def lines_of(account, actor, now=NOW):
    card = todo_for(actor(account), now=now)
    return None if card is None else [(line.key, line.subject, line.badge_text) for line in card.lines]


def expected(world: World) -> dict[str, list[tuple[str, str, str]]]:
    k1, k2 = world.k1.title, world.k2.title
    morning, afternoon = world.k1_today
    return {
        "alice": [
            ("withdrawals", "", "1 人"),
            ("review", world.k3.title, "3 人"),
            ("review", world.k4.title, "1 人"),
            ("draft-call", world.k5.title, "12 天后"),
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
            ("rectifications", "", "1 项"),
        ],
        "hannah": [
            ("session", f"08:30 {morning.title}", "已签到 1/3"),
            ("session", f"14:30 {afternoon.title}", "已签到 0/3"),
            ("leave", k1, "1 份"),
            ("reflections", k1, "2 篇"),
            ("reflections", k2, "1 篇"),
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
            ("close", k2, "去结班"),
            ("rectifications", "", "2 项"),
        ],
        "tom": [("reflections", k1, "2 篇")],
    }


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "hannah", "ivan", "tom"])
def test_each_role_sees_exactly_what_waits_for_it(cast, actor, persona):
    world = build_world(cast)
    assert lines_of(getattr(cast, persona), actor) == expected(world)[persona]


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
    county_a = {world.k1.title, world.k2.title, world.k3.title, world.k4.title, world.k5.title, world.kc.title}
    lines = todo_for(actor(cast.charlie), now=NOW).lines
    assert not {line.subject for line in lines} & county_a
    with frozen():
        html = login(cast.charlie).get("/").content.decode()
    for title in county_a:
        assert title not in html
    assert f"/manage/roster/classes/{world.kb.pk}/review/?status=nominated" in html


def test_with_county_a_busy_the_outsider_has_nothing_to_do(cast, login):
    build_world(cast)
    from ganxun.classes.models import TrainingClass
    from ganxun.evaluation.models import RectificationItem
    from ganxun.roster.models import Enrollment

    kb = TrainingClass.objects.get(title="西山县财政干部培训班")
    RectificationItem.objects.filter(training_class=kb).update(status="verified")
    Enrollment.objects.filter(training_class=kb).update(status="withdrawn")
    with frozen():
        html = login(cast.charlie).get("/").content.decode()
    assert 'id="todo-empty"' in html and "暂无待办事项" in html and "data-todo=" not in html


def test_an_empty_card_is_calm(cast, login):
    with frozen():
        for persona in ("alice", "bob", "hannah", "ivan", "tom"):
            html = login(getattr(cast, persona)).get("/").content.decode()
            assert 'id="todo-card"' in html and "暂无待办事项" in html, persona
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
                                         "reflections", "close", "rectifications"]
    assert "已签到 1/3" in html and "去结班" in html and "其中 1 项已逾期" in html


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "hannah", "ivan", "tom"])
def test_every_line_opens_the_page_where_it_is_handled(cast, actor, login, persona):
    build_world(cast)
    account = getattr(cast, persona)
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


def test_the_card_costs_the_same_queries_whatever_the_data(cast, login):
    build_world(cast)
    personas = ("alice", "bob", "charlie", "hannah", "ivan", "tom")
    with frozen():
        clients = {p: login(getattr(cast, p)) for p in personas}
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
