"""Call to training (调训) and the class roster (名单).

A class has at most one call: quotas per unit (按名额) or named cadres (实名调训), with its
notice (调训通知). Liaisons nominate cadres into their unit's quota; the org department
approves, rejects or substitutes. An enrollment is one cadre's place in one class; the
rules (quota, scope, overlap, capacity) and the warnings live in services.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ganxun.org.models import Category
from ganxun.people.choices import Rank


class CallMode(models.TextChoices):
    QUOTA = "quota", "按名额调训"
    NAMED = "named", "实名调训"


class CallStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    ISSUED = "issued", "已下发"


class TrainingCall(models.Model):
    training_class = models.OneToOneField("classes.TrainingClass", on_delete=models.PROTECT, related_name="call",
                                          verbose_name="班次")
    mode = models.CharField("调训方式", max_length=10, choices=CallMode.choices, default=CallMode.QUOTA)
    status = models.CharField("状态", max_length=10, choices=CallStatus.choices, default=CallStatus.DRAFT)
    document_no = models.CharField("文号", max_length=60, blank=True)
    nomination_deadline = models.DateField("报名截止日期", null=True, blank=True)
    contact = models.CharField("联系人及电话", max_length=100, blank=True)
    requirements = models.TextField("参训要求", blank=True)
    # Warning thresholds seen when the roster is reviewed (configurable per call).
    repeat_years = models.PositiveSmallIntegerField("重复培训判定年限", default=3)
    professional_classes = models.PositiveSmallIntegerField("培训专业户判定（近12个月班次数超过）", default=3)
    untrained_years = models.PositiveSmallIntegerField("长期未参训判定年限", default=3)
    # Who is called: people.choices.Rank and org.models.Category values (empty = no restriction);
    # defaulted from the class's plan item when the class came from the annual plan.
    target_ranks = models.JSONField("调训对象职级", default=list, blank=True)
    target_categories = models.JSONField("调训对象类别", default=list, blank=True)
    # The org department that issues the notice (set at issue: the org department of the
    # issuer's region, or the region itself when it has none in the tree).
    issuer = models.ForeignKey("org.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name="发文单位")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    issued_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "调训"

    def __str__(self) -> str:
        return f"调训：{self.training_class}"

    @property
    def is_issued(self) -> bool:
        return self.status == CallStatus.ISSUED

    @property
    def ranks_display(self) -> str:
        labels = dict(Rank.choices)
        return "、".join(labels.get(v, v) for v in self.target_ranks)

    @property
    def categories_display(self) -> str:
        labels = dict(Category.choices)
        return "、".join(labels.get(v, v) for v in self.target_categories)


class UnitQuota(models.Model):
    call = models.ForeignKey(TrainingCall, on_delete=models.CASCADE, related_name="quotas", verbose_name="调训")
    unit = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="training_quotas",
                             verbose_name="单位")
    seats = models.PositiveIntegerField("名额")
    note = models.CharField("说明（如人选条件）", max_length=200, blank=True)

    class Meta:
        verbose_name = "单位名额"
        ordering = ["unit__path"]
        constraints = [models.UniqueConstraint(fields=["call", "unit"], name="quota_unique_per_unit")]

    def __str__(self) -> str:
        return f"{self.unit} × {self.seats}"

    @property
    def remaining(self) -> int | None:
        """Seats left, when the query annotated `used` (live enrollments)."""
        used = getattr(self, "used", None)
        return None if used is None else max(self.seats - used, 0)


class QuotaChange(models.Model):
    """A change of a unit's quota after the notice was issued (名额调整), kept for the record."""

    call = models.ForeignKey(TrainingCall, on_delete=models.CASCADE, related_name="quota_changes",
                             verbose_name="调训")
    unit = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name="单位")
    seats_before = models.PositiveIntegerField("调整前名额")
    seats_after = models.PositiveIntegerField("调整后名额")
    note_before = models.CharField("调整前说明", max_length=200, blank=True)
    note_after = models.CharField("调整后说明", max_length=200, blank=True)
    reason = models.CharField("调整理由", max_length=300)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "名额调整记录"
        ordering = ["call_id", "-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.seats_before} → {self.seats_after}"


class NamedCadre(models.Model):
    """A cadre named by the org department in a named call (实名调训), as the notice lists them.

    The list is edited while the call is a draft; on issue every named cadre becomes an
    approved enrollment. Cadres named after the issue are enrolled at once.
    """

    call = models.ForeignKey(TrainingCall, on_delete=models.CASCADE, related_name="named", verbose_name="调训")
    cadre = models.ForeignKey("people.Cadre", on_delete=models.PROTECT, related_name="+", verbose_name="干部")
    # The cadre's unit when named (the notice's list, and a liaison's view of the call).
    unit = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name="单位")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "实名调训人员"
        ordering = ["call_id", "id"]
        constraints = [models.UniqueConstraint(fields=["call", "cadre"], name="named_cadre_once_per_call")]

    def __str__(self) -> str:
        return f"{self.call_id}:{self.cadre_id}"


class EnrollmentStatus(models.TextChoices):
    NOMINATED = "nominated", "待审核"
    APPROVED = "approved", "已确认"
    REJECTED = "rejected", "未通过"
    SUBSTITUTED = "substituted", "已调换"
    WITHDRAWN = "withdrawn", "已撤回"
    DROPPED = "dropped", "退学"


# Statuses that hold a seat: they count against quotas and capacity and block overlaps.
LIVE_STATUSES = (EnrollmentStatus.NOMINATED, EnrollmentStatus.APPROVED)


class Enrollment(models.Model):
    training_class = models.ForeignKey("classes.TrainingClass", on_delete=models.PROTECT,
                                       related_name="enrollments", verbose_name="班次")
    cadre = models.ForeignKey("people.Cadre", on_delete=models.PROTECT, related_name="enrollments",
                              verbose_name="学员")
    unit = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+",
                             verbose_name="选派单位")
    quota = models.ForeignKey(UnitQuota, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="enrollments", verbose_name="名额")
    status = models.CharField("状态", max_length=12, choices=EnrollmentStatus.choices,
                              default=EnrollmentStatus.NOMINATED)
    # Warnings computed at nomination for the reviewer: [{"code", "message"}].
    warnings = models.JSONField("提示", default=list, blank=True)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    nominated_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("审核意见", max_length=300, blank=True)
    replaced_by = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="replaces", verbose_name="调换为")
    seat_no = models.PositiveIntegerField("学号", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "学员名单"
        ordering = ["training_class_id", "seat_no", "id"]
        indexes = [models.Index(fields=["training_class", "status"]), models.Index(fields=["cadre", "status"])]
        constraints = [
            # One seat per cadre and class: a second nomination of the same cadre is refused by the
            # database as well as by the service (double-submitted forms create nothing twice).
            models.UniqueConstraint(fields=["training_class", "cadre"], condition=Q(status__in=LIVE_STATUSES),
                                    name="enrollment_one_live_per_cadre"),
        ]

    def __str__(self) -> str:
        return f"{self.training_class_id}:{self.cadre_id}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES
