"""The State, Activity Profile and Agent Profile resources (xAPI 1.0.3 Communication §2.2–2.7,
§3.1 Concurrency, §3.2 Error codes; 2.0.0 §4.1.4–4.1.6)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from urllib.parse import urlencode

import pytest
from django.test import Client, override_settings
from django.utils.http import parse_http_date

from ganxun.lrs import http
from ganxun.lrs.models import LrsClient, XapiDocument

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"
ACTIVITY = "http://example.com/activities/course-1"
AGENT = {"objectType": "Agent", "mbox": "mailto:learner@example.com", "name": "学员甲"}
REGISTRATION = "ec531277-b57b-4c15-8d91-d292c5b2b8f7"
STATE_URL = "/xapi/activities/state"
ACTIVITY_PROFILE_URL = "/xapi/activities/profile"
AGENT_PROFILE_URL = "/xapi/agents/profile"


def make_client(name="学习应用", **fields) -> tuple[LrsClient, str, str]:
    """A client with Basic credentials (stands in for factories.make_lrs_client)."""
    key = "test-" + secrets.token_hex(6)
    secret = secrets.token_urlsafe(24)
    client = LrsClient.objects.create(name=name, key=key, secret_hash=http.secret_hash(secret),
                                      authority={"objectType": "Agent", "mbox": f"mailto:{key}@example.com"},
                                      **fields)
    http.forget_cached_clients()
    return client, key, secret


class Lrs:
    """A test client speaking xAPI with one client's credentials and a version."""

    def __init__(self, key: str, secret: str, version: str = "1.0.3"):
        self.http = Client()
        token = base64.b64encode(f"{key}:{secret}".encode()).decode()
        self.headers = {"HTTP_AUTHORIZATION": f"Basic {token}", "HTTP_X_EXPERIENCE_API_VERSION": version}

    @staticmethod
    def url(path: str, params: dict) -> str:
        query = {k: (json.dumps(v) if isinstance(v, dict) else v) for k, v in params.items()}
        return f"{path}?{urlencode(query)}" if query else path

    def get(self, path, params, **headers):
        return self.http.get(self.url(path, params), **self.headers, **headers)

    def head(self, path, params, **headers):
        return self.http.head(self.url(path, params), **self.headers, **headers)

    def put(self, path, params, body, content_type="application/json", **headers):
        return self.http.put(self.url(path, params), data=_bytes(body), content_type=content_type,
                             **self.headers, **headers)

    def post(self, path, params, body, content_type="application/json", **headers):
        return self.http.generic("POST", self.url(path, params), data=_bytes(body), content_type=content_type,
                                 **self.headers, **headers)

    def delete(self, path, params, **headers):
        return self.http.delete(self.url(path, params), **self.headers, **headers)


def _bytes(body) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


def state(**extra):
    return {"activityId": ACTIVITY, "agent": AGENT, "stateId": "bookmark", **extra}


@pytest.fixture
def lrs():
    _, key, secret = make_client()
    return Lrs(key, secret)


@pytest.fixture
def lrs2():
    """The same LRS spoken in 2.0.0."""
    _, key, secret = make_client(name="2.0 应用")
    return Lrs(key, secret, version="2.0.0")


def etag(response) -> str:
    return response["ETag"]


# --- storing and fetching ----------------------------------------------------------------------

def test_it_stores_a_state_document_and_returns_it_with_its_content_type(lrs):
    assert lrs.put(STATE_URL, state(), b"\x00\x01binary", content_type="application/octet-stream").status_code == 204
    response = lrs.get(STATE_URL, state())
    assert response.status_code == 200
    assert response.content == b"\x00\x01binary"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Experience-API-Version"] == "1.0.3"


def test_it_answers_get_with_a_quoted_lowercase_sha1_etag_and_last_modified(lrs):
    before = time.time()
    lrs.put(STATE_URL, state(), {"page": 3})
    response = lrs.get(STATE_URL, state())
    assert etag(response) == f'"{hashlib.sha1(response.content).hexdigest()}"'
    assert parse_http_date(response["Last-Modified"]) >= int(before)


def test_it_answers_head_like_get_without_the_body(lrs):
    lrs.put(STATE_URL, state(), {"page": 3})
    got = lrs.get(STATE_URL, state())
    head = lrs.head(STATE_URL, state())
    assert head.status_code == 200
    assert head.content == b""
    assert etag(head) == etag(got)
    assert head["Content-Type"] == got["Content-Type"]


def test_it_answers_404_for_a_missing_document(lrs):
    assert lrs.get(STATE_URL, state(stateId="nothing-here")).status_code == 404


def test_it_does_not_reject_documents_of_unknown_activities_and_agents(lrs):
    params = state(activityId="urn:uuid:0e4c3b54-6a33-4c36-9b53-2d1b0f0e0a11",
                   agent={"account": {"homePage": "https://other.example.org", "name": "u-1"}})
    assert lrs.put(STATE_URL, params, {"a": 1}).status_code == 204
    assert lrs.get(STATE_URL, params).json() == {"a": 1}


def test_it_keeps_state_of_each_registration_apart(lrs):
    lrs.put(STATE_URL, state(), {"where": "none"})
    lrs.put(STATE_URL, state(registration=REGISTRATION), {"where": "registration"})
    assert lrs.get(STATE_URL, state()).json() == {"where": "none"}
    assert lrs.get(STATE_URL, state(registration=REGISTRATION)).json() == {"where": "registration"}


def test_it_matches_the_agent_by_its_identifier_not_its_name(lrs):
    lrs.put(STATE_URL, state(), {"a": 1})
    renamed = {"mbox": AGENT["mbox"], "name": "另一个名字"}
    assert lrs.get(STATE_URL, state(agent=renamed)).json() == {"a": 1}


def test_it_does_not_partition_documents_by_client_but_records_the_last_writer(lrs):
    other, key, secret = make_client(name="另一个应用")
    lrs.put(STATE_URL, state(), {"a": 1})
    other_lrs = Lrs(key, secret)
    assert other_lrs.get(STATE_URL, state()).json() == {"a": 1}
    other_lrs.put(STATE_URL, state(), {"a": 2})
    assert XapiDocument.objects.get().client == other


# --- the lists of ids ---------------------------------------------------------------------------

def test_it_lists_state_ids_of_a_context(lrs):
    lrs.put(STATE_URL, state(stateId="a"), {"x": 1})
    lrs.put(STATE_URL, state(stateId="b"), {"x": 1})
    lrs.put(STATE_URL, state(stateId="c", registration=REGISTRATION), {"x": 1})
    response = lrs.get(STATE_URL, {"activityId": ACTIVITY, "agent": AGENT})
    assert response.status_code == 200
    assert sorted(response.json()) == ["a", "b"]
    assert "Last-Modified" in response
    assert lrs.get(STATE_URL, {"activityId": ACTIVITY, "agent": AGENT, "registration": REGISTRATION}).json() == ["c"]


def test_it_lists_only_ids_updated_after_since_exclusive(lrs):
    lrs.put(STATE_URL, state(stateId="old"), {"x": 1})
    old = XapiDocument.objects.get(document_id="old")
    lrs.put(STATE_URL, state(stateId="new"), {"x": 1})
    since = old.updated.isoformat()
    assert lrs.get(STATE_URL, {"activityId": ACTIVITY, "agent": AGENT, "since": since}).json() == ["new"]


def test_it_lists_activity_and_agent_profile_ids_with_since(lrs):
    lrs.put(ACTIVITY_PROFILE_URL, {"activityId": ACTIVITY, "profileId": "p1"}, {"x": 1})
    first = XapiDocument.objects.get(document_id="p1")
    lrs.put(ACTIVITY_PROFILE_URL, {"activityId": ACTIVITY, "profileId": "p2"}, {"x": 1})
    assert sorted(lrs.get(ACTIVITY_PROFILE_URL, {"activityId": ACTIVITY}).json()) == ["p1", "p2"]
    assert lrs.get(ACTIVITY_PROFILE_URL, {"activityId": ACTIVITY, "since": first.updated.isoformat()}).json() == ["p2"]
    lrs.put(AGENT_PROFILE_URL, {"agent": AGENT, "profileId": "prefs"}, {"lang": "zh"})
    assert lrs.get(AGENT_PROFILE_URL, {"agent": AGENT}).json() == ["prefs"]
    assert lrs.get(AGENT_PROFILE_URL, {"agent": AGENT, "since": "2999-01-01T00:00:00Z"}).json() == []


# --- POST: JSON merge -------------------------------------------------------------------------

def test_it_merges_top_level_properties_of_posted_json(lrs):
    lrs.put(STATE_URL, state(), {"x": "foo", "y": "bar", "o": {"keep": 1}})
    assert lrs.post(STATE_URL, state(), {"x": "bash", "z": "faz", "o": {"new": 2}}).status_code == 204
    assert lrs.get(STATE_URL, state()).json() == {"x": "bash", "y": "bar", "z": "faz", "o": {"new": 2}}


def test_it_creates_the_document_when_posting_to_a_missing_one(lrs):
    assert lrs.post(STATE_URL, state(), {"x": 1}).status_code == 204
    assert lrs.get(STATE_URL, state()).json() == {"x": 1}


def test_it_refuses_to_merge_into_a_non_json_document_and_keeps_it(lrs):
    lrs.put(STATE_URL, state(), b"plain text", content_type="text/plain")
    response = lrs.post(STATE_URL, state(), {"x": 1})
    assert response.status_code == 400
    kept = lrs.get(STATE_URL, state())
    assert kept.content == b"plain text" and kept["Content-Type"] == "text/plain"


def test_it_refuses_to_merge_a_non_json_post_into_a_json_document(lrs):
    lrs.put(STATE_URL, state(), {"x": 1})
    assert lrs.post(STATE_URL, state(), b"x=2", content_type="text/plain").status_code == 400
    assert lrs.get(STATE_URL, state()).json() == {"x": 1}


def test_it_refuses_to_merge_json_that_is_not_an_object(lrs):
    lrs.put(STATE_URL, state(), {"x": 1})
    assert lrs.post(STATE_URL, state(), [1, 2]).status_code == 400
    lrs.put(STATE_URL, state(stateId="array"), [1, 2])
    assert lrs.post(STATE_URL, state(stateId="array"), {"x": 1}).status_code == 400
    assert lrs.get(STATE_URL, state()).json() == {"x": 1}
    assert lrs.get(STATE_URL, state(stateId="array")).json() == [1, 2]


def test_it_rejects_a_json_content_type_whose_content_is_not_json(lrs):
    assert lrs.put(STATE_URL, state(), b"{not json").status_code == 400
    assert not XapiDocument.objects.exists()


def test_it_merges_json_with_a_charset_parameter_in_the_content_type(lrs):
    lrs.put(STATE_URL, state(), {"x": 1}, content_type="application/json; charset=utf-8")
    assert lrs.post(STATE_URL, state(), {"y": "二"}, content_type="application/json").status_code == 204
    assert lrs.get(STATE_URL, state()).json() == {"x": 1, "y": "二"}


# --- DELETE -----------------------------------------------------------------------------------

def test_it_deletes_one_state_document(lrs):
    lrs.put(STATE_URL, state(stateId="a"), {"x": 1})
    lrs.put(STATE_URL, state(stateId="b"), {"x": 1})
    assert lrs.delete(STATE_URL, state(stateId="a")).status_code == 204
    assert lrs.get(STATE_URL, state(stateId="a")).status_code == 404
    assert lrs.get(STATE_URL, state(stateId="b")).status_code == 200


def test_it_deletes_every_state_of_a_context_without_state_id(lrs):
    lrs.put(STATE_URL, state(stateId="a"), {"x": 1})
    lrs.put(STATE_URL, state(stateId="b", registration=REGISTRATION), {"x": 1})
    lrs.put(STATE_URL, state(stateId="c", activityId="http://example.com/other"), {"x": 1})
    assert lrs.delete(STATE_URL, {"activityId": ACTIVITY, "agent": AGENT, "registration": REGISTRATION}).status_code == 204
    assert set(XapiDocument.objects.values_list("document_id", flat=True)) == {"a", "c"}
    assert lrs.delete(STATE_URL, {"activityId": ACTIVITY, "agent": AGENT}).status_code == 204
    assert set(XapiDocument.objects.values_list("document_id", flat=True)) == {"c"}


def test_it_answers_a_repeated_delete_with_204(lrs):
    lrs.put(STATE_URL, state(), {"x": 1})
    assert lrs.delete(STATE_URL, state()).status_code == 204
    assert lrs.delete(STATE_URL, state()).status_code == 204


def test_it_requires_the_profile_id_to_delete_a_profile(lrs):
    lrs.put(ACTIVITY_PROFILE_URL, {"activityId": ACTIVITY, "profileId": "p"}, {"x": 1})
    assert lrs.delete(ACTIVITY_PROFILE_URL, {"activityId": ACTIVITY}).status_code == 400
    assert lrs.delete(AGENT_PROFILE_URL, {"agent": AGENT}).status_code == 400
    assert XapiDocument.objects.count() == 1


def test_it_deletes_agent_and_activity_profiles(lrs):
    lrs.put(ACTIVITY_PROFILE_URL, {"activityId": ACTIVITY, "profileId": "p"}, {"x": 1})
    lrs.put(AGENT_PROFILE_URL, {"agent": AGENT, "profileId": "p"}, {"x": 1})
    assert lrs.delete(ACTIVITY_PROFILE_URL, {"activityId": ACTIVITY, "profileId": "p"}).status_code == 204
    assert lrs.delete(AGENT_PROFILE_URL, {"agent": AGENT, "profileId": "p"}).status_code == 204
    assert not XapiDocument.objects.exists()


# --- concurrency ------------------------------------------------------------------------------

PROFILE = {"activityId": ACTIVITY, "profileId": "settings"}
AGENT_PROFILE = {"agent": AGENT, "profileId": "settings"}


@pytest.mark.parametrize("url,params", [(ACTIVITY_PROFILE_URL, PROFILE), (AGENT_PROFILE_URL, AGENT_PROFILE)])
def test_it_answers_409_to_a_profile_put_without_concurrency_headers_and_keeps_it(lrs, url, params):
    assert lrs.put(url, params, {"v": 1}).status_code == 204  # a new document needs no header
    response = lrs.put(url, params, {"v": 2})
    assert response.status_code == 409
    message = response.json()["error"]["message"]
    assert "If-Match" in message and "check its current state" in message
    assert lrs.get(url, params).json() == {"v": 1}


@pytest.mark.parametrize("url,params", [(ACTIVITY_PROFILE_URL, PROFILE), (AGENT_PROFILE_URL, AGENT_PROFILE)])
def test_it_replaces_a_profile_when_if_match_carries_the_current_etag(lrs, url, params):
    lrs.put(url, params, {"v": 1})
    current = etag(lrs.get(url, params))
    assert lrs.put(url, params, {"v": 2}, HTTP_IF_MATCH=current).status_code == 204
    assert lrs.get(url, params).json() == {"v": 2}


@pytest.mark.parametrize("url,params", [(ACTIVITY_PROFILE_URL, PROFILE), (AGENT_PROFILE_URL, AGENT_PROFILE)])
def test_it_answers_412_to_a_stale_if_match_and_keeps_the_document(lrs, url, params):
    lrs.put(url, params, {"v": 1})
    stale = f'"{hashlib.sha1(b"something else").hexdigest()}"'
    assert lrs.put(url, params, {"v": 2}, HTTP_IF_MATCH=stale).status_code == 412
    assert lrs.post(url, params, {"w": 2}, HTTP_IF_MATCH=stale).status_code == 412
    assert lrs.delete(url, params, HTTP_IF_MATCH=stale).status_code == 412
    assert lrs.get(url, params).json() == {"v": 1}


def test_it_honours_if_none_match_star_only_when_the_document_is_missing(lrs):
    assert lrs.put(ACTIVITY_PROFILE_URL, PROFILE, {"v": 1}, HTTP_IF_NONE_MATCH="*").status_code == 204
    assert lrs.put(ACTIVITY_PROFILE_URL, PROFILE, {"v": 2}, HTTP_IF_NONE_MATCH="*").status_code == 412
    assert lrs.post(ACTIVITY_PROFILE_URL, PROFILE, {"w": 2}, HTTP_IF_NONE_MATCH="*").status_code == 412
    assert lrs.get(ACTIVITY_PROFILE_URL, PROFILE).json() == {"v": 1}


def test_it_honours_if_match_star_only_when_the_document_exists(lrs):
    assert lrs.put(ACTIVITY_PROFILE_URL, PROFILE, {"v": 1}, HTTP_IF_MATCH="*").status_code == 412
    assert not XapiDocument.objects.exists()
    lrs.put(ACTIVITY_PROFILE_URL, PROFILE, {"v": 1})
    assert lrs.put(ACTIVITY_PROFILE_URL, PROFILE, {"v": 2}, HTTP_IF_MATCH="*").status_code == 204
    assert lrs.get(ACTIVITY_PROFILE_URL, PROFILE).json() == {"v": 2}


def test_it_accepts_one_matching_etag_of_a_list(lrs):
    lrs.put(ACTIVITY_PROFILE_URL, PROFILE, {"v": 1})
    current = etag(lrs.get(ACTIVITY_PROFILE_URL, PROFILE))
    header = f'"{"0" * 40}", {current}'
    assert lrs.put(ACTIVITY_PROFILE_URL, PROFILE, {"v": 2}, HTTP_IF_MATCH=header).status_code == 204


def test_it_merges_a_profile_post_without_concurrency_headers(lrs):
    # 1.0.3 §3.1: only a PUT without headers is a conflict; a POST SHOULD* carry them.
    lrs.put(ACTIVITY_PROFILE_URL, PROFILE, {"v": 1})
    assert lrs.post(ACTIVITY_PROFILE_URL, PROFILE, {"w": 2}).status_code == 204
    assert lrs.get(ACTIVITY_PROFILE_URL, PROFILE).json() == {"v": 1, "w": 2}


def test_it_lets_a_1_0_3_state_put_overwrite_without_headers(lrs):
    lrs.put(STATE_URL, state(), {"v": 1})
    assert lrs.put(STATE_URL, state(), {"v": 2}).status_code == 204
    assert lrs.get(STATE_URL, state()).json() == {"v": 2}


def test_it_answers_409_to_a_2_0_state_put_without_headers(lrs2):
    lrs2.put(STATE_URL, state(), {"v": 1})
    response = lrs2.put(STATE_URL, state(), {"v": 2})
    assert response.status_code == 409
    assert response["X-Experience-API-Version"] == "2.0.0"
    assert lrs2.get(STATE_URL, state()).json() == {"v": 1}
    current = etag(lrs2.get(STATE_URL, state()))
    assert lrs2.put(STATE_URL, state(), {"v": 2}, HTTP_IF_MATCH=current).status_code == 204


def test_it_changes_the_etag_when_the_content_changes(lrs):
    lrs.put(STATE_URL, state(), {"v": 1})
    first = etag(lrs.get(STATE_URL, state()))
    lrs.post(STATE_URL, state(), {"v": 2})
    assert etag(lrs.get(STATE_URL, state())) != first


def test_it_deletes_with_a_matching_if_match(lrs):
    lrs.put(ACTIVITY_PROFILE_URL, PROFILE, {"v": 1})
    current = etag(lrs.get(ACTIVITY_PROFILE_URL, PROFILE))
    assert lrs.delete(ACTIVITY_PROFILE_URL, PROFILE, HTTP_IF_MATCH=current).status_code == 204
    assert not XapiDocument.objects.exists()


# --- parameters -------------------------------------------------------------------------------

@pytest.mark.parametrize("params", [
    {"agent": AGENT, "stateId": "s"},                                    # no activityId
    {"activityId": ACTIVITY, "stateId": "s"},                            # no agent
    {"activityId": "not an iri", "agent": AGENT, "stateId": "s"},
    {"activityId": ACTIVITY, "agent": "{not json", "stateId": "s"},
    {"activityId": ACTIVITY, "agent": {"mbox": "mailto:a@example.com", "openid": "http://id.example.com/a"},
     "stateId": "s"},                                                    # two IFIs
    {"activityId": ACTIVITY, "agent": {"name": "无标识"}, "stateId": "s"},  # no IFI
    {"activityId": ACTIVITY, "agent": {"objectType": "Group", "mbox": "mailto:g@example.com"}, "stateId": "s"},
    {"activityId": ACTIVITY, "agent": {"mbox": "learner@example.com"}, "stateId": "s"},  # not mailto:
    {"activityId": ACTIVITY, "agent": AGENT, "stateId": "s", "registration": "not-a-uuid"},
    {"activityId": ACTIVITY, "agent": AGENT, "stateId": "s", "unknown": "1"},
    {"activityId": ACTIVITY, "agent": AGENT, "StateId": "s"},             # wrong case
])
def test_it_rejects_bad_state_parameters_and_stores_nothing(lrs, params):
    response = lrs.put(STATE_URL, params, {"x": 1})
    assert response.status_code == 400
    assert "message" in response.json()["error"]
    assert not XapiDocument.objects.exists()


def test_it_rejects_a_since_that_is_not_a_timestamp(lrs):
    assert lrs.get(STATE_URL, {"activityId": ACTIVITY, "agent": AGENT, "since": "yesterday"}).status_code == 400


def test_it_rejects_a_parameter_given_twice(lrs):
    url = Lrs.url(STATE_URL, state()) + "&stateId=second"
    assert lrs.http.get(url, **lrs.headers).status_code == 400


def test_it_rejects_since_on_a_single_document_get(lrs):
    lrs.put(STATE_URL, state(), {"x": 1})
    assert lrs.get(STATE_URL, state(since="2020-01-01T00:00:00Z")).status_code == 400


def test_it_rejects_parameters_of_another_resource(lrs):
    assert lrs.put(ACTIVITY_PROFILE_URL, {**PROFILE, "agent": AGENT}, {"x": 1}).status_code == 400
    assert lrs.put(AGENT_PROFILE_URL, {**AGENT_PROFILE, "activityId": ACTIVITY}, {"x": 1}).status_code == 400
    assert lrs.put(ACTIVITY_PROFILE_URL, {"activityId": ACTIVITY, "stateId": "x"}, {"x": 1}).status_code == 400


def test_it_answers_405_to_an_unsupported_method(lrs):
    response = lrs.http.generic("PATCH", Lrs.url(STATE_URL, state()), **lrs.headers)
    assert response.status_code == 405


@override_settings(GANXUN_LRS_MAX_BODY_MB=1)
def test_it_answers_413_to_a_document_over_the_size_limit_and_stores_nothing(lrs):
    response = lrs.put(STATE_URL, state(), b"x" * (1024 * 1024 + 1), content_type="text/plain")
    assert response.status_code == 413
    assert not XapiDocument.objects.exists()
    assert lrs.put(STATE_URL, state(), b"x" * (1024 * 1024), content_type="text/plain").status_code == 204


# --- credentials and permissions --------------------------------------------------------------

def test_it_answers_401_without_credentials():
    response = Client().get(STATE_URL, {"activityId": ACTIVITY, "agent": json.dumps(AGENT)},
                            HTTP_X_EXPERIENCE_API_VERSION="1.0.3")
    assert response.status_code == 401


def test_it_answers_403_to_a_client_without_document_permission():
    _, key, secret = make_client(can_documents=False)
    lrs = Lrs(key, secret)
    assert lrs.put(STATE_URL, state(), {"x": 1}).status_code == 403
    assert lrs.get(STATE_URL, state()).status_code == 403
    assert lrs.get(ACTIVITY_PROFILE_URL, {"activityId": ACTIVITY}).status_code == 403
    assert lrs.delete(AGENT_PROFILE_URL, AGENT_PROFILE).status_code == 403
    assert not XapiDocument.objects.exists()


def _our_agent(username: str) -> dict:
    return {"objectType": "Agent", "account": {"homePage": SITE, "name": username}}


@override_settings(GANXUN_SITE_URL=SITE)
def test_a_scoped_client_may_touch_documents_of_our_cadres_inside_its_scope(cast):
    _, key, secret = make_client(scope=cast.county_a)
    lrs = Lrs(key, secret)
    carol = state(agent=_our_agent("carol"))  # a cadre of unit A1 in county A
    assert lrs.put(STATE_URL, carol, {"x": 1}).status_code == 204
    assert lrs.get(STATE_URL, carol).json() == {"x": 1}


@override_settings(GANXUN_SITE_URL=SITE)
def test_a_scoped_client_gets_403_for_our_accounts_outside_its_scope(cast):
    from ganxun.testing import make_account

    cadre_b = cast.cadres_b[0]
    cadre_b.person.account = make_account("zhaomin")
    cadre_b.person.save(update_fields=["account"])
    _, key, secret = make_client(scope=cast.county_a)
    lrs = Lrs(key, secret)
    outside = state(agent=_our_agent("zhaomin"))
    assert lrs.put(STATE_URL, outside, {"x": 1}).status_code == 403
    assert lrs.get(AGENT_PROFILE_URL, {"agent": _our_agent("zhaomin")}).status_code == 403
    # an account that is no cadre (the system admin) cannot be placed in the scope either
    assert lrs.put(STATE_URL, state(agent=_our_agent("sam")), {"x": 1}).status_code == 403
    assert not XapiDocument.objects.exists()
    # an unscoped client may
    _, key, secret = make_client()
    assert Lrs(key, secret).put(STATE_URL, outside, {"x": 1}).status_code == 204


@override_settings(GANXUN_SITE_URL=SITE)
def test_a_scoped_client_may_touch_documents_of_agents_that_are_not_our_accounts(cast):
    _, key, secret = make_client(scope=cast.county_a)
    lrs = Lrs(key, secret)
    assert lrs.put(STATE_URL, state(), {"x": 1}).status_code == 204
    foreign = state(agent={"account": {"homePage": "https://other-province.example.org", "name": "carol"}})
    assert lrs.put(STATE_URL, foreign, {"x": 1}).status_code == 204
    assert lrs.put(ACTIVITY_PROFILE_URL, PROFILE, {"x": 1}).status_code == 204


# --- the 1.0.3 alternate request syntax (Communication §1.3) ------------------------------------

def _alternate(lrs: Lrs, path: str, method: str, form: dict, *, headers_in_form: bool = True):
    fields = {k: (json.dumps(v) if isinstance(v, dict) else v) for k, v in form.items()}
    extra = {}
    if headers_in_form:
        fields["Authorization"] = lrs.headers["HTTP_AUTHORIZATION"]
        fields["X-Experience-API-Version"] = lrs.headers["HTTP_X_EXPERIENCE_API_VERSION"]
    else:
        extra = lrs.headers
    return lrs.http.generic("POST", f"{path}?method={method}", data=urlencode(fields),
                            content_type="application/x-www-form-urlencoded", **extra)


def test_it_serves_the_state_resource_through_the_alternate_syntax(lrs):
    form = {**state(), "content": json.dumps({"page": "五"}), "Content-Type": "application/json"}
    assert _alternate(lrs, STATE_URL, "PUT", form).status_code == 204
    assert lrs.get(STATE_URL, state()).json() == {"page": "五"}
    assert _alternate(lrs, STATE_URL, "POST", {**state(), "content": json.dumps({"more": 1}),
                                               "Content-Type": "application/json"}).status_code == 204
    got = _alternate(lrs, STATE_URL, "GET", state(), headers_in_form=False)
    assert got.status_code == 200 and json.loads(got.content) == {"page": "五", "more": 1}
    assert _alternate(lrs, STATE_URL, "DELETE", state()).status_code == 204
    assert not XapiDocument.objects.exists()


def test_it_honours_if_match_given_as_a_form_field_of_the_alternate_syntax(lrs):
    lrs.put(ACTIVITY_PROFILE_URL, PROFILE, {"v": 1})
    current = etag(lrs.get(ACTIVITY_PROFILE_URL, PROFILE))
    form = {**PROFILE, "content": json.dumps({"v": 2}), "Content-Type": "application/json"}
    assert _alternate(lrs, ACTIVITY_PROFILE_URL, "PUT", form).status_code == 409
    assert _alternate(lrs, ACTIVITY_PROFILE_URL, "PUT", {**form, "If-Match": '"stale"'}).status_code == 412
    assert _alternate(lrs, ACTIVITY_PROFILE_URL, "PUT", {**form, "If-Match": current}).status_code == 204
    assert lrs.get(ACTIVITY_PROFILE_URL, PROFILE).json() == {"v": 2}


def test_it_rejects_unknown_parameters_in_the_alternate_syntax_form(lrs):
    form = {**AGENT_PROFILE, "content": "{}", "Content-Type": "application/json", "colour": "red"}
    assert _alternate(lrs, AGENT_PROFILE_URL, "PUT", form).status_code == 400
    assert not XapiDocument.objects.exists()
