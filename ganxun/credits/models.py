"""The credit-hour ledger (学时账本): one append-only record per posting.

A row is never edited or deleted (database triggers refuse it, see the migration); a
correction is a reversal entry (`reverses` → the row it cancels, negative hours) followed,
if needed, by a new entry. `source_ref` is the idempotency key of a posting: posting the
same thing twice (closing a class twice, a retried import) creates nothing the second time.
The same ledger takes offline classes, online study and hours recognised from other
platforms (`mode`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ganxun.topics.choices import TrainingType


class CreditMode(models.TextChoices):
    OFFLINE = "offline", "面授培训"
    ONLINE = "online", "网络培训"
    RECOGNISED = "recognised", "学时认定"


class CreditRecord(models.Model):
    cadre = models.ForeignKey("people.Cadre", on_delete=models.PROTECT, related_name="credit_records",
                              verbose_name="干部")
    hours = models.DecimalField("学时", max_digits=6, decimal_places=2)
    earned_on = models.DateField("取得日期")
    mode = models.CharField("类别", max_length=12, choices=CreditMode.choices)
    training_type = models.CharField("培训类型", max_length=20, choices=TrainingType.choices, blank=True)
    off_job = models.BooleanField("脱产/集中培训", default=False)
    topics = models.ManyToManyField("topics.Topic", blank=True, related_name="+", verbose_name="培训内容")
    source_class = models.ForeignKey("classes.TrainingClass", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="credit_records", verbose_name="来源班次")
    source_session = models.ForeignKey("classes.Session", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name="来源课程")
    source_name = models.CharField("来源", max_length=200, blank=True)
    source_ref = models.CharField("来源标识", max_length=120, unique=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by", verbose_name="冲销的记录")
    note = models.CharField("说明", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "学时记录"
        ordering = ["-earned_on", "-id"]
        indexes = [models.Index(fields=["cadre", "earned_on"]), models.Index(fields=["source_class"])]
        constraints = [
            models.CheckConstraint(condition=Q(reverses__isnull=True) | Q(hours__lte=0),
                                   name="credit_reversal_is_negative"),
            models.CheckConstraint(condition=Q(reverses__isnull=False) | Q(hours__gt=0),
                                   name="credit_posting_is_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.cadre_id} {self.hours} {self.source_name}"
