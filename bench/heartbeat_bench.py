"""Study heartbeats: 2,000 learners sending a heartbeat every 30 s for 5 minutes, against the production server.

Builds a throwaway database (PostgreSQL with --database-url, the target of the issue; SQLite
otherwise): an org department publishing one 60-minute video course (created, uploaded and
published through the learning services — the upload is a minimal MP4 whose header says 3,600 s),
and N cadres with accounts, each logged in (a session in the configured session store, as a login
leaves it, written directly: no password hashing) and with a study session launched in-process
(`learning.services.study_launch`, stamped one interval before the learner's first heartbeat).
Starts gunicorn (`ganxun.wsgi`, --workers 2, DEBUG off) on a free port; then every learner sends what the study
page's script (static/learning/study.js) sends: `POST /api/v1/study/heartbeat` with the session
cookie and X-CSRFToken, `{"token", "seq", "position", "rate": 1.0, "visible": true}`, every
--interval seconds for --minutes, seq increasing, the position advancing with the wall clock since
the launch (rate 1.0: the video plays all along), the learners' first heartbeats spread evenly
over the first interval. Each request is timed from the first byte sent (including the TCP
connect) to the last byte of the answer.

Afterwards the database is checked against the rules (learning.rules): every heartbeat stored
once (one row per session and seq, all answered 200); each row credits exactly what `rules.judge`
gives for its elapsed time and positions, rounded; each learner's session and progress hold the
sum of their rows; the rows' elapsed times chain without gap or overlap from the launch to the
last heartbeat (so no second is counted twice); no learner is credited more than the wall time
since the launch (plus the rounding, at most ½ s per heartbeat). Finally every learner re-sends
their last heartbeat (a retry after a lost answer): it must answer "replayed" and credit nothing.

Target (issue 4): p95 ≤ 100 ms, no lost or double-credited time.

    .venv/bin/python bench/heartbeat_bench.py --database-url postgres://postgres@127.0.0.1:5432/postgres
        [--learners 2000] [--interval 30] [--minutes 5] [--workers 2] [--threads 0]

--threads N runs gunicorn with threaded workers (`--worker-class gthread --threads N`, keep-alive
5 s); the client reuses a connection only within 4 s of its last answer, so with 30 s between
heartbeats every heartbeat opens a new connection either way.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import resource
import secrets
import sys
import time
from collections import Counter
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from list_bench import percentile, setup_database  # noqa: E402
from lrs_query_bench import start_gunicorn  # noqa: E402

REUSE_SECONDS = 4.0  # below gunicorn's keep-alive (5 s with --threads)


def build(learners: int):
    """The course and `learners` logged-in cadres: (course, [(account, sessionid cookie, csrf secret)])."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone

    from ganxun.access.models import Account, RoleAssignment
    from ganxun.access.roles import Role
    from ganxun.access.services import SESSION_LAST_SEEN_KEY, SESSION_ROLE_KEY
    from ganxun.learning import services
    from ganxun.learning.tests.helpers import mp4_bytes, upload
    from ganxun.org.models import Organisation
    from ganxun.testing import make_cadre, make_org, with_role

    def make_account(username, role, scope, full_name=""):
        account = Account.objects.create_user(username, None, full_name=full_name or username,
                                              must_change_password=False)
        account.assignment = RoleAssignment.objects.create(account=account, role=role, scope=scope)
        return account

    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    Kind, Level = Organisation.Kind, Organisation.RegionLevel
    province = make_org("江东省", Kind.REGION, level=Level.PROVINCE, code="339000")
    city = make_org("临江市", Kind.REGION, province, level=Level.CITY, code="339100")
    org_dept = make_org("中共临江市委组织部", Kind.ORG_DEPT, city)
    units = [make_org(f"临江市第{i + 1}局", Kind.UNIT, city, category="party_gov") for i in range(20)]
    admin = with_role(make_account("orgadmin", Role.ORG_DEPT_ADMIN, city, full_name="组织部管理员"))
    course = services.course_create(actor=admin, owner=org_dept, title="习近平新时代中国特色社会主义思想概论",
                                    kind="video", duration_minutes=60)
    services.media_upload(actor=admin, course=course, upload=upload("课程.mp4", mp4_bytes(3600)),
                          duration_seconds=3600)
    services.course_publish(actor=admin, course=course)
    course.refresh_from_db()
    people = []
    for index in range(learners):
        unit = units[index % len(units)]
        account = make_account(f"cadre{index:05d}", Role.CADRE, unit, full_name=f"学员{index}")
        # Birth dates spread over the years: make_person probes for a free ID number per birth date.
        make_cadre(f"学员{index}", unit, account=account, phone=f"139{index:08d}", gender="MF"[index % 2],
                   birth=dt.date(1966, 1, 1) + dt.timedelta(days=index * 7))
        # The session a login leaves (what django.test.Client.force_login stores), with the active
        # role the access middleware would put in on the first page, written directly: fast at 2,000.
        session = SessionStore()  # the configured engine's
        session.update({SESSION_KEY: str(account.pk), BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
                        HASH_SESSION_KEY: account.get_session_auth_hash(), SESSION_ROLE_KEY: account.assignment.pk,
                        SESSION_LAST_SEEN_KEY: timezone.now().timestamp()})
        session.create()
        people.append((account, session.session_key, secrets.token_hex(16)))
    return course, people


def heartbeat_request(port: int, cookie: str, csrf: str, token: str, seq: int, position: float) -> bytes:
    body = json.dumps({"token": token, "seq": seq, "position": round(position, 3), "rate": 1.0,
                       "visible": True}, separators=(",", ":")).encode()
    return (f"POST /api/v1/study/heartbeat HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
            f"X-CSRFToken: {csrf}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"Referer: http://127.0.0.1:{port}/learn/courses/\r\nConnection: keep-alive\r\n\r\n").encode() + body


class Connection:
    """One learner's connection: reused while the server keeps it and the last answer is recent."""

    def __init__(self, port: int):
        self.port, self.reader, self.writer, self.last, self.connects = port, None, None, 0.0, 0

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def send(self, request: bytes) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        if self.writer is not None and started - self.last > REUSE_SECONDS:
            self.close()
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            self.connects += 1
        self.writer.write(request)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        lower = head.lower()
        marker = lower.find(b"content-length:")
        length = int(lower[marker + 15:lower.index(b"\r\n", marker)]) if marker >= 0 else 0
        body = await self.reader.readexactly(length)
        elapsed = time.perf_counter() - started
        self.last = time.perf_counter()
        if b"connection: close" in lower:
            self.close()
        return status, body, elapsed


async def learner(conn: Connection, requests: list[bytes], first_at: float, interval: float, results: list,
                  index: int, lag: list):
    loop = asyncio.get_running_loop()
    for k, request in enumerate(requests):
        at = first_at + k * interval
        await asyncio.sleep(max(0.0, at - loop.time()))
        lag.append(loop.time() - at)
        try:
            status, body, elapsed = await conn.send(request)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            conn.close()
            status, body, elapsed = 0, repr(exc).encode(), 0.0
        results.append((index, k + 1, status, body, elapsed))
    conn.close()


async def load(port: int, plans: list[list[bytes]], interval: float, t0_wall: float):
    """Every learner's heartbeats at its own cadence, the first ones spread over the first interval
    from wall-clock time t0_wall."""
    loop = asyncio.get_running_loop()
    t0 = loop.time() + (t0_wall - time.time())
    results: list = []
    lag: list[float] = []
    conns = [Connection(port) for _ in plans]
    step = interval / len(plans)
    started = time.perf_counter()
    await asyncio.gather(*(learner(conns[i], plan, t0 + i * step, interval, results, i, lag)
                           for i, plan in enumerate(plans)))
    return results, time.perf_counter() - started, sum(c.connects for c in conns), lag


async def replay(port: int, requests: list[bytes]):
    """Every learner re-sends its last heartbeat, 8 at a time."""
    results: list = []
    queue = iter(enumerate(requests))

    async def worker():
        conn = Connection(port)
        for index, request in queue:
            try:
                status, body, elapsed = await conn.send(request)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                conn.close()
                status, body, elapsed = 0, repr(exc).encode(), 0.0
            results.append((index, 0, status, body, elapsed))
        conn.close()

    await asyncio.gather(*(worker() for _ in range(8)))
    return results


def latency_line(label: str, results: list) -> float:
    ms = [r[4] * 1000 for r in results if r[2] == 200] or [0.0]
    statuses = Counter(r[2] for r in results)
    p95 = percentile(ms, 95)
    print(f"{label:40} n={len(results):6}  p50 {percentile(ms, 50):6.1f} ms  p95 {p95:6.1f} ms  "
          f"p99 {percentile(ms, 99):6.1f} ms  max {max(ms):7.1f} ms  statuses {dict(statuses)}")
    return p95


def verify(sessions: dict, heartbeats_per_learner: int) -> tuple[bool, list[str]]:
    """Recompute every learner's credit from the stored heartbeats with learning.rules."""
    from ganxun.learning import rules
    from ganxun.learning.models import Heartbeat, StudyProgress, StudySession

    problems: list[str] = []
    rows_by_session: dict[int, list] = {}
    for row in Heartbeat.objects.filter(session_id__in=list(sessions)).order_by("session_id", "seq").values(
            "session_id", "seq", "received_at", "position", "rate", "visible", "elapsed_seconds",
            "credited_seconds", "verdict"):
        rows_by_session.setdefault(row["session_id"], []).append(row)
    progress = dict(StudyProgress.objects.filter(account_id__in=[s.account_id for s in sessions.values()])
                    .values_list("account_id", "credited_seconds"))
    stored = {s.pk: s for s in StudySession.objects.filter(pk__in=list(sessions))}
    verdicts: Counter = Counter()
    total = expected_total = 0
    worst_over_wall = -1e9
    for pk, launched in sessions.items():
        session, rows = stored[pk], rows_by_session.get(pk, [])
        if [r["seq"] for r in rows] != list(range(1, heartbeats_per_learner + 1)):
            problems.append(f"session {pk}: seqs stored {[r['seq'] for r in rows][:5]}… "
                            f"({len(rows)} rows, {heartbeats_per_learner} sent)")
        previous_at, previous_position, expected = launched.started_at, launched.start_position, 0
        for r in rows:
            elapsed = (r["received_at"] - previous_at).total_seconds()
            if abs(elapsed - r["elapsed_seconds"]) > 1e-3:
                problems.append(f"session {pk} seq {r['seq']}: elapsed {r['elapsed_seconds']} ≠ {elapsed}")
            judgement = rules.judge(elapsed=elapsed, visible=r["visible"], rate=r["rate"], is_video=True,
                                    previous_position=previous_position, position=r["position"])
            if round(judgement.seconds) != r["credited_seconds"] or judgement.verdict != r["verdict"]:
                problems.append(f"session {pk} seq {r['seq']}: credited {r['credited_seconds']} "
                                f"({r['verdict']}), the rules give {round(judgement.seconds)} ({judgement.verdict})")
            verdicts[r["verdict"]] += 1
            expected += round(judgement.seconds)
            previous_at, previous_position = r["received_at"], r["position"]
        credited = sum(r["credited_seconds"] for r in rows)
        if not (credited == session.credited_seconds == progress.get(session.account_id) == expected):
            problems.append(f"session {pk}: rows {credited}, session {session.credited_seconds}, "
                            f"progress {progress.get(session.account_id)}, expected {expected}")
        wall = (previous_at - launched.started_at).total_seconds()
        worst_over_wall = max(worst_over_wall, credited - wall)
        if credited > wall + 0.5 * len(rows):
            problems.append(f"session {pk}: credited {credited} s over a wall time of {wall:.1f} s")
        total += credited
        expected_total += expected
    print(f"database: {sum(len(v) for v in rows_by_session.values())} heartbeat rows; verdicts {dict(verdicts)}; "
          f"credited {total} s in all, the rules give {expected_total} s; worst credited − wall time "
          f"{worst_over_wall:+.1f} s (rounding allows ≤ +{0.5 * heartbeats_per_learner:.1f} s)")
    return not problems, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server URL (a throwaway database is created)")
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between a learner's heartbeats")
    parser.add_argument("--minutes", type=float, default=5.0, help="length of the load phase")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=0,
                        help="threads per gunicorn worker (gthread worker class, keep-alive 5 s); 0: sync workers")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < args.learners + 256:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.learners + 1024), hard))
    _, cleanup = setup_database(args.database_url)
    server = None
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        from ganxun.learning import services
        from ganxun.learning.models import Heartbeat, StudyProgress
        from ganxun.testing import with_role

        call_command("migrate", verbosity=0)
        call_command("collectstatic", "--noinput", verbosity=0)
        built = time.perf_counter()
        course, people = build(args.learners)
        print(f"database: {connection.vendor}; {args.learners} cadres logged in, built in "
              f"{time.perf_counter() - built:.1f} s; course {course.pk} (video, 3,600 s)")

        threaded = {"GUNICORN_CMD_ARGS": f"--worker-class gthread --threads {args.threads} --keep-alive 5"}
        server, port = start_gunicorn(args.workers, **(threaded if args.threads else {}))
        kind = f"gthread workers × {args.threads} threads" if args.threads else "sync workers"

        # Launch every learner's study session in-process (as the launch API does), stamped one interval
        # before its first heartbeat: learner i launched at t0 + i·step − interval, its k-th heartbeat
        # is due at t0 + i·step + (k−1)·interval with position k·interval (the video plays at 1.0×).
        # t0 leaves room for the launches (≤ 60 ms each) and for building the requests.
        count = int(args.minutes * 60 // args.interval)
        step = args.interval / args.learners
        t0_wall = time.time() + 5.0 + args.learners * 0.06
        launch_started = time.perf_counter()
        sessions = {}
        for i, (account, _, _) in enumerate(people):
            at = dt.datetime.fromtimestamp(t0_wall + i * step - args.interval, tz=dt.timezone.utc)
            session = services.study_launch(actor=with_role(account), course=course, now=at)
            sessions[session.pk] = session
        launch_seconds = time.perf_counter() - launch_started
        connection.close()
        cookie_name = settings.SESSION_COOKIE_NAME
        plans, lasts = [], []
        for (_, sessionid, csrf), session in zip(people, sessions.values(), strict=True):
            cookie = f"{cookie_name}={sessionid}; csrftoken={csrf}"
            plan = [heartbeat_request(port, cookie, csrf, session.token, k + 1,
                                      session.start_position + (k + 1) * args.interval) for k in range(count)]
            plans.append(plan)
            lasts.append(plan[-1])
        margin = t0_wall - time.time()
        print(f"launched {args.learners} study sessions in {launch_seconds:.1f} s ({margin:.1f} s to spare); gunicorn: {args.workers} {kind} "
              f"on :{port}; {count} heartbeats per learner, one every {args.interval:g} s "
              f"({args.learners / args.interval:.1f} requests/s); load average before: "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")

        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        results, wall, connects, lag = asyncio.run(load(port, plans, args.interval, t0_wall))
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu = cpu.ru_utime + cpu.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime
        load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
        p95 = latency_line(f"heartbeats over {wall:.0f} s", results)
        late = sorted(lag)
        print(f"client: {connects} TCP connects, {client_cpu:.1f} CPU s; send lag behind schedule p95 "
              f"{percentile(late, 95) * 1000:.1f} ms, max {late[-1] * 1000:.1f} ms; load average after: {load_after}")
        answered = [json.loads(r[3]) for r in results if r[2] == 200]
        client_credit = sum(a["credited_seconds"] for a in answered)
        bad = [r for r in results if r[2] != 200]
        for r in bad[:5]:
            print(f"  learner {r[0]} seq {r[1]}: {r[2]} {r[3][:200]!r}")

        ok_db, problems = verify(sessions, count)
        for problem in problems[:10]:
            print(f"  {problem}")
        db_total = sum(StudyProgress.objects.filter(course=course).values_list("credited_seconds", flat=True))
        rows_before = Heartbeat.objects.filter(session_id__in=list(sessions)).count()
        connection.close()
        print(f"answers: {len(answered)} × 200 crediting {client_credit} s in all (database: {db_total} s)")

        again = asyncio.run(replay(port, lasts))
        latency_line("every learner re-sends its last heartbeat", again)
        replay_answers = [json.loads(r[3]) for r in again if r[2] == 200]
        replayed = sum(1 for a in replay_answers if a["verdict"] == "replayed" and a["credited_seconds"] == 0)
        db_after = sum(StudyProgress.objects.filter(course=course).values_list("credited_seconds", flat=True))
        rows_after = Heartbeat.objects.filter(session_id__in=list(sessions)).count()
        print(f"replay: {replayed} of {len(again)} answered “replayed” crediting 0; credited {db_total} → "
              f"{db_after} s, heartbeat rows {rows_before} → {rows_after}")

        exact = not bad and ok_db and client_credit == db_total and replayed == len(again) == args.learners \
            and db_after == db_total and rows_after == rows_before == args.learners * count
        ok = exact and p95 <= 100
        print(f"target: p95 ≤ 100 ms and no lost or double-credited time — {'met' if ok else 'NOT met'} "
              f"(p95 {p95:.1f} ms; credit {'exact' if exact else 'NOT exact'})")
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
