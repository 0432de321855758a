"""L1 ratings: only attendees rate, once (a second submission replaces), within the windows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ganxun.audit.models import AuditEntry
from ganxun.core.errors import DomainError, NotFound
from ganxun.evaluation import rules, selectors
from ganxun.evaluation.models import ClassRating, EvaluationSettings, SessionRating
from ganxun.evaluation.services import ClassRatingIn, SessionRatingIn, class_rate, ratings_write_many, session_rate
from ganxun.evaluation.tests.factories import attend, past_class
from ganxun.testing import make_enrollment, make_session

pytestmark = pytest.mark.django_db


def _aware(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def test_an_attendee_rates_a_session_once_and_resubmitting_replaces_it(cast, actor):
    scenario = past_class(cast)
    session = scenario.sessions[0]
    session_rate(actor=actor(cast.carol), session=session, enrollment=scenario.carol, content=4, teaching=5,
                 comment=" 讲得透彻 ")
    session_rate(actor=actor(cast.carol), session=session, enrollment=scenario.carol, content=2, teaching=3)
    rating = SessionRating.objects.get()
    assert (rating.content, rating.teaching, rating.comment) == (2, 3, "")
    assert rating.enrollment == scenario.carol


def test_the_audit_trail_names_the_session_but_not_the_scores(cast, actor):
    scenario = past_class(cast)
    session_rate(actor=actor(cast.carol), session=scenario.sessions[0], enrollment=scenario.carol, content=1,
                 teaching=1, comment="很差")
    entry = AuditEntry.objects.get(action="evaluation.session_rate")
    assert entry.target_id == str(scenario.sessions[0].pk)
    assert "很差" not in str(entry.detail) and "content" not in str(entry.detail)


def test_a_late_cadre_may_rate_but_an_absent_one_may_not(cast, actor):
    scenario = past_class(cast, attendees=1)
    extra = make_session(scenario.training_class, slot="evening", title="晚间研讨")
    attend(extra, scenario.carol, status="absent")
    with pytest.raises(DomainError, match="只有本节课签到的学员才能评价"):
        session_rate(actor=actor(cast.carol), session=extra, enrollment=scenario.carol, content=5, teaching=5)
    late = make_session(scenario.training_class, date=scenario.training_class.start_date + dt.timedelta(days=1),
                        title="迟到的课")
    attend(late, scenario.carol, status="late")
    session_rate(actor=actor(cast.carol), session=late, enrollment=scenario.carol, content=5, teaching=4)
    assert SessionRating.objects.filter(session=late).count() == 1


def test_a_cadre_without_a_check_in_record_cannot_rate(cast, actor):
    scenario = past_class(cast, attendees=1)
    no_record = make_session(scenario.training_class, slot="evening", title="没有签到")
    with pytest.raises(DomainError) as caught:
        session_rate(actor=actor(cast.carol), session=no_record, enrollment=scenario.carol, content=5, teaching=5)
    assert caught.value.code == "not_attended"
    assert not SessionRating.objects.exists()


def test_nobody_rates_with_another_cadres_enrollment(cast, actor):
    scenario = past_class(cast)
    other_account = scenario.enrollments[1].cadre.person.account
    with pytest.raises(NotFound):
        session_rate(actor=actor(other_account), session=scenario.sessions[0], enrollment=scenario.carol,
                     content=5, teaching=5)
    with pytest.raises(NotFound):
        session_rate(actor=actor(cast.alice), session=scenario.sessions[0], enrollment=scenario.carol,
                     content=5, teaching=5)


def test_the_session_window_opens_at_its_start_and_closes_after_the_class(cast, actor):
    scenario = past_class(cast, ended_days_ago=1)
    session = scenario.sessions[0]
    start = rules.session_opens_at(session)
    with pytest.raises(DomainError, match="课程开始后才能评价"):
        session_rate(actor=actor(cast.carol), session=session, enrollment=scenario.carol, content=5, teaching=5,
                     now=start - dt.timedelta(minutes=1))
    session_rate(actor=actor(cast.carol), session=session, enrollment=scenario.carol, content=5, teaching=5,
                 now=start)
    end = scenario.training_class.end_date
    last_minute = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=14), dt.time(23, 59)))
    session_rate(actor=actor(cast.carol), session=session, enrollment=scenario.carol, content=4, teaching=4,
                 now=last_minute)
    with pytest.raises(DomainError, match="评价已于 .* 截止"):
        session_rate(actor=actor(cast.carol), session=session, enrollment=scenario.carol, content=3, teaching=3,
                     now=last_minute + dt.timedelta(minutes=2))
    assert SessionRating.objects.get().content == 4


def test_the_window_follows_the_class_setting(cast, actor):
    scenario = past_class(cast, ended_days_ago=5)
    EvaluationSettings.objects.create(training_class=scenario.training_class, rating_window_days=3)
    scenario.training_class.refresh_from_db()
    with pytest.raises(DomainError, match="截止"):
        session_rate(actor=actor(cast.carol), session=scenario.sessions[0], enrollment=scenario.carol,
                     content=5, teaching=5)


def test_class_rating_opens_on_the_last_day(cast, actor):
    scenario = past_class(cast, ended_days_ago=1)
    end = scenario.training_class.end_date
    with pytest.raises(DomainError, match="从结业当天"):
        class_rate(actor=actor(cast.carol), enrollment=scenario.carol, content=5, organisation=5, logistics=5,
                   now=_aware(end - dt.timedelta(days=1)))
    class_rate(actor=actor(cast.carol), enrollment=scenario.carol, content=5, organisation=4, logistics=3,
               now=_aware(end, 0))
    class_rate(actor=actor(cast.carol), enrollment=scenario.carol, content=3, organisation=4, logistics=5,
               comment="食堂很好")
    rating = ClassRating.objects.get()
    assert (rating.content, rating.organisation, rating.logistics, rating.comment) == (3, 4, 5, "食堂很好")
    with pytest.raises(DomainError, match="截止"):
        class_rate(actor=actor(cast.carol), enrollment=scenario.carol, content=1, organisation=1, logistics=1,
                   now=_aware(end + dt.timedelta(days=15), 0))


def test_class_rating_needs_an_approved_cadre_who_attended(cast, actor):
    scenario = past_class(cast, attendees=1)
    scenario.carol.attendance.all().delete()
    with pytest.raises(DomainError, match="没有参加本班的任何课程"):
        class_rate(actor=actor(cast.carol), enrollment=scenario.carol, content=5, organisation=5, logistics=5)
    assert not ClassRating.objects.exists()


@pytest.mark.parametrize("bad", [0, 6, "4.5", None, "好", True])
def test_scores_outside_one_to_five_are_refused(cast, actor, bad):
    scenario = past_class(cast, attendees=1)
    with pytest.raises(DomainError) as caught:
        session_rate(actor=actor(cast.carol), session=scenario.sessions[0], enrollment=scenario.carol,
                     content=bad, teaching=5)
    assert caught.value.field == "content"
    assert not SessionRating.objects.exists()


def test_a_comment_longer_than_500_characters_is_refused(cast, actor):
    scenario = past_class(cast, attendees=1)
    with pytest.raises(DomainError, match="不能超过 500 个字"):
        session_rate(actor=actor(cast.carol), session=scenario.sessions[0], enrollment=scenario.carol,
                     content=5, teaching=5, comment="好" * 501)


def test_the_bulk_path_writes_many_ratings_and_is_idempotent(cast):
    scenario = past_class(cast, attendees=4)
    first, second = scenario.sessions
    batch = [SessionRatingIn(s.pk, e.pk, 4, 5, "好") for s in (first, second) for e in scenario.enrollments]
    classes = [ClassRatingIn(e.pk, 5, 4, 3) for e in scenario.enrollments]
    outcome = ratings_write_many(actor=None, training_class=scenario.training_class, session_ratings=batch,
                                 class_ratings=classes)
    assert (outcome.session_ratings, outcome.class_ratings) == (8, 4)
    changed = [SessionRatingIn(first.pk, scenario.carol.pk, 1, 1)]
    ratings_write_many(actor=None, training_class=scenario.training_class, session_ratings=changed)
    assert SessionRating.objects.count() == 8 and ClassRating.objects.count() == 4
    carol = SessionRating.objects.get(session=first, enrollment=scenario.carol)
    assert (carol.content, carol.teaching, carol.comment) == (1, 1, "")


def test_the_bulk_path_refuses_a_cadre_who_did_not_attend_and_writes_nothing(cast):
    scenario = past_class(cast, attendees=2)
    outsider = make_enrollment(scenario.training_class, cast.cadres_a[3], seat_no=9)
    batch = [SessionRatingIn(scenario.sessions[0].pk, scenario.carol.pk, 5, 5),
             SessionRatingIn(scenario.sessions[0].pk, outsider.pk, 5, 5)]
    with pytest.raises(DomainError, match="第 2 条课程评价：该学员未在本节课签到"):
        ratings_write_many(actor=None, training_class=scenario.training_class, session_ratings=batch)
    assert not SessionRating.objects.exists()


def test_the_bulk_path_needs_evaluation_manage_for_a_person(cast, actor):
    scenario = past_class(cast, attendees=1)
    from ganxun.core.errors import Forbidden

    with pytest.raises(Forbidden):
        ratings_write_many(actor=actor(cast.hannah), training_class=scenario.training_class)
    ratings_write_many(actor=actor(cast.ivan), training_class=scenario.training_class, class_ratings=[
        ClassRatingIn(scenario.carol.pk, 4, 4, 4)])
    assert ClassRating.objects.count() == 1


def test_the_learner_state_lists_attended_sessions_that_have_started(cast):
    scenario = past_class(cast, attendees=1)
    not_attended = make_session(scenario.training_class, slot="evening", title="未签到的课")
    state = selectors.learner_state(scenario.carol)
    titles = [item.session.title for item in state.sessions]
    assert titles == ["经济形势分析", "党史专题"]
    assert not_attended.title not in titles
    assert state.class_open and state.class_attended and state.pending == 3
