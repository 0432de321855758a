"""The Statement resource over HTTP: writes, reads, filters, paging, voiding,
conflicts, attachments, signatures, alternate syntax, permissions, services."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
import urllib.parse
import uuid

import pytest
from django.test import Client

from ganxun.lrs import http as lrs_http
from ganxun.lrs.models import XapiAttachment, XapiStatement
from ganxun.lrs.services import agent_for_account, lrs_system_client, statements_store
from ganxun.lrs.tests.factories import SITE, basic_auth, make_lrs_client, make_statement

URL = "/xapi/statements"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


class Lrs:
    """A Django test client speaking to /xapi/ with one LRS client's credentials."""

    def __init__(self, version: str = "1.0.3", **perms):
        self.client_obj, self.key, self.secret = make_lrs_client(**perms)
        self.http = Client()
        self.headers = basic_auth(self.key, self.secret, version)

    def post(self, payload, **params):
        url = URL + ("?" + urllib.parse.urlencode(params) if params else "")
        return self.http.post(url, data=json.dumps(payload), content_type="application/json", **self.headers)

    def put(self, payload, statement_id, content_type="application/json"):
        return self.http.put(f"{URL}?statementId={statement_id}", data=json.dumps(payload),
                             content_type=content_type, **self.headers)

    def get(self, url=URL, **params):
        if params:
            url += "?" + urllib.parse.urlencode(params)
        return self.http.get(url, **self.headers)

    def get_json(self, **params):
        response = self.get(**params)
        assert response.status_code == 200, response.content
        return response.json()


@pytest.fixture(autouse=True)
def _fresh_credentials():
    lrs_http.forget_cached_clients()
    yield
    lrs_http.forget_cached_clients()


@pytest.fixture
def lrs(db):
    return Lrs(can_read_all=True)


def ids_of(answer) -> list[str]:
    return [s["id"] for s in answer["statements"]]


# --- writes ------------------------------------------------------------------------------

def test_it_stores_a_posted_statement_and_fills_in_lrs_properties(lrs):
    statement = make_statement()
    response = lrs.post(statement)
    assert response.status_code == 200
    assert response.json() == [statement["id"]]
    assert response["X-Experience-API-Version"] == "1.0.3"
    stored = lrs.get(statementId=statement["id"]).json()
    assert stored["id"] == statement["id"]
    assert stored["version"] == "1.0.0"
    assert stored["authority"] == lrs.client_obj.authority
    assert stored["timestamp"] == stored["stored"]
    assert stored["stored"].endswith("Z")


def test_it_generates_an_id_when_the_statement_has_none(lrs):
    statement = make_statement()
    del statement["id"]
    response = lrs.post(statement)
    assert response.status_code == 200
    [new_id] = response.json()
    assert uuid.UUID(new_id)
    assert XapiStatement.objects.filter(statement_id=new_id).exists()


def test_it_stores_a_batch_and_returns_ids_in_order(lrs):
    batch = [make_statement() for _ in range(5)]
    response = lrs.post(batch)
    assert response.json() == [s["id"] for s in batch]
    assert XapiStatement.objects.count() == 5


def test_it_stores_nothing_when_one_statement_of_a_batch_is_invalid(lrs):
    batch = [make_statement() for _ in range(4)]
    batch[3]["result"] = {"score": {"scaled": 1.5}}
    response = lrs.post(batch)
    assert response.status_code == 400
    assert "statements[3].result.score.scaled: must be between -1 and 1" in response.json()["error"]["message"]
    assert XapiStatement.objects.count() == 0


def test_it_rejects_duplicate_ids_within_one_batch(lrs):
    statement = make_statement()
    response = lrs.post([statement, dict(statement)])
    assert response.status_code == 400
    assert XapiStatement.objects.count() == 0


def test_it_accepts_the_same_statement_again_and_stores_it_once(lrs):
    statement = make_statement()
    assert lrs.post(statement).status_code == 200
    again = dict(statement, verb={"id": statement["verb"]["id"], "display": {"en-US": "other display"}})
    assert lrs.post(again).status_code == 200
    assert lrs.put(statement, statement["id"]).status_code == 204
    assert XapiStatement.objects.count() == 1


def test_it_answers_409_for_the_same_id_with_different_content_and_changes_nothing(lrs):
    statement = make_statement()
    lrs.post(statement)
    body_before = XapiStatement.objects.get().body
    changed = dict(statement, object={"objectType": "Activity", "id": "http://example.com/other"})
    other = make_statement()
    response = lrs.post([other, changed])
    assert response.status_code == 409
    assert lrs.put(changed, statement["id"]).status_code == 409
    assert XapiStatement.objects.count() == 1
    assert XapiStatement.objects.get().body == body_before


def test_it_accepts_a_statement_fetched_back_and_put_again(lrs):
    statement = make_statement()
    lrs.post(statement)
    fetched = lrs.get(statementId=statement["id"]).json()
    assert lrs.put(fetched, statement["id"]).status_code == 204


def test_put_requires_the_statement_id_parameter_to_match(lrs):
    statement = make_statement()
    assert lrs.put(statement, str(uuid.uuid4())).status_code == 400
    response = lrs.http.put(URL, data=json.dumps(statement), content_type="application/json", **lrs.headers)
    assert response.status_code == 400
    assert lrs.put(statement, statement["id"]).status_code == 204


def test_it_rejects_other_content_types_on_writes(lrs):
    response = lrs.http.post(URL, data=json.dumps(make_statement()), content_type="text/plain", **lrs.headers)
    assert response.status_code == 400
    assert XapiStatement.objects.count() == 0


def test_it_rejects_invalid_json(lrs):
    response = lrs.http.post(URL, data="{not json", content_type="application/json", **lrs.headers)
    assert response.status_code == 400


def test_it_overrides_a_claimed_authority_with_the_clients_own(lrs):
    statement = make_statement(authority={"objectType": "Agent", "mbox": "mailto:boss@example.com"})
    lrs.post(statement)
    assert lrs.get(statementId=statement["id"]).json()["authority"] == lrs.client_obj.authority


def test_it_answers_413_for_an_oversized_body(lrs, settings):
    settings.GANXUN_LRS_MAX_BODY_MB = 1
    big = make_statement(result={"response": "x" * (1024 * 1024 + 10)})
    response = lrs.post(big)
    assert response.status_code == 413
    assert XapiStatement.objects.count() == 0


def test_it_rejects_missing_and_unknown_versions(lrs):
    headers = dict(lrs.headers)
    headers["HTTP_X_EXPERIENCE_API_VERSION"] = "0.95"
    assert lrs.http.get(URL, **headers).status_code == 400
    del headers["HTTP_X_EXPERIENCE_API_VERSION"]
    assert lrs.http.get(URL, **headers).status_code == 400


def test_it_answers_401_without_credentials(db):
    response = Client().get(URL, HTTP_X_EXPERIENCE_API_VERSION="1.0.3")
    assert response.status_code == 401


# --- reads and filters -------------------------------------------------------------------

def test_get_returns_statements_newest_first_with_consistent_through(lrs):
    batch = [make_statement() for _ in range(3)]
    for statement in batch:
        lrs.post(statement)
    response = lrs.get()
    assert response.status_code == 200
    assert ids_of(response.json()) == [s["id"] for s in reversed(batch)]
    assert response.json()["more"] == ""
    assert response["X-Experience-API-Consistent-Through"].endswith("Z")
    assert ids_of(lrs.get_json(ascending="true")) == [s["id"] for s in batch]


def test_single_statement_get_has_last_modified_and_head_has_no_body(lrs):
    statement = make_statement()
    lrs.post(statement)
    response = lrs.get(statementId=statement["id"])
    assert response.status_code == 200
    assert response["Last-Modified"].endswith("GMT")
    assert "X-Experience-API-Consistent-Through" in response
    head = lrs.http.head(f"{URL}?statementId={statement['id']}", **lrs.headers)
    assert head.status_code == 200
    assert head.content == b""
    assert lrs.get(statementId=str(uuid.uuid4())).status_code == 404


def test_it_filters_by_agent_verb_activity_and_registration(lrs):
    registration = str(uuid.uuid4())
    bob = {"mbox": "mailto:bob@example.com"}
    target = make_statement(actor=bob, verb="http://adlnet.gov/expapi/verbs/completed",
                            activity="http://example.com/course/9", context={"registration": registration})
    lrs.post([make_statement(), target, make_statement(activity="http://example.com/course/9")])
    assert ids_of(lrs.get_json(agent=json.dumps(bob))) == [target["id"]]
    assert ids_of(lrs.get_json(verb="http://adlnet.gov/expapi/verbs/completed")) == [target["id"]]
    assert len(ids_of(lrs.get_json(activity="http://example.com/course/9"))) == 2
    assert ids_of(lrs.get_json(registration=registration)) == [target["id"]]
    assert ids_of(lrs.get_json(agent=json.dumps(bob), activity="http://example.com/course/9")) == [target["id"]]


def test_agent_filter_matches_the_object_agent_and_group_members(lrs):
    bob = {"objectType": "Agent", "mbox": "mailto:bob@example.com"}
    as_object = make_statement()
    as_object["object"] = bob
    as_member = make_statement(actor={"objectType": "Group", "member": [bob, {"mbox": "mailto:x@example.com"}]})
    lrs.post([make_statement(), as_object, as_member])
    assert set(ids_of(lrs.get_json(agent=json.dumps(bob)))) == {as_object["id"], as_member["id"]}


def test_related_filters_reach_context_and_instructor(lrs):
    teacher = {"mbox": "mailto:teacher@example.com"}
    statement = make_statement(context={
        "instructor": teacher,
        "contextActivities": {"parent": {"id": "http://example.com/course/parent"}},
    })
    lrs.post([make_statement(), statement])
    assert ids_of(lrs.get_json(activity="http://example.com/course/parent")) == []
    assert ids_of(lrs.get_json(activity="http://example.com/course/parent", related_activities="true")) \
        == [statement["id"]]
    assert ids_of(lrs.get_json(agent=json.dumps(teacher))) == []
    assert ids_of(lrs.get_json(agent=json.dumps(teacher), related_agents="true")) == [statement["id"]]
    # the authority is the client's
    assert len(ids_of(lrs.get_json(agent=json.dumps(lrs.client_obj.authority), related_agents="true"))) == 2


def test_since_and_until_bound_by_stored_time(lrs):
    first = make_statement()
    lrs.post(first)
    stored = lrs.get(statementId=first["id"]).json()["stored"]
    time.sleep(0.01)
    second = make_statement()
    lrs.post(second)
    assert ids_of(lrs.get_json(since=stored)) == [second["id"]]
    assert ids_of(lrs.get_json(until=stored)) == [first["id"]]


def test_it_rejects_unknown_parameters_and_bad_values(lrs):
    assert lrs.get(foo="bar").status_code == 400
    assert lrs.get(limit="-1").status_code == 400
    assert lrs.get(agent="{not json}").status_code == 400
    assert lrs.get(agent=json.dumps({"mbox": "bob@example.com"})).status_code == 400
    assert lrs.get(format="full").status_code == 400
    assert lrs.get(statementId=str(uuid.uuid4()), voidedStatementId=str(uuid.uuid4())).status_code == 400
    assert lrs.get(statementId=str(uuid.uuid4()), verb="http://x.y/z").status_code == 400


def test_more_pages_walk_every_statement_once_while_new_ones_arrive(lrs):
    batch = [make_statement() for _ in range(7)]
    lrs.post(batch)
    seen = []
    answer = lrs.get_json(limit=3)
    seen += ids_of(answer)
    lrs.post(make_statement())  # arrives while the client pages
    while answer["more"]:
        assert answer["more"].startswith("/xapi/statements?more=")
        answer = lrs.get(answer["more"]).json()
        seen += ids_of(answer)
    assert seen == [s["id"] for s in reversed(batch)]


def test_format_ids_and_canonical(lrs):
    statement = make_statement()
    statement["object"]["definition"] = {"name": {"en-US": "Course", "zh-CN": "课程"}}
    lrs.post(statement)
    ids = lrs.get_json(format="ids")["statements"][0]
    assert ids["verb"] == {"id": statement["verb"]["id"]}
    assert ids["object"] == {"objectType": "Activity", "id": statement["object"]["id"]}
    assert ids["actor"] == {"objectType": "Agent", "mbox": "mailto:learner@example.com"}
    response = lrs.http.get(URL + "?format=canonical", HTTP_ACCEPT_LANGUAGE="zh-CN,en;q=0.5", **lrs.headers)
    canonical = response.json()["statements"][0]
    assert canonical["verb"]["display"] == {"zh-CN": "学习了"}
    assert canonical["object"]["definition"]["name"] == {"zh-CN": "课程"}
    exact = lrs.get_json()["statements"][0]
    assert exact["object"]["definition"]["name"] == {"en-US": "Course", "zh-CN": "课程"}


# --- voiding -----------------------------------------------------------------------------

def voiding(target_id: str) -> dict:
    return make_statement(verb=VOIDED) | {"object": {"objectType": "StatementRef", "id": target_id}}


def test_voided_statements_leave_queries_but_stay_readable_by_voided_statement_id(lrs):
    target = make_statement()
    lrs.post(target)
    void = voiding(target["id"])
    assert lrs.post(void).status_code == 200
    assert ids_of(lrs.get_json()) == [void["id"]]
    assert lrs.get(statementId=target["id"]).status_code == 404
    assert lrs.get(voidedStatementId=target["id"]).json()["id"] == target["id"]
    assert lrs.get(voidedStatementId=void["id"]).status_code == 404
    assert lrs.get(statementId=void["id"]).status_code == 200


def test_a_voiding_statement_stored_before_its_target_voids_it_on_arrival(lrs):
    target = make_statement()
    lrs.post(voiding(target["id"]))
    lrs.post(target)
    assert XapiStatement.objects.get(statement_id=target["id"]).voided is True


def test_it_rejects_voiding_a_voiding_statement(lrs):
    target = make_statement()
    first = voiding(target["id"])
    lrs.post([target, first])
    response = lrs.post(voiding(first["id"]))
    assert response.status_code == 400
    assert XapiStatement.objects.count() == 2


def test_it_rejects_the_voided_verb_without_a_statement_ref(lrs):
    response = lrs.post(make_statement(verb=VOIDED))
    assert response.status_code == 400


def test_filters_also_return_statements_that_refer_to_matching_ones(lrs):
    target = make_statement(activity="http://example.com/course/ref")
    lrs.post(target)
    void = voiding(target["id"])
    lrs.post(void)
    # The target is voided, but the voiding statement refers to a statement with this activity.
    assert ids_of(lrs.get_json(activity="http://example.com/course/ref")) == [void["id"]]


# --- attachments and signatures -------------------------------------------------------------

def multipart(statements, parts, boundary="abc123boundary"):
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), json.dumps(statements).encode(),
              b"\r\n"]
    for content_type, content in parts:
        sha2 = hashlib.sha256(content).hexdigest()
        chunks += [f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
                   f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode(), content, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f'multipart/mixed; boundary="{boundary}"'


def attachment_header(content: bytes, content_type="text/plain", usage="http://example.com/usage/note"):
    return {"usageType": usage, "display": {"en-US": "note"}, "contentType": content_type,
            "length": len(content), "sha2": hashlib.sha256(content).hexdigest()}


def test_it_stores_attachments_once_and_serves_them_as_multipart(lrs):
    content = "学习心得：很有收获。".encode()
    first = make_statement(attachments=[attachment_header(content)])
    second = make_statement(attachments=[attachment_header(content)])
    body, content_type = multipart([first, second], [("text/plain", content)])
    response = lrs.http.post(URL, data=body, content_type=content_type, **lrs.headers)
    assert response.status_code == 200, response.content
    assert XapiAttachment.objects.count() == 1
    answer = lrs.get(statementId=first["id"], attachments="true")
    assert answer["Content-Type"].startswith("multipart/mixed")
    assert content in answer.content
    assert hashlib.sha256(content).hexdigest().encode() in answer.content


def test_it_rejects_an_attachment_without_its_part_and_a_part_without_its_attachment(lrs):
    content = b"hello"
    statement = make_statement(attachments=[attachment_header(content)])
    assert lrs.post(statement).status_code == 400
    body, content_type = multipart([make_statement()], [("text/plain", content)])
    assert lrs.http.post(URL, data=body, content_type=content_type, **lrs.headers).status_code == 400
    assert XapiStatement.objects.count() == 0


def test_it_accepts_a_file_url_attachment_without_a_part(lrs):
    header = attachment_header(b"remote") | {"fileUrl": "https://files.example.com/a.txt"}
    assert lrs.post(make_statement(attachments=[header])).status_code == 200


def _signed(statement: dict, *, tamper: bool = False):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ganxun test")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    der = cert.public_bytes(serialization.Encoding.DER)

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    header = b64(json.dumps({"alg": "RS256", "x5c": [base64.b64encode(der).decode()]}).encode())
    payload_statement = dict(statement)
    if tamper:
        payload_statement["verb"] = {"id": "http://example.com/verbs/other"}
    payload = b64(json.dumps(payload_statement).encode())
    signature = key.sign(f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    jws = f"{header}.{payload}.{b64(signature)}".encode()
    signed = dict(statement, attachments=[attachment_header(
        jws, "application/octet-stream", "http://adlnet.gov/expapi/attachments/signature")])
    return signed, jws


def test_it_accepts_a_correctly_signed_statement(lrs):
    signed, jws = _signed(make_statement())
    body, content_type = multipart([signed], [("application/octet-stream", jws)])
    response = lrs.http.post(URL, data=body, content_type=content_type, **lrs.headers)
    assert response.status_code == 200, response.content


def test_it_rejects_a_signature_whose_payload_differs_from_the_statement(lrs):
    signed, jws = _signed(make_statement(), tamper=True)
    body, content_type = multipart([signed], [("application/octet-stream", jws)])
    response = lrs.http.post(URL, data=body, content_type=content_type, **lrs.headers)
    assert response.status_code == 400
    assert "does not match" in response.json()["error"]["message"]


def test_it_rejects_a_malformed_signature(lrs):
    jws = b"not-a-jws"
    signed = make_statement(attachments=[attachment_header(
        jws, "application/octet-stream", "http://adlnet.gov/expapi/attachments/signature")])
    body, content_type = multipart([signed], [("application/octet-stream", jws)])
    assert lrs.http.post(URL, data=body, content_type=content_type, **lrs.headers).status_code == 400


# --- alternate request syntax --------------------------------------------------------------

def _alternate(lrs, method: str, form: dict, query: str = ""):
    data = urllib.parse.urlencode(form)
    return lrs.http.post(f"{URL}?method={method}{query}", data=data,
                         content_type="application/x-www-form-urlencoded")


def test_the_alternate_syntax_puts_and_gets_statements(lrs):
    statement = make_statement()
    auth = {"Authorization": lrs.headers["HTTP_AUTHORIZATION"], "X-Experience-API-Version": "1.0.3"}
    response = _alternate(lrs, "PUT", {**auth, "Content-Type": "application/json",
                                       "content": json.dumps(statement), "statementId": statement["id"]})
    assert response.status_code == 204, response.content
    response = _alternate(lrs, "GET", {**auth, "statementId": statement["id"]})
    assert response.status_code == 200
    assert response.json()["id"] == statement["id"]


def test_the_alternate_syntax_refuses_other_query_parameters_and_version_2(lrs):
    auth = {"Authorization": lrs.headers["HTTP_AUTHORIZATION"], "X-Experience-API-Version": "1.0.3"}
    assert _alternate(lrs, "GET", auth, "&limit=1").status_code == 400
    auth["X-Experience-API-Version"] = "2.0.0"
    assert _alternate(lrs, "GET", auth).status_code == 400


# --- 2.0.0 ---------------------------------------------------------------------------------

def test_version_2_sets_version_and_enforces_timestamp_offsets(db):
    lrs = Lrs(version="2.0.0", can_read_all=True)
    statement = make_statement()
    assert lrs.post(statement).status_code == 200
    stored = lrs.get(statementId=statement["id"])
    assert stored["X-Experience-API-Version"] == "2.0.0"
    assert stored.json()["version"] == "2.0.0"
    assert lrs.post(make_statement(timestamp="2024-05-01T08:00:00")).status_code == 400
    assert lrs.post(make_statement(timestamp="2024-05-01T08:00:00-00:00")).status_code == 400
    assert lrs.post(make_statement(timestamp="2024-05-01T08:00:00+08:00")).status_code == 200
    agents = {"contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:t@example.com"},
                                 "relevantTypes": ["http://example.com/types/teacher"]}]}
    assert lrs.post(make_statement(context=agents)).status_code == 200
    old = Lrs(version="1.0.3")
    assert old.post(make_statement(context=agents)).status_code == 400


def test_about_needs_no_credentials(db):
    response = Client().get("/xapi/about")
    assert response.status_code == 200
    assert response.json()["version"] == ["1.0.3", "2.0.0"]


# --- permissions and scope -------------------------------------------------------------------

def test_a_write_only_client_cannot_read(db):
    writer = Lrs(can_read_own=False, can_read_all=False)
    assert writer.post(make_statement()).status_code == 200
    assert writer.get().status_code == 403


def test_a_read_only_client_cannot_write(db):
    reader = Lrs(can_write=False, can_read_all=True)
    assert reader.post(make_statement()).status_code == 403
    assert XapiStatement.objects.count() == 0


def test_read_own_sees_only_its_own_statements(db):
    mine, theirs = Lrs(), Lrs()
    own = make_statement()
    mine.post(own)
    other = make_statement()
    theirs.post(other)
    assert ids_of(mine.get_json()) == [own["id"]]
    assert mine.get(statementId=other["id"]).status_code == 404


def _cadre_statement(account) -> dict:
    return make_statement(actor=agent_for_account(account))


def test_a_scoped_client_sees_its_subtree_cadres_and_its_own_statements(cast, settings):
    settings.GANXUN_SITE_URL = SITE
    writer = Lrs()
    carol_statement = _cadre_statement(cast.carol)  # carol: a cadre of unit A1 in county A
    anonymous = make_statement()
    writer.post([carol_statement, anonymous])
    assert XapiStatement.objects.get(statement_id=carol_statement["id"]).person_id == cast.carol_cadre.person_id
    county_a = Lrs(can_read_all=True, scope=cast.county_a)
    own = make_statement()
    county_a.post(own)
    assert set(ids_of(county_a.get_json())) == {carol_statement["id"], own["id"]}


def test_the_outsider_county_b_client_cannot_read_county_a_statements(cast, settings):
    settings.GANXUN_SITE_URL = SITE
    writer = Lrs()
    carol_statement = _cadre_statement(cast.carol)
    writer.post(carol_statement)
    county_b = Lrs(can_read_all=True, scope=cast.county_b)
    assert ids_of(county_b.get_json()) == []
    assert county_b.get(statementId=carol_statement["id"]).status_code == 404
    assert ids_of(county_b.get_json(agent=json.dumps(agent_for_account(cast.carol)))) == []


# --- the service API -------------------------------------------------------------------------

def test_statements_store_is_the_same_path_as_http(cast, settings):
    settings.GANXUN_SITE_URL = SITE
    system = lrs_system_client()
    assert system.is_system and system.can_read_all
    assert lrs_system_client().pk == system.pk
    statement = _cadre_statement(cast.carol)
    del statement["id"]
    [statement_id] = statements_store(client=system, statements=[statement])
    row = XapiStatement.objects.get(statement_id=statement_id)
    assert row.client_id == system.pk
    assert row.person_id == cast.carol_cadre.person_id
    assert json.loads(row.body)["actor"]["account"] == {"homePage": SITE, "name": "carol"}


def test_statements_store_raises_xapi_errors(db):
    system = lrs_system_client()
    bad = make_statement()
    bad["actor"] = {"mbox": "not-an-email"}
    with pytest.raises(lrs_http.XapiError) as error:
        statements_store(client=system, statements=[bad])
    assert error.value.status == 400
    assert "statements[0].actor.mbox" in error.value.message


def test_agent_for_account_uses_the_site_url(cast, settings):
    settings.GANXUN_SITE_URL = "https://ganxun.example.gov.cn"
    assert agent_for_account(cast.carol) == {
        "objectType": "Agent", "name": "卡萝",
        "account": {"homePage": "https://ganxun.example.gov.cn", "name": "carol"},
    }


@pytest.mark.django_db(transaction=True)
def test_two_workers_storing_the_same_id_at_once_store_it_once():
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises writes)")
    client = lrs_system_client()
    statement = make_statement()
    results, barrier = [], threading.Barrier(4)

    def worker():
        try:
            barrier.wait()
            results.append(statements_store(client=client, statements=[json.loads(json.dumps(statement))]))
        except Exception as exc:  # noqa: BLE001 - the assertion below reports it
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [[statement["id"]]] * 4
    assert XapiStatement.objects.filter(statement_id=statement["id"]).count() == 1
