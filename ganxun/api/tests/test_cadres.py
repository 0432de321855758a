"""/api/v1/cadres: scope, masking, audited reveal, validation, idempotent writes, career history."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ganxun.audit.models import AuditEntry
from ganxun.core.idcard import make_id_number
from ganxun.people.models import Cadre, CareerEvent, Person


def _names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["name"] for item in response.json()["items"]}


def _post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def _patch(client, path, body):
    return client.patch(path, json.dumps(body), content_type="application/json")


NEW_ID = make_id_number("330102", dt.date(1985, 7, 1), 77, "F")


def _new_cadre(unit_id: int, **overrides) -> dict:
    body = {
        "name": "周芳", "id_number": NEW_ID, "political_status": "中共党员", "education": "bachelor",
        "phone": "13912345678", "unit_id": unit_id, "position_title": "副局长", "rank": "section",
        "is_leader": True, "category": "party_gov", "position_since": "2020-03-01",
    }
    return body | overrides


def test_it_lists_only_the_cadres_in_scope(cast, token_client):
    assert _names(token_client(cast.alice).get("/api/v1/cadres")) == {"卡萝", "张伟", "李娜", "王强"}
    assert _names(token_client(cast.bob).get("/api/v1/cadres")) == {"卡萝", "张伟", "李娜"}
    assert _names(token_client(cast.charlie).get("/api/v1/cadres")) == {"赵敏", "钱进"}


@pytest.mark.parametrize(("query", "expected"), [
    ("unit_id={a1}", {"卡萝", "张伟", "李娜"}),
    ("unit_id={a1}&subunits=false", {"卡萝", "张伟"}),
    ("rank=county", {"张伟"}),
    ("leader=true", {"张伟"}),
    ("leader=false&gender=F", {"卡萝", "李娜"}),
    ("q=王", {"王强"}),
    ("unit_id={b1}", set()),  # another region's unit selects nothing, it never widens the list
])
def test_it_filters_cadres_like_the_list_page(cast, token_client, query, expected):
    query = query.format(a1=cast.unit_a1.pk, b1=cast.unit_b1.pk)
    assert _names(token_client(cast.alice).get(f"/api/v1/cadres?{query}")) == expected


def test_it_finds_a_cadre_by_exact_id_number(cast, token_client):
    cadre = cast.cadres_a[2]
    response = token_client(cast.alice).get(f"/api/v1/cadres?q={cadre.person.id_number}")
    assert [item["id"] for item in response.json()["items"]] == [cadre.pk]


def test_it_includes_cadres_who_left_only_when_asked(cast, token_client):
    Cadre.objects.filter(pk=cast.cadres_a[3].pk).update(is_active=False)
    client = token_client(cast.alice)
    assert "王强" not in _names(client.get("/api/v1/cadres"))
    assert "王强" in _names(client.get("/api/v1/cadres?include_inactive=true"))


def test_it_refuses_an_unknown_filter_value(cast, token_client):
    response = token_client(cast.alice).get("/api/v1/cadres?rank=mayor&page_size=500")
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"rank", "page_size"}


def test_it_pages_the_list(cast, token_client):
    client = token_client(cast.alice)
    first = client.get("/api/v1/cadres?page_size=3").json()
    second = client.get("/api/v1/cadres?page_size=3&page=2").json()
    beyond = client.get("/api/v1/cadres?page_size=3&page=9").json()
    assert (first["count"], len(first["items"])) == (4, 3)
    assert (second["count"], len(second["items"]), second["page"]) == (4, 1, 2)
    assert (beyond["count"], beyond["items"]) == (4, [])
    assert {i["id"] for i in first["items"] + second["items"]} == {c.pk for c in cast.cadres_a}


def test_it_shows_masked_identity_numbers_only(cast, token_client):
    client = token_client(cast.alice)
    for response in (client.get("/api/v1/cadres"), client.get(f"/api/v1/cadres/{cast.cadres_a[1].pk}")):
        body = response.content.decode()
        for cadre in cast.cadres_a:
            assert cadre.person.id_number not in body
            assert cadre.person.phone not in body
        assert cast.cadres_a[1].person.id_number_masked in body
        assert "138****8000" in body


def test_it_labels_enumerations(cast, token_client):
    item = token_client(cast.alice).get(f"/api/v1/cadres/{cast.cadres_a[1].pk}").json()
    assert (item["rank"], item["rank_label"]) == ("county", "县处级")
    assert (item["category"], item["category_label"]) == ("party_gov", "党政机关")
    assert (item["gender"], item["gender_label"]) == ("M", "男")


def test_it_reveals_the_full_numbers_and_audits_it(cast, token_client):
    cadre = cast.cadres_a[2]
    response = token_client(cast.bob).post(f"/api/v1/cadres/{cadre.pk}/reveal")
    assert response.status_code == 200
    assert response.json() == {"id_number": cadre.person.id_number, "phone": cadre.person.phone}
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="person.reveal")
    assert (entry.actor_username, entry.target_id, entry.actor_role) == ("bob", str(cadre.person.pk), "unit_liaison")


def test_it_refuses_reveal_to_a_role_without_the_permission(cast, token_client):
    response = token_client(cast.leo).post(f"/api/v1/cadres/{cast.cadres_a[2].pk}/reveal")
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="person.reveal").exists()


def test_it_gives_the_outsider_404_for_another_regions_cadre(cast, token_client):
    client = token_client(cast.charlie)
    cadre = cast.cadres_a[1]
    missing = client.get("/api/v1/cadres/999999")
    for response in (
        client.get(f"/api/v1/cadres/{cadre.pk}"),
        client.post(f"/api/v1/cadres/{cadre.pk}/reveal"),
        _patch(client, f"/api/v1/cadres/{cadre.pk}", {"rank": "bureau"}),
    ):
        assert response.status_code == 404
        assert response.json() == missing.json()  # not yours looks exactly like missing
    assert not AuditEntry.objects.filter(action="person.reveal").exists()
    cadre.refresh_from_db()
    assert cadre.rank == "county"


def test_it_creates_a_cadre(cast, token_client):
    response = _post(token_client(cast.alice), "/api/v1/cadres", _new_cadre(cast.unit_a2.pk))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["gender"], body["birth_date"]) == ("周芳", "F", "1985-07-01")
    assert (body["unit_id"], body["rank_label"], body["political_status"]) == (cast.unit_a2.pk, "乡科级", "cpc")
    assert NEW_ID not in response.content.decode() and body["id_number_masked"].endswith(NEW_ID[-4:])
    assert [e["kind"] for e in body["career_events"]] == ["appointment"]
    cadre = Cadre.objects.get(pk=body["id"])
    assert cadre.person.id_number == NEW_ID and cadre.person.phone == "13912345678"
    assert AuditEntry.objects.filter(action="cadre.create", actor_username="alice").count() == 1


def test_it_lists_every_field_error_and_creates_nothing(cast, token_client):
    before = (Cadre.objects.count(), Person.objects.count())
    body = _new_cadre(cast.unit_a1.pk, name="", id_number="330102198507011234", rank="mayor",
                      category="", education="幼儿园", phone="12345")
    response = _post(token_client(cast.alice), "/api/v1/cadres", body)
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "invalid"
    assert {e["field"] for e in error["errors"]} == {"name", "id_number", "rank", "category", "education", "phone"}
    assert all(e["message"] for e in error["errors"])
    assert (Cadre.objects.count(), Person.objects.count()) == before
    assert not AuditEntry.objects.filter(action="cadre.create").exists()


def test_it_refuses_a_duplicate_registration(cast, token_client):
    client = token_client(cast.alice)
    assert _post(client, "/api/v1/cadres", _new_cadre(cast.unit_a1.pk)).status_code == 201
    again = _post(client, "/api/v1/cadres", _new_cadre(cast.unit_a2.pk, name="周芳芳"))
    assert again.status_code == 400
    assert (again.json()["code"], again.json()["field"]) == ("duplicate", "id_number")
    elsewhere = _post(token_client(cast.charlie), "/api/v1/cadres", _new_cadre(cast.unit_b1.pk))
    assert elsewhere.json()["code"] == "duplicate_elsewhere"
    assert Cadre.objects.filter(person__name__startswith="周芳").count() == 1


def test_it_refuses_a_unit_outside_the_scope_as_not_found(cast, token_client):
    response = _post(token_client(cast.charlie), "/api/v1/cadres", _new_cadre(cast.unit_a1.pk))
    assert response.status_code == 404
    assert (response.json()["code"], response.json()["field"]) == ("not_found", "unit_id")
    assert not Person.objects.filter(name="周芳").exists()


def test_it_records_a_promotion_when_the_rank_rises(cast, token_client):
    cadre = cast.cadres_a[2]  # 李娜, section level
    id_number, phone = cadre.person.id_number, cadre.person.phone
    response = _patch(token_client(cast.alice), f"/api/v1/cadres/{cadre.pk}",
                      {"rank": "county", "position_title": "副主任", "effective_date": "2024-06-01"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["rank"], body["position_title"]) == ("county", "副主任")
    assert [(e["kind"], e["date"], e["rank"]) for e in body["career_events"]] == [("promotion", "2024-06-01", "county")]
    cadre.person.refresh_from_db()
    # Fields not sent keep their values — the full ID number and phone included.
    assert (cadre.person.id_number, cadre.person.phone, cadre.person.name) == (id_number, phone, "李娜")
    assert CareerEvent.objects.filter(cadre=cadre, kind="promotion").count() == 1


def test_it_moves_a_cadre_to_another_unit_as_a_transfer(cast, token_client):
    cadre = cast.cadres_a[3]
    response = _patch(token_client(cast.alice), f"/api/v1/cadres/{cadre.pk}", {"unit_id": cast.unit_a1.pk})
    assert response.json()["unit_id"] == cast.unit_a1.pk
    assert response.json()["career_events"][0]["kind"] == "transfer"


def test_it_takes_gender_and_birth_date_from_a_new_id_number(cast, token_client):
    cadre = cast.cadres_a[1]  # a man born 1980
    response = _patch(token_client(cast.alice), f"/api/v1/cadres/{cadre.pk}", {"id_number": NEW_ID})
    assert response.status_code == 200, response.content
    assert (response.json()["gender"], response.json()["birth_date"]) == ("F", "1985-07-01")


def test_it_refuses_a_patch_with_a_misspelt_field(cast, token_client):
    response = _patch(token_client(cast.alice), f"/api/v1/cadres/{cast.cadres_a[1].pk}", {"rnak": "bureau"})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "rnak", "message": "不支持的字段", "value": None}]


def test_it_refuses_writes_to_a_read_only_role(cast, token_client):
    response = _patch(token_client(cast.leo), f"/api/v1/cadres/{cast.cadres_a[1].pk}", {"rank": "bureau"})
    assert response.status_code == 403
