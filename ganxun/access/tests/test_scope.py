"""The one data-scope gate: each role sees exactly its subtree (or itself)."""

import pytest

from ganxun.access import scope
from ganxun.core.errors import NotFound
from ganxun.org.models import Organisation
from ganxun.people.models import Cadre, CareerEvent, Person, Teacher

pytestmark = pytest.mark.django_db


def names(qs):
    return set(qs.values_list("person__name", flat=True))


def test_an_org_department_sees_its_county_only(cast, actor):
    assert names(scope.scoped(actor(cast.alice), Cadre, permission="cadres.view")) == {"卡萝", "张伟", "李娜", "王强"}
    assert names(scope.scoped(actor(cast.charlie), Cadre, permission="cadres.view")) == {"赵敏", "钱进"}


def test_a_liaison_sees_the_unit_and_its_sub_units(cast, actor):
    assert names(scope.scoped(actor(cast.bob), Cadre, permission="cadres.view")) == {"卡萝", "张伟", "李娜"}


def test_a_leader_sees_the_whole_city(cast, actor):
    assert len(names(scope.scoped(actor(cast.leo), Cadre, permission="cadres.view"))) == 6


def test_a_cadre_sees_only_themselves(cast, actor):
    assert names(scope.scoped(actor(cast.carol), Cadre, permission="cadres.view")) == {"卡萝"}
    assert set(scope.scoped(actor(cast.carol), Person, permission="cadres.view").values_list("name", flat=True)) == {"卡萝"}


def test_roles_without_the_permission_see_nothing(cast, actor):
    for persona in ("tom", "sam", "sec", "aud", "ivan"):
        assert not scope.scoped(actor(getattr(cast, persona)), Cadre, permission="cadres.view").exists(), persona


def test_an_account_without_a_role_sees_nothing(cast):
    cast.alice.active_role = None
    assert not scope.scoped(cast.alice, Organisation, permission="org.view").exists()


def test_missing_and_out_of_scope_are_the_same_not_found(cast, actor):
    charlie = actor(cast.charlie)
    outsider_id = cast.carol_cadre.pk
    missing_id = Cadre.objects.order_by("-pk").first().pk + 1000
    with pytest.raises(NotFound) as out_of_scope:
        scope.get_for(charlie, Cadre, outsider_id, permission="cadres.view")
    with pytest.raises(NotFound) as missing:
        scope.get_for(charlie, Cadre, missing_id, permission="cadres.view")
    assert out_of_scope.value.message == missing.value.message
    with pytest.raises(NotFound):
        scope.get_for(charlie, Cadre, "not-a-number", permission="cadres.view")


def test_teachers_and_career_events_follow_their_institution_and_cadre(cast, actor):
    assert scope.scoped(actor(cast.ivan), Teacher, permission="teachers.view").count() == 1
    assert not scope.scoped(actor(cast.charlie), Teacher, permission="teachers.view").exists()
    CareerEvent.objects.create(cadre=cast.carol_cadre, kind="appointment", date="2020-01-01")
    assert scope.scoped(actor(cast.alice), CareerEvent, permission="cadres.view").count() == 1
    assert not scope.scoped(actor(cast.charlie), CareerEvent, permission="cadres.view").exists()


def test_organisations_are_scoped_by_subtree(cast, actor):
    seen = set(scope.scoped(actor(cast.alice), Organisation, permission="org.view").values_list("name", flat=True))
    assert seen == {"东城区", "中共东城区委组织部", "东城区发展和改革局", "东城区价格监测中心", "东城区教育局"}


def test_a_model_without_a_rule_is_refused_loudly(cast, actor):
    from ganxun.audit.models import AuditEntry

    with pytest.raises(LookupError):
        scope.scoped(actor(cast.alice), AuditEntry, permission="audit.view")
