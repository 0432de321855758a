"""Reads of the topic taxonomy (shared by the whole platform, not scoped by organisation)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from ganxun.access import scope
from ganxun.core.errors import NotFound
from ganxun.topics.models import Topic


@dataclass
class TopicNode:
    topic: Topic
    children: list["TopicNode"] = field(default_factory=list)


def topic_list(*, include_inactive: bool = False) -> QuerySet[Topic]:
    qs = Topic.objects.select_related("parent")
    return qs if include_inactive else qs.filter(is_active=True)


def topic_tree(*, include_inactive: bool = False) -> list[TopicNode]:
    nodes: dict[int, TopicNode] = {}
    roots: list[TopicNode] = []
    for topic in topic_list(include_inactive=include_inactive).order_by("code"):
        node = nodes[topic.pk] = TopicNode(topic)
        parent = nodes.get(topic.parent_id) if topic.parent_id else None
        if parent is not None:
            parent.children.append(node)
        elif topic.parent_id is None:
            roots.append(node)
    for node in nodes.values():
        node.children.sort(key=lambda n: (n.topic.sort_order, n.topic.code))
    roots.sort(key=lambda n: (n.topic.sort_order, n.topic.code))
    return roots


def topic_get_for(actor, pk) -> Topic:
    if not (scope.can(actor, "topics.view") or scope.can(actor, "topics.manage")):
        raise NotFound()
    try:
        return Topic.objects.get(pk=int(pk))
    except (Topic.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
