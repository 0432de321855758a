"""python -m ganxun recognition_pull [--source ID] — turn pushed xAPI statements into recognition claims."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ganxun.recognition.models import RecognitionSource
from ganxun.recognition.pull import LAG_SECONDS, SKIP_REASONS, recognition_pull


class Command(BaseCommand):
    help = "把互认平台推送的 xAPI 语句转为学时认定申请（按游标增量处理，可重复运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--source", type=int, help="只处理该互认平台（id）")
        parser.add_argument("--lag", type=int, default=LAG_SECONDS,
                            help=f"只处理存储时间早于若干秒前的语句（默认 {LAG_SECONDS}）")

    def handle(self, *args, source=None, lag=LAG_SECONDS, **options):
        chosen = None
        if source is not None:
            chosen = RecognitionSource.objects.filter(pk=source, is_active=True, client__isnull=False).first()
            if chosen is None:
                raise CommandError(f"互认平台 {source} 不存在、未启用或没有绑定推送客户端。")
        results = recognition_pull(source=chosen, lag_seconds=max(0, lag))
        names = dict(RecognitionSource.objects.filter(pk__in=results).values_list("pk", "name"))
        for pk, stats in results.items():
            skipped = "，".join(f"{SKIP_REASONS.get(k, k)} {v}" for k, v in sorted(stats["skipped"].items())) or "无"
            self.stdout.write(f"{names[pk]}：新增申请 {stats['claims']}，重复 {stats['duplicates']}，跳过：{skipped}")
        if not results:
            self.stdout.write("没有绑定推送客户端的互认平台。")
