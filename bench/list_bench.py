"""Cadre list at city scale: p95 of the scoped, filtered, paginated query, HTML page and API.

Generates the `city` demo (≈15,000 cadres) into a throwaway database, then times
requests through the whole Django stack (middleware, scope gate, query, template
or JSON) with the test client — server time, no network. Target: p95 ≤ 150 ms.

    .venv/bin/python bench/list_bench.py [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--rounds 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_database(url: str | None) -> tuple[str, callable]:
    tmp = tempfile.mkdtemp(prefix="ganxun-listbench-")
    os.environ["GANXUN_VAR_DIR"] = tmp
    cleanup = lambda: None  # noqa: E731
    if url:
        import psycopg

        name = f"ganxun_listbench_{os.getpid()}"
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        os.environ["GANXUN_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name

        def cleanup():
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name}")
    else:
        os.environ.pop("GANXUN_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ganxun.settings")
    return tmp, cleanup


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server URL (a throwaway database is created)")
    parser.add_argument("--rounds", type=int, default=20, help="requests per query shape")
    parser.add_argument("--scale", default="city")
    args = parser.parse_args()
    _, cleanup = setup_database(args.database_url)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client

        from ganxun.access.models import Account
        from ganxun.org.models import Organisation
        from ganxun.people.models import Cadre

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        call_command("demo_generate", scale=args.scale, seed=2026, verbosity=0)
        generated = time.perf_counter() - started
        total = Cadre.objects.count()
        print(f"database: {connection.vendor}; cadres: {total:,}; demo generated in {generated:.1f} s")

        personas = {
            "city org dept (orgadmin)": Account.objects.get(username="orgadmin"),
            "county org dept (county_admin)": Account.objects.get(username="county_admin"),
        }
        results = []
        for label, account in personas.items():
            client = Client(HTTP_HOST="localhost")
            client.force_login(account)
            client.get("/")  # picks the first role into the session
            scope_node = account.assignments.order_by("id").first().scope
            unit = Organisation.objects.filter(path__startswith=scope_node.path, kind="unit", cadres__isnull=False).first()
            visible = Cadre.objects.filter(unit__path__startswith=scope_node.path, is_active=True).count()
            last_page = max(1, (visible + 19) // 20)
            shapes = {
                "first page": {},
                "last page": {"page": last_page},
                "name search": {"q": "王"},
                "rank + category": {"rank": "section", "category": "party_gov"},
                "leaders, page 3": {"leader": "1", "page": 3},
                "one unit with sub-units": {"unit": unit.pk},
                "gender + rank, page 5": {"gender": "F", "rank": "general", "page": 5},
            }
            for kind, url, to_api in (("HTML", "/manage/people/cadres/", False), ("API", "/api/v1/cadres", True)):
                timings = []
                for params in shapes.values():
                    query = dict(params)
                    if to_api:
                        query = {("unit_id" if k == "unit" else k): v for k, v in query.items()}
                    for _ in range(args.rounds):
                        t0 = time.perf_counter()
                        response = client.get(url, query)
                        timings.append((time.perf_counter() - t0) * 1000)
                        assert response.status_code == 200, (url, query, response.status_code)
                results.append((label, kind, visible, timings))
        print(f"{'persona':34} {'page':5} {'rows in scope':>13} {'requests':>8} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
        worst = 0.0
        for label, kind, visible, timings in results:
            p95 = percentile(timings, 95)
            worst = max(worst, p95)
            print(f"{label:34} {kind:5} {visible:>13,} {len(timings):>8} {statistics.median(timings):>7.1f} "
                  f"{p95:>7.1f} {max(timings):>7.1f}")
        print(f"worst p95: {worst:.1f} ms (target ≤ 150 ms) — {'met' if worst <= 150 else 'MISSED'}")
        return 0
    finally:
        cleanup()


if __name__ == "__main__":
    raise SystemExit(main())
