"""Input of the themed-class pages; the rules themselves live in onlineclasses.services."""

from __future__ import annotations

from django import forms

from ganxun.core.forms import TablerForm
from ganxun.org.models import Category, Organisation
from ganxun.people.choices import Rank
from ganxun.topics.models import Topic


class ThemedClassForm(TablerForm):
    title = forms.CharField(label="班名", max_length=100)
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ModelChoiceField(label="主办组织部门", queryset=Organisation.objects.none())
    # An <input type="date"> takes ISO dates only (the zh-hans input format is 2026/05/11).
    start_date = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    deadline = forms.DateField(label="截止日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    required_hours = forms.DecimalField(label="应修学时", min_value=0, max_digits=6, decimal_places=2, initial=0,
                                        help_text="本班课程折算学时之和须达到的数；0 表示只要求学完必修课")
    audience_root = forms.ModelChoiceField(label="学员范围", queryset=Organisation.objects.none(),
                                           help_text="该区域或单位（含下级单位）的在职干部")
    audience_rank = forms.ChoiceField(label="职级", required=False, choices=[("", "不限")] + list(Rank.choices))
    audience_category = forms.ChoiceField(label="干部类别", required=False,
                                          choices=[("", "不限")] + list(Category.choices))
    # Picked by name search (the needs survey's picker, planning:cadre_search) into hidden inputs.
    named_cadres = forms.ModelMultipleChoiceField(
        label="指定人员", required=False, queryset=None, widget=forms.MultipleHiddenInput,
        help_text="选择了人员时，只有这些人参加本班，忽略上面的范围和筛选。")

    def __init__(self, *args, owners=None, roots=None, cadres=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["audience_root"].queryset = roots
        self.fields["audience_root"].label_from_instance = lambda o: ("　" * max(o.depth - 1, 0)) + o.name
        self.fields["named_cadres"].queryset = cadres


COURSE_CHOICES = [("", "不选"), ("required", "必修"), ("elective", "选修")]


def courses_from_post(data, candidates) -> tuple[list[tuple[object, bool]], dict[int, dict]]:
    """The course rows of the form: for each candidate course, `course_<id>` (required /
    elective / empty) and `order_<id>` (a number). Returns the chosen (course, is_required) in
    the given order (ties: the listing order), and the posted values to show the form again."""
    chosen, posted = [], {}
    for position, course in enumerate(candidates):
        kind = data.get(f"course_{course.pk}", "")
        order_text = (data.get(f"order_{course.pk}") or "").strip()
        posted[course.pk] = {"kind": kind, "order": order_text}
        if kind in ("required", "elective"):
            order = int(order_text) if order_text.isdigit() else 10_000
            chosen.append((order, position, course, kind == "required"))
    chosen.sort(key=lambda row: (row[0], row[1]))
    return [(course, required) for _, _, course, required in chosen], posted


class CoursePickerForm(forms.Form):
    """The course picker's search on the class form (names prefixed: the form has its own fields)."""

    picker_q = forms.CharField(required=False, max_length=100)
    picker_topic = forms.ModelChoiceField(queryset=Topic.objects.filter(is_active=True), required=False)
