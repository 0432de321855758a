"""`python -m ganxun demo_generate --scale small|city|province --seed N [--reset] [--process-today YYYY-MM-DD]`.

Generates into an empty database only. `--reset` first wipes a database that
holds earlier demo data (see demo/database.py for why it is a whole wipe).
The training process is anchored at today's date unless `--process-today`
names an earlier day (for tests: the same seed and day give the same data).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console

from ganxun.demo import database
from ganxun.demo.console import print_personas, run_generation, summary_table
from ganxun.demo.digest import data_digest
from ganxun.demo.generator import database_has_data
from ganxun.demo.process.digest import process_digest
from ganxun.demo.scales import PUBLIC_SCALES, SCALES


class Command(BaseCommand):
    help = "生成演示数据（虚构的江东省临江市）：组织机构、干部及任职经历、师资、各角色演示账号。"

    def add_arguments(self, parser):
        parser.add_argument("--scale", default="small", choices=list(SCALES), metavar="{small,city,province}",
                            help=f"规模：{'、'.join(PUBLIC_SCALES)}（默认 small，约 3,000 名干部）")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子：同一种子生成完全相同的数据（默认 2026）")
        parser.add_argument("--reset", action="store_true",
                            help="先清空整个数据库（仅限此前生成的演示数据库；请先停止正在运行的演示）再生成")
        parser.add_argument("--digest", action="store_true", help="生成后输出数据指纹（SHA-256），用于核对可重复性")
        parser.add_argument("--process-today", type=_day, default=None, metavar="YYYY-MM-DD",
                            help="培训流程的“今天”（默认为当天；不能晚于今天）：同一种子、同一日期生成相同的流程数据")

    def handle(self, *args, scale, seed, reset, digest, process_today, **options):
        console = Console()
        console.print(f"数据库：{database.describe()}")
        database.migrate_if_needed()
        has_data = database_has_data()
        if reset:
            try:
                with console.status("正在清空演示数据库……"):
                    database.wipe_demo_database(has_data=has_data)
            except database.ResetRefused as exc:
                raise CommandError(str(exc)) from None
            console.print("已清空并重新迁移。")
        summary = run_generation(console, scale=scale, seed=seed, today=process_today)
        console.print(summary_table(summary.counts, summary.seconds, f"演示数据：{scale}，种子 {seed}"))
        print_personas(console)
        if digest:
            console.print(f"数据指纹：{data_digest()}")
            console.print(f"培训流程指纹（{summary.process_day:%Y-%m-%d}）：{process_digest()}")


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}") from None

