"""Themed online classes (专题网络班): a set of online courses with a deadline for an audience.

The org department that runs a class (its `owner`, an org-department node) picks courses of the
learning app — each required (必修) or elective (选修), in order — the credit hours a member needs,
a start date and a deadline, and an audience: cadres serving under a region or unit, optionally
of one rank and one category, or a named list (the same design as the needs survey). Opening
the class materialises the audience into one ThemedClassMember per cadre, with the cadre's unit
*at that time* (so the completion table per unit stays exact after transfers); members can be
added later while it is open. Progress is never stored here: it is computed from
learning.StudyProgress (selectors.member_progress).

A ThemedClassReminder is one in-platform notice to a member who is not complete N days before
the deadline (jobs.themed_class_reminders); the learner's home shows the unread ones.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ganxun.org.models import Category
from ganxun.people.choices import Rank


class ThemedClassStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    OPEN = "open", "进行中"
    CLOSED = "closed", "已结束"


class ThemedClass(models.Model):
    title = models.CharField("班名", max_length=100)
    description = models.TextField("说明", blank=True)
    owner = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+",
                              verbose_name="主办组织部门")
    status = models.CharField("状态", max_length=10, choices=ThemedClassStatus.choices,
                              default=ThemedClassStatus.DRAFT)
    required_hours = models.DecimalField("应修学时", max_digits=6, decimal_places=2, default=0,
                                         help_text="本班课程折算学时之和须达到的数；0 表示只要求学完必修课")
    start_date = models.DateField("开始日期")
    deadline = models.DateField("截止日期")
    # Audience: serving cadres in units under audience_root, optionally of one rank and one
    # category; a non-empty named list replaces the root and the filters.
    audience_root = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+",
                                      verbose_name="学员范围")
    audience_rank = models.CharField("职级", max_length=20, choices=Rank.choices, blank=True)
    audience_category = models.CharField("干部类别", max_length=20, choices=Category.choices, blank=True)
    named_cadres = models.ManyToManyField("people.Cadre", blank=True, related_name="+", verbose_name="指定人员")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "专题网络班"
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gte=F("start_date")), name="themed_class_deadline_after_start"),
            models.CheckConstraint(condition=Q(required_hours__gte=0), name="themed_class_hours_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status == ThemedClassStatus.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status == ThemedClassStatus.OPEN


class ThemedClassCourse(models.Model):
    """One course of a class, in order; required (必修) or elective (选修)."""

    themed_class = models.ForeignKey(ThemedClass, on_delete=models.CASCADE, related_name="class_courses")
    course = models.ForeignKey("learning.Course", on_delete=models.PROTECT, related_name="themed_class_links")
    order = models.PositiveIntegerField("序号")
    is_required = models.BooleanField("必修", default=True)

    class Meta:
        verbose_name = "专题网络班课程"
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["themed_class", "course"], name="themed_class_course_once")]


class MemberSource(models.TextChoices):
    OPENING = "opening", "开班时名单"
    ADDED = "added", "开班后增补"


class ThemedClassMember(models.Model):
    """A cadre of the class, with the unit they served in when they joined it."""

    themed_class = models.ForeignKey(ThemedClass, on_delete=models.CASCADE, related_name="members")
    cadre = models.ForeignKey("people.Cadre", on_delete=models.PROTECT, related_name="themed_class_memberships")
    unit = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+")
    source = models.CharField("来源", max_length=10, choices=MemberSource.choices, default=MemberSource.OPENING)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "专题网络班学员"
        constraints = [models.UniqueConstraint(fields=["themed_class", "cadre"], name="themed_class_member_once")]
        indexes = [models.Index(fields=["themed_class", "unit"])]


class ThemedClassReminder(models.Model):
    """An in-platform notice to a member not yet complete, `days_before` days before the deadline.

    Unique per (member, threshold, deadline): the daily job may run any number of times and a
    member gets each reminder once; a deadline moved later brings the reminders again."""

    member = models.ForeignKey(ThemedClassMember, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField("提前天数（提醒档）")
    deadline = models.DateField("截止日期")
    days_left = models.PositiveSmallIntegerField("发出时剩余天数")
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "专题网络班提醒"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["member", "days_before", "deadline"],
                                               name="themed_class_reminder_once")]
