"""An independent xAPI conformance suite for the Statement and About resources.

Written from the xAPI 1.0.3 specification (adlnet/xAPI-Spec: "Data" = xAPI-Data.md,
"Comm" = xAPI-Communication.md) and the 2.0.0 differences, mirroring the cases of the ADL
LRS conformance test suite (test/v1_0_3). Every test names the spec section it checks in its
docstring or case id; it talks to /xapi/ over HTTP only and never looks at the
implementation's modules.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import hashlib
import json
import time
import uuid
from functools import lru_cache

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from django.test import Client

from ganxun.lrs.tests import conformance_data as data
from ganxun.lrs.tests.factories import basic_auth, make_lrs_client

STATEMENTS = "/xapi/statements"
ABOUT = "/xapi/about"
CONSISTENT = "X-Experience-API-Consistent-Through"


# --- the caller ----------------------------------------------------------------------

class Xapi:
    """A Django test client speaking xAPI with one LRS client's credentials."""

    def __init__(self, auth: dict, authority: dict, version: str = "1.0.3"):
        self.http = Client()
        # Only the credentials: the version header is set per request.
        self.auth = {"HTTP_AUTHORIZATION": auth["HTTP_AUTHORIZATION"]}
        self.authority = authority
        self.version = version

    def extra(self, version: str | None = None, auth: bool = True, **headers) -> dict:
        extra = dict(self.auth) if auth else {}
        if (version or self.version) is not None:
            extra["HTTP_X_EXPERIENCE_API_VERSION"] = version or self.version
        for name, value in headers.items():
            extra["HTTP_" + name.upper().replace("-", "_")] = value
        return extra

    def post(self, body, *, version=None, content_type="application/json", query="", raw=False, **headers):
        payload = body if raw else json.dumps(body, ensure_ascii=False).encode()
        return self.http.post(STATEMENTS + query, data=payload, content_type=content_type,
                              **self.extra(version, **headers))

    def put(self, body, statement_id: str | None, *, version=None, content_type="application/json", raw=False,
            **headers):
        query = "" if statement_id is None else f"?statementId={statement_id}"
        payload = body if raw else json.dumps(body, ensure_ascii=False).encode()
        return self.http.put(STATEMENTS + query, data=payload, content_type=content_type,
                             **self.extra(version, **headers))

    def get(self, params: dict | None = None, *, version=None, path: str = STATEMENTS, **headers):
        params = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in (params or {}).items()}
        return self.http.get(path, params, **self.extra(version, **headers))

    # Shortcuts that assert success.
    def store(self, body, **kwargs) -> list[str]:
        response = self.post(body, **kwargs)
        assert response.status_code == 200, response.content
        return response.json()

    def store_one(self, body, **kwargs) -> str:
        (statement_id,) = self.store(body, **kwargs)
        return statement_id

    def fetch(self, statement_id: str, **params) -> dict:
        response = self.get({"statementId": statement_id, **params})
        assert response.status_code == 200, response.content
        return response.json()

    def ids(self, params: dict | None = None, **headers) -> list[str]:
        response = self.get(params, **headers)
        assert response.status_code == 200, response.content
        return [s["id"] for s in response.json()["statements"]]


@pytest.fixture
def xapi(db):
    client, key, secret = make_lrs_client(can_read_all=True)
    return Xapi(basic_auth(key, secret), client.authority)


@pytest.fixture
def xapi2(db):
    """The same LRS spoken to in xAPI 2.0.0."""
    client, key, secret = make_lrs_client(can_read_all=True)
    return Xapi(basic_auth(key, secret), client.authority, version="2.0.0")


def parse_timestamp(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def is_uuid(value) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except (ValueError, TypeError, AttributeError):
        return False


def ifi(agent: dict) -> dict:
    """The inverse functional identifier of an agent, as a one-key dict."""
    return {k: agent[k] for k in ("mbox", "mbox_sha1sum", "openid", "account") if k in agent}


def unique_verb() -> str:
    return f"http://example.com/verbs/{uuid.uuid4().hex}"


# --- Comm 2.8 About ----------------------------------------------------------------

@pytest.mark.django_db
def test_about_answers_without_credentials_with_both_versions():
    """Comm 2.8: the About resource MUST NOT require authentication and returns a JSON
    object whose "version" array lists the supported versions (1.0.3 and 2.0.0)."""
    response = Client().get(ABOUT)
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body["version"], list)
    assert {"1.0.3", "2.0.0"} <= set(body["version"])
    assert "X-Experience-API-Version" in response.headers


@pytest.mark.django_db
def test_about_extensions_when_present_are_an_object():
    """Comm 2.8: "extensions" of About is an Object whose keys are IRIs."""
    body = Client().get(ABOUT).json()
    if "extensions" in body:
        assert isinstance(body["extensions"], dict)
        assert all(k.startswith(("http://", "https://", "urn:")) for k in body["extensions"])


# --- Comm 3.3 Versioning, Comm 4 Authentication -------------------------------------

def test_it_rejects_a_request_without_the_version_header(xapi):
    """Comm 3.3: the LRS MUST reject requests without X-Experience-API-Version with 400."""
    response = xapi.http.post(STATEMENTS, data=json.dumps(data.statement()), content_type="application/json",
                              **xapi.auth)
    assert response.status_code == 400
    assert xapi.ids() == []


@pytest.mark.parametrize("version", ["0.95", "0.9", "1.1.0", "3.0.0", "latest"])
def test_it_rejects_an_unknown_version_header(xapi, version):
    """Comm 3.3: requests with a version header the LRS does not support are rejected with 400."""
    assert xapi.post(data.statement(), version=version).status_code == 400
    assert xapi.get(version=version).status_code == 400


@pytest.mark.parametrize("version", ["1.0.0", "1.0.1", "1.0.2", "1.0.3"])
def test_it_accepts_every_1_0_patch_version_header(xapi, version):
    """Comm 3.3: an LRS MUST accept requests with a version header of 1.0.x and answers
    with its own version in the X-Experience-API-Version header."""
    response = xapi.post(data.statement(), version=version)
    assert response.status_code == 200
    assert response.headers["X-Experience-API-Version"].startswith("1.0.")


def test_every_statement_response_carries_the_version_header(xapi):
    """Comm 3.3: the LRS MUST include X-Experience-API-Version in every response."""
    assert xapi.post(data.statement()).headers["X-Experience-API-Version"] == "1.0.3"
    assert xapi.get().headers["X-Experience-API-Version"] == "1.0.3"
    assert xapi.post({"bad": 1}).headers["X-Experience-API-Version"] == "1.0.3"


def test_it_rejects_missing_credentials(xapi):
    """Comm 4: a request without credentials is refused with 401."""
    response = xapi.http.post(STATEMENTS, data=json.dumps(data.statement()), content_type="application/json",
                              HTTP_X_EXPERIENCE_API_VERSION="1.0.3")
    assert response.status_code == 401
    assert xapi.ids() == []


def test_it_rejects_a_wrong_secret(xapi, db):
    """Comm 4: bad Basic credentials are refused with 401."""
    _client, key, _secret = make_lrs_client()
    response = xapi.http.get(STATEMENTS, HTTP_AUTHORIZATION=basic_auth(key, "wrong-secret")["HTTP_AUTHORIZATION"],
                             HTTP_X_EXPERIENCE_API_VERSION="1.0.3")
    assert response.status_code == 401


def test_it_refuses_writes_from_a_read_only_client(db):
    """Comm 3.2: 403 Forbidden when the credentials are valid but lack the permission;
    nothing is stored."""
    client, key, secret = make_lrs_client(can_write=False, can_read_all=True)
    reader = Xapi(basic_auth(key, secret), client.authority)
    sid = data.new_id()
    assert reader.post(data.statement(id=sid)).status_code == 403
    assert reader.put(data.statement(), sid).status_code == 403
    assert reader.get({"statementId": sid}).status_code == 404


# --- Data 2.2 / 2.4 / 4.x: statement validation -------------------------------------

@pytest.mark.parametrize("build", [pytest.param(b, id=case) for case, b in data.INVALID_STATEMENTS])
def test_it_rejects_an_invalid_statement_and_stores_nothing(xapi, build):
    """Data 2.2 (LRS MUST reject statements that violate the spec with 400; null values,
    unknown properties and wrong types included) and the per-property rules named in
    the case id: Data 2.4.1–2.4.11, 4.1 extensions, 4.2 language maps, 4.5 timestamps,
    4.6 durations."""
    response = xapi.post(build())
    assert response.status_code == 400, response.content
    assert xapi.ids() == []


@pytest.mark.parametrize("build", [pytest.param(b, id=case) for case, b in data.INVALID_STATEMENTS[:40]])
def test_it_rejects_an_invalid_statement_sent_with_put(xapi, build):
    """Comm 2.1.1 / Data 2.2: PUT applies the same validation as POST (400)."""
    sid = data.new_id()
    response = xapi.put(build(), sid)
    assert response.status_code == 400, response.content
    assert xapi.get({"statementId": sid}).status_code == 404


@pytest.mark.parametrize("build", [pytest.param(b, id=case) for case, b in data.VALID_STATEMENTS])
def test_it_accepts_a_valid_statement_and_returns_it_exactly(xapi, build):
    """Data 2.4.x (valid forms named in the case id) and Comm 2.1.3 format=exact: the
    LRS accepts the statement and returns actor, verb, object, result and context as received."""
    sent = build()
    sid = xapi.store_one(sent)
    got = xapi.fetch(sid, format="exact")
    for key in ("actor", "verb", "object", "result", "context", "attachments"):
        if key in sent:
            assert got[key] == sent[key], key


def test_context_activities_come_back_as_arrays(xapi):
    """Data 2.4.6.2: a contextActivities value may be a single Activity or an array; the LRS
    MUST return every value as an array (a single Activity as an array of length one)."""
    parent = data.activity("http://example.com/p")
    sent = data.statement(context=data.context_activities(parent=parent, other={"id": "http://example.com/o"},
                                                          grouping=[data.activity("http://example.com/g")]))
    got = xapi.fetch(xapi.store_one(sent))["context"]["contextActivities"]
    assert got == {"parent": [parent], "other": [{"id": "http://example.com/o"}],
                   "grouping": [data.activity("http://example.com/g")]}


def test_it_rejects_invalid_json(xapi):
    """Comm 3.2: a body that is not JSON is malformed (400)."""
    assert xapi.post(b'{"actor": ', raw=True).status_code == 400


def test_it_rejects_an_empty_batch_item(xapi):
    """Data 2.2: every statement of a batch is validated; an empty object is no statement."""
    assert xapi.post([data.statement(), {}]).status_code == 400
    assert xapi.ids() == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded; charset=utf-8"])
def test_it_rejects_a_statement_with_a_wrong_content_type(xapi, content_type):
    """Comm 1.5: statement requests use application/json or multipart/mixed; others are 400.
    (A form-encoded POST without ?method= is not the alternate syntax either.)"""
    response = xapi.post(data.statement(), content_type=content_type)
    assert response.status_code == 400
    assert xapi.ids() == []


def test_it_keeps_utf8_text(xapi):
    """Comm 1.4: all strings MUST be encoded and interpreted as UTF-8."""
    sent = data.statement(object=data.activity(name={"zh-CN": "习近平新时代中国特色社会主义思想专题班"}))
    got = xapi.fetch(xapi.store_one(sent))
    assert got["object"]["definition"]["name"]["zh-CN"] == "习近平新时代中国特色社会主义思想专题班"


# --- Data 2.4.1 id; Comm 2.1.1 PUT, 2.1.2 POST -------------------------------------

def test_post_generates_a_uuid_when_the_statement_has_none(xapi):
    """Data 2.4.1: the LRS MUST generate a UUID id when the statement has none;
    Comm 2.1.2: POST answers 200 with the array of ids."""
    response = xapi.post(data.statement())
    assert response.status_code == 200
    (sid,) = response.json()
    assert is_uuid(sid)
    assert xapi.fetch(sid)["id"] == sid


def test_post_returns_ids_in_the_order_of_the_batch(xapi):
    """Comm 2.1.2: the answer is the array of ids in the same order as the statements."""
    given = data.new_id()
    ids = xapi.store([data.statement(), data.statement(id=given), data.statement()])
    assert len(ids) == 3 and ids[1] == given and all(is_uuid(i) for i in ids)
    assert len(set(ids)) == 3


def test_put_stores_the_statement_under_the_given_id(xapi):
    """Comm 2.1.1: PUT with statementId stores the statement and answers 204 No Content."""
    sid = data.new_id()
    response = xapi.put(data.statement(), sid)
    assert response.status_code == 204
    assert response.content == b""
    assert xapi.fetch(sid)["id"] == sid


def test_put_without_statement_id_is_rejected(xapi):
    """Comm 2.1.1: statementId is a required parameter of PUT (400 without it)."""
    assert xapi.put(data.statement(id=data.new_id()), None).status_code == 400
    assert xapi.ids() == []


def test_put_with_a_malformed_statement_id_is_rejected(xapi):
    """Comm 2.1.1 / Data 4.4: statementId must be a UUID."""
    assert xapi.put(data.statement(), "not-a-uuid").status_code == 400


def test_put_with_a_body_id_other_than_the_parameter_is_rejected(xapi):
    """Comm 2.1.1.s3.b3: where provided, the "id" of the statement MUST match the
    statementId parameter; a mismatch is malformed (400) and nothing is stored."""
    sid, other = data.new_id(), data.new_id()
    assert xapi.put(data.statement(id=other), sid).status_code == 400
    assert xapi.get({"statementId": sid}).status_code == 404
    assert xapi.get({"statementId": other}).status_code == 404


def test_put_with_the_same_id_in_body_and_parameter_is_accepted(xapi):
    """Comm 2.1.1: body id equal to statementId is fine (204)."""
    sid = data.new_id()
    assert xapi.put(data.statement(id=sid), sid).status_code == 204


def test_resending_the_same_statement_stores_it_once(xapi):
    """Comm 2.1.2.s2.b4 / Data 2.3.1: a statement whose id the LRS already has MUST NOT
    change its state; sending the same statement again is answered with success and it is
    stored once (statement comparison ignores what the LRS added: stored, authority, version)."""
    verb_id = unique_verb()
    sent = data.statement(id=data.new_id(), verb={"id": verb_id})
    first = xapi.store_one(sent)
    stored_before = xapi.fetch(first)["stored"]
    assert xapi.post(sent).status_code in (200, 204)
    assert xapi.put(sent, first).status_code == 204
    assert xapi.ids({"verb": verb_id}) == [first]
    assert xapi.fetch(first)["stored"] == stored_before


def test_resending_an_id_with_a_different_statement_is_a_conflict(xapi):
    """Comm 2.1.1.s2.b3 / 2.1.2.s2.b5: same id, different statement → 409 Conflict, and the
    stored statement is not modified."""
    sid = data.new_id()
    xapi.store_one(data.statement(id=sid))
    assert xapi.post(data.statement(id=sid, result={"success": True})).status_code == 409
    assert xapi.put(data.statement(object=data.activity("http://example.com/other")), sid).status_code == 409
    got = xapi.fetch(sid)
    assert "result" not in got
    assert got["object"]["id"] == data.ACTIVITY_ID


def test_a_batch_with_a_conflicting_id_stores_nothing(xapi):
    """Comm 2.1.2 + 3.2: a batch containing a 409 conflict is rejected as a whole."""
    sid = data.new_id()
    xapi.store_one(data.statement(id=sid))
    fresh = data.new_id()
    response = xapi.post([data.statement(id=fresh), data.statement(id=sid, result={"completion": True})])
    assert response.status_code == 409
    assert xapi.get({"statementId": fresh}).status_code == 404


def test_a_batch_with_duplicate_ids_is_rejected(xapi):
    """Comm 2.1.2.s2.b6: a batch with two statements of the same id SHOULD* be rejected with 400."""
    sid = data.new_id()
    assert xapi.post([data.statement(id=sid), data.statement(id=sid)]).status_code == 400
    assert xapi.get({"statementId": sid}).status_code == 404


def test_a_batch_is_all_or_nothing(xapi):
    """Data 2.2 / Comm 2.1.2: one invalid statement makes the LRS reject the batch; none is stored."""
    good = data.new_id()
    response = xapi.post([data.statement(id=good), data.statement(actor={"mbox": "nobody"})])
    assert response.status_code == 400
    assert xapi.get({"statementId": good}).status_code == 404
    assert xapi.ids() == []


# --- Data 2.4.7–2.4.10: properties the LRS sets -------------------------------------

def test_the_lrs_sets_stored_and_ignores_a_client_value(xapi):
    """Data 2.4.8: "stored" MUST be set by the LRS; a value sent by the client is ignored."""
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    sid = xapi.store_one(data.statement(stored="2001-01-01T00:00:00.000Z"))
    stored = parse_timestamp(xapi.fetch(sid)["stored"])
    assert stored >= before


def test_the_lrs_sets_timestamp_when_missing(xapi):
    """Data 2.4.7: if not provided, the LRS SHOULD* set timestamp to the stored time."""
    got = xapi.fetch(xapi.store_one(data.statement()))
    assert parse_timestamp(got["timestamp"]) == parse_timestamp(got["stored"])


def test_timestamp_keeps_millisecond_precision(xapi):
    """Data 4.5: a Timestamp MUST preserve precision to at least milliseconds."""
    got = xapi.fetch(xapi.store_one(data.statement(timestamp="2024-05-18T05:32:34.123456Z")))
    assert parse_timestamp(got["timestamp"]).replace(microsecond=0) == dt.datetime(2024, 5, 18, 5, 32, 34,
                                                                                     tzinfo=dt.UTC)
    assert parse_timestamp(got["timestamp"]).microsecond // 1000 == 123


def test_an_offset_timestamp_keeps_its_point_in_time(xapi):
    """Data 4.5: the LRS MAY return the timestamp in another zone so long as the point in
    time is not affected."""
    got = xapi.fetch(xapi.store_one(data.statement(timestamp="2024-05-18T13:32:34.804+08:00")))
    assert parse_timestamp(got["timestamp"]) == parse_timestamp("2024-05-18T05:32:34.804Z")


def test_stored_is_an_iso_timestamp_with_milliseconds(xapi):
    """Data 2.4.8 / 4.5: stored is an ISO 8601 timestamp with at least millisecond precision."""
    stored = xapi.fetch(xapi.store_one(data.statement()))["stored"]
    assert parse_timestamp(stored).tzinfo is not None
    assert "." in stored


def test_the_lrs_sets_authority_from_the_credentials(xapi):
    """Data 2.4.9: the LRS MUST set the authority to the agent of the credentials used
    (Basic auth: the user as the entire authority)."""
    got = xapi.fetch(xapi.store_one(data.statement()))
    assert ifi(got["authority"]) == ifi(xapi.authority)


def test_the_lrs_overrides_an_untrusted_authority(xapi):
    """Data 2.4.9: an authority given by the client is replaced by (or checked against) the
    credentials; it is never trusted blindly."""
    got = xapi.fetch(xapi.store_one(data.statement(authority={"mbox": "mailto:impostor@example.com"})))
    assert got["authority"].get("mbox") != "mailto:impostor@example.com"


def test_the_lrs_sets_version_1_0_0_when_missing(xapi):
    """Data 2.4.10: if a statement has no version, the LRS MUST set it to 1.0.0."""
    assert xapi.fetch(xapi.store_one(data.statement()))["version"] == "1.0.0"


def test_the_lrs_keeps_the_version_it_accepted(xapi):
    """Data 2.4.10: statements returned by an LRS MUST retain the version they were accepted with."""
    assert xapi.fetch(xapi.store_one(data.statement(version="1.0.2")))["version"] == "1.0.2"


def test_a_returned_statement_has_every_property_the_lrs_adds(xapi):
    """Data 2.4: a statement returned by the LRS has id, stored, timestamp, authority and version."""
    got = xapi.fetch(xapi.store_one(data.statement()))
    assert {"id", "actor", "verb", "object", "stored", "timestamp", "authority", "version"} <= set(got)


# --- Data 2.3.2 voiding; Comm 2.1.4 -------------------------------------------------

def void(xapi: Xapi, target: str) -> str:
    return xapi.store_one(data.statement(actor=data.agent("mailto:admin@example.com"),
                                         verb={"id": data.VOIDED_VERB, "display": {"en-US": "voided"}},
                                         object={"objectType": "StatementRef", "id": target}))


def test_a_voided_statement_is_only_found_by_voided_statement_id(xapi):
    """Data 2.3.2 / Comm 2.1.4.s1.b1: the LRS MUST NOT return a voided statement unless it is
    requested by voidedStatementId; GET statementId of it answers 404."""
    target = xapi.store_one(data.statement())
    voiding = void(xapi, target)
    assert xapi.get({"statementId": target}).status_code == 404
    voided = xapi.get({"voidedStatementId": target})
    assert voided.status_code == 200 and voided.json()["id"] == target
    listed = xapi.ids()
    assert target not in listed and voiding in listed


def test_voided_statement_id_of_a_statement_not_voided_is_not_found(xapi):
    """Comm 2.1.3: voidedStatementId only returns voided statements (404 otherwise)."""
    sid = xapi.store_one(data.statement())
    assert xapi.get({"voidedStatementId": sid}).status_code == 404


def test_a_voiding_statement_cannot_be_voided(xapi):
    """Data 2.3.2.s2.b3: a statement is voided if and only if it is not itself a voiding
    statement. Voiding a voiding statement MAY be rejected (400); if accepted, the target
    stays a normal, retrievable statement."""
    target = xapi.store_one(data.statement())
    voiding = void(xapi, target)
    response = xapi.post(data.statement(verb={"id": data.VOIDED_VERB},
                                        object={"objectType": "StatementRef", "id": voiding}))
    assert response.status_code in (200, 400)
    assert xapi.get({"statementId": voiding}).status_code == 200
    assert xapi.get({"statementId": target}).status_code == 404


def test_statements_targeting_a_voided_statement_are_still_returned(xapi):
    """Comm 2.1.4.s1.b2: the LRS MUST still return statements targeting the voided statement
    under the StatementRef filter rule (the voiding statement included), never the voided one."""
    verb_id = unique_verb()
    target = xapi.store_one(data.statement(verb={"id": verb_id}))
    voiding = void(xapi, target)
    assert xapi.ids({"verb": verb_id}) == [voiding]


# --- Comm 2.1.3 GET: single statements ----------------------------------------------

def test_get_single_statement_with_both_ids_is_rejected(xapi):
    """Comm 2.1.3.s2.b1: statementId together with voidedStatementId → 400."""
    sid = xapi.store_one(data.statement())
    assert xapi.get({"statementId": sid, "voidedStatementId": sid}).status_code == 400


@pytest.mark.parametrize("extra", [{"verb": data.VERB_ID}, {"limit": "1"}, {"ascending": "true"},
                                   {"since": "2000-01-01T00:00:00Z"}, {"agent": {"mbox": data.MBOX}},
                                   {"registration": str(uuid.uuid4())}])
def test_get_single_statement_with_another_filter_is_rejected(xapi, extra):
    """Comm 2.1.3.s2.b2: statementId or voidedStatementId with any parameter other than
    "attachments" or "format" → 400."""
    sid = xapi.store_one(data.statement())
    assert xapi.get({"statementId": sid, **extra}).status_code == 400
    assert xapi.get({"voidedStatementId": sid, **extra}).status_code == 400


def test_get_single_statement_allows_format_and_attachments(xapi):
    """Comm 2.1.3.s2.b2: "format" and "attachments" may accompany statementId."""
    sid = xapi.store_one(data.statement())
    response = xapi.get({"statementId": sid, "format": "ids", "attachments": "false"})
    assert response.status_code == 200 and response.json()["id"] == sid


def test_get_unknown_statement_is_not_found(xapi):
    """Comm 2.1.3 / 3.2: an id the LRS does not have → 404."""
    assert xapi.get({"statementId": data.new_id()}).status_code == 404


def test_get_with_an_unknown_parameter_is_rejected(xapi):
    """Comm 3.2: the LRS MUST reject with 400 requests using parameters it does not recognise."""
    assert xapi.get({"foo": "bar"}).status_code == 400


@pytest.mark.parametrize("params", [{"statementId": "abc"}, {"limit": "-1"}, {"limit": "ten"},
                                    {"since": "yesterday"}, {"until": "2024-13-01T00:00:00Z"},
                                    {"registration": "not-a-uuid"}, {"format": "full"},
                                    {"ascending": "yes"}, {"related_agents": "1"}, {"attachments": "maybe"},
                                    {"agent": "not json"}, {"agent": {"name": "no ifi"}},
                                    {"agent": {"mbox": "no-mailto@example.com"}}])
def test_get_with_a_malformed_parameter_is_rejected(xapi, params):
    """Comm 2.1.3 table: parameters have types (UUID, Timestamp, nonnegative integer,
    Boolean as JSON true/false, ids|exact|canonical, Agent JSON) — anything else is 400."""
    assert xapi.get(params).status_code == 400


# --- Comm 2.1.3 GET: StatementResult and filters ------------------------------------

def test_an_empty_result_is_a_statement_result(xapi):
    """Comm 2.1.3.s2.b4: no match → 200 and a StatementResult with an empty array; Data 2.5:
    "more" is an empty string when there are no more results."""
    response = xapi.get({"verb": unique_verb()})
    assert response.status_code == 200
    body = response.json()
    assert body["statements"] == []
    assert body.get("more", "") == ""


@pytest.mark.parametrize("method", ["get_list", "get_one", "post", "put"])
def test_consistent_through_header_is_on_every_statement_response(xapi, method):
    """Comm 2.1.3.s2.b5: the LRS MUST include X-Experience-API-Consistent-Through, an ISO 8601
    timestamp, on all responses to Statement resource requests."""
    sid = xapi.store_one(data.statement())
    response = {
        "get_list": lambda: xapi.get(),
        "get_one": lambda: xapi.get({"statementId": sid}),
        "post": lambda: xapi.post(data.statement()),
        "put": lambda: xapi.put(data.statement(), data.new_id()),
    }[method]()
    assert response.status_code in (200, 204)
    through = parse_timestamp(response.headers[CONSISTENT])
    assert through.tzinfo is not None
    assert abs((dt.datetime.now(dt.UTC) - through).total_seconds()) < 3600


def test_head_answers_like_get_without_a_body(xapi):
    """Comm 1.1: HEAD is answered as GET would be, with the message body omitted."""
    sid = xapi.store_one(data.statement())
    response = xapi.http.head(STATEMENTS, {"statementId": sid}, **xapi.extra())
    assert response.status_code == 200
    assert response.content == b""
    missing = xapi.http.head(STATEMENTS, {"statementId": data.new_id()}, **xapi.extra())
    assert missing.status_code == 404


def test_the_agent_filter_matches_actor_object_and_group_members(xapi):
    """Comm 2.1.3 agent: statements whose Actor or Object is the Agent (same IFI), and Groups
    that have the Agent as member."""
    person = {"mbox": "mailto:wanted@example.com"}
    as_actor = xapi.store_one(data.statement(actor=data.agent("mailto:wanted@example.com", name="A")))
    as_object = xapi.store_one(data.statement(object={"objectType": "Agent", **person}))
    in_group = xapi.store_one(data.statement(actor={"objectType": "Group", "member": [person]}))
    xapi.store_one(data.statement())  # someone else
    xapi.store_one(data.statement(context={"instructor": person}))  # only related
    assert set(xapi.ids({"agent": person})) == {as_actor, as_object, in_group}


def test_the_agent_filter_matches_by_account(xapi):
    """Comm 2.1.3 agent: equality is by inverse functional identifier (here an account)."""
    account = {"account": {"homePage": "http://example.com", "name": "cadre-42"}}
    sid = xapi.store_one(data.statement(actor={"objectType": "Agent", "name": "x", **account}))
    xapi.store_one(data.statement(actor={"account": {"homePage": "http://example.com", "name": "cadre-43"}}))
    assert xapi.ids({"agent": account}) == [sid]


def test_related_agents_widens_the_agent_filter(xapi):
    """Comm 2.1.3 related_agents: Actor, Object, Authority, Instructor, Team, or any of these in
    a contained SubStatement match the agent."""
    person = {"mbox": "mailto:teacher@example.com"}
    team = {"objectType": "Group", "member": [person]}
    instructor = xapi.store_one(data.statement(context={"instructor": person}))
    in_team = xapi.store_one(data.statement(context={"team": team}))
    in_sub = xapi.store_one(data.statement(object=data.substatement(actor=person)))
    xapi.store_one(data.statement())
    assert set(xapi.ids({"agent": person, "related_agents": "true"})) == {instructor, in_team, in_sub}
    assert xapi.ids({"agent": person}) == []
    by_authority = xapi.ids({"agent": ifi(xapi.authority), "related_agents": "true"})
    assert len(by_authority) == 4


def test_the_verb_filter(xapi):
    """Comm 2.1.3 verb: only statements with that verb id."""
    verb_id = unique_verb()
    sid = xapi.store_one(data.statement(verb={"id": verb_id}))
    xapi.store_one(data.statement())
    assert xapi.ids({"verb": verb_id}) == [sid]


def test_the_activity_filter_and_related_activities(xapi):
    """Comm 2.1.3 activity / related_activities: activity matches the Object only; with
    related_activities=true also context activities and SubStatement objects."""
    target = "http://example.com/activities/wanted"
    as_object = xapi.store_one(data.statement(object=data.activity(target)))
    as_parent = xapi.store_one(data.statement(context=data.context_activities(parent=[data.activity(target)])))
    as_category = xapi.store_one(data.statement(context=data.context_activities(category={"id": target})))
    in_sub = xapi.store_one(data.statement(object=data.substatement(object=data.activity(target))))
    xapi.store_one(data.statement())
    assert xapi.ids({"activity": target}) == [as_object]
    assert set(xapi.ids({"activity": target, "related_activities": "true"})) == {
        as_object, as_parent, as_category, in_sub}


def test_the_registration_filter(xapi):
    """Comm 2.1.3 registration: only statements with that registration."""
    registration = str(uuid.uuid4())
    sid = xapi.store_one(data.statement(context={"registration": registration}))
    xapi.store_one(data.statement(context={"registration": str(uuid.uuid4())}))
    assert xapi.ids({"registration": registration}) == [sid]


def test_filters_combine(xapi):
    """Comm 2.1.3: parameters are filters; all of them apply together."""
    verb_id = unique_verb()
    person = {"mbox": "mailto:both@example.com"}
    both = xapi.store_one(data.statement(actor=person, verb={"id": verb_id}))
    xapi.store_one(data.statement(verb={"id": verb_id}))
    xapi.store_one(data.statement(actor=person))
    assert xapi.ids({"verb": verb_id, "agent": person}) == [both]


def store_spaced(xapi: Xapi, count: int, **overrides) -> list[str]:
    """Store statements one by one, a few milliseconds apart, so their stored times differ."""
    ids = []
    for _ in range(count):
        ids.append(xapi.store_one(data.statement(**overrides)))
        time.sleep(0.003)
    return ids


def test_since_is_exclusive_and_until_inclusive(xapi):
    """Comm 2.1.3 since: stored after the timestamp (exclusive); until: stored at or before."""
    verb_id = unique_verb()
    first, second, third = store_spaced(xapi, 3, verb={"id": verb_id})
    stored = xapi.fetch(second)["stored"]
    assert set(xapi.ids({"verb": verb_id, "since": stored})) == {third}
    assert set(xapi.ids({"verb": verb_id, "until": stored})) == {first, second}


def test_results_are_newest_first_unless_ascending(xapi):
    """Comm 2.1.3: statements in reverse chronological order of stored; ascending=true reverses it."""
    verb_id = unique_verb()
    ids = store_spaced(xapi, 4, verb={"id": verb_id})
    assert xapi.ids({"verb": verb_id}) == ids[::-1]
    assert xapi.ids({"verb": verb_id, "ascending": "true"}) == ids
    assert xapi.ids({"verb": verb_id, "ascending": "false"}) == ids[::-1]


def test_limit_caps_the_page_and_zero_means_server_maximum(xapi):
    """Comm 2.1.3 limit: maximum number of statements; 0 = the maximum the server allows."""
    verb_id = unique_verb()
    ids = store_spaced(xapi, 3, verb={"id": verb_id})
    page = xapi.get({"verb": verb_id, "limit": "2"}).json()
    assert [s["id"] for s in page["statements"]] == ids[::-1][:2]
    assert page["more"]
    assert set(xapi.ids({"verb": verb_id, "limit": "0"})) == set(ids)


def walk(xapi: Xapi, params: dict) -> tuple[list[str], int]:
    response = xapi.get(params)
    assert response.status_code == 200
    body = response.json()
    seen = [s["id"] for s in body["statements"]]
    pages = 1
    while body.get("more"):
        assert body["more"].startswith("/"), "more is a relative IRL with the full path"
        response = xapi.http.get(body["more"], **xapi.extra())
        assert response.status_code == 200, response.content
        assert CONSISTENT in response.headers
        body = response.json()
        seen += [s["id"] for s in body["statements"]]
        pages += 1
        assert pages < 20
    return seen, pages


@pytest.mark.parametrize("ascending", ["false", "true"])
def test_more_pages_until_exhausted_without_gaps_or_duplicates(xapi, ascending):
    """Data 2.5 / Comm 2.1.3: "more" is a relative IRL to the next page, empty when there are
    no more results; following it keeps the original filters and order, with no statement
    twice and none missing."""
    verb_id = unique_verb()
    ids = store_spaced(xapi, 7, verb={"id": verb_id})
    xapi.store_one(data.statement())  # outside the filter
    seen, pages = walk(xapi, {"verb": verb_id, "limit": "3", "ascending": ascending})
    assert pages == 3
    assert seen == (ids if ascending == "true" else ids[::-1])


def test_more_is_not_disturbed_by_statements_stored_meanwhile(xapi):
    """Data 2.5: paging with "more" returns the remaining statements of the original query;
    a statement stored after the first page does not cause a duplicate or a gap."""
    verb_id = unique_verb()
    ids = store_spaced(xapi, 5, verb={"id": verb_id})
    first = xapi.get({"verb": verb_id, "limit": "2"}).json()
    xapi.store_one(data.statement(verb={"id": verb_id}))
    seen = [s["id"] for s in first["statements"]]
    body = first
    while body.get("more"):
        body = xapi.http.get(body["more"], **xapi.extra()).json()
        seen += [s["id"] for s in body["statements"]]
    assert len(seen) == len(set(seen))
    assert set(ids) <= set(seen)


def test_the_statement_ref_rule_returns_targeting_statements(xapi):
    """Comm 2.1.3.s3: statements targeting a matching statement through a StatementRef object
    also match (recursively); a StatementRef in context.statement does not count."""
    target = "http://example.com/activities/explosives-training"
    original = xapi.store_one(data.statement(object=data.activity(target)))
    follow_up = xapi.store_one(data.statement(actor=data.agent("mailto:andrew@example.com"),
                                              verb={"id": "http://example.com/verbs/confirmed"},
                                              object={"objectType": "StatementRef", "id": original}))
    second = xapi.store_one(data.statement(object={"objectType": "StatementRef", "id": follow_up}))
    xapi.store_one(data.statement(context={"statement": {"objectType": "StatementRef", "id": original}}))
    assert set(xapi.ids({"activity": target})) == {original, follow_up, second}
    assert set(xapi.ids({"agent": {"mbox": data.MBOX}, "verb": data.VERB_ID, "activity": target})) >= {original}


def test_the_statement_ref_rule_follows_a_long_chain(xapi):
    """Comm 2.1.3.s3: "This rule applies recursively" — a statement reached through four
    StatementRefs still matches the filter of the statement at the end of the chain."""
    verb_id = unique_verb()
    chain = [xapi.store_one(data.statement(verb={"id": verb_id}))]
    for _ in range(4):
        chain.append(xapi.store_one(data.statement(object={"objectType": "StatementRef", "id": chain[-1]})))
    assert set(xapi.ids({"verb": verb_id})) == set(chain)


def test_the_statement_ref_rule_still_applies_since(xapi):
    """Comm 2.1.3.s3: time and sequence parameters still apply to the targeting statement itself."""
    target = "http://example.com/activities/timed"
    original = xapi.store_one(data.statement(object=data.activity(target)))
    time.sleep(0.003)
    follow_up = xapi.store_one(data.statement(object={"objectType": "StatementRef", "id": original}))
    since = xapi.fetch(original)["stored"]
    assert xapi.ids({"activity": target, "since": since}) == [follow_up]


def test_format_ids_keeps_only_identifiers(xapi):
    """Comm 2.1.3 format=ids: Agents, Groups, Activities and Verbs carry only what identifies
    them (no names, displays or definitions); anonymous group members likewise."""
    sent = data.statement(
        actor={"objectType": "Group", "name": "一班", "member": [data.agent("mailto:m@example.com")]},
        object=data.activity(name={"en-US": "Course"}, description={"en-US": "d"}))
    sid = xapi.store_one(sent)
    got = xapi.fetch(sid, format="ids")
    assert "display" not in got["verb"] and got["verb"]["id"] == data.VERB_ID
    assert "definition" not in got["object"] and got["object"]["id"] == data.ACTIVITY_ID
    assert "name" not in got["actor"]
    (member,) = got["actor"]["member"]
    assert member.get("mbox") == "mailto:m@example.com" and "name" not in member
    listed = xapi.get({"format": "ids"}).json()["statements"][0]
    assert "display" not in listed["verb"]


def test_format_exact_is_the_default(xapi):
    """Comm 2.1.3 format (default exact): objects populated exactly as received."""
    sent = data.statement(object=data.activity(name={"en-US": "Course", "zh-CN": "课程"}))
    got = xapi.fetch(xapi.store_one(sent))
    assert got["object"] == sent["object"]
    assert got["verb"] == sent["verb"]
    assert got["actor"] == sent["actor"]


@pytest.mark.parametrize("language,expected", [("zh-CN", "zh-CN"), ("en-US", "en-US"),
                                               ("fr;q=0.9, en-US;q=0.8", "en-US")])
def test_format_canonical_applies_accept_language_to_each_language_map(xapi, language, expected):
    """Comm 2.1.3.s4.b1/b5: in canonical format the LRS MUST return only one language in each
    activity language map, chosen by Accept-Language applied to each map; agents stay exact."""
    sent = data.statement(object=data.activity(name={"en-US": "Course", "zh-CN": "课程"},
                                               description={"en-US": "A course", "zh-CN": "一门课"}))
    sid = xapi.store_one(sent)
    response = xapi.get({"statementId": sid, "format": "canonical"}, accept_language=language)
    assert response.status_code == 200
    definition = response.json()["object"]["definition"]
    assert list(definition["name"]) == [expected]
    assert list(definition["description"]) == [expected]
    assert response.json()["actor"] == sent["actor"]


def test_format_canonical_keeps_one_language_for_interaction_components(xapi):
    """Comm 2.1.3.s4.b1: interaction component descriptions are language maps too."""
    obj = data.interaction("choice", choices=[{"id": "a", "description": {"en-US": "yes", "zh-CN": "是"}}])
    obj["definition"]["name"] = {"en-US": "Q", "zh-CN": "问"}
    sid = xapi.store_one(data.statement(object=obj))
    got = xapi.get({"statementId": sid, "format": "canonical"}, accept_language="zh-CN").json()
    assert got["object"]["definition"]["choices"][0]["description"] == {"zh-CN": "是"}


# --- Comm 1.5.2 multipart/mixed; Data 2.4.11 attachments ----------------------------

BOUNDARY = "abcABC0123'()+_,-./:=?"


def multipart(statement_body, parts: list[tuple[dict, bytes]], *, first_type: str = "application/json"):
    chunks = [f"--{BOUNDARY}\r\nContent-Type: {first_type}\r\n\r\n".encode(),
              json.dumps(statement_body, ensure_ascii=False).encode()]
    for headers, content in parts:
        chunks.append(f"\r\n--{BOUNDARY}\r\n".encode())
        chunks.append("".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode() + b"\r\n")
        chunks.append(content)
    chunks.append(f"\r\n--{BOUNDARY}--\r\n".encode())
    return b"".join(chunks), f'multipart/mixed; boundary="{BOUNDARY}"'


def part(content: bytes, content_type: str = "text/plain", sha2: str | None = None, *, cte: bool = True,
         hash_header: bool = True) -> tuple[dict, bytes]:
    headers = {"Content-Type": content_type}
    if cte:
        headers["Content-Transfer-Encoding"] = "binary"
    if hash_header:
        headers["X-Experience-API-Hash"] = sha2 or hashlib.sha256(content).hexdigest()
    return headers, content


TEXT = "here is a simple attachment".encode()
TEXT_SHA = hashlib.sha256(TEXT).hexdigest()


def with_text_attachment(**overrides) -> dict:
    return data.statement(attachments=[data.attachment(sha2=TEXT_SHA, length=len(TEXT))], **overrides)


def post_multipart(xapi: Xapi, body, parts, **kwargs):
    payload, content_type = multipart(body, parts, **kwargs)
    return xapi.post(payload, raw=True, content_type=content_type)


def test_a_multipart_statement_with_its_attachment_is_stored_and_served_back(xapi):
    """Comm 1.5.2.s3.b4: the LRS MUST accept statements with attachments in the multipart
    format; Comm 2.1.3.s2.b6: GET with attachments=true answers multipart/mixed with the
    statements first and each attachment part carrying X-Experience-API-Hash."""
    response = post_multipart(xapi, with_text_attachment(), [part(TEXT)])
    assert response.status_code == 200, response.content
    (sid,) = response.json()

    answer = xapi.get({"statementId": sid, "attachments": "true"})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("multipart/mixed")
    message = email.message_from_bytes(b"Content-Type: " + answer["Content-Type"].encode() + b"\r\n\r\n"
                                       + answer.content, policy=email.policy.HTTP)
    parts = list(message.iter_parts())
    assert parts[0].get_content_type() == "application/json"
    assert json.loads(parts[0].get_payload(decode=True))["id"] == sid
    assert parts[1]["X-Experience-API-Hash"] == TEXT_SHA
    assert parts[1].get_payload(decode=True) == TEXT

    listed = xapi.get({"attachments": "true"})
    assert listed["Content-Type"].startswith("multipart/mixed")


def test_get_without_attachments_answers_json(xapi):
    """Comm 2.1.3.s2.b7: attachments=false (the default) → no raw data, application/json."""
    sid = post_multipart(xapi, with_text_attachment(), [part(TEXT)]).json()[0]
    for params in ({"statementId": sid}, {"statementId": sid, "attachments": "false"}, {}):
        response = xapi.get(params)
        assert response["Content-Type"].startswith("application/json")
        assert TEXT not in response.content


def test_put_accepts_multipart(xapi):
    """Comm 1.5.2.s2.b2.b2: attachment parts are available for PUT as well as POST."""
    sid = data.new_id()
    payload, content_type = multipart(with_text_attachment(), [part(TEXT)])
    assert xapi.put(payload, sid, raw=True, content_type=content_type).status_code == 204
    assert xapi.fetch(sid)["attachments"][0]["sha2"] == TEXT_SHA


def test_one_part_serves_two_statements_of_a_batch(xapi):
    """Comm 1.5.2.s2.b2.b5: one copy of an attachment used by several statements of a batch."""
    response = post_multipart(xapi, [with_text_attachment(), with_text_attachment()], [part(TEXT)])
    assert response.status_code == 200
    assert len(response.json()) == 2


def test_multipart_without_attachments_is_accepted(xapi):
    """Comm 1.5.2.s3.b8/b9: multipart batches with no attachment objects, or only fileUrl ones."""
    assert post_multipart(xapi, data.statement(), []).status_code == 200
    with_url = data.statement(attachments=[data.attachment(fileUrl="http://example.com/a.txt")])
    assert post_multipart(xapi, with_url, []).status_code == 200


def test_it_rejects_an_attachment_whose_part_is_missing(xapi):
    """Comm 1.5.2.s3.b5: the LRS MUST reject statements having attachments that neither contain a
    fileUrl nor match a received part by hash."""
    assert post_multipart(xapi, with_text_attachment(), []).status_code == 400
    assert xapi.ids() == []


def test_it_rejects_a_part_whose_content_does_not_match_its_hash(xapi):
    """Comm 1.5.2.s1.b4: parts are matched by comparing the SHA-2 of the raw data with the
    declared sha2, and no other way; a part claiming the hash with other bytes matches nothing."""
    response = post_multipart(xapi, with_text_attachment(), [part(b"other bytes", sha2=TEXT_SHA)])
    assert response.status_code == 400
    assert xapi.ids() == []


def test_it_rejects_a_part_with_a_hash_no_statement_declares(xapi):
    """Comm 1.5.2.s2.b2.b2: each part after the first is the raw data of an attachment of the
    statements; a part no attachment declares (an extra part) is malformed."""
    response = post_multipart(xapi, with_text_attachment(), [part(TEXT), part(b"extra part")])
    assert response.status_code == 400
    assert xapi.ids() == []


def test_it_rejects_a_part_without_the_hash_header(xapi):
    """Comm 1.5.2.s2.b2.b3: each part after the first MUST include X-Experience-API-Hash."""
    assert post_multipart(xapi, with_text_attachment(), [part(TEXT, hash_header=False)]).status_code == 400


def test_it_rejects_a_part_without_binary_transfer_encoding(xapi):
    """Comm 1.5.2.s2.b2.b4: each part after the first MUST include Content-Transfer-Encoding: binary."""
    assert post_multipart(xapi, with_text_attachment(), [part(TEXT, cte=False)]).status_code == 400


def test_it_rejects_a_first_part_that_is_not_json(xapi):
    """Comm 1.5.2.s2.b2.b1/b6: the first part contains the statements, type application/json."""
    assert post_multipart(xapi, with_text_attachment(), [part(TEXT)], first_type="text/plain").status_code == 400


def test_it_rejects_a_part_header_that_contradicts_the_attachment(xapi):
    """Comm 1.5.2.s2.b2.b7: where a part parameter has a corresponding property of the attachment
    object and both are given, their values MUST match (here Content-Length vs length)."""
    body = data.statement(attachments=[data.attachment(sha2=TEXT_SHA, length=len(TEXT) + 5)])
    headers, content = part(TEXT)
    headers["Content-Length"] = str(len(TEXT))
    assert post_multipart(xapi, body, [(headers, content)]).status_code == 400
    assert xapi.ids() == []


# --- Data 2.6 signed statements ------------------------------------------------------

@lru_cache(maxsize=1)
def signing_material():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ganxun conformance signer")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    return key, base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jws(payload: dict, *, alg: str = "RS256", x5c: bool = True, tamper_signature: bool = False) -> bytes:
    key, cert = signing_material()
    header = {"alg": alg}
    if x5c:
        header["x5c"] = [cert]
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    digest = {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512()}.get(alg, hashes.SHA256())
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), digest)
    if tamper_signature:
        signature = bytes([signature[0] ^ 0xFF]) + signature[1:]
    return f"{signing_input}.{b64url(signature)}".encode()


def signed(statement_body: dict, token: bytes, content_type: str = "application/octet-stream"):
    body = dict(statement_body)
    body["attachments"] = [{"usageType": data.SIGNATURE_USAGE, "display": {"en-US": "Signature"},
                            "contentType": content_type, "length": len(token),
                            "sha2": hashlib.sha256(token).hexdigest()}]
    return body, [part(token, content_type="application/octet-stream")]


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_a_correctly_signed_statement_is_accepted(xapi, alg):
    """Data 2.6: a JWS (RS256/384/512) over the statement minus signature, attached with usageType
    .../signature and contentType application/octet-stream, with an x5c certificate that
    validates the signature, is accepted and stored with its signature attachment."""
    original = data.statement(id=data.new_id())
    body, parts = signed(original, jws(original, alg=alg))
    response = post_multipart(xapi, body, parts)
    assert response.status_code == 200, response.content
    assert xapi.fetch(original["id"])["attachments"][0]["usageType"] == data.SIGNATURE_USAGE


def test_a_signed_statement_without_certificate_is_accepted(xapi):
    """Data 2.6: x5c is a SHOULD; without it the LRS cannot check the signature, only the payload."""
    original = data.statement(id=data.new_id())
    body, parts = signed(original, jws(original, x5c=False))
    assert post_multipart(xapi, body, parts).status_code == 200


def test_a_statement_changed_after_signing_is_rejected(xapi):
    """Data 2.6: the LRS MUST validate that the "original" statement in the JWS payload is
    logically equivalent to the received statement, and reject with 400 otherwise."""
    original = data.statement(id=data.new_id())
    token = jws(original)
    tampered = data.statement(id=original["id"], result={"success": True, "score": {"scaled": 1}})
    body, parts = signed(tampered, token)
    assert post_multipart(xapi, body, parts).status_code == 400
    assert xapi.get({"statementId": original["id"]}).status_code == 404


def test_a_signature_that_does_not_verify_against_its_certificate_is_rejected(xapi):
    """Data 2.6: if the JWS header includes an X.509 certificate, the LRS MUST validate the
    signature against it (400 when it fails)."""
    original = data.statement(id=data.new_id())
    body, parts = signed(original, jws(original, tamper_signature=True))
    assert post_multipart(xapi, body, parts).status_code == 400


def test_a_signature_with_a_non_rsa_algorithm_is_rejected(xapi):
    """Data 2.6: the JWS signature MUST use RS256, RS384 or RS512."""
    original = data.statement(id=data.new_id())
    body, parts = signed(original, jws(original, alg="HS256", x5c=False))
    assert post_multipart(xapi, body, parts).status_code == 400


def test_a_signature_that_is_not_a_jws_is_rejected(xapi):
    """Data 2.6: the LRS MUST reject statements with malformed signatures with 400."""
    body, parts = signed(data.statement(), b"this is not a jws")
    assert post_multipart(xapi, body, parts).status_code == 400


def test_a_signature_attachment_with_another_content_type_is_rejected(xapi):
    """Data 2.6: the signature attachment has contentType application/octet-stream."""
    original = data.statement(id=data.new_id())
    body, parts = signed(original, jws(original), content_type="text/plain")
    assert post_multipart(xapi, body, parts).status_code == 400


# --- Comm 1.3 alternate request syntax (1.0.3 only) ---------------------------------

def alternate(xapi: Xapi, method: str, form: dict, *, query_extra: str = "", version: str = "1.0.3",
              headers_in_form: bool = True):
    fields = dict(form)
    extra = {}
    if headers_in_form:
        fields["Authorization"] = xapi.auth["HTTP_AUTHORIZATION"]
        fields["X-Experience-API-Version"] = version
    else:
        extra = xapi.extra(version)
    from urllib.parse import urlencode
    return xapi.http.post(f"{STATEMENTS}?method={method}{query_extra}", data=urlencode(fields),
                          content_type="application/x-www-form-urlencoded", **extra)


def test_alternate_syntax_put_with_headers_as_form_fields(xapi):
    """Comm 1.3: POST ?method=PUT with the content, statementId and the headers (Authorization,
    X-Experience-API-Version, Content-Type) as form parameters MUST be supported."""
    sid = data.new_id()
    response = alternate(xapi, "PUT", {"statementId": sid, "Content-Type": "application/json",
                                       "content": json.dumps(data.statement())})
    assert response.status_code == 204, response.content
    assert xapi.fetch(sid)["id"] == sid


def test_alternate_syntax_post_stores_statements(xapi):
    """Comm 1.3: POST ?method=POST with the statements as the "content" form parameter."""
    response = alternate(xapi, "POST", {"content": json.dumps([data.statement(), data.statement()]),
                                        "Content-Type": "application/json"}, headers_in_form=False)
    assert response.status_code == 200
    assert len(response.json()) == 2


def test_alternate_syntax_get_takes_filters_from_the_form(xapi):
    """Comm 1.3 / 2.1.2.s2.b2: GET statements may be sent as POST ?method=GET with the query
    parameters as form parameters."""
    verb_id = unique_verb()
    sid = xapi.store_one(data.statement(verb={"id": verb_id}))
    xapi.store_one(data.statement())
    response = alternate(xapi, "GET", {"verb": verb_id})
    assert response.status_code == 200
    assert [s["id"] for s in response.json()["statements"]] == [sid]
    assert CONSISTENT in response.headers


def test_alternate_syntax_with_other_query_parameters_is_rejected(xapi):
    """Comm 1.3.s3.b3: no query string parameters other than "method"; such a request is malformed."""
    sid = data.new_id()
    response = alternate(xapi, "PUT", {"content": json.dumps(data.statement())}, query_extra=f"&statementId={sid}")
    assert response.status_code == 400
    assert xapi.get({"statementId": sid}).status_code == 404


def test_alternate_syntax_with_an_unknown_method_is_rejected(xapi):
    """Comm 1.3: the method parameter names an xAPI method of the resource."""
    assert alternate(xapi, "PATCH", {"content": json.dumps(data.statement())}).status_code in (400, 405)


def test_alternate_syntax_put_is_validated_like_put(xapi):
    """Comm 1.3 + Data 2.2: statements sent with the alternate syntax are validated as usual."""
    sid = data.new_id()
    response = alternate(xapi, "PUT", {"statementId": sid, "content": json.dumps(data.statement(actor={"x": 1}))})
    assert response.status_code == 400
    assert xapi.get({"statementId": sid}).status_code == 404


# --- xAPI 2.0.0 ----------------------------------------------------------------------

def test_2_0_statements_get_version_2_0_0_and_the_version_header(xapi2):
    """xAPI 2.0.0 Data 2.4.10: a statement without version is stored as "2.0.0"; responses carry
    X-Experience-API-Version: 2.0.0."""
    response = xapi2.post(data.statement())
    assert response.status_code == 200
    assert response.headers["X-Experience-API-Version"] == "2.0.0"
    got = xapi2.fetch(response.json()[0])
    assert got["version"] == "2.0.0"


def test_2_0_accepts_1_0_statements(xapi2):
    """xAPI 2.0.0 Data 2.4.10: the LRS accepts statements whose version starts with 1.0. or 2.0."""
    assert xapi2.post(data.statement(version="1.0.3")).status_code == 200
    assert xapi2.post(data.statement(version="2.0.0")).status_code == 200
    assert xapi2.post(data.statement(version="3.0.0")).status_code == 400


def test_2_0_requires_a_timestamp_offset_that_1_0_3_tolerates(xapi, xapi2):
    """xAPI 2.0.0 Data 4.5: timestamps MUST include a time zone offset; 1.0.3 only SHOULD*."""
    local = data.statement(timestamp="2024-05-18T05:32:34.804")
    assert xapi2.post(local).status_code == 400
    assert xapi.post(local).status_code == 200


@pytest.mark.parametrize("build", [pytest.param(b, id=case) for case, b in data.INVALID_STATEMENTS_2_0])
def test_2_0_rejects_invalid_context_agents_groups_and_timestamps(xapi2, build):
    """xAPI 2.0.0 Data 2.4.6: contextAgents is an array of contextAgent objects (objectType
    "contextAgent", an Agent, optional non-empty relevantTypes of IRIs); contextGroups likewise
    with a Group; nothing else is allowed."""
    assert xapi2.post(build()).status_code == 400
    assert xapi2.ids() == []


def test_2_0_accepts_context_agents_and_groups(xapi2):
    """xAPI 2.0.0 Data 2.4.6: well-formed contextAgents and contextGroups are stored as sent."""
    context = {"contextAgents": [data.context_agent(), {"objectType": "contextAgent",
                                                        "agent": {"mbox": "mailto:x@example.com"}}],
               "contextGroups": [data.context_group()]}
    sid = xapi2.store_one(data.statement(context=context))
    assert xapi2.fetch(sid)["context"] == context


def test_1_0_3_rejects_context_agents(xapi):
    """Data 2.2 (1.0.3): contextAgents is not a 1.0.3 property, so it is an unknown property there."""
    assert xapi.post(data.statement(context={"contextAgents": [data.context_agent()]})).status_code == 400


def test_2_0_refuses_the_alternate_request_syntax(xapi2):
    """xAPI 2.0.0 Comm 1.3: the alternate request syntax was removed; such requests are 400."""
    sid = data.new_id()
    response = alternate(xapi2, "PUT", {"statementId": sid, "content": json.dumps(data.statement())},
                         version="2.0.0", headers_in_form=False)
    assert response.status_code == 400
    assert xapi2.get({"statementId": sid}).status_code == 404


def test_2_0_statements_are_readable_over_1_0_3(xapi, xapi2):
    """Comm 3.3: one store; a statement written over 2.0.0 is retrievable by id over 1.0.3 too."""
    sid = xapi2.store_one(data.statement())
    assert xapi.get({"statementId": sid}).status_code == 200
