"""The Activities and Agents resources (xAPI 1.0.3 Communication §2.4, §2.5)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.test import override_settings
from django.utils import timezone

from ganxun.lrs import keys
from ganxun.lrs.models import XapiStatement, XapiStatementRelation
from ganxun.lrs.tests.test_documents import SITE, Lrs, make_client

pytestmark = pytest.mark.django_db

ACTIVITY = "http://example.com/activities/course-1"
AGENT = {"objectType": "Agent", "mbox": "mailto:learner@example.com"}
VERB = "http://adlnet.gov/expapi/verbs/experienced"


def store(client, *, actor: dict, obj: dict, minutes_ago: int = 0, context: dict | None = None) -> XapiStatement:
    """A stored statement row as the Statement resource leaves it (body plus lookup keys)."""
    stored = timezone.now() - dt.timedelta(minutes=minutes_ago)
    statement_id = uuid.uuid4()
    body = {"id": str(statement_id), "actor": actor, "verb": {"id": VERB}, "object": obj,
            "stored": stored.isoformat(), "timestamp": stored.isoformat(), "version": "1.0.0"}
    if context:
        body["context"] = context
    object_key = keys.activity_key(obj["id"]) if obj.get("objectType", "Activity") == "Activity" else keys.agent_key(obj)
    return XapiStatement.objects.create(
        statement_id=statement_id, body=json.dumps(body, ensure_ascii=False), version="1.0.0",
        actor_key=keys.agent_key(actor), verb_key=keys.verb_key(VERB), object_key=object_key,
        timestamp=stored, stored=stored, client=client,
    )


@pytest.fixture
def writer():
    client, key, secret = make_client(name="写入方", can_read_all=True)
    return client, Lrs(key, secret)


# --- Activities --------------------------------------------------------------------------------

def test_it_returns_a_bare_activity_object_when_it_knows_no_definition(writer):
    _, lrs = writer
    response = lrs.get("/xapi/activities", {"activityId": ACTIVITY})
    assert response.status_code == 200
    assert response.json() == {"objectType": "Activity", "id": ACTIVITY}
    assert response["ETag"].startswith('"')


def test_it_returns_the_latest_definition_of_the_activity(writer):
    client, lrs = writer
    store(client, actor=AGENT, obj={"id": ACTIVITY, "definition": {"name": {"zh-CN": "旧名称"}}}, minutes_ago=10)
    store(client, actor=AGENT, obj={"id": ACTIVITY, "definition": {"name": {"zh-CN": "新名称"},
                                                                    "type": "http://adlnet.gov/expapi/activities/course"}},
          minutes_ago=5)
    store(client, actor=AGENT, obj={"id": ACTIVITY}, minutes_ago=1)  # a later mention without a definition
    response = lrs.get("/xapi/activities", {"activityId": ACTIVITY})
    assert response.json() == {"objectType": "Activity", "id": ACTIVITY, "definition": {
        "name": {"zh-CN": "新名称"}, "type": "http://adlnet.gov/expapi/activities/course"}}


def test_it_answers_head_on_activities_without_a_body(writer):
    _, lrs = writer
    response = lrs.head("/xapi/activities", {"activityId": ACTIVITY})
    assert response.status_code == 200 and response.content == b""


@pytest.mark.parametrize("params", [{}, {"activityId": "no scheme"}, {"activityId": ACTIVITY, "agent": "{}"}])
def test_it_rejects_bad_activities_parameters(writer, params):
    _, lrs = writer
    assert lrs.get("/xapi/activities", params).status_code == 400


def test_it_answers_405_to_a_put_on_activities(writer):
    _, lrs = writer
    assert lrs.put("/xapi/activities", {"activityId": ACTIVITY}, {}).status_code == 405


# --- Agents -------------------------------------------------------------------------------------

def test_it_returns_a_person_with_the_agents_own_identifier_when_it_knows_nothing(writer):
    _, lrs = writer
    response = lrs.get("/xapi/agents", {"agent": {**AGENT, "name": "甲"}})
    assert response.status_code == 200
    assert response.json() == {"objectType": "Person", "name": ["甲"], "mbox": ["mailto:learner@example.com"]}


def test_it_returns_account_identifiers_as_complete_account_objects(writer):
    _, lrs = writer
    agent = {"account": {"homePage": "https://lms.example.org", "name": "u-42"}}
    assert lrs.get("/xapi/agents", {"agent": agent}).json() == {
        "objectType": "Person", "account": [{"homePage": "https://lms.example.org", "name": "u-42"}]}


def test_it_combines_the_names_the_agent_went_by_in_statements(writer):
    client, lrs = writer
    store(client, actor={**AGENT, "name": "张三"}, obj={"id": ACTIVITY}, minutes_ago=3)
    store(client, actor={**AGENT, "name": "张老三"}, obj={"id": ACTIVITY}, minutes_ago=2)
    # the agent as an instructor in someone else's statement (found through the relation rows)
    other = store(client, actor={"mbox": "mailto:other@example.com", "name": "李四"}, obj={"id": ACTIVITY},
                  context={"instructor": {**AGENT, "name": "张老师"}})
    XapiStatementRelation.objects.create(statement=other, key=keys.agent_key(AGENT), stored=other.stored)
    person = lrs.get("/xapi/agents", {"agent": AGENT}).json()
    assert person["objectType"] == "Person"
    assert person["mbox"] == ["mailto:learner@example.com"]
    assert sorted(person["name"]) == sorted(["张三", "张老三", "张老师"])
    assert "李四" not in person["name"]


def test_it_shows_a_client_that_reads_only_its_own_statements_only_names_from_those(writer):
    client, _ = writer
    store(client, actor={**AGENT, "name": "别人写的名字"}, obj={"id": ACTIVITY})
    own, key, secret = make_client(name="只读自己", can_read_own=True, can_read_all=False)
    store(own, actor={**AGENT, "name": "自己写的名字"}, obj={"id": ACTIVITY})
    person = Lrs(key, secret).get("/xapi/agents", {"agent": AGENT}).json()
    assert person["name"] == ["自己写的名字"]
    _, key, secret = make_client(name="不可读", can_read_own=False, can_read_all=False)
    assert "name" not in Lrs(key, secret).get("/xapi/agents", {"agent": AGENT}).json()


@pytest.mark.parametrize("agent", [
    {"objectType": "Group", "mbox": "mailto:g@example.com"},
    {"mbox": "mailto:a@example.com", "account": {"homePage": "https://x.example.org", "name": "a"}},
    {"objectType": "Person", "mbox": ["mailto:a@example.com"]},
])
def test_it_rejects_an_agents_parameter_that_is_not_one_agent(writer, agent):
    _, lrs = writer
    assert lrs.get("/xapi/agents", {"agent": agent}).status_code == 400


def test_it_rejects_agents_without_the_agent_parameter(writer):
    _, lrs = writer
    assert lrs.get("/xapi/agents", {}).status_code == 400


@override_settings(GANXUN_SITE_URL=SITE)
def test_a_scoped_client_gets_403_for_our_accounts_outside_its_scope_on_agents(cast):
    _, key, secret = make_client(scope=cast.county_b, can_read_all=True)
    lrs = Lrs(key, secret)
    carol = {"account": {"homePage": SITE, "name": "carol"}}  # a cadre of county A
    assert lrs.get("/xapi/agents", {"agent": carol}).status_code == 403
    _, key, secret = make_client(scope=cast.county_a, can_read_all=True)
    assert Lrs(key, secret).get("/xapi/agents", {"agent": carol}).json()["account"] == [carol["account"]]
