"""Builders for tests and the fixed persona cast (used by conftest.py).

The cast, as in every test of ganxun:

* a province → city (临江市) → counties A (东城区) and B (西山县);
* alice — org-department admin of county A;
* bob — liaison of unit A1 (a unit in county A, with a sub-unit A1-sub);
* charlie — the outsider: org-department admin of county B; must never see A;
* carol — a cadre of unit A1 with her own account;
* ivan — admin of the city party school; hannah its head teacher; tom a teacher of it;
* leo — leader (read-only) of the city;
* sam, sec, aud — the system, security and audit admins of the province.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from ganxun.access.models import Account, RoleAssignment
from ganxun.access.roles import Role
from ganxun.core.crypto import keyed_hash
from ganxun.core.idcard import make_id_number, parse_id_number
from ganxun.org.models import Organisation
from ganxun.people.models import Cadre, Person, Teacher

PASSWORD = "Cast-Passw0rd!"
_sequence = itertools.count(1)

Kind = Organisation.Kind
Level = Organisation.RegionLevel


def make_org(name: str, kind: str, parent: Organisation | None = None, *, level: str = "", code: str | None = None,
             category: str = "") -> Organisation:
    org = Organisation.objects.create(
        name=name, kind=kind, parent=parent, region_level=level, code=code, category=category,
        path=f"/tmp-{next(_sequence)}/", depth=(parent.depth + 1) if parent else 0,
    )
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.save(update_fields=["path"])
    return org


def new_id_number(*, gender: str = "M", birth: dt.date = dt.date(1980, 5, 17), region: str = "330102") -> str:
    return make_id_number(region, birth, next(_sequence) % 500, gender)


def make_person(name: str, *, gender: str = "M", birth: dt.date = dt.date(1980, 5, 17),
                phone: str = "13800138000", account: Account | None = None) -> Person:
    number = new_id_number(gender=gender, birth=birth)
    for attempt in range(1, 2001):
        if not Person.objects.filter(id_number_hash=keyed_hash(number)).exists():
            break
        # 500 sequence numbers per birth date and gender: move to the next day when they run out.
        number = new_id_number(gender=gender, birth=birth + dt.timedelta(days=attempt // 500))
    else:
        raise RuntimeError("no free ID number near this birth date")
    birth = parse_id_number(number).birth_date
    return Person.objects.create(
        name=name, id_number=number, id_number_hash=keyed_hash(number), gender=gender, birth_date=birth,
        political_status="cpc", education="bachelor", phone=phone, phone_hash=keyed_hash(phone) if phone else "",
        account=account,
    )


def make_cadre(name: str, unit: Organisation, *, rank: str = "section", category: str = "party_gov",
               is_leader: bool = False, gender: str = "M", account: Account | None = None, **person) -> Cadre:
    return Cadre.objects.create(
        person=make_person(name, gender=gender, account=account, **person), unit=unit, rank=rank,
        category=category, is_leader=is_leader, position_title="科员",
    )


def make_account(username: str, role: str | None = None, scope: Organisation | None = None, *,
                 full_name: str | None = None, password: str = PASSWORD) -> Account:
    account = Account.objects.create_user(username, password, full_name=full_name or username,
                                          must_change_password=False)
    if role:
        RoleAssignment.objects.create(account=account, role=role, scope=scope)
    return account


def make_teacher(name: str, institution: Organisation, *, account: Account | None = None) -> Teacher:
    return Teacher.objects.create(person=make_person(name, account=account), institution=institution,
                                  title="lecturer", is_internal=True)


@dataclass
class Cast:
    province: Organisation
    city: Organisation
    county_a: Organisation
    county_b: Organisation
    org_dept_a: Organisation
    org_dept_b: Organisation
    party_school: Organisation
    unit_a1: Organisation
    unit_a1_sub: Organisation
    unit_a2: Organisation
    unit_b1: Organisation
    alice: Account
    bob: Account
    charlie: Account
    carol: Account
    ivan: Account
    hannah: Account
    tom: Account
    leo: Account
    sam: Account
    sec: Account
    aud: Account
    cadres_a: list[Cadre] = field(default_factory=list)
    cadres_b: list[Cadre] = field(default_factory=list)
    carol_cadre: Cadre | None = None
    tom_teacher: Teacher | None = None


def build_cast() -> Cast:
    province = make_org("江东省", Kind.REGION, level=Level.PROVINCE, code="339000")
    city = make_org("临江市", Kind.REGION, province, level=Level.CITY, code="339100")
    county_a = make_org("东城区", Kind.REGION, city, level=Level.COUNTY, code="339101")
    county_b = make_org("西山县", Kind.REGION, city, level=Level.COUNTY, code="339102")
    org_dept_a = make_org("中共东城区委组织部", Kind.ORG_DEPT, county_a)
    org_dept_b = make_org("中共西山县委组织部", Kind.ORG_DEPT, county_b)
    party_school = make_org("中共临江市委党校", Kind.INSTITUTION, city)
    unit_a1 = make_org("东城区发展和改革局", Kind.UNIT, county_a, category="party_gov")
    unit_a1_sub = make_org("东城区价格监测中心", Kind.UNIT, unit_a1, category="public_inst")
    unit_a2 = make_org("东城区教育局", Kind.UNIT, county_a, category="party_gov")
    unit_b1 = make_org("西山县财政局", Kind.UNIT, county_b, category="party_gov")

    cast = Cast(
        province=province, city=city, county_a=county_a, county_b=county_b, org_dept_a=org_dept_a,
        org_dept_b=org_dept_b, party_school=party_school, unit_a1=unit_a1, unit_a1_sub=unit_a1_sub,
        unit_a2=unit_a2, unit_b1=unit_b1,
        alice=make_account("alice", Role.ORG_DEPT_ADMIN, county_a, full_name="艾丽"),
        bob=make_account("bob", Role.UNIT_LIAISON, unit_a1, full_name="包波"),
        charlie=make_account("charlie", Role.ORG_DEPT_ADMIN, county_b, full_name="查理"),
        carol=make_account("carol", Role.CADRE, unit_a1, full_name="卡萝"),
        ivan=make_account("ivan", Role.INSTITUTION_ADMIN, party_school, full_name="伊万"),
        hannah=make_account("hannah", Role.HEAD_TEACHER, party_school, full_name="韩娜"),
        tom=make_account("tom", Role.TEACHER, party_school, full_name="汤姆"),
        leo=make_account("leo", Role.LEADER, city, full_name="廖领"),
        sam=make_account("sam", Role.SYSTEM_ADMIN, province, full_name="孙系统"),
        sec=make_account("sec", Role.SECURITY_ADMIN, province, full_name="司安全"),
        aud=make_account("aud", Role.AUDIT_ADMIN, province, full_name="区审计"),
    )
    cast.carol_cadre = make_cadre("卡萝", unit_a1, gender="F", account=cast.carol, birth=dt.date(1988, 3, 9))
    cast.cadres_a = [
        cast.carol_cadre,
        make_cadre("张伟", unit_a1, rank="county", is_leader=True),
        make_cadre("李娜", unit_a1_sub, gender="F"),
        make_cadre("王强", unit_a2, rank="general"),
    ]
    cast.cadres_b = [make_cadre("赵敏", unit_b1, gender="F"), make_cadre("钱进", unit_b1, rank="county")]
    cast.tom_teacher = make_teacher("汤姆", party_school, account=cast.tom)
    return cast


def with_role(account: Account) -> Account:
    """The account as a request would see it: its first current role active (for service tests)."""
    account.active_role = (
        RoleAssignment.objects.current().filter(account=account).select_related("scope").order_by("id").first()
    )
    return account


def lift_audit_triggers() -> None:
    """Let a test tamper with audit entries: the append-only triggers are lifted inside the
    test's transaction (DDL is transactional on SQLite and PostgreSQL, so the rollback at the
    end of the test restores them)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_no_change")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update")
            cursor.execute("DROP TRIGGER audit_entry_no_delete")


# --- the training process: classes, sessions, enrollments ------------------------------------

def make_class(institution: Organisation, *, title: str = "测试培训班", organiser: Organisation | None = None,
               start: dt.date | None = None, days: int = 3, capacity: int = 50, status: str = "enrolling",
               head_teacher: Account | None = None, training_type: str = "in_service", topics=()):
    """A class of `institution` (status set directly: services are tested on their own)."""
    from ganxun.classes.models import TrainingClass

    start = start or dt.date.today() + dt.timedelta(days=7)
    training_class = TrainingClass.objects.create(
        title=title, institution=institution, organiser=organiser, training_type=training_type,
        start_date=start, end_date=start + dt.timedelta(days=days - 1), place=institution.name,
        capacity=capacity, status=status, head_teacher=head_teacher,
    )
    if topics:
        training_class.topics.set(topics)
    return training_class


def make_session(training_class, *, date: dt.date | None = None, slot: str = "morning", title: str = "专题讲座",
                 start: dt.time | None = None, end: dt.time | None = None, teacher: Teacher | None = None,
                 kind: str = "lecture", topic=None):
    """One timetable session (default: the slot's standard times on the class's first day)."""
    from ganxun.classes.models import SLOT_TIMES, Session

    default_start, default_end = SLOT_TIMES[slot]
    return Session.objects.create(
        training_class=training_class, date=date or training_class.start_date, slot=slot, kind=kind, title=title,
        start_time=start or default_start, end_time=end or default_end, teacher=teacher, topic=topic,
    )


def make_enrollment(training_class, cadre: Cadre, *, status: str = "approved", unit: Organisation | None = None,
                    quota=None, seat_no: int | None = None):
    """A cadre's place on a class's roster (approved by default)."""
    from ganxun.roster.models import Enrollment

    return Enrollment.objects.create(training_class=training_class, cadre=cadre, unit=unit or cadre.unit,
                                     quota=quota, status=status, seat_no=seat_no)


def api_client(account):
    """A Django test client that calls /api/v1/ with a fresh bearer token of `account`."""
    from django.test import Client

    from ganxun.access.services import token_create

    _, raw = token_create(actor=None, account=account, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})
