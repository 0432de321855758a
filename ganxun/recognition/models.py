"""Credit recognition between platforms (学时互认).

A RecognitionSource is another learning platform (学习强国, 中国干部网络学院 …) whose records we
accept. How its amounts become our credit hours is a RecognitionRule with effective dates: the
rule in force on the day a record was earned converts it, and a claim keeps the rule and the hours
it was converted with, so a later rule never rewrites a past decision.

A RecognitionClaim is one external record of one cadre (pushed as an xAPI statement by the
source's LRS client, or a row of an uploaded export). `(source, external_ref)` is unique: the
same record pushed or uploaded twice is one claim. A recognised claim points at the ledger entry
it posted (credits.CreditRecord, source_ref "recognition:<claim>"); a rejected one keeps its reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class AmountUnit(models.TextChoices):
    POINTS = "points", "积分"
    MINUTES = "minutes", "分钟"
    HOURS = "hours", "学时"
    CREDITS = "credits", "学分"


class RecognitionSource(models.Model):
    name = models.CharField("平台名称", max_length=100)
    unit = models.CharField("计量单位", max_length=10, choices=AmountUnit.choices)
    # The organisation (a region) whose org department manages the source; its cadres may claim.
    owner = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name="管理单位")
    # The LRS client the platform pushes its statements with (none: uploads only).
    client = models.OneToOneField("lrs.LrsClient", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="recognition_source", verbose_name="推送客户端")
    is_active = models.BooleanField("启用", default=True)
    # Pull cursor: the last XapiStatement.id of the client turned into claims (or skipped).
    pull_cursor = models.BigIntegerField(default=0, editable=False)
    pulled_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Counts of the last pull run: {"claims": n, "duplicates": n, "skipped": {reason: n}}.
    pull_stats = models.JSONField(default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "互认平台"
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="recognition_source_name_unique")]

    def __str__(self) -> str:
        return self.name


class RecognitionRule(models.Model):
    """`amount_per_hour` of the source's unit make one credit hour (30 积分 = 1 学时). The rules of a
    source do not overlap; the one whose period holds a record's date converts it."""

    source = models.ForeignKey(RecognitionSource, on_delete=models.PROTECT, related_name="rules")
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True, help_text="含当日；空表示长期有效")
    amount_per_hour = models.DecimalField("折合 1 学时所需数量", max_digits=10, decimal_places=2)
    yearly_cap_hours = models.DecimalField("每人每年认定上限（学时）", max_digits=6, decimal_places=2, null=True,
                                           blank=True, help_text="空表示不设上限")
    needs_approval = models.BooleanField("需组织部门审核", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "认定规则"
        ordering = ["source", "-effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                                   name="recognition_rule_period_ordered"),
            models.CheckConstraint(condition=Q(amount_per_hour__gt=0), name="recognition_rule_factor_positive"),
            models.CheckConstraint(condition=Q(yearly_cap_hours__isnull=True) | Q(yearly_cap_hours__gte=0),
                                   name="recognition_rule_cap_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.effective_from}"


class ClaimStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    RECOGNISED = "recognised", "已认定"
    REJECTED = "rejected", "未认定"


class ClaimOrigin(models.TextChoices):
    PUSH = "push", "接口推送"
    UPLOAD = "upload", "表格上传"


class RecognitionUpload(models.Model):
    """An uploaded export of a platform: its validation report and, once committed, its claims.

    The file itself is not kept (it is a list of ID numbers): validation keeps the valid rows
    as (row, cadre id, reference, amount, date, title) and the problems with masked values."""

    class Status(models.TextChoices):
        VALIDATED = "validated", "校验完成"
        COMMITTED = "committed", "已导入"
        DISCARDED = "discarded", "已放弃"

    source = models.ForeignKey(RecognitionSource, on_delete=models.PROTECT, related_name="uploads",
                               verbose_name="平台")
    original_name = models.CharField("文件名", max_length=255)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.VALIDATED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The scope of the role used to upload: who else may see the upload, and what rows may name.
    scope = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+")
    data_rows = models.PositiveIntegerField("数据行数", default=0)
    valid_rows = models.PositiveIntegerField("有效行数", default=0)
    rows = models.JSONField(default=list, editable=False)
    problems = models.JSONField(default=list, editable=False)  # [{row, column, value, reason}]
    claims_created = models.PositiveIntegerField("生成认定申请", default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "互认数据上传"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def problem_rows(self) -> int:
        return len({p["row"] for p in self.problems})


class RecognitionClaim(models.Model):
    cadre = models.ForeignKey("people.Cadre", on_delete=models.PROTECT, related_name="recognition_claims",
                              verbose_name="干部")
    source = models.ForeignKey(RecognitionSource, on_delete=models.PROTECT, related_name="claims", verbose_name="平台")
    external_ref = models.CharField("外部记录编号", max_length=120)
    amount = models.DecimalField("数量", max_digits=12, decimal_places=2)
    earned_on = models.DateField("取得日期")
    title = models.CharField("学习内容", max_length=200, blank=True)
    origin = models.CharField("来源方式", max_length=10, choices=ClaimOrigin.choices)
    statement = models.ForeignKey("lrs.XapiStatement", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    upload = models.ForeignKey(RecognitionUpload, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="claims")
    # The rule in force on earned_on and what it converted the amount to (kept: later rules change nothing).
    rule = models.ForeignKey(RecognitionRule, null=True, blank=True, on_delete=models.PROTECT, related_name="claims")
    converted_hours = models.DecimalField("折算学时", max_digits=8, decimal_places=2, default=0)
    recognised_hours = models.DecimalField("认定学时", max_digits=8, decimal_places=2, null=True, blank=True)
    status = models.CharField("状态", max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.PENDING)
    reason = models.CharField("未认定原因", max_length=300, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="审核人")
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    credit_record = models.OneToOneField("credits.CreditRecord", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="recognition_claim", verbose_name="学时记录")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "学时认定申请"
        ordering = ["-earned_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_ref"], name="recognition_claim_ref_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="recognition_claim_amount_positive"),
            models.CheckConstraint(condition=~Q(status="rejected") | ~Q(reason=""),
                                   name="recognition_claim_rejection_has_reason"),
        ]
        indexes = [
            models.Index(fields=["status", "source"]),
            models.Index(fields=["cadre", "source", "earned_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.external_ref}"
