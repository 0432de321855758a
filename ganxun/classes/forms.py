"""Input forms of the class pages: typing and choices only; the rules are the services'."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from ganxun.classes.models import ClassMode, ClassStatus, SessionKind, Slot
from ganxun.core.forms import TablerForm
from ganxun.topics.choices import TrainingType

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ClassFilterForm(TablerForm):
    q = forms.CharField(required=False, max_length=100, label="名称/地点")
    status = forms.ChoiceField(required=False, choices=[("", "全部状态")] + list(ClassStatus.choices), label="状态")
    institution = forms.IntegerField(required=False, label="培训机构")
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100, label="年份")
    month = forms.IntegerField(required=False, min_value=1, max_value=12, label="月份")

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"q": data["q"], "status": data["status"], "institution": data["institution"],
                "year": data["year"], "month": data["month"]}


class ClassForm(TablerForm):
    title = forms.CharField(max_length=120, label="班次名称")
    institution = forms.ModelChoiceField(queryset=None, label="培训机构", empty_label="请选择")
    organiser = forms.ModelChoiceField(queryset=None, required=False, label="主办区域（组织部门）",
                                       empty_label="无")
    training_type = forms.ChoiceField(choices=TrainingType.choices, label="培训类型")
    start_date = forms.DateField(widget=DATE, label="开班日期")
    end_date = forms.DateField(widget=DATE, label="结业日期")
    place = forms.CharField(max_length=200, required=False, label="培训地点")
    mode = forms.ChoiceField(choices=ClassMode.choices, label="培训方式")
    head_teacher = forms.ModelChoiceField(queryset=None, required=False, label="班主任", empty_label="暂不指定")
    capacity = forms.IntegerField(label="计划人数")
    hours_per_half_day = forms.DecimalField(max_digits=4, decimal_places=1, initial=Decimal("3"),
                                            label="每半天学时", help_text="学时 = 有课的半天数 × 每半天学时")
    topics = forms.ModelMultipleChoiceField(queryset=None, required=False, label="培训内容",
                                            widget=forms.SelectMultiple(attrs={"size": 6}))
    plan_item_id = forms.IntegerField(required=False, min_value=1, label="年度计划条目编号")

    def __init__(self, *args, institutions, organisers, head_teachers, topics, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["organiser"].queryset = organisers
        self.fields["head_teacher"].queryset = head_teachers
        self.fields["head_teacher"].label_from_instance = lambda a: a.full_name or a.username
        self.fields["topics"].queryset = topics
        self.fields["topics"].label_from_instance = lambda t: f"{t.code} {t.name}"
        if editing:
            # The institution of a class stays: its timetable uses that institution's rooms and pool.
            del self.fields["institution"]

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in (
            "title", "training_type", "start_date", "end_date", "place", "mode", "capacity",
            "hours_per_half_day", "plan_item_id")}


class SessionForm(TablerForm):
    date = forms.DateField(widget=DATE, label="日期")
    slot = forms.ChoiceField(choices=Slot.choices, label="时段")
    start_time = forms.TimeField(widget=TIME, required=False, label="开始时间", help_text="不填则按时段默认时间")
    end_time = forms.TimeField(widget=TIME, required=False, label="结束时间")
    kind = forms.ChoiceField(choices=SessionKind.choices, label="形式")
    title = forms.CharField(max_length=150, label="课程名称")
    topic = forms.ModelChoiceField(queryset=None, required=False, label="内容分类", empty_label="不指定")
    teacher = forms.ModelChoiceField(queryset=None, required=False, label="授课教师", empty_label="不指定")
    room = forms.ModelChoiceField(queryset=None, required=False, label="教室", empty_label="不指定")
    base = forms.ModelChoiceField(queryset=None, required=False, label="教学基地", empty_label="不指定",
                                  help_text="现场教学须选择教学基地；教室和基地只选其一")
    requires_checkout = forms.BooleanField(required=False, label="需要签退",
                                           help_text="学员下课时须再扫码签退，未签退的按缺勤计")

    def __init__(self, *args, teachers, rooms, bases, topics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = teachers
        self.fields["teacher"].label_from_instance = (
            lambda t: f"{t.person.name}（{t.get_title_display()}{'' if t.is_internal else '，外聘'}）")
        self.fields["room"].queryset = rooms
        self.fields["base"].queryset = bases
        self.fields["topic"].queryset = topics
        self.fields["topic"].label_from_instance = lambda t: f"{t.code} {t.name}"

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class RoomForm(TablerForm):
    institution = forms.ModelChoiceField(queryset=None, label="培训机构", empty_label="请选择")
    name = forms.CharField(max_length=60, label="教室名称")
    capacity = forms.IntegerField(min_value=0, required=False, label="容纳人数")

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
