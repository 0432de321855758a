"""The `format` parameter of GET /xapi/statements: exact, ids, canonical.

exact — the stored body as is (no parsing: the common case stays a string join);
ids — Agents, Groups, Activities and Verbs reduced to what identifies them;
canonical — every language map reduced to the one language the request prefers
(Accept-Language), falling back to the first language of the map.
"""

from __future__ import annotations

import json

IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")


def accept_languages(header: str) -> list[str]:
    """Accept-Language → tags in order of preference (q=0 dropped)."""
    weighted = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:
            weighted.append((-quality, position, tag.lower()))
    return [tag for _q, _p, tag in sorted(weighted)]


def render(body: str, fmt: str, languages: list[str]) -> str:
    if fmt == "exact":
        return body
    statement = json.loads(body)
    if fmt == "ids":
        statement = _ids_statement(statement)
    else:
        _canonical(statement, languages)
    return json.dumps(statement, ensure_ascii=False, separators=(",", ":"))


# --- ids -----------------------------------------------------------------------------

def _ids_agent(agent):
    if not isinstance(agent, dict):
        return agent
    out = {"objectType": agent.get("objectType", "Agent")}
    for key in IFI_KEYS:
        if key in agent:
            out[key] = agent[key]
    if agent.get("objectType") == "Group" and not any(key in agent for key in IFI_KEYS):
        out["member"] = [_ids_agent(m) for m in agent.get("member") or ()]
    return out


def _ids_activity(activity: dict) -> dict:
    return {"objectType": "Activity", "id": activity["id"]}


def _ids_object(obj: dict) -> dict:
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        return _ids_activity(obj)
    if kind in ("Agent", "Group"):
        return _ids_agent(obj)
    if kind == "SubStatement":
        return _ids_statement(obj)
    return obj


def _ids_statement(statement: dict) -> dict:
    out = dict(statement)
    out["actor"] = _ids_agent(statement["actor"])
    out["verb"] = {"id": statement["verb"]["id"]}
    out["object"] = _ids_object(statement["object"])
    if "authority" in statement:
        out["authority"] = _ids_agent(statement["authority"])
    context = statement.get("context")
    if isinstance(context, dict):
        context = dict(context)
        for key in ("instructor", "team"):
            if key in context:
                context[key] = _ids_agent(context[key])
        if "contextActivities" in context:
            context["contextActivities"] = {k: [_ids_activity(a) for a in v]
                                            for k, v in context["contextActivities"].items()}
        if "contextAgents" in context:
            context["contextAgents"] = [{**item, "agent": _ids_agent(item["agent"])} for item in context["contextAgents"]]
        if "contextGroups" in context:
            context["contextGroups"] = [{**item, "group": _ids_agent(item["group"])} for item in context["contextGroups"]]
        out["context"] = context
    return out


# --- canonical -------------------------------------------------------------------------

def _pick(language_map: dict, languages: list[str]) -> dict:
    if not isinstance(language_map, dict) or len(language_map) <= 1:
        return language_map
    lowered = {tag.lower(): tag for tag in language_map}
    for wanted in languages:
        if wanted in lowered:
            tag = lowered[wanted]
            return {tag: language_map[tag]}
        for have, tag in lowered.items():  # "zh" matches "zh-cn", "zh-cn" matches "zh"
            if have.split("-")[0] == wanted.split("-")[0]:
                return {tag: language_map[tag]}
    tag = next(iter(language_map))
    return {tag: language_map[tag]}


def _canonical_definition(definition: dict, languages: list[str]) -> None:
    for key in ("name", "description"):
        if key in definition:
            definition[key] = _pick(definition[key], languages)
    for key in ("choices", "scale", "source", "target", "steps"):
        for component in definition.get(key) or ():
            if "description" in component:
                component["description"] = _pick(component["description"], languages)


def _canonical_activity(activity: dict, languages: list[str]) -> None:
    if isinstance(activity.get("definition"), dict):
        _canonical_definition(activity["definition"], languages)


def _canonical(statement: dict, languages: list[str]) -> None:
    verb = statement.get("verb") or {}
    if "display" in verb:
        verb["display"] = _pick(verb["display"], languages)
    obj = statement.get("object") or {}
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        _canonical_activity(obj, languages)
    elif kind == "SubStatement":
        _canonical(obj, languages)
    context = statement.get("context") or {}
    for items in (context.get("contextActivities") or {}).values():
        for activity in items:
            _canonical_activity(activity, languages)
    for attachment in statement.get("attachments") or ():
        for key in ("display", "description"):
            if key in attachment:
                attachment[key] = _pick(attachment[key], languages)
