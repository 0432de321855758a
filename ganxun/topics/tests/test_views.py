"""The topic taxonomy pages: everyone with topics.view reads it, the system admin maintains it."""

import pytest
from django.urls import reverse

from ganxun.access.roles import ROLE_PERMISSIONS
from ganxun.audit.models import AuditEntry
from ganxun.topics.models import Topic

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def test_every_role_that_manages_topics_may_also_view_them():
    """The tree page is guarded by topics.view alone; this keeps that exact."""
    for role, permissions in ROLE_PERMISSIONS.items():
        if "topics.manage" in permissions:
            assert "topics.view" in permissions, role


def test_the_tree_shows_three_levels_with_codes(cast, login):
    root = Topic.objects.get(code="03")
    Topic.objects.create(code="03.07.01", name="碳达峰碳中和", parent=Topic.objects.get(code="03.07"))
    page = html(login(cast.alice).get(reverse("topics:tree")))
    assert "03" in page and root.name in page
    assert "03.07" in page and "生态文明建设" in page
    assert "03.07.01" in page and "碳达峰碳中和" in page
    assert reverse("topics:create") not in page  # alice reads only


def test_roles_without_topics_view_get_403(cast, login):
    assert login(cast.aud).get(reverse("topics:tree")).status_code == 403
    assert login(cast.sec).get(reverse("topics:tree")).status_code == 403


def test_readers_see_inactive_topics_only_on_request(cast, login, actor):
    from ganxun.topics.services import topic_set_active

    topic_set_active(actor=actor(cast.sam), topic=Topic.objects.get(code="04.06"), active=False)
    client = login(cast.leo)
    assert "国际形势" not in html(client.get(reverse("topics:tree")))
    assert "国际形势" in html(client.get(reverse("topics:tree"), {"inactive": "1"}))


def test_sam_adds_a_root_and_a_child(cast, login):
    client = login(cast.sam)
    assert reverse("topics:create") in html(client.get(reverse("topics:tree")))
    response = client.post(reverse("topics:create"), {"name": "网络安全与保密", "description": "保密常识"})
    root = Topic.objects.get(name="网络安全与保密")
    assert response.status_code == 302 and root.code == "05" and root.parent is None
    parent = Topic.objects.get(code="03.07")
    response = client.post(reverse("topics:create"), {"parent": parent.pk, "name": "碳达峰碳中和"})
    child = Topic.objects.get(name="碳达峰碳中和")
    assert (child.code, child.parent_id) == ("03.07.01", parent.pk)
    assert response["Location"].endswith(f"#topic-{child.pk}")
    assert AuditEntry.objects.filter(action="topic.create").count() == 2


def test_create_shows_the_services_refusals(cast, login):
    client = login(cast.sam)
    leaf = Topic.objects.create(code="03.07.01", name="碳达峰碳中和", parent=Topic.objects.get(code="03.07"))
    response = client.post(reverse("topics:create"), {"parent": leaf.pk, "name": "第四级"})
    assert "分类最多三级" in html(response)
    response = client.post(reverse("topics:create"), {"parent": Topic.objects.get(code="02").pk,
                                                      "name": "理想信念"})
    assert "同一上级下已有同名分类" in html(response)
    response = client.post(reverse("topics:create"), {"name": ""})
    assert "请填写名称" in html(response) and "is-invalid" in html(response)
    assert not Topic.objects.filter(name="第四级").exists()


def test_sam_edits_a_topic_and_its_code_stays(cast, login):
    topic = Topic.objects.get(code="04.05")
    response = login(cast.sam).post(reverse("topics:edit", args=[topic.pk]),
                                    {"name": "公共管理与服务", "description": "", "sort_order": "9"})
    topic.refresh_from_db()
    assert response.status_code == 302
    assert (topic.code, topic.name, topic.sort_order) == ("04.05", "公共管理与服务", 9)


def test_sam_deactivates_a_branch_and_reactivates_it(cast, login):
    client = login(cast.sam)
    root = Topic.objects.get(code="04")
    client.post(reverse("topics:set_active", args=[root.pk]), {"active": "0"})
    assert not Topic.objects.filter(code__startswith="04", is_active=True).exists()
    response = client.post(reverse("topics:set_active", args=[Topic.objects.get(code="04.01").pk]),
                           {"active": "1"}, follow=True)
    assert "上级分类已停用" in html(response)
    client.post(reverse("topics:set_active", args=[root.pk]), {"active": "1"})
    root.refresh_from_db()
    assert root.is_active


def test_alice_may_not_change_the_taxonomy(cast, login):
    client = login(cast.alice)
    topic = Topic.objects.get(code="01.01")
    assert client.get(reverse("topics:create")).status_code == 403
    assert client.post(reverse("topics:create"), {"name": "新分类"}).status_code == 403
    assert client.post(reverse("topics:edit", args=[topic.pk]), {"name": "改名"}).status_code == 403
    assert client.post(reverse("topics:set_active", args=[topic.pk]), {"active": "0"}).status_code == 403
    topic.refresh_from_db()
    assert topic.is_active and topic.name != "改名"
    assert not Topic.objects.filter(name="新分类").exists()


def test_outsider_gets_404_for_a_missing_topic(cast, login):
    """Topics are shared by the whole platform (not regional); an unknown id is 404 for anyone."""
    assert login(cast.sam).get(reverse("topics:edit", args=[999999])).status_code == 404
    assert login(cast.charlie).get(reverse("topics:tree")).status_code == 200
