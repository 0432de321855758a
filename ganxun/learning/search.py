"""Chinese full-text search of the catalogue: jieba segments the text, the database indexes words.

A course's `search_text` holds the segmented words of its title, summary, series, teacher and
topics separated by spaces (jieba's search mode, so "经济管理" is found by "经济" and by
"经济管理"). SQLite indexes it in the FTS5 table `learning_course_fts` (rowid = course id),
written here by `index_course`; PostgreSQL matches to_tsvector('simple', search_text) under a
GIN index (migration 0002), so it needs no separate table. A query is segmented the same way
and every word must match (AND).
"""

from __future__ import annotations

import logging
import re

import jieba
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

jieba.setLogLevel(logging.WARNING)

# Words made only of punctuation, symbols or spaces are not indexed.
_WORD = re.compile(r"[\w]", re.UNICODE)
MAX_QUERY_WORDS = 12


def segment(text: str) -> list[str]:
    """The distinct words of `text` in order (jieba search mode, lower-cased)."""
    words: dict[str, None] = {}
    for word in jieba.cut_for_search(text or ""):
        word = word.strip().lower()
        if word and _WORD.search(word):
            words[word] = None
    return list(words)


def course_search_text(course) -> str:
    parts = [course.title, course.summary, course.series]
    if course.teacher_id:
        parts.append(course.teacher.person.name)
    if course.provider_id:
        parts.append(course.provider.name)
    if course.pk:
        parts.extend(course.topics.values_list("name", flat=True))
    return " ".join(segment(" ".join(p for p in parts if p)))


def index_course(course) -> None:
    """Recompute the course's search text and write it to the index (inside the caller's transaction)."""
    text = course_search_text(course)
    type(course).objects.filter(pk=course.pk).update(search_text=text)
    course.search_text = text
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM learning_course_fts WHERE rowid = %s", [course.pk])
            cursor.execute("INSERT INTO learning_course_fts (rowid, search_text) VALUES (%s, %s)", [course.pk, text])


def unindex_course(course_pk: int) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM learning_course_fts WHERE rowid = %s", [course_pk])


def search_filter(queryset: QuerySet, query: str) -> QuerySet:
    """`queryset` narrowed to the courses matching every word of `query` (unchanged when the
    query has no words)."""
    words = segment(query)[:MAX_QUERY_WORDS]
    if not words:
        return queryset
    if connection.vendor == "sqlite":
        # Each word is a quoted FTS5 string (quotes doubled), so no query syntax gets through.
        match = " ".join('"' + word.replace('"', '""') + '"' for word in words)
        return queryset.filter(pk__in=RawSQL("SELECT rowid FROM learning_course_fts WHERE learning_course_fts MATCH %s",
                                             [match]))
    if connection.vendor == "postgresql":
        table = queryset.model._meta.db_table
        return queryset.filter(pk__in=RawSQL(
            f"SELECT id FROM {table} WHERE to_tsvector('simple', search_text) @@ plainto_tsquery('simple', %s)",
            [" ".join(words)]))
    for word in words:  # other backends: a plain containment test on the segmented text
        queryset = queryset.filter(search_text__contains=word)
    return queryset
