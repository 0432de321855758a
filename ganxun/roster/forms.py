"""Input forms of the roster pages: typing and choices only; the rules are the services'."""

from __future__ import annotations

from django import forms

from ganxun.core.forms import TablerForm
from ganxun.org.models import Category
from ganxun.people.choices import Rank
from ganxun.roster.models import CallMode, EnrollmentStatus
from ganxun.roster.warnings import WARNING_LABELS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CallForm(TablerForm):
    mode = forms.ChoiceField(choices=CallMode.choices, label="调训方式", widget=forms.RadioSelect,
                             help_text="按名额：各单位在名额内报名，组织部门审核；实名：组织部门直接点名，下发即确认")
    document_no = forms.CharField(max_length=60, required=False, label="文号", help_text="如：东组通〔2026〕12号")
    nomination_deadline = forms.DateField(widget=DATE, required=False, label="报名截止日期",
                                          help_text="须早于开班日期")
    contact = forms.CharField(max_length=100, required=False, label="联系人及电话")
    requirements = forms.CharField(required=False, label="参训要求",
                                   widget=forms.Textarea(attrs={"rows": 4}))
    target_ranks = forms.MultipleChoiceField(choices=Rank.choices, required=False, label="调训对象职级",
                                             widget=forms.CheckboxSelectMultiple, help_text="不选则不限")
    target_categories = forms.MultipleChoiceField(choices=Category.choices, required=False, label="调训对象类别",
                                                  widget=forms.CheckboxSelectMultiple, help_text="不选则不限")
    repeat_years = forms.IntegerField(min_value=1, max_value=20, initial=3, label="重复培训判定年限",
                                      help_text="近 N 年参加过同主题班次时提示")
    professional_classes = forms.IntegerField(min_value=0, max_value=50, initial=3,
                                              label="培训专业户判定班次数", help_text="近 12 个月参训超过 K 个班次时提示")
    untrained_years = forms.IntegerField(min_value=1, max_value=20, initial=3, label="长期未训判定年限",
                                         help_text="近 N 年未参加培训时提示（建议优先）")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("mode", "target_ranks", "target_categories"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class QuotaForm(TablerForm):
    unit = forms.ModelChoiceField(queryset=None, label="单位", empty_label="请选择")
    seats = forms.IntegerField(min_value=0, label="名额")
    note = forms.CharField(max_length=200, required=False, label="说明（如人选条件）")
    reason = forms.CharField(max_length=300, required=False, label="调整理由",
                             help_text="通知下发后调整名额须填写理由，并留存记录")

    def __init__(self, *args, units, issued: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if not issued:
            del self.fields["reason"]


class CadrePickForm(TablerForm):
    """A cadre chosen in a picker (the id is resolved through the scope gate by the service)."""

    cadre = forms.IntegerField(min_value=1, label="干部", error_messages={"required": "请选择干部。"})


class RejectForm(TablerForm):
    note = forms.CharField(max_length=300, label="不通过理由", error_messages={"required": "请填写不通过的理由。"})


class SubstituteForm(TablerForm):
    cadre = forms.IntegerField(min_value=1, label="调换为", error_messages={"required": "请选择调换的干部。"})
    reason = forms.CharField(max_length=300, label="调换理由", error_messages={"required": "请填写调换理由。"})


class ReviewFilterForm(TablerForm):
    unit = forms.IntegerField(required=False, label="单位")
    status = forms.ChoiceField(required=False, choices=[("", "全部状态")] + list(EnrollmentStatus.choices),
                               label="状态")
    warning = forms.ChoiceField(required=False, choices=[("", "全部提示")] + list(WARNING_LABELS.items()),
                                label="提示")

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {"unit": self.cleaned_data["unit"], "status": self.cleaned_data["status"],
                "warning": self.cleaned_data["warning"]}
