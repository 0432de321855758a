"""LRS statement queries over 10 M stored statements: p50/p95 of first-page GETs, production server.

Fills a dedicated PostgreSQL database (`ganxun_bench_lrs` on the server of --database-url; created
when missing, never dropped, reused when it already holds the requested number of statements) with
statements written straight into the LRS tables by SQL (`INSERT … SELECT … FROM generate_series`),
because 10 M statements through HTTP would take hours. The rows are what the LRS itself stores: the
`body` text, the lookup keys of `ganxun.lrs.keys` computed in SQL with sha256() (checked against
`keys.lookup_key` for sample rows), the relation rows of related_agents/related_activities — and the
script proves it: it takes sample generated statements, stores them again through
`lrs.services.statements_store` in a transaction that is rolled back, and compares the two rows
column by column.

Data (seeded, skewed like a real province): 20,000 cadres as xAPI Agents (account on the platform's
homePage), 250 online courses of 20 activities each (5,000 activities: video lessons, quizzes,
classroom sessions, names in zh-CN), ADL verbs (experienced, progressed, completed, answered,
attended) that fit the activity, results with scores and durations, context with the registration of
the cadre in the course and the course as contextActivities parent. The busiest cadre and activity
have ~200 × the statements of the median one (70,356 vs 355 for agents at 10 M).

Then ANALYZE, gunicorn (`ganxun.wsgi`, --workers 2, DEBUG off) on a free port, and timed first-page
GETs (default limit, format=exact) over two client connections: random agents, random activities,
the same with related_agents / related_activities, agent + verb, activity + verb.

    .venv/bin/python bench/lrs_query_bench.py [--database-url postgres://postgres@127.0.0.1:5432/postgres]
        [--statements 10000000] [--reuse | --rebuild] [--queries 500] [--workers 2]

Target (issue 4): first page p95 ≤ 100 ms for agent= and activity= queries over 10 M statements.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import hashlib
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote
from uuid import uuid4

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from checkin_bench import _free_port  # noqa: E402
from list_bench import percentile  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DATABASE = "ganxun_bench_lrs"
SITE = "http://127.0.0.1:8000"
SEED = 2026
CLIENT_KEY = "bench-lrs-query"
# stored times run from here, evenly spaced, in id order (the LRS keeps stored monotonic in id order).
STORED_FROM = "2025-01-01 00:00:00+00"
STORED_SPAN_DAYS = 700

VERBS = [  # (id, zh-CN display, en-US display)
    ("http://adlnet.gov/expapi/verbs/experienced", "学习了", "experienced"),
    ("http://adlnet.gov/expapi/verbs/progressed", "进展到", "progressed"),
    ("http://adlnet.gov/expapi/verbs/completed", "完成了", "completed"),
    ("http://adlnet.gov/expapi/verbs/answered", "作答了", "answered"),
    ("http://adlnet.gov/expapi/verbs/attended", "出席了", "attended"),
]
TOPICS = ["习近平新时代中国特色社会主义思想", "党的二十大精神", "党史学习教育", "全面从严治党", "法治政府建设",
          "数字政府建设", "乡村振兴战略", "生态文明建设", "基层治理现代化", "统筹发展和安全", "经济运行分析",
          "营商环境优化", "应急管理", "信访工作条例", "保密工作", "意识形态工作", "领导科学与艺术",
          "公文写作", "调查研究方法", "新质生产力", "共同富裕", "民法典", "国家安全观", "廉政教育", "群众工作方法"]
SERIES = ["专题讲座", "案例教学", "精品课程", "系列讲座", "网络专题班", "研讨课", "公开课", "微课", "导学课", "实务课"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉红建文斌宇浩凯健俊帆欣然晨阳雪梅琳海波峰"
# Activity kinds by position in the course: 14 video lessons, 4 quizzes, 2 classroom sessions of 20.
LESSON, QUIZ, SESSION = "lesson", "quiz", "session"
ACTIVITY_TYPES = {LESSON: "http://adlnet.gov/expapi/activities/lesson",
                  QUIZ: "http://adlnet.gov/expapi/activities/assessment",
                  SESSION: "http://adlnet.gov/expapi/activities/meeting"}
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
PROGRESS_EXT = "https://w3id.org/xapi/cmi5/result/extensions/progress"


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _kind(position: int) -> str:
    return LESSON if position < 14 else QUIZ if position < 18 else SESSION


def dimensions(agents: int, courses: int) -> tuple[list, list, list]:
    """The agents, courses and activities of the data set (deterministic for the seed)."""
    rng = random.Random(SEED)
    agent_rows = []
    for n in range(agents):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        agent_rows.append((n, {"objectType": "Agent", "name": name,
                               "account": {"homePage": SITE, "name": f"u{10000 + n}"}}))
    course_rows, activity_rows = [], []
    for c in range(courses):
        title = f"{TOPICS[c % len(TOPICS)]}{SERIES[(c // len(TOPICS)) % len(SERIES)]}"
        if c >= len(TOPICS) * len(SERIES):
            title += f"（{c // (len(TOPICS) * len(SERIES)) + 1}）"
        course_rows.append((c, {"id": f"{SITE}/learn/courses/{c + 1}", "objectType": "Activity",
                                "definition": {"name": {"zh-CN": title}, "type": COURSE_TYPE}}))
        for p in range(20):
            kind = _kind(p)
            label = {LESSON: f"第{p + 1}讲", QUIZ: f"随堂测验{p - 13}", SESSION: f"面授课{p - 17}"}[kind]
            definition = {"name": {"zh-CN": f"{title} · {label}"}, "type": ACTIVITY_TYPES[kind]}
            if kind == QUIZ:
                definition.update({"interactionType": "choice", "correctResponsesPattern": ["b"],
                                   "choices": [{"id": x, "description": {"zh-CN": f"选项{x.upper()}"}}
                                               for x in "abcd"]})
            activity_rows.append((c * 20 + p, c, kind, {"objectType": "Activity",
                                                        "id": f"{SITE}/learn/courses/{c + 1}/activities/{p + 1}",
                                                        "definition": definition}))
    return agent_rows, course_rows, activity_rows


# --- the database ----------------------------------------------------------------------------------

def database_url(server_url: str, name: str) -> str:
    return server_url.rsplit("/", 1)[0] + "/" + name


def ensure_database(server_url: str, name: str) -> bool:
    """Create the bench database when missing (never drops anything); True when created."""
    import psycopg

    admin = database_url(server_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(f'CREATE DATABASE "{name}"')
        return True


def bench_client(secret: str):
    """The bench's LrsClient (read all, whole platform), with a fresh secret each run."""
    from ganxun.lrs.http import secret_hash
    from ganxun.lrs.models import LrsClient

    authority = {"objectType": "Agent", "name": "干训学习平台（基准测试）",
                 "account": {"homePage": SITE, "name": CLIENT_KEY}}
    client, _ = LrsClient.objects.update_or_create(
        key=CLIENT_KEY, defaults={"name": "LRS 查询基准测试", "secret_hash": secret_hash(secret), "can_write": True,
                                  "can_read_own": True, "can_read_all": True, "authority": authority,
                                  "is_active": True})
    return client


def load_dimensions(cur, agents, courses, activities) -> None:
    """bench_agent / bench_course / bench_activity / bench_verb: the identifiers, their JSON as the
    LRS stores it, and their keys computed by PostgreSQL."""
    cur.execute("""
        DROP TABLE IF EXISTS bench_agent, bench_course, bench_activity, bench_verb;
        CREATE TABLE bench_agent (n int PRIMARY KEY, ifi text NOT NULL, json text NOT NULL, key text);
        CREATE TABLE bench_course (n int PRIMARY KEY, iri text NOT NULL, json text NOT NULL, key text);
        CREATE TABLE bench_activity (n int PRIMARY KEY, course int NOT NULL, kind text NOT NULL,
                                     iri text NOT NULL, json text NOT NULL, key text);
        CREATE TABLE bench_verb (n int PRIMARY KEY, iri text NOT NULL, json text NOT NULL, key text);
    """)
    from ganxun.lrs.keys import agent_ifi

    with cur.copy("COPY bench_agent (n, ifi, json) FROM STDIN") as copy:
        for n, agent in agents:
            copy.write_row((n, agent_ifi(agent), _dumps(agent)))
    with cur.copy("COPY bench_course (n, iri, json) FROM STDIN") as copy:
        for n, course in courses:
            copy.write_row((n, course["id"], _dumps(course)))
    with cur.copy("COPY bench_activity (n, course, kind, iri, json) FROM STDIN") as copy:
        for n, course, kind, activity in activities:
            copy.write_row((n, course, kind, activity["id"], _dumps(activity)))
    with cur.copy("COPY bench_verb (n, iri, json) FROM STDIN") as copy:
        for n, (iri, zh, en) in enumerate(VERBS):
            copy.write_row((n, iri, _dumps({"id": iri, "display": {"zh-CN": zh, "en-US": en}})))
    # The keys of lrs.keys.lookup_key, in SQL: first 32 hex digits of sha256('<kind>:<identifier>').
    cur.execute("""
        UPDATE bench_agent SET key = substr(encode(sha256(convert_to('agent:' || ifi, 'UTF8')), 'hex'), 1, 32);
        UPDATE bench_course SET key = substr(encode(sha256(convert_to('activity:' || iri, 'UTF8')), 'hex'), 1, 32);
        UPDATE bench_activity SET key = substr(encode(sha256(convert_to('activity:' || iri, 'UTF8')), 'hex'), 1, 32);
        UPDATE bench_verb SET key = substr(encode(sha256(convert_to('verb:' || iri, 'UTF8')), 'hex'), 1, 32);
        ANALYZE bench_agent; ANALYZE bench_course; ANALYZE bench_activity; ANALYZE bench_verb;
    """)


def check_keys(cur) -> int:
    """Sample rows: the SQL keys equal lrs.keys.lookup_key of the same identifier."""
    from ganxun.lrs import keys

    checked = 0
    for table, kind in (("bench_agent", "agent"), ("bench_activity", "activity"), ("bench_course", "activity"),
                        ("bench_verb", "verb")):
        column = "ifi" if table == "bench_agent" else "iri"
        cur.execute(f"SELECT {column}, key, json FROM {table} ORDER BY random() LIMIT 5")  # noqa: S608
        for identifier, key, text in cur.fetchall():
            expected = keys.lookup_key(kind, identifier)
            if table == "bench_agent":
                assert keys.agent_key(json.loads(text)) == expected
            if table in ("bench_activity", "bench_course"):
                assert keys.activity_key(json.loads(text)["id"]) == expected
            if table == "bench_verb":
                assert keys.verb_key(json.loads(text)["id"]) == expected
            if key != expected:
                raise SystemExit(f"key mismatch in {table}: SQL {key} != lrs.keys {expected} for {identifier}")
            checked += 1
    return checked


# One chunk of statements, ids lo..hi. Every random draw is a column of `g`, so each statement is
# drawn once and the statement row and its relation rows come from the same draw.
# Skew: index = floor(n · u²) for uniform u — the busiest of 20,000 cadres holds ~0.7 % of all
# statements, the median one ~0.005 %; activities likewise.
_CHUNK_SQL = """
WITH g AS MATERIALIZED (
    SELECT i,
           floor(%(agents)s * power(random(), 2))::int AS a,
           floor(%(activities)s * power(random(), 2))::int AS o,
           random() AS rv, random() AS r1, random() AS r2, random() AS r3,
           date_trunc('milliseconds', %(stored_from)s::timestamptz + (i - 1) * %(step_us)s * interval '1 microsecond')
               AS stored
    FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i
), s AS MATERIALIZED (
    SELECT g.*, ag.json AS agent_json, ag.key AS agent_key, ac.json AS object_json, ac.key AS object_key,
           co.json AS course_json, co.key AS course_key,
           CASE ac.kind WHEN 'lesson' THEN (CASE WHEN g.rv < 0.45 THEN 0 WHEN g.rv < 0.85 THEN 1 ELSE 2 END)
                        WHEN 'quiz' THEN (CASE WHEN g.rv < 0.8 THEN 3 ELSE 2 END)
                        ELSE 4 END AS v,
           -- the cadre's registration in the course: the same uuid (v4 layout) for all their statements in it
           (SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-8' || substr(h, 18, 3)
                   || '-' || substr(h, 21, 12) FROM md5('registration:' || g.a || ':' || ac.course) AS h) AS registration,
           date_trunc('milliseconds', g.stored - interval '1 millisecond' * floor(500 + g.r3 * 900000)) AS ts
    FROM g JOIN bench_agent ag ON ag.n = g.a
           JOIN bench_activity ac ON ac.n = g.o
           JOIN bench_course co ON co.n = ac.course
), b AS MATERIALIZED (
    SELECT s.*, vb.json AS verb_json, vb.key AS verb_key, gen_random_uuid() AS statement_id,
           CASE s.v
             WHEN 0 THEN '{"duration":"PT' || (1 + floor(s.r1 * 40))::int || 'M' || floor(s.r2 * 60)::int || 'S"}'
             WHEN 1 THEN '{"completion":false,"duration":"PT' || (1 + floor(s.r1 * 40))::int || 'M'
                         || floor(s.r2 * 60)::int || 'S","extensions":{"@PROGRESS_EXT@":'
                         || (5 + floor(s.r2 * 90))::int || '}}'
             WHEN 2 THEN '{"score":{"scaled":' || @SCALED@ || ',"raw":' || (40 + floor(s.r1 * 61))::int
                         || ',"min":0,"max":100},"success":' || (CASE WHEN s.r1 >= 0.33 THEN 'true' ELSE 'false' END)
                         || ',"completion":true,"duration":"PT' || (5 + floor(s.r2 * 55))::int || 'M'
                         || floor(s.r3 * 60)::int || 'S"}'
             WHEN 3 THEN '{"success":' || (CASE WHEN s.r1 < 0.7 THEN 'true' ELSE 'false' END)
                         || ',"response":"' || (CASE WHEN s.r1 < 0.7 THEN 'b' ELSE 'acd' END)
                         || '","duration":"PT' || (10 + floor(s.r2 * 170))::int || 'S"}'
             ELSE '{"completion":true,"duration":"PT' || (2 + floor(s.r1 * 2))::int || 'H'
                  || (floor(s.r2 * 4) * 15)::int || 'M"}'
           END AS result_json
    FROM s JOIN bench_verb vb ON vb.n = s.v
), ins AS (
    INSERT INTO lrs_xapistatement (id, statement_id, body, version, actor_key, verb_key, object_key,
                                   object_statement_id, registration, timestamp, stored, voided, client_id,
                                   person_id, has_attachments)
    SELECT i, statement_id, @BODY@, %(version)s, agent_key, verb_key, object_key, NULL,
           registration::uuid, ts, stored, false, %(client)s, NULL, false
    FROM b
)
INSERT INTO lrs_xapistatementrelation (statement_id, key, stored)
SELECT b.i, r.key, b.stored FROM b CROSS JOIN LATERAL (VALUES @RELATIONS@) AS r(key)
"""

# raw 40..100 → scaled raw/100 as Python's json writes the float the client sent (0.4, 0.86, 1.0).
_SCALED = ("(CASE WHEN (40 + floor(s.r1 * 61))::int = 100 THEN '1.0' "
           "ELSE rtrim(to_char((40 + floor(s.r1 * 61))::int / 100.0, 'FM0.00'), '0') END)")
# The client's timestamp: Beijing time with milliseconds, as our learning pages send it.
_TIMESTAMP = "to_char(ts AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS') || '+08:00'"
# `stored` as the LRS writes it into the body (lrs.services.format_stored): UTC, milliseconds, Z.
_STORED = "to_char(stored AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"


def chunk_sql() -> str:
    body = ("""'{"id":"' || statement_id || '","actor":' || agent_json || ',"verb":' || verb_json"""
            """ || ',"object":' || object_json || ',"result":' || result_json"""
            """ || ',"context":{"registration":"' || registration || '","contextActivities":{"parent":['"""
            """ || course_json || ']},"platform":"干训学习平台","language":"zh-CN"},"timestamp":"' || """
            + _TIMESTAMP + """ || '","stored":"' || """ + _STORED
            + """ || '","authority":' || %(authority)s || ',"version":"' || %(version)s || '"}'""")
    # lrs.services keeps relation rows for what the indexed columns do not hold: here the course
    # in contextActivities.parent (actor, object and authority are matched on their own columns).
    relations = "(b.course_key)"
    return (_CHUNK_SQL.replace("@BODY@", body).replace("@RELATIONS@", relations)
            .replace("@SCALED@", _SCALED).replace("@PROGRESS_EXT@", PROGRESS_EXT))


def _secondary_definitions(cur, tables: list[str]) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """(table, constraint name, definition) of every constraint but the primary keys, and
    (index name, CREATE INDEX …) of every index that backs no constraint, on `tables`."""
    cur.execute("""
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid = ANY(%s::regclass[]) AND contype <> 'p' ORDER BY contype DESC, conname""", [tables])
    constraints = cur.fetchall()
    cur.execute("""
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""", [tables])
    return constraints, cur.fetchall()


def fill(conn, *, statements: int, agents: int, courses: int, client, chunk: int = 500_000) -> None:
    """Empty the statement tables of the bench database and fill them with `statements` rows."""
    tables = ["lrs_xapistatement", "lrs_xapistatementrelation"]
    agent_rows, course_rows, activity_rows = dimensions(agents, courses)
    authority = _dumps(client.authority)
    params = {"agents": agents, "activities": len(activity_rows), "stored_from": STORED_FROM,
              "step_us": STORED_SPAN_DAYS * 86_400_000_000 // statements, "authority": authority,
              "client": client.pk, "version": "1.0.0"}
    sql = chunk_sql()
    with conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'; SET synchronous_commit = off; SET work_mem = '256MB'")
        load_dimensions(cur, agent_rows, course_rows, activity_rows)
        print(f"keys computed in SQL equal lrs.keys.lookup_key for {check_keys(cur)} sampled identifiers")
        constraints, indexes = _secondary_definitions(cur, tables)
        cur.execute("TRUNCATE lrs_xapistatementrelation, lrs_xapistatement RESTART IDENTITY CASCADE")
        # Secondary indexes and constraints are built once after the load (as a restore does).
        for table, name, _ in constraints:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cur.execute(f"DROP INDEX {name}")
        conn.commit()
        started = time.perf_counter()
        try:
            for lo in range(1, statements + 1, chunk):
                hi = min(statements, lo + chunk - 1)
                cur.execute(sql, {**params, "lo": lo, "hi": hi})
                conn.commit()
                done = time.perf_counter() - started
                print(f"  statements {hi:>11,} / {statements:,}  {done:6.0f} s  ({hi / done:,.0f} rows/s)", flush=True)
        finally:
            conn.rollback()
            t_index = time.perf_counter()
            for _name, definition in indexes:
                cur.execute(definition)
                conn.commit()
            for table, name, definition in constraints:
                cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                conn.commit()
            cur.execute("SELECT setval(pg_get_serial_sequence('lrs_xapistatement', 'id'), "
                        "(SELECT coalesce(max(id), 0) + 1 FROM lrs_xapistatement), false)")
            conn.commit()
            print(f"  {len(indexes)} indexes and {len(constraints)} constraints rebuilt in "
                  f"{time.perf_counter() - t_index:.0f} s", flush=True)
        t_analyze = time.perf_counter()
        conn.autocommit = True
        cur.execute("VACUUM (ANALYZE) lrs_xapistatement")
        cur.execute("VACUUM (ANALYZE) lrs_xapistatementrelation")
        conn.autocommit = False
        print(f"  VACUUM ANALYZE in {time.perf_counter() - t_analyze:.0f} s; load total "
              f"{time.perf_counter() - started:.0f} s", flush=True)


# --- statements as a client sends them (the ingest bench posts these) ---------------------------

BEIJING = dt.timezone(dt.timedelta(hours=8))


def registration_for(agent_n: int, course_n: int) -> str:
    """The cadre's registration in the course, as the SQL generator computes it."""
    h = hashlib.md5(f"registration:{agent_n}:{course_n}".encode()).hexdigest()  # noqa: S324 (an id, not a secret)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"


def statement_for(rng: random.Random, agents, courses, activities, when) -> dict:
    """One realistic statement of the same shape and distributions as the SQL generator."""
    agent_n, agent = agents[int(len(agents) * rng.random() ** 2)]
    _, course_n, kind, activity = activities[int(len(activities) * rng.random() ** 2)]
    course = courses[course_n][1]
    rv, r1, r2, r3 = rng.random(), rng.random(), rng.random(), rng.random()
    if kind == LESSON:
        verb = 0 if rv < 0.45 else 1 if rv < 0.85 else 2
    else:
        verb = (3 if rv < 0.8 else 2) if kind == QUIZ else 4
    duration = f"PT{1 + int(r1 * 40)}M{int(r2 * 60)}S"
    raw = 40 + int(r1 * 61)
    result = [
        {"duration": duration},
        {"completion": False, "duration": duration, "extensions": {PROGRESS_EXT: 5 + int(r2 * 90)}},
        {"score": {"scaled": raw / 100, "raw": raw, "min": 0, "max": 100}, "success": r1 >= 0.33,
         "completion": True, "duration": f"PT{5 + int(r2 * 55)}M{int(r3 * 60)}S"},
        {"success": r1 < 0.7, "response": "b" if r1 < 0.7 else "acd", "duration": f"PT{10 + int(r2 * 170)}S"},
        {"completion": True, "duration": f"PT{2 + int(r1 * 2)}H{int(r2 * 4) * 15}M"},
    ][verb]
    iri, zh, en = VERBS[verb]
    registration = registration_for(agent_n, course_n)
    return {
        "id": str(uuid4()),
        "actor": agent,
        "verb": {"id": iri, "display": {"zh-CN": zh, "en-US": en}},
        "object": activity,
        "result": result,
        "context": {"registration": registration, "contextActivities": {"parent": [course]},
                    "platform": "干训学习平台", "language": "zh-CN"},
        "timestamp": when.astimezone(BEIJING).isoformat(timespec="milliseconds"),
    }


# --- the server and a cheap HTTP/1.1 client ------------------------------------------------------

def start_gunicorn(workers: int, **env_extra: str) -> tuple[subprocess.Popen, int]:
    """The production server (`ganxun.wsgi`, sync workers, DEBUG off) on a free port, warmed up."""
    port = _free_port()
    env = {**os.environ, "GANXUN_DEBUG": "0", "GANXUN_ALLOWED_HOSTS": "127.0.0.1,localhost", **env_extra}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "ganxun.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "120", "--log-level", "warning"], cwd=ROOT, env=env)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        server.terminate()
        raise RuntimeError("gunicorn did not answer /healthz")
    for _ in range(workers * 2):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read()
    return server, port


def basic_header(key: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def raw_request(method: str, path: str, port: int, auth: str, body: bytes = b"") -> bytes:
    """A complete pre-serialised HTTP/1.1 request (keep-alive asked for)."""
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: {auth}\r\n"
            f"X-Experience-API-Version: 1.0.3\r\nConnection: keep-alive\r\n")
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


class Connection:
    """One client connection over raw asyncio streams: keep-alive when the server keeps it (gunicorn's
    sync workers answer `Connection: close`, so then it reconnects — the count is printed)."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None
        self.connects = 0

    async def send(self, request: bytes) -> tuple[int, bytes, float]:
        """(status, body, seconds from the first byte sent to the last byte of the answer)."""
        started = time.perf_counter()
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            self.connects += 1
        self.writer.write(request)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        lower = head.lower()
        if b"transfer-encoding: chunked" in lower:
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                parts.append(await self.reader.readexactly(size + 2))
                if size == 0:
                    break
            body = b"".join(p[:-2] for p in parts)
        else:
            marker = lower.find(b"content-length:")
            length = int(lower[marker + 15:lower.index(b"\r\n", marker)]) if marker >= 0 else 0
            body = await self.reader.readexactly(length)
        elapsed = time.perf_counter() - started
        if b"connection: close" in lower:
            self.writer.close()
            self.reader = self.writer = None
        return status, body, elapsed

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


async def run_requests(port: int, requests: list[bytes], connections: int) -> tuple[list, float, int]:
    """Send `requests` over `connections` concurrent connections, each taking the next unsent one.
    Returns ([(index, status, body, seconds)], wall seconds, TCP connects)."""
    queue = iter(enumerate(requests))
    results = []
    pool = [Connection(port) for _ in range(connections)]

    async def worker(conn: Connection):
        for index, request in queue:
            try:
                status, body, elapsed = await conn.send(request)
            except (OSError, asyncio.IncompleteReadError) as exc:
                conn.close()
                status, body, elapsed = 0, repr(exc).encode(), 0.0
            results.append((index, status, body, elapsed))

    started = time.perf_counter()
    await asyncio.gather(*(worker(conn) for conn in pool))
    wall = time.perf_counter() - started
    for conn in pool:
        conn.close()
    return sorted(results, key=lambda r: r[0]), wall, sum(conn.connects for conn in pool)


def latency_line(label: str, results: list, wall: float | None = None, per_request: int = 1) -> str:
    ok = [r for r in results if r[1] == 200]
    ms = [r[3] * 1000 for r in ok] or [0.0]
    statuses: dict[int, int] = {}
    for r in results:
        statuses[r[1]] = statuses.get(r[1], 0) + 1
    line = (f"{label:46} n={len(results):5}  p50 {statistics.median(ms):7.1f} ms  p95 {percentile(ms, 95):7.1f} ms"
            f"  max {max(ms):7.1f} ms  statuses {statuses}")
    if wall:
        line += f"  {len(ok) * per_request / wall:,.0f} statements/s"
    return line


# --- the equivalence check: generated rows == what the LRS stores ----------------------------------

def check_equivalence(client, samples: int = 3) -> str:
    """Store sample generated statements again through lrs.services.statements_store (in a
    transaction rolled back afterwards) and compare every column and the relation keys."""
    from django.db import transaction

    from ganxun.lrs.models import XapiStatement

    try:
        from ganxun.lrs.services import statements_store
    except ImportError as exc:
        return f"NOT checked: lrs.services.statements_store is not there yet ({exc})"
    fields = [f.attname for f in XapiStatement._meta.concrete_fields if f.attname not in ("id", "body")]
    rows = list(XapiStatement.objects.order_by("?")[:samples]) if samples else []
    problems = []
    for row in rows:
        generated = json.loads(row.body)
        sent = {k: v for k, v in generated.items() if k not in ("stored", "authority", "version")}
        relations = sorted(row.relations.values_list("key", flat=True))
        with transaction.atomic():
            XapiStatement.objects.filter(pk=row.pk).delete()
            statements_store(client=client, statements=[sent])
            again = XapiStatement.objects.get(statement_id=row.statement_id)
            again_relations = sorted(again.relations.values_list("key", flat=True))
            # `stored` is the only value that must differ (now vs. the generated past): the rest of
            # the text must be the same, byte for byte.
            now_stored = json.loads(again.body)["stored"]
            if row.body.replace(generated["stored"], "@") != again.body.replace(now_stored, "@"):
                problems.append(f"body differs: generated {row.body}\n     LRS stores {again.body}")
            for name in fields:
                if name != "stored" and getattr(row, name) != getattr(again, name):
                    problems.append(f"{name}: generated {getattr(row, name)!r}, LRS {getattr(again, name)!r}")
            if relations != again_relations:
                problems.append(f"relation keys: generated {relations}, LRS {again_relations}")
            transaction.set_rollback(True)
    if problems:
        raise SystemExit("generated rows differ from what the LRS stores:\n  " + "\n  ".join(problems))
    return (f"{len(rows)} sampled statements stored again through lrs.services.statements_store: same body text "
            f"(but `stored`), same {len(fields)} columns, same relation keys")


# --- the queries ---------------------------------------------------------------------------------

def query_shapes(rng: random.Random, n: int, agents, courses, activities) -> dict[str, list[str]]:
    """Query strings of each shape: random agents / activities drawn uniformly (so mostly ordinary
    cadres and lessons, some of the busiest), verbs that fit the activity."""
    def agent_param(i):
        account = agents[i][1]["account"]
        return quote(_dumps({"objectType": "Agent", "account": account}))

    def verb_for(kind):
        return VERBS[{LESSON: 0, QUIZ: 3, SESSION: 4}[kind]][0]

    shapes: dict[str, list[str]] = {k: [] for k in (
        "agent", "activity", "agent + related_agents", "activity + related_activities",
        "agent + verb", "activity + verb", "course + related_activities")}
    for _ in range(n):
        a = rng.randrange(len(agents))
        _, _, kind, activity = activities[rng.randrange(len(activities))]
        course = courses[rng.randrange(len(courses))][1]
        act = quote(activity["id"], safe="")
        verb = quote(VERBS[rng.choice((0, 1, 2))][0], safe="")
        shapes["agent"].append(f"agent={agent_param(a)}")
        shapes["activity"].append(f"activity={act}")
        shapes["agent + related_agents"].append(f"agent={agent_param(a)}&related_agents=true")
        shapes["activity + related_activities"].append(f"activity={act}&related_activities=true")
        shapes["agent + verb"].append(f"agent={agent_param(a)}&verb={verb}")
        shapes["activity + verb"].append(f"activity={act}&verb={quote(verb_for(kind), safe='')}")
        shapes["course + related_activities"].append(f"activity={quote(course['id'], safe='')}&related_activities=true")
    return shapes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL,
                        help=f"PostgreSQL server URL; the database {DATABASE} on it is used (created when missing)")
    parser.add_argument("--database-name", help=f"default {DATABASE} for 10 M statements, {DATABASE}_<N> otherwise "
                                                 "(a small run does not empty the big data set)")
    parser.add_argument("--statements", type=int, default=10_000_000)
    parser.add_argument("--agents", type=int, default=20_000)
    parser.add_argument("--courses", type=int, default=250, help="courses of 20 activities each")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--reuse", action="store_true", help="fail instead of filling when the count differs")
    group.add_argument("--rebuild", action="store_true", help="fill again even when the count matches")
    parser.add_argument("--queries", type=int, default=500, help="requests per query shape")
    parser.add_argument("--connections", type=int, default=2, help="concurrent client connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--statement-timeout", type=int, default=10,
                        help="seconds a server-side query may run (a guard against plans that read millions of rows)")
    parser.add_argument("--shapes", help="comma-separated subset of the query shapes to run")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        raise SystemExit("this benchmark needs PostgreSQL (--database-url postgres://…)")
    if not args.database_name:
        args.database_name = DATABASE if args.statements == 10_000_000 else f"{DATABASE}_{args.statements}"

    created = ensure_database(args.database_url, args.database_name)
    os.environ["GANXUN_DATABASE_URL"] = database_url(args.database_url, args.database_name)
    os.environ.setdefault("GANXUN_VAR_DIR", tempfile.mkdtemp(prefix="ganxun-lrsbench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ganxun.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from ganxun.lrs.models import XapiStatement

    call_command("migrate", verbosity=0)
    secret = secrets.token_urlsafe(32)
    client = bench_client(secret)
    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        print(f"database {args.database_name} ({'created' if created else 'existing'}); {cur.fetchone()[0]}")
    stored = XapiStatement.objects.count()
    agents, courses, activities = dimensions(args.agents, args.courses)
    if args.rebuild or stored != args.statements:
        if args.reuse:
            raise SystemExit(f"--reuse: the database holds {stored:,} statements, not {args.statements:,}")
        print(f"filling {args.statements:,} statements ({args.agents:,} agents, {len(activities):,} activities "
              f"in {args.courses} courses) …", flush=True)
        import psycopg

        with psycopg.connect(os.environ["GANXUN_DATABASE_URL"]) as conn:
            fill(conn, statements=args.statements, agents=args.agents, courses=args.courses, client=client)
    else:
        print(f"reusing the {stored:,} statements already stored (--rebuild to fill again)")
    with connection.cursor() as cur:
        cur.execute("SELECT count(*), count(DISTINCT statement_id) FROM lrs_xapistatementrelation")
        relation_rows, _ = cur.fetchone()
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('lrs_xapistatement')), "
                    "pg_size_pretty(pg_total_relation_size('lrs_xapistatementrelation'))")
        sizes = cur.fetchone()
        cur.execute("SELECT max(c), percentile_disc(0.5) WITHIN GROUP (ORDER BY c) FROM "
                    "(SELECT count(*) c FROM lrs_xapistatement GROUP BY actor_key) t")
        busiest, median = cur.fetchone()
    print(f"statements {XapiStatement.objects.count():,} ({sizes[0]}), relation rows {relation_rows:,} ({sizes[1]}); "
          f"statements per agent: max {busiest:,}, median {median:,}")
    print(check_equivalence(client))
    connection.close()

    rng = random.Random(SEED + 1)
    shapes = query_shapes(rng, args.queries, agents, courses, activities)
    # A guard of the benchmark, not production configuration: a query plan that reads millions of
    # rows would hold a worker for minutes; with a statement timeout it answers 500 and is counted.
    guarded = os.environ["GANXUN_DATABASE_URL"] + f"?options=-c%20statement_timeout%3D{args.statement_timeout * 1000}"
    server, port = start_gunicorn(args.workers, GANXUN_DATABASE_URL=guarded)
    auth = basic_header(CLIENT_KEY, secret)
    try:
        print(f"gunicorn: {args.workers} sync workers on :{port}; client: one asyncio process, "
              f"{args.connections} connections, pre-built requests; load average before: "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        # Warm-up: the first requests of each worker import the views and open the database connection.
        asyncio.run(run_requests(port, [raw_request("GET", "/xapi/statements?" + q, port, auth)
                                        for q in shapes["activity"][:10]], args.connections))
        worst = {}
        chosen = set(args.shapes.split(",")) if args.shapes else set(shapes)
        for label, queries in shapes.items():
            if label not in chosen:
                continue
            requests = [raw_request("GET", "/xapi/statements?" + q, port, auth) for q in queries]
            cpu = time.process_time()
            results, wall, _ = asyncio.run(run_requests(port, requests, args.connections))
            cpu = time.process_time() - cpu
            counts = []
            for index, status, body, _ in results:
                if status == 200:
                    # A full parse of a few answers; the rest counted cheaply (the client shares the CPUs).
                    count = body.count(b'"stored":"')
                    if index < 5 and count != len(json.loads(body)["statements"]):
                        raise SystemExit(f"{label}: could not count the statements of {body[:200]!r}")
                    counts.append(count)
            kilobytes = statistics.mean([len(r[2]) for r in results]) / 1024
            print(latency_line(label, results) + f"  statements/page avg {statistics.mean(counts or [0]):.1f} "
                  f"(max {max(counts or [0])}), {kilobytes:.0f} KB avg; client CPU {cpu:.1f} s of {wall:.1f} s",
                  flush=True)
            ok = [r[3] * 1000 for r in results if r[1] == 200]
            worst[label] = percentile(ok, 95) if len(ok) == len(results) else float("inf")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    target = max(worst.get("agent", float("inf")), worst.get("activity", float("inf")))
    print(f"target: first page of agent= and activity= p95 ≤ 100 ms over {args.statements:,} statements — "
          f"{'met' if target <= 100 else 'NOT met'} (worst of the two {target:.1f} ms); all shapes: "
          + ", ".join(f"{k} {v:.1f}" for k, v in worst.items()))
    return 0 if target <= 100 else 1


if __name__ == "__main__":
    sys.exit(main())
