"""The review warnings, one definition at a time (roster.warnings)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ganxun.credits.models import CreditRecord
from ganxun.roster.tests.factories import county_class, make_call
from ganxun.roster.warnings import Subject, warnings_for, years_before
from ganxun.testing import make_class, make_enrollment
from ganxun.topics.models import Topic

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
TODAY = dt.date(2026, 6, 15)
START = dt.date(2026, 7, 1)


def _topic(code: str, name: str) -> Topic:
    return Topic.objects.create(code=code, name=name)


def _class(cast, title, start, topics=(), days=3):
    return make_class(cast.party_school, title=title, start=start, days=days, topics=topics)


def _codes(cast, training_class, cadre, call=None, today=TODAY) -> dict[str, str]:
    result = warnings_for([Subject("k", cadre, training_class, call)], today=today)["k"]
    return {w["code"]: w["message"] for w in result}


@pytest.fixture
def topics(db):
    return _topic("T01", "党史学习教育"), _topic("T02", "乡村振兴")


def test_it_warns_of_repeated_training_on_a_shared_topic_within_the_years(cast, topics):
    history, rural = topics
    this = _class(cast, "本班", START, topics=[history])
    cadre = cast.cadres_a[1]
    make_enrollment(_class(cast, "党史专题班", START - 400 * DAY, topics=[history, rural]), cadre)
    make_enrollment(_class(cast, "乡村振兴班", START - 100 * DAY, topics=[rural]), cast.cadres_a[2])
    codes = _codes(cast, this, cadre)
    assert "repeated" in codes and "《党史专题班》" in codes["repeated"] and codes["repeated"].startswith("近3年")
    assert "repeated" not in _codes(cast, this, cast.cadres_a[2])  # another topic


def test_repeated_training_ignores_classes_out_of_the_window_not_started_or_not_approved(cast, topics):
    history, _ = topics
    this = _class(cast, "本班", START, topics=[history])
    cadre = cast.cadres_a[1]
    call = make_call(this, repeat_years=2)
    make_enrollment(_class(cast, "三年前的班", years_before(START, 2) - DAY, topics=[history]), cadre)
    make_enrollment(_class(cast, "被退回的班", START - 50 * DAY, topics=[history]), cadre, status="rejected")
    make_enrollment(_class(cast, "还没开班的班", TODAY + 3 * DAY, topics=[history]), cadre)
    assert "repeated" not in _codes(cast, this, cadre, call)
    make_enrollment(_class(cast, "两年内的班", years_before(START, 2), topics=[history]), cast.cadres_a[2])
    assert "《两年内的班》" in _codes(cast, this, cast.cadres_a[2], call)["repeated"]


def test_a_class_without_topics_never_repeats(cast):
    this = _class(cast, "本班", START)
    make_enrollment(_class(cast, "以前的班", START - 30 * DAY), cast.cadres_a[1])
    assert "repeated" not in _codes(cast, this, cast.cadres_a[1])


def test_a_credit_record_with_a_shared_topic_counts_as_repeated_unless_reversed(cast, topics):
    history, _ = topics
    this = _class(cast, "本班", START, topics=[history])
    cadre = cast.cadres_a[1]
    # An offline class from before the platform, keyed into the ledger without a class.
    record = CreditRecord.objects.create(cadre=cadre, hours=Decimal("12"), earned_on=START - 200 * DAY,
                                         mode="offline", source_name="党史专题培训班", source_ref="test:1")
    record.topics.set([history])
    assert "《党史专题培训班》" in _codes(cast, this, cadre)["repeated"]
    CreditRecord.objects.create(cadre=cadre, hours=Decimal("-12"), earned_on=START - 100 * DAY, mode="offline",
                                source_name="冲销", source_ref="test:1:reversal", reverses=record)
    assert "repeated" not in _codes(cast, this, cadre)


@pytest.mark.parametrize("mode", ["online", "recognised"])
def test_self_study_and_recognised_hours_are_not_class_training(cast, topics, mode):
    history, _ = topics
    this = _class(cast, "本班", START, topics=[history])
    cadre = cast.cadres_a[1]
    record = CreditRecord.objects.create(cadre=cadre, hours=Decimal("1"), earned_on=START - 200 * DAY, mode=mode,
                                         source_name="网络课程：党史", source_ref=f"course:1:cadre:{cadre.pk}")
    record.topics.set([history])
    codes = _codes(cast, this, cadre)
    assert "repeated" not in codes and codes["untrained"] == "近3年未参加培训，建议优先"


def test_it_warns_of_a_training_professional(cast):
    this = _class(cast, "本班", START)
    cadre = cast.cadres_a[1]
    call = make_call(this, professional_classes=2)
    for n, days_before in enumerate((20, 100, 300)):
        make_enrollment(_class(cast, f"第{n}个班", START - days_before * DAY, days=2), cadre)
    make_enrollment(_class(cast, "一年多以前的班", years_before(START, 1) - DAY, days=1), cadre)
    codes = _codes(cast, this, cadre, call)
    assert codes["professional"] == "近12个月已参加 3 个班次，超过 2 个（培训专业户）"
    call.professional_classes = 3
    assert "professional" not in _codes(cast, this, cadre, call)


def test_it_warns_when_rank_or_category_is_outside_the_target(cast):
    this = _class(cast, "本班", START)
    call = make_call(this, target_ranks=["county"], target_categories=["party_gov"])
    assert "outside_target" not in _codes(cast, this, cast.cadres_a[1], call)  # 张伟: 县处级, 党政机关
    message = _codes(cast, this, cast.cadres_a[3], call)["outside_target"]  # 王强: 一般干部
    assert message == "职级“一般干部”不在调训对象（县处级）之内"
    call.target_ranks = []
    assert "outside_target" not in _codes(cast, this, cast.cadres_a[3], call)


def test_it_prefers_a_cadre_untrained_for_years(cast):
    this = _class(cast, "本班", START)
    cadre = cast.cadres_a[1]
    assert _codes(cast, this, cadre)["untrained"] == "近3年未参加培训，建议优先"
    make_enrollment(_class(cast, "两年前的班", START - 700 * DAY), cadre)
    assert "untrained" not in _codes(cast, this, cadre)
    call = make_call(this, untrained_years=1)
    assert "untrained" in _codes(cast, this, cadre, call)


def test_warnings_of_many_subjects_take_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    training_class = county_class(cast)
    call = make_call(training_class)
    subjects = [Subject(c.pk, c, training_class, call) for c in cast.cadres_a + cast.cadres_b]
    with django_assert_max_num_queries(5):
        result = warnings_for(subjects)
    assert set(result) == {c.pk for c in cast.cadres_a + cast.cadres_b}


def test_years_before_handles_the_29th_of_february():
    assert years_before(dt.date(2028, 2, 29), 1) == dt.date(2027, 2, 28)
    assert years_before(dt.date(2026, 7, 1), 3) == dt.date(2023, 7, 1)
