"""/api/v1/organisations and /api/v1/topics: the tree in scope, its writes, the taxonomy."""

from __future__ import annotations

import json

from ganxun.audit.models import AuditEntry
from ganxun.org.models import Organisation
from ganxun.topics.models import Topic

COUNTY_A = {"东城区", "中共东城区委组织部", "东城区发展和改革局", "东城区价格监测中心", "东城区教育局"}


def _names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["name"] for item in response.json()["items"]}


def _post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def _patch(client, path, body):
    return client.patch(path, json.dumps(body), content_type="application/json")


def test_it_lists_the_subtree_of_the_scope(cast, token_client):
    assert _names(token_client(cast.alice).get("/api/v1/organisations")) == COUNTY_A
    assert _names(token_client(cast.bob).get("/api/v1/organisations")) == {"东城区发展和改革局", "东城区价格监测中心"}


def test_it_filters_organisations(cast, token_client):
    client = token_client(cast.alice)
    assert _names(client.get("/api/v1/organisations?kind=org_dept")) == {"中共东城区委组织部"}
    assert _names(client.get(f"/api/v1/organisations?under={cast.unit_a1.pk}")) == {"东城区发展和改革局", "东城区价格监测中心"}
    assert _names(client.get(f"/api/v1/organisations?under={cast.county_b.pk}")) == set()
    assert _names(client.get("/api/v1/organisations?q=教育")) == {"东城区教育局"}
    assert client.get("/api/v1/organisations?kind=planet").status_code == 400


def test_it_hides_inactive_nodes_unless_asked(cast, token_client):
    Organisation.objects.filter(pk=cast.unit_a1_sub.pk).update(is_active=False)
    client = token_client(cast.alice)
    assert "东城区价格监测中心" not in _names(client.get("/api/v1/organisations"))
    assert "东城区价格监测中心" in _names(client.get("/api/v1/organisations?include_inactive=true"))


def test_it_describes_an_organisation(cast, token_client):
    body = token_client(cast.alice).get(f"/api/v1/organisations/{cast.unit_a1_sub.pk}").json()
    assert (body["kind"], body["kind_label"], body["parent_id"]) == ("unit", "参训单位", cast.unit_a1.pk)
    assert (body["category"], body["category_label"]) == ("public_inst", "事业单位")


def test_it_gives_the_outsider_404_for_another_regions_organisation(cast, token_client):
    client = token_client(cast.charlie)
    missing = client.get("/api/v1/organisations/999999")
    for response in (
        client.get(f"/api/v1/organisations/{cast.unit_a1.pk}"),
        _patch(client, f"/api/v1/organisations/{cast.unit_a1.pk}", {"name": "被改名"}),
    ):
        assert response.status_code == 404
        assert response.json() == missing.json()
    cast.unit_a1.refresh_from_db()
    assert cast.unit_a1.name == "东城区发展和改革局"


def test_it_creates_a_unit_under_a_node_in_scope(cast, token_client):
    response = _post(token_client(cast.alice), "/api/v1/organisations", {
        "parent_id": cast.county_a.pk, "kind": "unit", "name": "东城区卫生健康局", "category": "party_gov",
        "code": "11330101MB0000001X", "address": "东城区健康路 1 号",
    })
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["parent_id"], body["kind"], body["category_label"]) == (cast.county_a.pk, "unit", "党政机关")
    org = Organisation.objects.get(pk=body["id"])
    assert org.path == f"{cast.county_a.path}{org.pk}/"
    assert AuditEntry.objects.filter(action="org.create", target_id=str(org.pk)).exists()


def test_it_refuses_a_parent_outside_the_scope_as_not_found(cast, token_client):
    before = Organisation.objects.count()
    response = _post(token_client(cast.alice), "/api/v1/organisations",
                     {"parent_id": cast.county_b.pk, "kind": "unit", "name": "越界单位"})
    assert response.status_code == 404
    assert (response.json()["code"], response.json()["field"]) == ("not_found", "parent_id")
    assert Organisation.objects.count() == before


def test_it_refuses_kinds_the_role_may_not_manage(cast, token_client):
    # An org-department admin manages units, not the tree's other kinds of node.
    response = _post(token_client(cast.alice), "/api/v1/organisations",
                     {"parent_id": cast.county_a.pk, "kind": "institution", "name": "东城区委党校"})
    assert response.status_code == 403
    assert token_client(cast.bob).get("/api/v1/organisations").status_code == 200
    assert _post(token_client(cast.bob), "/api/v1/organisations",
                 {"parent_id": cast.unit_a1.pk, "kind": "unit", "name": "科室"}).status_code == 403


def test_it_refuses_a_code_already_used(cast, token_client):
    response = _post(token_client(cast.alice), "/api/v1/organisations",
                     {"parent_id": cast.county_a.pk, "kind": "unit", "name": "重复代码单位", "code": "339102"})
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("duplicate_code", "code")


def test_it_renames_and_moves_a_unit(cast, token_client):
    response = _patch(token_client(cast.alice), f"/api/v1/organisations/{cast.unit_a2.pk}",
                      {"name": "东城区教育和体育局", "parent_id": cast.unit_a1.pk})
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["parent_id"]) == ("东城区教育和体育局", cast.unit_a1.pk)
    cast.unit_a2.refresh_from_db()
    assert cast.unit_a2.path == f"{cast.unit_a1.path}{cast.unit_a2.pk}/"
    assert cast.unit_a2.short_name == "" and cast.unit_a2.category == "party_gov"  # untouched fields kept


def test_it_applies_a_patch_entirely_or_not_at_all(cast, token_client):
    # The rename would succeed, the deactivation is refused (the unit has serving cadres):
    # neither happens.
    response = _patch(token_client(cast.alice), f"/api/v1/organisations/{cast.unit_a2.pk}",
                      {"name": "新名称", "is_active": False})
    assert response.status_code == 400
    assert response.json()["code"] == "in_use"
    cast.unit_a2.refresh_from_db()
    assert (cast.unit_a2.name, cast.unit_a2.is_active) == ("东城区教育局", True)
    assert not AuditEntry.objects.filter(action="org.update").exists()


def test_it_deactivates_an_empty_unit_but_no_other_kind(cast, token_client):
    response = _patch(token_client(cast.alice), f"/api/v1/organisations/{cast.org_dept_a.pk}", {"is_active": False})
    # The org department is not a unit: an org-department admin may not deactivate it.
    assert response.status_code == 403
    empty = Organisation.objects.create(name="空单位", kind="unit", parent=cast.county_a, path="/x/", depth=3)
    Organisation.objects.filter(pk=empty.pk).update(path=f"{cast.county_a.path}{empty.pk}/")
    response = _patch(token_client(cast.alice), f"/api/v1/organisations/{empty.pk}", {"is_active": False})
    assert (response.status_code, response.json()["is_active"]) == (200, False)


def test_it_lists_the_topic_taxonomy_with_parent_codes(cast, token_client):
    body = token_client(cast.alice).get("/api/v1/topics?page_size=200").json()
    assert body["count"] == Topic.objects.filter(is_active=True).count() == len(body["items"])
    roots = [t["name"] for t in body["items"] if t["parent_code"] is None]
    assert roots == ["政治理论教育", "党性教育", "履职能力培训", "知识培训"]
    codes = [t["code"] for t in body["items"]]
    assert codes == sorted(codes)
    for topic in body["items"]:
        if topic["parent_code"] is not None:
            assert topic["code"].rsplit(".", 1)[0] == topic["parent_code"]
            assert codes.index(topic["parent_code"]) < codes.index(topic["code"])


def test_it_refuses_topics_to_a_role_without_them(cast, token_client):
    assert token_client(cast.bob).get("/api/v1/topics").status_code == 403
    assert token_client(cast.tom).get("/api/v1/topics").status_code == 200
