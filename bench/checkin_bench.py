"""Check-in burst: 300 cadres scanning the same QR code within 2 s, against the production server.

Builds a throwaway database (PostgreSQL with --database-url, the target of the issue; SQLite
otherwise), a class with 300 cadres on its roster, each logged in on "their phone" (a real
session cookie), and a session running now. Starts gunicorn (`ganxun.wsgi`, --workers 2,
DEBUG off) on a free port, then fires the scans the phones make — `POST /learn/checkin/`
with the token of the code on screen, the page the learner's scanner submits — with arrival
times spread evenly over 2 s (and a second round where all 300 arrive at the same instant).
Each request is timed from the first byte sent to the last byte of the answer. Afterwards
every cadre scans again (all must be answered "already", writing nothing) and the database
is checked: exactly 300 attendance rows, one per cadre.

Target (issue 3): every scan recorded exactly once, p95 ≤ 200 ms.

    .venv/bin/python bench/checkin_bench.py --database-url postgres://postgres@127.0.0.1:5432/postgres
        [--cadres 300] [--spread 2.0] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from list_bench import percentile, setup_database  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_class(cadres: int):
    """The class, its running session and `cadres` logged-in cadres: [(sessionid cookie, csrf secret)]."""
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from ganxun.access.models import Account, RoleAssignment
    from ganxun.access.roles import Role
    from ganxun.org.models import Organisation
    from ganxun.testing import make_cadre, make_class, make_enrollment, make_org, make_session

    def make_account(username, role, scope, full_name=""):
        # No password: the phones are logged in through sessions (no Argon2 hashing at set-up).
        account = Account.objects.create_user(username, None, full_name=full_name or username,
                                              must_change_password=False)
        RoleAssignment.objects.create(account=account, role=role, scope=scope)
        return account

    Kind, Level = Organisation.Kind, Organisation.RegionLevel
    province = make_org("江东省", Kind.REGION, level=Level.PROVINCE, code="339000")
    city = make_org("临江市", Kind.REGION, province, level=Level.CITY, code="339100")
    school = make_org("中共临江市委党校", Kind.INSTITUTION, city)
    units = [make_org(f"临江市第{i + 1}局", Kind.UNIT, city, category="party_gov") for i in range(20)]
    head = make_account("head", Role.HEAD_TEACHER, school)
    now = timezone.localtime()
    start = max(dt.datetime.combine(now.date(), dt.time(0, 0), now.tzinfo), now - dt.timedelta(minutes=5))
    end = min(dt.datetime.combine(now.date(), dt.time(23, 59), now.tzinfo), now + dt.timedelta(minutes=90))
    training_class = make_class(school, title="临江市中青年干部培训班", organiser=city, start=now.date(), days=1,
                                capacity=cadres, status="running", head_teacher=head)
    session = make_session(training_class, slot="morning" if now.hour < 12 else "afternoon",
                           start=start.time().replace(microsecond=0), end=end.time().replace(microsecond=0))
    phones = []
    for index in range(cadres):
        account = make_account(f"cadre{index:04d}", Role.CADRE, units[index % len(units)], full_name=f"学员{index}")
        cadre = make_cadre(f"学员{index}", units[index % len(units)], account=account,
                           phone=f"139{index:08d}")
        make_enrollment(training_class, cadre, seat_no=index + 1)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(account)
        client.get("/learn/")  # the middleware puts the active role into the session
        phones.append((client.cookies[settings.SESSION_COOKIE_NAME].value, secrets.token_hex(16)))
    return session, phones


async def _post(port: int, path: str, body: str, cookie: str, at: float) -> tuple[float, int, bytes]:
    """Send one POST at loop time `at`; returns (latency seconds, status, body)."""
    loop = asyncio.get_running_loop()
    await asyncio.sleep(max(0.0, at - loop.time()))
    request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
               f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
               f"Referer: http://127.0.0.1:{port}/learn/checkin/\r\nConnection: close\r\n\r\n{body}").encode()
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    answer = await reader.read()
    elapsed = time.perf_counter() - started
    writer.close()
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return elapsed, status, answer


async def burst(port: int, token: str, phones: list[tuple[str, str]], spread: float, session_cookie: str):
    loop = asyncio.get_running_loop()
    t0 = loop.time() + 0.2
    step = spread / max(1, len(phones) - 1) if spread else 0.0
    jobs = []
    for index, (sessionid, csrf) in enumerate(phones):
        cookie = f"{session_cookie}={sessionid}; csrftoken={csrf}"
        body = f"csrfmiddlewaretoken={csrf}&t={quote(token)}"
        jobs.append(_post(port, "/learn/checkin/", body, cookie, t0 + index * step))
    return await asyncio.gather(*jobs)


def report(label: str, results, expect: str) -> float:
    latencies = [r[0] * 1000 for r in results]
    statuses = {}
    for _, status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    matched = sum(1 for _, _, body in results if expect.encode() in body)
    p95 = percentile(latencies, 95)
    print(f"{label:44} n={len(results):4}  p50 {percentile(latencies, 50):6.1f} ms  p95 {p95:6.1f} ms  "
          f"max {max(latencies):6.1f} ms  statuses {statuses}  answered “{expect}”: {matched}")
    return p95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server URL (a throwaway database is created)")
    parser.add_argument("--cadres", type=int, default=300)
    parser.add_argument("--spread", type=float, default=2.0, help="seconds over which the scans arrive")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    args = parser.parse_args()
    var, cleanup = setup_database(args.database_url)
    server = None
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        from ganxun.attendance.models import AttendanceRecord
        from ganxun.attendance.tokens import checkin_token

        call_command("migrate", verbosity=0)
        call_command("collectstatic", "--noinput", verbosity=0)
        built = time.perf_counter()
        session, phones = build_class(args.cadres)
        print(f"database: {connection.vendor}; {args.cadres} cadres logged in, roster built in "
              f"{time.perf_counter() - built:.1f} s; session {session.start_time:%H:%M}–{session.end_time:%H:%M}")
        connection.close()

        port = _free_port()
        env = {**os.environ, "GANXUN_DEBUG": "0", "GANXUN_ALLOWED_HOSTS": "127.0.0.1,localhost"}
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "ganxun.wsgi:application", "--bind",
             f"127.0.0.1:{port}", "--workers", str(args.workers), "--timeout", "60", "--log-level", "warning"],
            cwd=ROOT, env=env)
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not answer /healthz")
        # One warm-up request per worker (imports, database connection), as a server that has been up a while.
        for _ in range(args.workers * 2):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read()
        print(f"gunicorn: {args.workers} sync workers on :{port}; load average before: "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")

        cookie_name = settings.SESSION_COOKIE_NAME
        token = checkin_token(session, "in")
        first = asyncio.run(burst(port, token, phones, args.spread, cookie_name))
        p95 = report(f"first scans, spread over {args.spread:g} s", first, "签到成功")
        rows = AttendanceRecord.objects.filter(session=session)
        recorded, distinct = rows.count(), rows.values("enrollment").distinct().count()
        connection.close()
        token = checkin_token(session, "in")
        again = asyncio.run(burst(port, token, phones, 0.0, cookie_name))
        p95_again = report("everyone scans again, all at one instant", again, "您已于")
        after = AttendanceRecord.objects.filter(session=session).count()
        print(f"attendance rows: {recorded} after the burst ({distinct} distinct cadres), {after} after the "
              f"repeat; load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        ok = recorded == distinct == after == args.cadres and p95 <= 200
        print(f"target: all {args.cadres} recorded exactly once and p95 ≤ 200 ms — "
              f"{'met' if ok else 'NOT met'} (first-scan p95 {p95:.1f} ms; repeat p95 {p95_again:.1f} ms)")
        return 0 if ok else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        from django.db import connections

        connections.close_all()
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
