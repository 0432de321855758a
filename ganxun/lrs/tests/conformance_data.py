"""Statement fixtures for the xAPI conformance suite (test_conformance_statements.py).

Written from the xAPI 1.0.3 text (adlnet/xAPI-Spec, xAPI-Data.md / xAPI-Communication.md)
and the 2.0.0 differences, mirroring the cases of the ADL LRS conformance test suite.
Every builder returns a fresh dict, so a test may mutate what it gets.

`INVALID_STATEMENTS` and `VALID_STATEMENTS` are lists of (case id, builder): the case id
starts with the spec section the case comes from.
"""

from __future__ import annotations

import copy
import uuid

MBOX = "mailto:conformance@example.com"
ACTIVITY_ID = "http://example.com/activities/conformance"
VERB_ID = "http://adlnet.gov/expapi/verbs/experienced"
VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"


def agent(mbox: str = MBOX, **extra) -> dict:
    return {"objectType": "Agent", "name": "样例学员", "mbox": mbox, **extra}


def verb(verb_id: str = VERB_ID) -> dict:
    return {"id": verb_id, "display": {"en-US": "experienced", "zh-CN": "学习了"}}


def activity(activity_id: str = ACTIVITY_ID, **definition) -> dict:
    obj = {"objectType": "Activity", "id": activity_id}
    if definition:
        obj["definition"] = definition
    return obj


def statement(**overrides) -> dict:
    """A minimal valid statement; keyword arguments replace or add top-level properties
    (a value of `...` removes the property)."""
    stmt = {"actor": agent(), "verb": verb(), "object": activity()}
    for key, value in overrides.items():
        if value is ...:
            stmt.pop(key, None)
        else:
            stmt[key] = value
    return stmt


def with_path(path: str, value, base: dict | None = None) -> dict:
    """A statement with the property at dotted `path` set to `value` (`...` deletes it).
    Intermediate objects are created; list indexes are written as numbers."""
    stmt = copy.deepcopy(base) if base is not None else statement()
    parts = path.split(".")
    node = stmt
    for part in parts[:-1]:
        key = int(part) if isinstance(node, list) else part
        if isinstance(node, dict) and key not in node:
            node[key] = {}
        node = node[key]
    last = int(parts[-1]) if isinstance(node, list) else parts[-1]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return stmt


def substatement(**overrides) -> dict:
    sub = {"objectType": "SubStatement", "actor": agent("mailto:sub@example.com"), "verb": verb(),
           "object": activity("http://example.com/activities/sub")}
    for key, value in overrides.items():
        if value is ...:
            sub.pop(key, None)
        else:
            sub[key] = value
    return sub


def context_activities(**kinds) -> dict:
    return {"contextActivities": kinds}


def interaction(interaction_type: str, **extra) -> dict:
    return activity(type="http://adlnet.gov/expapi/activities/cmi.interaction",
                    name={"en-US": "Question"}, interactionType=interaction_type, **extra)


def component(cid: str, text: str = "option") -> dict:
    return {"id": cid, "description": {"en-US": text}}


def attachment(sha2: str = "a" * 64, length: int = 27, **extra) -> dict:
    att = {"usageType": "http://example.com/attachment-usage/test", "display": {"en-US": "A test attachment"},
           "contentType": "text/plain", "length": length, "sha2": sha2}
    att.update(extra)
    return att


def new_id() -> str:
    return str(uuid.uuid4())


def _drop(d: dict, key: str) -> dict:
    d = copy.deepcopy(d)
    d.pop(key, None)
    return d


# ---------------------------------------------------------------------------------
# Statements the LRS MUST reject with 400 Bad Request.
# ---------------------------------------------------------------------------------

INVALID_STATEMENTS: list[tuple[str, callable]] = [
    # Data 2.2 Formatting requirements
    ("Data 2.2 missing actor", lambda: statement(actor=...)),
    ("Data 2.2 missing verb", lambda: statement(verb=...)),
    ("Data 2.2 missing object", lambda: statement(object=...)),
    ("Data 2.2 null actor", lambda: statement(actor=None)),
    ("Data 2.2 null verb", lambda: statement(verb=None)),
    ("Data 2.2 null object", lambda: statement(object=None)),
    ("Data 2.2 null context", lambda: statement(context=None)),
    ("Data 2.2 null result", lambda: statement(result=None)),
    ("Data 2.2 null timestamp", lambda: statement(timestamp=None)),
    ("Data 2.2 null nested actor name", lambda: with_path("actor.name", None)),
    ("Data 2.2 null nested verb display", lambda: with_path("verb.display", None)),
    ("Data 2.2 null language map value", lambda: with_path("verb.display", {"en-US": None})),
    ("Data 2.2 unknown top-level property", lambda: statement(foo="bar")),
    ("Data 2.2 unknown actor property", lambda: with_path("actor.age", 30)),
    ("Data 2.2 unknown verb property", lambda: with_path("verb.label", "x")),
    ("Data 2.2 unknown object property", lambda: with_path("object.title", "x")),
    ("Data 2.2 unknown definition property", lambda: with_path("object.definition", {"title": {"en-US": "x"}})),
    ("Data 2.2 unknown result property", lambda: statement(result={"grade": "A"})),
    ("Data 2.2 unknown context property", lambda: statement(context={"place": "x"})),
    ("Data 2.2 unknown score property", lambda: statement(result={"score": {"percent": 50}})),
    ("Data 2.2 keyword case objectType agent", lambda: with_path("actor.objectType", "agent")),
    ("Data 2.2 keyword case objectType activity", lambda: with_path("object.objectType", "activity")),
    ("Data 2.2 keyword case property Actor", lambda: {"Actor": agent(), "verb": verb(), "object": activity()}),
    ("Data 2.2 statement is a string", lambda: "a statement"),
    ("Data 2.2 statement is a number", lambda: 42),
    ("Data 2.2 statement is null", lambda: None),
    ("Data 2.2 actor is a string", lambda: statement(actor=MBOX)),
    ("Data 2.2 verb is a string", lambda: statement(verb=VERB_ID)),
    ("Data 2.2 object is a string", lambda: statement(object=ACTIVITY_ID)),
    ("Data 2.2 context is a string", lambda: statement(context="ctx")),
    ("Data 2.2 result is a list", lambda: statement(result=[])),
    ("Data 2.2 attachments is an object", lambda: statement(attachments=attachment())),
    # Data 2.4.1 id
    ("Data 2.4.1 id not a UUID", lambda: statement(id="not-a-uuid")),
    ("Data 2.4.1 id is a number", lambda: statement(id=12345)),
    ("Data 2.4.1 id UUID with trailing text", lambda: statement(id=new_id() + "x")),
    # Data 2.4.2 actor / 2.4.2.1 agent / 2.4.2.3 IFI
    ("Data 2.4.2.1 agent without IFI", lambda: statement(actor={"objectType": "Agent", "name": "x"})),
    ("Data 2.4.2.1 agent with no objectType and no IFI", lambda: statement(actor={"name": "x"})),
    ("Data 2.4.2.3 agent with two IFIs", lambda: statement(actor=agent(openid="http://openid.example.com/x"))),
    ("Data 2.4.2.3 agent with mbox and account", lambda: statement(
        actor=agent(account={"homePage": "http://example.com", "name": "u1"}))),
    ("Data 2.4.2.3 mbox without mailto scheme", lambda: statement(actor=agent("conformance@example.com"))),
    ("Data 2.4.2.3 mbox with http scheme", lambda: statement(actor=agent("http://example.com/me"))),
    ("Data 2.4.2.3 mbox is not a string", lambda: statement(actor={"mbox": 123})),
    ("Data 2.4.2.3 mbox_sha1sum not hex", lambda: statement(actor={"mbox_sha1sum": "not-a-sha1"})),
    ("Data 2.4.2.3 mbox_sha1sum wrong length", lambda: statement(actor={"mbox_sha1sum": "ab12"})),
    ("Data 2.4.2.3 openid not a URI", lambda: statement(actor={"openid": "not a uri"})),
    ("Data 2.4.2.3 account without homePage", lambda: statement(actor={"account": {"name": "u1"}})),
    ("Data 2.4.2.3 account without name", lambda: statement(actor={"account": {"homePage": "http://example.com"}})),
    ("Data 2.4.2.3 account homePage not an IRL", lambda: statement(
        actor={"account": {"homePage": "example", "name": "u1"}})),
    ("Data 2.4.2.3 account name not a string", lambda: statement(
        actor={"account": {"homePage": "http://example.com", "name": 7}})),
    ("Data 2.4.2.3 account unknown property", lambda: statement(
        actor={"account": {"homePage": "http://example.com", "name": "u1", "id": 1}})),
    ("Data 2.4.2.3 account is a string", lambda: statement(actor={"account": "u1"})),
    ("Data 2.4.2.1 agent name not a string", lambda: statement(actor=agent(name=5))),
    ("Data 2.4.2 actor objectType unknown", lambda: with_path("actor.objectType", "Person")),
    ("Data 2.4.2 actor objectType Activity", lambda: statement(actor=activity())),
    # Data 2.4.2.2 groups
    ("Data 2.4.2.2 anonymous group without member", lambda: statement(actor={"objectType": "Group", "name": "g"})),
    ("Data 2.4.2.2 group member is a group", lambda: statement(actor={"objectType": "Group", "member": [
        {"objectType": "Group", "mbox": "mailto:inner@example.com"}]})),
    ("Data 2.4.2.2 group member without IFI", lambda: statement(actor={"objectType": "Group", "member": [
        {"objectType": "Agent", "name": "x"}]})),
    ("Data 2.4.2.2 group member is not a list", lambda: statement(actor={"objectType": "Group", "member": agent()})),
    ("Data 2.4.2.2 group without objectType", lambda: statement(actor={"member": [agent()]})),
    ("Data 2.4.2.2 identified group with two IFIs", lambda: statement(actor={
        "objectType": "Group", "mbox": "mailto:g@example.com", "openid": "http://example.com/g"})),
    ("Data 2.4.2.2 identified group bad member", lambda: statement(actor={
        "objectType": "Group", "mbox": "mailto:g@example.com", "member": [{"mbox": "g@example.com"}]})),
    # Data 2.4.3 verb
    ("Data 2.4.3 verb without id", lambda: statement(verb={"display": {"en-US": "x"}})),
    ("Data 2.4.3 verb id not an IRI", lambda: statement(verb={"id": "experienced"})),
    ("Data 2.4.3 verb id is a number", lambda: statement(verb={"id": 1})),
    ("Data 2.4.3 verb display is a string", lambda: statement(verb={"id": VERB_ID, "display": "experienced"})),
    ("Data 4.2 verb display bad language tag", lambda: statement(verb={"id": VERB_ID, "display": {"en_US": "x"}})),
    ("Data 4.2 verb display numeric language tag", lambda: statement(verb={"id": VERB_ID, "display": {"1234": "x"}})),
    ("Data 4.2 verb display empty language tag", lambda: statement(verb={"id": VERB_ID, "display": {"": "x"}})),
    ("Data 4.2 verb display value not a string", lambda: statement(verb={"id": VERB_ID, "display": {"en-US": 1}})),
    # Data 2.4.4.1 activity
    ("Data 2.4.4.1 activity without id", lambda: statement(object={"objectType": "Activity"})),
    ("Data 2.4.4.1 activity id not an IRI", lambda: statement(object=activity("conformance"))),
    ("Data 2.4.4.1 activity id is a number", lambda: statement(object={"id": 5})),
    ("Data 2.4.4.1 definition is a string", lambda: with_path("object.definition", "def")),
    ("Data 2.4.4.1 definition name is a string", lambda: statement(object=activity(name="Name"))),
    ("Data 2.4.4.1 definition description is a number", lambda: statement(object=activity(description=3))),
    ("Data 4.2 definition name bad language tag", lambda: statement(object=activity(name={"en_US": "x"}))),
    ("Data 2.4.4.1 definition type not an IRI", lambda: statement(object=activity(type="course"))),
    ("Data 2.4.4.1 definition moreInfo not an IRL", lambda: statement(object=activity(moreInfo="info"))),
    ("Data 2.4.4.1 interactionType unknown", lambda: statement(object=interaction("essay"))),
    ("Data 2.4.4.1 interactionType is a number", lambda: statement(object=interaction(1))),
    ("Data 2.4.4.1 interactionType is an IRI", lambda: statement(object=interaction("http://example.com/choice"))),
    ("Data 2.4.4.1 correctResponsesPattern is a string", lambda: statement(
        object=interaction("true-false", correctResponsesPattern="true"))),
    ("Data 2.4.4.1 correctResponsesPattern item not a string", lambda: statement(
        object=interaction("numeric", correctResponsesPattern=[4]))),
    ("Data 2.4.4.1 choices without interactionType", lambda: statement(
        object=activity(choices=[component("a")]))),
    ("Data 2.4.4.1 correctResponsesPattern without interactionType", lambda: statement(
        object=activity(correctResponsesPattern=["true"]))),
    ("Data 2.4.4.1 choices is an object", lambda: statement(object=interaction("choice", choices=component("a")))),
    ("Data 2.4.4.1 component without id", lambda: statement(
        object=interaction("choice", choices=[{"description": {"en-US": "x"}}]))),
    ("Data 2.4.4.1 component ids not distinct", lambda: statement(
        object=interaction("choice", choices=[component("a"), component("a", "again")]))),
    ("Data 2.4.4.1 component description not a language map", lambda: statement(
        object=interaction("choice", choices=[{"id": "a", "description": "x"}]))),
    ("Data 2.4.4.1 component unknown property", lambda: statement(
        object=interaction("choice", choices=[{"id": "a", "text": "x"}]))),
    ("Data 4.1 activity extension key not an IRI", lambda: statement(object=activity(extensions={"color": "red"}))),
    ("Data 4.1 activity extensions is a list", lambda: statement(object=activity(extensions=[]))),
    # Data 2.4.4.2 agent / group as object
    ("Data 2.4.4.2 agent object without IFI", lambda: statement(object={"objectType": "Agent", "name": "x"})),
    ("Data 2.4.4.2 agent object bad mbox", lambda: statement(object={"objectType": "Agent", "mbox": "x@y.com"})),
    ("Data 2.4.4.2 group object without member", lambda: statement(object={"objectType": "Group"})),
    ("Data 2.4.4 object objectType unknown", lambda: statement(object={"objectType": "Course", "id": ACTIVITY_ID})),
    # Data 2.4.4.3 StatementRef / SubStatement
    ("Data 2.4.4.3 StatementRef without id", lambda: statement(object={"objectType": "StatementRef"})),
    ("Data 2.4.4.3 StatementRef id not a UUID", lambda: statement(object={"objectType": "StatementRef", "id": "x"})),
    ("Data 2.4.4.3 StatementRef unknown property", lambda: statement(
        object={"objectType": "StatementRef", "id": new_id(), "definition": {}})),
    ("Data 2.4.4.3 StatementRef without objectType", lambda: statement(object={"id": new_id()})),
    ("Data 2.4.4.3 SubStatement with id", lambda: statement(object=substatement(id=new_id()))),
    ("Data 2.4.4.3 SubStatement with stored", lambda: statement(
        object=substatement(stored="2024-01-01T00:00:00.000Z"))),
    ("Data 2.4.4.3 SubStatement with version", lambda: statement(object=substatement(version="1.0.0"))),
    ("Data 2.4.4.3 SubStatement with authority", lambda: statement(object=substatement(authority=agent()))),
    ("Data 2.4.4.3 nested SubStatement", lambda: statement(object=substatement(object=substatement()))),
    ("Data 2.4.4.3 SubStatement without verb", lambda: statement(object=substatement(verb=...))),
    ("Data 2.4.4.3 SubStatement without actor", lambda: statement(object=substatement(actor=...))),
    ("Data 2.4.4.3 SubStatement bad actor", lambda: statement(object=substatement(actor={"mbox": "x"}))),
    ("Data 2.4.4.3 SubStatement bad context", lambda: statement(object=substatement(
        context={"registration": "not-a-uuid"}))),
    ("Data 2.4.4.3 SubStatement with unknown property", lambda: statement(object=substatement(foo=1))),
    # Data 2.4.5 result
    ("Data 2.4.5.1 score scaled above 1", lambda: statement(result={"score": {"scaled": 1.5}})),
    ("Data 2.4.5.1 score scaled below -1", lambda: statement(result={"score": {"scaled": -1.01}})),
    ("Data 2.4.5.1 score scaled is a string", lambda: statement(result={"score": {"scaled": "0.5"}})),
    ("Data 2.4.5.1 score raw above max", lambda: statement(result={"score": {"raw": 11, "min": 0, "max": 10}})),
    ("Data 2.4.5.1 score raw below min", lambda: statement(result={"score": {"raw": -1, "min": 0, "max": 10}})),
    ("Data 2.4.5.1 score min above max", lambda: statement(result={"score": {"min": 10, "max": 5}})),
    ("Data 2.4.5.1 score min equal to max", lambda: statement(result={"score": {"min": 5, "max": 5}})),
    ("Data 2.4.5.1 score raw is a string", lambda: statement(result={"score": {"raw": "9"}})),
    ("Data 2.4.5.1 score is a number", lambda: statement(result={"score": 0.9})),
    ("Data 2.4.5 success is a string", lambda: statement(result={"success": "true"})),
    ("Data 2.4.5 completion is a number", lambda: statement(result={"completion": 1})),
    ("Data 2.4.5 response is an object", lambda: statement(result={"response": {"a": 1}})),
    ("Data 4.6 duration not ISO 8601", lambda: statement(result={"duration": "1 hour"})),
    ("Data 4.6 duration without P", lambda: statement(result={"duration": "T1H"})),
    ("Data 4.6 duration time part without T", lambda: statement(result={"duration": "P1H"})),
    ("Data 4.6 duration is a number", lambda: statement(result={"duration": 3600})),
    ("Data 4.1 result extension key not an IRI", lambda: statement(result={"extensions": {"score": 1}})),
    # Data 2.4.6 context
    ("Data 2.4.6 registration not a UUID", lambda: statement(context={"registration": "reg-1"})),
    ("Data 2.4.6 instructor without IFI", lambda: statement(context={"instructor": {"name": "T"}})),
    ("Data 2.4.6 instructor bad mbox", lambda: statement(context={"instructor": {"mbox": "t@example.com"}})),
    ("Data 2.4.6 team is an Agent", lambda: statement(context={"team": agent("mailto:team@example.com")})),
    ("Data 2.4.6 team without objectType", lambda: statement(context={"team": {"member": [agent()]}})),
    ("Data 2.4.6 team anonymous without member", lambda: statement(context={"team": {"objectType": "Group"}})),
    ("Data 2.4.6.2 contextActivities unknown key", lambda: statement(
        context=context_activities(sibling=[activity()]))),
    ("Data 2.4.6.2 contextActivities parent is a string", lambda: statement(
        context=context_activities(parent=ACTIVITY_ID))),
    ("Data 2.4.6.2 contextActivities grouping activity without id", lambda: statement(
        context=context_activities(grouping=[{"objectType": "Activity"}]))),
    ("Data 2.4.6.2 contextActivities category is an Agent", lambda: statement(
        context=context_activities(category=[agent()]))),
    ("Data 2.4.6.2 contextActivities other id not an IRI", lambda: statement(
        context=context_activities(other={"id": "other"}))),
    ("Data 2.4.6.2 contextActivities is a list", lambda: statement(context={"contextActivities": [activity()]})),
    ("Data 2.4.6 revision with Agent object", lambda: statement(object=agent("mailto:o@example.com"),
                                                                context={"revision": "r1"})),
    ("Data 2.4.6 platform with Agent object", lambda: statement(object=agent("mailto:o@example.com"),
                                                                context={"platform": "web"})),
    ("Data 2.4.6 revision with StatementRef object", lambda: statement(
        object={"objectType": "StatementRef", "id": new_id()}, context={"revision": "r1"})),
    ("Data 2.4.6 platform with SubStatement object", lambda: statement(object=substatement(),
                                                                       context={"platform": "web"})),
    ("Data 2.4.6 revision is a number", lambda: statement(context={"revision": 2})),
    ("Data 2.4.6 language not RFC 5646", lambda: statement(context={"language": "english_US"})),
    ("Data 2.4.6 language is a number", lambda: statement(context={"language": 1})),
    ("Data 2.4.6 statement is not a StatementRef", lambda: statement(context={"statement": activity()})),
    ("Data 2.4.6 statement ref id not a UUID", lambda: statement(
        context={"statement": {"objectType": "StatementRef", "id": "abc"}})),
    ("Data 4.1 context extension key not an IRI", lambda: statement(context={"extensions": {"k": 1}})),
    ("Data 4.1 context extensions is a string", lambda: statement(context={"extensions": "x"})),
    # Data 2.4.7 timestamp, 4.5 ISO 8601
    ("Data 4.5 timestamp not a date", lambda: statement(timestamp="yesterday")),
    ("Data 4.5 timestamp date only", lambda: statement(timestamp="2024-05-18")),
    ("Data 4.5 timestamp impossible date", lambda: statement(timestamp="2024-02-30T10:00:00Z")),
    ("Data 4.5 timestamp impossible hour", lambda: statement(timestamp="2024-05-18T25:00:00Z")),
    ("Data 4.5 timestamp is a number", lambda: statement(timestamp=1716000000)),
    # Data 2.4.9 authority
    ("Data 2.4.9 authority without IFI", lambda: statement(authority={"objectType": "Agent", "name": "x"})),
    ("Data 2.4.9 authority bad mbox", lambda: statement(authority={"mbox": "a@example.com"})),
    ("Data 2.4.9 authority is a string", lambda: statement(authority="me")),
    # Data 2.4.10 version
    ("Data 2.4.10 version 0.95", lambda: statement(version="0.95")),
    ("Data 2.4.10 version 1.1.0", lambda: statement(version="1.1.0")),
    ("Data 2.4.10 version not a string", lambda: statement(version=1.0)),
    ("Data 2.4.10 version garbage", lambda: statement(version="one")),
    # Data 2.4.11 attachments (application/json: every attachment needs a fileUrl)
    ("Data 2.4.11 attachment without usageType", lambda: statement(attachments=[
        _drop(attachment(fileUrl="http://example.com/f.txt"), "usageType")])),
    ("Data 2.4.11 attachment without display", lambda: statement(attachments=[
        _drop(attachment(fileUrl="http://example.com/f.txt"), "display")])),
    ("Data 2.4.11 attachment without contentType", lambda: statement(attachments=[
        _drop(attachment(fileUrl="http://example.com/f.txt"), "contentType")])),
    ("Data 2.4.11 attachment without length", lambda: statement(attachments=[
        _drop(attachment(fileUrl="http://example.com/f.txt"), "length")])),
    ("Data 2.4.11 attachment without sha2", lambda: statement(attachments=[
        _drop(attachment(fileUrl="http://example.com/f.txt"), "sha2")])),
    ("Data 2.4.11 attachment usageType not an IRI", lambda: statement(attachments=[
        attachment(fileUrl="http://example.com/f.txt", usageType="test")])),
    ("Data 2.4.11 attachment display not a language map", lambda: statement(attachments=[
        attachment(fileUrl="http://example.com/f.txt", display="A")])),
    ("Data 2.4.11 attachment description not a language map", lambda: statement(attachments=[
        attachment(fileUrl="http://example.com/f.txt", description="A")])),
    ("Data 2.4.11 attachment length not an integer", lambda: statement(attachments=[
        attachment(fileUrl="http://example.com/f.txt", length="27")])),
    ("Data 2.4.11 attachment sha2 not a string", lambda: statement(attachments=[
        attachment(fileUrl="http://example.com/f.txt", sha2=123)])),
    ("Data 2.4.11 attachment contentType not a media type", lambda: statement(attachments=[
        attachment(fileUrl="http://example.com/f.txt", contentType="plain text")])),
    ("Data 2.4.11 attachment fileUrl not an IRL", lambda: statement(attachments=[
        attachment(fileUrl="file")])),
    ("Data 2.4.11 attachment unknown property", lambda: statement(attachments=[
        attachment(fileUrl="http://example.com/f.txt", size=27)])),
    ("Comm 1.5.2 application/json attachment without fileUrl", lambda: statement(attachments=[attachment()])),
]


# ---------------------------------------------------------------------------------
# Statements the LRS MUST accept (200 with one id).
# ---------------------------------------------------------------------------------

def _group(**extra) -> dict:
    return {"objectType": "Group", "name": "一班", "member": [agent("mailto:m1@example.com"),
                                                             {"account": {"homePage": "http://example.com",
                                                                          "name": "m2"}}], **extra}


VALID_STATEMENTS: list[tuple[str, callable]] = [
    ("Data 2.4.2.1 agent without objectType", lambda: statement(actor={"mbox": MBOX})),
    ("Data 2.4.2.3 mbox_sha1sum", lambda: statement(actor={"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"})),
    ("Data 2.4.2.3 openid", lambda: statement(actor={"openid": "http://openid.example.org/12345"})),
    ("Data 2.4.2.3 account", lambda: statement(actor={"account": {"homePage": "http://www.example.com",
                                                                 "name": "1625378"}})),
    ("Data 2.4.2.2 anonymous group", lambda: statement(actor=_group())),
    ("Data 2.4.2.2 identified group with members", lambda: statement(actor=_group(mbox="mailto:g@example.com"))),
    ("Data 2.4.2.2 identified group without members", lambda: statement(
        actor={"objectType": "Group", "account": {"homePage": "http://example.com", "name": "g1"}})),
    ("Data 2.4.3 verb without display", lambda: statement(verb={"id": VERB_ID})),
    ("Data 4.2 language tags with script and region", lambda: statement(
        verb={"id": VERB_ID, "display": {"zh-Hans-CN": "学习了", "en": "experienced", "de-DE-1996": "x"}})),
    ("Data 2.4.4.1 activity without objectType", lambda: statement(object={"id": ACTIVITY_ID})),
    ("Data 2.4.4.1 urn activity id", lambda: statement(object={"id": "urn:uuid:" + new_id()})),
    ("Data 2.4.4.1 activity with full definition", lambda: statement(object=activity(
        name={"zh-CN": "干部培训课程", "en-US": "Course"}, description={"en-US": "A course"},
        type="http://adlnet.gov/expapi/activities/course", moreInfo="http://example.com/more",
        extensions={"http://example.com/ext/level": {"any": ["json", 1, None]}}))),
    ("Data 2.4.4.1 true-false interaction", lambda: statement(
        object=interaction("true-false", correctResponsesPattern=["true"]))),
    ("Data 2.4.4.1 choice interaction", lambda: statement(object=interaction(
        "choice", correctResponsesPattern=["a[,]b"], choices=[component("a"), component("b"), component("c")]))),
    ("Data 2.4.4.1 fill-in interaction", lambda: statement(
        object=interaction("fill-in", correctResponsesPattern=["{case_matters=false}Bob"]))),
    ("Data 2.4.4.1 long-fill-in interaction", lambda: statement(
        object=interaction("long-fill-in", correctResponsesPattern=["{lang=en}essay"]))),
    ("Data 2.4.4.1 likert interaction", lambda: statement(object=interaction(
        "likert", correctResponsesPattern=["l3"], scale=[component("l1"), component("l2"), component("l3")]))),
    ("Data 2.4.4.1 matching interaction", lambda: statement(object=interaction(
        "matching", correctResponsesPattern=["s1[.]t1"], source=[component("s1")], target=[component("t1")]))),
    ("Data 2.4.4.1 performance interaction", lambda: statement(object=interaction(
        "performance", correctResponsesPattern=["p1[.]1:5"], steps=[component("p1")]))),
    ("Data 2.4.4.1 sequencing interaction", lambda: statement(object=interaction(
        "sequencing", correctResponsesPattern=["a[,]b"], choices=[component("a"), component("b")]))),
    ("Data 2.4.4.1 numeric interaction", lambda: statement(
        object=interaction("numeric", correctResponsesPattern=["4[:]"]))),
    ("Data 2.4.4.1 other interaction", lambda: statement(
        object=interaction("other", correctResponsesPattern=["(35.9,-86.7)"]))),
    ("Data 2.4.4.2 agent as object", lambda: statement(object=agent("mailto:o@example.com"))),
    ("Data 2.4.4.2 group as object", lambda: statement(object=_group())),
    ("Data 2.4.4.3 StatementRef object", lambda: statement(object={"objectType": "StatementRef", "id": new_id()})),
    ("Data 2.4.4.3 SubStatement object", lambda: statement(object=substatement(
        result={"success": True}, context={"registration": new_id(), "platform": "web"},
        timestamp="2024-05-18T05:32:34.804Z"))),
    ("Data 2.4.4.3 SubStatement with StatementRef object", lambda: statement(object=substatement(
        object={"objectType": "StatementRef", "id": new_id()}))),
    ("Data 2.4.5 full result", lambda: statement(result={
        "score": {"scaled": 0.95, "raw": 95, "min": 0, "max": 100}, "success": True, "completion": True,
        "response": "我们学习了", "duration": "PT1H0M0S", "extensions": {"http://example.com/ext/x": 1}})),
    ("Data 2.4.5.1 score scaled -1 and 1 bounds", lambda: statement(result={"score": {"scaled": -1}})),
    ("Data 2.4.5.1 score raw without min max", lambda: statement(result={"score": {"raw": 1234.5}})),
    ("Data 4.6 duration with fractional seconds", lambda: statement(result={"duration": "PT4.25S"})),
    ("Data 4.6 duration in weeks", lambda: statement(result={"duration": "P2W"})),
    ("Data 4.6 duration in days and time", lambda: statement(result={"duration": "P1DT12H30M"})),
    ("Data 2.4.6 full context", lambda: statement(context={
        "registration": new_id(), "instructor": agent("mailto:teacher@example.com"),
        "team": _group(), "contextActivities": {
            "parent": [activity("http://example.com/p")], "grouping": [activity("http://example.com/g")],
            "category": [activity("http://example.com/c")], "other": [activity("http://example.com/o")]},
        "revision": "r2", "platform": "干训App", "language": "zh-CN",
        "statement": {"objectType": "StatementRef", "id": new_id()},
        "extensions": {"http://example.com/ext/class": "一班"}})),
    ("Data 2.4.6 instructor is a group", lambda: statement(context={"instructor": _group()})),
    ("Data 4.5 timestamp with offset", lambda: statement(timestamp="2024-05-18T13:32:34.804+08:00")),
    ("Data 4.5 timestamp without fraction", lambda: statement(timestamp="2024-05-18T05:32:34Z")),
    ("Data 4.5 timestamp with microseconds", lambda: statement(timestamp="2024-05-18T05:32:34.123456Z")),
    ("Data 2.4.10 version 1.0.0", lambda: statement(version="1.0.0")),
    ("Data 2.4.10 version 1.0.3", lambda: statement(version="1.0.3")),
    ("Data 2.4.10 version 1.0.9", lambda: statement(version="1.0.9")),
    ("Data 2.4.11 attachment with fileUrl", lambda: statement(attachments=[attachment(
        fileUrl="http://example.com/files/report.pdf", description={"en-US": "report"},
        contentType="application/pdf")])),
    ("Data 4.1 extensions with empty object", lambda: statement(object=activity(extensions={}))),
    ("Data 2.2 null inside extension value", lambda: statement(context={"extensions": {
        "http://example.com/ext/nothing": None}})),
]


# xAPI 2.0.0 specifics (IEEE 9274.1.1): context agents and groups.

def context_agent(**extra) -> dict:
    return {"objectType": "contextAgent", "agent": agent("mailto:ca@example.com"),
            "relevantTypes": ["http://example.com/types/mentor"], **extra}


def context_group(**extra) -> dict:
    return {"objectType": "contextGroup", "group": _group(),
            "relevantTypes": ["http://example.com/types/cohort"], **extra}


INVALID_STATEMENTS_2_0: list[tuple[str, callable]] = [
    ("2.0 Data 4.5 timestamp without offset", lambda: statement(timestamp="2024-05-18T05:32:34.804")),
    ("2.0 contextAgents is an object", lambda: statement(context={"contextAgents": context_agent()})),
    ("2.0 contextAgent wrong objectType", lambda: statement(context={"contextAgents": [
        context_agent(objectType="Agent")]})),
    ("2.0 contextAgent without agent", lambda: statement(context={"contextAgents": [
        {"objectType": "contextAgent", "relevantTypes": ["http://example.com/t"]}]})),
    ("2.0 contextAgent agent without IFI", lambda: statement(context={"contextAgents": [
        context_agent(agent={"name": "x"})]})),
    ("2.0 contextAgent agent is a group", lambda: statement(context={"contextAgents": [
        context_agent(agent=_group())]})),
    ("2.0 contextAgent relevantTypes empty", lambda: statement(context={"contextAgents": [
        context_agent(relevantTypes=[])]})),
    ("2.0 contextAgent relevantTypes not IRIs", lambda: statement(context={"contextAgents": [
        context_agent(relevantTypes=["mentor"])]})),
    ("2.0 contextGroups item wrong objectType", lambda: statement(context={"contextGroups": [
        context_group(objectType="Group")]})),
    ("2.0 contextGroup group is an agent", lambda: statement(context={"contextGroups": [
        context_group(group=agent())]})),
    ("2.0 contextGroup without group", lambda: statement(context={"contextGroups": [
        {"objectType": "contextGroup"}]})),
    ("2.0 contextGroup relevantTypes empty", lambda: statement(context={"contextGroups": [
        context_group(relevantTypes=[])]})),
    ("2.0 contextGroup unknown property", lambda: statement(context={"contextGroups": [
        context_group(role="x")]})),
]
