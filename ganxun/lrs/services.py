"""Writes of the Learning Record Store: storing statements, creating clients.

`statements_store` is the one code path for every statement, whether it comes
from an HTTP client of /xapi/statements or from our own pages (through
`lrs_system_client()`). Its cost per batch is fixed: one SELECT for the ids (and
voiding targets) already stored, one bulk INSERT of statements, one of relations,
and at most one UPDATE for voided targets — no query per statement.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import threading
import time
import uuid

import orjson
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from ganxun.lrs import keys
from ganxun.lrs.compression import compressor, decompress
from ganxun.lrs.http import XapiError, secret_hash
from ganxun.lrs.models import LrsClient, XapiAttachment, XapiStatement, XapiStatementRelation
from ganxun.lrs.signatures import verify_signed_statement
from ganxun.lrs.validation import SIGNATURE_USAGE, VOIDED_VERB, StatementInvalid, parse_timestamp, validate_statement

VOIDED_VERB_KEY = keys.verb_key(VOIDED_VERB)
MAX_BATCH = 10_000
# SQLite allows 32,766 parameters per statement; stay well under for IN lists.
_IN_CHUNK = 900


def dumps(value) -> str:
    """Compact JSON text with non-ASCII kept. orjson is ~8× faster than the stdlib; the
    stdlib writes what orjson cannot write the same way: integers beyond 64 bits and
    other types (orjson raises), NaN/Infinity (orjson writes them as null, so any null
    in its output sends the value to the stdlib)."""
    try:
        out = orjson.dumps(value)
    except (orjson.JSONEncodeError, TypeError):
        out = None
    if out is None or b"null" in out:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return out.decode()


def format_stored(stamp: dt.datetime) -> str:
    stamp = stamp.astimezone(dt.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


# --- stored time -------------------------------------------------------------------

_clock_lock = threading.Lock()
_last_stored: dt.datetime | None = None


def _next_stored() -> dt.datetime:
    """Now, to the millisecond (the precision the body shows, so `since=<stored>` is exact),
    never earlier than the previous value in this process: stored does not go back
    when the wall clock does, so (stored, id) order follows insertion order here."""
    global _last_stored
    now = dt.datetime.now(dt.timezone.utc)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    with _clock_lock:
        if _last_stored is not None and now < _last_stored:
            now = _last_stored
        _last_stored = now
    return now


# --- agents of our own accounts ------------------------------------------------------

def agent_for_account(account) -> dict:
    """The xAPI Agent of one of our accounts (its identity across all statements)."""
    return {"objectType": "Agent", "name": account.full_name,
            "account": {"homePage": settings.GANXUN_SITE_URL, "name": account.username}}


_PERSON_TTL = 300.0
_person_cache: dict[str, tuple[int | None, float]] = {}


def _persons_by_username(usernames: set[str]) -> dict[str, int | None]:
    """username → Person id (None when the account has no person), one query for the
    names not cached. The cache is per process; tests bypass it (ids are reused
    between tests that roll back)."""
    from ganxun.people.models import Person

    found: dict[str, int | None] = {}
    missing = set()
    now = time.monotonic()
    use_cache = not settings.TESTING
    for name in usernames:
        hit = _person_cache.get(name) if use_cache else None
        if hit is not None and now - hit[1] < _PERSON_TTL:
            found[name] = hit[0]
        else:
            missing.add(name)
    if missing:
        rows = dict(_person_rows(Person, sorted(missing)))
        for name in missing:
            found[name] = rows.get(name)
            if use_cache:
                _person_cache[name] = (found[name], now)
    return found


def _person_rows(person_model, usernames: list[str]):
    """(username, person id) of these accounts. On PostgreSQL one plain query with an array
    parameter (the ORM's join and IN list cost ~0.3 ms a batch of 100 statements)."""
    if connection.vendor != "postgresql":
        return person_model.objects.filter(account__username__in=usernames).values_list("account__username", "id")
    account_model = person_model._meta.get_field("account").related_model
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.username, p.id FROM {quote(person_model._meta.db_table)} p "
            f"JOIN {quote(account_model._meta.db_table)} a ON a.id = p.account_id WHERE a.username = ANY(%s)",
            [usernames])
        return cursor.fetchall()


def _our_username(agent) -> str | None:
    account = agent.get("account") if isinstance(agent, dict) else None
    if isinstance(account, dict) and account.get("homePage", "").rstrip("/") == settings.GANXUN_SITE_URL:
        return account.get("name")
    return None


# --- clients -----------------------------------------------------------------------

def lrs_client_create(*, name: str, scope=None, can_write: bool = True, can_read_own: bool = True,
                      can_read_all: bool = False, can_documents: bool = True, created_by=None,
                      is_system: bool = False) -> tuple[LrsClient, str]:
    """A new client with random credentials; returns (client, secret). The secret is
    shown once; only its SHA-256 is kept."""
    name = (name or "").strip()
    if not name:
        raise ValueError("客户端名称不能为空。")
    key = secrets.token_hex(12)
    secret = secrets.token_urlsafe(32)
    client = LrsClient.objects.create(
        name=name, key=key, secret_hash=secret_hash(secret), can_write=can_write, can_read_own=can_read_own,
        can_read_all=can_read_all, can_documents=can_documents, scope=scope, created_by=created_by,
        is_system=is_system,
        authority={"objectType": "Agent", "name": name,
                   "account": {"homePage": settings.GANXUN_SITE_URL, "name": f"lrs-client/{key}"}},
    )
    return client, secret


_system_client: LrsClient | None = None
_system_lock = threading.Lock()


def lrs_system_client() -> LrsClient:
    """The platform's own client (is_system=True, read_all, created on first use, cached)."""
    global _system_client
    if _system_client is not None and not settings.TESTING:
        return _system_client
    with _system_lock:
        client = LrsClient.objects.filter(is_system=True).order_by("id").first()
        if client is None:
            client, _secret = lrs_client_create(name="干训平台", can_read_all=True, is_system=True)
        _system_client = client
    return client


# --- statement comparison (Data 2.3.1) ------------------------------------------------

def _normalise_agent(agent):
    if not isinstance(agent, dict):
        return agent
    agent = dict(agent)
    if isinstance(agent.get("mbox"), str) and "@" in agent["mbox"]:
        local, _, domain = agent["mbox"].rpartition("@")
        agent["mbox"] = f"{local}@{domain.lower()}"
    if isinstance(agent.get("mbox_sha1sum"), str):
        agent["mbox_sha1sum"] = agent["mbox_sha1sum"].lower()
    if agent.get("objectType") == "Agent":
        del agent["objectType"]  # Agent is the default where it is optional
    if isinstance(agent.get("member"), list):
        agent["member"] = sorted((_normalise_agent(m) for m in agent["member"]),
                                 key=lambda m: json.dumps(m, sort_keys=True))
    return agent


def _normalise_activity(activity):
    if isinstance(activity, dict):
        activity = {k: v for k, v in activity.items() if k not in ("definition", "objectType")}
    return activity


def _normalise_core(statement: dict, *, ignore_timestamp: bool) -> dict:
    out = {}
    for key, value in statement.items():
        if key in ("id", "stored", "authority", "version"):
            continue
        if key == "timestamp":
            if ignore_timestamp:
                continue
            value = parse_timestamp(value, "timestamp", "1.0.3").timestamp()
        elif key == "actor":
            value = _normalise_agent(value)
        elif key == "verb" and isinstance(value, dict):
            value = {"id": value.get("id")}
        elif key == "object" and isinstance(value, dict):
            kind = value.get("objectType", "Activity")
            if kind == "Activity":
                value = _normalise_activity(value)
            elif kind in ("Agent", "Group"):
                value = _normalise_agent(value)
            elif kind == "StatementRef":
                value = {"objectType": "StatementRef", "id": str(value.get("id", "")).lower()}
            elif kind == "SubStatement":
                value = _normalise_core(value, ignore_timestamp=False)
        elif key == "context" and isinstance(value, dict):
            value = dict(value)
            if "registration" in value:
                value["registration"] = str(value["registration"]).lower()
            for agent_key in ("instructor", "team"):
                if agent_key in value:
                    value[agent_key] = _normalise_agent(value[agent_key])
            if isinstance(value.get("contextActivities"), dict):
                value["contextActivities"] = {
                    k: [_normalise_activity(a) for a in (v if isinstance(v, list) else [v])]
                    for k, v in value["contextActivities"].items()
                }
            if isinstance(value.get("statement"), dict):
                value["statement"] = {"objectType": "StatementRef",
                                      "id": str(value["statement"].get("id", "")).lower()}
            if "language" in value and isinstance(value["language"], str):
                value["language"] = value["language"].lower()
        out[key] = value
    return out


def statements_match(submitted: dict, stored: dict, *, ignore_attachments: bool = False) -> bool:
    """Whether two statements are the same per the spec's comparison requirements:
    differences the LRS could have caused (id, stored, authority, version, a
    timestamp it filled in or re-serialised, verb display, activity definitions,
    order of group members, case of case-insensitive values) are ignored; any other
    difference, including a different duration string, is not."""
    ignore_timestamp = "timestamp" not in submitted or "timestamp" not in stored
    a = _normalise_core(submitted, ignore_timestamp=ignore_timestamp)
    b = _normalise_core(stored, ignore_timestamp=ignore_timestamp)
    if ignore_attachments:
        a.pop("attachments", None)
        b.pop("attachments", None)
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


# --- indexing ----------------------------------------------------------------------

def member_key(agent: dict) -> str | None:
    """Key of an Agent as a member of the actor/object Group (the `agent` filter matches it)."""
    ifi = keys.agent_ifi(agent)
    return keys.lookup_key("member", ifi) if ifi is not None else None


def _agent_keys(agent, into: set, *, members_as: str = "agent") -> None:
    if not isinstance(agent, dict):
        return
    key = keys.agent_key(agent)
    if key:
        into.add(key)
    for member in agent.get("member") or ():
        mkey = member_key(member) if members_as == "member" else keys.agent_key(member)
        if mkey:
            into.add(mkey)


def _object_key(obj: dict) -> str | None:
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        return keys.activity_key(obj["id"])
    if kind in ("Agent", "Group"):
        return keys.agent_key(obj)
    return None


def _relation_keys(statement: dict) -> set[str]:
    """Keys for related_agents / related_activities beyond the indexed columns
    (actor, object and the client's authority are matched on their own columns)."""
    out: set[str] = set()
    for part in ("actor",):
        agent = statement.get(part)
        if isinstance(agent, dict) and agent.get("objectType") == "Group":
            _agent_keys({k: v for k, v in agent.items() if k not in keys_ifi}, out, members_as="member")
    obj = statement["object"]
    kind = obj.get("objectType", "Activity")
    if kind == "Group":
        _agent_keys({k: v for k, v in obj.items() if k not in keys_ifi}, out, members_as="member")
    elif kind == "SubStatement":
        _agent_keys(obj.get("actor"), out)
        sub_object = obj.get("object") or {}
        sub_kind = sub_object.get("objectType", "Activity")
        if sub_kind == "Activity":
            out.add(keys.activity_key(sub_object["id"]))
        elif sub_kind in ("Agent", "Group"):
            _agent_keys(sub_object, out)
        _context_keys(obj.get("context"), out)
    _context_keys(statement.get("context"), out)
    return out


keys_ifi = ("mbox", "mbox_sha1sum", "openid", "account")


def _context_keys(context, out: set) -> None:
    if not isinstance(context, dict):
        return
    _agent_keys(context.get("instructor"), out)
    _agent_keys(context.get("team"), out)
    for items in (context.get("contextActivities") or {}).values():
        for activity in items:
            out.add(keys.activity_key(activity["id"]))
    for item in context.get("contextAgents") or ():
        _agent_keys(item.get("agent"), out)
    for item in context.get("contextGroups") or ():
        _agent_keys(item.get("group"), out)


# --- storing -----------------------------------------------------------------------

def _chunks(values: list, size: int = _IN_CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _check_attachments(statements: list[dict], attachments: dict[str, tuple[str, bytes]] | None) -> set[str]:
    """Every attachment without fileUrl has its part; every part is declared. Returns
    the sha2 of the parts used. Signed statements are verified here."""
    attachments = attachments or {}
    used: set[str] = set()
    for index, statement in enumerate(statements):
        for number, attachment in enumerate(statement.get("attachments") or ()):
            sha2 = attachment["sha2"].lower()
            path = f"statements[{index}].attachments[{number}]"
            if sha2 in attachments:
                content_type, content = attachments[sha2]
                used.add(sha2)
            elif "fileUrl" not in attachment or attachment["usageType"] == SIGNATURE_USAGE:
                raise XapiError(400, f"{path}: no multipart part carries the content with sha2 {sha2} "
                                     "(an attachment without fileUrl must be sent as a part)")
            if attachment["usageType"] == SIGNATURE_USAGE:
                try:
                    verify_signed_statement(statement, attachments[sha2][1])
                except StatementInvalid as exc:
                    raise XapiError(400, f"{path}: {exc}") from None
    unused = set(attachments) - used
    if unused:
        raise XapiError(400, f"multipart part(s) with X-Experience-API-Hash {', '.join(sorted(unused))} "
                             "match no attachment of the statements")
    return used


def statements_store(*, client: LrsClient, statements: list[dict], version: str = "1.0.3",
                     attachments: dict[str, tuple[str, bytes]] | None = None) -> list[str]:
    """Validate and store; returns the statement ids in input order. Raises XapiError (400/409/…).

    All or nothing: one bad statement and none is stored. A statement whose id is
    already stored with an equal body is accepted again without a write (retries are
    safe); with a different body the whole request is refused with 409.
    """
    if not client.can_write:
        raise XapiError(403, "该客户端无写入权限 (this client may not write statements)")
    if not isinstance(statements, list) or not statements:
        raise XapiError(400, "statements: must be a statement or a non-empty array of statements")
    if len(statements) > MAX_BATCH:
        raise XapiError(413, f"statements: at most {MAX_BATCH} statements per request")
    ids: list[str] = []
    seen: set[str] = set()
    for index, statement in enumerate(statements):
        try:
            validate_statement(statement, f"statements[{index}]", version)
        except StatementInvalid as exc:
            raise XapiError(400, str(exc)) from None
        statement_id = statement.get("id")
        # Validated as the standard 8-4-4-4-12 form, so lower() is its canonical text.
        statement_id = statement_id.lower() if statement_id else str(uuid.uuid4())
        if statement_id in seen:
            raise XapiError(400, f"statements[{index}].id: {statement_id} appears more than once in the batch")
        seen.add(statement_id)
        ids.append(statement_id)
    used_attachments = _check_attachments(statements, attachments)

    for attempt in range(3):
        try:
            with transaction.atomic():
                _store(client, statements, ids, version, attachments or {}, used_attachments)
            return ids
        except IntegrityError:
            # Another worker stored one of these ids between our SELECT and INSERT: try
            # again, and this time the SELECT sees it (equal → accepted, different → 409).
            if attempt == 2:
                raise
    return ids  # pragma: no cover


def _store(client: LrsClient, statements: list[dict], ids: list[str], version: str,
           attachments: dict[str, tuple[str, bytes]], used_attachments: set[str]) -> None:
    targets: dict[str, int] = {}  # voided target id → index of the voiding statement
    for index, statement in enumerate(statements):
        if statement["verb"]["id"] == VOIDED_VERB:
            targets[str(uuid.UUID(statement["object"]["id"]))] = index

    # One read: rows with our ids, our voiding targets, and voiding statements aimed at our ids.
    existing: dict[str, tuple[str, str]] = {}
    voided_already: set[str] = set()
    lookup = list(set(ids) | set(targets))
    for statement_id, body, verb_key, target in _existing_rows(lookup):
        existing[str(statement_id)] = (body, verb_key)
        if verb_key == VOIDED_VERB_KEY and target is not None:
            voided_already.add(str(target))

    batch_verbs = {sid: statements[i]["verb"]["id"] for i, sid in enumerate(ids)}
    for target, index in targets.items():
        target_is_voiding = (batch_verbs.get(target) == VOIDED_VERB
                             or (target in existing and existing[target][1] == VOIDED_VERB_KEY))
        if target_is_voiding:
            raise XapiError(400, f"statements[{index}].object.id: a voiding statement cannot be voided")

    new_rows: list[tuple] = []
    new_relations: list[set[str]] = []
    stored = _next_stored()
    stored_text = format_stored(stored)
    stored_db = _db_datetime(stored)
    postgres = connection.vendor == "postgresql"
    # psycopg takes the canonical uuid text as is (COPY and INSERT); SQLite wants hex.
    db_uuid = str if postgres else _db_uuid
    authority = client.authority
    usernames = {name for name in (_our_username(s["actor"]) for s in statements) if name}
    persons = _persons_by_username(usernames) if usernames else {}
    compress = compressor()
    default_version = "2.0.0" if version == "2.0.0" else "1.0.0"
    for index, (statement, statement_id) in enumerate(zip(statements, ids)):
        if statement_id in existing:
            body, _verb = existing[statement_id]
            if not statements_match(statement, json.loads(decompress(body))):
                raise XapiError(409, f"statements[{index}].id: statement {statement_id} is already stored with "
                                     "different content (statements are immutable)")
            continue
        full = {"id": statement_id}
        full.update((k, v) for k, v in statement.items() if k not in ("id", "stored", "authority"))
        timestamp_text = statement.get("timestamp") or stored_text
        full["timestamp"] = timestamp_text
        full["stored"] = stored_text
        full["authority"] = authority
        full.setdefault("version", default_version)
        obj = statement["object"]
        object_kind = obj.get("objectType", "Activity")
        actor_key = keys.agent_key(statement["actor"]) or keys.lookup_key("anonymous-group", statement_id)
        context = statement.get("context") or {}
        username = _our_username(statement["actor"])
        registration = context.get("registration")
        new_rows.append((
            db_uuid(statement_id),
            compress(dumps(full)),
            full["version"][:10],
            actor_key,
            keys.verb_key(statement["verb"]["id"]),
            _object_key(obj),
            db_uuid(obj["id"].lower()) if object_kind == "StatementRef" else None,
            db_uuid(registration.lower()) if registration else None,
            _db_datetime(parse_timestamp(timestamp_text, "timestamp", "1.0.3")) if "timestamp" in statement
            else stored_db,
            stored_db,
            (statement_id in voided_already or statement_id in targets) and statement["verb"]["id"] != VOIDED_VERB,
            client.pk,
            persons.get(username) if username else None,
            bool(statement.get("attachments")),
        ))
        new_relations.append(_relation_keys(statement))

    if not new_rows:
        return
    if postgres and len(new_rows) >= _COPY_FROM_ROWS:
        _copy_statements(new_rows, new_relations, stored_db)
    elif postgres:
        _insert_small_batch(new_rows, new_relations, stored_db)
    else:
        pks = _insert_statements(new_rows)
        relations = [(pk, key, stored_db) for pk, row_keys in zip(pks, new_relations) for key in row_keys]
        if relations:
            _insert(XapiStatementRelation._meta.db_table, ("statement_id", "key", "stored"), relations)
    stored_targets = [t for t in targets if t in existing]
    if stored_targets:
        XapiStatement.objects.filter(statement_id__in=stored_targets).exclude(verb_key=VOIDED_VERB_KEY) \
            .update(voided=True)
    if used_attachments:
        have = set()
        for chunk in _chunks(sorted(used_attachments)):
            have |= set(XapiAttachment.objects.filter(sha2__in=chunk).values_list("sha2", flat=True))
        XapiAttachment.objects.bulk_create(
            [XapiAttachment(sha2=sha2, content_type=attachments[sha2][0], content=attachments[sha2][1],
                            length=len(attachments[sha2][1])) for sha2 in sorted(used_attachments - have)],
            ignore_conflicts=True,
        )


# --- raw inserts ----------------------------------------------------------------------
# bulk_create costs ~100 µs of Python per row (field preparation); the LRS must
# ingest >10,000 statements a second, so rows are built as tuples of database values
# and inserted with one multi-row INSERT … RETURNING id per chunk.

STATEMENT_COLUMNS = ("statement_id", "data", "version", "actor_key", "verb_key", "object_key", "object_statement_id",
                     "registration", "timestamp", "stored", "voided", "client_id", "person_id", "has_attachments")
_ROWS_PER_INSERT = 500
# PostgreSQL: from this many rows COPY is cheaper than INSERT (whose preparation costs
# ~0.3 ms a row); below it, INSERT saves COPY's extra nextval query and round trips.
_COPY_FROM_ROWS = 8


def _db_uuid(value: str):
    parsed = uuid.UUID(value)
    return parsed if connection.features.has_native_uuid_field else parsed.hex


def _db_datetime(value: dt.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _insert(table: str, columns: tuple[str, ...], rows: list[tuple], *, returning: str | None = None) -> list:
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    returned = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _ROWS_PER_INSERT):
            chunk = rows[start:start + _ROWS_PER_INSERT]
            sql = head + ", ".join([one] * len(chunk))
            if returning:
                sql += f" RETURNING {quote(returning)}"
            cursor.execute(sql, [value for row in chunk for value in row])
            if returning:
                returned.extend(row[0] for row in cursor.fetchall())
    return returned


def _existing_rows(lookup: list[str]):
    """(statement_id, body, verb_key, object_statement_id) of stored statements whose id
    is in `lookup`, and of voiding statements aimed at one of them."""
    if connection.vendor == "postgresql":
        # One array parameter instead of one parameter per id (query preparation is
        # linear in the number of placeholders), passed as the text of an array: the ids
        # are canonical UUIDs, and adapting a Python list costs ~10 µs an element.
        # Two branches as UNION ALL, not OR: planning the OR over this many indexes costs
        # ~1.5 ms a request, the union ~0.4 ms (a row in both branches is harmless here).
        table = connection.ops.quote_name(XapiStatement._meta.db_table)
        ids = "{" + ",".join(lookup) + "}"
        columns = "statement_id, data, verb_key, object_statement_id"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns} FROM {table} WHERE statement_id = ANY(%s::uuid[]) UNION ALL "
                f"SELECT {columns} FROM {table} WHERE object_statement_id = ANY(%s::uuid[]) AND verb_key = %s",
                [ids, ids, VOIDED_VERB_KEY])
            yield from cursor.fetchall()
        return
    for chunk in _chunks(lookup):
        yield from XapiStatement.objects.filter(
            Q(statement_id__in=chunk) | Q(object_statement_id__in=chunk, verb_key=VOIDED_VERB_KEY)
        ).values_list("statement_id", "data", "verb_key", "object_statement_id")


def _copy_statements(rows: list[tuple], relations: list[set[str]], stored_db) -> None:
    """PostgreSQL: the statement rows and their relations with COPY (~20× cheaper than a
    multi-row INSERT of 14 parameters a row, whose preparation is the cost). Primary
    keys come first from the table's sequence, ascending in row order, so (stored, id)
    follows input order as with INSERT. A duplicate statement_id (a concurrent writer)
    raises IntegrityError like the INSERT did, and the caller's retry handles it."""
    statement_table = XapiStatement._meta.db_table
    relation_table = XapiStatementRelation._meta.db_table
    quote = connection.ops.quote_name
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                       [_statement_sequence(cursor), len(rows)])
        pks = sorted(row[0] for row in cursor.fetchall())
        raw = cursor.cursor
        columns = ", ".join(quote(c) for c in ("id", *STATEMENT_COLUMNS))
        with raw.copy(f"COPY {quote(statement_table)} ({columns}) FROM STDIN") as copy:
            copy.write("".join("\t".join(map(_copy_text, (pk, *row))) + "\n" for pk, row in zip(pks, rows)))
        if any(relations):
            stored_text = stored_db.isoformat()
            with raw.copy(f"COPY {quote(relation_table)} (statement_id, key, stored) FROM STDIN") as copy:
                copy.write("".join(f"{pk}\t{key}\t{stored_text}\n"
                                   for pk, row_keys in zip(pks, relations) for key in row_keys))


def _copy_text(value) -> str:
    """One value in COPY's text format. Our columns hold no tab, newline or backslash (uuids, hex
    keys, validated version strings), so only bytea needs its escape; psycopg's write_row would
    adapt each value in Python at several times the cost."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


_sequence_names: dict[str, str] = {}


def _statement_sequence(cursor) -> str:
    """The statement table's id sequence, looked up once per database (pg_get_serial_sequence
    in the nextval query would run its catalog lookup once per row)."""
    alias = connection.alias
    if alias not in _sequence_names:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [XapiStatement._meta.db_table])
        _sequence_names[alias] = cursor.fetchone()[0]
    return _sequence_names[alias]


def _insert_small_batch(rows: list[tuple], relations: list[set[str]], stored_db) -> None:
    """PostgreSQL, a few rows (a single-statement POST): statements and relations in one
    statement and one round trip — the relations join the inserted rows by statement_id."""
    quote = connection.ops.quote_name
    one = "(" + ", ".join(["%s"] * len(STATEMENT_COLUMNS)) + ")"
    relation_ids = [row[0] for row, row_keys in zip(rows, relations) for _key in row_keys]
    relation_keys = [key for row_keys in relations for key in row_keys]
    sql = (f"WITH s AS (INSERT INTO {quote(XapiStatement._meta.db_table)} "
           f"({', '.join(quote(c) for c in STATEMENT_COLUMNS)}) VALUES {', '.join([one] * len(rows))} "
           f"RETURNING id, statement_id) "
           f"INSERT INTO {quote(XapiStatementRelation._meta.db_table)} (statement_id, key, stored) "
           "SELECT s.id, r.key, %s FROM s JOIN unnest(%s::uuid[], %s::text[]) AS r (sid, key) ON r.sid = s.statement_id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row] + [stored_db, relation_ids, relation_keys])


def _insert_statements(rows: list[tuple]) -> list[int]:
    """Insert statement rows; their primary keys in row order (ids of one INSERT are
    assigned in VALUES order, and RETURNING lists them so, on SQLite and PostgreSQL)."""
    pks = _insert(XapiStatement._meta.db_table, STATEMENT_COLUMNS, rows, returning="id")
    return sorted(pks) if len(pks) == len(rows) else pks
