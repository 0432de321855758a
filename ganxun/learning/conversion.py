"""Credit-hour conversion of a completed course (学时折算), by rules with effective dates.

Definition: with the rule of `platform` in force on the completion date (effective_from ≤ date,
and effective_to empty or ≥ date), a course of D minutes (its nominal duration) earns
`long_hours` when D ≥ long_minutes, `medium_hours` when medium_minutes ≤ D < long_minutes,
`short_hours` below that; passing the course test adds `test_bonus_hours`. Defaults (migration
0002): ≥ 30 min → 1 h, 15–30 min → 0.5 h, < 15 min → 0.25 h, test +0.5 h.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from ganxun.access import scope
from ganxun.core.errors import DomainError
from ganxun.learning.models import OWN_PLATFORM, ConversionRule


def rule_in_force(*, on: dt.date, platform: str = OWN_PLATFORM) -> ConversionRule:
    rule = (ConversionRule.objects.filter(platform=platform, effective_from__lte=on)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on)).order_by("-effective_from").first())
    if rule is None:
        raise DomainError(f"{on:%Y-%m-%d} 没有生效的学时折算规则（平台 {platform}），请先设置。", code="no_conversion_rule")
    return rule


def credit_hours_for(*, duration_minutes: int, on: dt.date, platform: str = OWN_PLATFORM,
                     test_passed: bool = False) -> Decimal:
    """Credit hours of a course of `duration_minutes` completed on `on` (see the module docstring)."""
    rule = rule_in_force(on=on, platform=platform)
    if duration_minutes >= rule.long_minutes:
        hours = rule.long_hours
    elif duration_minutes >= rule.medium_minutes:
        hours = rule.medium_hours
    else:
        hours = rule.short_hours
    if test_passed:
        hours += rule.test_bonus_hours
    return Decimal(hours).quantize(Decimal("0.01"))


@transaction.atomic
def conversion_rule_create(*, actor, platform: str = OWN_PLATFORM, effective_from: dt.date,
                           effective_to: dt.date | None = None, long_minutes: int = 30, long_hours: Decimal = Decimal(1),
                           medium_minutes: int = 15, medium_hours: Decimal = Decimal("0.5"),
                           short_hours: Decimal = Decimal("0.25"), test_bonus_hours: Decimal = Decimal("0.5"),
                           note: str = "") -> ConversionRule:
    """A new rule from `effective_from`. The rule in force then (open-ended, started earlier) is
    closed the day before; any other overlap with an existing rule of the platform is refused."""
    scope.require(actor, "courses.publish")
    if effective_to is not None and effective_to < effective_from:
        raise DomainError("失效日期不能早于生效日期。", field="effective_to")
    if not medium_minutes < long_minutes:
        raise DomainError("中等课程下限应小于长课程下限。", field="medium_minutes")
    rules = ConversionRule.objects.select_for_update().filter(platform=platform)
    open_before = rules.filter(effective_from__lt=effective_from, effective_to__isnull=True).first()
    if open_before is not None:
        open_before.effective_to = effective_from - dt.timedelta(days=1)
        open_before.save(update_fields=["effective_to"])
    end = effective_to or dt.date.max
    overlapping = rules.filter(effective_from__lte=end).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=effective_from))
    if overlapping.exists():
        raise DomainError("与已有的折算规则时间重叠。", code="rule_overlap", field="effective_from")
    rule = ConversionRule(platform=platform, effective_from=effective_from, effective_to=effective_to,
                          long_minutes=long_minutes, long_hours=long_hours, medium_minutes=medium_minutes,
                          medium_hours=medium_hours, short_hours=short_hours, test_bonus_hours=test_bonus_hours,
                          note=note)
    rule.full_clean()
    rule.save()
    return rule
