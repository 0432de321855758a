"""Statement validation, one MUST of the spec per case (xAPI 1.0.3 Data and 2.0.0)."""

from __future__ import annotations

import copy

import pytest

from ganxun.lrs.validation import StatementInvalid, validate_statement

BASE = {
    "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
    "actor": {"objectType": "Agent", "mbox": "mailto:learner@example.com"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
    "object": {"objectType": "Activity", "id": "http://example.com/activities/1"},
}


def statement(**changes) -> dict:
    value = copy.deepcopy(BASE)
    for dotted, new in changes.items():
        target = value
        parts = dotted.split("__")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        if new is ...:
            target.pop(parts[-1], None)
        else:
            target[parts[-1]] = new
    return value


def rejects(value, version="1.0.3") -> str:
    with pytest.raises(StatementInvalid) as error:
        validate_statement(value, "statements[0]", version)
    return str(error.value)


def test_it_accepts_the_minimal_statement():
    assert validate_statement(statement(), "statements[0]", "1.0.3")["id"] == BASE["id"]


@pytest.mark.parametrize(("changes", "path"), [
    ({"id": "not-a-uuid"}, "statements[0].id"),
    ({"id": "fd41c918b88b4b20a0a5a4c32391aaa0"}, "statements[0].id"),
    ({"actor": ...}, "statements[0].actor"),
    ({"verb": ...}, "statements[0].verb"),
    ({"object": ...}, "statements[0].object"),
    ({"extra": 1}, "statements[0].extra"),
    ({"verb__id": "experienced"}, "statements[0].verb.id"),
    ({"verb__display": {"not a tag!": "x"}}, "statements[0].verb.display"),
    ({"verb__display": {"en-US": 3}}, "statements[0].verb.display.en-US"),
    ({"verb__extra": "x"}, "statements[0].verb.extra"),
    ({"verb__id": None}, "statements[0].verb.id"),
])
def test_it_rejects_bad_statement_properties(changes, path):
    assert rejects(statement(**changes)).startswith(path)


@pytest.mark.parametrize(("actor", "reason"), [
    ({"mbox": "learner@example.com"}, "mailto"),
    ({"mbox_sha1sum": "xyz"}, "SHA-1"),
    ({"openid": "not an iri"}, "IRI"),
    ({"account": {"homePage": "http://example.com"}}, "name"),
    ({"account": {"name": "x"}}, "homePage"),
    ({"account": {"homePage": "example.com", "name": "x"}}, "IRL"),
    ({"mbox": "mailto:a@example.com", "openid": "http://example.com/a"}, "exactly one"),
    ({"name": "nobody"}, "inverse functional identifier"),
    ({"objectType": "Person", "mbox": "mailto:a@example.com"}, "Agent"),
    ({"objectType": "Group", "name": "anonymous"}, "members"),
    ({"objectType": "Group", "member": [{"objectType": "Group", "mbox": "mailto:g@example.com"}]}, "Groups"),
    ({"objectType": "Group", "mbox": "mailto:g@example.com", "member": {"mbox": "mailto:a@example.com"}}, "array"),
])
def test_it_rejects_bad_agents_and_groups(actor, reason):
    assert reason in rejects(statement(actor=actor))


def test_it_accepts_identified_and_anonymous_groups():
    identified = {"objectType": "Group", "account": {"homePage": "http://example.com", "name": "team-1"}}
    anonymous = {"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"},
                                                    {"mbox_sha1sum": "a" * 40}]}
    validate_statement(statement(actor=identified), "s", "1.0.3")
    validate_statement(statement(actor=anonymous), "s", "1.0.3")


@pytest.mark.parametrize(("obj", "path"), [
    ({"objectType": "Activity"}, "statements[0].object.id"),
    ({"objectType": "Activity", "id": "relative/path"}, "statements[0].object.id"),
    ({"objectType": "Thing", "id": "http://x.y"}, "statements[0].object.objectType"),
    ({"mbox": "mailto:a@example.com"}, "statements[0].object.mbox"),
    ({"objectType": "StatementRef", "id": "nope"}, "statements[0].object.id"),
    ({"objectType": "SubStatement", "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
      "actor": BASE["actor"], "verb": BASE["verb"], "object": BASE["object"]}, "statements[0].object.id"),
    ({"objectType": "SubStatement", "actor": BASE["actor"], "verb": BASE["verb"],
      "object": {"objectType": "SubStatement", "actor": BASE["actor"], "verb": BASE["verb"],
                 "object": BASE["object"]}}, "statements[0].object.object.objectType"),
    ({"objectType": "SubStatement", "actor": BASE["actor"], "verb": BASE["verb"], "object": BASE["object"],
      "version": "1.0.0"}, "statements[0].object.version"),
    ({"objectType": "Activity", "id": "http://x.y", "definition": {"type": "nope"}},
     "statements[0].object.definition.type"),
    ({"objectType": "Activity", "id": "http://x.y", "definition": {"moreInfo": "not-a-url"}},
     "statements[0].object.definition.moreInfo"),
    ({"objectType": "Activity", "id": "http://x.y", "definition": {"extensions": {"key": 1}}},
     "statements[0].object.definition.extensions.key"),
    ({"objectType": "Activity", "id": "http://x.y", "definition": {"interactionType": "essay"}},
     "statements[0].object.definition.interactionType"),
    ({"objectType": "Activity", "id": "http://x.y", "definition": {"interactionType": "likert",
                                                                    "choices": [{"id": "a"}]}},
     "statements[0].object.definition.choices"),
    ({"objectType": "Activity", "id": "http://x.y", "definition": {"choices": [{"id": "a"}]}},
     "statements[0].object.definition.choices"),
    ({"objectType": "Activity", "id": "http://x.y", "definition": {
        "interactionType": "choice", "choices": [{"id": "a"}, {"id": "a"}]}},
     "statements[0].object.definition.choices[1].id"),
    ({"objectType": "Activity", "id": "http://x.y", "definition": {"correctResponsesPattern": ["a"]}},
     "statements[0].object.definition.correctResponsesPattern"),
])
def test_it_rejects_bad_objects(obj, path):
    assert rejects(statement(object=obj)).startswith(path)


def test_it_accepts_an_interaction_activity_and_a_substatement():
    interaction = {"objectType": "Activity", "id": "http://x.y/q1", "definition": {
        "interactionType": "choice", "correctResponsesPattern": ["a"],
        "choices": [{"id": "a", "description": {"zh-CN": "甲"}}, {"id": "b"}]}}
    validate_statement(statement(object=interaction), "s", "1.0.3")
    sub = {"objectType": "SubStatement", "actor": BASE["actor"], "verb": BASE["verb"], "object": BASE["object"]}
    validate_statement(statement(object=sub), "s", "1.0.3")


@pytest.mark.parametrize(("result", "path", "reason"), [
    ({"score": {"scaled": 1.5}}, "statements[0].result.score.scaled", "between -1 and 1"),
    ({"score": {"scaled": -1.01}}, "statements[0].result.score.scaled", "between -1 and 1"),
    ({"score": {"raw": 5, "min": 10}}, "statements[0].result.score.raw", "less than"),
    ({"score": {"raw": 50, "max": 10}}, "statements[0].result.score.raw", "greater than"),
    ({"score": {"min": 10, "max": 10}}, "statements[0].result.score.min", "less than"),
    ({"score": {"raw": "5"}}, "statements[0].result.score.raw", "number"),
    ({"score": {"raw": True}}, "statements[0].result.score.raw", "number"),
    ({"success": "yes"}, "statements[0].result.success", "true or false"),
    ({"completion": 1}, "statements[0].result.completion", "true or false"),
    ({"duration": "1 hour"}, "statements[0].result.duration", "ISO 8601"),
    ({"duration": "P"}, "statements[0].result.duration", "ISO 8601"),
    ({"duration": "PT"}, "statements[0].result.duration", "ISO 8601"),
    ({"duration": "P1WT1H"}, "statements[0].result.duration", "ISO 8601"),
    ({"response": 12}, "statements[0].result.response", "string"),
    ({"extensions": {"not-an-iri": 1}}, "statements[0].result.extensions", "IRI"),
    ({"grade": "A"}, "statements[0].result.grade", "not a property"),
])
def test_it_rejects_bad_results(result, path, reason):
    message = rejects(statement(result=result))
    assert message.startswith(path)
    assert reason in message


@pytest.mark.parametrize("duration", ["PT1H30M", "P1Y2M3DT4H5M6.5S", "P4W", "PT0.01S", "P0D"])
def test_it_accepts_iso_durations(duration):
    validate_statement(statement(result={"duration": duration}), "s", "1.0.3")


@pytest.mark.parametrize(("context", "path"), [
    ({"registration": "x"}, "statements[0].context.registration"),
    ({"team": {"mbox": "mailto:a@example.com"}}, "statements[0].context.team.objectType"),
    ({"contextActivities": {"sibling": []}}, "statements[0].context.contextActivities.sibling"),
    ({"contextActivities": {"parent": "http://x.y"}}, "statements[0].context.contextActivities.parent"),
    ({"contextActivities": {"parent": [{"id": "nope"}]}}, "statements[0].context.contextActivities.parent[0].id"),
    ({"language": "not a tag"}, "statements[0].context.language"),
    ({"statement": {"objectType": "StatementRef", "id": "x"}}, "statements[0].context.statement.id"),
    ({"contextAgents": []}, "statements[0].context.contextAgents"),
])
def test_it_rejects_bad_contexts(context, path):
    assert rejects(statement(context=context)).startswith(path)


def test_revision_and_platform_only_with_an_activity_object():
    agent_object = {"objectType": "Agent", "mbox": "mailto:b@example.com"}
    assert rejects(statement(object=agent_object, context={"revision": "2"})).startswith(
        "statements[0].context.revision")
    assert rejects(statement(object=agent_object, context={"platform": "web"})).startswith(
        "statements[0].context.platform")
    validate_statement(statement(context={"revision": "2", "platform": "web"}), "s", "1.0.3")


def test_a_single_context_activity_is_stored_as_an_array():
    value = validate_statement(statement(context={"contextActivities": {"parent": {"id": "http://x.y/p"}}}),
                               "s", "1.0.3")
    assert value["context"]["contextActivities"]["parent"] == [{"id": "http://x.y/p"}]


@pytest.mark.parametrize("timestamp", ["2024-05-01", "2024-05-01 08:00:00Z", "yesterday", "2024-13-01T00:00:00Z",
                                       "2024-05-01T25:00:00Z"])
def test_it_rejects_bad_timestamps(timestamp):
    assert rejects(statement(timestamp=timestamp)).startswith("statements[0].timestamp")


@pytest.mark.parametrize("timestamp", ["2024-05-01T08:00:00Z", "2024-05-01T08:00:00.123+08:00",
                                       "2024-05-01T08:00:00.123456789Z", "2024-05-01T08:00:00+0800"])
def test_it_accepts_iso_timestamps(timestamp):
    validate_statement(statement(timestamp=timestamp), "s", "2.0.0")


def test_version_2_requires_an_offset_and_refuses_minus_zero():
    assert "time zone" in rejects(statement(timestamp="2024-05-01T08:00:00"), "2.0.0")
    assert "-00:00" in rejects(statement(timestamp="2024-05-01T08:00:00-00:00"), "2.0.0")
    validate_statement(statement(timestamp="2024-05-01T08:00:00"), "s", "1.0.3")


@pytest.mark.parametrize(("given", "version", "ok"), [
    ("1.0.0", "1.0.3", True), ("1.0.3", "1.0.3", True), ("2.0.0", "1.0.3", False),
    ("2.0.0", "2.0.0", True), ("1.0.3", "2.0.0", True), ("0.95", "1.0.3", False), ("1.1.0", "2.0.0", False),
])
def test_statement_versions(given, version, ok):
    if ok:
        validate_statement(statement(version=given), "s", version)
    else:
        assert rejects(statement(version=given), version).startswith("statements[0].version")


def test_context_agents_and_groups_are_2_0_only():
    context = {"contextGroups": [{"objectType": "contextGroup",
                                  "group": {"objectType": "Group", "mbox": "mailto:g@example.com"}}]}
    validate_statement(statement(context=context), "s", "2.0.0")
    assert rejects(statement(context=context), "1.0.3").startswith("statements[0].context.contextGroups")
    bad = {"contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:a@example.com"},
                              "relevantTypes": ["nope"]}]}
    assert rejects(statement(context=bad), "2.0.0").startswith(
        "statements[0].context.contextAgents[0].relevantTypes[0]")


@pytest.mark.parametrize(("attachment", "path"), [
    ({"display": {"en-US": "a"}, "contentType": "text/plain", "length": 1, "sha2": "a" * 64},
     "statements[0].attachments[0].usageType"),
    ({"usageType": "nope", "display": {"en-US": "a"}, "contentType": "text/plain", "length": 1,
      "sha2": "a" * 64}, "statements[0].attachments[0].usageType"),
    ({"usageType": "http://x.y/u", "display": {"en-US": "a"}, "contentType": "text/plain", "length": -1,
      "sha2": "a" * 64}, "statements[0].attachments[0].length"),
    ({"usageType": "http://x.y/u", "display": {"en-US": "a"}, "contentType": "text/plain", "length": 1,
      "sha2": "zz"}, "statements[0].attachments[0].sha2"),
    ({"usageType": "http://x.y/u", "display": {"en-US": "a"}, "contentType": "plain", "length": 1,
      "sha2": "a" * 64}, "statements[0].attachments[0].contentType"),
    ({"usageType": "http://x.y/u", "display": {"en-US": "a"}, "contentType": "text/plain", "length": 1,
      "sha2": "a" * 64, "fileUrl": "nope"}, "statements[0].attachments[0].fileUrl"),
    ({"usageType": "http://adlnet.gov/expapi/attachments/signature", "display": {"en-US": "a"},
      "contentType": "text/plain", "length": 1, "sha2": "a" * 64}, "statements[0].attachments[0].contentType"),
])
def test_it_rejects_bad_attachment_headers(attachment, path):
    assert rejects(statement(attachments=[attachment])).startswith(path)


def test_a_voiding_statement_must_target_a_statement_ref():
    voiding = statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"})
    assert rejects(voiding).startswith("statements[0].object")


def test_stored_and_authority_given_by_the_client_are_still_validated():
    assert rejects(statement(stored="never")).startswith("statements[0].stored")
    assert rejects(statement(authority={"name": "x"})).startswith("statements[0].authority")
