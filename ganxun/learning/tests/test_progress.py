"""Server-computed study credit: every anti-idling rule, the caps, completion and the ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ganxun.access.roles import Role
from ganxun.core.errors import DomainError, NotFound
from ganxun.credits.models import CreditRecord
from ganxun.learning import services
from ganxun.learning.models import Heartbeat, StudyProgress, Verdict
from ganxun.learning.tests.helpers import Player, at, make_course
from ganxun.testing import make_account, make_cadre, with_role


@pytest.fixture
def course(cast):
    return make_course(cast, minutes=10)  # a 600 s video


def test_it_credits_the_wall_clock_time_of_plausible_playback(cast, course):
    player = Player(cast.carol, course)
    results = [player.beat() for _ in range(4)]
    assert [r.credited_seconds for r in results] == [30, 30, 30, 30]
    assert {r.verdict for r in results} == {Verdict.CREDITED}
    progress = StudyProgress.objects.get(account=cast.carol, course=course)
    assert progress.credited_seconds == 120
    assert progress.position == 120
    assert progress.cadre == cast.carol_cadre


def test_it_credits_wall_clock_not_content_time_at_an_allowed_rate(cast, course):
    player = Player(cast.carol, course)
    result = player.beat(rate=1.5)
    assert result.credited_seconds == 30
    assert player.position == 45


def test_it_credits_nothing_above_the_maximum_rate(cast, course, settings):
    player = Player(cast.carol, course)
    result = player.beat(rate=2.0)
    assert (result.credited_seconds, result.verdict) == (0, Verdict.RATE)
    settings.GANXUN_STUDY_MAX_RATE = 2.0
    assert player.beat(rate=2.0).credited_seconds == 30


def test_it_credits_nothing_for_a_gap_longer_than_twice_the_interval(cast, course):
    player = Player(cast.carol, course)
    idle = player.beat(after=61)
    assert (idle.credited_seconds, idle.verdict) == (0, Verdict.IDLE)
    assert player.beat().credited_seconds == 30  # studying again after the gap counts again


def test_it_credits_nothing_while_the_page_is_hidden(cast, course):
    player = Player(cast.carol, course)
    hidden = player.beat(visible=False)
    assert (hidden.credited_seconds, hidden.verdict) == (0, Verdict.HIDDEN)
    assert StudyProgress.objects.get(account=cast.carol, course=course).credited_seconds == 0


def test_it_credits_nothing_for_a_forward_seek_past_unwatched_content(cast, course):
    player = Player(cast.carol, course)
    player.beat()
    seek = player.beat(moved=300)
    assert (seek.credited_seconds, seek.verdict) == (0, Verdict.SEEK)
    assert player.beat().credited_seconds == 30  # watching after the jump counts
    assert StudyProgress.objects.get(account=cast.carol, course=course).credited_seconds == 60


def test_it_credits_nothing_for_a_jump_back_beyond_the_seek_allowance(cast, course):
    player = Player(cast.carol, course)
    player.play(4)
    back = player.beat(moved=-60)
    assert (back.credited_seconds, back.verdict) == (0, Verdict.BACKWARDS)
    small = player.beat(moved=-5)  # within the allowance, but the video did not play forward
    assert (small.credited_seconds, small.verdict) == (0, Verdict.PAUSED)


def test_it_credits_only_the_time_the_video_played(cast, course):
    player = Player(cast.carol, course)
    partial = player.beat(moved=12)
    assert (partial.credited_seconds, partial.verdict) == (12, Verdict.PARTIAL)
    paused = player.beat(moved=0)
    assert (paused.credited_seconds, paused.verdict) == (0, Verdict.PAUSED)


def test_a_heartbeat_of_a_second_session_pauses_the_first(cast, course):
    first = Player(cast.carol, course)
    assert first.beat().credited_seconds == 30
    other_course = make_course(cast, title="乡村振兴战略", minutes=10)
    second = Player(cast.carol, other_course, start=first.clock + 5)
    assert second.beat(after=25).credited_seconds == 25
    first.clock = second.clock
    stale = first.beat(after=5)
    assert stale.pause is True and stale.credited_seconds == 0 and stale.verdict == "superseded"
    assert first.beat().pause is True  # a superseded session never resumes
    assert second.beat().credited_seconds == 30
    assert StudyProgress.objects.get(account=cast.carol, course=course).credited_seconds == 30


def test_it_caps_the_credit_of_a_day(cast, course, settings):
    settings.GANXUN_STUDY_DAILY_CAP_HOURS = 0.02  # 72 s
    player = Player(cast.carol, course)
    assert [player.beat().credited_seconds for _ in range(4)] == [30, 30, 12, 0]
    assert player.beat().verdict == Verdict.DAILY_CAP
    tomorrow = Player(cast.carol, course, start=24 * 3600)
    assert tomorrow.beat().credited_seconds == 30


def test_a_replayed_or_late_heartbeat_credits_nothing_extra(cast, course):
    player = Player(cast.carol, course)
    assert player.beat().credited_seconds == 30
    replay = player.beat(seq=1)
    assert (replay.credited_seconds, replay.verdict) == (0, "replayed")
    player.seq = 3
    assert player.beat(seq=3).credited_seconds == 60  # seq 2 was lost: the 60 s since seq 1 played through
    late = player.beat(seq=2)
    assert late.credited_seconds == 0 and late.verdict == "replayed"
    assert Heartbeat.objects.filter(session=player.session).count() == 2
    assert StudyProgress.objects.get(account=cast.carol, course=course).credited_seconds == \
        sum(Heartbeat.objects.filter(session=player.session).values_list("credited_seconds", flat=True))


def test_the_same_heartbeat_sent_twice_at_once_credits_once(cast, course):
    player = Player(cast.carol, course)
    carol = with_role(cast.carol)
    results = [services.study_heartbeat(actor=carol, token=player.session.token, seq=1, position=30, rate=1,
                                        visible=True, now=at(30)) for _ in range(2)]
    assert [r.credited_seconds for r in results] == [30, 0]
    assert StudyProgress.objects.get(account=cast.carol, course=course).credited_seconds == 30


def test_it_refuses_a_forged_or_foreign_token(cast, course):
    player = Player(cast.carol, course)
    dave = make_account("dave", Role.CADRE, cast.unit_a1)
    make_cadre("戴维", cast.unit_a1, account=dave)
    with pytest.raises(NotFound):
        services.study_heartbeat(actor=with_role(dave), token=player.session.token, seq=1, position=30, rate=1,
                                 visible=True, now=at(30))
    with pytest.raises(NotFound):
        services.study_heartbeat(actor=with_role(cast.carol), token="forged", seq=1, position=30, rate=1,
                                 visible=True, now=at(30))


@pytest.mark.parametrize("field,value", [("rate", float("nan")), ("rate", 0), ("position", -1.0),
                                         ("position", float("inf")), ("seq", 0)])
def test_it_refuses_heartbeat_numbers_no_player_sends(cast, course, field, value):
    player = Player(cast.carol, course)
    data = {"seq": 1, "position": 30.0, "rate": 1.0, **{field: value}}
    with pytest.raises(DomainError):
        services.study_heartbeat(actor=with_role(cast.carol), token=player.session.token, visible=True, now=at(30),
                                 **data)
    assert player.beat().credited_seconds == 30  # the refused heartbeat left the session as it was


def test_credit_never_exceeds_the_video_duration(cast):
    course = make_course(cast, minutes=10, video_seconds=70)
    player = Player(cast.carol, course)
    results = [player.beat() for _ in range(4)]
    assert [r.credited_seconds for r in results] == [30, 30, 10, 0]
    assert results[2].verdict == Verdict.DURATION_CAP
    assert StudyProgress.objects.get(account=cast.carol, course=course).credited_seconds == 70


def test_a_document_credits_reading_time_up_to_its_nominal_duration(cast):
    course = make_course(cast, kind="document", minutes=1)
    player = Player(cast.carol, course)
    results = [player.beat(position=0) for _ in range(3)]
    assert [r.credited_seconds for r in results] == [30, 30, 0]
    assert results[1].completed is True


def test_it_completes_the_course_at_the_threshold_and_posts_credit_hours_once(cast):
    course = make_course(cast, minutes=20, video_seconds=100)
    player = Player(cast.carol, course)
    _, second, third = player.beat(), player.beat(), player.beat()
    assert not second.completed and third.completed  # 90 s of 100 s
    progress = StudyProgress.objects.get(account=cast.carol, course=course)
    assert progress.completed_at == at(90)
    assert progress.credit_hours == Decimal("0.50")  # 20 min course: 15–30 min → 0.5 h
    record = CreditRecord.objects.get(cadre=cast.carol_cadre)
    assert (record.hours, record.mode, record.source_name) == (Decimal("0.50"), "online", course.title)
    assert record.source_ref == f"course:{course.pk}:cadre:{cast.carol_cadre.pk}"
    assert record.earned_on == dt.date(2026, 5, 11)
    player.beat()
    services.progress_complete(actor=with_role(cast.carol), progress=progress, now=at(500))
    assert CreditRecord.objects.filter(cadre=cast.carol_cadre).count() == 1


def test_completion_carries_the_course_topics_into_the_ledger(cast):
    from ganxun.topics.models import Topic

    topics = list(Topic.objects.order_by("code")[:2])
    course = make_course(cast, minutes=40, video_seconds=30, topics=topics)
    Player(cast.carol, course).beat()
    record = CreditRecord.objects.get(cadre=cast.carol_cadre)
    assert record.hours == Decimal("1.00")
    assert set(record.topics.all()) == set(topics)


def test_a_learner_without_a_cadre_record_gets_no_ledger_entry(cast):
    course = make_course(cast, minutes=10, video_seconds=30)
    eve = make_account("eve", Role.CADRE, cast.unit_a1)
    result = Player(eve, course).beat()
    assert result.completed
    assert StudyProgress.objects.get(account=eve).cadre is None
    assert not CreditRecord.objects.exists()


def test_a_launch_resumes_at_the_saved_position(cast, course):
    player = Player(cast.carol, course)
    player.play(2)
    again = Player(cast.carol, course, start=200)
    assert again.session.start_position == 60
    assert again.beat().credited_seconds == 30


def test_only_published_courses_can_be_studied(cast):
    draft = make_course(cast, published=False)
    with pytest.raises(NotFound):
        services.study_launch(actor=with_role(cast.carol), course=draft, now=at(0))
