"""Classes (班次) of a training institution and their timetable (课程安排).

A class belongs to one institution (and optionally to the org-department region that
runs it); its sessions take place in a room of that institution or at a teaching base.
Rules (dates, conflicts, the status lifecycle) live in services.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from ganxun.topics.choices import TrainingType


class ClassMode(models.TextChoices):
    OFFLINE = "offline", "线下"
    ONLINE = "online", "线上"
    BLENDED = "blended", "线上线下结合"


class ClassStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    NOTICE_ISSUED = "notice_issued", "已发调训通知"
    ENROLLING = "enrolling", "报名中"
    RUNNING = "running", "进行中"
    CLOSED = "closed", "已结业"
    ARCHIVED = "archived", "已归档"


class Slot(models.TextChoices):
    MORNING = "morning", "上午"
    AFTERNOON = "afternoon", "下午"
    EVENING = "evening", "晚上"


# Default times of each slot; a session may set its own start/end inside the day.
SLOT_TIMES: dict[str, tuple[dt.time, dt.time]] = {
    Slot.MORNING: (dt.time(8, 30), dt.time(11, 30)),
    Slot.AFTERNOON: (dt.time(14, 30), dt.time(17, 30)),
    Slot.EVENING: (dt.time(19, 0), dt.time(21, 0)),
}


class SessionKind(models.TextChoices):
    LECTURE = "lecture", "专题讲座"
    DISCUSSION = "discussion", "结构化研讨"
    ON_SITE = "on_site", "现场教学"
    CASE_STUDY = "case_study", "案例教学"
    EXAM = "exam", "考试"
    OTHER = "other", "其他"


class Room(models.Model):
    """A teaching room of an institution; only one session may use it at a time."""

    institution = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="rooms",
                                    verbose_name="培训机构")
    name = models.CharField("名称", max_length=60)
    capacity = models.PositiveIntegerField("容纳人数", default=0)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "教室"
        ordering = ["institution_id", "name"]
        constraints = [models.UniqueConstraint(fields=["institution", "name"], name="room_name_unique_in_institution")]

    def __str__(self) -> str:
        return self.name


class TrainingClass(models.Model):
    title = models.CharField("班次名称", max_length=120)
    institution = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="training_classes",
                                    verbose_name="培训机构")
    organiser = models.ForeignKey("org.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="organised_classes", verbose_name="主办（组织部门所在区域）")
    topics = models.ManyToManyField("topics.Topic", blank=True, related_name="training_classes",
                                    verbose_name="培训内容")
    training_type = models.CharField("培训类型", max_length=20, choices=TrainingType.choices)
    start_date = models.DateField("开班日期")
    end_date = models.DateField("结业日期")
    place = models.CharField("培训地点", max_length=200, blank=True)
    mode = models.CharField("培训方式", max_length=10, choices=ClassMode.choices, default=ClassMode.OFFLINE)
    head_teacher = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="head_of_classes", verbose_name="班主任")
    capacity = models.PositiveIntegerField("计划人数")
    hours_per_half_day = models.DecimalField("每半天学时", max_digits=4, decimal_places=1, default=Decimal("3"))
    status = models.CharField("状态", max_length=20, choices=ClassStatus.choices, default=ClassStatus.DRAFT)
    # The planning app's PlanItem is built at the same time; the FK replaces this column
    # once both apps have landed (see docs/classes.md).
    plan_item_id = models.PositiveIntegerField("年度计划条目", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "班次"
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["institution", "start_date"]), models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="class_dates_in_order"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="class_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_locked(self) -> bool:
        """Closed and archived classes are history: their data no longer changes."""
        return self.status in (ClassStatus.CLOSED, ClassStatus.ARCHIVED)


class Session(models.Model):
    """One item of a class's timetable."""

    training_class = models.ForeignKey(TrainingClass, on_delete=models.CASCADE, related_name="sessions",
                                       verbose_name="班次")
    date = models.DateField("日期")
    slot = models.CharField("时段", max_length=10, choices=Slot.choices)
    start_time = models.TimeField("开始时间")
    end_time = models.TimeField("结束时间")
    kind = models.CharField("形式", max_length=20, choices=SessionKind.choices, default=SessionKind.LECTURE)
    title = models.CharField("课程名称", max_length=150)
    topic = models.ForeignKey("topics.Topic", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name="内容分类")
    teacher = models.ForeignKey("people.Teacher", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="sessions", verbose_name="授课教师")
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions",
                             verbose_name="教室")
    base = models.ForeignKey("org.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name="教学基地")
    # Check-out (签退) too, not only check-in: see docs/attendance.md for how it counts.
    requires_checkout = models.BooleanField("需要签退", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "课程安排"
        ordering = ["date", "start_time", "id"]
        indexes = [models.Index(fields=["date", "teacher"]), models.Index(fields=["date", "room"])]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=models.F("start_time")), name="session_times_in_order"),
            models.CheckConstraint(condition=Q(room__isnull=True) | Q(base__isnull=True),
                                   name="session_room_or_base"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%m-%d} {self.get_slot_display()} {self.title}"

    @property
    def place_name(self) -> str:
        if self.room_id:
            return self.room.name
        if self.base_id:
            return self.base.name
        return ""
