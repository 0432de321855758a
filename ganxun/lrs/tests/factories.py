"""Builders for LRS tests: clients with credentials, Basic auth headers, statements."""

from __future__ import annotations

import base64
import uuid

from ganxun.lrs.services import lrs_client_create

SITE = "http://127.0.0.1:8000"


def make_lrs_client(**perms) -> tuple:
    """(client, key, secret) of a new LrsClient; keyword args set its fields
    (can_write, can_read_own, can_read_all, can_documents, scope, name)."""
    name = perms.pop("name", "测试客户端")
    client, secret = lrs_client_create(name=name, **perms)
    return client, client.key, secret


def basic_auth(key: str, secret: str, version: str = "1.0.3") -> dict:
    """Headers for the Django test client: Basic credentials and the xAPI version."""
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    headers = {"HTTP_AUTHORIZATION": f"Basic {token}"}
    if version:
        headers["HTTP_X_EXPERIENCE_API_VERSION"] = version
    return headers


def make_statement(*, actor: dict | None = None, verb: str = "http://adlnet.gov/expapi/verbs/experienced",
                   activity: str = "http://example.com/activities/1", **extra) -> dict:
    statement = {
        "id": str(uuid.uuid4()),
        "actor": actor or {"objectType": "Agent", "name": "学员", "mbox": "mailto:learner@example.com"},
        "verb": {"id": verb, "display": {"zh-CN": "学习了", "en-US": "experienced"}},
        "object": {"objectType": "Activity", "id": activity},
    }
    statement.update(extra)
    return statement
