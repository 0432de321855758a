"""A record that the database holds generated demo data.

`demo_generate --reset` and `demo_totp` refuse to act on a database without
it, so neither can wipe or bypass anything in a real installation.
"""

from __future__ import annotations

from django.db import models


class DemoRun(models.Model):
    scale = models.CharField("规模", max_length=20)
    seed = models.BigIntegerField("随机种子")
    generated_at = models.DateTimeField("生成时间", auto_now_add=True)
    seconds = models.FloatField("耗时（秒）", default=0)
    counts = models.JSONField("数据量", default=dict)
    # The day the training process is anchored at (the generation day unless overridden):
    # today's class, open leave and the rating windows count from it.
    process_day = models.DateField("培训流程日期", null=True, blank=True)

    class Meta:
        verbose_name = "演示数据生成记录"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.scale} / {self.seed}"
