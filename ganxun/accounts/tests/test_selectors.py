"""Which accounts a security admin may see and act on (accounts.selectors)."""

from __future__ import annotations

import pytest

from ganxun.access.models import Account, RoleAssignment
from ganxun.access.roles import Role
from ganxun.accounts.selectors import account_get_for, account_is_wholly_within, account_list_for
from ganxun.core.errors import NotFound
from ganxun.testing import make_account, make_teacher


@pytest.fixture
def sec_b(cast):
    return make_account("sec_b", Role.SECURITY_ADMIN, cast.county_b)


def usernames(actor) -> set[str]:
    return set(account_list_for(actor).values_list("username", flat=True))


def test_a_role_without_accounts_view_sees_no_account(cast, actor):
    assert usernames(actor(cast.alice)) == set()
    assert usernames(actor(cast.sam)) == set()


def test_a_person_in_scope_makes_the_account_visible_without_a_role(cast, actor, sec_b):
    teacher_account = Account.objects.create_user("t_b", "Xx-12345678", full_name="西山教师")
    school_b = cast.org_dept_b  # any node of county B will do as the teacher's institution here
    make_teacher("西山教师", school_b, account=teacher_account)
    assert "t_b" in usernames(actor(sec_b))
    assert account_is_wholly_within(actor(sec_b), teacher_account)


def test_an_account_whose_roles_were_all_revoked_stays_where_it_last_worked(cast, actor, sec_b):
    RoleAssignment.objects.filter(account=cast.charlie).update(revoked_at="2024-01-01T00:00:00Z")
    assert "charlie" in usernames(actor(sec_b))
    assert "charlie" in usernames(actor(cast.sec))
    RoleAssignment.objects.filter(account=cast.alice).update(revoked_at="2024-01-01T00:00:00Z")
    assert "alice" not in usernames(actor(sec_b))


def test_an_account_that_never_had_a_place_is_seen_only_from_the_top(cast, actor, sec_b):
    Account.objects.create_user("bootstrap", "Xx-12345678", full_name="初始化")
    assert "bootstrap" in usernames(actor(cast.sec))
    assert "bootstrap" not in usernames(actor(sec_b))
    with pytest.raises(NotFound):
        account_get_for(actor(sec_b), Account.objects.get(username="bootstrap").pk)


def test_an_account_with_a_role_elsewhere_is_visible_but_not_wholly_within(cast, actor, sec_b):
    RoleAssignment.objects.create(account=cast.charlie, role=Role.LEADER, scope=cast.city)
    assert account_get_for(actor(sec_b), cast.charlie.pk) == cast.charlie
    assert not account_is_wholly_within(actor(sec_b), cast.charlie)
    assert account_is_wholly_within(actor(cast.sec), cast.charlie)


def test_a_cadres_person_outside_the_scope_keeps_the_account_from_a_county_admin(cast, actor, sec_b):
    # carol is a cadre of A1; a role in county B alone does not hand her account to B's admin.
    RoleAssignment.objects.filter(account=cast.carol).update(revoked_at="2024-01-01T00:00:00Z")
    RoleAssignment.objects.create(account=cast.carol, role=Role.UNIT_LIAISON, scope=cast.unit_b1)
    assert account_get_for(actor(sec_b), cast.carol.pk) == cast.carol
    assert not account_is_wholly_within(actor(sec_b), cast.carol)
