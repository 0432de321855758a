"""Staff accounts the training process needs beyond the eleven demo log-ins.

Classes are run by an institution's admin and head teachers; the personas cover the city
party school only. The cadre academy and every county party school get an admin (教务) and
a head teacher, the city party school three more head teachers, and the city's four-eyes
rule needs a second city org-department admin to approve the city's annual plan (a 市委常委,
the head of the organisation department). Each account belongs to an existing person — a
teacher of that institution, or the 市委常委's cadre record — so no new person is generated
and the foundation's data digest (personas only, see demo/digest.py) stays the same. They
share the demo password; they are listed in docs/demo.md, not in the log-in table.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from ganxun.access import services as access_services
from ganxun.access.models import Account
from ganxun.access.roles import Role
from ganxun.audit.services import audit_record
from ganxun.demo.personas import PASSWORD
from ganxun.demo.process.world import World
from ganxun.people.models import Cadre, Person, Teacher

ORG_HEAD = "orgdept_head"
ACADEMY_ADMIN, ACADEMY_HEAD = "academy_admin", "academy_head"
SCHOOL_HEADS = ("school_head2", "school_head3", "school_head4")


def county_school_admin(county) -> str:
    return f"school{county.code}_admin"


def county_school_head(county) -> str:
    return f"school{county.code}_head"


@dataclass(frozen=True)
class StaffAccount:
    username: str
    person: Person
    role: str
    scope: object


def free_teachers(institution, exclude: set[int]) -> list[Teacher]:
    """Internal teachers of the institution without an account, senior first, stable order."""
    rows = [t for t in Teacher.objects.filter(institution=institution, is_internal=True, is_active=True,
                                              person__account__isnull=True).select_related("person")
            if t.person_id not in exclude]
    order = {"professor": 0, "assoc_professor": 1, "lecturer": 2}
    return sorted(rows, key=lambda t: (order.get(t.title, 3), t.person.id_number))


def plan_staff(world: World) -> list[StaffAccount]:
    taken: set[int] = set()
    staff: list[StaffAccount] = []

    def add(username, teachers, role, scope, senior: bool) -> None:
        pool = [t for t in teachers if t.person_id not in taken]
        if not pool:
            return
        teacher = pool[0] if senior else pool[-1]
        taken.add(teacher.person_id)
        staff.append(StaffAccount(username, teacher.person, role, scope))

    minister = sorted((c for c in Cadre.objects.filter(unit__parent=world.city, position_title="市委常委",
                                                       person__account__isnull=True).select_related("person")),
                      key=lambda c: c.person.id_number)
    if minister:
        staff.append(StaffAccount(ORG_HEAD, minister[0].person, Role.ORG_DEPT_ADMIN, world.city))
    school = free_teachers(world.school, taken)
    for username in SCHOOL_HEADS:
        add(username, school, Role.HEAD_TEACHER, world.school, senior=False)
        school = free_teachers(world.school, taken)
    academy = free_teachers(world.academy, taken)
    add(ACADEMY_ADMIN, academy, Role.INSTITUTION_ADMIN, world.academy, senior=True)
    add(ACADEMY_HEAD, academy, Role.HEAD_TEACHER, world.academy, senior=False)
    for county in world.counties:
        institution = world.county_schools.get(county.pk)
        if institution is None:
            continue
        teachers = free_teachers(institution, taken)
        add(county_school_admin(county), teachers, Role.INSTITUTION_ADMIN, institution, senior=True)
        add(county_school_head(county), teachers, Role.HEAD_TEACHER, institution, senior=False)
    return staff


def create_staff(world: World) -> list[Account]:
    """Create the staff accounts (like personas.create_personas: the password policy, an
    audit entry per account, roles through access.services.role_assign)."""
    encoded = make_password(PASSWORD)
    accounts = []
    for item in plan_staff(world):
        account = Account(username=item.username, full_name=item.person.name, must_change_password=False,
                          password=encoded, password_changed_at=timezone.now())
        account.full_clean()
        access_services.validate_password(PASSWORD, account)
        account.save()
        audit_record(action="account.create", actor=None, target=account, detail={"demo": True, "staff": True})
        Person.objects.filter(pk=item.person.pk).update(account=account)
        access_services.role_assign(actor=None, account=account, role=item.role, scope=item.scope,
                                    note="演示数据：培训工作人员")
        accounts.append(account)
    world.add("staff_accounts", len(accounts))
    return accounts
