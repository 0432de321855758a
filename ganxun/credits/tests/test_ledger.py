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


def test_topic_coverage_splits_hours_among_topics_and_divides_by_the_serving_cadres(cast, actor):
    from ganxun.credits.selectors import topic_coverage_for
    from ganxun.testing import make_cadre

    a, b = Topic.objects.get(code="03.01"), Topic.objects.get(code="03.08")
    leaf = Topic.objects.create(code="03.08.99", name="测试三级内容", parent=b)
    retired = make_cadre("已离职", cast.unit_a2)
    retired.is_active = False
    retired.save()
    day = dt.date(2025, 4, 1)
    credit_post_many(actor=actor(cast.hannah), postings=[
        Posting(cadre_id=cast.carol_cadre.pk, hours=Decimal("12"), earned_on=day, mode="offline", source_ref="1",
                topic_ids=(a.pk, b.pk)),                                   # 6 h each
        Posting(cadre_id=cast.cadres_a[1].pk, hours=Decimal("4"), earned_on=day, mode="online", source_ref="2",
                topic_ids=(leaf.pk,)),                                     # counts for 03.08
        Posting(cadre_id=cast.cadres_b[0].pk, hours=Decimal("30"), earned_on=day, mode="offline", source_ref="3",
                topic_ids=(a.pk,)),                                        # county B: not counted
        Posting(cadre_id=retired.pk, hours=Decimal("30"), earned_on=day, mode="offline", source_ref="4",
                topic_ids=(a.pk,)),                                        # no longer serving
        Posting(cadre_id=cast.carol_cadre.pk, hours=Decimal("9"), earned_on=dt.date(2022, 1, 1), mode="offline",
                source_ref="5", topic_ids=(a.pk,)),                        # before the period
    ])
    coverage = topic_coverage_for(actor(cast.alice), region=cast.county_a, start=dt.date(2024, 1, 1),
                                  end=dt.date(2026, 12, 31))
    assert coverage.cadres == 4  # carol, 张伟, 李娜, 王强
    assert coverage.hours == {"03.01": Decimal("6.00"), "03.08": Decimal("10.00")}
    assert coverage.per_cadre == {"03.01": Decimal("1.50"), "03.08": Decimal("2.50")}
