"""Input of the survey pages; the rules themselves live in planning.services."""

from __future__ import annotations

from django import forms

from ganxun.core.forms import TablerForm
from ganxun.org.models import Category, Organisation
from ganxun.people.choices import Rank
from ganxun.planning.models import Question


class SurveyForm(TablerForm):
    title = forms.CharField(label="标题", max_length=100)
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    closes_on = forms.DateField(label="截止日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    audience_root = forms.ModelChoiceField(label="调研范围", queryset=Organisation.objects.none(),
                                           help_text="该区域或单位（含下级单位）的在职干部")
    audience_rank = forms.ChoiceField(label="职级", required=False, choices=[("", "不限")] + list(Rank.choices))
    audience_category = forms.ChoiceField(label="干部类别", required=False,
                                          choices=[("", "不限")] + list(Category.choices))
    # Picked by name search (planning:cadre_search) into hidden inputs: a select of every cadre of a
    # city would be tens of thousands of options.
    named_cadres = forms.ModelMultipleChoiceField(
        label="指定人员（个性化调研）", required=False, queryset=None, widget=forms.MultipleHiddenInput,
        help_text="选择了人员时，只调研这些人，忽略上面的范围和筛选。")

    def __init__(self, *args, roots=None, cadres=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience_root"].queryset = roots
        self.fields["audience_root"].label_from_instance = lambda o: ("　" * max(o.depth - 1, 0)) + o.name
        self.fields["named_cadres"].queryset = cadres
        self.fields["named_cadres"].label_from_instance = lambda c: f"{c.person.name}（{c.unit.name}）"


class QuestionForm(TablerForm):
    kind = forms.ChoiceField(label="题型", choices=Question.Kind.choices)
    text = forms.CharField(label="题目", max_length=300)
    required = forms.BooleanField(label="必答", required=False, initial=True)
    max_choices = forms.IntegerField(label="最多可选", required=False, min_value=1, max_value=50,
                                     help_text="多选题可不填；培训内容偏好题必填")
    options = forms.CharField(label="选项（每行一个）", required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text="仅单选题和多选题")

    def option_list(self) -> list[str]:
        return self.cleaned_data.get("options", "").splitlines()
