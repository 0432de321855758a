"""The `hours` template filter: quarter hours as people write them, on a real page too."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone

from ganxun.core.templatetags.hours import format_hours


@pytest.mark.parametrize("value,shown", [
    (Decimal("0.75"), "0.75"), (Decimal("1.00"), "1"), (Decimal("12.50"), "12.5"), (Decimal("0"), "0"),
    (Decimal("0.00"), "0"), (Decimal("0.25"), "0.25"), (Decimal("-0.50"), "-0.5"), (Decimal("1E+1"), "10"),
    (0.75, "0.75"), (12.5, "12.5"), (0.1 + 0.2, "0.3"), (3, "3"), (1234.5, "1234.5"), ("2.50", "2.5"),
    (Decimal("0.333"), "0.33"), (Decimal("0.005"), "0.01"), (Decimal("-0.001"), "0"),
    (None, ""), ("", ""), ("abc", ""), (Decimal("NaN"), ""), (float("inf"), ""), (True, ""),
])
def test_it_keeps_quarter_hours_and_drops_trailing_zeros(value, shown):
    assert format_hours(value) == shown


def test_it_is_a_template_filter():
    rendered = Template("{% load hours %}{{ a|hours }}/{{ b|hours }}/{{ c|hours }}").render(
        Context({"a": Decimal("0.75"), "b": Decimal("1.00"), "c": Decimal("12.50")}))
    assert rendered == "0.75/1/12.5"


def test_my_courses_shows_quarter_hours_unrounded(cast, login):
    from ganxun.learning.models import Course, StudyProgress

    now = timezone.now()
    for title, hours in (("短课", "0.75"), ("长课", "11.75")):
        course = Course.objects.create(title=title, kind="video", duration_minutes=10, owner=cast.org_dept_a,
                                       status="published", published_at=now)
        StudyProgress.objects.create(account=cast.carol, cadre=cast.carol_cadre, course=course, credited_seconds=600,
                                     started_at=now, last_studied_at=now, completed_at=now, credit_hours=Decimal(hours))
    page = login(cast.carol).get("/learn/courses/mine/").text
    assert '<div class="h2 mb-0" id="mine-hours">12.5</div>' in page  # floatformat:"-2" showed 12.50
    assert "0.75 学时" in page and "11.75 学时" in page
