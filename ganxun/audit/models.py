"""The audit trail: append-only, chained with an HMAC of the previous entry.

Actors are written down by id and name rather than by foreign key: an entry
must stand on its own even when the account is later renamed or deactivated.
"""

from __future__ import annotations

from django.db import models


class AuditEntry(models.Model):
    class Result(models.TextChoices):
        SUCCESS = "success", "成功"
        FAILURE = "failure", "失败"
        DENIED = "denied", "拒绝"

    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_name = models.CharField(max_length=100, blank=True)
    actor_role = models.CharField(max_length=40, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    result = models.CharField(max_length=10, choices=Result.choices, default=Result.SUCCESS)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.result}"


class AuditHead(models.Model):
    """One row: the last entry's id and hash. Updating it first serialises writers."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    count = models.BigIntegerField(default=0)
