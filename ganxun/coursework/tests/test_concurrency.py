"""A discussion post sent twice is stored once — also when both copies arrive at the same instant.

The retry rule itself runs on any database; the race needs PostgreSQL (SQLite serialises writers
by itself, so there is no race to prove).
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from ganxun.access.roles import Role
from ganxun.coursework import services
from ganxun.coursework.models import DiscussionPost
from ganxun.coursework.tests.helpers import at, make_course
from ganxun.testing import make_account, with_role

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")


@pytest.mark.django_db
def test_the_same_post_within_a_minute_is_a_retry_and_anything_else_is_a_new_post(cast):
    course = make_course(cast, minutes=1)
    carol = with_role(cast.carol)
    first = services.post_create(actor=carol, course=course, text="请问第二讲的要点？", now=at(10))
    retry = services.post_create(actor=carol, course=course, text="  请问第二讲的要点？\r\n", now=at(10.9))
    assert retry.pk == first.pk and DiscussionPost.objects.count() == 1
    # Not a retry: a minute later, under another parent, by another author, or another text.
    later = services.post_create(actor=carol, course=course, text="请问第二讲的要点？", now=at(11.5))
    reply = services.post_create(actor=carol, course=course, text="请问第二讲的要点？", parent=first, now=at(11.6))
    other = make_account("dora", Role.CADRE, cast.unit_a1, full_name="多拉")
    theirs = services.post_create(actor=with_role(other), course=course, text="请问第二讲的要点？", now=at(11.7))
    changed = services.post_create(actor=carol, course=course, text="请问第三讲的要点？", now=at(11.8))
    assert len({first.pk, later.pk, reply.pk, theirs.pk, changed.pk}) == 5
    assert DiscussionPost.objects.count() == 5


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_second_identical_post_waits_for_the_first_and_returns_it(cast):
    course = make_course(cast, minutes=1)
    inserted, outcomes = threading.Event(), {}

    def first_post():
        # Posts and keeps its transaction open a moment, as a slow request would.
        try:
            with transaction.atomic():
                outcomes["first"] = services.post_create(actor=with_role(cast.carol), course=course,
                                                         text="第一讲讲得很透彻。", now=at(10)).pk
                inserted.set()
                time.sleep(0.5)
        finally:
            connections.close_all()

    def second_post():
        inserted.wait(5)
        try:
            outcomes["second"] = services.post_create(actor=with_role(cast.carol), course=course,
                                                      text="第一讲讲得很透彻。", now=at(10)).pk
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first_post), threading.Thread(target=second_post)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outcomes["first"] == outcomes["second"]
    assert DiscussionPost.objects.filter(course=course).count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_identical_posts_stores_one(cast):
    course = make_course(cast, minutes=1)
    barrier, ids, lock = threading.Barrier(3), [], threading.Lock()

    def post():
        try:
            barrier.wait(5)
            pk = services.post_create(actor=with_role(cast.carol), course=course, text="同问。", now=at(10)).pk
            with lock:
                ids.append(pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(ids) == 3 and len(set(ids)) == 1
    assert DiscussionPost.objects.filter(course=course).count() == 1
