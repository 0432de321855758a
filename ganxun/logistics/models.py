"""Dining (就餐) and lodging (住宿) of a class.

A class's logistics settings say whether it provides meals and/or rooms, which meals are
served on which days (a default pattern plus per-day overrides) and when registration
closes. Meals follow an opt-out rule: every approved cadre eats every served meal unless a
MealChoice row says otherwise, so the roster and the meal plan can change without any row
to keep in step. Lodging rooms belong to an institution; an assignment gives one approved
cadre one bed in a room for the class's dates. The rules live in services.py and
lodging_services.py; docs/logistics.md describes them.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q


class Meal(models.TextChoices):
    BREAKFAST = "breakfast", "早餐"
    LUNCH = "lunch", "午餐"
    DINNER = "dinner", "晚餐"


MEAL_ORDER = {value: index for index, value in enumerate(Meal.values)}
DEFAULT_CUTOFF_TIME = dt.time(16, 0)
MAX_CUTOFF_DAYS = 7


class ClassLogistics(models.Model):
    """What a class provides. A class without this row provides neither meals nor rooms."""

    training_class = models.OneToOneField("classes.TrainingClass", on_delete=models.CASCADE,
                                          related_name="logistics", verbose_name="班次")
    provides_dining = models.BooleanField("统一安排就餐", default=True)
    provides_lodging = models.BooleanField("统一安排住宿", default=True)
    cutoff_days_before = models.PositiveSmallIntegerField("报餐截止（提前天数）", default=1)
    cutoff_time = models.TimeField("报餐截止（时刻）", default=DEFAULT_CUTOFF_TIME)
    # Per-day exceptions to the default meal pattern: {"2026-03-02": ["lunch", "dinner"], ...}.
    # A day absent here serves the default (see rules.default_meals).
    meal_plan = models.JSONField("供餐安排（与默认不同的日期）", default=dict, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "班次食宿设置"
        constraints = [
            models.CheckConstraint(condition=Q(cutoff_days_before__lte=MAX_CUTOFF_DAYS),
                                   name="logistics_cutoff_days_bounded"),
        ]

    def __str__(self) -> str:
        return f"食宿设置：{self.training_class_id}"


class MealChoice(models.Model):
    """A cadre's departure from the default (registered for every served meal), or a
    confirmation of it: one row per enrollment, date and meal at most."""

    enrollment = models.ForeignKey("roster.Enrollment", on_delete=models.CASCADE, related_name="meal_choices",
                                   verbose_name="学员")
    date = models.DateField("日期")
    meal = models.CharField("餐次", max_length=10, choices=Meal.choices)
    registered = models.BooleanField("就餐")
    by_staff = models.BooleanField("由班主任/机构修改", default=False)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "就餐登记"
        ordering = ["date", "meal", "id"]
        constraints = [models.UniqueConstraint(fields=["enrollment", "date", "meal"], name="meal_choice_once")]

    def __str__(self) -> str:
        return f"{self.enrollment_id} {self.date} {self.meal} {'就餐' if self.registered else '不就餐'}"


class EnrollmentLogistics(models.Model):
    """A cadre's needs for one class: dietary note and whether a room is needed."""

    enrollment = models.OneToOneField("roster.Enrollment", on_delete=models.CASCADE, related_name="logistics",
                                      verbose_name="学员")
    halal = models.BooleanField("清真", default=False)
    vegetarian = models.BooleanField("素食", default=False)
    diet_note = models.CharField("忌口/过敏", max_length=200, blank=True)
    lodging_needed = models.BooleanField("需要住宿", default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "学员食宿需求"

    def __str__(self) -> str:
        return f"{self.enrollment_id} 食宿需求"

    @property
    def has_diet(self) -> bool:
        return self.halal or self.vegetarian or bool(self.diet_note)

    @property
    def diet_display(self) -> str:
        parts = [label for flag, label in ((self.halal, "清真"), (self.vegetarian, "素食")) if flag]
        if self.diet_note:
            parts.append(self.diet_note)
        return "；".join(parts)


class RoomGender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"
    ANY = "any", "不限"


class LodgingRoom(models.Model):
    """A guest room of an institution. A room of gender "不限" takes the gender of whoever
    occupies it during the dates in question."""

    institution = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="lodging_rooms",
                                    verbose_name="培训机构")
    building = models.CharField("楼栋", max_length=40)
    number = models.CharField("房间号", max_length=20)
    beds = models.PositiveSmallIntegerField("床位数")
    gender = models.CharField("性别", max_length=3, choices=RoomGender.choices, default=RoomGender.ANY)
    note = models.CharField("备注", max_length=100, blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "住宿房间"
        ordering = ["institution_id", "building", "number"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "building", "number"], name="lodging_room_unique"),
            models.CheckConstraint(condition=Q(beds__gte=1), name="lodging_room_has_beds"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.building} {self.number}"


class AssignMethod(models.TextChoices):
    AUTO = "auto", "自动分配"
    MANUAL = "manual", "人工安排"


class LodgingAssignment(models.Model):
    """One bed in `room` for the enrollment's class dates (start and end day inclusive)."""

    enrollment = models.OneToOneField("roster.Enrollment", on_delete=models.CASCADE, related_name="lodging",
                                      verbose_name="学员")
    room = models.ForeignKey(LodgingRoom, on_delete=models.PROTECT, related_name="assignments",
                             verbose_name="房间")
    method = models.CharField("方式", max_length=10, choices=AssignMethod.choices, default=AssignMethod.MANUAL)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    assigned_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "住宿安排"
        indexes = [models.Index(fields=["room"])]

    def __str__(self) -> str:
        return f"{self.enrollment_id} → {self.room_id}"
