import pytest

from ganxun.audit.models import AuditEntry
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.org import services
from ganxun.org.models import Organisation
from ganxun.org.selectors import organisation_children_for, organisation_list_for
from ganxun.testing import make_cadre

pytestmark = pytest.mark.django_db
Kind = Organisation.Kind


def test_a_new_node_gets_its_path_under_the_parent_and_is_audited(cast, actor):
    unit = services.organisation_create(actor=actor(cast.alice), parent=cast.county_a, kind=Kind.UNIT,
                                        name=" 东城区 财政局 ", category="party_gov", code="11330102mb0000001x")
    assert unit.path == f"{cast.county_a.path}{unit.pk}/"
    assert unit.depth == cast.county_a.depth + 1
    assert unit.name == "东城区 财政局" and unit.code == "11330102MB0000001X"
    assert AuditEntry.objects.filter(action="org.create", target_id=str(unit.pk), actor_username="alice").exists()


@pytest.mark.parametrize(
    "kind, level, parent_attr, message",
    [
        (Kind.REGION, "county", "province", "市级区域"),
        (Kind.REGION, "city", "city", "省级区域"),
        (Kind.INSTITUTION, "", "unit_a1", "行政区域"),
        (Kind.UNIT, "", "party_school", "行政区域或另一个参训单位"),
        (Kind.UNIT, "county", "county_a", "只有行政区域"),
    ],
)
def test_it_enforces_the_shape_of_the_tree(cast, actor, kind, level, parent_attr, message):
    with pytest.raises(DomainError, match=message):
        services.organisation_create(actor=actor(cast.sam), parent=getattr(cast, parent_attr), kind=kind,
                                     region_level=level, name="新节点")


def test_an_org_department_creates_units_but_not_institutions(cast, actor):
    with pytest.raises(Forbidden):
        services.organisation_create(actor=actor(cast.alice), parent=cast.county_a, kind=Kind.INSTITUTION,
                                     name="东城区委党校")


def test_nobody_creates_outside_their_scope(cast, actor):
    with pytest.raises(NotFound):
        services.organisation_create(actor=actor(cast.charlie), parent=cast.county_a, kind=Kind.UNIT, name="越权单位")


def test_codes_are_unique(cast, actor):
    services.organisation_create(actor=actor(cast.alice), parent=cast.county_a, kind=Kind.UNIT, name="甲", code="A1")
    with pytest.raises(DomainError, match="已被其他组织使用"):
        services.organisation_create(actor=actor(cast.alice), parent=cast.county_a, kind=Kind.UNIT, name="乙", code="a1")


def test_moving_a_node_moves_its_whole_subtree_and_the_scopes_follow(cast, actor):
    sam = actor(cast.sam)
    services.organisation_move(actor=sam, org=cast.unit_a1, new_parent=cast.county_b)
    moved = Organisation.objects.get(pk=cast.unit_a1.pk)
    sub = Organisation.objects.get(pk=cast.unit_a1_sub.pk)
    assert moved.path == f"{cast.county_b.path}{moved.pk}/"
    assert sub.path == f"{moved.path}{sub.pk}/"
    assert sub.depth == moved.depth + 1
    # The cadres of the moved unit are now county B's (charlie) and no longer county A's (alice).
    from ganxun.access import scope
    from ganxun.people.models import Cadre

    charlie_sees = set(scope.scoped(actor(cast.charlie), Cadre, permission="cadres.view")
                       .values_list("person__name", flat=True))
    assert {"卡萝", "张伟", "李娜"} <= charlie_sees
    assert "卡萝" not in set(scope.scoped(actor(cast.alice), Cadre, permission="cadres.view")
                            .values_list("person__name", flat=True))
    assert AuditEntry.objects.filter(action="org.move", target_id=str(moved.pk)).exists()


def test_a_node_cannot_move_under_itself(cast, actor):
    with pytest.raises(DomainError, match="自身或其下级"):
        services.organisation_move(actor=actor(cast.sam), org=cast.unit_a1, new_parent=cast.unit_a1_sub)


def test_deactivation_is_refused_while_in_use_and_nothing_is_deleted(cast, actor):
    alice = actor(cast.alice)
    with pytest.raises(DomainError, match="下级组织"):
        services.organisation_set_active(actor=alice, org=cast.unit_a1, active=False)
    with pytest.raises(DomainError, match="在职干部"):
        services.organisation_set_active(actor=alice, org=cast.unit_a1_sub, active=False)
    empty = services.organisation_create(actor=alice, parent=cast.county_a, kind=Kind.UNIT, name="撤并单位")
    services.organisation_set_active(actor=alice, org=empty, active=False)
    assert Organisation.objects.get(pk=empty.pk).is_active is False
    with pytest.raises(DomainError, match="已停用"):
        services.organisation_create(actor=alice, parent=empty, kind=Kind.UNIT, name="下级")


def test_an_institution_with_pooled_teachers_stays_active(cast, actor):
    with pytest.raises(DomainError, match="师资库"):
        services.organisation_set_active(actor=actor(cast.sam), org=cast.party_school, active=False)


def test_search_and_children_stay_inside_the_scope(cast, actor):
    charlie = actor(cast.charlie)
    assert not organisation_list_for(charlie, q="东城").exists()
    roots = list(organisation_children_for(charlie, None))
    assert [r.name for r in roots] == ["西山县"]
    make_cadre("新人", cast.unit_b1)
    children = {c.name: c.child_count for c in organisation_children_for(charlie, cast.county_b)}
    assert children == {"中共西山县委组织部": 0, "西山县财政局": 0}
