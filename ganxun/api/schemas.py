"""Pieces every router of the API shares: ids, text input, pagination, enum labels."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any, Generic, TypeVar

from django.db import models
from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict
from pydantic_core import PydanticCustomError

T = TypeVar("T")

MAX_PAGE_SIZE = 200
MAX_PAGE = 100_000

# Database ids are 64-bit; a larger number would overflow in PostgreSQL (a 500), so it
# is refused as bad input instead.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _refuse_control_characters(value: str) -> str:
    # PostgreSQL cannot store NUL, and no name or code legitimately holds control characters.
    if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in value):
        raise PydanticCustomError("ganxun_control_chars", "含有不可见的控制字符")
    return value


def text(max_length: int) -> Any:
    """A text input of at most `max_length` characters, without control characters."""
    return Annotated[str, Field(max_length=max_length), AfterValidator(_refuse_control_characters)]


class Input(Schema):
    """Request bodies refuse unknown fields: a misspelt field must not be silently dropped."""

    model_config = ConfigDict(extra="forbid")


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="页码，从 1 开始")
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE, description=f"每页条数，最多 {MAX_PAGE_SIZE}")


class Page(Schema, Generic[T]):
    count: int = Field(description="符合条件的总条数")
    page: int
    page_size: int
    items: list[T]


def page_of(queryset: QuerySet, paging: PageQuery, serialize: Callable[[Any], dict]) -> dict:
    """One page of `queryset` as {count, page, page_size, items}; a page past the end is empty."""
    count = queryset.count()
    start = (paging.page - 1) * paging.page_size
    rows: Iterable = queryset[start:start + paging.page_size] if start < count else []
    return {"count": count, "page": paging.page, "page_size": paging.page_size,
            "items": [serialize(row) for row in rows]}


def label(choices: type[models.TextChoices], value: str | None) -> str:
    """The Chinese label of an enumeration code ("county" → "县处级"); "" when unset."""
    if not value:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return value
