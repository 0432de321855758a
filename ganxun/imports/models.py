"""Import jobs: an uploaded workbook, its validation report and its import, as one record.

A job moves through a small state machine (see ImportJob.Status). The moves
that must happen once — start importing, discard — are conditional UPDATEs
on the status column, so a double click or a second worker cannot repeat them.
The uploaded file is stored encrypted (imports.storage): it is a roster of
ID numbers and phones, personal data at rest like any other.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportJob(models.Model):
    class Kind(models.TextChoices):
        CADRES = "cadres", "干部"
        UNITS = "units", "参训单位"

    class Status(models.TextChoices):
        PENDING = "pending", "等待校验"
        VALIDATING = "validating", "校验中"
        VALIDATED = "validated", "校验完成"
        IMPORTING = "importing", "导入中"
        DONE = "done", "已导入"
        DISCARDED = "discarded", "已放弃"
        FAILED = "failed", "失败"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=255, blank=True)
    original_name = models.CharField("文件名", max_length=255)
    size = models.PositiveBigIntegerField("文件大小", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The role assignment used to upload: its scope is the job's scope, re-checked at every run.
    role = models.ForeignKey("access.RoleAssignment", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    header_row = models.PositiveIntegerField("表头行", default=1)
    data_rows = models.PositiveIntegerField("数据行数", default=0)
    valid_rows = models.PositiveIntegerField("有效行数", default=0)
    problem_rows = models.PositiveIntegerField("问题行数", default=0)
    # Progress of the running phase (validation or import), in data rows.
    progress_total = models.PositiveIntegerField(default=0)
    progress_done = models.PositiveIntegerField(default=0)

    created_count = models.PositiveIntegerField("新增", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    unchanged_count = models.PositiveIntegerField("未变化", default=0)
    skipped_count = models.PositiveIntegerField("跳过", default=0)
    # Excel row number of the last row of the last committed batch: a resumed
    # import starts after it, so the counts above stay exact.
    committed_through_row = models.PositiveIntegerField(default=0)

    validated_at = models.DateTimeField(null=True, blank=True)
    commit_requested_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Touched after every batch; a job whose worker died shows a stale heartbeat and may be resumed.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField("错误信息", blank=True)

    class Meta:
        verbose_name = "导入任务"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}导入 #{self.pk} {self.original_name}"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.VALIDATING, self.Status.IMPORTING)

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def import_started(self) -> bool:
        return self.commit_requested_at is not None


class ImportProblem(models.Model):
    """One problem of one cell (or of a whole row): row number as Excel shows it, column header, reason."""

    class Stage(models.TextChoices):
        VALIDATE = "validate", "校验"
        COMMIT = "commit", "导入时复核"

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="problems")
    row = models.PositiveIntegerField("行号")
    column = models.CharField("列", max_length=40, blank=True)
    # ID numbers and phones are stored masked: the report needs the row, not the number.
    value = models.CharField("值", max_length=200, blank=True)
    reason = models.CharField("问题", max_length=300)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.VALIDATE)

    class Meta:
        verbose_name = "导入问题"
        ordering = ["row", "id"]
        indexes = [models.Index(fields=["job", "row"])]

    def __str__(self) -> str:
        return f"第{self.row}行 {self.column}：{self.reason}"
