"""The topic taxonomy of training content, rooted in the four content categories of
the 《干部教育培训工作条例》: political theory, party spirit, professional competence,
general knowledge. Courses, classes and teachers' expertise are tagged with it.
"""

from __future__ import annotations

from django.db import models


class Topic(models.Model):
    code = models.CharField("编码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=60)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name="上级")
    description = models.CharField("说明", max_length=300, blank=True)
    sort_order = models.IntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "培训内容分类"
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="topic_name_unique_among_siblings")]

    def __str__(self) -> str:
        return self.name

    @property
    def level(self) -> int:
        return self.code.count(".")
