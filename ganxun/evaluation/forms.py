"""Input forms of the evaluation pages: typing and choices only; the rules are the services'."""

from __future__ import annotations

from django import forms

from ganxun.core.forms import TablerForm
from ganxun.evaluation.models import COMMENT_MAX, DEFAULT_THRESHOLD, RectificationStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SCORES = [(str(v), str(v)) for v in range(1, 6)]


class PeriodFilterForm(TablerForm):
    """Institution and period (sessions' dates for rankings, class dates for the overview)."""

    institution = forms.IntegerField(required=False, label="培训机构")
    date_from = forms.DateField(required=False, widget=DATE, label="起始日期")
    date_to = forms.DateField(required=False, widget=DATE, label="截止日期")
    q = forms.CharField(required=False, max_length=100, label="班次名称")

    def filters(self, *, with_q: bool = False) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        out = {"institution": data["institution"], "date_from": data["date_from"], "date_to": data["date_to"]}
        if with_q:
            out["q"] = data["q"]
        return out

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "截止日期不能早于起始日期。")
        return data


class SettingsForm(TablerForm):
    rating_window_days = forms.IntegerField(label="结业后可评价天数", min_value=1, max_value=60,
                                            help_text="学员可从课程开始（班次评价从结业当天）评价，到结业后第几天截止。")
    followup_after_days = forms.IntegerField(label="结业后多少天开展训后回访", min_value=1, max_value=730)
    followup_answer_days = forms.IntegerField(label="回访填报期限（天）", min_value=1, max_value=180,
                                              help_text="回访开始后多少天内应填报，逾期标红。")
    threshold = forms.DecimalField(label="整改触发线", max_digits=3, decimal_places=2, min_value=1, max_value=5,
                                   initial=DEFAULT_THRESHOLD,
                                   help_text="至少 3 人评价且平均分低于此值时生成整改项。")
    learning_test = forms.BooleanField(label="开展训前训后测试（L2）", required=False)


class SessionRatingForm(TablerForm):
    content = forms.TypedChoiceField(choices=SCORES, coerce=int, label="课程内容",
                                     error_messages={"required": "请为“课程内容”选择 1 到 5 分。",
                                                     "invalid_choice": "请为“课程内容”选择 1 到 5 分。"})
    teaching = forms.TypedChoiceField(choices=SCORES, coerce=int, label="授课教师",
                                      error_messages={"required": "请为“授课教师”选择 1 到 5 分。",
                                                      "invalid_choice": "请为“授课教师”选择 1 到 5 分。"})
    comment = forms.CharField(required=False, max_length=COMMENT_MAX, label="意见建议",
                              widget=forms.Textarea(attrs={"rows": 2}))


class ClassRatingForm(TablerForm):
    content = forms.TypedChoiceField(choices=SCORES, coerce=int, label="培训内容",
                                     error_messages={"required": "请为“培训内容”选择 1 到 5 分。",
                                                     "invalid_choice": "请为“培训内容”选择 1 到 5 分。"})
    organisation = forms.TypedChoiceField(choices=SCORES, coerce=int, label="组织管理",
                                          error_messages={"required": "请为“组织管理”选择 1 到 5 分。",
                                                          "invalid_choice": "请为“组织管理”选择 1 到 5 分。"})
    logistics = forms.TypedChoiceField(choices=SCORES, coerce=int, label="后勤服务",
                                       error_messages={"required": "请为“后勤服务”选择 1 到 5 分。",
                                                       "invalid_choice": "请为“后勤服务”选择 1 到 5 分。"})
    comment = forms.CharField(required=False, max_length=COMMENT_MAX, label="意见建议",
                              widget=forms.Textarea(attrs={"rows": 2}))


class ScoreUploadForm(TablerForm):
    file = forms.FileField(label="成绩表（.xlsx）")


class RectificationFilterForm(TablerForm):
    status = forms.ChoiceField(required=False, choices=[("", "全部状态"), ("active", "待落实（待整改、整改中）")]
                               + list(RectificationStatus.choices), label="状态")
    overdue = forms.BooleanField(required=False, label="仅看逾期")
    owned = forms.BooleanField(required=False, label="仅看本单位负责")
    institution = forms.IntegerField(required=False, label="培训机构")

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"status": data["status"], "overdue": data["overdue"], "owned": data["owned"],
                "institution": data["institution"]}


class RectificationCreateForm(TablerForm):
    training_class = forms.ModelChoiceField(queryset=None, label="班次", empty_label="请选择")
    session = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(max_length=200, label="整改事项")
    description = forms.CharField(required=False, max_length=2000, label="问题描述",
                                  widget=forms.Textarea(attrs={"rows": 4}))
    due_on = forms.DateField(required=False, widget=DATE, label="整改期限", help_text="不填为 30 天后。")
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, classes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["training_class"].queryset = classes
        self.fields["training_class"].label_from_instance = (
            lambda c: f"{c.title}（{c.start_date:%Y-%m-%d}，{c.institution.name}）")


class RectificationUpdateForm(TablerForm):
    status = forms.ChoiceField(required=False, choices=[("", "")] + list(RectificationStatus.choices))
    note = forms.CharField(required=False, max_length=2000, label="说明", widget=forms.Textarea(attrs={"rows": 3}))
    due_on = forms.DateField(required=False, widget=DATE, label="整改期限")
