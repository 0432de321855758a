"""Back-office pages of the credit-hour conversion rules (学时折算规则), /manage/conversion-rules/….

The org department (permission `courses.publish`, the one learning.conversion's services
require) lists every platform's rules — current, past and future — creates a rule from a future
date, and edits or deletes a rule that has not taken effect. Rules in force or past are read-only
(credit already posted was converted with them); the rules live in learning.conversion.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ganxun.access.policies import requires
from ganxun.core.errors import NotFound
from ganxun.core.views import forbidden, or_404, run_action, run_form
from ganxun.learning import conversion
from ganxun.learning.forms import ConversionRuleForm
from ganxun.learning.models import OWN_PLATFORM, ConversionRule

PERMISSION = conversion.PERMISSION
_PREVIEW_FIELDS = ("long_minutes", "long_hours", "medium_minutes", "medium_hours", "short_hours", "test_bonus_hours")


def _preview(values: dict) -> dict | None:
    """The 10/20/45-minute preview of unsaved rule values, or None while they are incomplete."""
    if any(values.get(name) is None for name in _PREVIEW_FIELDS):
        return None
    if not values["medium_minutes"] < values["long_minutes"]:
        return None
    rule = ConversionRule(**{name: values[name] for name in _PREVIEW_FIELDS})
    return {"rows": conversion.rule_preview(rule), "bonus": rule.test_bonus_hours}


def _form_preview(form: ConversionRuleForm) -> dict | None:
    if form.is_bound:
        form.is_valid()
        return _preview(getattr(form, "cleaned_data", {}))
    return _preview({name: form.initial.get(name, form.fields[name].initial) for name in _PREVIEW_FIELDS})


def _render_form(request, form: ConversionRuleForm, rule: ConversionRule | None):
    return render(request, "learning/manage/conversion_rule_form.html", {
        "form": form, "rule": rule, "preview": _form_preview(form),
        "platform_label": conversion.platform_label(rule.platform) if rule else "",
    }, status=400 if form.errors else 200)


@requires(PERMISSION)
def rule_list_view(request):
    today = timezone.localdate()
    return render(request, "learning/manage/conversion_rules.html", {
        "platforms": conversion.conversion_rules_overview(request.user, today=today), "today": today,
        "own_platform": OWN_PLATFORM, "may_make_rules": conversion.may_make_rules(request.user)})


def _create_initial(platform: str, today: dt.date) -> dict:
    """A new rule starts tomorrow with the values of the platform's latest rule (or the defaults)."""
    latest = ConversionRule.objects.filter(platform=platform).order_by("-effective_from").first()
    initial = {"platform": platform, "effective_from": today + dt.timedelta(days=1)}
    if latest is not None:
        initial |= {name: getattr(latest, name) for name in _PREVIEW_FIELDS}
    else:
        initial |= {name: ConversionRule._meta.get_field(name).default for name in _PREVIEW_FIELDS}
    return initial


@requires(PERMISSION)
def rule_create_view(request):
    if not conversion.may_make_rules(request.user):
        return forbidden(request)
    platform = (request.GET.get("platform") or OWN_PLATFORM).strip()[:40]
    form = ConversionRuleForm(request.POST or None, initial=_create_initial(platform, timezone.localdate()))
    if request.method == "POST" and form.is_valid():
        def create():
            rule = conversion.conversion_rule_create(actor=request.user, platform=form.cleaned_data["platform"],
                                                     request=request, **form.service_kwargs())
            return f"折算规则已保存，自 {rule.effective_from:%Y-%m-%d} 起生效。"

        if (answer := run_form(request, form, create, back="learning:conversion_rules")):
            return answer
    return _render_form(request, form, None)


@requires(PERMISSION)
def rule_edit_view(request, pk):
    rule = or_404(conversion.conversion_rule_get_for, request.user, pk)
    if not conversion.may_make_rules(request.user):
        return forbidden(request)
    if conversion.rule_state(rule, today=timezone.localdate()) != conversion.RuleState.FUTURE:
        messages.error(request, f"该规则已于 {rule.effective_from:%Y-%m-%d} 生效，只读：已登记的学时依据它折算。"
                                "如需调整，请新建一条以后生效的规则。")
        return redirect("learning:conversion_rules")
    initial = {name: getattr(rule, name) for name in ("platform", *ConversionRuleForm.RULE_FIELDS)}
    form = ConversionRuleForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        def save():
            conversion.conversion_rule_update(actor=request.user, rule=rule, request=request, **form.service_kwargs())
            return "折算规则已保存。"

        if (answer := run_form(request, form, save, back="learning:conversion_rules")):
            return answer
    return _render_form(request, form, rule)


@requires(PERMISSION)
@require_POST
def rule_delete_view(request, pk):
    try:
        rule = conversion.conversion_rule_get_for(request.user, pk)
    except NotFound:
        # A retried delete (double click, reload) finds the rule gone: that is what was asked.
        messages.info(request, "该折算规则已不存在（可能已删除）。")
        return redirect("learning:conversion_rules")

    def action():
        conversion.conversion_rule_delete(actor=request.user, rule=rule, request=request)
        return "折算规则已删除。"

    return run_action(request, action, back=reverse("learning:conversion_rules"), refused_prefix="未能删除：")


@requires(PERMISSION)
@require_POST
def rule_preview_view(request):
    """The form's preview line for the values typed so far (htmx)."""
    form = ConversionRuleForm(request.POST)
    return render(request, "learning/manage/_conversion_preview.html", {"preview": _form_preview(form)})
