import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from ganxun.audit.models import AuditEntry
from ganxun.core.errors import DomainError
from ganxun.credits.models import CreditRecord
from ganxun.credits.services import Posting, credit_post_many
from ganxun.topics.models import Topic


def _posting(cadre, ref="class:1:enrollment:1", hours="18", **extra):
    return Posting(cadre_id=cadre.pk, hours=Decimal(hours), earned_on=dt.date(2026, 6, 12), mode="offline",
                   source_ref=ref, training_type="in_service", off_job=True, source_name="测试培训班", **extra)


def test_it_posts_each_source_once(cast, actor):
    carol = cast.carol_cadre
    topics = tuple(Topic.objects.order_by("id").values_list("pk", flat=True)[:2])
    first = credit_post_many(actor=actor(cast.hannah), postings=[_posting(carol, topic_ids=topics)])
    again = credit_post_many(actor=actor(cast.hannah), postings=[_posting(carol, topic_ids=topics)])
    assert len(first) == 1 and again == []
    record = CreditRecord.objects.get(cadre=carol)
    assert record.hours == Decimal("18.00") and record.off_job is True
    assert set(record.topics.values_list("pk", flat=True)) == set(topics)
    entries = AuditEntry.objects.filter(action="credits.post").order_by("id")
    assert [e.detail["written"] for e in entries] == [1, 0]


def test_it_refuses_the_whole_batch_when_one_posting_is_bad(cast, actor):
    good, bad = _posting(cast.carol_cadre, "a"), _posting(cast.cadres_a[1], "b", hours="0")
    with pytest.raises(DomainError) as caught:
        credit_post_many(actor=actor(cast.hannah), postings=[good, bad])
    assert caught.value.field == "hours"
    assert not CreditRecord.objects.exists()


def test_it_refuses_duplicate_refs_within_a_batch(cast, actor):
    with pytest.raises(DomainError):
        credit_post_many(actor=actor(cast.hannah), postings=[_posting(cast.carol_cadre, "x"),
                                                            _posting(cast.cadres_a[1], "x")])


@pytest.mark.parametrize("statement", [
    "UPDATE credits_creditrecord SET hours = 99",
    "DELETE FROM credits_creditrecord",
    "DELETE FROM credits_creditrecord_topics",
])
def test_the_database_refuses_edits_of_the_ledger(cast, actor, statement):
    topic = Topic.objects.order_by("id").first()
    credit_post_many(actor=actor(cast.hannah), postings=[_posting(cast.carol_cadre, topic_ids=(topic.pk,))])
    with pytest.raises(Exception) as caught:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert "append-only" in str(caught.value)
    assert CreditRecord.objects.get().hours == Decimal("18.00")


def test_a_reversal_must_be_negative_and_a_posting_positive(cast):
    record = CreditRecord.objects.create(cadre=cast.carol_cadre, hours=Decimal("6"), earned_on=dt.date(2026, 1, 5),
                                         mode="offline", source_ref="r1")
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditRecord.objects.create(cadre=cast.carol_cadre, hours=Decimal("6"), earned_on=dt.date(2026, 1, 6),
                                    mode="offline", source_ref="r2", reverses=record)
