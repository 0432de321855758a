"""The generated demo place: deterministic, valid personal data, coherent careers, documented shape."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.db.models import Count, F

from ganxun.core.idcard import parse_id_number
from ganxun.demo.generator import GenerationRefused, generate
from ganxun.demo.names import age_on, credit_code_valid
from ganxun.demo.scales import DEMO_TODAY
from ganxun.org.models import Organisation
from ganxun.org.services import check_placement
from ganxun.people.choices import RANK_ORDER
from ganxun.people.models import Cadre, CareerEvent, Person, Teacher
from ganxun.people.validation import clean_cadre, clean_person

pytestmark = pytest.mark.django_db

# The shape documented in bench/DEMO.md (units = organisations of kind "unit").
TINY = {"counties": 2, "units": 76, "cadres": 400, "teachers": 23}
SMALL = {"counties": 10, "units": 204, "cadres": 3000, "teachers": 120}


@pytest.fixture
def tiny(tiny_demo):
    return tiny_demo


def test_it_refuses_a_database_that_already_has_data(tiny):
    with pytest.raises(GenerationRefused, match="已有数据"):
        generate(scale="tiny", seed=1)


def test_it_builds_the_documented_tree(tiny):
    counties = Organisation.objects.filter(kind="region", region_level="county")
    assert counties.count() == TINY["counties"] == tiny.counts["regions"] - 1
    assert Organisation.objects.filter(kind="unit").count() == TINY["units"]
    assert Cadre.objects.count() == TINY["cadres"]
    assert Teacher.objects.count() == TINY["teachers"]
    city = Organisation.objects.get(name="临江市")
    assert city.code == "339100" and city.parent.code == "339000"
    for county in counties:
        assert county.code.startswith("3391") and county.parent_id == city.pk
        names = set(Organisation.objects.filter(parent=county).values_list("name", flat=True))
        assert f"中共{county.name}委组织部" in names and f"中共{county.name}委党校" in names
    assert Organisation.objects.filter(kind="base").count() == 3
    # Some units nest: a county bureau with its centre.
    centre = Organisation.objects.get(name="东城区价格认证中心")
    assert centre.parent.name == "东城区发展和改革局" and centre.category == "public_inst"


def test_every_node_follows_the_tree_rules_with_its_path_materialised_and_its_code_valid(tiny):
    by_id = {org.pk: org for org in Organisation.objects.all()}
    for org in by_id.values():
        parent = by_id.get(org.parent_id)
        check_placement(kind=org.kind, region_level=org.region_level, parent=parent)  # raises if misplaced
        assert org.path == f"{parent.path if parent else '/'}{org.pk}/"
        assert org.depth == (parent.depth + 1 if parent else 0)
        if org.kind == "region":
            assert len(org.code) == 6 and org.code.startswith(parent.code[:4] if parent and parent.depth else "33")
        else:
            assert credit_code_valid(org.code), org.code
    assert {o.category for o in by_id.values() if o.kind == "unit"} == {
        "party_gov", "public_inst", "university", "enterprise", "grassroots"}


def test_every_record_passes_the_cleaning_that_forms_and_imports_apply(tiny):
    for cadre in Cadre.objects.select_related("person"):
        person = cadre.person
        record = {
            "name": person.name, "id_number": person.id_number, "gender": person.get_gender_display(),
            "birth_date": person.birth_date.isoformat(), "ethnicity": person.ethnicity,
            "political_status": person.get_political_status_display(), "education": person.education,
            "phone": person.phone, "position_title": cadre.position_title, "rank": cadre.get_rank_display(),
            "is_leader": "是" if cadre.is_leader else "否", "category": cadre.get_category_display(),
            "position_since": cadre.position_since.isoformat(), "rank_since": cadre.rank_since.isoformat(),
        }
        cleaned, errors = clean_person(record)
        post, post_errors = clean_cadre(record)
        assert errors + post_errors == [], (person.name, errors + post_errors)
        assert (cleaned["gender"], cleaned["birth_date"], post["rank"]) == (person.gender, person.birth_date, cadre.rank)


def test_every_id_number_is_valid_and_agrees_with_the_person(tiny):
    county_codes = set(Organisation.objects.filter(region_level="county").values_list("code", flat=True))
    people = list(Person.objects.all())
    assert len({p.id_number for p in people}) == len(people)
    for person in people:
        parsed = parse_id_number(person.id_number)
        assert parsed.birth_date == person.birth_date and parsed.gender == person.gender
        assert parsed.region_code in county_codes
        assert re.fullmatch(r"1[3-9]\d{9}", person.phone)
    cadre_ages = [age_on(c.person.birth_date, DEMO_TODAY) for c in Cadre.objects.select_related("person")]
    assert min(cadre_ages) >= 25 and max(cadre_ages) <= 59


def test_every_career_runs_from_a_first_post_at_22_to_25_up_to_the_current_post(tiny):
    events = {}
    for event in CareerEvent.objects.order_by("date", "id"):
        events.setdefault(event.cadre_id, []).append(event)
    for cadre in Cadre.objects.select_related("person"):
        history = events[cadre.pk]
        assert 2 <= len(history) <= 6
        first, last = history[0], history[-1]
        assert 22 <= age_on(cadre.person.birth_date, first.date) <= 25
        assert (last.unit_id, last.rank, last.position_title, last.is_leader) == (
            cadre.unit_id, cadre.rank, cadre.position_title, cadre.is_leader)
        assert last.date == cadre.position_since and last.date <= DEMO_TODAY
        assert all(a.date < b.date for a, b in zip(history, history[1:]))
        for before, after in zip(history, history[1:]):
            climb = RANK_ORDER[before.rank] - RANK_ORDER[after.rank]
            assert climb == (1 if after.kind == "promotion" else 0)
        assert all(e.source == "demo" and e.unit_name == e.unit.name for e in history)


def test_categories_follow_the_unit_and_gender_is_about_seventy_thirty(tiny):
    mismatched = Cadre.objects.exclude(category=F("unit__category"))
    assert not mismatched.exists()
    genders = Counter(Person.objects.values_list("gender", flat=True))
    assert 0.2 < genders["F"] / sum(genders.values()) < 0.4


def test_teachers_have_titles_and_expertise_from_the_taxonomy(tiny):
    teachers = Teacher.objects.select_related("institution").annotate(topics=Count("expertise"))
    assert all(t.topics >= 1 for t in teachers)
    internal = [t for t in teachers if t.is_internal]
    assert {t.title for t in internal} <= {"professor", "assoc_professor", "lecturer"}
    assert all(t.institution.kind == "institution" for t in teachers)
    external = [t for t in teachers if not t.is_internal]
    assert external and all(t.employer for t in external)
    # Officials who teach keep one Person record for both profiles.
    assert Person.objects.filter(cadre__isnull=False, teacher__isnull=False).exists()
