import datetime as dt

import pytest

from ganxun.audit.models import AuditEntry
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.core.idcard import make_id_number
from ganxun.people import services
from ganxun.people.models import Cadre, CareerEvent, Person
from ganxun.people.selectors import cadre_list_for

pytestmark = pytest.mark.django_db


def record(**overrides):
    data = {
        "name": "周　明", "id_number": make_id_number("330102", dt.date(1979, 6, 15), 21, "M"), "gender": "男",
        "birth_date": "1979.06", "ethnicity": "汉族", "political_status": "中共党员", "education": "大学本科",
        "phone": "139 0000 1111", "position_title": "副局长", "rank": "县处级", "is_leader": "是",
        "category": "党政机关", "position_since": "2021年3月",
    }
    data.update(overrides)
    return data


def test_a_cadre_is_created_with_clean_values_and_an_appointment(cast, actor):
    cadre = services.cadre_create(actor=actor(cast.alice), data=record(), unit=cast.unit_a2)
    person = cadre.person
    assert (person.name, person.gender, person.birth_date) == ("周明", "M", dt.date(1979, 6, 15))
    assert person.phone == "13900001111"
    assert (cadre.rank, cadre.is_leader, cadre.category) == ("county", True, "party_gov")
    event = cadre.career_events.get()
    assert (event.kind, event.date, event.position_title) == ("appointment", dt.date(2021, 3, 1), "副局长")
    assert AuditEntry.objects.filter(action="cadre.create", target_id=str(cadre.pk)).exists()


def test_all_problems_of_a_record_are_reported_at_once(cast, actor):
    bad = record(id_number="330102197906150000", rank="大官", education="", phone="123")
    with pytest.raises(services.InvalidRecord) as caught:
        services.cadre_create(actor=actor(cast.alice), data=bad, unit=cast.unit_a2)
    fields = {e.field for e in caught.value.errors}
    assert fields == {"id_number", "rank", "education", "phone"}
    assert not Cadre.objects.filter(person__name="周明").exists()


def test_gender_and_birth_date_must_agree_with_the_id_number(cast, actor):
    with pytest.raises(services.InvalidRecord) as caught:
        services.cadre_create(actor=actor(cast.alice), data=record(gender="女", birth_date="1980-01-01"),
                              unit=cast.unit_a2)
    assert {(e.field, e.message) for e in caught.value.errors} == {
        ("gender", "与身份证号不一致"), ("birth_date", "与身份证号中的出生日期不一致")}


def test_the_same_id_number_is_registered_once(cast, actor):
    services.cadre_create(actor=actor(cast.alice), data=record(), unit=cast.unit_a2)
    with pytest.raises(DomainError, match="已登记"):
        services.cadre_create(actor=actor(cast.alice), data=record(name="周明明"), unit=cast.unit_a1)
    with pytest.raises(DomainError, match="其他单位"):
        services.cadre_create(actor=actor(cast.charlie), data=record(), unit=cast.unit_b1)
    assert Person.objects.filter(name__startswith="周明").count() == 1


def test_a_liaison_files_cadres_only_in_their_own_unit(cast, actor):
    with pytest.raises(NotFound):
        services.cadre_create(actor=actor(cast.bob), data=record(), unit=cast.unit_a2)
    cadre = services.cadre_create(actor=actor(cast.bob), data=record(), unit=cast.unit_a1_sub)
    assert cadre.unit == cast.unit_a1_sub


def test_a_leader_reads_but_does_not_write(cast, actor):
    with pytest.raises(Forbidden):
        services.cadre_create(actor=actor(cast.leo), data=record(), unit=cast.unit_a2)


def _as_form(cadre, **overrides):
    person = cadre.person
    data = {
        "name": person.name, "id_number": person.id_number, "gender": person.gender,
        "birth_date": person.birth_date, "ethnicity": person.ethnicity, "political_status": person.political_status,
        "education": person.education, "phone": person.phone, "position_title": cadre.position_title,
        "rank": cadre.rank, "is_leader": "是" if cadre.is_leader else "否", "category": cadre.category,
    }
    data.update(overrides)
    return data


def test_a_promotion_and_a_transfer_go_into_the_career_history(cast, actor):
    alice = actor(cast.alice)
    cadre = Cadre.objects.get(person__name="王强")
    services.cadre_update(actor=alice, cadre=cadre, data=_as_form(cadre, rank="乡科级", position_title="科长"),
                          unit=cast.unit_a2, effective_date=dt.date(2024, 5, 1))
    services.cadre_update(actor=alice, cadre=Cadre.objects.get(pk=cadre.pk),
                          data=_as_form(Cadre.objects.get(pk=cadre.pk)), unit=cast.unit_a1,
                          effective_date=dt.date(2025, 1, 1))
    kinds = list(CareerEvent.objects.filter(cadre=cadre).order_by("date").values_list("kind", "date"))
    assert kinds == [("promotion", dt.date(2024, 5, 1)), ("transfer", dt.date(2025, 1, 1))]
    assert Cadre.objects.get(pk=cadre.pk).unit == cast.unit_a1


def test_an_unchanged_save_writes_nothing(cast, actor):
    cadre = Cadre.objects.get(person__name="王强")
    before = AuditEntry.objects.count()
    services.cadre_update(actor=actor(cast.alice), cadre=cadre, data=_as_form(cadre), unit=cadre.unit)
    assert AuditEntry.objects.count() == before
    assert not CareerEvent.objects.filter(cadre=cadre).exists()


def test_leaving_keeps_the_record_and_needs_a_reason(cast, actor):
    cadre = Cadre.objects.get(person__name="王强")
    with pytest.raises(DomainError, match="原因"):
        services.cadre_set_active(actor=actor(cast.alice), cadre=cadre, active=False)
    services.cadre_set_active(actor=actor(cast.alice), cadre=cadre, active=False, reason="退休")
    assert not cadre_list_for(actor(cast.alice)).filter(pk=cadre.pk).exists()
    assert cadre_list_for(actor(cast.alice), include_inactive=True).filter(pk=cadre.pk).exists()
    assert CareerEvent.objects.get(cadre=cadre).kind == "retirement"


def test_revealing_personal_data_is_audited_and_limited_to_roles_that_may(cast, actor):
    person = cast.carol_cadre.person
    full = services.person_reveal(actor=actor(cast.alice), person=person, permission="cadres.reveal")
    assert full["id_number"] == person.id_number
    entry = AuditEntry.objects.get(action="person.reveal")
    assert entry.actor_username == "alice" and entry.target_id == str(person.pk)
    with pytest.raises(Forbidden):
        services.person_reveal(actor=actor(cast.leo), person=person, permission="cadres.reveal")
    with pytest.raises(NotFound):
        services.person_reveal(actor=actor(cast.charlie), person=person, permission="cadres.reveal")
    assert AuditEntry.objects.filter(action="person.reveal").count() == 1


def test_search_finds_by_exact_id_number_or_phone_but_not_by_fragments(cast, actor):
    alice = actor(cast.alice)
    person = cast.carol_cadre.person
    assert list(cadre_list_for(alice, q=person.id_number)) == [cast.carol_cadre]
    assert not cadre_list_for(alice, q=person.id_number[:10]).exists()
    assert cadre_list_for(alice, q="13800138000").count() == 4
    assert not cadre_list_for(actor(cast.charlie), q=person.id_number).exists()


def test_career_events_are_checked_for_plausibility(cast, actor):
    alice = actor(cast.alice)
    with pytest.raises(DomainError, match="16 周岁"):
        services.career_event_add(actor=alice, cadre=cast.carol_cadre, kind="appointment", date=dt.date(1995, 1, 1))
    event = services.career_event_add(actor=alice, cadre=cast.carol_cadre, kind="appointment",
                                      date=dt.date(2012, 7, 1), unit_name="东城区教育局", position_title="科员")
    assert event.unit == cast.unit_a2


def test_every_label_the_forms_and_templates_offer_is_accepted(cast, actor):
    from ganxun.people.choices import Education, PoliticalStatus
    from ganxun.people.validation import clean_person

    for label in Education.labels:
        cleaned, errors = clean_person(record(education=label))
        assert not [e for e in errors if e.field == "education"], label
    for label in PoliticalStatus.labels:
        cleaned, errors = clean_person(record(political_status=label))
        assert not [e for e in errors if e.field == "political_status"], label
    assert clean_person(record(education="研究生（硕士）"))[0]["education"] == "master"
