"""Input of the annual plan pages; the rules themselves live in planning.plan_services."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from ganxun.core.forms import TablerForm
from ganxun.org.models import Category
from ganxun.people.choices import Rank
from ganxun.planning.models import PlanAdjustment
from ganxun.topics.choices import TrainingType
from ganxun.topics.models import Topic
from ganxun.topics.selectors import topic_tree


def _checkboxes(field: forms.Field) -> None:
    field.widget.attrs["class"] = "form-check-input"


class PlanCreateForm(TablerForm):
    year = forms.IntegerField(label="年度")
    title = forms.CharField(label="标题", max_length=100, required=False, help_text="不填则为“区域+年度+干部教育培训计划”")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"year": timezone.localdate().year + 1})
        super().__init__(*args, **kwargs)


class PlanGenerateForm(TablerForm):
    survey = forms.ModelChoiceField(label="需求调研", queryset=None)
    year = forms.IntegerField(label="年度")
    top_n = forms.IntegerField(label="班次数（需求排名前 N 项）", initial=8)
    underserved_n = forms.IntegerField(label="薄弱内容班次数", initial=2, min_value=0, max_value=10,
                                       help_text="另为近三年本区域人均学时最少、且调研未选中的内容各生成一个班次；0 为不生成")

    def __init__(self, *args, surveys=None, **kwargs):
        kwargs.setdefault("initial", {"year": timezone.localdate().year + 1, "top_n": 8, "underserved_n": 2})
        super().__init__(*args, **kwargs)
        self.fields["survey"].queryset = surveys
        self.fields["survey"].label_from_instance = lambda s: f"{s.title}（{s.get_status_display()}）"


class PlanItemForm(TablerForm):
    title = forms.CharField(label="班次名称", max_length=100)
    training_type = forms.ChoiceField(label="培训类型", choices=[("", "请选择")] + list(TrainingType.choices))
    topics = forms.TypedMultipleChoiceField(label="培训内容", coerce=int, required=False,
                                            widget=forms.SelectMultiple(attrs={"size": 10}))
    target_ranks = forms.MultipleChoiceField(label="对象职级", choices=Rank.choices, required=False,
                                             widget=forms.CheckboxSelectMultiple)
    target_categories = forms.MultipleChoiceField(label="对象类别", choices=Category.choices, required=False,
                                                  widget=forms.CheckboxSelectMultiple)
    institution = forms.ModelChoiceField(label="承办机构", queryset=None, required=False,
                                         help_text="提交前每个班次须选定承办机构")
    month = forms.IntegerField(label="月份")
    days = forms.IntegerField(label="天数")
    credit_hours = forms.DecimalField(label="学时", required=False, help_text="不填按每天 6 学时计算")
    capacity = forms.IntegerField(label="计划人数")
    budget = forms.DecimalField(label="预算（元）", required=False)
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, institutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        # Grouped by top-level topic, like the taxonomy page.
        self.fields["topics"].choices = [
            (node.topic.name, [(child.topic.pk, child.topic.name) for child in node.children])
            for node in topic_tree()
        ]
        _checkboxes(self.fields["target_ranks"])
        _checkboxes(self.fields["target_categories"])

    def item_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["topics"] = list(Topic.objects.filter(pk__in=data.get("topics") or []))
        for name in PlanAdjustForm.declared_fields.keys() - PlanItemForm.declared_fields.keys():
            data.pop(name, None)
        return data

    @staticmethod
    def initial_for(item) -> dict:
        return {"title": item.title, "training_type": item.training_type,
                "topics": list(item.topics.values_list("pk", flat=True)), "target_ranks": item.target_ranks,
                "target_categories": item.target_categories, "institution": item.institution_id,
                "month": item.month, "days": item.days, "credit_hours": item.credit_hours,
                "capacity": item.capacity, "budget": item.budget, "note": item.note}


class PlanAdjustForm(PlanItemForm):
    reason_kind = forms.ChoiceField(label="调整类型", choices=PlanAdjustment.Kind.choices)
    reason = forms.CharField(label="调整理由", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, adding: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = PlanAdjustment.Kind
        self.fields["reason_kind"].choices = (
            [(kinds.ADD, kinds.ADD.label)] if adding else [(kinds.CHANGE, kinds.CHANGE.label),
                                                         (kinds.CANCEL, kinds.CANCEL.label)])


class DecisionForm(TablerForm):
    comment = forms.CharField(label="审批意见", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              help_text="退回时必填")
