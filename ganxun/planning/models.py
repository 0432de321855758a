"""The needs survey (需求调研): a questionnaire the org department sends to an audience of cadres.

A survey is drafted (questions may change), opened (questions freeze and the audience is
materialised into one SurveyInvitation per cadre, with the cadre's unit *at that time*, so
response rates per unit stay exact after transfers) and closed. A cadre answers once per
invitation; answering again before closing replaces the previous answers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from ganxun.org.models import Category
from ganxun.people.choices import Rank
from ganxun.topics.choices import TrainingType


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        OPEN = "open", "进行中"
        CLOSED = "closed", "已结束"

    title = models.CharField("标题", max_length=100)
    description = models.TextField("说明", blank=True)
    owner_org = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+",
                                  verbose_name="发起组织")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    closes_on = models.DateField("截止日期")
    # Audience: cadres serving in units under audience_root, optionally filtered by rank and
    # category; a non-empty named list (targeted survey) replaces the root and filters.
    audience_root = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+",
                                      verbose_name="调研范围")
    audience_rank = models.CharField("职级", max_length=20, choices=Rank.choices, blank=True)
    audience_category = models.CharField("干部类别", max_length=20, choices=Category.choices, blank=True)
    named_cadres = models.ManyToManyField("people.Cadre", blank=True, related_name="+", verbose_name="指定人员")
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "需求调研"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def accepts_answers(self) -> bool:
        """Open, and the closing date (inclusive, local time) has not passed."""
        return self.status == self.Status.OPEN and timezone.localdate() <= self.closes_on


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "单选"
        MULTIPLE = "multiple", "多选"
        RATING = "rating", "评分（1–5）"
        TEXT = "text", "文字"
        TOPICS = "topics", "培训内容偏好"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveIntegerField("序号", default=0)
    kind = models.CharField("题型", max_length=10, choices=Kind.choices)
    text = models.CharField("题目", max_length=300)
    required = models.BooleanField("必答", default=True)
    max_choices = models.PositiveSmallIntegerField("最多可选", null=True, blank=True)

    class Meta:
        verbose_name = "调研题目"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def has_options(self) -> bool:
        return self.kind in (self.Kind.SINGLE, self.Kind.MULTIPLE)


class QuestionOption(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    order = models.PositiveIntegerField(default=0)
    label = models.CharField("选项", max_length=100)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.label


class SurveyInvitation(models.Model):
    """One cadre of the audience, with the unit they served in when the survey opened."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    cadre = models.ForeignKey("people.Cadre", on_delete=models.PROTECT, related_name="survey_invitations")
    unit = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "cadre"], name="survey_invitation_once")]
        indexes = [models.Index(fields=["survey", "unit"])]


class SurveyResponse(models.Model):
    invitation = models.OneToOneField(SurveyInvitation, on_delete=models.CASCADE, related_name="response")
    submitted_at = models.DateTimeField()
    updated_at = models.DateTimeField()


class Answer(models.Model):
    """One question's answer: options (single/multiple), rating, text or topics, by kind."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    options = models.ManyToManyField(QuestionOption, blank=True, related_name="answers")
    topics = models.ManyToManyField("topics.Topic", blank=True, related_name="survey_answers")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_once_per_question"),
            models.CheckConstraint(condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                                   name="answer_rating_1_to_5"),
        ]


# --- The annual training plan (年度培训计划) -------------------------------------------------
# A region's plan for one year: drafted (often generated from a survey), submitted, approved or
# returned with comments. Once approved it is never edited in place again: every change is a
# PlanAdjustment with a reason and before/after, and each one raises the plan's version.


class AnnualPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待审批"
        APPROVED = "approved", "已批准"
        RETURNED = "returned", "已退回"

    region = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name="区域")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("标题", max_length=100)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField("审批意见", blank=True)
    # 0 until approved; approval makes it 1 and every adjustment adds one.
    version = models.PositiveIntegerField("版本", default=0)
    source_survey = models.ForeignKey(Survey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                      verbose_name="来源调研")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "年度培训计划"
        ordering = ["-year", "region__path"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="plan_one_per_region_year")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_editable(self) -> bool:
        """Items change freely only while the plan is with its author."""
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class PlanItem(models.Model):
    """One class of the plan. Withdrawn (is_active=False), never deleted, once approved."""

    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="items")
    title = models.CharField("班次名称", max_length=100)
    topics = models.ManyToManyField("topics.Topic", blank=True, related_name="plan_items", verbose_name="培训内容")
    training_type = models.CharField("培训类型", max_length=20, choices=TrainingType.choices)
    target_ranks = models.JSONField("对象职级", default=list, blank=True)  # people.choices.Rank values
    target_categories = models.JSONField("对象类别", default=list, blank=True)  # org.models.Category values
    institution = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="plan_items",
                                    null=True, blank=True, verbose_name="承办机构")
    month = models.PositiveSmallIntegerField("月份")
    days = models.PositiveSmallIntegerField("天数")
    credit_hours = models.DecimalField("学时", max_digits=6, decimal_places=1)
    capacity = models.PositiveIntegerField("计划人数")
    budget = models.DecimalField("预算（元）", max_digits=12, decimal_places=2, default=0)
    note = models.TextField("备注", blank=True)
    is_active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "计划班次"
        ordering = ["month", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="plan_item_month_1_12"),
            models.CheckConstraint(condition=models.Q(days__gte=1), name="plan_item_days_positive"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="plan_item_capacity_positive"),
            models.CheckConstraint(condition=models.Q(budget__gte=0), name="plan_item_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def ranks_display(self) -> str:
        labels = dict(Rank.choices)
        return "、".join(labels.get(v, v) for v in self.target_ranks)

    @property
    def categories_display(self) -> str:
        labels = dict(Category.choices)
        return "、".join(labels.get(v, v) for v in self.target_categories)


class PlanAdjustment(models.Model):
    """A recorded change to an approved plan (计划调整), one per new version."""

    class Kind(models.TextChoices):
        ADD = "add", "临时增加"
        CHANGE = "change", "调整"
        CANCEL = "cancel", "取消"

    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="adjustments")
    version = models.PositiveIntegerField("版本")
    kind = models.CharField("调整类型", max_length=10, choices=Kind.choices)
    reason = models.TextField("调整理由")
    item = models.ForeignKey(PlanItem, on_delete=models.PROTECT, related_name="adjustments")
    before = models.JSONField("调整前", null=True, blank=True)
    after = models.JSONField("调整后", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "计划调整"
        ordering = ["version"]
        constraints = [models.UniqueConstraint(fields=["plan", "version"], name="plan_adjustment_version_once")]
