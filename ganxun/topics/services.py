"""Editing the topic taxonomy. Topics are deactivated, never deleted: data is tagged with them."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from ganxun.access import scope
from ganxun.audit.services import audit_record
from ganxun.core.errors import DomainError
from ganxun.core.text import clean
from ganxun.topics.models import Topic


def _next_code(parent: Topic | None) -> str:
    siblings = Topic.objects.filter(parent=parent).values_list("code", flat=True)
    numbers = [int(code.rsplit(".", 1)[-1]) for code in siblings]
    number = max(numbers, default=0) + 1
    return f"{parent.code}.{number:02d}" if parent else f"{number:02d}"


def _clean(name: str, description: str) -> tuple[str, str]:
    name = clean(name)
    if not name:
        raise DomainError("请填写名称。", field="name")
    if len(name) > 60:
        raise DomainError("名称不能超过 60 个字。", field="name")
    return name, clean(description)[:300]


@transaction.atomic
def topic_create(*, actor, parent: Topic | None, name: str, description: str = "", request=None) -> Topic:
    scope.require(actor, "topics.manage")
    name, description = _clean(name, description)
    if parent is not None and parent.level >= 2:
        raise DomainError("分类最多三级。", field="parent")
    code = _next_code(parent)
    try:
        with transaction.atomic():
            topic = Topic.objects.create(
                code=code, name=name, parent=parent, description=description,
                sort_order=int(code.rsplit(".", 1)[-1]),
            )
    except IntegrityError:
        raise DomainError("同一上级下已有同名分类。", field="name") from None
    audit_record(action="topic.create", request=request, actor=actor, target=topic)
    return topic


@transaction.atomic
def topic_update(*, actor, topic: Topic, name: str, description: str = "", sort_order: int | None = None,
                 request=None) -> Topic:
    scope.require(actor, "topics.manage")
    name, description = _clean(name, description)
    if Topic.objects.filter(parent=topic.parent, name=name).exclude(pk=topic.pk).exists():
        raise DomainError("同一上级下已有同名分类。", field="name")
    old = topic.name
    topic.name, topic.description = name, description
    if sort_order is not None:
        topic.sort_order = sort_order
    topic.save()
    audit_record(action="topic.update", request=request, actor=actor, target=topic, detail={"from": old, "to": name})
    return topic


@transaction.atomic
def topic_set_active(*, actor, topic: Topic, active: bool, request=None) -> Topic:
    scope.require(actor, "topics.manage")
    if topic.is_active == active:
        return topic
    if active and topic.parent is not None and not topic.parent.is_active:
        raise DomainError("上级分类已停用，请先启用上级。")
    # A topic and everything under it go out of use together.
    affected = Topic.objects.filter(code__startswith=topic.code + ".") if not active else Topic.objects.none()
    affected.update(is_active=False)
    topic.is_active = active
    topic.save(update_fields=["is_active"])
    audit_record(action="topic.activate" if active else "topic.deactivate", request=request, actor=actor, target=topic)
    return topic
