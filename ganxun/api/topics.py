"""/api/v1/topics — the topic taxonomy, flat, each topic with its parent's code."""

from __future__ import annotations

from ninja import Field, Query, Router, Schema

from ganxun.api.auth import permission
from ganxun.api.errors import responses
from ganxun.api.schemas import Page, PageQuery, page_of
from ganxun.topics.models import Topic
from ganxun.topics.selectors import topic_list

router = Router(tags=["培训内容分类"])


class TopicOut(Schema):
    id: int
    code: str = Field(description="层级编码：01、01.02、01.02.03；上级编码是去掉最后一段")
    name: str
    parent_code: str | None
    level: int = Field(description="0 为四大类，最多到 2")
    description: str
    sort_order: int
    is_active: bool


class TopicFilters(Schema):
    include_inactive: bool = False


def topic_out(topic: Topic) -> dict:
    return {
        "id": topic.pk, "code": topic.code, "name": topic.name,
        "parent_code": topic.parent.code if topic.parent_id else None,
        "level": topic.level, "description": topic.description, "sort_order": topic.sort_order,
        "is_active": topic.is_active,
    }


@router.get("/topics", response=responses({200: Page[TopicOut]}, 400), summary="培训内容分类")
@permission("topics.view", "topics.manage")
def topic_index(request, filters: Query[TopicFilters], paging: Query[PageQuery]):
    """The whole taxonomy in code order, so a parent always comes before its children and
    a client can rebuild the tree from `parent_code`. Shared by the whole platform (not
    scoped by organisation)."""
    qs = topic_list(include_inactive=filters.include_inactive).order_by("code")
    return page_of(qs, paging, topic_out)
