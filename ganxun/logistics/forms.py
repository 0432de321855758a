"""Input forms of the logistics pages: typing and choices only; the rules are the services'."""

from __future__ import annotations

import datetime as dt

from django import forms

from ganxun.core.forms import TablerForm
from ganxun.logistics.models import DEFAULT_CUTOFF_TIME, MAX_CUTOFF_DAYS, Meal, RoomGender
from ganxun.logistics.services import SettingsInput

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
BOOL_CHOICES = [("1", "是"), ("0", "否")]


def _bool(value: str) -> bool:
    return value == "1"


class SettingsForm(TablerForm):
    provides_dining = forms.BooleanField(required=False, label="统一安排就餐")
    provides_lodging = forms.BooleanField(required=False, label="统一安排住宿")
    cutoff_days_before = forms.IntegerField(min_value=0, max_value=MAX_CUTOFF_DAYS, initial=1,
                                            label="报餐截止：提前天数",
                                            help_text="0 表示当天；默认 1，即前一天")
    cutoff_time = forms.TimeField(widget=TIME, initial=DEFAULT_CUTOFF_TIME, label="报餐截止：时刻",
                                  help_text="默认 16:00")

    def __init__(self, *args, days: list[dt.date], **kwargs):
        super().__init__(*args, **kwargs)
        self.days = days

    def meal_plan(self) -> dict[dt.date, list[str]]:
        """The grid of checkboxes `meal-<YYYY-MM-DD>-<meal>` → {day: [meals]} for every class day."""
        plan = {}
        for day in self.days:
            plan[day] = [meal for meal in Meal.values if self.data.get(f"meal-{day.isoformat()}-{meal}")]
        return plan

    def service_data(self) -> SettingsInput:
        data = self.cleaned_data
        return SettingsInput(provides_dining=data["provides_dining"], provides_lodging=data["provides_lodging"],
                             cutoff_days_before=data["cutoff_days_before"], cutoff_time=data["cutoff_time"],
                             meal_plan=self.meal_plan())


class MealSetForm(TablerForm):
    date = forms.DateField(label="日期")
    meal = forms.ChoiceField(choices=Meal.choices, label="餐次")
    registered = forms.TypedChoiceField(choices=BOOL_CHOICES, coerce=_bool, label="就餐")


class StaffMealSetForm(MealSetForm):
    enrollment = forms.IntegerField(min_value=1, label="学员")


class DietForm(TablerForm):
    halal = forms.BooleanField(required=False, label="清真")
    vegetarian = forms.BooleanField(required=False, label="素食")
    diet_note = forms.CharField(required=False, max_length=200, label="忌口/过敏",
                                widget=forms.TextInput(attrs={"placeholder": "如：花生过敏、不吃辣"}))


class LodgingNeedForm(TablerForm):
    needed = forms.TypedChoiceField(choices=BOOL_CHOICES, coerce=_bool, label="需要住宿")


class StaffLodgingNeedForm(LodgingNeedForm):
    enrollment = forms.IntegerField(min_value=1, label="学员")


class AssignForm(TablerForm):
    enrollment = forms.IntegerField(min_value=1, label="学员")
    room = forms.IntegerField(min_value=1, required=False, label="房间", help_text="不选则取消住宿安排")


class RoomForm(TablerForm):
    institution = forms.ModelChoiceField(queryset=None, label="培训机构", empty_label="请选择")
    building = forms.CharField(max_length=40, label="楼栋", widget=forms.TextInput(attrs={"placeholder": "如：1号楼"}))
    number = forms.CharField(max_length=20, label="房间号")
    beds = forms.IntegerField(min_value=1, max_value=20, initial=2, label="床位数")
    gender = forms.ChoiceField(choices=RoomGender.choices, initial=RoomGender.ANY, label="性别",
                               help_text="“不限”由入住学员的性别决定")
    note = forms.CharField(max_length=100, required=False, label="备注")

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions


class RoomBatchForm(TablerForm):
    institution = forms.ModelChoiceField(queryset=None, label="培训机构", empty_label="请选择")
    building = forms.CharField(max_length=40, label="楼栋")
    numbers = forms.CharField(max_length=500, label="房间号", help_text="可用范围和逗号，如：101-120, 201-220")
    beds = forms.IntegerField(min_value=1, max_value=20, initial=2, label="每间床位数")
    gender = forms.ChoiceField(choices=RoomGender.choices, initial=RoomGender.ANY, label="性别")

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
