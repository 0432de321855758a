"""Reads of the Statement resource: the one gate of what a client may see, the
query filters of the spec, and the `more` cursor.

What a client sees (`statements_visible_to`):
* can_read_all without scope — every statement;
* can_read_all with a scope (an org node) — statements about cadres of that
  subtree (`XapiStatement.person`) plus the ones it stored itself;
* can_read_own — only the statements it stored;
* neither — 403.

Paging: statements are ordered by (stored, id), descending unless ascending=true.
A `more` URL carries the query and the position of the last statement served and is
capped at the time of the first page, so a client walking the pages sees each
statement once while new ones arrive.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from dataclasses import asdict, dataclass, field

from django.db.models import Q, QuerySet

from ganxun.lrs import keys
from ganxun.lrs.http import XapiError
from ganxun.lrs.models import LrsClient, XapiStatement, XapiStatementRelation
from ganxun.lrs.services import format_stored, member_key
from ganxun.lrs.validation import StatementInvalid, check_actor, is_iri, parse_timestamp

MAX_LIMIT = 500
QUERY_PARAMS = frozenset({"agent", "verb", "activity", "registration", "related_activities", "related_agents",
                          "since", "until", "limit", "format", "attachments", "ascending"})
SINGLE_PARAMS = frozenset({"statementId", "voidedStatementId", "format", "attachments"})
FORMATS = ("exact", "ids", "canonical")


@dataclass
class StatementQuery:
    agent: dict | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: str | None = None
    until: str | None = None
    limit: int = 0
    format: str = "exact"
    attachments: bool = False
    ascending: bool = False
    # Paging state (set on `more` pages only).
    after: tuple[str, int] | None = field(default=None)
    cap: str | None = None

    @property
    def page_size(self) -> int:
        return MAX_LIMIT if self.limit == 0 else min(self.limit, MAX_LIMIT)


def _boolean(value: str, name: str) -> bool:
    if value not in ("true", "false"):
        raise XapiError(400, f"{name}: must be true or false")
    return value == "true"


def parse_format(value: str | None) -> str:
    value = value or "exact"
    if value not in FORMATS:
        raise XapiError(400, f"format: must be one of {', '.join(FORMATS)}")
    return value


def parse_query(params, version: str) -> StatementQuery:
    """A StatementQuery from the request parameters, or XapiError(400)."""
    unknown = sorted(set(params) - QUERY_PARAMS)
    if unknown:
        raise XapiError(400, f"unknown or misplaced parameter(s): {', '.join(unknown)}")
    query = StatementQuery()
    if "agent" in params:
        try:
            agent = json.loads(params["agent"])
            check_actor(agent, "agent")
        except ValueError as exc:
            raise XapiError(400, f"agent: must be an Agent or Group as JSON ({exc})") from None
        if keys.agent_ifi(agent) is None:
            raise XapiError(400, "agent: must be identified (an anonymous Group cannot be queried)")
        query.agent = agent
    for name in ("verb", "activity"):
        if name in params:
            if not is_iri(params[name]):
                raise XapiError(400, f"{name}: must be an absolute IRI")
            setattr(query, name, params[name])
    if "registration" in params:
        try:
            query.registration = str(uuid.UUID(params["registration"]))
        except ValueError:
            raise XapiError(400, "registration: must be a UUID") from None
    for name in ("since", "until"):
        if name in params:
            try:
                stamp = parse_timestamp(params[name], name, version)
            except StatementInvalid as exc:
                raise XapiError(400, str(exc)) from None
            setattr(query, name, stamp.isoformat())
    if "limit" in params:
        if not params["limit"].isdigit():
            raise XapiError(400, "limit: must be a non-negative integer")
        query.limit = int(params["limit"])
    query.format = parse_format(params.get("format"))
    for name in ("related_activities", "related_agents", "attachments", "ascending"):
        if name in params:
            setattr(query, name, _boolean(params[name], name))
    return query


# --- the `more` cursor ---------------------------------------------------------------

def encode_more(query: StatementQuery) -> str:
    raw = json.dumps(asdict(query), separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_more(token: str) -> StatementQuery:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        query = StatementQuery(**data)
        if query.after is not None:
            query.after = (str(query.after[0]), int(query.after[1]))
    except (ValueError, TypeError, binascii.Error, IndexError):
        raise XapiError(400, "more: not a continuation token of this LRS") from None
    return query


# --- visibility ----------------------------------------------------------------------

def statements_visible_to(client: LrsClient) -> QuerySet:
    """The statements `client` may read (the one gate), or XapiError(403)."""
    rows = XapiStatement.objects.all()
    if client.can_read_all:
        if client.scope_id is None:
            return rows
        from ganxun.people.models import Cadre

        persons = Cadre.objects.filter(unit__path__startswith=client.scope.path).values("person_id")
        return rows.filter(Q(person_id__in=persons) | Q(client_id=client.pk))
    if client.can_read_own:
        return rows.filter(client_id=client.pk)
    raise XapiError(403, "该客户端无读取权限 (this client may not read statements)")


def _authority_clients(agent_key: str) -> list[int]:
    """Clients whose authority is this agent (authority is set from the client)."""
    found = []
    for pk, authority in LrsClient.objects.values_list("id", "authority"):
        if not isinstance(authority, dict):
            continue
        agents = [authority, *(authority.get("member") or ())]
        if any(keys.agent_key(a) == agent_key for a in agents if isinstance(a, dict)):
            found.append(pk)
    return found


def _filter(query: StatementQuery) -> Q | None:
    """The non-time filters as one condition, or None when there are none."""
    conditions = []
    if query.agent is not None:
        key = keys.agent_key(query.agent)
        members = XapiStatementRelation.objects.filter(key__in=[member_key(query.agent)]).values("statement_id")
        condition = Q(actor_key=key) | Q(object_key=key) | Q(id__in=members)
        if query.related_agents:
            related = XapiStatementRelation.objects.filter(key=key).values("statement_id")
            condition |= Q(id__in=related)
            authority_clients = _authority_clients(key)
            if authority_clients:
                condition |= Q(client_id__in=authority_clients)
        conditions.append(condition)
    if query.verb is not None:
        conditions.append(Q(verb_key=keys.verb_key(query.verb)))
    if query.activity is not None:
        key = keys.activity_key(query.activity)
        condition = Q(object_key=key)
        if query.related_activities:
            condition |= Q(id__in=XapiStatementRelation.objects.filter(key=key).values("statement_id"))
        conditions.append(condition)
    if query.registration is not None:
        conditions.append(Q(registration=query.registration))
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined &= condition
    return combined


def _window(rows: QuerySet, query: StatementQuery) -> QuerySet:
    if query.since:
        rows = rows.filter(stored__gt=dt.datetime.fromisoformat(query.since))
    if query.until:
        rows = rows.filter(stored__lte=dt.datetime.fromisoformat(query.until))
    if query.cap:
        rows = rows.filter(stored__lte=dt.datetime.fromisoformat(query.cap))
    if query.after:
        stored, pk = dt.datetime.fromisoformat(query.after[0]), query.after[1]
        if query.ascending:
            rows = rows.filter(Q(stored__gt=stored) | Q(stored=stored, id__gt=pk))
        else:
            rows = rows.filter(Q(stored__lt=stored) | Q(stored=stored, id__lt=pk))
    order = ("stored", "id") if query.ascending else ("-stored", "-id")
    return rows.order_by(*order)


PAGE_FIELDS = ("id", "stored", "body", "has_attachments")
MAX_REF_DEPTH = 10


def _referring(condition: Q) -> Q:
    """Statements whose StatementRef object targets a statement matching `condition`,
    directly or through a chain of StatementRefs (each further level costs one EXISTS
    query over the few StatementRef statements, and is only added when it is there).
    A StatementRef in context.statement does not count (only the object does)."""
    refs = XapiStatement.objects.filter(object_statement_id__isnull=False)
    level = XapiStatement.objects.filter(condition).values("statement_id")
    result = Q(object_statement_id__isnull=False, object_statement_id__in=level)
    for _depth in range(MAX_REF_DEPTH):
        level = refs.filter(object_statement_id__in=level).values("statement_id")
        if not refs.filter(object_statement_id__in=level).exists():
            break
        result |= Q(object_statement_id__in=level)
    return result


def statements_page(*, client: LrsClient, query: StatementQuery) -> tuple[list[tuple], str | None]:
    """One page: [(pk, stored, body, has_attachments)] and the `more` token (None at the end).

    Statements that target a matching statement through a StatementRef match too
    (Communication 2.1.3, "Filter Conditions for StatementRefs"): they are read by a
    second index walk over StatementRef statements only, and the two sorted pages
    are merged, so neither query loses the (key, stored, id) index order.
    """
    visible = statements_visible_to(client).filter(voided=False)
    size = query.page_size
    condition = _filter(query)
    direct = visible if condition is None else visible.filter(condition)
    rows = list(_window(direct, query).values_list(*PAGE_FIELDS)[:size + 1])
    if condition is not None:
        referring = visible.filter(_referring(condition))
        extra = list(_window(referring, query).values_list(*PAGE_FIELDS)[:size + 1])
        if extra:
            merged = {row[0]: row for row in rows}
            merged.update((row[0], row) for row in extra)
            rows = sorted(merged.values(), key=lambda row: (row[1], row[0]), reverse=not query.ascending)
            rows = rows[:size + 1]
    more = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        following = StatementQuery(**{**asdict(query), "after": (last[1].isoformat(), last[0])})
        if following.cap is None:
            following.cap = dt.datetime.now(dt.timezone.utc).isoformat()
        more = encode_more(following)
    return rows, more


def statement_get(*, client: LrsClient, statement_id: str, voided: bool) -> tuple | None:
    """(pk, stored, body, has_attachments) of one statement the client may see, or None.
    statementId never returns a voided statement; voidedStatementId only a voided one."""
    try:
        statement_id = str(uuid.UUID(statement_id))
    except ValueError:
        raise XapiError(400, "statementId: must be a UUID") from None
    return statements_visible_to(client).filter(statement_id=statement_id, voided=voided) \
        .values_list(*PAGE_FIELDS).first()


def consistent_through() -> str:
    return format_stored(dt.datetime.now(dt.timezone.utc))
