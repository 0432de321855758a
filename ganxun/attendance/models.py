"""Running a class: attendance per session (签到) and leave (请假).

One AttendanceRecord per (session, enrollment) at most: a scan twice, or a scan and a
manual record, end in the same row. A session without a record for an enrolled cadre is
an absence once the session is over (see selectors.attendance_summary). Leave covers
named sessions; its hours are the half-days those sessions occupy × the class's hours per
half day, the same unit as the class's credit hours (条例 Art. 15: more than 1/7 → 退学).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "已签到"
    LATE = "late", "迟到"
    ABSENT = "absent", "缺勤"
    LEAVE = "leave", "请假"


class AttendanceMethod(models.TextChoices):
    QR = "qr", "扫码"
    MANUAL = "manual", "人工补录"


class AttendanceRecord(models.Model):
    session = models.ForeignKey("classes.Session", on_delete=models.PROTECT, related_name="attendance",
                                verbose_name="课程")
    enrollment = models.ForeignKey("roster.Enrollment", on_delete=models.PROTECT, related_name="attendance",
                                   verbose_name="学员")
    status = models.CharField("状态", max_length=10, choices=AttendanceStatus.choices)
    method = models.CharField("方式", max_length=10, choices=AttendanceMethod.choices)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_out_at = models.DateTimeField("签退时间", null=True, blank=True)
    reason = models.CharField("补录/更正原因", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    ip = models.CharField(max_length=45, blank=True)
    checkout_ip = models.CharField(max_length=45, blank=True)
    # The LRS statement that says this cadre attended the session (attendance.xapi);
    # null while the record is not an attendance, or the cadre has no account.
    xapi_statement_id = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "签到记录"
        constraints = [models.UniqueConstraint(fields=["session", "enrollment"], name="attendance_once_per_session")]
        indexes = [models.Index(fields=["enrollment", "status"])]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.enrollment_id} {self.status}"


class LeaveStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"
    CANCELLED = "cancelled", "已撤销"


class LeaveRequest(models.Model):
    enrollment = models.ForeignKey("roster.Enrollment", on_delete=models.PROTECT, related_name="leave_requests",
                                   verbose_name="学员")
    sessions = models.ManyToManyField("classes.Session", related_name="leave_requests", verbose_name="请假课程")
    hours = models.DecimalField("请假学时", max_digits=6, decimal_places=1, default=Decimal("0"))
    reason = models.CharField("事由", max_length=300)
    status = models.CharField("状态", max_length=10, choices=LeaveStatus.choices, default=LeaveStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "请假"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["enrollment", "status"])]

    def __str__(self) -> str:
        return f"{self.enrollment_id} {self.hours}h {self.status}"


class WithdrawalDecision(models.TextChoices):
    WITHDRAW = "withdraw", "予以退学"
    KEEP = "keep", "保留学籍"


class WithdrawalReview(models.Model):
    """The org department's decision on a cadre flagged by the 1/7 rule (条例 Art. 15).

    The hours are those at the time of the decision: a kept cadre is flagged again only
    when more time away accrues (away_hours grows past the figure recorded here).
    """

    enrollment = models.ForeignKey("roster.Enrollment", on_delete=models.PROTECT, related_name="withdrawal_reviews",
                                   verbose_name="学员")
    decision = models.CharField("处理结果", max_length=10, choices=WithdrawalDecision.choices)
    note = models.CharField("理由", max_length=300)
    leave_hours = models.DecimalField("请假学时", max_digits=6, decimal_places=1)
    absence_hours = models.DecimalField("缺课学时", max_digits=6, decimal_places=1)
    away_hours = models.DecimalField("合计学时", max_digits=6, decimal_places=1)
    limit_hours = models.DecimalField("限额学时", max_digits=7, decimal_places=2)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        verbose_name = "退学审核"
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.enrollment_id} {self.decision}"
