"""Evaluation of training (培训评估) on the Kirkpatrick levels, and rectification (整改).

* L1 reaction — `SessionRating` (a cadre who attended a session rates its content and its
  teacher) and `ClassRating` (content, organisation, logistics of the whole class). One row per
  cadre and session / class: a second submission replaces the first. The enrollment is kept
  only to enforce that; no page or API shows who gave which rating (docs/evaluation.md).
* L2 learning — `LearningScore`: optional pre/post test scores per cadre.
* L3 behaviour — `FollowUp`: the unit liaison's answer for each attendee a configurable time
  after the class ends.
* `RectificationItem` (+ `RectificationNote` history): opened automatically when an aggregate
  falls below the class's threshold, or by hand.

`EvaluationSettings` holds a class's windows and thresholds; a class without a row uses the
defaults below. Rules live in services.py / rectifications.py, figures in aggregates.py.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

# A mean is shown (and compared with a threshold) only with at least this many responses,
# so that no single rater can be identified.
MIN_RESPONSES = 3
DEFAULT_RATING_WINDOW_DAYS = 14
DEFAULT_FOLLOWUP_AFTER_DAYS = 90
DEFAULT_FOLLOWUP_ANSWER_DAYS = 30
DEFAULT_THRESHOLD = Decimal("3.5")
RECTIFICATION_DUE_DAYS = 30
COMMENT_MAX = 500


def _score(name: str) -> Q:
    return Q(**{f"{name}__gte": 1}) & Q(**{f"{name}__lte": 5})


class EvaluationSettings(models.Model):
    """Per-class settings of the evaluation (defaults apply while a class has no row)."""

    training_class = models.OneToOneField("classes.TrainingClass", on_delete=models.CASCADE,
                                          related_name="evaluation_settings", verbose_name="班次")
    rating_window_days = models.PositiveSmallIntegerField("结业后可评价天数", default=DEFAULT_RATING_WINDOW_DAYS)
    followup_after_days = models.PositiveSmallIntegerField("结业后多少天开展训后回访",
                                                           default=DEFAULT_FOLLOWUP_AFTER_DAYS)
    followup_answer_days = models.PositiveSmallIntegerField("回访填报期限（天）", default=DEFAULT_FOLLOWUP_ANSWER_DAYS)
    threshold = models.DecimalField("整改触发线（平均分低于）", max_digits=3, decimal_places=2,
                                    default=DEFAULT_THRESHOLD)
    learning_test = models.BooleanField("开展训前训后测试", default=False)
    reaction_checked_at = models.DateTimeField("满意度整改检查时间", null=True, blank=True)
    followup_checked_at = models.DateTimeField("回访整改检查时间", null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "评估设置"
        constraints = [
            models.CheckConstraint(condition=Q(threshold__gte=1) & Q(threshold__lte=5), name="evaluation_threshold_1_5"),
        ]

    def __str__(self) -> str:
        return f"评估设置：{self.training_class_id}"


class SessionRating(models.Model):
    """A cadre's rating of one session they attended (course content and teacher, 1–5)."""

    session = models.ForeignKey("classes.Session", on_delete=models.PROTECT, related_name="ratings",
                                verbose_name="课程")
    # Kept only so each cadre has one rating per session; never shown with the scores.
    enrollment = models.ForeignKey("roster.Enrollment", on_delete=models.PROTECT, related_name="+")
    content = models.PositiveSmallIntegerField("课程内容")
    teaching = models.PositiveSmallIntegerField("授课教师")
    comment = models.TextField("意见建议", blank=True, max_length=COMMENT_MAX)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "课程评价"
        constraints = [
            models.UniqueConstraint(fields=["session", "enrollment"], name="session_rating_once_per_cadre"),
            models.CheckConstraint(condition=_score("content") & _score("teaching"), name="session_rating_1_5"),
        ]

    def __str__(self) -> str:
        return f"课程评价 {self.session_id}"


class ClassRating(models.Model):
    """A cadre's rating of the whole class (content, organisation, logistics, 1–5)."""

    training_class = models.ForeignKey("classes.TrainingClass", on_delete=models.PROTECT,
                                       related_name="class_ratings", verbose_name="班次")
    enrollment = models.ForeignKey("roster.Enrollment", on_delete=models.PROTECT, related_name="+")
    content = models.PositiveSmallIntegerField("培训内容")
    organisation = models.PositiveSmallIntegerField("组织管理")
    logistics = models.PositiveSmallIntegerField("后勤服务")
    comment = models.TextField("意见建议", blank=True, max_length=COMMENT_MAX)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "班次评价"
        constraints = [
            models.UniqueConstraint(fields=["training_class", "enrollment"], name="class_rating_once_per_cadre"),
            models.CheckConstraint(condition=_score("content") & _score("organisation") & _score("logistics"),
                                   name="class_rating_1_5"),
        ]

    def __str__(self) -> str:
        return f"班次评价 {self.training_class_id}"


class LearningScore(models.Model):
    """L2: a cadre's pre- and post-test score (0–100), entered by the class's staff."""

    enrollment = models.OneToOneField("roster.Enrollment", on_delete=models.PROTECT, related_name="learning_score")
    training_class = models.ForeignKey("classes.TrainingClass", on_delete=models.PROTECT,
                                       related_name="learning_scores")
    pre_score = models.DecimalField("训前成绩", max_digits=4, decimal_places=1, null=True, blank=True)
    post_score = models.DecimalField("训后成绩", max_digits=4, decimal_places=1, null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "训前训后测试成绩"
        constraints = [
            models.CheckConstraint(condition=(Q(pre_score__isnull=True) | Q(pre_score__gte=0, pre_score__lte=100))
                                   & (Q(post_score__isnull=True) | Q(post_score__gte=0, post_score__lte=100)),
                                   name="learning_score_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id}: {self.pre_score} → {self.post_score}"


class FollowUp(models.Model):
    """L3: the unit liaison's follow-up on one attendee, due a set time after the class."""

    enrollment = models.OneToOneField("roster.Enrollment", on_delete=models.PROTECT, related_name="followup")
    training_class = models.ForeignKey("classes.TrainingClass", on_delete=models.PROTECT, related_name="followups",
                                       verbose_name="班次")
    unit = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name="单位")
    opens_on = models.DateField("回访开始日期")
    due_on = models.DateField("回访截止日期")
    applies = models.PositiveSmallIntegerField("学以致用", null=True, blank=True)
    performance = models.PositiveSmallIntegerField("工作绩效变化", null=True, blank=True)
    comment = models.TextField("具体表现", blank=True, max_length=COMMENT_MAX)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "训后回访"
        ordering = ["training_class_id", "enrollment__seat_no", "id"]
        indexes = [models.Index(fields=["unit", "answered_at"]), models.Index(fields=["due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(applies__isnull=True) | _score("applies"))
                & (Q(performance__isnull=True) | _score("performance")),
                name="followup_1_5"),
        ]

    def __str__(self) -> str:
        return f"回访 {self.enrollment_id}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class RectificationStatus(models.TextChoices):
    OPEN = "open", "待整改"
    IN_PROGRESS = "in_progress", "整改中"
    DONE = "done", "已整改"
    VERIFIED = "verified", "已验收"
    CLOSED = "closed", "无需整改"


ACTIVE_RECTIFICATION = (RectificationStatus.OPEN, RectificationStatus.IN_PROGRESS)


class RectificationCause(models.TextChoices):
    SESSION_CONTENT = "session_content", "课程内容评分偏低"
    SESSION_TEACHING = "session_teaching", "授课教师评分偏低"
    TEACHER_TEACHING = "teacher_teaching", "教师在本班授课评分偏低"
    CLASS_CONTENT = "class_content", "班次培训内容评分偏低"
    CLASS_ORGANISATION = "class_organisation", "班次组织管理评分偏低"
    CLASS_LOGISTICS = "class_logistics", "班次后勤服务评分偏低"
    FOLLOWUP_APPLIES = "followup_applies", "训后学以致用评价偏低"
    FOLLOWUP_PERFORMANCE = "followup_performance", "训后工作绩效变化评价偏低"
    MANUAL = "manual", "人工登记"


class RectificationItem(models.Model):
    """An issue to fix (整改项): its subject, the figures that raised it, owner, due date, status."""

    # One item per subject and cause ("session:12:session_teaching"), or per form submission for
    # items opened by hand ("manual:<token>"): a repeated check or a double submit adds nothing.
    key = models.CharField(max_length=80, unique=True)
    cause = models.CharField("原因", max_length=30, choices=RectificationCause.choices)
    title = models.CharField("整改事项", max_length=200)
    description = models.TextField("问题描述", blank=True, max_length=2000)
    training_class = models.ForeignKey("classes.TrainingClass", on_delete=models.PROTECT,
                                       related_name="rectification_items", verbose_name="班次")
    session = models.ForeignKey("classes.Session", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name="课程")
    teacher = models.ForeignKey("people.Teacher", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name="教师")
    institution = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+",
                                    verbose_name="培训机构")
    owner_org = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+",
                                  verbose_name="责任单位")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name="责任人")
    figures = models.JSONField("触发数据", default=dict, blank=True)
    due_on = models.DateField("整改期限")
    status = models.CharField("状态", max_length=12, choices=RectificationStatus.choices,
                              default=RectificationStatus.OPEN)
    close_reason = models.CharField("无需整改的理由", max_length=300, blank=True)
    is_automatic = models.BooleanField("自动生成", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "整改项"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "due_on"]), models.Index(fields=["institution", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RECTIFICATION


class RectificationNote(models.Model):
    """History of an item: every status change, reassignment and remark."""

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    text = models.TextField("说明", max_length=2000)
    from_status = models.CharField(max_length=12, choices=RectificationStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=RectificationStatus.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "整改记录"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]
