"""People with real-name records: every person, and the cadre and teacher profiles.

ID numbers and phones are encrypted at rest (core.fields) and found through
keyed hashes; screens and API responses show them masked (core.masking)
unless a role that may reveal them asks, and that reveal is audited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ganxun.core.fields import EncryptedTextField
from ganxun.core.masking import mask_id_number, mask_phone
from ganxun.org.models import Category
from ganxun.people.choices import (
    CareerEventKind,
    Education,
    Ethnicity,
    Gender,
    PoliticalStatus,
    Rank,
    TeacherTitle,
)


class Person(models.Model):
    name = models.CharField("姓名", max_length=50, db_index=True)
    id_number = EncryptedTextField("身份证号")
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    ethnicity = models.CharField("民族", max_length=10, choices=Ethnicity.choices, default="汉族")
    political_status = models.CharField("政治面貌", max_length=20, choices=PoliticalStatus.choices)
    education = models.CharField("学历", max_length=20, choices=Education.choices)
    phone = EncryptedTextField("手机号", blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="person"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "人员"

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class Cadre(models.Model):
    """A cadre's current post. History is in CareerEvent."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="cadre")
    unit = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="cadres", verbose_name="单位")
    position_title = models.CharField("职务", max_length=100, blank=True)
    rank = models.CharField("职级", max_length=20, choices=Rank.choices)
    is_leader = models.BooleanField("领导职务", default=False)
    category = models.CharField("干部类别", max_length=20, choices=Category.choices)
    position_since = models.DateField("任现职时间", null=True, blank=True)
    rank_since = models.DateField("任现职级时间", null=True, blank=True)
    is_active = models.BooleanField("在职", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "干部"
        indexes = [
            models.Index(fields=["unit", "is_active"]),
            models.Index(fields=["rank", "category"]),
        ]

    def __str__(self) -> str:
        return self.person.name


class CareerEvent(models.Model):
    """One step of a cadre's career: appointment, promotion, transfer… (used for the 提任 rule
    and the training ↔ promotion analysis)."""

    class Source(models.TextChoices):
        MANUAL = "manual", "手工录入"
        IMPORT = "import", "表格导入"
        API = "api", "接口"
        DEMO = "demo", "演示数据"

    cadre = models.ForeignKey(Cadre, on_delete=models.PROTECT, related_name="career_events")
    kind = models.CharField("类型", max_length=20, choices=CareerEventKind.choices)
    date = models.DateField("日期")
    unit = models.ForeignKey("org.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="单位")
    unit_name = models.CharField("单位名称", max_length=100, blank=True)
    position_title = models.CharField("职务", max_length=100, blank=True)
    rank = models.CharField("职级", max_length=20, choices=Rank.choices, blank=True)
    is_leader = models.BooleanField("领导职务", default=False)
    note = models.CharField("说明", max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "任职经历"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["cadre", "date"])]


class Teacher(models.Model):
    """A member of an institution's teacher pool (师资库), internal or external."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="teacher")
    institution = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="teachers",
                                    verbose_name="所属机构")
    title = models.CharField("职称", max_length=20, choices=TeacherTitle.choices)
    is_internal = models.BooleanField("本机构师资", default=True)
    employer = models.CharField("工作单位", max_length=100, blank=True)
    expertise = models.ManyToManyField("topics.Topic", blank=True, related_name="teachers", verbose_name="擅长领域")
    bio = models.TextField("简介", blank=True)
    is_active = models.BooleanField("在库", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "师资"

    def __str__(self) -> str:
        return self.person.name
