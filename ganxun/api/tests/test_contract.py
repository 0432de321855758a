"""The API keeps its promises: every operation declares a permission, the OpenAPI document
describes every operation, and every status an operation really answers is documented."""

from __future__ import annotations

import json

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from ninja import Router
from ninja.testing import TestClient

from ganxun.access.policies import API, AUTHENTICATED
from ganxun.access.roles import ALL_PERMISSIONS, Role
from ganxun.access.services import token_create
from ganxun.api.auth import UNDECLARED, SessionAuth, TokenAuth
from ganxun.api.errors import install_handlers
from ganxun.api.main import GanxunAPI, api, operations
from ganxun.api.tests.contract import Multipart, app_recipes, fill
from ganxun.testing import make_account

PREFIX = "/api/v1"


def _openapi() -> dict:
    response = Client().get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def _documented() -> dict[tuple[str, str], set[int]]:
    return {
        (method, path): {int(code) for code in operation["responses"]}
        for path, methods in _openapi()["paths"].items()
        for method, operation in methods.items()
    }


# --- declarations ------------------------------------------------------------------------

def test_every_operation_declares_a_known_permission():
    undeclared, unknown = [], []
    for path, operation in operations():
        permissions = getattr(operation.view_func, "required_permissions", None)
        if not permissions:
            undeclared.append(path)
            continue
        unknown += [p for p in permissions if p != AUTHENTICATED and p not in ALL_PERMISSIONS]
        # The permission is enforced by the auth of the operation itself, for both ways in.
        assert [type(a) for a in operation.auth_callbacks] == [TokenAuth, SessionAuth], path
        assert all(a.permissions == permissions for a in operation.auth_callbacks), path
    assert undeclared == [] and unknown == []


def test_it_refuses_an_operation_that_forgot_its_permission(cast):
    # Fail closed: the API-wide auth identifies the caller and then refuses.
    bare = GanxunAPI(urls_namespace="bare-test", auth=UNDECLARED)
    install_handlers(bare)
    router = Router()

    @router.get("/open")
    def open_door(request):
        return {"reached": True}

    bare.add_router("", router)
    client = TestClient(bare)
    _, raw = token_create(actor=None, account=cast.alice, name="t")
    response = client.get("/open", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 403
    assert response.json()["code"] == "no_permission_declared"
    assert client.get("/open").status_code == 401


def test_every_api_url_carries_the_api_policy():
    def walk(patterns):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns)
            elif isinstance(entry, URLPattern) and getattr(entry.callback, "__module__", "").startswith("ninja"):
                yield entry

    ninja_patterns = list(walk(get_resolver().url_patterns))
    assert len(ninja_patterns) >= len(list(operations()))
    assert {getattr(p.callback, "access_policy", None) for p in ninja_patterns} == {API}


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_the_openapi_document_describes_every_operation():
    document = _openapi()
    assert document["openapi"].startswith("3.")
    schemas = document["components"]["schemas"]
    dangling = {ref for ref in _refs(document) if ref.removeprefix("#/components/schemas/") not in schemas}
    assert dangling == set()
    assert document["info"]["title"] == "干训平台 API"
    served = {(op.methods[0].lower(), f"{PREFIX}{path}") for path, op in operations()}
    assert set(_documented()) == served
    ids = [op["operationId"] for methods in document["paths"].values() for op in methods.values()]
    assert len(ids) == len(set(ids))
    for methods in document["paths"].values():
        for operation in methods.values():
            assert operation["x-permissions"]
            assert {"TokenAuth": []} in operation["security"]
            for code, response in operation["responses"].items():
                if int(code) >= 400:
                    assert response["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    assert set(document["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}


def test_docs_are_served_without_a_cdn_or_not_at_all(client):
    response = client.get(f"{PREFIX}/docs")
    if "ninja" in django_settings.INSTALLED_APPS:
        body = response.content.decode()
        assert response.status_code == 200
        assert "cdn" not in body.lower() and "https://" not in body
    else:
        assert api.docs_url is None
        assert response.status_code == 404


# --- documented statuses ---------------------------------------------------------------------

def _recipes(cast) -> dict[tuple[str, str], tuple]:
    """(method, path) → (account that may call it, JSON body of a successful call,
    the same body naming an organisation outside that account's scope, or None)."""
    new_person = {"name": "吴刚", "id_number": "11010519491231002X", "political_status": "cpc", "education": "master"}
    new_cadre = {**new_person, "unit_id": cast.unit_a2.pk, "rank": "section", "category": "party_gov"}
    new_teacher = {**new_person, "institution_id": cast.party_school.pk, "title": "lecturer"}
    new_unit = {"parent_id": cast.county_a.pk, "kind": "unit", "name": "新单位"}
    return {
        ("get", "/me"): (cast.alice, None, None),
        ("get", "/organisations"): (cast.alice, None, None),
        ("post", "/organisations"): (cast.alice, new_unit, {**new_unit, "parent_id": cast.county_b.pk}),
        ("get", "/organisations/{org_id}"): (cast.alice, None, None),
        ("patch", "/organisations/{org_id}"): (cast.alice, {"address": "东城区人民路 8 号"},
                                               {"parent_id": cast.unit_b1.pk}),
        ("get", "/topics"): (cast.alice, None, None),
        ("get", "/cadres"): (cast.alice, None, None),
        ("post", "/cadres"): (cast.alice, new_cadre, {**new_cadre, "unit_id": cast.unit_b1.pk}),
        ("get", "/cadres/{cadre_id}"): (cast.alice, None, None),
        ("patch", "/cadres/{cadre_id}"): (cast.alice, {"position_title": "主任科员"}, {"unit_id": cast.unit_b1.pk}),
        ("post", "/cadres/{cadre_id}/reveal"): (cast.alice, None, None),
        ("get", "/teachers"): (cast.ivan, None, None),
        ("post", "/teachers"): (cast.ivan, new_teacher, {**new_teacher, "institution_id": cast.county_a.pk}),
        ("get", "/teachers/{teacher_id}"): (cast.ivan, None, None),
        ("patch", "/teachers/{teacher_id}"): (cast.ivan, {"bio": "讲授党史"}, None),
        ("post", "/teachers/{teacher_id}/reveal"): (cast.ivan, None, None),
    }


# What charlie (org-department admin of county B) gets when calling with county-A ids and
# bodies: 404 unless stated here (403 where his role lacks the permission altogether).
OUTSIDER = {
    ("get", "/me"): 200, ("get", "/organisations"): 200, ("get", "/topics"): 200, ("get", "/cadres"): 200,
    ("get", "/teachers"): 200, ("post", "/teachers"): 403, ("patch", "/teachers/{teacher_id}"): 403,
    ("post", "/teachers/{teacher_id}/reveal"): 403,
}


def _call(client: Client, method: str, path: str, body=None):
    if method == "get":
        return client.get(path)
    if isinstance(body, Multipart):  # a file upload
        return getattr(client, method)(path, body.encode())
    return getattr(client, method)(path, json.dumps(body if body is not None else {}),
                                   content_type="application/json")


def _fill(path: str, value) -> str:
    for name in ("org_id", "cadre_id", "teacher_id"):
        path = path.replace("{" + name + "}", str(value[name] if isinstance(value, dict) else value))
    return path


def test_every_status_an_operation_answers_is_documented(cast, login, settings):
    documented = _documented()
    recipes = _recipes(cast)
    app_keys = set(app_recipes(cast))  # checked by the next test
    assert {(m, PREFIX + p) for m, p in [*recipes, *app_keys]} == set(documented), (
        "add a recipe for each new operation: ganxun/<app>/tests/api_contract.py, see ganxun/api/tests/contract.py")
    real = {"org_id": cast.unit_a2.pk, "cadre_id": cast.cadres_a[1].pk, "teacher_id": cast.tom_teacher.pk}
    tokens = {}

    def as_token(account) -> Client:
        if account.pk not in tokens:
            tokens[account.pk] = token_create(actor=None, account=account, name="contract")[1]
        return Client(headers={"Authorization": f"Bearer {tokens[account.pk]}"})

    seen: dict[tuple[str, str], set[int]] = {}
    newcomer = make_account("newcomer", Role.CADRE, cast.unit_a1)
    newcomer.must_change_password = True
    newcomer.save(update_fields=["must_change_password"])

    for (method, path), (account, body, foreign_body) in recipes.items():
        key = (method, PREFIX + path)
        has_id = "{" in path
        scenarios = [
            ("success", as_token(account), _fill(path, real), body, {200, 201}),
            ("anonymous", Client(), _fill(path, real), body, {401}),
            ("wrong role", login(cast.aud), _fill(path, real), body, {200} if path == "/me" else {403}),
            ("password not changed", login(newcomer), _fill(path, real), body, {403}),
            ("outsider", as_token(cast.charlie), _fill(path, real), body, {OUTSIDER.get((method, path), 404)}),
            ("bad input", as_token(account), _fill(path, "abc") if has_id else path,
             {"no_such_field": 1} if method != "get" else None, {400} if has_id or method != "get" else {200}),
        ]
        if foreign_body is not None:
            scenarios.append(("foreign reference", as_token(account), _fill(path, real), foreign_body, {404}))
        if has_id:
            scenarios.append(("missing", as_token(account), _fill(path, 999999), body, {404}))
        if method == "get" and not has_id and path != "/me":
            scenarios.append(("bad query", as_token(account), f"{path}?page=0", None, {400}))
        for name, client, url, payload, expected in scenarios:
            response = _call(client, method, PREFIX + url, payload)
            assert response.status_code in expected, (name, key, response.status_code, response.content)
            assert response.status_code in documented[key], (name, key, response.status_code)
            if response.status_code >= 400:
                assert set(response.json()) >= {"code", "message", "field"}
            seen.setdefault(key, set()).add(response.status_code)

    settings.GANXUN_API_RATE = "0/m"  # every authenticated call is over the limit
    for (method, path), (account, body, _) in recipes.items():
        response = _call(as_token(account), method, PREFIX + _fill(path, real), body)
        assert response.status_code == 429 and 429 in documented[(method, PREFIX + path)]
        seen[(method, PREFIX + path)].add(429)

    # And the other way round: every documented status was really produced (none listed for show).
    assert seen == {(m, PREFIX + p): documented[(m, PREFIX + p)] for m, p in recipes}


def test_every_status_an_app_operation_answers_is_documented(cast, login, settings):
    """The same check for the operations whose recipes live in the apps' tests
    (ganxun/<app>/tests/api_contract.py, see ganxun/api/tests/contract.py)."""
    documented = _documented()
    tokens = {}

    def as_token(account) -> Client:
        if account.pk not in tokens:
            tokens[account.pk] = token_create(actor=None, account=account, name="contract")[1]
        return Client(headers={"Authorization": f"Bearer {tokens[account.pk]}"})

    newcomer = make_account("newcomer", Role.CADRE, cast.unit_a1)
    newcomer.must_change_password = True
    newcomer.save(update_fields=["must_change_password"])
    seen: dict[tuple[str, str], set[int]] = {}
    successes = {}

    for (method, path), recipe in app_recipes(cast).items():
        key = (method, PREFIX + path)
        has_id = "{" in path
        ids = recipe.ids()
        url = fill(path, ids)
        body, foreign_body = recipe.bodies(ids)
        scenarios = [
            ("success", as_token(recipe.account), url, body, {200, 201, 204}),
            ("anonymous", Client(), url, body, {401}),
            ("wrong role", login(cast.aud), url, body, {403}),
            ("password not changed", login(newcomer), url, body, {403}),
            ("outsider", as_token(cast.charlie), url, body, {recipe.outsider}),
            ("bad input", as_token(recipe.account), fill(path, "abc") if has_id else path,
             {"no_such_field": 1} if method != "get" else None, {400} if has_id or method != "get" else {200}),
        ]
        if foreign_body is not None:
            scenarios.append(("foreign reference", as_token(recipe.account), url, foreign_body, {404}))
        if has_id:
            scenarios.append(("missing", as_token(recipe.account), fill(path, 999999), body, {404}))
        if method == "get" and not has_id:
            scenarios.append(("bad query", as_token(recipe.account), f"{path}?page=0", None, {400}))
        for name, client, target, payload, expected in scenarios:
            response = _call(client, method, PREFIX + target, payload)
            assert response.status_code in expected, (name, key, response.status_code, response.content)
            assert response.status_code in documented[key], (name, key, response.status_code)
            if response.status_code >= 400:
                assert set(response.json()) >= {"code", "message", "field"}
            seen.setdefault(key, set()).add(response.status_code)
        if recipe.conflict is not None:
            conflict_ids, conflict_body = recipe.conflict(ids)
            response = _call(as_token(recipe.account), method, PREFIX + fill(path, conflict_ids), conflict_body)
            assert response.status_code == 409 and 409 in documented[key], (key, response.status_code,
                                                                             response.content)
            seen[key].add(409)
        successes[key] = (recipe.account, url, body)

    settings.GANXUN_API_RATE = "0/m"  # every authenticated call is over the limit
    for (method, path), (account, url, body) in successes.items():
        response = _call(as_token(account), method, PREFIX + url, body)
        assert response.status_code == 429 and 429 in documented[(method, path)]
        seen[(method, path)].add(429)

    assert seen == {key: documented[key] for key in successes}


@pytest.mark.parametrize("path", ["/cadres", "/organisations", "/teachers", "/topics"])
def test_page_size_is_capped(cast, token_client, path):
    account = cast.ivan if path == "/teachers" else cast.alice
    response = token_client(account).get(f"{PREFIX}{path}?page_size=201")
    assert response.status_code == 400
    assert response.json()["field"] == "page_size"


def test_no_two_schemas_share_a_name():
    """The OpenAPI document keys its components by class name: two different schemas with one
    name would silently replace each other in the document."""
    from ninja import Schema

    from ganxun.api.main import api as mounted

    mounted.get_openapi_schema()  # imports every router's module

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names: dict[str, set[str]] = {}
    for cls in subclasses(Schema):
        if cls.__module__.startswith("ganxun.") and ".tests." not in cls.__module__:
            names.setdefault(cls.__name__, set()).add(cls.__module__)
    clashes = {name: modules for name, modules in names.items() if len(modules) > 1}
    assert clashes == {}
