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

from django.db.models import Exists, OuterRef, Q, QuerySet

from ganxun.lrs import keys
from ganxun.lrs.compression import decompress
from ganxun.lrs.http import XapiError
from ganxun.lrs.models import LrsClient, XapiStatement, XapiStatementRelation
from ganxun.lrs.services import format_stored, member_key
from ganxun.lrs.validation import StatementInvalid, check_actor, is_iri, parse_timestamp

# The largest page (and the page when no limit is given: the spec's 0 = the server's maximum).
MAX_LIMIT = 100
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
        # person__isnull=False lets PostgreSQL use the partial lrs_stmt_person index.
        return rows.filter(Q(person__isnull=False, person_id__in=persons) | Q(client_id=client.pk))
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


def _window(rows: QuerySet, query: StatementQuery, stored: str = "stored", pk: str = "id") -> QuerySet:
    """Since/until/cap/cursor conditions and the order, on the given stored and id columns
    (a relation walk uses the relation's copy of them, so its index gives the order)."""
    if query.since:
        rows = rows.filter(**{f"{stored}__gt": dt.datetime.fromisoformat(query.since)})
    if query.until:
        rows = rows.filter(**{f"{stored}__lte": dt.datetime.fromisoformat(query.until)})
    if query.cap:
        rows = rows.filter(**{f"{stored}__lte": dt.datetime.fromisoformat(query.cap)})
    if query.after:
        when, last = dt.datetime.fromisoformat(query.after[0]), query.after[1]
        if query.ascending:
            rows = rows.filter(Q(**{f"{stored}__gt": when}) | Q(**{stored: when, f"{pk}__gt": last}))
        else:
            rows = rows.filter(Q(**{f"{stored}__lt": when}) | Q(**{stored: when, f"{pk}__lt": last}))
    order = (stored, pk) if query.ascending else (f"-{stored}", f"-{pk}")
    return rows.order_by(*order)


# Rows of a page: (pk, stored, body, has_attachments), the body as stored (compressed);
# `_texts` turns it into the statement's JSON text for the rows that are served.
PAGE_FIELDS = ("id", "stored", "data", "has_attachments")
MAX_REF_DEPTH = 10
STATEMENT_WALK = ("stored", "id")
RELATION_WALK = ("relations__stored", "relations__statement")


def _walks(query: StatementQuery) -> list[tuple[Q | None, tuple[str, str]]]:
    """The filter as a union of index walks: [(condition, (stored column, id column))].

    An OR of columns (actor or object or group member…) defeats every index: the database
    reads the whole table in stored order and tests each row. So each alternative of the
    agent filter (or, without one, of the activity filter) becomes a walk of its own index
    in (stored, id) order with LIMIT, the other filters narrowing each walk, and the pages
    are merged. Related agents/activities walk the relation index (key, stored, statement).
    """
    narrowing = []
    if query.verb is not None:
        narrowing.append(Q(verb_key=keys.verb_key(query.verb)))
    if query.registration is not None:
        narrowing.append(Q(registration=query.registration))
    walks: list[tuple[Q, tuple[str, str]]] | None = None
    if query.agent is not None:
        key = keys.agent_key(query.agent)
        walks = [(Q(actor_key=key), STATEMENT_WALK), (Q(object_key=key), STATEMENT_WALK),
                 (Q(relations__key=member_key(query.agent)), RELATION_WALK)]
        if query.related_agents:
            walks.append((Q(relations__key=key), RELATION_WALK))
            authority_clients = _authority_clients(key)
            if authority_clients:
                walks.append((Q(client_id__in=authority_clients), STATEMENT_WALK))
    if query.activity is not None:
        key = keys.activity_key(query.activity)
        alternatives = [(Q(object_key=key), STATEMENT_WALK)]
        if query.related_activities:
            alternatives.append((Q(relations__key=key), RELATION_WALK))
        if walks is None:
            walks = alternatives
        else:  # the agent drives; the activity narrows each of its walks
            activity = Q(object_key=key)
            if query.related_activities:
                activity |= Q(id__in=XapiStatementRelation.objects.filter(key=key).values("statement_id"))
            narrowing.append(activity)
    if walks is None:
        walks = [(None, STATEMENT_WALK)]
    combined = []
    for condition, columns in walks:
        for extra in narrowing:
            condition = extra if condition is None else condition & extra
        combined.append((condition, columns))
    return combined


def _filter(query: StatementQuery) -> Q | None:
    """The non-time filters as one condition (for the StatementRef rule), or None."""
    walks = _walks(query)
    if walks == [(None, STATEMENT_WALK)]:
        return None
    condition = None
    for walk, _columns in walks:
        if any(child[0].startswith("relations__") for child in _leaves(walk)):
            # Inside a per-row EXISTS a join would repeat rows; ask the relation table instead.
            walk = _relation_as_subquery(walk)
        condition = walk if condition is None else condition | walk
    return condition


def _leaves(condition: Q):
    for child in condition.children:
        if isinstance(child, Q):
            yield from _leaves(child)
        else:
            yield child


def _relation_as_subquery(condition: Q) -> Q:
    rebuilt = Q()
    rebuilt.connector, rebuilt.negated = condition.connector, condition.negated
    for child in condition.children:
        if isinstance(child, Q):
            rebuilt.children.append(_relation_as_subquery(child))
        elif child[0] == "relations__key":
            rebuilt.children.append(
                ("id__in", XapiStatementRelation.objects.filter(key=child[1]).values("statement_id")))
        else:
            rebuilt.children.append(child)
    return rebuilt


def _referring(condition: Q) -> Q:
    """Statements whose StatementRef object targets a statement matching `condition`,
    directly or through a chain of StatementRefs (Communication 2.1.3). Tested per
    StatementRef statement through the unique statement_id index (EXISTS), so the cost is
    the StatementRef statements walked, never the size of the matching set. A further
    level is only added when some StatementRef targets a StatementRef statement.
    A StatementRef in context.statement does not count (only the object does)."""
    refs = XapiStatement.objects.filter(object_statement_id__isnull=False)
    # How deep the chains of StatementRefs actually are (usually 1: nothing targets a
    # StatementRef statement), one small query a level.
    depth = 1
    chained = refs.filter(object_statement_id__in=refs.values("statement_id"))
    while depth < MAX_REF_DEPTH and chained.exists():
        depth += 1
        chained = refs.filter(object_statement_id__in=chained.values("statement_id"))

    def targets(levels: int) -> Exists:
        """The statement my object targets matches, or (levels > 1) is a StatementRef
        statement whose target does, recursively."""
        matches = Q(condition)
        if levels > 1:
            matches |= Q(object_statement_id__isnull=False) & Q(targets(levels - 1))
        return Exists(XapiStatement.objects.filter(matches, statement_id=OuterRef("object_statement_id")))

    return Q(object_statement_id__isnull=False) & Q(targets(depth))


def statements_page(*, client: LrsClient, query: StatementQuery) -> tuple[list[tuple], str | None]:
    """One page: [(pk, stored, body, has_attachments)] and the `more` token (None at the end).

    Each index walk of `_walks` reads at most a page (+1) in order; statements that
    target a matching statement through a StatementRef match too (Communication 2.1.3,
    "Filter Conditions for StatementRefs") and are one more walk, over StatementRef
    statements only. The sorted walks are merged (a statement found by two walks once).
    """
    visible = statements_visible_to(client).filter(voided=False)
    size = query.page_size
    found: dict[int, tuple] = {}
    for condition, (stored, pk) in _walks(query):
        rows = visible if condition is None else visible.filter(condition)
        for row in _window(rows, query, stored, pk).values_list(*PAGE_FIELDS)[:size + 1]:
            found[row[0]] = row
    condition = _filter(query)
    if condition is not None:
        referring = visible.filter(_referring(condition))
        for row in _window(referring, query).values_list(*PAGE_FIELDS)[:size + 1]:
            found[row[0]] = row
    rows = sorted(found.values(), key=lambda row: (row[1], row[0]), reverse=not query.ascending)[:size + 1]
    more = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        following = StatementQuery(**{**asdict(query), "after": (last[1].isoformat(), last[0])})
        if following.cap is None:
            following.cap = dt.datetime.now(dt.timezone.utc).isoformat()
        more = encode_more(following)
    return _texts(rows), more


def _texts(rows: list[tuple]) -> list[tuple]:
    return [(pk, stored, decompress(data), has_attachments) for pk, stored, data, has_attachments in rows]


def statement_get(*, client: LrsClient, statement_id: str, voided: bool) -> tuple | None:
    """(pk, stored, body, has_attachments) of one statement the client may see, or None.
    statementId never returns a voided statement; voidedStatementId only a voided one."""
    try:
        statement_id = str(uuid.UUID(statement_id))
    except ValueError:
        raise XapiError(400, "statementId: must be a UUID") from None
    row = statements_visible_to(client).filter(statement_id=statement_id, voided=voided) \
        .values_list(*PAGE_FIELDS).first()
    return _texts([row])[0] if row is not None else None


def consistent_through() -> str:
    return format_stored(dt.datetime.now(dt.timezone.utc))
