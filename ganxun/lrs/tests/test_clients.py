"""`lrs_client_create`: credentials for xAPI clients, and that they work at /xapi/."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from ganxun.lrs import http as lrs_http
from ganxun.lrs.models import LrsClient
from ganxun.lrs.tests.factories import basic_auth, make_statement


def run(*args) -> str:
    out = io.StringIO()
    call_command("lrs_client_create", *args, stdout=out)
    return out.getvalue()


def test_it_prints_only_key_and_secret_and_stores_only_the_hash(db):
    output = run("--name", "省平台同步")
    key, secret = output.strip().split(":")
    assert output.count("\n") <= 1
    client = LrsClient.objects.get(key=key)
    assert client.name == "省平台同步"
    assert client.secret_hash == lrs_http.secret_hash(secret)
    assert secret not in client.secret_hash
    assert (client.can_write, client.can_read_own, client.can_read_all, client.can_documents) == (True, True, False, True)
    assert client.authority["account"]["name"].endswith(key)


def test_the_printed_credentials_authenticate_at_xapi(db):
    lrs_http.forget_cached_clients()
    key, secret = run("--name", "app").strip().split(":")
    response = Client().post("/xapi/statements", data=make_statement(), content_type="application/json",
                             **basic_auth(key, secret))
    assert response.status_code == 200
    wrong = Client().get("/xapi/statements", **basic_auth(key, secret + "x"))
    assert wrong.status_code == 401


def test_flags_set_permissions_and_scope(cast):
    key, _secret = run("--name", "东城区只读", "--scope-code", "339101", "--read-all", "--no-write",
                       "--no-documents").strip().split(":")
    client = LrsClient.objects.get(key=key)
    assert client.scope == cast.county_a
    assert (client.can_write, client.can_read_all, client.can_documents) == (False, True, False)


def test_it_refuses_an_unknown_scope_code_and_creates_nothing(db):
    with pytest.raises(CommandError, match="no organisation"):
        run("--name", "x", "--scope-code", "000000", "--read-all")
    assert not LrsClient.objects.exists()


def test_it_refuses_a_scope_without_read_all(cast):
    with pytest.raises(CommandError, match="--read-all"):
        run("--name", "x", "--scope-code", "339101")
    assert not LrsClient.objects.exists()
