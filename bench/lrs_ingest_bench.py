"""LRS statement ingest: single-statement POSTs and batches of 100 and 1,000, production server.

Builds a throwaway database (PostgreSQL with --database-url, the target of the issue; SQLite
otherwise) with one LRS client, starts gunicorn (`ganxun.wsgi`, --workers 2, DEBUG off) on a free
port and posts realistic statements to `/xapi/statements` (the agents, courses, activities, verbs,
results and context of bench/lrs_query_bench.py; every statement carries its own uuid4 `id`):

1. single-statement POSTs over --connections concurrent client connections (default 16);
2. batches of 100 statements (JSON arrays), then batches of 1,000;
3. retries: a share of what was already sent, posted again (single statements and one batch of
   each size) — the LRS must accept them and store nothing new.

Only 200 answers are counted. Afterwards the database must hold exactly the statements of the
200 answers, once each (ids compared one by one). The load generator is one asyncio process on
the same 2-core machine with every request pre-serialised before the clock starts; its CPU
seconds are printed so its share of the machine is known.

    .venv/bin/python bench/lrs_ingest_bench.py --database-url postgres://postgres@127.0.0.1:5432/postgres
        [--single 6000] [--batches-100 600] [--batches-1000 60] [--connections 16] [--workers 2]
        [--threads 4]

--threads N runs gunicorn with threaded workers (`--worker-class gthread --threads N`,
keep-alive 5 s) instead of the default sync workers: a worker then overlaps one request's
database waits with another's work and keeps client connections open.

Targets (issue 4): single POSTs ≥ 300/s; batches of 100 and of 1,000 ≥ 10,000 statements/s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import resource
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from list_bench import setup_database  # noqa: E402
from lrs_query_bench import (  # noqa: E402
    SEED,
    _dumps,
    basic_header,
    dimensions,
    latency_line,
    raw_request,
    run_requests,
    start_gunicorn,
    statement_for,
)

CLIENT_KEY = "bench-lrs-ingest"


def make_statements(count: int, rng: random.Random, data) -> list[dict]:
    agents, courses, activities = data
    now = dt.datetime.now(dt.timezone.utc)
    return [statement_for(rng, agents, courses, activities, now - dt.timedelta(seconds=rng.randrange(1, 86_400)))
            for _ in range(count)]


def phase(label: str, port: int, auth: str, bodies: list[list[dict]], connections: int, accepted: dict,
          *, single: bool = False) -> float:
    """POST each body (one statement as an object when `single`, else an array); returns statements/s counted on 200 answers only.
    `accepted` collects statement id → 1 for every statement of a 200 answer (and checks the
    answer lists exactly the ids sent, in order)."""
    requests = [raw_request("POST", "/xapi/statements", port, auth,
                            _dumps(body[0] if single else body).encode())
                for body in bodies]
    cpu = time.process_time()
    results, wall, connects = asyncio.run(run_requests(port, requests, connections))
    cpu = time.process_time() - cpu
    per_request = len(bodies[0])
    ok = 0
    for index, status, answer, _ in results:
        if status != 200:
            continue
        ids = [s["id"] for s in bodies[index]]
        if json.loads(answer) != ids:
            raise SystemExit(f"{label}: request {index} answered {answer[:200]!r}, not its ids")
        for statement_id in ids:
            accepted[statement_id] = 1
        ok += len(ids)
    rate = ok / wall
    print(latency_line(label, results, wall, per_request) + f"  ({wall:.1f} s wall, {connects} TCP connects, "
          f"client CPU {cpu:.1f} s)", flush=True)
    errors = [answer[:300] for _, status, answer, _ in results if status != 200][:3]
    if errors:
        print(f"    first errors: {errors}")
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server URL (a throwaway database is created)")
    parser.add_argument("--single", type=int, default=6000, help="single-statement POSTs")
    parser.add_argument("--batches-100", type=int, default=600, help="POSTs of 100 statements")
    parser.add_argument("--batches-1000", type=int, default=60, help="POSTs of 1,000 statements")
    parser.add_argument("--connections", type=int, default=16, help="concurrent client connections (single POSTs)")
    parser.add_argument("--batch-connections", type=int, default=4, help="concurrent client connections (batches)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=0,
                        help="threads per gunicorn worker (gthread worker class, keep-alive 5 s); 0: sync workers")
    args = parser.parse_args()
    _, cleanup = setup_database(args.database_url)
    server = None
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from ganxun.lrs.http import secret_hash
        from ganxun.lrs.models import LrsClient, XapiStatement

        call_command("migrate", verbosity=0)
        secret = secrets.token_urlsafe(32)
        LrsClient.objects.create(
            name="LRS 写入基准测试", key=CLIENT_KEY, secret_hash=secret_hash(secret), can_write=True,
            can_read_all=True, authority={"objectType": "Agent", "name": "干训学习平台（基准测试）",
                                          "account": {"homePage": "http://127.0.0.1:8000", "name": CLIENT_KEY}})
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                cur.execute("SELECT version()")
                print(f"database: {cur.fetchone()[0].split(' on ')[0]} (throwaway)")
            else:
                print(f"database: SQLite {connection.Database.sqlite_version} (throwaway)")
        connection.close()

        rng = random.Random(SEED)
        data = dimensions(20_000, 250)
        started = time.perf_counter()
        single = [[s] for s in make_statements(args.single, rng, data)]
        b100 = [make_statements(100, rng, data) for _ in range(args.batches_100)]
        b1000 = [make_statements(1000, rng, data) for _ in range(args.batches_1000)]
        sample = _dumps(single[0][0]).encode()
        print(f"{args.single + 100 * args.batches_100 + 1000 * args.batches_1000:,} statements generated and "
              f"serialised in {time.perf_counter() - started:.1f} s (a single one is {len(sample)} bytes)")

        # GUNICORN_CMD_ARGS: gunicorn's own way to take options from the environment.
        threaded = {"GUNICORN_CMD_ARGS": f"--worker-class gthread --threads {args.threads} --keep-alive 5"}
        server, port = start_gunicorn(args.workers, **(threaded if args.threads else {}))
        auth = basic_header(CLIENT_KEY, secret)
        kind = f"gthread workers × {args.threads} threads, keep-alive 5 s" if args.threads else "sync workers"
        print(f"gunicorn: {args.workers} {kind} on :{port}; client: one asyncio process on the same machine, "
              f"raw HTTP/1.1 over {args.connections} connections (batches: {args.batch_connections}), requests "
              f"pre-built; load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        accepted: dict[str, int] = {}
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        rates = {
            "single": phase("single statements", port, auth, single, args.connections, accepted, single=True),
            "100": phase("batches of 100", port, auth, b100, args.batch_connections, accepted),
            "1000": phase("batches of 1,000", port, auth, b1000, args.batch_connections, accepted),
        }
        before_retry = XapiStatement.objects.count()
        connection.close()
        retried: dict[str, int] = {}
        phase("retries: single statements again", port, auth, single[: max(1, args.single // 10)],
              args.connections, retried, single=True)
        if b100:
            phase("retries: a batch of 100 again", port, auth, b100[:1], 1, retried)
        if b1000:
            phase("retries: a batch of 1,000 again", port, auth, b1000[:1], 1, retried)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print(f"load generator CPU: {usage.ru_utime + usage.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime:.1f} s"
              f"; load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

        stored_ids = [str(s) for s in XapiStatement.objects.values_list("statement_id", flat=True)]
        distinct = set(stored_ids)
        sent = args.single + 100 * args.batches_100 + 1000 * args.batches_1000
        exact = (len(stored_ids) == len(distinct) == len(accepted) and distinct == set(accepted)
                 and before_retry == len(stored_ids))
        print(f"database: {len(stored_ids):,} statements ({len(distinct):,} distinct ids) for {len(accepted):,} "
              f"accepted of {sent:,} sent; {before_retry:,} before the retries — "
              f"{'exactly the statements sent, once each' if exact else 'MISMATCH'}")
        met = {"single": rates["single"] >= 300, "100": rates["100"] >= 10_000, "1000": rates["1000"] >= 10_000}
        print(f"target: single POSTs ≥ 300/s — {'met' if met['single'] else 'NOT met'} ({rates['single']:,.0f}/s); "
              f"batches of 100 ≥ 10,000 statements/s — {'met' if met['100'] else 'NOT met'} ({rates['100']:,.0f}/s); "
              f"batches of 1,000 — {'met' if met['1000'] else 'NOT met'} ({rates['1000']:,.0f}/s); "
              f"no loss, no duplicate — {'met' if exact and len(accepted) == sent else 'NOT met'}")
        return 0 if exact and all(met.values()) and len(accepted) == sent else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
