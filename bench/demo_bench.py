"""Benchmark of the demo generator: `demo_generate` at each scale into a fresh database.

    .venv/bin/python bench/demo_bench.py [--province] [--scales small city] [--database-url postgres://…/postgres]

Each scale runs in its own child process with its own temporary GANXUN_VAR_DIR
(keys made there) and a fresh database: a SQLite file there, or a throwaway
PostgreSQL database ganxun_demo_bench_<pid>_<scale> next to the one named by
--database-url, dropped at the end. The child migrates (not timed), then times
demo.generator.generate() and computes the data digest (timed apart).

Prints, per scale: rows written by table, seconds (wall and CPU of the child),
rows/s and peak memory (ru_maxrss of the child). Target: small under one
minute. Results: bench/DEMO.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLES = [("organisations", "组织"), ("units", "单位"), ("cadres", "干部"), ("career_events", "任职经历"),
          ("teachers", "师资"), ("persons", "人员"), ("accounts", "账号")]
# The training process of the first city (demo/process): rows counted in the database afterwards.
PROCESS = [("classes.TrainingClass", "班次"), ("classes.Session", "课程"), ("roster.Enrollment", "名单"),
           ("attendance.AttendanceRecord", "签到"), ("credits.CreditRecord", "学时记录"),
           ("evaluation.SessionRating", "课程评价"), ("audit.AuditEntry", "审计")]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", nargs="+", default=["small", "city"], help="scales to time (default: small city)")
    parser.add_argument("--province", action="store_true", help="also time the province scale (minutes)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default="", help="PostgreSQL server URL (a throwaway database is created)")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    return parser.parse_args()


def child(scale: str, seed: int) -> None:
    """Runs in a fresh process whose environment already names the database and var dir."""
    import resource

    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "ganxun.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from ganxun.demo.digest import data_digest
    from ganxun.demo.generator import generate

    call_command("migrate", interactive=False, verbosity=0)
    wall, cpu = time.perf_counter(), time.process_time()
    summary = generate(scale=scale, seed=seed)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    from django.apps import apps

    process = {label: apps.get_model(label).objects.count() for label, _ in PROCESS}
    started = time.perf_counter()
    digest = data_digest()
    digest_seconds = time.perf_counter() - started
    print(json.dumps({
        "scale": scale, "counts": summary.counts, "process": process, "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
        "digest": digest, "digest_seconds": round(digest_seconds, 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }))


def run_scale(scale: str, args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"ganxun-demo-bench-{scale}-") as workdir:
        env = {**os.environ, "GANXUN_VAR_DIR": str(Path(workdir) / "var")}
        throwaway = None
        if args.database_url:
            import psycopg

            throwaway = f"ganxun_demo_bench_{os.getpid()}_{scale}"
            server = args.database_url.rsplit("/", 1)[0]
            with psycopg.connect(server + "/postgres", autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{throwaway}"')
            env["GANXUN_DATABASE_URL"] = f"{server}/{throwaway}"
        else:
            env["GANXUN_DATABASE_URL"] = f"sqlite:///{Path(workdir) / 'demo.sqlite3'}"
        try:
            done = subprocess.run(
                [sys.executable, __file__, "--child", scale, "--seed", str(args.seed)],
                env=env, cwd=ROOT, capture_output=True, text=True, check=False,
            )
            if done.returncode != 0:
                raise SystemExit(f"{scale} failed:\n{done.stderr[-3000:]}")
            return json.loads(done.stdout.strip().splitlines()[-1])
        finally:
            if throwaway:
                with psycopg.connect(server + "/postgres", autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{throwaway}" WITH (FORCE)')


def main() -> None:
    args = parse_args()
    if args.child:
        child(args.child, args.seed)
        return
    scales = list(args.scales) + (["province"] if args.province and "province" not in args.scales else [])
    engine = "PostgreSQL" if args.database_url else "SQLite"
    print(f"demo_generate benchmark on {engine}, seed {args.seed}")
    header = ["scale", *[label for _, label in TABLES], "rows", "seconds", "cpu s", "rows/s", "peak MB", "digest s",
              "digest"]
    print(" | ".join(header))
    for scale in scales:
        result = run_scale(scale, args)
        counts = result["counts"]
        rows = sum(counts.get(key, 0) for key, _ in TABLES if key != "units")
        cells = [scale, *[f"{counts.get(key, 0):,}" for key, _ in TABLES], f"{rows:,}", f"{result['seconds']:.1f}",
                 f"{result['cpu_seconds']:.1f}", f"{rows / result['seconds']:,.0f}", str(result["peak_mb"]),
                 f"{result['digest_seconds']:.1f}", result["digest"][:12]]
        print(" | ".join(cells), flush=True)
        print("    process: " + ", ".join(f"{name} {result['process'][label]:,}" for label, name in PROCESS), flush=True)


if __name__ == "__main__":
    main()
