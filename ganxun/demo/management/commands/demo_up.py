"""`python -m ganxun demo_up --scale small --seed 2026 --port 8000`: what `make demo` runs.

Migrates, collects static files, generates the demo place when the database
is empty (keeps existing data otherwise), prints the log-ins, then runs the
job worker (huey, needed by imports) and the web server as child processes
until Ctrl-C, which stops both.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.console import Console

from ganxun.demo import database
from ganxun.demo.console import print_personas, run_generation, summary_table
from ganxun.demo.generator import database_has_data
from ganxun.demo.scales import PUBLIC_SCALES, SCALES

STOP_SECONDS = 10
# Exit codes of a child stopped on purpose (Ctrl-C reaches the whole process group).
STOPPED_BY_SIGNAL = {0, -signal.SIGINT, -signal.SIGTERM}


class Command(BaseCommand):
    help = "一键启动演示：迁移数据库、收集静态文件、生成演示数据（空库时）、启动后台任务进程和网站。"

    def add_arguments(self, parser):
        parser.add_argument("--scale", default="small", choices=list(SCALES), metavar="{small,city,province}",
                            help=f"数据库为空时生成的规模：{'、'.join(PUBLIC_SCALES)}（默认 small）")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子（默认 2026）")
        parser.add_argument("--port", type=int, default=8000, help="网站端口（默认 8000）")
        parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1，仅本机可访问）")

    def handle(self, *args, scale, seed, port, host, **options):
        console = Console()
        _require_free_port(host, port)
        prepare(console, scale=scale, seed=seed, collect_static=True)
        console.print(f"\n[bold green]网站地址：http://{host}:{port}/[/]  （按 Ctrl-C 停止网站和后台任务进程）\n")
        serve(console, host=host, port=port)


def _require_free_port(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            raise CommandError(f"端口 {port} 已被占用：请换一个端口，例如 make demo PORT={port + 1}") from None


def prepare(console: Console, *, scale: str, seed: int, collect_static: bool) -> str:
    """Migrate, collect static files, and generate unless data exists. Returns "generated" or "kept"."""
    console.print(f"数据库：{database.describe()}")
    with console.status("正在迁移数据库……"):
        call_command("migrate", interactive=False, verbosity=0)
    if collect_static:
        vendor = settings.BASE_DIR / "ganxun" / "static" / "vendor"
        if not vendor.exists():
            console.print("[yellow]未找到前端依赖（ganxun/static/vendor），请先运行 make setup。[/]")
        with console.status("正在收集静态文件……"):
            call_command("collectstatic", interactive=False, verbosity=0)
    if not database_has_data():
        summary = run_generation(console, scale=scale, seed=seed)
        console.print(summary_table(summary.counts, summary.seconds, f"已生成演示数据：{scale}，种子 {seed}"))
        outcome = "generated"
    else:
        run = database.demo_run()
        if run is None:
            console.print("数据库中已有数据（不是演示数据库），保留现有数据，不生成演示数据。")
        else:
            console.print(f"数据库中已有演示数据（{run.scale}，种子 {run.seed}），保留现有数据。")
            if (run.scale, run.seed) != (scale, seed):
                console.print(f"如需按 {scale}/{seed} 重新生成：make demo-reset SCALE={scale} SEED={seed}")
            elif run.process_day is not None and run.process_day != timezone.localdate():
                console.print(f"演示培训流程以 {run.process_day:%Y-%m-%d} 为“今天”（当天的班次、签到二维码、请假均按该日）；"
                              f"如需以今天为准：make demo-reset SCALE={scale} SEED={seed}")
        outcome = "kept"
    print_personas(console)
    return outcome


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


def serve(console: Console, *, host: str, port: int) -> None:
    """Run the huey worker and the web server until Ctrl-C (or either of them stops)."""
    python = [sys.executable, "-m", "ganxun"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cwd = settings.BASE_DIR
    # Ctrl-C and `kill` stop everything, even when started from a shell that ignores SIGINT.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    children: dict[str, subprocess.Popen] = {}
    failed = None
    try:
        # Same process group as this command: Ctrl-C in the terminal reaches all three at once.
        children["后台任务进程"] = subprocess.Popen([*python, "run_huey"], cwd=cwd, env=env)
        children["网站"] = subprocess.Popen([*python, "runserver", f"{host}:{port}", "--noreload"], cwd=cwd, env=env)
        while failed is None:
            time.sleep(0.5)
            failed = next(((name, child.returncode) for name, child in children.items()
                           if child.poll() is not None), None)
    except KeyboardInterrupt:
        console.print("\n正在停止……")
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        deadline = time.monotonic() + STOP_SECONDS
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    if failed is not None and failed[1] not in STOPPED_BY_SIGNAL:
        raise CommandError(f"{failed[0]}意外退出（退出码 {failed[1]}），已停止演示。")
    console.print("已停止。")
