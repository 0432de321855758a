"""Online learning (网络学习): the course catalogue (课程超市), course media, and study progress
that the server computes from heartbeats — the client never claims credit.

A course belongs to an `owner` (the org department or institution that publishes it): that is
its place in the organisation tree for the back office's scope. Learners see a published course
when its owner's region is one of their unit's ancestors (selectors.courses_for_learner).

Every status change of a course is a CourseTransition row. Study is a StudySession (one launch
of the study page, identified by a random token) receiving Heartbeat rows; services.study_heartbeat
decides how many seconds each heartbeat credits and adds them to the learner's StudyProgress.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

OWN_PLATFORM = "ganxun"


class CourseKind(models.TextChoices):
    VIDEO = "video", "视频课程"
    DOCUMENT = "document", "文档课程"
    LIVE_REPLAY = "live_replay", "直播回放"
    MICRO = "micro", "微课"


# Kinds whose content is a video: their progress is checked against the playback position.
VIDEO_KINDS = frozenset({CourseKind.VIDEO, CourseKind.LIVE_REPLAY, CourseKind.MICRO})


class CourseStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    IN_REVIEW = "in_review", "审核中"
    PILOT = "pilot", "试点"
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已下架"


class Course(models.Model):
    title = models.CharField("课程名称", max_length=200)
    summary = models.TextField("课程简介", blank=True)
    topics = models.ManyToManyField("topics.Topic", blank=True, related_name="courses", verbose_name="培训内容")
    kind = models.CharField("课程类型", max_length=12, choices=CourseKind.choices)
    duration_minutes = models.PositiveIntegerField("课程时长（分钟）", validators=[MinValueValidator(1)])
    teacher = models.ForeignKey("people.Teacher", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="courses", verbose_name="主讲教师")
    provider = models.ForeignKey("org.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="provided_courses", verbose_name="提供机构")
    is_required = models.BooleanField("公共必修", default=False)
    series = models.CharField("选修专题", max_length=40, blank=True, help_text="选修课所属的专业系列，如 经济管理、乡村振兴")
    status = models.CharField("状态", max_length=12, choices=CourseStatus.choices, default=CourseStatus.DRAFT)
    owner = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="owned_courses",
                              verbose_name="发布单位")
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    # Review pipeline: each submission opens a new round; reviews count within their round.
    review_round = models.PositiveIntegerField("评审轮次", default=0)
    # Pilot (试讲试评): the org nodes whose cadres see the course while it is a pilot, and since when.
    pilot_orgs = models.ManyToManyField("org.Organisation", blank=True, related_name="pilot_courses",
                                        verbose_name="试点范围")
    pilot_since = models.DateTimeField("试点开始", null=True, blank=True)
    # jieba-segmented words of title, summary, series, teacher and topics, separated by spaces:
    # the text the full-text index (SQLite FTS5 / PostgreSQL tsvector 'simple') is built from.
    search_text = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "课程"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "kind"]), models.Index(fields=["owner", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(is_required=False) | Q(series=""), name="course_required_has_no_series"),
            models.CheckConstraint(condition=Q(duration_minutes__gte=1), name="course_duration_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_video(self) -> bool:
        return self.kind in VIDEO_KINDS


class CourseTransition(models.Model):
    """One change of a course's status (also its creation, from "")."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, choices=CourseStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField("说明", max_length=300, blank=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = "课程状态变更"
        ordering = ["at", "id"]


class CourseReview(models.Model):
    """An expert's scores (1–5 on content, teaching, production) and comment on a course under
    review, one per reviewer and review round (a reviewer may revise theirs while the round is open)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="reviews")
    round = models.PositiveIntegerField("评审轮次")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    content_score = models.PositiveSmallIntegerField("内容", validators=[MinValueValidator(1), MaxValueValidator(5)])
    teaching_score = models.PositiveSmallIntegerField("讲授", validators=[MinValueValidator(1), MaxValueValidator(5)])
    production_score = models.PositiveSmallIntegerField("制作", validators=[MinValueValidator(1),
                                                                           MaxValueValidator(5)])
    comment = models.TextField("评审意见", max_length=2000)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "课程评审"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "round", "reviewer"], name="course_review_once_per_round"),
            models.CheckConstraint(condition=Q(content_score__gte=1) & Q(content_score__lte=5)
                                   & Q(teaching_score__gte=1) & Q(teaching_score__lte=5)
                                   & Q(production_score__gte=1) & Q(production_score__lte=5),
                                   name="course_review_scores_1_to_5"),
        ]

    @property
    def average(self) -> float:
        return (self.content_score + self.teaching_score + self.production_score) / 3


def _media_path(instance: "CourseMedia", filename: str) -> str:
    return f"learning/courses/{instance.course_id}/{instance.sha256}{instance.extension}"


class MediaType(models.TextChoices):
    MP4 = "video/mp4", "MP4 视频"
    WEBM = "video/webm", "WebM 视频"
    PDF = "application/pdf", "PDF 文档"
    HTML = "text/html", "HTML 文档"


VIDEO_TYPES = frozenset({MediaType.MP4, MediaType.WEBM})
EXTENSIONS = {MediaType.MP4: ".mp4", MediaType.WEBM: ".webm", MediaType.PDF: ".pdf", MediaType.HTML: ".html"}


class CourseMedia(models.Model):
    """A file of a course, stored by the platform under MEDIA_ROOT and served only through the
    scoped, range-capable views. The newest upload of a course is its current content."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="media")
    file = models.FileField(upload_to=_media_path, max_length=255)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("类型", max_length=40, choices=MediaType.choices)
    size = models.BigIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)
    duration_seconds = models.PositiveIntegerField("视频时长（秒）", null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "课程资源"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.content_type, "")

    @property
    def is_video(self) -> bool:
        return self.content_type in VIDEO_TYPES


class StudyProgress(models.Model):
    """A learner's progress in a course: seconds credited by the server, and when completed."""

    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="study_progress")
    cadre = models.ForeignKey("people.Cadre", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="study_progress")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="progress")
    credited_seconds = models.PositiveIntegerField("已认定时长（秒）", default=0)
    position = models.FloatField("播放位置（秒）", default=0)
    started_at = models.DateTimeField()
    last_studied_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    credit_hours = models.DecimalField("折算学时", max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "学习进度"
        constraints = [models.UniqueConstraint(fields=["account", "course"], name="progress_one_per_learner_course")]
        indexes = [models.Index(fields=["course", "completed_at"])]


class StudySession(models.Model):
    """One launch of a course's study page (or app screen); its token signs its heartbeats.

    A learner studies one course at a time: the first heartbeat of a newer session supersedes
    every other open session of the account, whose heartbeats then credit nothing and are told
    to pause (a superseded session never resumes — the page launches anew)."""

    token = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="study_sessions")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="study_sessions")
    started_at = models.DateTimeField()
    start_position = models.FloatField(default=0)
    last_seq = models.PositiveIntegerField(default=0)
    last_heartbeat_at = models.DateTimeField()
    last_position = models.FloatField(default=0)
    credited_seconds = models.PositiveIntegerField(default=0)
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_progress_statement_at = models.DateTimeField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "学习会话"
        indexes = [models.Index(fields=["account", "superseded_at"])]


class Verdict(models.TextChoices):
    CREDITED = "credited", "计入"
    PARTIAL = "partial", "部分计入（播放暂停或缓冲）"
    HIDDEN = "hidden", "页面不在前台"
    RATE = "rate", "倍速超过上限"
    IDLE = "idle", "间隔过长（挂机）"
    SEEK = "seek", "跳过未学内容"
    BACKWARDS = "backwards", "回退"
    PAUSED = "paused", "播放未前进"
    DAILY_CAP = "daily_cap", "超过每日上限"
    DURATION_CAP = "duration_cap", "已达课程时长"


class Heartbeat(models.Model):
    """One heartbeat as received, with what it credited and why (the record behind the credit,
    and the raw material of the cheating analysis: 挂机, 刷课, 多开)."""

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="heartbeats")
    seq = models.PositiveIntegerField()
    received_at = models.DateTimeField()
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    position = models.FloatField()
    rate = models.FloatField()
    visible = models.BooleanField()
    elapsed_seconds = models.FloatField()
    credited_seconds = models.PositiveIntegerField()
    verdict = models.CharField(max_length=14, choices=Verdict.choices)

    class Meta:
        verbose_name = "学习心跳"
        constraints = [models.UniqueConstraint(fields=["session", "seq"], name="heartbeat_once_per_seq")]
        indexes = [models.Index(fields=["account", "received_at"])]


class ConversionRule(models.Model):
    """How a completed course converts to credit hours (学时折算), by the course's duration.

    `platform` names where the course was studied — our own platform is "ganxun"; rules of
    other platforms serve credit recognition (学时互认) later. Rules of a platform do not overlap
    in time; the one in force on the completion date applies.
    """

    platform = models.CharField("平台", max_length=40, default=OWN_PLATFORM)
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True, help_text="含当日；空表示长期有效")
    long_minutes = models.PositiveIntegerField("长课程下限（分钟）", default=30)
    long_hours = models.DecimalField("长课程学时", max_digits=4, decimal_places=2, default=1)
    medium_minutes = models.PositiveIntegerField("中等课程下限（分钟）", default=15)
    medium_hours = models.DecimalField("中等课程学时", max_digits=4, decimal_places=2, default="0.5")
    short_hours = models.DecimalField("短课程学时", max_digits=4, decimal_places=2, default="0.25")
    test_bonus_hours = models.DecimalField("通过课程测试加计学时", max_digits=4, decimal_places=2, default="0.5")
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "学时折算规则"
        ordering = ["platform", "-effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                                   name="conversion_rule_period_ordered"),
            models.CheckConstraint(condition=Q(long_minutes__gt=models.F("medium_minutes")),
                                   name="conversion_rule_thresholds_ordered"),
        ]


class CourseRating(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="ratings")
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    stars = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "课程评分"
        constraints = [
            models.UniqueConstraint(fields=["course", "account"], name="course_rating_once_per_learner"),
            models.CheckConstraint(condition=Q(stars__gte=1) & Q(stars__lte=5), name="course_rating_stars_1_to_5"),
        ]
