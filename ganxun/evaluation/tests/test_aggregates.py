"""The figures: exact means, counts and response rates; the 3-response minimum; courses across classes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ganxun.classes.models import Session, TrainingClass
from ganxun.evaluation import aggregates, selectors
from ganxun.evaluation.models import FollowUp, LearningScore
from ganxun.evaluation.tests.factories import attend, past_class, rate_class, rate_sessions
from ganxun.testing import Kind, make_enrollment, make_org, make_teacher

pytestmark = pytest.mark.django_db


def test_session_figures_have_exact_means_and_response_rate(cast):
    scenario = past_class(cast, attendees=4)
    first = scenario.sessions[0]
    rate_sessions(first, scenario.enrollments[:3], [(5, 3), (4, 3), (4, 4)])
    figures = aggregates.session_figures(Session.objects.filter(pk=first.pk))[first.pk]
    assert figures.responses == 3 and figures.attendees == 4
    assert figures.means == {"content": Decimal("4.33"), "teaching": Decimal("3.33")}
    assert figures.rate == Decimal("0.7500") and figures.rate_percent == Decimal("75.0")


def test_a_mean_needs_three_responses(cast):
    scenario = past_class(cast, attendees=4)
    first = scenario.sessions[0]
    rate_sessions(first, scenario.enrollments[:2], [(5, 5), (1, 1)])
    figures = aggregates.session_figures(Session.objects.filter(pk=first.pk))[first.pk]
    assert figures.responses == 2
    assert figures.means == {"content": None, "teaching": None}
    assert not figures.shown


def test_means_round_half_up(cast):
    assert aggregates.mean_of(35, 8) == Decimal("4.38")   # 4.375
    assert aggregates.mean_of(10, 3) == Decimal("3.33")
    assert aggregates.mean_of(11, 3) == Decimal("3.67")
    assert aggregates.mean_of(8, 2) is None


def test_a_course_is_the_same_title_and_teacher_across_classes(cast):
    one = past_class(cast, title="一期", attendees=3)
    two = past_class(cast, title="二期", attendees=3, ended_days_ago=30)
    # Same title, same teacher (tom) in both classes: one course. The afternoon sessions have
    # different teachers, so they are two courses although they share a title.
    rate_sessions(one.sessions[0], one.enrollments, [(5, 5), (5, 4), (4, 4)])
    rate_sessions(two.sessions[0], two.enrollments[:2], [(3, 3), (3, 2)])
    rate_sessions(one.sessions[1], one.enrollments[:1], [(2, 2)])
    courses = {(c.title, c.teacher.person.name): c for c in
               aggregates.course_figures(Session.objects.filter(training_class__in=[one.training_class,
                                                                                      two.training_class]))}
    tom = courses[("党史专题", "汤姆")]
    assert (tom.classes, tom.sessions, tom.figures.responses, tom.figures.attendees) == (2, 2, 5, 6)
    # The session of the second class has only 2 ratings: it counts in responses but not in the
    # means, or its ratings could be worked out from the course mean and the first session's.
    assert tom.figures.scored == 3
    assert tom.figures.means == {"content": Decimal("4.67"), "teaching": Decimal("4.33")}
    assert len(courses) == 2  # the second class's afternoon session has no rating
    rate_sessions(two.sessions[0], two.enrollments[2:], [(2, 2)])
    tom = next(c for c in aggregates.course_figures(Session.objects.all()) if c.title == "党史专题")
    assert tom.figures.scored == tom.figures.responses == 6
    assert tom.figures.means == {"content": Decimal("3.67"), "teaching": Decimal("3.33")}   # 22/6, 20/6


def test_teacher_figures_and_ranking(cast):
    scenario = past_class(cast, attendees=4)
    first, second = scenario.sessions
    rate_sessions(first, scenario.enrollments, [(4, 5), (4, 5), (4, 4), (4, 4)])    # tom: teaching 4.50
    rate_sessions(second, scenario.enrollments, [(5, 3), (5, 3), (5, 4), (5, 3)])   # other: teaching 3.25
    lonely = make_teacher("孤评教师", cast.party_school)
    extra = Session.objects.create(training_class=scenario.training_class, date=first.date, slot="evening",
                                   start_time=dt.time(19), end_time=dt.time(21), title="夜谈", teacher=lonely)
    attend(extra, scenario.carol)
    rate_sessions(extra, [scenario.carol], [(5, 5)])                                 # 1 response: unranked
    entries = aggregates.ranked(aggregates.teacher_figures(Session.objects.filter(
        training_class=scenario.training_class)), "teaching")
    assert [e.teacher.person.name for e in entries][0] == "汤姆"
    assert entries[0].figures.means["teaching"] == Decimal("4.50")
    assert entries[1].figures.means["teaching"] == Decimal("3.25")
    assert entries[2].teacher == lonely and entries[2].figures.means["teaching"] is None
    assert entries[0].figures.rate == Decimal("1.0000")


def test_class_figures_count_attendees_who_checked_in(cast):
    scenario = past_class(cast, attendees=4)
    absent_only = make_enrollment(scenario.training_class, cast.cadres_a[3], seat_no=20)
    attend(scenario.sessions[0], absent_only, status="absent")
    rate_class(scenario.training_class, scenario.enrollments[:3], [(5, 4, 3), (4, 4, 2), (4, 5, 2)],
               comments=["很好", "", "伙食一般"])
    figures = aggregates.class_figures(TrainingClass.objects.filter(pk=scenario.training_class.pk))
    reaction = figures[scenario.training_class.pk].reaction
    assert (reaction.responses, reaction.attendees) == (3, 4)
    assert reaction.means == {"content": Decimal("4.33"), "organisation": Decimal("4.33"),
                              "logistics": Decimal("2.33")}
    assert selectors.class_comments(scenario.training_class, reaction) == ["伙食一般", "很好"]


def test_institution_figures_group_classes_of_each_institution(cast):
    one = past_class(cast, attendees=3)
    other_school = make_org("东城区委党校", Kind.INSTITUTION, cast.county_a)
    two = past_class(cast, attendees=3, title="区委党校班", teacher=make_teacher("区校教师", other_school),
                     other_teacher=make_teacher("区校教师二", other_school))
    TrainingClass.objects.filter(pk=two.training_class.pk).update(institution=other_school)
    rate_class(one.training_class, one.enrollments, [(5, 5, 5), (4, 4, 4), (3, 3, 3)])
    rate_class(two.training_class, two.enrollments, [(2, 2, 2), (2, 2, 2), (2, 3, 2)])
    rows = {f.institution.name: f for f in aggregates.institution_figures(
        TrainingClass.objects.filter(pk__in=[one.training_class.pk, two.training_class.pk]))}
    assert rows["中共临江市委党校"].reaction.means["content"] == Decimal("4.00")
    assert rows["东城区委党校"].reaction.means["organisation"] == Decimal("2.33")
    assert rows["东城区委党校"].classes == 1 and rows["东城区委党校"].reaction.attendees == 3


def test_learning_gain_and_share_improved(cast):
    scenario = past_class(cast, attendees=4)
    e = scenario.enrollments
    LearningScore.objects.create(enrollment=e[0], training_class=scenario.training_class, pre_score=60, post_score=80)
    LearningScore.objects.create(enrollment=e[1], training_class=scenario.training_class, pre_score=70,
                                 post_score=Decimal("65.5"))
    LearningScore.objects.create(enrollment=e[2], training_class=scenario.training_class, pre_score=50, post_score=90)
    LearningScore.objects.create(enrollment=e[3], training_class=scenario.training_class, pre_score=40)
    figures = aggregates.learning_figures(scenario.training_class)
    assert (figures.entered, figures.pairs, figures.improved) == (4, 3, 2)
    assert figures.mean_pre == Decimal("60.00") and figures.mean_post == Decimal("78.50")
    assert figures.mean_gain == Decimal("18.50")
    assert figures.improved_share == Decimal("0.6667")


def test_followup_figures_count_answered_and_overdue(cast):
    scenario = past_class(cast, attendees=4, ended_days_ago=200)
    today = dt.date.today()
    for index, enrollment in enumerate(scenario.enrollments):
        FollowUp.objects.create(enrollment=enrollment, training_class=scenario.training_class, unit=enrollment.unit,
                                opens_on=today - dt.timedelta(days=40), due_on=today - dt.timedelta(days=10),
                                applies=[4, 3, 2, None][index], performance=[5, 3, 3, None][index],
                                answered_at=None if index == 3 else scenario.training_class.created_at)
    figures = aggregates.followup_figures(FollowUp.objects.all(), ("training_class_id",), today=today)
    row = figures[scenario.training_class.pk]
    assert (row.total, row.answered, row.overdue, row.pending) == (4, 3, 1, 0)
    assert row.figures.means == {"applies": Decimal("3.00"), "performance": Decimal("3.67")}
    assert row.completion == Decimal("0.7500")


def test_rankings_are_scoped_to_the_actors_classes(cast, actor):
    scenario = past_class(cast, attendees=3)
    rate_sessions(scenario.sessions[0], scenario.enrollments, [(4, 4)] * 3)
    assert [e.teacher for e in selectors.teacher_rankings_for(actor(cast.alice))][:1] == [cast.tom_teacher]
    assert selectors.teacher_rankings_for(actor(cast.charlie)) == []
    assert selectors.teacher_rankings_for(actor(cast.tom)) == []  # teachers have no evaluation.view
    in_period = selectors.teacher_rankings_for(actor(cast.ivan), date_from=scenario.sessions[0].date)
    before = selectors.teacher_rankings_for(actor(cast.ivan), date_to=scenario.sessions[0].date - dt.timedelta(days=1))
    assert len(in_period) == 1 and before == []


def test_an_institutions_means_leave_out_classes_below_the_minimum(cast):
    big = past_class(cast, attendees=3)
    small = past_class(cast, attendees=3, title="小班")
    rate_class(big.training_class, big.enrollments, [(4, 4, 4)] * 3)
    rate_class(small.training_class, small.enrollments[:1], [(1, 1, 1)])
    row = aggregates.institution_figures(TrainingClass.objects.all())[0]
    assert (row.reaction.responses, row.reaction.scored) == (4, 3)
    assert row.reaction.means["content"] == Decimal("4.00")


def test_identical_comments_are_shown_once_with_their_count():
    assert aggregates.merged_comments(["内容偏理论", "内容偏理论", "好", "很好", "很好", "很好"]) == [
        "内容偏理论（2 人）", "好", "很好（3 人）"]
    assert aggregates.merged_comments([]) == []
