"""Assessment (考核) of a class's cadres and its closing (结班).

Before the class closes, the inputs are collected: the class's completion rule
(CompletionRule), exam scores (ExamScore), reflections (Reflection, 心得体会) and
discipline notes (DisciplineNote); attendance and leave come from the attendance app.
Closing snapshots one AssessmentResult per enrollment (the figures, the decision
结业 / 未结业 with its reasons, the hours credited, the certificate number) and one
ClassClosing for the class; the rules and figures are defined in services.py and
docs/assessment.md.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q


class ExamPolicy(models.TextChoices):
    AUTO = "auto", "课程安排中有考试时要求"
    REQUIRED = "required", "要求考试"
    NONE = "none", "不考试"


class ReflectionGrade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    GOOD = "good", "良好"
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"


# Higher is better; the rule's minimum grade is compared on this scale.
GRADE_RANK = {ReflectionGrade.FAIL: 0, ReflectionGrade.PASS: 1, ReflectionGrade.GOOD: 2, ReflectionGrade.EXCELLENT: 3}


class Severity(models.TextChoices):
    MINOR = "minor", "一般"
    SERIOUS = "serious", "严重"


class CompletionRule(models.Model):
    """The class's completion rule (结业条件). A class without a row uses the defaults.

    The leave limit (1/7 of the class's hours, 条例 Art. 15) and "no serious discipline
    violation" are fixed and not stored.
    """

    training_class = models.OneToOneField("classes.TrainingClass", on_delete=models.CASCADE,
                                          related_name="completion_rule", verbose_name="班次")
    min_attendance_rate = models.DecimalField("最低出勤率（%）", max_digits=5, decimal_places=2, default=Decimal("90"))
    exam_policy = models.CharField("考试要求", max_length=10, choices=ExamPolicy.choices, default=ExamPolicy.AUTO)
    exam_full_mark = models.DecimalField("考试满分", max_digits=5, decimal_places=1, default=Decimal("100"))
    exam_pass_mark = models.DecimalField("考试合格分", max_digits=5, decimal_places=1, default=Decimal("60"))
    reflection_required = models.BooleanField("要求提交学习心得", default=True)
    reflection_min_length = models.PositiveIntegerField("学习心得最少字数", default=800)
    reflection_min_grade = models.CharField("学习心得最低评定", max_length=10, choices=ReflectionGrade.choices,
                                            default=ReflectionGrade.PASS)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "结业条件"
        constraints = [
            models.CheckConstraint(condition=Q(min_attendance_rate__gte=0) & Q(min_attendance_rate__lte=100),
                                   name="rule_attendance_rate_range"),
            models.CheckConstraint(condition=Q(exam_full_mark__gt=0) & Q(exam_pass_mark__gte=0)
                                   & Q(exam_pass_mark__lte=models.F("exam_full_mark")),
                                   name="rule_exam_marks_in_order"),
        ]

    def __str__(self) -> str:
        return f"结业条件：{self.training_class_id}"


class ExamScore(models.Model):
    enrollment = models.OneToOneField("roster.Enrollment", on_delete=models.PROTECT, related_name="exam_score",
                                      verbose_name="学员")
    score = models.DecimalField("考试成绩", max_digits=5, decimal_places=1)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "考试成绩"
        constraints = [models.CheckConstraint(condition=Q(score__gte=0), name="exam_score_not_negative")]

    def __str__(self) -> str:
        return f"{self.enrollment_id}: {self.score}"


class Reflection(models.Model):
    """A cadre's written reflection (心得体会): editable by the cadre until it is graded."""

    enrollment = models.OneToOneField("roster.Enrollment", on_delete=models.PROTECT, related_name="reflection",
                                      verbose_name="学员")
    title = models.CharField("标题", max_length=100, blank=True)
    text = models.TextField("正文")
    submitted_at = models.DateTimeField("首次提交时间", auto_now_add=True)
    updated_at = models.DateTimeField("最后修改时间", auto_now=True)
    grade = models.CharField("评定", max_length=10, choices=ReflectionGrade.choices, blank=True)
    comment = models.CharField("评语", max_length=500, blank=True)
    graded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="评定人")
    graded_at = models.DateTimeField("评定时间", null=True, blank=True)

    class Meta:
        verbose_name = "学习心得"

    def __str__(self) -> str:
        return f"心得：{self.enrollment_id}"

    @property
    def is_graded(self) -> bool:
        return bool(self.grade)


class DisciplineNote(models.Model):
    """A discipline note by the head teacher; withdrawn (never deleted) with a reason."""

    enrollment = models.ForeignKey("roster.Enrollment", on_delete=models.PROTECT, related_name="discipline_notes",
                                   verbose_name="学员")
    date = models.DateField("日期")
    text = models.CharField("情况", max_length=500)
    severity = models.CharField("性质", max_length=10, choices=Severity.choices, default=Severity.MINOR)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    withdraw_reason = models.CharField("撤销原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "纪律记录"
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["enrollment", "withdrawn_at"])]

    def __str__(self) -> str:
        return f"{self.enrollment_id} {self.date} {self.severity}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class ClassClosing(models.Model):
    """The one closing (结班) of a class: who, when, and what it wrote."""

    training_class = models.OneToOneField("classes.TrainingClass", on_delete=models.PROTECT, related_name="closing",
                                          verbose_name="班次")
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="结班人")
    closed_at = models.DateTimeField("结班时间", auto_now_add=True)
    class_hours = models.DecimalField("班次学时", max_digits=6, decimal_places=1)
    exam_required = models.BooleanField("要求考试", default=False)
    assessed = models.PositiveIntegerField("考核人数")
    completed = models.PositiveIntegerField("结业人数")
    hours_posted = models.DecimalField("登记学时合计", max_digits=10, decimal_places=2)
    rule = models.JSONField("结业条件（结班时）", default=dict)

    class Meta:
        verbose_name = "结班记录"

    def __str__(self) -> str:
        return f"结班：{self.training_class_id}"


class AssessmentResult(models.Model):
    """One cadre's assessment as it stood when the class closed (never recomputed)."""

    training_class = models.ForeignKey("classes.TrainingClass", on_delete=models.PROTECT,
                                       related_name="assessment_results", verbose_name="班次")
    enrollment = models.OneToOneField("roster.Enrollment", on_delete=models.PROTECT,
                                      related_name="assessment_result", verbose_name="学员")
    cadre = models.ForeignKey("people.Cadre", on_delete=models.PROTECT, related_name="assessment_results",
                              verbose_name="干部")
    sessions = models.PositiveIntegerField("课程节数")
    attended = models.PositiveIntegerField("出勤节数")
    absent = models.PositiveIntegerField("缺勤节数")
    attendance_rate = models.DecimalField("出勤率", max_digits=5, decimal_places=4)
    leave_hours = models.DecimalField("请假学时", max_digits=6, decimal_places=1)
    exam_required = models.BooleanField("要求考试")
    exam_score = models.DecimalField("考试成绩", max_digits=5, decimal_places=1, null=True, blank=True)
    reflection_grade = models.CharField("心得评定", max_length=10, choices=ReflectionGrade.choices, blank=True)
    discipline_minor = models.PositiveIntegerField("一般违纪次数", default=0)
    discipline_serious = models.PositiveIntegerField("严重违纪次数", default=0)
    completed = models.BooleanField("结业")
    reasons = models.JSONField("未结业原因", default=list, blank=True)  # [{"code", "message"}]
    credited_hours = models.DecimalField("认定学时", max_digits=6, decimal_places=1)
    certificate_no = models.CharField("结业证书编号", max_length=40, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "考核结果"
        ordering = ["training_class_id", "enrollment__seat_no", "enrollment_id"]
        indexes = [models.Index(fields=["cadre", "training_class"])]
        constraints = [
            models.CheckConstraint(condition=Q(completed=False) | Q(certificate_no__isnull=False),
                                   name="result_completed_has_certificate"),
            models.CheckConstraint(condition=Q(completed=True) | Q(certificate_no__isnull=True),
                                   name="result_certificate_only_when_completed"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id}: {'结业' if self.completed else '未结业'}"

    @property
    def attendance_percent(self) -> Decimal:
        return (self.attendance_rate * 100).quantize(Decimal("0.1"))
