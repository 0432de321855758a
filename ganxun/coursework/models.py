"""Course tests (课程测试), reflections (学习心得) and the discussion of an online course.

* A course has an item bank of `Question`s (single choice, multiple choice, true/false) and one
  `CourseTest` with its settings (how many questions are drawn, time limit, pass mark, attempts).
* A `TestAttempt` is one sitting: the questions drawn at random from the active bank are copied
  into it (`questions`, with their answer keys) so that later edits of the bank never change an
  attempt already started; answers, score and pass are written once, at submission.
* A `CourseReflection` is a learner's written reflection on a course, graded by the institution
  that provides the course (selectors.reflection_graders).
* `DiscussionPost`s make one thread per course: posts and one level of replies; moderators hide.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class QuestionKind(models.TextChoices):
    SINGLE = "single", "单选题"
    MULTIPLE = "multiple", "多选题"
    TRUE_FALSE = "true_false", "判断题"


# Answer keys: options are lettered A, B, C …; a true/false question's keys are "true" / "false".
OPTION_KEYS = "ABCDEFGH"
TRUE_FALSE_KEYS = ("true", "false")
TRUE_FALSE_LABELS = {"true": "正确", "false": "错误"}


class Question(models.Model):
    course = models.ForeignKey("learning.Course", on_delete=models.PROTECT, related_name="questions",
                               verbose_name="课程")
    kind = models.CharField("题型", max_length=12, choices=QuestionKind.choices)
    stem = models.TextField("题干")
    # Option texts in order (lettered A, B, …); empty for true/false questions.
    options = models.JSONField("选项", default=list, blank=True)
    # The correct keys, sorted: ["B"], ["A", "C"], ["true"].
    answer = models.JSONField("正确答案", default=list)
    explanation = models.TextField("解析", blank=True)
    is_active = models.BooleanField("在用", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "试题"
        ordering = ["course", "id"]
        indexes = [models.Index(fields=["course", "is_active"])]

    def __str__(self) -> str:
        return self.stem[:40]

    def choices(self) -> list[tuple[str, str]]:
        """(key, text) of the options as a learner sees them."""
        if self.kind == QuestionKind.TRUE_FALSE:
            return list(TRUE_FALSE_LABELS.items())
        return list(zip(OPTION_KEYS, self.options))


class CourseTest(models.Model):
    """A course's test settings. A course without a row has no test."""

    course = models.OneToOneField("learning.Course", on_delete=models.PROTECT, related_name="course_test",
                                  verbose_name="课程")
    draw_count = models.PositiveSmallIntegerField("每次抽题数", default=10,
                                                  validators=[MinValueValidator(1), MaxValueValidator(200)])
    time_limit_minutes = models.PositiveSmallIntegerField("限时（分钟）", default=20,
                                                          validators=[MinValueValidator(1), MaxValueValidator(600)])
    pass_mark = models.PositiveSmallIntegerField("合格线（百分制）", default=60,
                                                 validators=[MinValueValidator(1), MaxValueValidator(100)])
    max_attempts = models.PositiveSmallIntegerField("最多作答次数", default=3,
                                                    validators=[MinValueValidator(1), MaxValueValidator(50)])
    is_open = models.BooleanField("开放作答", default=False)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "课程测试"
        constraints = [
            models.CheckConstraint(condition=Q(draw_count__gte=1) & Q(draw_count__lte=200),
                                   name="course_test_draw_count_range"),
            models.CheckConstraint(condition=Q(pass_mark__gte=1) & Q(pass_mark__lte=100),
                                   name="course_test_pass_mark_range"),
            models.CheckConstraint(condition=Q(max_attempts__gte=1), name="course_test_attempts_positive"),
            models.CheckConstraint(condition=Q(time_limit_minutes__gte=1), name="course_test_time_positive"),
        ]

    def __str__(self) -> str:
        return f"课程测试：{self.course_id}"


class AttemptOutcome(models.TextChoices):
    SUBMITTED = "submitted", "按时交卷"
    OVERDUE = "overdue", "超时未交卷"


class TestAttempt(models.Model):
    """One sitting of a course test by a learner."""

    __test__ = False  # not a pytest test class, whatever its name

    course_test = models.ForeignKey(CourseTest, on_delete=models.PROTECT, related_name="attempts")
    course = models.ForeignKey("learning.Course", on_delete=models.PROTECT, related_name="test_attempts")
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="test_attempts")
    cadre = models.ForeignKey("people.Cadre", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="test_attempts")
    number = models.PositiveSmallIntegerField("第几次")
    # The drawn questions in the order shown, copied from the bank at the start:
    # [{"id", "kind", "stem", "options", "answer", "explanation"}].
    questions = models.JSONField(default=list)
    # Settings in force at the start (a later change of the test does not move this attempt's goalposts).
    pass_mark = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=AttemptOutcome.choices, blank=True)
    answers = models.JSONField(default=dict, blank=True)  # {"<question id>": ["A", "C"]}
    correct_count = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.DecimalField("得分", max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)

    class Meta:
        verbose_name = "测试作答"
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "course_test", "number"], name="attempt_number_unique"),
            models.UniqueConstraint(fields=["account", "course_test"], condition=Q(submitted_at__isnull=True),
                                    name="attempt_one_open_per_learner"),
        ]
        indexes = [models.Index(fields=["course", "passed"])]

    @property
    def is_open(self) -> bool:
        return self.submitted_at is None

    @property
    def question_count(self) -> int:
        return len(self.questions)


class CourseReflectionRule(models.Model):
    """Whether a course takes reflections, and their minimum length. A course without a row
    takes none."""

    course = models.OneToOneField("learning.Course", on_delete=models.PROTECT, related_name="reflection_rule",
                                  verbose_name="课程")
    is_open = models.BooleanField("接收学习心得", default=True)
    min_length = models.PositiveIntegerField("最少字数（不计空白）", default=300,
                                             validators=[MinValueValidator(1), MaxValueValidator(10000)])
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "心得要求"


class ReflectionStatus(models.TextChoices):
    SUBMITTED = "submitted", "待评阅"
    GRADED = "graded", "已评定"
    RETURNED = "returned", "退回修改"


class ReflectionGrade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    GOOD = "good", "良好"
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"


class CourseReflection(models.Model):
    """A learner's reflection on an online course (one per learner and course). Editable while it
    waits or after it is returned; a grade closes it."""

    course = models.ForeignKey("learning.Course", on_delete=models.PROTECT, related_name="reflections")
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="course_reflections")
    cadre = models.ForeignKey("people.Cadre", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="course_reflections")
    text = models.TextField("正文")
    status = models.CharField("状态", max_length=10, choices=ReflectionStatus.choices,
                              default=ReflectionStatus.SUBMITTED)
    revision = models.PositiveIntegerField(default=1)  # each submission of a text counts one up
    submitted_at = models.DateTimeField("提交时间")
    grade = models.CharField("评定", max_length=10, choices=ReflectionGrade.choices, blank=True)
    comment = models.CharField("评语", max_length=500, blank=True)
    graded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "课程学习心得"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "account"], name="course_reflection_one_per_learner"),
            models.CheckConstraint(condition=~Q(status="graded") | ~Q(grade=""), name="course_reflection_graded_has_grade"),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]


class DiscussionPost(models.Model):
    """A post of a course's discussion thread, or a reply to one (one level only)."""

    course = models.ForeignKey("learning.Course", on_delete=models.PROTECT, related_name="discussion_posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="discussion_posts")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies")
    text = models.TextField("内容")
    created_at = models.DateTimeField()
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    hide_reason = models.CharField("隐藏原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "课程讨论"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["course", "parent", "created_at"])]

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None
