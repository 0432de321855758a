"""Input of the course pages (back office) and the catalogue filters (learner)."""

from __future__ import annotations

from django import forms

from ganxun.access import scope
from ganxun.core.forms import TablerForm
from ganxun.learning.conversion import MAX_HOURS, MAX_MINUTES
from ganxun.learning.models import OWN_PLATFORM, CourseKind
from ganxun.learning.review import Decision, pilot_org_choices
from ganxun.learning.selectors import SORT_LABELS
from ganxun.org.models import Organisation
from ganxun.people.models import Teacher
from ganxun.topics.models import Topic


class CourseForm(TablerForm):
    title = forms.CharField(label="课程名称", max_length=200)
    kind = forms.ChoiceField(label="课程类型", choices=CourseKind.choices)
    duration_minutes = forms.IntegerField(label="课程时长（分钟）", min_value=1, max_value=6000)
    owner = forms.ModelChoiceField(label="发布单位", queryset=Organisation.objects.none())
    is_required = forms.BooleanField(label="公共必修课", required=False)
    series = forms.CharField(label="选修专题", max_length=40, required=False, help_text="选修课填写，如 经济管理、乡村振兴")
    topics = forms.ModelMultipleChoiceField(label="培训内容", queryset=Topic.objects.filter(is_active=True),
                                            required=False)
    teacher = forms.ModelChoiceField(label="主讲教师", queryset=Teacher.objects.none(), required=False)
    provider = forms.ModelChoiceField(label="提供机构", required=False, queryset=Organisation.objects.filter(
        kind=Organisation.Kind.INSTITUTION, is_active=True))
    summary = forms.CharField(label="课程简介", widget=forms.Textarea(attrs={"rows": 4}), required=False,
                              max_length=5000)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        root = scope.scope_path(actor) or "/nothing/"
        self.fields["owner"].queryset = Organisation.objects.filter(
            path__startswith=root, is_active=True,
            kind__in=[Organisation.Kind.ORG_DEPT, Organisation.Kind.INSTITUTION])
        self.fields["teacher"].queryset = (scope.scoped(actor, Teacher, permission="teachers.view")
                                           .filter(is_active=True).select_related("person"))

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"title": data["title"], "kind": data["kind"], "duration_minutes": data["duration_minutes"],
                "summary": data["summary"], "topics": list(data["topics"]), "teacher": data["teacher"],
                "provider": data["provider"], "is_required": data["is_required"], "series": data["series"]}


class MediaForm(TablerForm):
    file = forms.FileField(label="课程资源文件", help_text="MP4、WebM 视频，PDF 或 HTML 文档")
    duration_seconds = forms.IntegerField(label="视频时长（秒）", min_value=1, max_value=360000, required=False,
                                          help_text="MP4 可自动读出；WebM 请填写")


class WithdrawForm(TablerForm):
    reason = forms.CharField(label="下架原因", max_length=300, required=False)


class CatalogueForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    topic = forms.ModelChoiceField(queryset=Topic.objects.filter(is_active=True), required=False)
    kind = forms.ChoiceField(choices=[("", "全部类型"), *CourseKind.choices], required=False)
    required = forms.ChoiceField(choices=[("", "必修和选修"), ("1", "公共必修"), ("0", "选修")], required=False)
    series = forms.CharField(required=False, max_length=40)
    sort = forms.ChoiceField(choices=list(SORT_LABELS.items()), required=False)


SCORE_CHOICES = [(n, f"{n} 分") for n in range(5, 0, -1)]


class ReviewForm(TablerForm):
    content_score = forms.TypedChoiceField(label="内容（政治性、思想性、科学性）", choices=SCORE_CHOICES, coerce=int)
    teaching_score = forms.TypedChoiceField(label="讲授（逻辑、表达、案例）", choices=SCORE_CHOICES, coerce=int)
    production_score = forms.TypedChoiceField(label="制作（画面、声音、字幕）", choices=SCORE_CHOICES, coerce=int)
    comment = forms.CharField(label="评审意见", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class SubmitForm(TablerForm):
    note = forms.CharField(label="提交说明", max_length=300, required=False)


class ConfirmForm(TablerForm):
    decision = forms.ChoiceField(label="评审结论", choices=[], widget=forms.RadioSelect)
    pilot_orgs = forms.ModelMultipleChoiceField(label="试点范围", queryset=Organisation.objects.none(), required=False,
                                                help_text="选择“试讲试评”时必选：这些地区或单位的干部先学习并评分")
    reason = forms.CharField(label="说明", max_length=300, required=False, help_text="退回时必填：退回原因")

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = Decision.CHOICES
        self.fields["decision"].widget.attrs["class"] = "form-check-input"
        self.fields["pilot_orgs"].queryset = pilot_org_choices(actor)


class ConversionRuleForm(TablerForm):
    """A credit-hour conversion rule (学时折算规则); the rules themselves live in learning.conversion."""

    platform = forms.CharField(label="平台代码", max_length=40, initial=OWN_PLATFORM,
                               help_text="本平台为 ganxun；其他平台的代码用于学时互认")
    effective_from = forms.DateField(label="生效日期",
                                     widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                     help_text="最早为明天。当天正在生效的规则自动在前一天失效")
    effective_to = forms.DateField(label="失效日期（含当日）", required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                   help_text="留空表示长期有效")
    long_minutes = forms.IntegerField(label="长课程下限（分钟）", min_value=2, max_value=MAX_MINUTES,
                                      help_text="课程时长不少于此数的，按长课程折算")
    long_hours = forms.DecimalField(label="长课程学时", min_value=0, max_value=MAX_HOURS, max_digits=4,
                                    decimal_places=2, widget=forms.NumberInput(attrs={"step": "0.25"}))
    medium_minutes = forms.IntegerField(label="中等课程下限（分钟）", min_value=1, max_value=MAX_MINUTES - 1,
                                        help_text="不少于此数、不到长课程下限的，按中等课程折算；更短的按短课程")
    medium_hours = forms.DecimalField(label="中等课程学时", min_value=0, max_value=MAX_HOURS, max_digits=4,
                                      decimal_places=2, widget=forms.NumberInput(attrs={"step": "0.25"}))
    short_hours = forms.DecimalField(label="短课程学时", min_value=0, max_value=MAX_HOURS, max_digits=4,
                                     decimal_places=2, widget=forms.NumberInput(attrs={"step": "0.25"}))
    test_bonus_hours = forms.DecimalField(label="通过课程测试加计学时", min_value=0, max_value=MAX_HOURS, max_digits=4,
                                          decimal_places=2, widget=forms.NumberInput(attrs={"step": "0.25"}))
    note = forms.CharField(label="说明", max_length=200, required=False, help_text="如 依据的文件名称和文号")

    RULE_FIELDS = ("effective_from", "effective_to", "long_minutes", "long_hours", "medium_minutes",
                   "medium_hours", "short_hours", "test_bonus_hours", "note")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # a rule keeps its platform
            self.fields["platform"].disabled = True
            self.fields["platform"].help_text = ""

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.RULE_FIELDS}
