"""The organisation tree: regions (province → city → county) and, in them,
org departments, training institutions, units (which may nest) and teaching bases.

Regions are nodes of the same tree, so a role's scope is simply a node and its
data scope is the node's subtree. `path` is the materialised chain of ids
("/1/4/27/"); "is under" is a prefix test, and moving a node rewrites the
prefix of its subtree in one statement.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Category(models.TextChoices):
    """干部类别 — used for units and for cadres."""

    PARTY_GOVERNMENT = "party_gov", "党政机关"
    ENTERPRISE = "enterprise", "企业"
    PUBLIC_INSTITUTION = "public_inst", "事业单位"
    UNIVERSITY = "university", "高校"
    GRASSROOTS = "grassroots", "基层"


class Organisation(models.Model):
    class Kind(models.TextChoices):
        REGION = "region", "行政区域"
        ORG_DEPT = "org_dept", "组织部门"
        INSTITUTION = "institution", "培训机构"
        UNIT = "unit", "参训单位"
        BASE = "base", "教学基地"

    class RegionLevel(models.TextChoices):
        PROVINCE = "province", "省"
        CITY = "city", "市"
        COUNTY = "county", "县（区）"

    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=40, blank=True)
    # Region: GB/T 2260 code; others: unified social credit code (统一社会信用代码).
    code = models.CharField("代码", max_length=18, null=True, blank=True, unique=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    region_level = models.CharField("区域层级", max_length=10, choices=RegionLevel.choices, blank=True)
    category = models.CharField("单位类别", max_length=20, choices=Category.choices, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name="上级")
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    sort_order = models.IntegerField("排序", default=0)
    address = models.CharField("地址", max_length=200, blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "组织"
        ordering = ["sort_order", "name", "id"]
        indexes = [
            models.Index(fields=["kind", "is_active"]),
            models.Index(fields=["parent", "sort_order"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="region") & ~Q(region_level="")) | (~Q(kind="region") & Q(region_level="")),
                name="region_level_only_on_regions",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_region(self) -> bool:
        return self.kind == self.Kind.REGION

    def is_within(self, other: "Organisation") -> bool:
        return self.path.startswith(other.path)

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]
