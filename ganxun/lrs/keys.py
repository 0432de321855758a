"""Fixed-width lookup keys for agents, activities, verbs and document ids.

key = first 32 hex digits of SHA-256("<kind>:<identifier>"): 128 bits, so a collision
is not a practical concern, and the indexes stay small whatever the IRI length.
"""

from __future__ import annotations

import hashlib


def lookup_key(kind: str, identifier: str) -> str:
    return hashlib.sha256(f"{kind}:{identifier}".encode()).hexdigest()[:32]


def activity_key(activity_id: str) -> str:
    return lookup_key("activity", activity_id)


def verb_key(verb_id: str) -> str:
    return lookup_key("verb", verb_id)


def document_key(document_id: str) -> str:
    return lookup_key("document", document_id)


def agent_ifi(agent: dict) -> str | None:
    """The inverse functional identifier of an Agent or identified Group as one string,
    or None for an anonymous group. Assumes a validated agent."""
    if "mbox" in agent:
        return "mbox:" + agent["mbox"]
    if "mbox_sha1sum" in agent:
        return "mbox_sha1sum:" + agent["mbox_sha1sum"]
    if "openid" in agent:
        return "openid:" + agent["openid"]
    account = agent.get("account")
    if isinstance(account, dict):
        return f"account:{account.get('homePage')}|{account.get('name')}"
    return None


def agent_key(agent: dict) -> str | None:
    ifi = agent_ifi(agent)
    return lookup_key("agent", ifi) if ifi is not None else None
