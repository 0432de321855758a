"""The organisation pages: tree, lazy children, search, detail, create, edit, move, (de)activate."""

import pytest
from django.urls import reverse

from ganxun.audit.models import AuditEntry
from ganxun.org.models import Organisation
from ganxun.testing import make_org

pytestmark = pytest.mark.django_db

Kind = Organisation.Kind


def html(response) -> str:
    return response.content.decode()


def test_it_shows_the_scope_node_as_root_with_its_first_level(cast, login):
    page = html(login(cast.alice).get(reverse("org:tree")))
    assert "东城区" in page
    assert "东城区发展和改革局" in page and "中共东城区委组织部" in page
    # Sub-units are loaded on demand, the other county never.
    assert "东城区价格监测中心" not in page
    assert "西山县" not in page
    assert reverse("org:children", args=[cast.unit_a1.pk]) in page


def test_it_loads_the_children_of_a_node_as_a_fragment(cast, login):
    response = login(cast.alice).get(reverse("org:children", args=[cast.unit_a1.pk]), HTTP_HX_REQUEST="true")
    page = html(response)
    assert response.status_code == 200
    assert page.lstrip().startswith("<ul")
    assert "东城区价格监测中心" in page and "参训单位" in page


def test_the_liaison_sees_only_their_unit_and_its_sub_unit(cast, login):
    page = html(login(cast.bob).get(reverse("org:tree")))
    assert "东城区发展和改革局" in page
    assert "东城区价格监测中心" in page
    assert "东城区教育局" not in page
    assert login(cast.bob).get(reverse("org:detail", args=[cast.unit_a2.pk])).status_code == 404


def test_search_lists_hits_with_their_path(cast, login):
    page = html(login(cast.alice).get(reverse("org:tree"), {"q": "价格"}))
    assert "东城区价格监测中心" in page
    assert "东城区 › 东城区发展和改革局" in page
    assert "东城区教育局" not in page


def test_search_by_kind_and_inactive_toggle(cast, login, actor):
    from ganxun.org.services import organisation_set_active

    closed = make_org("东城区已撤并单位", Kind.UNIT, cast.county_a)
    organisation_set_active(actor=actor(cast.alice), org=closed, active=False)
    client = login(cast.alice)
    page = html(client.get(reverse("org:tree"), {"kind": "unit"}))
    assert "东城区教育局" in page and "中共东城区委组织部" not in page
    assert "东城区已撤并单位" not in page
    page = html(client.get(reverse("org:tree"), {"kind": "unit", "inactive": "1"}))
    assert "东城区已撤并单位" in page and "已停用" in page
    # The toggle alone keeps the tree, now with the inactive node in it.
    page = html(client.get(reverse("org:tree"), {"inactive": "1"}))
    assert "东城区已撤并单位" in page and "查找结果" not in page
    assert "东城区已撤并单位" not in html(client.get(reverse("org:tree")))


def test_search_never_crosses_the_scope(cast, login):
    page = html(login(cast.charlie).get(reverse("org:tree"), {"q": "东城区"}))
    assert "东城区发展和改革局" not in page
    assert "没有符合条件的组织" in page


def test_outsider_gets_404_for_another_countys_nodes(cast, login):
    client = login(cast.charlie)
    pk = cast.unit_a1.pk
    assert client.get(reverse("org:detail", args=[pk])).status_code == 404
    assert client.get(reverse("org:children", args=[pk])).status_code == 404
    assert client.get(reverse("org:edit", args=[pk])).status_code == 404
    assert client.post(reverse("org:edit", args=[pk]), {"name": "改名"}).status_code == 404
    assert client.get(reverse("org:move", args=[pk])).status_code == 404
    assert client.post(reverse("org:move", args=[pk]), {"new_parent": cast.county_b.pk}).status_code == 404
    assert client.post(reverse("org:set_active", args=[cast.unit_a2.pk]), {"active": "0"}).status_code == 404
    assert client.get(reverse("org:create"), {"parent": cast.county_a.pk}).status_code == 404
    assert client.get(reverse("people:org_summary", args=[pk])).status_code == 404
    cast.unit_a1.refresh_from_db()
    assert cast.unit_a1.name == "东城区发展和改革局" and cast.unit_a1.parent_id == cast.county_a.pk


def test_a_role_without_org_view_gets_403(cast, login):
    assert login(cast.aud).get(reverse("org:tree")).status_code == 403
    assert login(cast.tom).get(reverse("org:detail", args=[cast.party_school.pk])).status_code == 403


def test_detail_shows_path_children_counts_and_the_actions_the_role_may_do(cast, login):
    client = login(cast.alice)
    page = html(client.get(reverse("org:detail", args=[cast.unit_a1.pk])))
    assert reverse("org:detail", args=[cast.county_a.pk]) in page  # breadcrumb
    assert "东城区价格监测中心" in page  # child
    assert reverse("org:edit", args=[cast.unit_a1.pk]) in page
    assert reverse("org:move", args=[cast.unit_a1.pk]) in page
    assert f"{reverse('org:create')}?parent={cast.unit_a1.pk}" in page
    assert "删除" not in page
    assert reverse("people:org_summary", args=[cast.unit_a1.pk]) in page  # people counts, loaded by htmx
    # A unit admin may not touch an org department.
    page = html(client.get(reverse("org:detail", args=[cast.org_dept_a.pk])))
    assert reverse("org:edit", args=[cast.org_dept_a.pk]) not in page
    assert client.get(reverse("org:edit", args=[cast.org_dept_a.pk])).status_code == 403


def test_the_people_counts_of_a_unit_link_to_the_filtered_cadre_list(cast, login):
    page = html(login(cast.alice).get(reverse("people:org_summary", args=[cast.unit_a1.pk])))
    assert "2 名" in page  # carol and 张伟 in A1 itself
    assert "3 名" in page  # with 李娜 of the sub-unit
    assert f"{reverse('people:cadre_list')}?unit={cast.unit_a1.pk}" in page


def test_the_leader_reads_the_city_without_actions(cast, login):
    page = html(login(cast.leo).get(reverse("org:detail", args=[cast.unit_a1.pk])))
    assert "东城区价格监测中心" in page
    assert reverse("org:edit", args=[cast.unit_a1.pk]) not in page
    assert reverse("org:move", args=[cast.unit_a1.pk]) not in page
    assert reverse("org:set_active", args=[cast.unit_a1.pk]) not in page
    assert login(cast.leo).get(reverse("org:edit", args=[cast.unit_a1.pk])).status_code == 403


def test_alice_adds_a_unit_under_her_county(cast, login):
    client = login(cast.alice)
    form_page = html(client.get(reverse("org:create"), {"parent": cast.county_a.pk}))
    assert 'value="unit:"' in form_page and 'value="org_dept:"' not in form_page
    response = client.post(reverse("org:create"), {
        "parent": cast.county_a.pk, "kind_level": "unit:", "name": "东城区卫生健康局", "category": "party_gov",
        "code": "11330102MB1234567X", "sort_order": "3",
    })
    org = Organisation.objects.get(name="东城区卫生健康局")
    assert response.status_code == 302 and response["Location"] == reverse("org:detail", args=[org.pk])
    assert (org.parent_id, org.kind, org.category, org.path) == (cast.county_a.pk, "unit", "party_gov",
                                                                f"{cast.county_a.path}{org.pk}/")
    assert AuditEntry.objects.filter(action="org.create", target_id=str(org.pk)).exists()


def test_create_refuses_a_kind_the_role_may_not_create_and_shows_service_errors(cast, login):
    client = login(cast.alice)
    response = client.post(reverse("org:create"), {"parent": cast.county_a.pk, "kind_level": "org_dept:",
                                                   "name": "第二组织部"})
    assert response.status_code == 200 and not Organisation.objects.filter(name="第二组织部").exists()
    assert "is-invalid" in html(response)
    response = client.post(reverse("org:create"), {"parent": cast.county_a.pk, "kind_level": "unit:", "name": "  ",
                                                   "code": "339101"})
    page = html(response)
    assert "请填写名称" in page
    assert Organisation.objects.filter(parent=cast.county_a).count() == 3


def test_a_duplicate_code_is_refused_on_the_code_field(cast, login):
    response = login(cast.alice).post(reverse("org:create"), {
        "parent": cast.county_a.pk, "kind_level": "unit:", "name": "东城区统计局", "code": "339101"})
    assert "代码 339101 已被其他组织使用" in html(response)
    assert not Organisation.objects.filter(name="东城区统计局").exists()


def test_the_system_admin_may_create_regions_and_institutions(cast, login):
    page = html(login(cast.sam).get(reverse("org:create"), {"parent": cast.city.pk}))
    assert 'value="region:county"' in page and 'value="institution:"' in page
    assert 'value="region:city"' not in page


def test_edit_saves_through_the_service(cast, login):
    client = login(cast.alice)
    assert "东城区发展和改革局" in html(client.get(reverse("org:edit", args=[cast.unit_a1.pk])))
    response = client.post(reverse("org:edit", args=[cast.unit_a1.pk]), {
        "name": "东城区发展改革局", "short_name": "区发改局", "code": "", "category": "party_gov", "address": "",
        "sort_order": "1"})
    assert response.status_code == 302
    cast.unit_a1.refresh_from_db()
    assert (cast.unit_a1.name, cast.unit_a1.short_name) == ("东城区发展改革局", "区发改局")


def test_move_refuses_a_node_under_its_own_descendant(cast, login):
    client = login(cast.alice)
    page = html(client.get(reverse("org:move", args=[cast.unit_a1.pk])))
    assert "东城区教育局" in page and "东城区价格监测中心" not in page  # own subtree not offered
    response = client.post(reverse("org:move", args=[cast.unit_a1.pk]), {"new_parent": cast.unit_a1_sub.pk})
    assert response.status_code == 200
    assert "不能移动到自身或其下级之下" in html(response)
    cast.unit_a1.refresh_from_db()
    assert cast.unit_a1.parent_id == cast.county_a.pk


def test_move_rehangs_the_subtree(cast, login):
    response = login(cast.alice).post(reverse("org:move", args=[cast.unit_a1.pk]), {"new_parent": cast.unit_a2.pk})
    assert response.status_code == 302
    cast.unit_a1_sub.refresh_from_db()
    assert cast.unit_a1_sub.path == f"{cast.unit_a2.path}{cast.unit_a1.pk}/{cast.unit_a1_sub.pk}/"


def test_move_search_narrows_the_candidates_and_refuses_other_countys_nodes(cast, login):
    client = login(cast.alice)
    page = html(client.get(reverse("org:move", args=[cast.unit_a2.pk]), {"q": "发展"}))
    assert "东城区发展和改革局" in page and "东城区价格监测中心" not in page
    response = client.post(reverse("org:move", args=[cast.unit_a2.pk]), {"new_parent": cast.unit_b1.pk})
    assert "不在您的管理范围内" in html(response)
    cast.unit_a2.refresh_from_db()
    assert cast.unit_a2.parent_id == cast.county_a.pk


def test_deactivate_refuses_a_unit_with_serving_cadres_and_says_why(cast, login):
    response = login(cast.alice).post(reverse("org:set_active", args=[cast.unit_a2.pk]), {"active": "0"},
                                      follow=True)
    assert "仍有 1 名在职干部" in html(response)
    cast.unit_a2.refresh_from_db()
    assert cast.unit_a2.is_active


def test_deactivate_and_reactivate_an_empty_unit(cast, login):
    empty = make_org("东城区空置单位", Kind.UNIT, cast.county_a)
    client = login(cast.alice)
    page = html(client.get(reverse("org:detail", args=[empty.pk])))
    assert 'data-bs-target="#org-deactivate"' in page  # confirmation dialog, not a direct button
    client.post(reverse("org:set_active", args=[empty.pk]), {"active": "0"})
    empty.refresh_from_db()
    assert not empty.is_active
    assert "重新启用" in html(client.get(reverse("org:detail", args=[empty.pk])))
    client.post(reverse("org:set_active", args=[empty.pk]), {"active": "1"})
    empty.refresh_from_db()
    assert empty.is_active
    assert AuditEntry.objects.filter(action="org.deactivate", target_id=str(empty.pk)).count() == 1


def test_set_active_only_accepts_post(cast, login):
    assert login(cast.alice).get(reverse("org:set_active", args=[cast.unit_a2.pk])).status_code == 405
