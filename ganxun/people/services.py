"""Writes on people: cadres with their career history, teachers, and audited reveals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone

from ganxun.access import scope
from ganxun.audit.services import audit_record
from ganxun.core.crypto import keyed_hash
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.core.text import clean
from ganxun.org.models import Organisation
from ganxun.people.choices import RANK_ORDER, CareerEventKind, TeacherTitle
from ganxun.people.models import Cadre, CareerEvent, Person, Teacher
from ganxun.people.validation import FIELD_LABELS, FieldError, clean_cadre, clean_person

PERSON_FIELDS = ("name", "id_number", "gender", "birth_date", "ethnicity", "political_status", "education", "phone")
CADRE_FIELDS = ("position_title", "rank", "is_leader", "category", "position_since", "rank_since")


class InvalidRecord(DomainError):
    """Several fields are wrong at once; `errors` lists them all."""

    def __init__(self, errors: list[FieldError]):
        first = errors[0]
        message = "；".join(f"{FIELD_LABELS.get(e.field, e.field)}：{e.message}" for e in errors)
        super().__init__(message, code="invalid", field=first.field)
        self.errors = errors


def _raise_if(errors: list[FieldError]) -> None:
    if errors:
        raise InvalidRecord(errors)


def id_hash(number: str) -> str:
    return keyed_hash(number)


def phone_hash(phone: str) -> str:
    return keyed_hash(phone) if phone else ""


def _unit_for(actor, unit: Organisation | None) -> Organisation:
    if unit is None:
        raise InvalidRecord([FieldError("unit", "必填")])
    scope.require_within(actor, unit, message="该单位不在您的管理范围内。")
    if unit.kind != Organisation.Kind.UNIT:
        raise InvalidRecord([FieldError("unit", "干部只能登记在参训单位下", unit.name)])
    if not unit.is_active:
        raise InvalidRecord([FieldError("unit", "单位已停用", unit.name)])
    return unit


@transaction.atomic
def cadre_create(*, actor, data: Mapping[str, object], unit: Organisation | None, request=None) -> Cadre:
    """Register a cadre. A person already known by ID number (e.g. as a teacher) gains the profile."""
    scope.require(actor, "cadres.manage")
    person_data, errors = clean_person(data)
    cadre_data, cadre_errors = clean_cadre(data)
    errors += cadre_errors
    if unit is None:
        errors.append(FieldError("unit", "必填"))
    _raise_if(errors)
    unit = _unit_for(actor, unit)
    person = Person.objects.filter(id_number_hash=id_hash(person_data["id_number"])).first()
    if person is not None and Cadre.objects.filter(person=person).exists():
        existing = person.cadre
        if scope.path_within(actor, existing.unit.path):
            raise DomainError("该身份证号的干部已登记。", code="duplicate", field="id_number")
        raise DomainError("该身份证号已登记在其他单位，如需调入请联系上级组织部门办理调动。",
                          code="duplicate_elsewhere", field="id_number")
    if person is None:
        person = Person(**person_data, id_number_hash=id_hash(person_data["id_number"]),
                        phone_hash=phone_hash(person_data["phone"]))
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError:
            raise DomainError("该身份证号已登记。", code="duplicate", field="id_number") from None
    else:
        _apply_person(person, person_data)
    cadre = Cadre.objects.create(person=person, unit=unit, **cadre_data)
    if cadre.position_title or cadre.position_since:
        CareerEvent.objects.create(
            cadre=cadre, kind=CareerEventKind.APPOINTMENT, date=cadre.position_since or timezone.localdate(),
            unit=unit, unit_name=unit.name, position_title=cadre.position_title, rank=cadre.rank,
            is_leader=cadre.is_leader, source=CareerEvent.Source.MANUAL,
        )
    audit_record(action="cadre.create", request=request, actor=actor, target=cadre, target_repr=person.name)
    return cadre


def _apply_person(person: Person, person_data: dict) -> list[str]:
    changed = [f for f in PERSON_FIELDS if getattr(person, f) != person_data.get(f, getattr(person, f))]
    for field in changed:
        setattr(person, field, person_data[field])
    if "id_number" in changed:
        person.id_number_hash = id_hash(person.id_number)
    if "phone" in changed:
        person.phone_hash = phone_hash(person.phone)
    if changed:
        person.save()
    return changed


def career_changes(cadre: Cadre, new: dict, new_unit: Organisation, effective: dt.date) -> list[CareerEvent]:
    """The career events implied by a change of post: transfer, promotion, new appointment."""
    events = []
    base = dict(cadre=cadre, date=effective, unit=new_unit, unit_name=new_unit.name,
                position_title=new["position_title"], rank=new["rank"], is_leader=new["is_leader"])
    if new_unit.pk != cadre.unit_id:
        events.append(CareerEvent(kind=CareerEventKind.TRANSFER, note=f"由{cadre.unit.name}调入", **base))
    elif new["rank"] != cadre.rank and RANK_ORDER[new["rank"]] < RANK_ORDER[cadre.rank]:
        events.append(CareerEvent(kind=CareerEventKind.PROMOTION, **base))
    elif (new["position_title"] != cadre.position_title or new["rank"] != cadre.rank
          or new["is_leader"] != cadre.is_leader):
        events.append(CareerEvent(kind=CareerEventKind.APPOINTMENT, **base))
    return events


@transaction.atomic
def cadre_update(
    *, actor, cadre: Cadre, data: Mapping[str, object], unit: Organisation | None,
    effective_date: dt.date | None = None, request=None,
) -> Cadre:
    """Change a cadre's record; a change of unit, rank or post is written into the career history."""
    scope.require(actor, "cadres.manage")
    scope.require_within(actor, cadre.unit)
    person_data, errors = clean_person(data)
    cadre_data, cadre_errors = clean_cadre(data)
    errors += cadre_errors
    if unit is None:
        errors.append(FieldError("unit", "必填"))
    _raise_if(errors)
    unit = _unit_for(actor, unit)
    person = cadre.person
    if person_data["id_number"] != person.id_number:
        clash = Person.objects.filter(id_number_hash=id_hash(person_data["id_number"])).exclude(pk=person.pk)
        if clash.exists():
            raise DomainError("该身份证号已属于另一人员。", code="duplicate", field="id_number")
    effective = effective_date or cadre_data.get("position_since") or timezone.localdate()
    events = career_changes(cadre, cadre_data, unit, effective)
    person_changed = _apply_person(person, person_data)
    cadre_changed = [f for f in CADRE_FIELDS if getattr(cadre, f) != cadre_data[f]]
    for field in cadre_changed:
        setattr(cadre, field, cadre_data[field])
    if unit.pk != cadre.unit_id:
        cadre_changed.append("unit")
        cadre.unit = unit
    if cadre_changed:
        cadre.save()
    for event in events:
        event.source = CareerEvent.Source.MANUAL
        event.save()
    if person_changed or cadre_changed:
        audit_record(action="cadre.update", request=request, actor=actor, target=cadre, target_repr=person.name,
                     detail={"fields": sorted(set(person_changed) | set(cadre_changed))})
    return cadre


@transaction.atomic
def cadre_set_active(*, actor, cadre: Cadre, active: bool, reason: str = "", date: dt.date | None = None,
                     request=None) -> Cadre:
    """Mark a cadre as leaving (retired, transferred out of the system) or back; records stay."""
    scope.require(actor, "cadres.manage")
    scope.require_within(actor, cadre.unit)
    if cadre.is_active == active:
        return cadre
    reason = clean(reason)
    if not active and not reason:
        raise DomainError("请填写离职原因。", field="reason")
    cadre.is_active = active
    cadre.save(update_fields=["is_active", "updated_at"])
    if not active:
        kind = CareerEventKind.RETIREMENT if "退休" in reason else CareerEventKind.OTHER
        CareerEvent.objects.create(cadre=cadre, kind=kind, date=date or timezone.localdate(), unit=cadre.unit,
                                   unit_name=cadre.unit.name, note=reason[:200])
    audit_record(action="cadre.activate" if active else "cadre.deactivate", request=request, actor=actor,
                 target=cadre, target_repr=cadre.person.name, detail={"reason": reason})
    return cadre


@transaction.atomic
def career_event_add(
    *, actor, cadre: Cadre, kind: str, date: dt.date, unit_name: str = "", position_title: str = "",
    rank: str = "", is_leader: bool = False, note: str = "", request=None,
) -> CareerEvent:
    """Add a past step of the career by hand (history before the platform existed)."""
    scope.require(actor, "cadres.manage")
    scope.require_within(actor, cadre.unit)
    if kind not in CareerEventKind.values:
        raise DomainError("未知的经历类型。", field="kind")
    if date > timezone.localdate():
        raise DomainError("日期不能晚于今天。", field="date")
    if date < cadre.person.birth_date + dt.timedelta(days=16 * 365):
        raise DomainError("日期早于该干部 16 周岁，请核对。", field="date")
    if rank and rank not in RANK_ORDER:
        raise DomainError("未知的职级。", field="rank")
    # Link the unit when it is one the actor knows; the name is kept either way.
    unit = scope.scoped(actor, Organisation, permission="org.view").filter(
        name=clean(unit_name), kind=Organisation.Kind.UNIT).first()
    event = CareerEvent.objects.create(
        cadre=cadre, kind=kind, date=date, unit=unit, unit_name=clean(unit_name)[:100],
        position_title=clean(position_title)[:100], rank=rank, is_leader=is_leader, note=clean(note)[:200],
    )
    audit_record(action="career.add", request=request, actor=actor, target=cadre, target_repr=cadre.person.name,
                 detail={"kind": kind, "date": date.isoformat()})
    return event


def person_reveal(*, actor, person: Person, permission: str, request=None) -> dict[str, str]:
    """Full ID number and phone for a role that may see them; every reveal is audited."""
    if not scope.can(actor, permission):
        raise Forbidden("当前角色不能查看完整的个人信息。")
    visible = scope.scoped(actor, Person, permission=permission.replace(".reveal", ".view")).filter(pk=person.pk)
    if not visible.exists():
        raise NotFound()
    audit_record(action="person.reveal", request=request, actor=actor, target=person, target_repr=person.name,
                 detail={"fields": ["id_number", "phone"]})
    return {"id_number": person.id_number, "phone": person.phone}


# --- teachers -----------------------------------------------------------------------

def _clean_teacher(data: Mapping[str, object], institution: Organisation | None) -> tuple[dict, list[FieldError]]:
    errors: list[FieldError] = []
    title = clean(data.get("title"))
    titles = {label: value for value, label in TeacherTitle.choices} | {v: v for v in TeacherTitle.values}
    if title not in titles:
        errors.append(FieldError("title", "不是有效的职称", title))
    if institution is None or institution.kind != Organisation.Kind.INSTITUTION:
        errors.append(FieldError("institution", "请选择培训机构"))
    is_internal = data.get("is_internal")
    is_internal = is_internal in (True, "1", "true", "on", "是")
    employer = clean(data.get("employer"))[:100]
    if not is_internal and not employer:
        errors.append(FieldError("employer", "外聘教师请填写工作单位"))
    return {"title": titles.get(title), "is_internal": is_internal, "employer": employer,
            "bio": clean(data.get("bio"))[:2000]}, errors


@transaction.atomic
def teacher_create(*, actor, data: Mapping[str, object], institution: Organisation | None, expertise=(),
                   request=None) -> Teacher:
    scope.require(actor, "teachers.manage")
    person_data, errors = clean_person(data)
    teacher_data, teacher_errors = _clean_teacher(data, institution)
    _raise_if(errors + teacher_errors)
    scope.require_within(actor, institution, message="该机构不在您的管理范围内。")
    person = Person.objects.filter(id_number_hash=id_hash(person_data["id_number"])).first()
    if person is not None and Teacher.objects.filter(person=person).exists():
        raise DomainError("该身份证号的教师已在师资库中。", code="duplicate", field="id_number")
    if person is None:
        person = Person.objects.create(**person_data, id_number_hash=id_hash(person_data["id_number"]),
                                       phone_hash=phone_hash(person_data["phone"]))
    teacher = Teacher.objects.create(person=person, institution=institution, **teacher_data)
    teacher.expertise.set(expertise)
    audit_record(action="teacher.create", request=request, actor=actor, target=teacher, target_repr=person.name)
    return teacher


@transaction.atomic
def teacher_update(*, actor, teacher: Teacher, data: Mapping[str, object], expertise=(), request=None) -> Teacher:
    scope.require(actor, "teachers.manage")
    scope.require_within(actor, teacher.institution)
    person_data, errors = clean_person(data)
    teacher_data, teacher_errors = _clean_teacher(data, teacher.institution)
    _raise_if(errors + teacher_errors)
    if person_data["id_number"] != teacher.person.id_number:
        if Person.objects.filter(id_number_hash=id_hash(person_data["id_number"])).exclude(pk=teacher.person_id).exists():
            raise DomainError("该身份证号已属于另一人员。", code="duplicate", field="id_number")
    changed = _apply_person(teacher.person, person_data)
    for field, value in teacher_data.items():
        if getattr(teacher, field) != value:
            setattr(teacher, field, value)
            changed.append(field)
    teacher.save()
    teacher.expertise.set(expertise)
    audit_record(action="teacher.update", request=request, actor=actor, target=teacher,
                 target_repr=teacher.person.name, detail={"fields": changed})
    return teacher


@transaction.atomic
def teacher_set_active(*, actor, teacher: Teacher, active: bool, request=None) -> Teacher:
    scope.require(actor, "teachers.manage")
    scope.require_within(actor, teacher.institution)
    if teacher.is_active != active:
        teacher.is_active = active
        teacher.save(update_fields=["is_active", "updated_at"])
        audit_record(action="teacher.activate" if active else "teacher.deactivate", request=request, actor=actor,
                     target=teacher, target_repr=teacher.person.name)
    return teacher
