import pytest

from ganxun.core.errors import DomainError, Forbidden
from ganxun.topics import services
from ganxun.topics.models import Topic
from ganxun.topics.selectors import topic_tree

pytestmark = pytest.mark.django_db


def test_the_tree_starts_from_the_four_content_categories_of_the_regulation():
    roots = [node.topic.name for node in topic_tree()]
    assert roots == ["政治理论教育", "党性教育", "履职能力培训", "知识培训"]
    party_spirit = next(n for n in topic_tree() if n.topic.name == "党性教育")
    assert {"理想信念", "道德品行"} <= {c.topic.name for c in party_spirit.children}


def test_a_system_admin_adds_edits_and_retires_topics(cast, actor):
    sam = actor(cast.sam)
    parent = Topic.objects.get(code="03")
    topic = services.topic_create(actor=sam, parent=parent, name="  人工智能应用 ")
    assert topic.code == "03.13" and topic.name == "人工智能应用"
    child = services.topic_create(actor=sam, parent=topic, name="大模型与政务")
    assert child.code == "03.13.01"
    with pytest.raises(DomainError, match="最多三级"):
        services.topic_create(actor=sam, parent=child, name="太深")
    services.topic_update(actor=sam, topic=topic, name="人工智能")
    with pytest.raises(DomainError, match="同名"):
        services.topic_create(actor=sam, parent=parent, name="人工智能")
    services.topic_set_active(actor=sam, topic=topic, active=False)
    assert not Topic.objects.get(pk=child.pk).is_active
    assert Topic.objects.filter(pk=topic.pk).exists()  # retired, not deleted


def test_others_cannot_edit_the_taxonomy(cast, actor):
    with pytest.raises(Forbidden):
        services.topic_create(actor=actor(cast.alice), parent=None, name="新类别")
