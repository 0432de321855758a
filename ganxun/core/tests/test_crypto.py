import pytest
from cryptography.exceptions import InvalidTag
from django.db import connection

from ganxun.core import crypto
from ganxun.testing import make_cadre


def test_it_round_trips_and_uses_a_fresh_nonce_each_time():
    first, second = crypto.encrypt("13800138000"), crypto.encrypt("13800138000")
    assert first != second
    assert crypto.decrypt(first) == crypto.decrypt(second) == "13800138000"


def test_a_tampered_ciphertext_is_refused():
    token = crypto.encrypt("secret")
    raw = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(InvalidTag):
        crypto.decrypt(raw)


def test_keyed_hash_is_deterministic_and_keyed(settings):
    value = crypto.keyed_hash("11010519491231002X")
    assert value == crypto.keyed_hash("11010519491231002X")
    settings.GANXUN_HASH_KEY = b"another key of thirty-two bytes!"
    assert crypto.keyed_hash("11010519491231002X") != value


@pytest.mark.django_db
def test_personal_data_is_not_stored_in_clear(cast):
    cadre = make_cadre("测试", cast.unit_a1, phone="13912345678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM people_person WHERE id = %s", [cadre.person_id])
        stored_id, stored_phone = cursor.fetchone()
    assert cadre.person.id_number not in stored_id
    assert "13912345678" not in stored_phone
    assert stored_id.startswith("v1:")
