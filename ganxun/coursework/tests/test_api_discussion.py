"""/api/v1 course discussion: learners read and post, course managers see everything and hide or
restore a post with a reason — the same rules and scope as the pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.test import Client

from ganxun.access.roles import Role
from ganxun.audit.models import AuditEntry
from ganxun.coursework import services
from ganxun.coursework.models import DiscussionPost
from ganxun.coursework.tests.helpers import make_course
from ganxun.testing import api_client, make_account, with_role

API = "/api/v1"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _client(account) -> Client:
    return api_client(account)


def _post(client, path, body=None):
    return client.post(API + path, json.dumps(body or {}), content_type="application/json")


def _thread(client, course, **query):
    response = client.get(f"{API}/courses/{course.pk}/discussion", query)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_learner_posts_replies_and_reads_the_thread_newest_first(cast):
    course = make_course(cast, minutes=1)
    carol = _client(cast.carol)
    first = _post(carol, f"/courses/{course.pk}/discussion", {"text": "  第一讲讲得很透彻。\r\n"})
    assert first.status_code == 201
    assert first.json() | {"created_at": None} == {
        "id": first.json()["id"], "parent_id": None, "author_name": "卡萝", "is_mine": True,
        "text": "第一讲讲得很透彻。", "created_at": None, "replies": []}
    second = _post(carol, f"/courses/{course.pk}/discussion", {"text": "第二讲什么时候上线？"}).json()
    reply = _post(carol, f"/courses/{course.pk}/discussion", {"text": "同意。", "parent_id": first.json()["id"]})
    # A reply to a reply joins its top post: one level only.
    nested = _post(carol, f"/courses/{course.pk}/discussion", {"text": "我也同意。", "parent_id": reply.json()["id"]})
    assert reply.status_code == nested.status_code == 201
    assert reply.json()["parent_id"] == nested.json()["parent_id"] == first.json()["id"]

    thread = _thread(_client(make_account("dan", Role.CADRE, cast.unit_a2)), course)
    assert thread["count"] == 2
    assert [p["id"] for p in thread["items"]] == [second["id"], first.json()["id"]]
    assert [r["text"] for r in thread["items"][1]["replies"]] == ["同意。", "我也同意。"]
    assert {p["is_mine"] for p in thread["items"]} == {False}  # another learner of the county reads it
    page_two = _thread(carol, course, page=2, page_size=1)
    assert (page_two["count"], [p["id"] for p in page_two["items"]]) == (2, [first.json()["id"]])
    assert DiscussionPost.objects.filter(course=course).count() == 4


def test_it_validates_a_post_like_the_page_and_writes_nothing(cast):
    course, other = make_course(cast, minutes=1), make_course(cast, minutes=1, title="另一门课")
    foreign = services.post_create(actor=with_role(cast.carol), course=other, text="别处的帖子")
    carol = _client(cast.carol)

    for body, field, message in (({"text": "   "}, "text", "请填写内容"),
                                 ({"text": "字" * 2001}, "text", "不能超过 2000"),
                                 ({}, "text", "必填"),
                                 ({"text": "好", "parent_id": 0}, "parent_id", "不能小于 1"),
                                 ({"text": "好", "author": "alice"}, "author", "不支持的字段")):
        response = _post(carol, f"/courses/{course.pk}/discussion", body)
        assert response.status_code == 400, body
        assert response.json()["field"] == field and message in response.json()["message"], response.json()

    missing = _post(carol, f"/courses/{course.pk}/discussion", {"text": "回复", "parent_id": foreign.pk})
    assert missing.status_code == 404 and missing.json()["field"] == "parent_id"

    hidden = services.post_create(actor=with_role(cast.carol), course=course, text="广告")
    services.post_hide(actor=with_role(cast.alice), post=hidden, reason="广告")
    refused = _post(carol, f"/courses/{course.pk}/discussion", {"text": "回复广告", "parent_id": hidden.pk})
    assert refused.status_code == 400 and refused.json()["code"] == "hidden"
    assert DiscussionPost.objects.filter(course=course).count() == 1  # only the hidden post of the setup
    assert _post(carol, f"/courses/{course.pk}/discussion", {"text": "字" * 2000}).status_code == 201


def test_a_retry_within_a_minute_answers_the_same_post_and_later_makes_a_second(cast):
    course = make_course(cast, minutes=1)
    carol = _client(cast.carol)
    first = _post(carol, f"/courses/{course.pk}/discussion", {"text": "请问有讲义吗？"})
    retry = _post(carol, f"/courses/{course.pk}/discussion", {"text": "请问有讲义吗？"})
    assert first.status_code == retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]
    assert DiscussionPost.objects.filter(course=course).count() == 1

    DiscussionPost.objects.filter(pk=first.json()["id"]).update(
        created_at=DiscussionPost.objects.get(pk=first.json()["id"]).created_at - dt.timedelta(minutes=2))
    later = _post(carol, f"/courses/{course.pk}/discussion", {"text": "请问有讲义吗？"})
    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]
    assert DiscussionPost.objects.filter(course=course).count() == 2


def test_hidden_posts_are_seen_only_by_course_managers(cast):
    course = make_course(cast, minutes=1)
    carol_actor = with_role(cast.carol)
    kept = services.post_create(actor=carol_actor, course=course, text="第一讲讲得很透彻。")
    bad_reply = services.post_create(actor=carol_actor, course=course, text="加我微信", parent=kept)
    services.post_create(actor=carol_actor, course=course, text="确实透彻。", parent=kept)
    spam = services.post_create(actor=carol_actor, course=course, text="广告", parent=None)
    services.post_create(actor=carol_actor, course=course, text="回复广告", parent=spam)
    alice, carol = _client(cast.alice), _client(cast.carol)

    no_reason = _post(alice, f"/course-posts/{spam.pk}/hide", {"reason": "  "})
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
    assert not DiscussionPost.objects.get(pk=spam.pk).is_hidden

    hidden = _post(alice, f"/course-posts/{spam.pk}/hide", {"reason": "广告信息"})
    assert hidden.status_code == 200
    body = hidden.json()
    assert (body["is_hidden"], body["hide_reason"], body["hidden_by_name"]) == (True, "广告信息", "艾丽")
    assert [r["text"] for r in body["replies"]] == ["回复广告"]
    assert _post(alice, f"/course-posts/{bad_reply.pk}/hide", {"reason": "联系方式"}).status_code == 200

    thread = _thread(carol, course)
    assert thread["count"] == 1
    assert [p["text"] for p in thread["items"]] == ["第一讲讲得很透彻。"]
    assert [r["text"] for r in thread["items"][0]["replies"]] == ["确实透彻。"]

    moderated = alice.get(f"{API}/managed-courses/{course.pk}/discussion").json()
    assert moderated["count"] == 2
    by_text = {p["text"]: p for p in moderated["items"]}
    assert by_text["广告"]["is_hidden"] and by_text["广告"]["hide_reason"] == "广告信息"
    assert [(r["text"], r["is_hidden"]) for r in by_text["第一讲讲得很透彻。"]["replies"]] == [
        ("加我微信", True), ("确实透彻。", False)]
    assert AuditEntry.objects.filter(action="coursework.post_hide", target_id=str(spam.pk),
                                     actor_id=cast.alice.pk).count() == 1

    # Hiding again (a retry) changes nothing: same time, same reason, no second audit entry.
    again = _post(alice, f"/course-posts/{spam.pk}/hide", {"reason": "别的原因"})
    assert again.status_code == 200 and again.json()["hidden_at"] == body["hidden_at"]
    assert again.json()["hide_reason"] == "广告信息"
    assert AuditEntry.objects.filter(action="coursework.post_hide", target_id=str(spam.pk)).count() == 1

    shown = _post(alice, f"/course-posts/{spam.pk}/unhide")
    assert shown.status_code == 200 and not shown.json()["is_hidden"] and shown.json()["hide_reason"] == ""
    assert _post(alice, f"/course-posts/{spam.pk}/unhide").status_code == 200  # again: unchanged
    assert AuditEntry.objects.filter(action="coursework.post_unhide", target_id=str(spam.pk)).count() == 1
    assert _thread(carol, course)["count"] == 2


def test_the_discussion_is_scoped_like_the_pages(cast):
    course = make_course(cast, minutes=1)
    post = services.post_create(actor=with_role(cast.carol), course=course, text="提问")
    charlie = _client(cast.charlie)  # org department of county B: manages courses, not this one
    assert charlie.get(f"{API}/managed-courses/{course.pk}/discussion").status_code == 404
    assert _post(charlie, f"/course-posts/{post.pk}/hide", {"reason": "x"}).status_code == 404
    assert _post(charlie, f"/course-posts/{post.pk}/unhide").status_code == 404
    assert charlie.get(f"{API}/courses/{course.pk}/discussion").status_code == 403  # not a learner at all

    dora = _client(make_account("dora", Role.CADRE, cast.unit_b1))  # a learner of county B
    assert dora.get(f"{API}/courses/{course.pk}/discussion").status_code == 404
    assert _post(dora, f"/courses/{course.pk}/discussion", {"text": "你好"}).status_code == 404

    carol = _client(cast.carol)  # a learner cannot moderate
    assert carol.get(f"{API}/managed-courses/{course.pk}/discussion").status_code == 403
    assert _post(carol, f"/course-posts/{post.pk}/hide", {"reason": "x"}).status_code == 403
    assert _post(_client(cast.bob), f"/courses/{course.pk}/discussion", {"text": "你好"}).status_code == 403
    assert Client().get(f"{API}/courses/{course.pk}/discussion").status_code == 401
    assert DiscussionPost.objects.get().hidden_at is None and DiscussionPost.objects.count() == 1
