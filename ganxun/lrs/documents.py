"""State, Activity Profile and Agent Profile documents; the Activities and Agents resources.

Services and selectors behind `document_views`. They speak the LRS's own error,
`http.XapiError`, because every refusal here is an HTTP answer the xAPI spec fixes
(400, 403, 404, 409, 412, 413).

Rules where the spec leaves the choice to us:

* documents are not partitioned by client; `client` on the row is the last writer;
* a client without `can_documents` gets 403 on every document resource;
* a scoped client (`LrsClient.scope`) may touch documents of an agent only when the
  agent is not one of our accounts, or is an account whose person has a cadre in the
  client's subtree (`agent_require_in_scope`);
* concurrency (1.0.3 §3.1, 2.0 §4.1.4): a PUT without If-Match/If-None-Match on an
  existing document is 409 for the profile resources, and in 2.0 for State too;
  If-Match (an ETag list or `*`) and If-None-Match: `*` are honoured on PUT, POST
  and DELETE (412 when they fail). A POST without either header merges (the spec
  makes the headers a SHOULD* for POST, and conformance suites POST without them);
* /activities gives every client the latest definition seen in a statement (not
  personal data); /agents gives the names seen only in statements the client may
  read, and the scope rule above applies to it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ganxun.lrs import keys, validation
from ganxun.lrs.compression import decompress
from ganxun.lrs.http import XapiError
from ganxun.lrs.models import LrsClient, XapiDocument, XapiStatement, XapiStatementRelation

Kind = XapiDocument.Kind

JSON_TYPE = "application/json"
DEFAULT_CONTENT_TYPE = "application/octet-stream"
IFI_PROPERTIES = ("mbox", "mbox_sha1sum", "openid", "account")
# How many recent statements the Activities and Agents resources read at most.
STATEMENT_SCAN_LIMIT = 200


CONFLICT_MESSAGE = (
    "该文档已存在：请先 GET 查看其当前内容，再在请求中带上 If-Match（当前 ETag）覆盖，"
    "或 If-None-Match: * 表示仅在不存在时创建 (the document already exists: check its current state, "
    "then send If-Match with its current ETag to resolve the conflict)"
)


# --- parameters ------------------------------------------------------------------------------

def max_body_bytes() -> int:
    return int(getattr(settings, "GANXUN_LRS_MAX_BODY_MB", 20)) * 1024 * 1024


def site_url() -> str:
    return getattr(settings, "GANXUN_SITE_URL", "http://127.0.0.1:8000")


def parse_iri(value: str, name: str) -> str:
    if not validation.is_iri(value):
        raise XapiError(400, f"参数 {name} 须为 IRI (parameter {name} must be an absolute IRI): {value!r}")
    return value


def parse_uuid(value: str, name: str) -> str:
    try:
        validation.check_uuid(value, name)
    except validation.StatementInvalid:
        raise XapiError(400, f"参数 {name} 须为 UUID (parameter {name} must be a UUID): {value!r}") from None
    return str(uuid.UUID(value))


def parse_timestamp(value: str, name: str, version: str | None = None) -> datetime:
    try:
        return validation.parse_timestamp(value, name, version or "1.0.3")
    except validation.StatementInvalid as exc:
        raise XapiError(400, f"参数 {name} 须为 ISO 8601 时间 ({exc}): {value!r}") from None


def validate_agent(agent, name: str = "agent") -> dict:
    """An Agent (not a Group) with exactly one inverse functional identifier, or XapiError(400)."""
    try:
        return validation.check_agent(agent, name)
    except validation.StatementInvalid as exc:
        raise XapiError(400, f"参数 {name} 不是合法的 Agent (invalid Agent: {exc})") from None


def parse_agent(value: str, name: str = "agent") -> dict:
    try:
        agent = json.loads(value)
    except ValueError:
        raise XapiError(400, f"参数 {name} 不是合法的 JSON (parameter {name} is not valid JSON)") from None
    return validate_agent(agent, name)


# --- access -----------------------------------------------------------------------------------

def require_documents(client: LrsClient) -> None:
    if not client.can_documents:
        raise XapiError(403, "该客户端无权读写文档 (this client may not use the document resources)")


def _our_username(agent: dict) -> str | None:
    """The username when the agent is one of our accounts, else None."""
    account = agent.get("account")
    if not isinstance(account, dict):
        return None
    if str(account.get("homePage", "")).rstrip("/") != site_url().rstrip("/"):
        return None
    return str(account.get("name", ""))


def agent_in_scope(client: LrsClient, agent: dict) -> bool:
    """Whether a (possibly scoped) client may touch data of `agent`.

    Agents that are not our accounts are not placed in our tree, so any client may;
    our accounts only when their person has a cadre inside the client's scope.
    An account name we don't know is treated as outside (it cannot be placed).
    """
    if client.scope_id is None:
        return True
    username = _our_username(agent)
    if username is None:
        return True
    from ganxun.people.models import Cadre

    return Cadre.objects.filter(person__account__username=username,
                                unit__path__startswith=client.scope.path).exists()


def agent_require_in_scope(client: LrsClient, agent: dict) -> None:
    if not agent_in_scope(client, agent):
        raise XapiError(403, "该学员不在此客户端的数据范围内 (agent outside this client's scope)")


# --- documents --------------------------------------------------------------------------------

@dataclass(frozen=True)
class DocumentContext:
    """Where documents live: (kind, activity, agent, registration)."""

    kind: str
    activity_id: str = ""
    agent: dict | None = None
    registration: str = ""

    @property
    def activity_key(self) -> str:
        return keys.activity_key(self.activity_id) if self.activity_id else ""

    @property
    def agent_key(self) -> str:
        return keys.agent_key(self.agent) if self.agent else ""

    def queryset(self):
        return XapiDocument.objects.filter(kind=self.kind, activity_key=self.activity_key,
                                           agent_key=self.agent_key, registration=self.registration)


def etag_of(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def is_json_type(content_type: str) -> bool:
    return media_type(content_type) == JSON_TYPE


def _parse_etags(header: str) -> list[str] | None:
    """An If-Match / If-None-Match value as a list of bare tags; None for `*`."""
    header = header.strip()
    if header == "*":
        return None
    tags = []
    for part in header.split(","):
        part = part.strip()
        if part.startswith("W/"):
            part = part[2:]
        tags.append(part.strip('"').lower())
    return tags


def check_preconditions(existing: XapiDocument | None, *, if_match: str | None, if_none_match: str | None) -> None:
    """RFC 7232 / xAPI concurrency: XapiError(412) when a precondition fails."""
    if if_match is not None:
        tags = _parse_etags(if_match)
        if existing is None or (tags is not None and existing.etag not in tags):
            raise XapiError(412, "If-Match 与文档当前的 ETag 不符，文档未修改 (precondition failed: If-Match)")
    if if_none_match is not None:
        tags = _parse_etags(if_none_match)
        if existing is not None and (tags is None or existing.etag in tags):
            raise XapiError(412, "If-None-Match 条件不成立：文档已存在，未修改 (precondition failed: If-None-Match)")


def _requires_concurrency_headers(kind: str, version: str | None) -> bool:
    """Whether a PUT without If-Match/If-None-Match on an existing document is a 409.

    1.0.3 exempts the State resource ("state conflicts are unlikely"); 2.0 lists
    all three document resources without that exemption.
    """
    if kind != Kind.STATE:
        return True
    return bool(version) and version.startswith("2.")


def document_get(*, client: LrsClient, context: DocumentContext, document_id: str) -> XapiDocument | None:
    require_documents(client)
    if context.agent:
        agent_require_in_scope(client, context.agent)
    return context.queryset().filter(document_key=keys.document_key(document_id)).first()


def document_ids(*, client: LrsClient, context: DocumentContext,
                 since: datetime | None = None) -> tuple[list[str], datetime | None]:
    """The ids of the documents of a context (updated after `since`, exclusive) and the
    most recent update among them (for Last-Modified)."""
    require_documents(client)
    if context.agent:
        agent_require_in_scope(client, context.agent)
    queryset = context.queryset()
    if since is not None:
        queryset = queryset.filter(updated__gt=since)
    rows = list(queryset.order_by("updated", "id").values_list("document_id", "updated"))
    return [row[0] for row in rows], max((row[1] for row in rows), default=None)


def _decode_json(content: bytes):
    try:
        return json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _INVALID


_INVALID = object()


@transaction.atomic
def document_save(
    *, client: LrsClient, context: DocumentContext, document_id: str, content: bytes, content_type: str | None,
    merge: bool, if_match: str | None = None, if_none_match: str | None = None, version: str | None = None,
) -> XapiDocument:
    """PUT (merge=False: replace) or POST (merge=True: JSON merge) one document.

    Nothing is written unless every check passes; the row is locked while it is
    compared and changed, so two writers with the same If-Match cannot both win.
    """
    require_documents(client)
    if context.agent:
        agent_require_in_scope(client, context.agent)
    if len(content) > max_body_bytes():
        raise XapiError(413, "文档超过大小上限 (document larger than the LRS accepts)")
    content_type = (content_type or "").strip() or DEFAULT_CONTENT_TYPE
    if is_json_type(content_type) and _decode_json(content) is _INVALID:
        raise XapiError(400, "Content-Type 为 application/json，但内容不是合法的 JSON (content is not valid JSON)")
    doc_key = keys.document_key(document_id)
    existing = context.queryset().select_for_update().filter(document_key=doc_key).first()
    check_preconditions(existing, if_match=if_match, if_none_match=if_none_match)
    if (existing is not None and not merge and if_match is None and if_none_match is None
            and _requires_concurrency_headers(context.kind, version)):
        raise XapiError(409, CONFLICT_MESSAGE)

    if merge and existing is not None:
        content, content_type = _merged(existing, content, content_type)

    now = timezone.now()
    if existing is not None:
        existing.content = content
        existing.content_type = content_type[:255]
        existing.etag = etag_of(content)
        existing.updated = now
        existing.client = client
        existing.save(update_fields=["content", "content_type", "etag", "updated", "client"])
        return existing
    document = XapiDocument(
        kind=context.kind, activity_id=context.activity_id, activity_key=context.activity_key,
        agent=context.agent, agent_key=context.agent_key, registration=context.registration,
        document_id=document_id, document_key=doc_key, content=content, content_type=content_type[:255],
        etag=etag_of(content), updated=now, client=client,
    )
    try:
        # A savepoint: a concurrent creator of the same document makes this insert fail
        # without spoiling the outer transaction.
        with transaction.atomic():
            document.save(force_insert=True)
    except IntegrityError:
        if if_none_match is not None:
            raise XapiError(412, "If-None-Match 条件不成立：文档已存在，未修改 (precondition failed)") from None
        raise XapiError(409, CONFLICT_MESSAGE) from None
    return document


def _merged(existing: XapiDocument, content: bytes, content_type: str) -> tuple[bytes, str]:
    """The spec's merge: top-level properties of the posted object replace the stored ones."""
    if not is_json_type(content_type) or not is_json_type(existing.content_type):
        raise XapiError(400, "只有两份都是 application/json 的文档才能合并 (POST merge needs both documents to be "
                             "application/json)")
    old = _decode_json(bytes(existing.content))
    new = _decode_json(content)
    if not isinstance(old, dict) or not isinstance(new, dict):
        raise XapiError(400, "只有两份都是 JSON 对象的文档才能合并 (POST merge needs both documents to be JSON "
                             "objects)")
    old.update(new)
    return json.dumps(old, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), content_type


@transaction.atomic
def document_delete(
    *, client: LrsClient, context: DocumentContext, document_id: str | None, if_match: str | None = None,
    if_none_match: str | None = None,
) -> int:
    """Delete one document, or every document of the context when `document_id` is None
    (State only). Deleting what is not there succeeds (a retried DELETE is not an error),
    unless If-Match asked for an existing document. Returns the number deleted."""
    require_documents(client)
    if context.agent:
        agent_require_in_scope(client, context.agent)
    queryset = context.queryset()
    if document_id is None:
        return queryset.delete()[0]
    existing = queryset.select_for_update().filter(document_key=keys.document_key(document_id)).first()
    check_preconditions(existing, if_match=if_match, if_none_match=if_none_match)
    if existing is None:
        return 0
    existing.delete()
    return 1


# --- Activities and Agents --------------------------------------------------------------------

def _readable_statements(client: LrsClient):
    """Statements whose content this client may see (for the Agents resource)."""
    if client.can_read_all:
        queryset = XapiStatement.objects.all()
        if client.scope_id is not None:
            queryset = queryset.filter(Q(person__isnull=True) | Q(person__cadre__unit__path__startswith=client.scope.path))
        return queryset
    if client.can_read_own:
        return XapiStatement.objects.filter(client=client)
    return XapiStatement.objects.none()


def activity_get(*, client: LrsClient, activity_id: str) -> dict:
    """The Activity object the LRS holds for `activity_id`: the definition of the most
    recent statement whose object is that activity and carries one, else just the id.

    Activity definitions are not personal data, so every client may read them.
    """
    rows = (XapiStatement.objects.filter(object_key=keys.activity_key(activity_id))
            .order_by("-stored", "-id").values_list("data", flat=True)[:STATEMENT_SCAN_LIMIT])
    for data in rows:
        try:
            obj = json.loads(decompress(data)).get("object") or {}
        except (ValueError, AttributeError):
            continue
        if obj.get("id") == activity_id and isinstance(obj.get("definition"), dict) and obj["definition"]:
            return {"objectType": "Activity", "id": activity_id, "definition": obj["definition"]}
    return {"objectType": "Activity", "id": activity_id}


def _agents_in(value, key: str, found: list[dict]) -> None:
    """Collect every Agent object inside a statement (any depth) whose key is `key`."""
    if isinstance(value, dict):
        if any(p in value for p in IFI_PROPERTIES) and value.get("objectType", "Agent") in ("Agent", "Group"):
            if keys.agent_key(value) == key:
                found.append(value)
        for child in value.values():
            _agents_in(child, key, found)
    elif isinstance(value, list):
        for child in value:
            _agents_in(child, key, found)


def agent_person(*, client: LrsClient, agent: dict) -> dict:
    """The Person object of the Agents resource: the agent's identifier and every name
    the agent went by in the statements this client may read.

    An Agent has exactly one IFI and our lookup key is made of it, so every statement
    about the agent carries the same IFI; what may differ is the name.
    """
    agent_require_in_scope(client, agent)
    key = keys.agent_key(agent)
    statements = _readable_statements(client)
    related = XapiStatementRelation.objects.filter(key=key).values("statement_id")
    rows = (statements.filter(Q(actor_key=key) | Q(object_key=key) | Q(pk__in=related))
            .order_by("-stored", "-id").values_list("data", flat=True)[:STATEMENT_SCAN_LIMIT])
    names: list[str] = []
    if isinstance(agent.get("name"), str):
        names.append(agent["name"])
    for data in rows:
        found: list[dict] = []
        try:
            _agents_in(json.loads(decompress(data)), key, found)
        except ValueError:
            continue
        for item in found:
            name = item.get("name")
            if isinstance(name, str) and name and name not in names:
                names.append(name)
    person: dict = {"objectType": "Person"}
    if names:
        person["name"] = names
    for ifi in IFI_PROPERTIES:
        if ifi in agent:
            value = agent[ifi]
            person[ifi] = [{"homePage": value["homePage"], "name": value["name"]} if ifi == "account" else value]
    return person

