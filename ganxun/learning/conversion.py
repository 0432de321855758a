"""Credit-hour conversion of a completed course (学时折算), by rules with effective dates.

Definition: with the rule of `platform` in force on the completion date (effective_from ≤ date,
and effective_to empty or ≥ date), a course of D minutes (its nominal duration) earns
`long_hours` when D ≥ long_minutes, `medium_hours` when medium_minutes ≤ D < long_minutes,
`short_hours` below that; passing the course test adds `test_bonus_hours`. Defaults (migration
0002): ≥ 30 min → 1 h, 15–30 min → 0.5 h, < 15 min → 0.25 h, test +0.5 h.

Managing the rules (the org department, permission `courses.publish`, pages under
/manage/conversion-rules/): credit already posted was converted with the rules in force on its
dates, so nothing about a day up to today ever changes. A rule in force or past is neither edited
nor deleted (only its open end may be closed after today), and a new or edited rule starts
tomorrow at the earliest. Rules of a platform never overlap. Writes avoid opening holes in the
timeline: a new rule closes the open-ended rule before it on the day before; a future rule's
predecessor (the rule ending the day before it starts) follows when its start moves, and takes
its period back when it is deleted. Holes that remain (a rule given an end date with nothing
after it) are shown on the rules page: a course completed then cannot be converted.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ganxun.access import scope
from ganxun.access.models import RoleAssignment
from ganxun.access.roles import ROLE_PERMISSIONS
from ganxun.audit.services import audit_record
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.learning.models import OWN_PLATFORM, ConversionRule

PERMISSION = "courses.publish"


def may_make_rules(actor) -> bool:
    """Rules hold for the whole platform, so only the highest org department changes them: one
    with PERMISSION and no current holder of PERMISSION over a wider scope (a county's org
    department reads the rules its city or province sets; the city's changes them unless the
    province's org department is on the platform too)."""
    if not scope.can(actor, PERMISSION):
        return False
    path = scope.scope_path(actor)
    if path is None:
        return False
    roles = [role for role, permissions in ROLE_PERMISSIONS.items() if PERMISSION in permissions]
    above = (RoleAssignment.objects.current().filter(role__in=roles).exclude(scope__path=path)
             .values_list("scope__path", flat=True))
    return not any(path.startswith(other) for other in above)


def require_rule_maker(actor) -> None:
    if not may_make_rules(actor):
        raise Forbidden("学时折算规则全平台通用，由最上级组织部门设置；本级只能查看。")
PREVIEW_MINUTES = (10, 20, 45)
QUARTER = Decimal("0.25")
MAX_HOURS = Decimal("99.75")  # the largest quarter hour the column (4 digits, 2 decimals) holds
MAX_MINUTES = 6000  # the longest course (learning.services._check_fields)
_PLATFORM = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
_ONE_DAY = dt.timedelta(days=1)
VALUE_FIELDS = ("effective_from", "effective_to", "long_minutes", "long_hours", "medium_minutes", "medium_hours",
                "short_hours", "test_bonus_hours", "note")


class RuleState:
    PAST = "past"
    CURRENT = "current"
    FUTURE = "future"


# --- conversion ---------------------------------------------------------------------------------

def rule_in_force(*, on: dt.date, platform: str = OWN_PLATFORM) -> ConversionRule:
    rule = (ConversionRule.objects.filter(platform=platform, effective_from__lte=on)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on)).order_by("-effective_from").first())
    if rule is None:
        raise DomainError(f"{on:%Y-%m-%d} 没有生效的学时折算规则（平台 {platform}），请先设置。", code="no_conversion_rule")
    return rule


def hours_under(rule: ConversionRule, *, duration_minutes: int, test_passed: bool = False) -> Decimal:
    """Credit hours of a course of `duration_minutes` under `rule` (see the module docstring)."""
    if duration_minutes >= rule.long_minutes:
        hours = rule.long_hours
    elif duration_minutes >= rule.medium_minutes:
        hours = rule.medium_hours
    else:
        hours = rule.short_hours
    hours = Decimal(hours)
    if test_passed:
        hours += Decimal(rule.test_bonus_hours)
    return hours.quantize(Decimal("0.01"))


def credit_hours_for(*, duration_minutes: int, on: dt.date, platform: str = OWN_PLATFORM,
                     test_passed: bool = False) -> Decimal:
    """Credit hours of a course of `duration_minutes` completed on `on` (see the module docstring)."""
    return hours_under(rule_in_force(on=on, platform=platform), duration_minutes=duration_minutes,
                       test_passed=test_passed)


def rule_preview(rule: ConversionRule) -> list[tuple[int, Decimal]]:
    """(minutes, hours) of a 10, 20 and 45-minute course under `rule`, without the test bonus."""
    return [(minutes, hours_under(rule, duration_minutes=minutes)) for minutes in PREVIEW_MINUTES]


# --- reads of the rules page -----------------------------------------------------------------------

def platform_label(platform: str) -> str:
    return f"本平台（{platform}）" if platform == OWN_PLATFORM else platform


def period_label(rule: ConversionRule) -> str:
    end = f"{rule.effective_to:%Y-%m-%d}" if rule.effective_to else "长期"
    return f"{rule.effective_from:%Y-%m-%d} 至 {end}"


def rule_state(rule: ConversionRule, *, today: dt.date) -> str:
    if rule.effective_from > today:
        return RuleState.FUTURE
    if rule.effective_to is not None and rule.effective_to < today:
        return RuleState.PAST
    return RuleState.CURRENT


@dataclass(frozen=True)
class RuleRow:
    rule: ConversionRule
    state: str
    preview: list[tuple[int, Decimal]]

    @property
    def editable(self) -> bool:
        return self.state == RuleState.FUTURE


@dataclass
class PlatformRules:
    platform: str
    label: str
    rows: list[RuleRow] = field(default_factory=list)
    # Periods from today on that no rule covers: (first day, last day or None for "from then on").
    gaps: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)


def _gaps(rules: list[ConversionRule], *, today: dt.date) -> list[tuple[dt.date, dt.date | None]]:
    """Holes in the timeline of one platform's rules that reach today or later."""
    ordered = sorted(rules, key=lambda r: r.effective_from)
    found: list[tuple[dt.date, dt.date | None]] = []
    for before, after in zip(ordered, ordered[1:], strict=False):
        if before.effective_to is not None and before.effective_to + _ONE_DAY < after.effective_from:
            found.append((before.effective_to + _ONE_DAY, after.effective_from - _ONE_DAY))
    if ordered and ordered[-1].effective_to is not None:
        found.append((ordered[-1].effective_to + _ONE_DAY, None))
    return [(start, end) for start, end in found if end is None or end >= today]


def conversion_rules_overview(actor, *, today: dt.date | None = None) -> list[PlatformRules]:
    """Every platform's rules, newest first, with their state on `today` and the 10/20/45-minute
    preview; our own platform first. Empty without the permission."""
    if not scope.can(actor, PERMISSION):
        return []
    today = today or timezone.localdate()
    platforms: dict[str, PlatformRules] = {}
    by_platform: dict[str, list[ConversionRule]] = {}
    for rule in ConversionRule.objects.order_by("platform", "-effective_from"):
        group = platforms.setdefault(rule.platform, PlatformRules(rule.platform, platform_label(rule.platform)))
        group.rows.append(RuleRow(rule, rule_state(rule, today=today), rule_preview(rule)))
        by_platform.setdefault(rule.platform, []).append(rule)
    for platform, group in platforms.items():
        group.gaps = _gaps(by_platform[platform], today=today)
    return sorted(platforms.values(), key=lambda g: (g.platform != OWN_PLATFORM, g.platform))


def conversion_rule_get_for(actor, pk) -> ConversionRule:
    """One rule for the rules page, or NotFound (missing, or the actor may not manage rules)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("未找到该折算规则。") from None
    rule = ConversionRule.objects.filter(pk=pk).first() if scope.can(actor, PERMISSION) else None
    if rule is None:
        raise NotFound("未找到该折算规则。")
    return rule


# --- writes -----------------------------------------------------------------------------------

def _hours(value, *, field_name: str, label: str) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(f"{label}须为数字。", field=field_name) from None
    if not hours.is_finite() or hours < 0 or hours > MAX_HOURS:
        raise DomainError(f"{label}须在 0–{MAX_HOURS} 之间。", field=field_name)
    if hours % QUARTER:
        raise DomainError(f"{label}须为 0.25 学时的整数倍（如 0.25、0.5、0.75、1）。", field=field_name)
    return hours.quantize(Decimal("0.01"))


def _minutes(value, *, field_name: str, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MINUTES:
        raise DomainError(f"{label}须为 1–{MAX_MINUTES} 之间的整数。", field=field_name)
    return value


def _clean_values(*, effective_from, effective_to, long_minutes, long_hours, medium_minutes, medium_hours,
                  short_hours, test_bonus_hours, note, today: dt.date) -> dict:
    """The rule's values checked and normalised, or DomainError naming the first bad field."""
    if not isinstance(effective_from, dt.date):
        raise DomainError("请填写生效日期。", field="effective_from")
    if effective_from <= today:
        raise DomainError(f"生效日期须晚于今天（{today:%Y-%m-%d}）：已生效的规则不能改写，已登记的学时依据它折算。",
                          code="rule_not_future", field="effective_from")
    if effective_to is not None and not isinstance(effective_to, dt.date):
        raise DomainError("失效日期不是有效的日期。", field="effective_to")
    if effective_to is not None and effective_to < effective_from:
        raise DomainError("失效日期不能早于生效日期。", field="effective_to")
    long_minutes = _minutes(long_minutes, field_name="long_minutes", label="长课程下限")
    medium_minutes = _minutes(medium_minutes, field_name="medium_minutes", label="中等课程下限")
    if not medium_minutes < long_minutes:
        raise DomainError("中等课程下限应小于长课程下限。", field="medium_minutes")
    values = {
        "long_hours": _hours(long_hours, field_name="long_hours", label="长课程学时"),
        "medium_hours": _hours(medium_hours, field_name="medium_hours", label="中等课程学时"),
        "short_hours": _hours(short_hours, field_name="short_hours", label="短课程学时"),
        "test_bonus_hours": _hours(test_bonus_hours, field_name="test_bonus_hours", label="通过课程测试加计学时"),
    }
    if values["medium_hours"] > values["long_hours"]:
        raise DomainError("中等课程学时不能多于长课程学时。", field="medium_hours")
    if values["short_hours"] > values["medium_hours"]:
        raise DomainError("短课程学时不能多于中等课程学时。", field="short_hours")
    note = (note or "").strip()
    if len(note) > 200:
        raise DomainError("说明最多 200 个字。", field="note")
    return {"effective_from": effective_from, "effective_to": effective_to, "long_minutes": long_minutes,
            "medium_minutes": medium_minutes, "note": note, **values}


def _clean_platform(platform: str) -> str:
    platform = (platform or "").strip()
    if not _PLATFORM.match(platform):
        raise DomainError("平台代码须以小写字母或数字开头，只含小写字母、数字、点、连字符和下划线，最多 40 个字符。",
                          field="platform")
    return platform


def _locked_rules(platform: str) -> list[ConversionRule]:
    """Every rule of the platform, row-locked in id order: writers of one platform queue here."""
    return list(ConversionRule.objects.select_for_update().filter(platform=platform).order_by("pk"))


def _overlapping(rules, start: dt.date, end: dt.date | None) -> ConversionRule | None:
    end = end or dt.date.max
    for rule in rules:
        if rule.effective_from <= end and (rule.effective_to or dt.date.max) >= start:
            return rule
    return None


def _refuse_overlap(rules, start: dt.date, end: dt.date | None) -> None:
    other = _overlapping(rules, start, end)
    if other is not None:
        raise DomainError(f"与已有的折算规则（{period_label(other)}）时间重叠。", code="rule_overlap",
                          field="effective_from")


def _require_future(rule: ConversionRule, *, today: dt.date, doing: str) -> None:
    if rule.effective_from <= today:
        raise DomainError(f"该规则已于 {rule.effective_from:%Y-%m-%d} 生效，不能{doing}：已登记的学时依据它折算。"
                          "如需调整，请新建一条以后生效的规则。", code="rule_in_force")


def _save(rule: ConversionRule) -> None:
    try:
        rule.full_clean()
    except ValidationError as exc:  # the checks above should leave nothing for the model to refuse
        name, errors = next(iter(exc.message_dict.items()))
        raise DomainError(errors[0], field=name if name != "__all__" else None) from None
    rule.save()


def _snapshot(rule: ConversionRule) -> dict:
    return {name: getattr(rule, name) for name in VALUE_FIELDS}


def _audit_repr(rule: ConversionRule) -> str:
    return f"学时折算规则 {platform_label(rule.platform)} {period_label(rule)}"


def _plain(value):
    """A value for the audit detail (JSON): dates as ISO text, decimals as text."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else value


def _jsonable(values: dict) -> dict:
    return {name: _plain(value) for name, value in values.items()}


@transaction.atomic
def conversion_rule_create(*, actor, platform: str = OWN_PLATFORM, effective_from: dt.date,
                           effective_to: dt.date | None = None, long_minutes: int = 30, long_hours: Decimal = Decimal(1),
                           medium_minutes: int = 15, medium_hours: Decimal = Decimal("0.5"),
                           short_hours: Decimal = Decimal("0.25"), test_bonus_hours: Decimal = Decimal("0.5"),
                           note: str = "", request=None, today: dt.date | None = None) -> ConversionRule:
    """A new rule from `effective_from` (after `today`). The open-ended rule that started earlier
    is closed the day before; any other overlap with a rule of the platform is refused.
    Sending the same rule again (a retried form) returns the stored one and writes nothing."""
    require_rule_maker(actor)
    today = today or timezone.localdate()
    platform = _clean_platform(platform)
    values = _clean_values(effective_from=effective_from, effective_to=effective_to, long_minutes=long_minutes,
                           long_hours=long_hours, medium_minutes=medium_minutes, medium_hours=medium_hours,
                           short_hours=short_hours, test_bonus_hours=test_bonus_hours, note=note, today=today)
    rules = _locked_rules(platform)
    for rule in rules:
        if _snapshot(rule) == values:
            return rule
    closed = None
    start = values["effective_from"]
    covering = next((r for r in rules if r.effective_from < start and r.effective_to is None), None)
    if covering is not None:
        closed = (covering.pk, covering.effective_to)
        covering.effective_to = start - _ONE_DAY
        covering.save(update_fields=["effective_to"])
    _refuse_overlap(rules, start, values["effective_to"])
    rule = ConversionRule(platform=platform, **values)
    _save(rule)
    audit_record(action="learning.conversion_rule_create", actor=actor, request=request, target=rule,
                 target_repr=_audit_repr(rule), detail={
                     "platform": platform, **_jsonable(values),
                     "closed": {"rule": closed[0], "effective_to_was": _plain(closed[1]),
                                "effective_to": _plain(start - _ONE_DAY)} if closed else None})
    return rule


def _locked_future_rule(actor, rule: ConversionRule, *, today: dt.date | None, doing: str):
    """(the platform's rules locked, this rule as locked, today) for a change of a rule that has
    not taken effect; NotFound when it is gone, DomainError when it is in force or past."""
    require_rule_maker(actor)
    today = today or timezone.localdate()
    rules = _locked_rules(rule.platform)
    current = next((r for r in rules if r.pk == rule.pk), None)
    if current is None:
        raise NotFound("未找到该折算规则。")
    _require_future(current, today=today, doing=doing)
    return rules, current, today


@transaction.atomic
def conversion_rule_update(*, actor, rule: ConversionRule, effective_from: dt.date, effective_to: dt.date | None,
                           long_minutes: int, long_hours: Decimal, medium_minutes: int, medium_hours: Decimal,
                           short_hours: Decimal, test_bonus_hours: Decimal, note: str = "", request=None,
                           today: dt.date | None = None) -> ConversionRule:
    """Change a rule that has not taken effect (starts after `today`); its platform stays.

    Its predecessor (the rule ending the day before it starts) follows a new start date. Its end
    date is the next rule's start when one follows directly: that is changed on the next rule."""
    rules, current, today = _locked_future_rule(actor, rule, today=today, doing="修改")
    values = _clean_values(effective_from=effective_from, effective_to=effective_to, long_minutes=long_minutes,
                           long_hours=long_hours, medium_minutes=medium_minutes, medium_hours=medium_hours,
                           short_hours=short_hours, test_bonus_hours=test_bonus_hours, note=note, today=today)
    before = _snapshot(current)
    changes = {name: [before[name], values[name]] for name in VALUE_FIELDS if before[name] != values[name]}
    if not changes:
        return current
    predecessor = next((r for r in rules if r.effective_to == current.effective_from - _ONE_DAY), None)
    successor = (next((r for r in rules if r.effective_from == current.effective_to + _ONE_DAY), None)
                 if current.effective_to is not None else None)
    if "effective_to" in changes and successor is not None:
        raise DomainError(f"本规则之后紧接着 {successor.effective_from:%Y-%m-%d} 起的规则，失效日期随它的生效日期而定："
                          "请修改那条规则的生效日期。", code="rule_followed", field="effective_to")
    start = values["effective_from"]
    moved = None
    if predecessor is not None and "effective_from" in changes:
        if start <= predecessor.effective_from:
            raise DomainError(f"与已有的折算规则（{period_label(predecessor)}）时间重叠：生效日期须晚于 "
                              f"{predecessor.effective_from:%Y-%m-%d}。", code="rule_overlap", field="effective_from")
        moved = (predecessor.pk, predecessor.effective_to, start - _ONE_DAY)
        predecessor.effective_to = start - _ONE_DAY
        predecessor.save(update_fields=["effective_to"])
    _refuse_overlap([r for r in rules if r.pk != current.pk and r is not predecessor], start, values["effective_to"])
    for name, value in values.items():
        setattr(current, name, value)
    _save(current)
    audit_record(action="learning.conversion_rule_update", actor=actor, request=request, target=current,
                 target_repr=_audit_repr(current), detail={
                     "changes": {name: [_plain(old), _plain(new)] for name, (old, new) in changes.items()},
                     "predecessor": {"rule": moved[0], "effective_to_was": _plain(moved[1]),
                                     "effective_to": _plain(moved[2])} if moved else None})
    return current


@transaction.atomic
def conversion_rule_delete(*, actor, rule: ConversionRule, request=None, today: dt.date | None = None) -> None:
    """Delete a rule that has not taken effect. Its predecessor (the rule ending the day before it
    starts) takes its period back, so deleting leaves no hole where there was none."""
    rules, current, today = _locked_future_rule(actor, rule, today=today, doing="删除")
    predecessor = next((r for r in rules if r.effective_to == current.effective_from - _ONE_DAY), None)
    extended = None
    if predecessor is not None:
        extended = (predecessor.pk, predecessor.effective_to, current.effective_to)
        predecessor.effective_to = current.effective_to
        predecessor.save(update_fields=["effective_to"])
    pk, label, values = current.pk, _audit_repr(current), _jsonable(_snapshot(current))
    current.delete()
    audit_record(action="learning.conversion_rule_delete", actor=actor, request=request,
                 target_type=ConversionRule._meta.label_lower, target_id=pk, target_repr=label, detail={
                     "platform": rule.platform, **values,
                     "predecessor": {"rule": extended[0], "effective_to_was": _plain(extended[1]),
                                     "effective_to": _plain(extended[2])} if extended else None})
