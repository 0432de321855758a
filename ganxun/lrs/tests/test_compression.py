"""Statement bodies are stored zstd-compressed; dictionaries are trained on stored statements."""

from __future__ import annotations

import json

import pytest
import zstandard
from django.core.management import CommandError, call_command
from django.test import Client

from ganxun.lrs import compression
from ganxun.lrs.models import XapiBodyDictionary, XapiStatement
from ganxun.lrs.services import statements_store
from ganxun.lrs.tests.factories import basic_auth, make_lrs_client, make_statement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_caches():
    compression.forget()
    yield
    compression.forget()


def _course_statements(count: int) -> list[dict]:
    return [make_statement(actor={"objectType": "Agent", "name": f"学员{i}",
                                  "account": {"homePage": "http://127.0.0.1:8000", "name": f"u{i}"}},
                           activity=f"http://127.0.0.1:8000/xapi/activities/course/{i % 37}",
                           result={"completion": True, "duration": f"PT{i % 50 + 1}M"},
                           context={"platform": "干训学习平台", "language": "zh-CN"})
            for i in range(count)]


def _dict_id(data) -> int:
    return zstandard.get_frame_parameters(bytes(data)).dict_id


def test_a_stored_statement_is_compressed_and_served_as_sent():
    client, key, secret = make_lrs_client(can_read_all=True)
    statement = make_statement(result={"response": "党的二十大精神" * 20})
    statements_store(client=client, statements=[statement])
    row = XapiStatement.objects.get()
    assert _dict_id(row.data) == 0  # no dictionary yet
    assert len(bytes(row.data)) < len(row.body.encode())
    assert json.loads(row.body)["result"] == statement["result"]
    answer = Client().get("/xapi/statements", {"statementId": statement["id"]}, **basic_auth(key, secret))
    assert answer.status_code == 200 and answer.json()["result"] == statement["result"]


def test_training_needs_enough_statements(monkeypatch):
    client, _key, _secret = make_lrs_client()
    statements_store(client=client, statements=_course_statements(20))
    assert compression.dictionary_train() is None
    assert not compression.dictionary_due()
    with pytest.raises(CommandError, match="fewer than"):
        call_command("lrs_dictionary_train")
    monkeypatch.setattr(compression, "TRAIN_MINIMUM", 20)
    assert compression.dictionary_due()


def test_a_trained_dictionary_compresses_new_statements_and_old_ones_stay_readable(monkeypatch):
    monkeypatch.setattr(compression, "TRAIN_MINIMUM", 200)
    client, key, secret = make_lrs_client(can_read_all=True)
    before = _course_statements(300)
    statements_store(client=client, statements=before)
    old_size = sum(len(bytes(d)) for d in XapiStatement.objects.values_list("data", flat=True))

    dictionary = compression.dictionary_train(size=4096)
    assert dictionary is not None and dictionary.sample_size == 300
    assert not compression.dictionary_due()

    after = _course_statements(300)
    statements_store(client=client, statements=after)
    new_rows = XapiStatement.objects.filter(statement_id__in=[s["id"] for s in after])
    assert {_dict_id(d) for d in new_rows.values_list("data", flat=True)} == {dictionary.dict_id}
    new_size = sum(len(bytes(d)) for d in new_rows.values_list("data", flat=True))
    assert new_size < old_size / 2

    # Every statement, old and new, reads back as sent, in another process's caches too.
    compression.forget()
    auth = basic_auth(key, secret)
    for statement in (before[0], after[-1]):
        served = Client().get("/xapi/statements", {"statementId": statement["id"]}, **auth).json()
        assert served["actor"] == statement["actor"] and served["result"] == statement["result"]
    page = Client().get("/xapi/statements", {"limit": 0}, **auth).json()["statements"]
    assert {s["id"] for s in page} <= {s["id"] for s in before + after} and len(page) == 100


def test_retrying_a_compressed_statement_is_still_recognised_as_the_same():
    client, _key, _secret = make_lrs_client()
    statement = _course_statements(1)[0]
    statements_store(client=client, statements=[statement])
    statements_store(client=client, statements=[statement])
    assert XapiStatement.objects.count() == 1


def test_a_missing_dictionary_is_a_clear_error():
    frame = zstandard.ZstdCompressor(dict_data=zstandard.ZstdCompressionDict(
        zstandard.train_dictionary(1024, [f'{{"n":{i},"verb":"completed"}}'.encode() * 3 for i in range(400)])
        .as_bytes())).compress(b'{"n":1,"verb":"completed"}')
    assert _dict_id(frame) != 0
    with pytest.raises(LookupError, match="missing"):
        compression.decompress(frame)


def test_the_command_trains_and_reports(monkeypatch, capsys):
    monkeypatch.setattr(compression, "TRAIN_MINIMUM", 100)
    client, _key, _secret = make_lrs_client()
    statements_store(client=client, statements=_course_statements(150))
    call_command("lrs_dictionary_train", "--sample", "1000", "--size", "2048")
    dictionary = XapiBodyDictionary.objects.get()
    assert f"dictionary {dictionary.dict_id}" in capsys.readouterr().out
    assert dictionary.sample_size == 150
