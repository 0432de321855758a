"""Recipes of the API contract test kept beside each app's own tests.

An app that mounts a router on /api/v1/ puts `ganxun/<app>/tests/api_contract.py` next to its
tests, defining `recipes(cast) -> {(method, path): Recipe}` (path without the /api/v1 prefix,
as in the OpenAPI document). `test_contract.py` finds these modules by name, so a new router
needs no edit of the shared test — only its own recipes.

For each recipe the contract test makes the successful call, then the refusals (anonymous,
wrong role, password not changed, the outsider charlie, bad input, a foreign reference in the
body, a missing id, a bad query, the conflict, the rate limit) and checks that every status
answered is documented and every documented status was answered.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile


@dataclass
class Recipe:
    """How to call one operation successfully, and what its refusals look like.

    * `account` may call it; `body` is the JSON body of a successful call;
    * `ids()` builds the path parameters of that call — fresh objects in the state the call
      needs (a draft to submit, a submitted plan to approve…), so recipes do not share state;
      it may return more keys than the path has, for the bodies;
    * `foreign_body`: the same call naming something outside the account's scope (→ 404);
    * `body` and `foreign_body` may be functions of the ids (a body that names the questions
      of the survey just built), and a `Multipart` for an upload (sent as multipart/form-data);
    * `outsider`: what charlie (org-department admin of county B) gets with these ids and body —
      404, or 403 when his role lacks the permission, or 200 for a list;
    * `conflict(ids)` → (ids, body) of a call that answers 409, run after the successful one.
    """

    account: Any
    body: Any = None
    foreign_body: Any = None
    ids: Callable[[], dict] = field(default=dict)
    outsider: int = 404
    conflict: Callable[[dict], tuple[dict, Any]] | None = None

    def bodies(self, ids: dict) -> tuple[Any, Any]:
        """(body, foreign_body) for these ids."""
        return tuple(value(ids) if callable(value) else value for value in (self.body, self.foreign_body))


@dataclass(frozen=True)
class Multipart:
    """A `multipart/form-data` body (a file upload) for a recipe's `body`: form fields, and files as
    name → (file name, content). Each call gets fresh file objects, so the body can be sent again."""

    fields: dict
    files: dict[str, tuple[str, bytes]]

    def encode(self) -> dict:
        return {**self.fields, **{key: SimpleUploadedFile(name, content) for key, (name, content) in self.files.items()}}


def fill(path: str, values: dict | object) -> str:
    """`/classes/{class_id}/sessions/{session_id}` with every parameter from `values` (a dict),
    or with one value for all of them (e.g. "abc" or 999999)."""
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)] if isinstance(values, dict) else values), path)


def app_recipes(cast) -> dict[tuple[str, str], Recipe]:
    """The recipes of every installed ganxun app that has a tests/api_contract.py."""
    found: dict[tuple[str, str], Recipe] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("ganxun.") or importlib.util.find_spec(f"{config.name}.tests") is None:
            continue
        name = f"{config.name}.tests.api_contract"
        if importlib.util.find_spec(name) is not None:
            found.update(importlib.import_module(name).recipes(cast))
    return found
