"""Hand-written validation of xAPI statements (1.0.3 and 2.0.0).

Every MUST of the Data part of the spec that can be checked on one statement is
checked here; a failure raises `StatementInvalid` whose message starts with the
path of the bad property (`statements[3].result.score.scaled: must be between -1
and 1`). No JSON-schema library: the LRS must ingest >10,000 statements a second,
and a schema walker costs several times this code.

`validate_statement` also normalises the one thing the spec lets the LRS
normalise on the way in: a single contextActivities object becomes an array.
Everything else is kept as given, so the stored statement is what the client sent
plus the LRS's own properties (id, stored, timestamp, authority, version).
"""

from __future__ import annotations

import datetime as dt
import re

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_IRL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://[^/?#\s]+")
_WHITESPACE = re.compile(r"[\s<>\"{}|\\^`]")
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_SHA2 = re.compile(r"^(?:[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128})$")
_MBOX = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")
# RFC 5646: langtag (language[-script][-region]*(-variant)*(-extension)*[-privateuse]),
# private use (x-…) and the grandfathered i-… tags. Subtags are checked for shape.
_LANGTAG = re.compile(
    r"^(?:(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})"
    r"(?:-[A-Za-z]{4})?"
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"
    r"(?:-[xX](?:-[A-Za-z0-9]{1,8})+)?"
    r"|[xX](?:-[A-Za-z0-9]{1,8})+"
    r"|[iI]-[A-Za-z]{2,8})$"
)
_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)
_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+(?:[.,]\d+)?W)|"
    r"(?:\d+(?:[.,]\d+)?Y)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?D)?"
    r"(?:T(?:\d+(?:[.,]\d+)?H)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,](?P<fraction>\d+))?S)?)?)$"
)
_VERSION_10 = re.compile(r"^1\.0(?:\.\d+)?$")
_VERSION_20 = re.compile(r"^2\.0(?:\.\d+)?$")

STATEMENT_KEYS = frozenset({"id", "actor", "verb", "object", "result", "context", "timestamp", "stored",
                            "authority", "version", "attachments"})
SUBSTATEMENT_KEYS = frozenset({"objectType", "actor", "verb", "object", "result", "context", "timestamp",
                               "attachments"})
AGENT_KEYS = frozenset({"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"})
GROUP_KEYS = AGENT_KEYS | {"member"}
IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")
VERB_KEYS = frozenset({"id", "display"})
ACTIVITY_KEYS = frozenset({"objectType", "id", "definition"})
DEFINITION_KEYS = frozenset({"name", "description", "type", "moreInfo", "extensions", "interactionType",
                             "correctResponsesPattern", "choices", "scale", "source", "target", "steps"})
INTERACTION_TYPES = {
    "true-false": (), "choice": ("choices",), "fill-in": (), "long-fill-in": (), "matching": ("source", "target"),
    "performance": ("steps",), "sequencing": ("choices",), "likert": ("scale",), "numeric": (), "other": (),
}
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
RESULT_KEYS = frozenset({"score", "success", "completion", "response", "duration", "extensions"})
SCORE_KEYS = frozenset({"scaled", "raw", "min", "max"})
CONTEXT_KEYS_10 = frozenset({"registration", "instructor", "team", "contextActivities", "revision", "platform",
                             "language", "statement", "extensions"})
CONTEXT_KEYS_20 = CONTEXT_KEYS_10 | {"contextAgents", "contextGroups"}
CONTEXT_ACTIVITY_KEYS = frozenset({"parent", "grouping", "category", "other"})
ATTACHMENT_KEYS = frozenset({"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"})


class StatementInvalid(ValueError):
    """A statement breaks a rule of the spec; the message starts with the property path."""


def fail(path: str, message: str):
    raise StatementInvalid(f"{path}: {message}")


# --- primitives --------------------------------------------------------------------

def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_object(value, path: str, allowed: frozenset) -> dict:
    if not isinstance(value, dict):
        fail(path, "must be a JSON object")
    for key in value:
        if key not in allowed:
            fail(f"{path}.{key}", "is not a property of this object")
    return value


def check_string(value, path: str) -> str:
    if not isinstance(value, str):
        fail(path, "must be a string")
    return value


def check_uuid(value, path: str) -> str:
    if not isinstance(value, str) or not _UUID.match(value):
        fail(path, "must be a UUID in its standard string form")
    return value


# Verb, activity, extension IRIs and language tags repeat across statements: their
# verdicts are memoised per process (pure functions of the string; bounded size).
_MEMO_LIMIT = 20_000
_iri_memo: dict[str, bool] = {}
_tag_memo: dict[str, bool] = {}


def _remember(memo: dict[str, bool], value: str, verdict: bool) -> bool:
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[value] = verdict
    return verdict


def is_iri(value) -> bool:
    if not isinstance(value, str):
        return False
    verdict = _iri_memo.get(value)
    if verdict is None:
        verdict = _remember(_iri_memo, value, bool(_SCHEME.match(value)) and len(value) > value.index(":") + 1
                            and not _WHITESPACE.search(value))
    return verdict


def check_iri(value, path: str) -> str:
    if not is_iri(value):
        fail(path, "must be an absolute IRI")
    return value


def check_irl(value, path: str) -> str:
    if not isinstance(value, str) or not _IRL.match(value) or _WHITESPACE.search(value):
        fail(path, "must be an IRL (an absolute IRI with a location, e.g. https://host/…)")
    return value


def is_language_tag(value) -> bool:
    if not isinstance(value, str):
        return False
    verdict = _tag_memo.get(value)
    if verdict is None:
        verdict = _remember(_tag_memo, value, bool(_LANGTAG.match(value)))
    return verdict


def check_language_map(value, path: str) -> dict:
    if not isinstance(value, dict):
        fail(path, "must be a language map (an object of RFC 5646 tags to strings)")
    for tag, text in value.items():
        if not is_language_tag(tag):
            fail(f"{path}.{tag}", "is not an RFC 5646 language tag")
        if not isinstance(text, str):
            fail(f"{path}.{tag}", "must be a string")
    return value


def check_extensions(value, path: str) -> dict:
    if not isinstance(value, dict):
        fail(path, "must be an object whose keys are IRIs")
    for key in value:
        if not is_iri(key):
            fail(f"{path}.{key}", "extension keys must be absolute IRIs")
    return value


def parse_timestamp(value, path: str, version: str) -> dt.datetime:
    """An ISO 8601 date-time. 2.0.0 requires an offset or Z and forbids "-00:00"."""
    match = _TIMESTAMP.match(value) if isinstance(value, str) else None
    if not match:
        fail(path, "must be an ISO 8601 date-time such as 2024-05-01T08:30:00.000Z")
    zone = match.group(8)
    if zone is None and version == "2.0.0":
        fail(path, "must include a time zone offset or Z (xAPI 2.0)")
    if zone and zone.startswith("-") and zone[1:].replace(":", "").strip("0") == "" and version == "2.0.0":
        fail(path, "the offset -00:00 (unknown local offset) is not allowed (xAPI 2.0)")
    try:
        text = value.replace("z", "Z")
        if zone and zone not in ("Z", "z") and len(zone) == 3:
            text += ":00"
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        fail(path, "is not a valid date-time")
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return stamp


def check_duration(value, path: str, version: str) -> str:
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match or value in ("P", "PT") or value.endswith("T"):
        fail(path, "must be an ISO 8601 duration such as PT1H30M or PT4.5S")
    return value


def check_version(value, path: str, version: str) -> str:
    if not isinstance(value, str) or not (_VERSION_10.match(value) or (version == "2.0.0" and _VERSION_20.match(value))):
        allowed = "1.0.x or 2.0.x" if version == "2.0.0" else "1.0.x"
        fail(path, f"must be a supported xAPI version ({allowed})")
    return value


# --- agents and groups -------------------------------------------------------------

def _check_ifis(value: dict, path: str, *, required: bool) -> None:
    present = [key for key in IFI_KEYS if key in value]
    if len(present) > 1:
        fail(path, f"must have exactly one inverse functional identifier, found {', '.join(present)}")
    if not present:
        if required:
            fail(path, "must have one inverse functional identifier (mbox, mbox_sha1sum, openid or account)")
        return
    key = present[0]
    ifi = value[key]
    if key == "mbox":
        if not isinstance(ifi, str) or not _MBOX.match(ifi):
            fail(f"{path}.mbox", 'must be a "mailto:" IRI with an e-mail address')
    elif key == "mbox_sha1sum":
        if not isinstance(ifi, str) or not _SHA1.match(ifi):
            fail(f"{path}.mbox_sha1sum", "must be the hex SHA-1 of a mailto IRI")
    elif key == "openid":
        check_iri(ifi, f"{path}.openid")
    else:
        account = check_object(ifi, f"{path}.account", frozenset({"homePage", "name"}))
        if "homePage" not in account:
            fail(f"{path}.account.homePage", "is required")
        if "name" not in account:
            fail(f"{path}.account.name", "is required")
        check_irl(account["homePage"], f"{path}.account.homePage")
        check_string(account["name"], f"{path}.account.name")


def check_agent(value, path: str, *, object_type_required: bool = False) -> dict:
    check_object(value, path, AGENT_KEYS)
    object_type = value.get("objectType", None if not object_type_required else "")
    if "objectType" in value or object_type_required:
        if object_type != "Agent":
            fail(f"{path}.objectType", 'must be "Agent"')
    if "name" in value:
        check_string(value["name"], f"{path}.name")
    _check_ifis(value, path, required=True)
    return value


def check_group(value, path: str) -> dict:
    check_object(value, path, GROUP_KEYS)
    if value.get("objectType") != "Group":
        fail(f"{path}.objectType", 'must be "Group"')
    if "name" in value:
        check_string(value["name"], f"{path}.name")
    _check_ifis(value, path, required=False)
    identified = any(key in value for key in IFI_KEYS)
    if "member" in value:
        members = value["member"]
        if not isinstance(members, list):
            fail(f"{path}.member", "must be an array of Agents")
        for index, member in enumerate(members):
            member_path = f"{path}.member[{index}]"
            if isinstance(member, dict) and member.get("objectType") == "Group":
                fail(member_path, "a Group must not contain Groups")
            check_agent(member, member_path)
    elif not identified:
        fail(f"{path}.member", "an anonymous Group must list its members")
    return value


def check_actor(value, path: str) -> dict:
    if isinstance(value, dict) and value.get("objectType") == "Group":
        return check_group(value, path)
    return check_agent(value, path)


# --- activities --------------------------------------------------------------------

def _check_components(value, path: str) -> None:
    if not isinstance(value, list):
        fail(path, "must be an array of interaction components")
    seen = set()
    for index, component in enumerate(value):
        item = f"{path}[{index}]"
        check_object(component, item, frozenset({"id", "description"}))
        if "id" not in component:
            fail(f"{item}.id", "is required")
        check_string(component["id"], f"{item}.id")
        if component["id"] in seen:
            fail(f"{item}.id", "ids within an interaction component list must be distinct")
        seen.add(component["id"])
        if "description" in component:
            check_language_map(component["description"], f"{item}.description")


def check_definition(value, path: str) -> dict:
    check_object(value, path, DEFINITION_KEYS)
    for key in ("name", "description"):
        if key in value:
            check_language_map(value[key], f"{path}.{key}")
    if "type" in value:
        check_iri(value["type"], f"{path}.type")
    if "moreInfo" in value:
        check_irl(value["moreInfo"], f"{path}.moreInfo")
    if "extensions" in value:
        check_extensions(value["extensions"], f"{path}.extensions")
    interaction = value.get("interactionType")
    if "interactionType" in value and interaction not in INTERACTION_TYPES:
        fail(f"{path}.interactionType", f"must be one of {', '.join(INTERACTION_TYPES)}")
    if "correctResponsesPattern" in value:
        if interaction is None:
            fail(f"{path}.correctResponsesPattern", "is only allowed with an interactionType")
        pattern = value["correctResponsesPattern"]
        if not isinstance(pattern, list) or not all(isinstance(item, str) for item in pattern):
            fail(f"{path}.correctResponsesPattern", "must be an array of strings")
    for key in COMPONENT_LISTS:
        if key in value:
            if interaction is None or key not in INTERACTION_TYPES[interaction]:
                fail(f"{path}.{key}", f"is not allowed with interactionType {interaction!r}")
            _check_components(value[key], f"{path}.{key}")
    return value


def check_activity(value, path: str) -> dict:
    check_object(value, path, ACTIVITY_KEYS)
    if "objectType" in value and value["objectType"] != "Activity":
        fail(f"{path}.objectType", 'must be "Activity"')
    if "id" not in value:
        fail(f"{path}.id", "is required")
    check_iri(value["id"], f"{path}.id")
    if "definition" in value:
        check_definition(value["definition"], f"{path}.definition")
    return value


def check_statement_ref(value, path: str) -> dict:
    check_object(value, path, frozenset({"objectType", "id"}))
    if value.get("objectType") != "StatementRef":
        fail(f"{path}.objectType", 'must be "StatementRef"')
    if "id" not in value:
        fail(f"{path}.id", "is required")
    check_uuid(value["id"], f"{path}.id")
    return value


# --- result, context, attachments ----------------------------------------------------

def check_result(value, path: str, version: str) -> dict:
    check_object(value, path, RESULT_KEYS)
    if "score" in value:
        score = check_object(value["score"], f"{path}.score", SCORE_KEYS)
        for key in score:
            if not _is_number(score[key]):
                fail(f"{path}.score.{key}", "must be a number")
        if "scaled" in score and not -1 <= score["scaled"] <= 1:
            fail(f"{path}.score.scaled", "must be between -1 and 1")
        if "min" in score and "max" in score and not score["min"] < score["max"]:
            fail(f"{path}.score.min", "must be less than score.max")
        if "raw" in score:
            if "min" in score and score["raw"] < score["min"]:
                fail(f"{path}.score.raw", "must not be less than score.min")
            if "max" in score and score["raw"] > score["max"]:
                fail(f"{path}.score.raw", "must not be greater than score.max")
    for key in ("success", "completion"):
        if key in value and not isinstance(value[key], bool):
            fail(f"{path}.{key}", "must be true or false")
    if "response" in value:
        check_string(value["response"], f"{path}.response")
    if "duration" in value:
        check_duration(value["duration"], f"{path}.duration", version)
    if "extensions" in value:
        check_extensions(value["extensions"], f"{path}.extensions")
    return value


def _check_relevant_types(value, path: str) -> None:
    if not isinstance(value, list) or not value:
        fail(path, "must be a non-empty array of IRIs")
    for index, item in enumerate(value):
        check_iri(item, f"{path}[{index}]")


def check_context(value, path: str, version: str, *, object_is_activity: bool) -> dict:
    check_object(value, path, CONTEXT_KEYS_20 if version == "2.0.0" else CONTEXT_KEYS_10)
    if "registration" in value:
        check_uuid(value["registration"], f"{path}.registration")
    if "instructor" in value:
        check_actor(value["instructor"], f"{path}.instructor")
    if "team" in value:
        check_group(value["team"], f"{path}.team")
    if "contextActivities" in value:
        activities = check_object(value["contextActivities"], f"{path}.contextActivities", CONTEXT_ACTIVITY_KEYS)
        for key, items in activities.items():
            if isinstance(items, dict):
                items = activities[key] = [items]  # a single Activity is accepted and stored as an array
            if not isinstance(items, list):
                fail(f"{path}.contextActivities.{key}", "must be an Activity or an array of Activities")
            for index, activity in enumerate(items):
                check_activity(activity, f"{path}.contextActivities.{key}[{index}]")
    for key in ("revision", "platform"):
        if key in value:
            check_string(value[key], f"{path}.{key}")
            if not object_is_activity:
                fail(f"{path}.{key}", "is only allowed when the object is an Activity")
    if "language" in value and not is_language_tag(value["language"]):
        fail(f"{path}.language", "must be an RFC 5646 language tag")
    if "statement" in value:
        check_statement_ref(value["statement"], f"{path}.statement")
    if "extensions" in value:
        check_extensions(value["extensions"], f"{path}.extensions")
    if "contextAgents" in value:
        items = value["contextAgents"]
        if not isinstance(items, list):
            fail(f"{path}.contextAgents", "must be an array")
        for index, item in enumerate(items):
            item_path = f"{path}.contextAgents[{index}]"
            check_object(item, item_path, frozenset({"objectType", "agent", "relevantTypes"}))
            if item.get("objectType") != "contextAgent":
                fail(f"{item_path}.objectType", 'must be "contextAgent"')
            if "agent" not in item:
                fail(f"{item_path}.agent", "is required")
            check_agent(item["agent"], f"{item_path}.agent")
            if "relevantTypes" in item:
                _check_relevant_types(item["relevantTypes"], f"{item_path}.relevantTypes")
    if "contextGroups" in value:
        items = value["contextGroups"]
        if not isinstance(items, list):
            fail(f"{path}.contextGroups", "must be an array")
        for index, item in enumerate(items):
            item_path = f"{path}.contextGroups[{index}]"
            check_object(item, item_path, frozenset({"objectType", "group", "relevantTypes"}))
            if item.get("objectType") != "contextGroup":
                fail(f"{item_path}.objectType", 'must be "contextGroup"')
            if "group" not in item:
                fail(f"{item_path}.group", "is required")
            check_group(item["group"], f"{item_path}.group")
            if "relevantTypes" in item:
                _check_relevant_types(item["relevantTypes"], f"{item_path}.relevantTypes")
    return value


def check_attachments(value, path: str) -> list:
    if not isinstance(value, list):
        fail(path, "must be an array of Attachment objects")
    for index, attachment in enumerate(value):
        item = f"{path}[{index}]"
        check_object(attachment, item, ATTACHMENT_KEYS)
        for key in ("usageType", "display", "contentType", "length", "sha2"):
            if key not in attachment:
                fail(f"{item}.{key}", "is required")
        check_iri(attachment["usageType"], f"{item}.usageType")
        check_language_map(attachment["display"], f"{item}.display")
        if "description" in attachment:
            check_language_map(attachment["description"], f"{item}.description")
        content_type = attachment["contentType"]
        if not isinstance(content_type, str) or "/" not in content_type or _WHITESPACE.search(content_type.split(";")[0]):
            fail(f"{item}.contentType", "must be an Internet media type")
        length = attachment["length"]
        if not isinstance(length, int) or isinstance(length, bool) or length < 0:
            fail(f"{item}.length", "must be a non-negative integer")
        if not isinstance(attachment["sha2"], str) or not _SHA2.match(attachment["sha2"]):
            fail(f"{item}.sha2", "must be a hex SHA-2 hash")
        if "fileUrl" in attachment:
            check_irl(attachment["fileUrl"], f"{item}.fileUrl")
        if attachment["usageType"] == SIGNATURE_USAGE and content_type != "application/octet-stream":
            fail(f"{item}.contentType", "a signature attachment must be application/octet-stream")
    return value


# --- statements --------------------------------------------------------------------

def _check_object(value, path: str, version: str, *, in_substatement: bool) -> str:
    """Validate a statement's object; return its objectType."""
    if not isinstance(value, dict):
        fail(path, "must be a JSON object")
    object_type = value.get("objectType", "Activity")
    if object_type == "Activity":
        check_activity(value, path)
    elif object_type == "Agent":
        check_agent(value, path, object_type_required=True)
    elif object_type == "Group":
        check_group(value, path)
    elif object_type == "StatementRef":
        check_statement_ref(value, path)
    elif object_type == "SubStatement":
        if in_substatement:
            fail(f"{path}.objectType", "a SubStatement must not contain a SubStatement")
        check_substatement(value, path, version)
    else:
        fail(f"{path}.objectType", "must be Activity, Agent, Group, StatementRef or SubStatement")
    return object_type


def _check_core(value: dict, path: str, version: str, *, in_substatement: bool) -> str:
    for key in ("actor", "verb", "object"):
        if key not in value:
            fail(f"{path}.{key}", "is required")
    check_actor(value["actor"], f"{path}.actor")
    verb = check_object(value["verb"], f"{path}.verb", VERB_KEYS)
    if "id" not in verb:
        fail(f"{path}.verb.id", "is required")
    check_iri(verb["id"], f"{path}.verb.id")
    if "display" in verb:
        check_language_map(verb["display"], f"{path}.verb.display")
    object_type = _check_object(value["object"], f"{path}.object", version, in_substatement=in_substatement)
    if "result" in value:
        check_result(value["result"], f"{path}.result", version)
    if "context" in value:
        check_context(value["context"], f"{path}.context", version, object_is_activity=object_type == "Activity")
    if "timestamp" in value:
        parse_timestamp(value["timestamp"], f"{path}.timestamp", version)
    if "attachments" in value:
        check_attachments(value["attachments"], f"{path}.attachments")
    if verb["id"] == VOIDED_VERB and object_type != "StatementRef":
        fail(f"{path}.object", "a voiding statement's object must be a StatementRef")
    return object_type


def check_substatement(value: dict, path: str, version: str) -> dict:
    for key in ("id", "stored", "version", "authority"):
        if key in value:
            fail(f"{path}.{key}", "is not allowed in a SubStatement")
    check_object(value, path, SUBSTATEMENT_KEYS)
    _check_core(value, path, version, in_substatement=True)
    return value


def validate_statement(value, path: str, version: str) -> dict:
    """Check one statement against the spec's rules for `version` ("1.0.3" or "2.0.0").

    Returns the statement (normalised in place); raises StatementInvalid."""
    check_object(value, path, STATEMENT_KEYS)
    if "id" in value:
        check_uuid(value["id"], f"{path}.id")
    _check_core(value, path, version, in_substatement=False)
    if "stored" in value:
        parse_timestamp(value["stored"], f"{path}.stored", version)
    if "authority" in value:
        check_actor(value["authority"], f"{path}.authority")
    if "version" in value:
        check_version(value["version"], f"{path}.version", version)
    return value
