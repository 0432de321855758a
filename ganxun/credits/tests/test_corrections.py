"""Corrections of the ledger (reversal + new posting, never an edit), totals, and the ledger pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from ganxun.audit.models import AuditEntry
from ganxun.core.errors import Conflict, DomainError, Forbidden, NotFound
from ganxun.credits.models import CreditRecord
from ganxun.credits.selectors import credit_totals, ledger_of
from ganxun.credits.services import Posting, credit_correct, credit_post_many
from ganxun.testing import make_class
from ganxun.topics.models import Topic


def _post(cast, actor, cadre=None, *, ref="class:9:enrollment:1", hours="24", mode="offline", off_job=True,
          earned_on=dt.date(2026, 3, 6)):
    topics = tuple(Topic.objects.order_by("id").values_list("pk", flat=True)[:2])
    record, = credit_post_many(actor=actor(cast.hannah), postings=[Posting(
        cadre_id=(cadre or cast.carol_cadre).pk, hours=Decimal(hours), earned_on=earned_on, mode=mode,
        source_ref=ref, training_type="in_service", off_job=off_job, topic_ids=topics, source_name="进修班")])
    return record


def test_a_correction_reverses_the_entry_and_posts_the_corrected_hours(cast, actor):
    original = _post(cast, actor)
    correction = credit_correct(actor=actor(cast.alice), record=original, reason="实际参训 18 学时",
                                new_hours=Decimal("18"))
    reversal, replacement = correction.reversal, correction.replacement
    assert reversal.hours == Decimal("-24.00") and reversal.reverses == original
    assert reversal.earned_on == original.earned_on and reversal.note == "实际参训 18 学时"
    assert replacement.hours == Decimal("18.00") and replacement.reverses is None
    assert set(replacement.topics.all()) == set(original.topics.all()) == set(reversal.topics.all())
    original.refresh_from_db()
    assert original.hours == Decimal("24.00")  # never edited
    assert sum(CreditRecord.objects.values_list("hours", flat=True)) == Decimal("18.00")
    entry = AuditEntry.objects.get(action="credits.correct")
    assert entry.target_id == str(original.pk) and entry.detail["reason"] == "实际参训 18 学时"
    assert entry.detail["replacement"] == replacement.pk


def test_an_entry_is_reversed_once_and_a_reversal_is_never_reversed(cast, actor):
    original = _post(cast, actor)
    alice = actor(cast.alice)
    reversal = credit_correct(actor=alice, record=original, reason="重复登记").reversal
    assert CreditRecord.objects.count() == 2
    with pytest.raises(Conflict) as caught:
        credit_correct(actor=alice, record=original, reason="再次冲销")
    assert caught.value.code == "already_reversed"
    with pytest.raises(DomainError) as caught:
        credit_correct(actor=alice, record=reversal, reason="冲销冲销")
    assert caught.value.code == "is_reversal"
    assert CreditRecord.objects.count() == 2


@pytest.mark.parametrize(("reason", "new_hours", "new_date", "field"), [
    ("", None, None, "reason"),
    ("错", Decimal("0"), None, "new_hours"),
    ("错", Decimal("24"), None, "new_hours"),
    ("错", None, dt.date(2026, 4, 1), "new_hours"),
])
def test_a_bad_correction_is_refused_and_writes_nothing(cast, actor, reason, new_hours, new_date, field):
    original = _post(cast, actor)
    with pytest.raises(DomainError) as caught:
        credit_correct(actor=actor(cast.alice), record=original, reason=reason, new_hours=new_hours,
                       new_earned_on=new_date)
    assert caught.value.field == field
    assert CreditRecord.objects.count() == 1 and not AuditEntry.objects.filter(action="credits.correct").exists()


def test_only_the_org_department_of_the_cadre_corrects(cast, actor):
    original = _post(cast, actor)
    with pytest.raises(Forbidden):
        credit_correct(actor=actor(cast.bob), record=original, reason="x")
    with pytest.raises(NotFound):
        credit_correct(actor=actor(cast.charlie), record=original, reason="x")
    assert CreditRecord.objects.count() == 1


def test_totals_per_year_mode_and_off_job(cast, actor):
    _post(cast, actor, ref="a", hours="24", earned_on=dt.date(2025, 11, 3))
    _post(cast, actor, ref="b", hours="30", earned_on=dt.date(2026, 3, 6))
    online = _post(cast, actor, ref="c", hours="10", mode="online", off_job=False, earned_on=dt.date(2026, 5, 1))
    credit_correct(actor=actor(cast.alice), record=online, reason="课程未完成", new_hours=Decimal("4"))
    totals = credit_totals(ledger_of(actor(cast.alice), cast.carol_cadre))
    assert totals.total == Decimal("58") and totals.off_job == Decimal("54") and totals.other == Decimal("4")
    assert [y.year for y in totals.years] == [2026, 2025]
    year = totals.year(2026)
    assert (year.total, year.off_job, year.other) == (Decimal("34"), Decimal("30"), Decimal("4"))
    assert year.by_mode == {"offline": Decimal("30"), "online": Decimal("4")}
    assert totals.year(2024).total == 0


# --- pages ---------------------------------------------------------------------------------------

def test_the_ledger_page_lists_entries_and_totals_for_readers_in_scope(cast, actor, login):
    _post(cast, actor)
    url = reverse("credits:ledger", args=[cast.carol_cadre.pk])
    for account in (cast.alice, cast.bob, cast.leo):
        body = login(account).get(url).content.decode()
        assert '<div class="h2 mb-0" id="ledger-total-hours">24</div>' in body, account.username
    assert "更正" in login(cast.alice).get(url).content.decode()
    assert 'href="/manage/credits/records/' not in login(cast.bob).get(url).content.decode()


def test_the_outsider_and_other_units_get_404(cast, actor, login):
    record = _post(cast, actor)
    assert login(cast.charlie).get(reverse("credits:ledger", args=[cast.carol_cadre.pk])).status_code == 404
    assert login(cast.charlie).get(reverse("credits:correct", args=[record.pk])).status_code == 404
    # bob is the liaison of unit A1: 王强 of unit A2 is not his.
    assert login(cast.bob).get(reverse("credits:ledger", args=[cast.cadres_a[3].pk])).status_code == 404
    assert login(cast.carol).get(reverse("credits:ledger", args=[cast.carol_cadre.pk])).status_code == 403


def test_the_correction_page_reverses_and_reposts(cast, actor, login):
    record = _post(cast, actor)
    client = login(cast.alice)
    assert login(cast.bob).post(reverse("credits:correct", args=[record.pk]), {"reason": "x"}).status_code == 403
    bad = client.post(reverse("credits:correct", args=[record.pk]), {"reason": "", "new_hours": "12"})
    assert bad.status_code == 400 and CreditRecord.objects.count() == 1
    response = client.post(reverse("credits:correct", args=[record.pk]), {"reason": "缺席两个半天", "new_hours": "18"})
    assert response.status_code == 302
    assert sorted(CreditRecord.objects.values_list("hours", flat=True)) == [Decimal("-24"), Decimal("18"),
                                                                          Decimal("24")]
    again = client.post(reverse("credits:correct", args=[record.pk]), {"reason": "再来"}, follow=True)
    assert "已冲销过" in again.content.decode() and CreditRecord.objects.count() == 3


# --- API -----------------------------------------------------------------------------------------

def test_the_api_gives_the_ledger_with_totals_and_takes_corrections(cast, actor, login):
    record = _post(cast, actor)
    client = login(cast.alice)
    body = client.get(f"/api/v1/cadres/{cast.carol_cadre.pk}/credits").json()
    assert body["totals"]["total"] == "24.00" and body["count"] == 1
    assert body["items"][0]["source_ref"] == "class:9:enrollment:1" and body["items"][0]["off_job"] is True
    response = client.post(f"/api/v1/credits/{record.pk}/corrections", {"reason": "重复", "new_hours": "20"},
                           content_type="application/json")
    assert response.status_code == 201
    created = response.json()
    assert created["reversal"]["hours"] == "-24.00" and created["reversal"]["reverses_id"] == record.pk
    assert created["replacement"]["hours"] == "20.00"
    again = client.post(f"/api/v1/credits/{record.pk}/corrections", {"reason": "再来"},
                        content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "already_reversed"
    mine = login(cast.carol).get("/api/v1/me/credits").json()
    assert mine["totals"]["total"] == "20.00" and mine["count"] == 3
    assert login(cast.charlie).get(f"/api/v1/cadres/{cast.carol_cadre.pk}/credits").status_code == 404
    assert login(cast.hannah).get("/api/v1/me/credits").json()["code"] == "no_cadre"


def test_the_class_postings_api_lists_what_the_class_posted_in_scope(cast, actor, login):
    training_class = make_class(cast.party_school, organiser=cast.county_a, status="closed")
    for cadre, hours in ((cast.carol_cadre, "24"), (cast.cadres_a[3], "21")):
        credit_post_many(actor=actor(cast.hannah), postings=[Posting(
            cadre_id=cadre.pk, hours=Decimal(hours), earned_on=training_class.end_date, mode="offline",
            source_ref=f"class:{training_class.pk}:cadre:{cadre.pk}", source_class_id=training_class.pk)])
    body = login(cast.alice).get(f"/api/v1/classes/{training_class.pk}/credits").json()
    assert body["hours_total"] == "45.00" and {i["cadre_name"] for i in body["items"]} == {"卡萝", "王强"}
    assert login(cast.charlie).get(f"/api/v1/classes/{training_class.pk}/credits").status_code == 404
