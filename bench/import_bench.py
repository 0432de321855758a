"""Benchmark of the cadre import: validate + commit of a large, realistically messy workbook.

    .venv/bin/python bench/import_bench.py [--rows 50000] [--database-url postgres://…/postgres]

Generates a workbook of N cadre rows (5 % bad, mixed reasons; dates, phones and
ID numbers in the shapes real rosters have) into a temporary directory, sets up
a fresh database (a SQLite file there, or a throwaway PostgreSQL database
ganxun_bench_<pid> next to the one named by --database-url, dropped at the end),
builds an org tree and an org-department admin whose scope holds the units, and
runs validation and import through the same service functions the huey jobs call
(imports.services.import_run_validation / import_run_commit), not the web layer;
imports the same file a second time (the update path: every row unchanged), and
exports every cadre (masked) through imports.exports.cadre_export.

Prints rows, seconds for each phase, end-to-end rows/s, counts and peak memory
(ru_maxrss of this process, generation included). Targets: ≥ 2,000 rows/s end to
end on SQLite and PostgreSQL, peak memory ≤ 500 MB. Results: bench/IMPORT.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰文斌宇浩凯健俊帆鹏辉"
POLITICAL = ["中共党员", "中共党员", "中共党员", "群众", "共青团员", "民主党派成员", "无党派人士", "党员"]
EDUCATION = ["大学本科", "大学本科", "研究生（硕士）", "大学专科", "本科", "硕士研究生", "中专", "研究生（博士）"]
RANKS = ["一般干部", "一般干部", "乡科级", "乡科级", "县处级", "副科级", "正科级", "科员"]
CATEGORIES = ["党政机关", "事业单位", "企业", "基层", "高校"]
BAD_KINDS = ["checksum", "gender", "birth", "rank", "unit", "duplicate", "political", "phone"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--units", type=int, default=300, help="units in the importer's county")
    parser.add_argument("--bad", type=float, default=0.05, help="fraction of bad rows")
    parser.add_argument("--database-url", default="", help="PostgreSQL server URL (a throwaway database is created)")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args()


def setup_environment(args: argparse.Namespace, workdir: Path) -> tuple[str | None, str]:
    """Point settings at a temporary var dir and a fresh database, before django.setup()."""
    os.environ["GANXUN_VAR_DIR"] = str(workdir / "var")
    os.environ["DJANGO_SETTINGS_MODULE"] = "ganxun.settings"
    sys.path.insert(0, str(ROOT))
    if not args.database_url:
        os.environ["GANXUN_DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
        return None, "SQLite"
    import psycopg

    name = f"ganxun_bench_{os.getpid()}"
    server = args.database_url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        version = conn.execute("SHOW server_version").fetchone()[0]
    os.environ["GANXUN_DATABASE_URL"] = f"{server}/{name}"
    return name, f"PostgreSQL {version}"


def drop_database(args: argparse.Namespace, name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    server = args.database_url.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_world(units: int):
    """Province → city → county with `units` units (some nested) and an org-department admin of the county."""
    from ganxun.access.models import RoleAssignment
    from ganxun.access.roles import Role
    from ganxun.org.models import Organisation
    from ganxun.testing import make_account, make_org

    kind, level = Organisation.Kind, Organisation.RegionLevel
    province = make_org("江东省", kind.REGION, level=level.PROVINCE, code="339000")
    city = make_org("临江市", kind.REGION, province, level=level.CITY, code="339100")
    county = make_org("东城区", kind.REGION, city, level=level.COUNTY, code="339101")
    other = make_org("西山县", kind.REGION, city, level=level.COUNTY, code="339102")
    make_org("西山县财政局", kind.UNIT, other, code="91339102OUT0000001", category="party_gov")
    made = []
    for i in range(units):
        parent = made[i // 10] if i >= 30 and i % 3 == 0 else county  # a third nested under other units
        made.append(make_org(f"东城区单位{i:03d}", kind.UNIT, parent, code=f"913391010{i:09d}", category="party_gov"))
    admin = make_account("bench_admin", Role.ORG_DEPT_ADMIN, county, full_name="基准测试")
    admin.active_role = RoleAssignment.objects.select_related("scope").get(account=admin)
    return admin, made


def _full_width(text: str) -> str:
    return text.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))


def write_workbook(path: Path, rows: int, units, bad_fraction: float, seed: int) -> dict[str, int]:
    """The cadre template's columns, filled as real rosters are: mixed date shapes, numbers as numbers…"""
    from openpyxl import Workbook

    from ganxun.core.idcard import make_id_number
    from ganxun.imports.columns import CADRE_LAYOUT

    rng = random.Random(seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("干部信息")
    sheet.append(CADRE_LAYOUT.headers)
    bad_counts = dict.fromkeys(BAD_KINDS, 0)
    previous: dict | None = None
    used: set[str] = set()
    for index in range(rows):
        gender = rng.choice("MF")
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 38))
        while True:
            number = make_id_number(rng.choice(["330102", "330106", "339101", "110101"]), birth,
                                    rng.randrange(0, 500), gender)
            if number not in used:
                used.add(number)
                break
        unit = units[rng.randrange(len(units))]
        since = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(0, 5000))
        shape = index % 5
        birth_cell = [birth.isoformat(), f"{birth.year}.{birth.month:02d}", f"{birth.year}年{birth.month}月",
                      dt.datetime(birth.year, birth.month, birth.day), ""][shape]
        since_cell = [since.isoformat(), f"{since.year}.{since.month:02d}", (since - dt.date(1899, 12, 30)).days,
                      dt.datetime(since.year, since.month, since.day), f"{since.year}年{since.month}月"][shape]
        phone = f"1{rng.choice('3589')}{rng.randrange(0, 10**9):09d}"
        row = {
            "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
            "id_number": _full_width(number) if shape == 4 else number,
            "gender": ("男" if gender == "M" else "女") if shape != 2 else "",
            "birth_date": birth_cell, "ethnicity": "汉族" if rng.random() < 0.9 else "回族",
            "political_status": rng.choice(POLITICAL), "education": rng.choice(EDUCATION),
            "phone": float(phone) if shape == 1 else f" {phone} ",
            "unit_code": unit.code if shape != 3 else "", "unit_name": unit.name,
            "position_title": rng.choice(["科员", "副科长", "科长", "副主任", "主任", "副局长", ""]),
            "rank": rng.choice(RANKS), "is_leader": rng.choice(["是", "否", ""]),
            "category": rng.choice(CATEGORIES), "position_since": since_cell, "rank_since": since_cell,
        }
        if rng.random() < bad_fraction:
            kind = BAD_KINDS[index % len(BAD_KINDS)]
            bad_counts[kind] += 1
            if kind == "checksum":
                row["id_number"] = number[:17] + ("1" if number[17] != "1" else "2")
            elif kind == "gender":
                row["gender"] = "女" if gender == "M" else "男"
            elif kind == "birth":
                row["birth_date"] = f"{birth.year - 1}-{birth.month:02d}-01"
            elif kind == "rank":
                row["rank"] = "特级干部"
            elif kind == "unit":
                row["unit_code"], row["unit_name"] = "91339102OUT0000001", ""
            elif kind == "duplicate" and previous:
                row = dict(previous)  # the same person entered twice
            elif kind == "political":
                row["political_status"] = ""
            else:
                row["phone"] = "12345"
        previous = row
        sheet.append([row[c.key] for c in CADRE_LAYOUT.columns])
    workbook.save(path)
    return bad_counts


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown CPU")
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return f"{os.cpu_count()} CPU ({cpu}), {mem_gb:.0f} GB RAM, Python {sys.version.split()[0]}"


def main() -> None:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="ganxun-import-bench-"))
    pg_name = None
    try:
        pg_name, engine = setup_environment(args, workdir)
        import django

        django.setup()
        from django.core.files import File
        from django.core.management import call_command

        from ganxun.imports import services
        from ganxun.imports.exports import cadre_export
        from ganxun.imports.models import ImportJob
        from ganxun.people.forms import CadreFilterForm
        from ganxun.people.models import Person

        call_command("migrate", verbosity=0)
        admin, units = build_world(args.units)
        path = workdir / "cadres.xlsx"
        started = time.perf_counter()
        bad_counts = write_workbook(path, args.rows, units, args.bad, args.seed)
        generated = time.perf_counter() - started
        print(f"generated {args.rows:,} rows ({path.stat().st_size / 1024**2:.1f} MB) in {generated:.1f} s; "
              f"bad rows by kind: {bad_counts}")

        with path.open("rb") as handle:
            job = services.import_upload(actor=admin, kind="cadres", upload=File(handle, name="cadres.xlsx"))
        t0, c0 = time.perf_counter(), time.process_time()
        services.import_run_validation(job_id=job.pk)
        t1, c1 = time.perf_counter(), time.process_time()
        job.refresh_from_db()
        assert job.status == ImportJob.Status.VALIDATED, job.error
        services.import_commit(actor=admin, job=job)
        services.import_run_commit(job_id=job.pk)
        t2, c2 = time.perf_counter(), time.process_time()
        job.refresh_from_db()
        assert job.status == ImportJob.Status.DONE, job.error
        # The same file again: every row is now known, so this measures the update path (nothing changes).
        with path.open("rb") as handle:
            again = services.import_upload(actor=admin, kind="cadres", upload=File(handle, name="cadres.xlsx"))
        t_again = time.perf_counter()
        services.import_run_validation(job_id=again.pk)
        services.import_commit(actor=admin, job=ImportJob.objects.get(pk=again.pk))
        services.import_run_commit(job_id=again.pk)
        again_s = time.perf_counter() - t_again
        again.refresh_from_db()
        t3 = time.perf_counter()
        download = cadre_export(actor=admin, form=CadreFilterForm({}), full=False)
        export_s = time.perf_counter() - t3
        download.file.close()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        validate_s, commit_s = t1 - t0, t2 - t1
        print(f"database:        {engine}")
        print(f"machine:         {machine()}")
        print(f"rows:            {job.data_rows:,}")
        print(f"validate:        {validate_s:.2f} s ({job.data_rows / validate_s:,.0f} rows/s; "
              f"CPU of this process {c1 - c0:.2f} s)")
        print(f"commit:          {commit_s:.2f} s ({job.valid_rows / commit_s:,.0f} valid rows/s; "
              f"CPU of this process {c2 - c1:.2f} s)")
        print(f"end to end:      {validate_s + commit_s:.2f} s = {job.data_rows / (validate_s + commit_s):,.0f} rows/s")
        print(f"re-import:       {again_s:.2f} s end to end = {again.data_rows / again_s:,.0f} rows/s; created "
              f"{again.created_count}, updated {again.updated_count}, unchanged {again.unchanged_count:,}")
        print(f"export (masked): {download.rows:,} rows in {export_s:.2f} s")
        print(f"created:         {job.created_count:,} (persons in database: {Person.objects.count():,})")
        print(f"problem rows:    {job.problem_rows:,} ({job.problems.count():,} problems); "
              f"skipped {job.skipped_count:,}")
        print(f"peak memory:     {peak_mb:.0f} MB (ru_maxrss)")
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"load average:    {load} (other work on this machine skews wall time)")
        reasons = Counter(
            (column, re.sub(r"第 \d+ 行", "第 N 行", reason)[:60])
            for column, reason in job.problems.values_list("column", "reason").iterator()
        )
        for (column, reason), n in reasons.most_common():
            print(f"  {n:6,}  {column}：{reason}")
    finally:
        if pg_name:
            drop_database(args, pg_name)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
