"""/api/v1/cadres and /api/v1/teachers: parse → call a service/selector → serialise.

Responses carry `id_number_masked` and `phone_masked` only; the full values leave
the server solely through the audited reveal operations. Input values go through
people.validation like the forms and the Excel import, so enumerations accept codes
or their Chinese labels ("county" or "县处级") and every field error of a record is
reported at once. Writes are idempotent by ID number: registering a person already
registered is refused with 400 `duplicate` (or `duplicate_elsewhere` when the record
sits in another unit), so a client that retries after a timeout can look the record up
with `GET /cadres?q=<ID number>`.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from ganxun.api.auth import permission
from ganxun.api.errors import responses
from ganxun.api.organisations import organisation_ref
from ganxun.api.schemas import Id, Input, Page, PageQuery, label, page_of, text
from ganxun.core.errors import NotFound
from ganxun.org.models import Category, Organisation
from ganxun.org.selectors import organisation_get_for
from ganxun.people.choices import CareerEventKind, Education, Gender, PoliticalStatus, Rank, TeacherTitle
from ganxun.people.models import Cadre, CareerEvent, Person, Teacher
from ganxun.people.selectors import (
    cadre_get_for,
    cadre_list_for,
    career_events_for,
    teacher_get_for,
    teacher_list_for,
)
from ganxun.people.services import (
    InvalidRecord,
    cadre_create,
    cadre_update,
    person_reveal,
    teacher_create,
    teacher_update,
)
from ganxun.people.validation import FieldError
from ganxun.topics.selectors import topic_get_for

router = Router()
CADRES = ["干部"]
TEACHERS = ["师资"]

# --- schemas ------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    person_id: int
    name: str
    gender: str
    gender_label: str
    birth_date: date
    ethnicity: str
    political_status: str
    political_status_label: str
    education: str
    education_label: str
    id_number_masked: str = Field(description="身份证号（脱敏）；完整号码只能通过 reveal 接口获取并留痕")
    phone_masked: str
    is_active: bool
    updated_at: datetime


class CareerEventOut(Schema):
    id: int
    kind: str
    kind_label: str
    date: date
    unit_name: str
    position_title: str
    rank: str
    rank_label: str
    is_leader: bool
    note: str
    source: str


class CadreOut(PersonOut):
    unit_id: int
    unit_name: str
    position_title: str
    rank: str
    rank_label: str
    is_leader: bool
    category: str
    category_label: str
    position_since: date | None
    rank_since: date | None


class CadreDetailOut(CadreOut):
    career_events: list[CareerEventOut] = Field(description="任职经历，新的在前")


class TopicRef(Schema):
    id: int
    code: str
    name: str


class TeacherOut(PersonOut):
    institution_id: int
    institution_name: str
    title: str
    title_label: str
    is_internal: bool
    employer: str
    bio: str
    expertise: list[TopicRef]


class RevealOut(Schema):
    id_number: str
    phone: str


_ENUM_HELP = "可填代码或中文名称"


class PersonIn(Input):
    """All optional here so people.validation can report every missing or wrong field at once;
    the descriptions say which ones the record needs."""

    name: text(50) | None = Field(None, description="姓名（必填）")
    id_number: text(40) | None = Field(None, description="18 位身份证号（必填）；性别、出生日期由它得出")
    gender: text(10) | None = Field(None, description=f"M/F，{_ENUM_HELP}；须与身份证号一致")
    birth_date: text(20) | None = Field(None, description="YYYY-MM-DD；须与身份证号一致")
    ethnicity: text(10) | None = Field(None, description="民族，默认汉族")
    political_status: text(20) | None = Field(None, description=f"政治面貌（必填），{_ENUM_HELP}")
    education: text(20) | None = Field(None, description=f"学历（必填），{_ENUM_HELP}")
    phone: text(20) | None = Field(None, description="手机号或带区号的固定电话")


class CadreIn(PersonIn):
    unit_id: Id | None = Field(None, description="所在参训单位（必填）；不在范围内为 404")
    position_title: text(100) | None = None
    rank: text(20) | None = Field(None, description=f"职级（必填）：provincial/bureau/county/section/general，{_ENUM_HELP}")
    is_leader: bool | None = None
    category: text(20) | None = Field(None, description=f"干部类别（必填）：{'/'.join(Category.values)}，{_ENUM_HELP}")
    position_since: text(20) | None = Field(None, description="任现职时间，YYYY-MM-DD 或 YYYY.MM")
    rank_since: text(20) | None = Field(None, description="任现职级时间")


class CadrePatchIn(CadreIn):
    """Only the fields sent change; the others keep their current values (the full ID number
    and phone included). A change of unit, rank or post is written into the career history
    with `effective_date` (default: position_since, else today)."""

    effective_date: date | None = None


class TeacherIn(PersonIn):
    institution_id: Id | None = Field(None, description="所属培训机构（必填）；不在范围内为 404")
    title: text(20) | None = Field(None, description=f"职称（必填）：{'/'.join(TeacherTitle.values)}，{_ENUM_HELP}")
    is_internal: bool | None = Field(None, description="本机构师资，默认是")
    employer: text(100) | None = Field(None, description="外聘教师的工作单位（外聘时必填）")
    bio: text(2000) | None = None
    expertise_ids: list[Id] | None = Field(None, max_length=50, description="擅长领域（培训内容分类 id）")


class TeacherPatchIn(TeacherIn):
    """Only the fields sent change (the institution cannot be changed here)."""


class CadreFilters(Schema):
    q: text(50) = Field("", description="姓名包含，或完整身份证号 / 手机号（精确）")
    unit_id: Id | None = Field(None, description="单位；不在范围内的 id 不匹配任何人")
    subunits: bool = Field(True, description="含下级单位")
    rank: Rank | None = None
    category: Category | None = None
    leader: bool | None = Field(None, description="true 仅领导职务，false 仅非领导职务")
    gender: Gender | None = None
    include_inactive: bool = Field(False, description="含离职人员")


class TeacherFilters(Schema):
    q: text(50) = Field("", description="姓名包含，或完整身份证号 / 手机号（精确）")
    institution_id: Id | None = None
    topic_id: Id | None = Field(None, description="擅长该分类")
    is_internal: bool | None = None
    include_inactive: bool = False


# --- serialisers ---------------------------------------------------------------------------

def _person_out(record: Cadre | Teacher) -> dict:
    person: Person = record.person
    return {
        "id": record.pk, "person_id": person.pk, "name": person.name,
        "gender": person.gender, "gender_label": label(Gender, person.gender), "birth_date": person.birth_date,
        "ethnicity": person.ethnicity, "political_status": person.political_status,
        "political_status_label": label(PoliticalStatus, person.political_status),
        "education": person.education, "education_label": label(Education, person.education),
        "id_number_masked": person.id_number_masked, "phone_masked": person.phone_masked,
        "is_active": record.is_active, "updated_at": record.updated_at,
    }


def cadre_out(cadre: Cadre) -> dict:
    return {
        **_person_out(cadre), "unit_id": cadre.unit_id, "unit_name": cadre.unit.name,
        "position_title": cadre.position_title, "rank": cadre.rank, "rank_label": label(Rank, cadre.rank),
        "is_leader": cadre.is_leader, "category": cadre.category, "category_label": label(Category, cadre.category),
        "position_since": cadre.position_since, "rank_since": cadre.rank_since,
    }


def _event_out(event: CareerEvent) -> dict:
    return {
        "id": event.pk, "kind": event.kind, "kind_label": label(CareerEventKind, event.kind), "date": event.date,
        "unit_name": event.unit_name, "position_title": event.position_title, "rank": event.rank,
        "rank_label": label(Rank, event.rank), "is_leader": event.is_leader, "note": event.note,
        "source": event.source,
    }


def cadre_detail_out(actor, cadre: Cadre) -> dict:
    return {**cadre_out(cadre), "career_events": [_event_out(e) for e in career_events_for(actor, cadre)]}


def teacher_out(teacher: Teacher) -> dict:
    return {
        **_person_out(teacher), "institution_id": teacher.institution_id,
        "institution_name": teacher.institution.name, "title": teacher.title,
        "title_label": label(TeacherTitle, teacher.title), "is_internal": teacher.is_internal,
        "employer": teacher.employer, "bio": teacher.bio,
        "expertise": [{"id": t.pk, "code": t.code, "name": t.name} for t in teacher.expertise.all()],
    }


# --- input helpers -------------------------------------------------------------------------

PERSON_INPUT = ("name", "id_number", "gender", "birth_date", "ethnicity", "political_status", "education", "phone")


def _merged(current: dict, sent: dict) -> dict:
    """PATCH: the record's current values overlaid with what was sent (null clears a value).
    A new ID number carries its own gender and birth date, so the old ones are not kept
    to contradict it."""
    data = dict(current)
    if sent.get("id_number"):
        for derived in ("gender", "birth_date"):
            if derived not in sent:
                data.pop(derived, None)
    data.update({key: ("" if value is None else value) for key, value in sent.items()})
    return data


def _person_current(person: Person) -> dict:
    return {field: getattr(person, field) for field in PERSON_INPUT}


def _topics(actor, ids: list[int]) -> tuple[list, list[FieldError]]:
    topics, errors = [], []
    for pk in dict.fromkeys(ids):
        try:
            topics.append(topic_get_for(actor, pk))
        except NotFound:
            errors.append(FieldError("expertise_ids", "没有这个培训内容分类", str(pk)))
    return topics, errors


def _write(call, extra_errors: list[FieldError]):
    """Run a service in one transaction; field errors found here (unknown topics) are
    reported together with the service's own, and refuse the write like them."""
    try:
        with transaction.atomic():
            result = call()
            if extra_errors:
                raise InvalidRecord(extra_errors)
            return result
    except InvalidRecord as exc:
        if extra_errors and exc.errors is not extra_errors and list(exc.errors) != extra_errors:
            raise InvalidRecord(list(exc.errors) + extra_errors) from None
        raise


# --- cadres --------------------------------------------------------------------------------

@router.get("/cadres", response=responses({200: Page[CadreOut]}, 400), tags=CADRES, summary="干部列表")
@permission("cadres.view")
def cadre_list(request, filters: Query[CadreFilters], paging: Query[PageQuery]):
    """Cadres in the caller's scope (same filters as the cadre list page and its export)."""
    unit = None
    if filters.unit_id is not None:
        try:
            unit = organisation_get_for(request.auth, filters.unit_id)
        except NotFound:
            return page_of(Cadre.objects.none(), paging, cadre_out)
    qs = cadre_list_for(
        request.auth, q=filters.q, unit=unit, include_subunits=filters.subunits,
        rank=filters.rank.value if filters.rank else "", category=filters.category.value if filters.category else "",
        is_leader=filters.leader, gender=filters.gender.value if filters.gender else "",
        include_inactive=filters.include_inactive,
    )
    return page_of(qs, paging, cadre_out)


@router.get("/cadres/{cadre_id}", response=responses({200: CadreDetailOut}, 400, 404), tags=CADRES,
            summary="干部详情")
@permission("cadres.view")
def cadre_detail(request, cadre_id: Id):
    return cadre_detail_out(request.auth, cadre_get_for(request.auth, cadre_id))


@router.post("/cadres", response=responses({201: CadreDetailOut}, 400, 404), tags=CADRES, summary="登记干部")
@permission("cadres.manage")
def cadre_add(request, payload: CadreIn):
    """Register a cadre in `unit_id`. A person already known by ID number (e.g. as a teacher)
    gains the cadre profile; one already registered as a cadre is 400 `duplicate`."""
    actor = request.auth
    unit = organisation_ref(actor, payload.unit_id, field="unit_id") if payload.unit_id else None
    data = payload.model_dump(exclude={"unit_id"}, exclude_none=True)
    cadre = cadre_create(actor=actor, data=data, unit=unit, request=request)
    return Status(201, cadre_detail_out(actor, cadre_get_for(actor, cadre.pk)))


@router.patch("/cadres/{cadre_id}", response=responses({200: CadreDetailOut}, 400, 404), tags=CADRES,
              summary="修改干部信息")
@permission("cadres.manage")
def cadre_change(request, cadre_id: Id, payload: CadrePatchIn):
    actor = request.auth
    cadre = cadre_get_for(actor, cadre_id)
    sent = payload.model_dump(exclude_unset=True)
    effective = sent.pop("effective_date", None)
    unit: Organisation | None = cadre.unit
    if "unit_id" in sent:
        unit_id = sent.pop("unit_id")
        unit = organisation_ref(actor, unit_id, field="unit_id") if unit_id else None
    current = {
        **_person_current(cadre.person), "position_title": cadre.position_title, "rank": cadre.rank,
        "is_leader": cadre.is_leader, "category": cadre.category, "position_since": cadre.position_since,
        "rank_since": cadre.rank_since,
    }
    if sent.get("is_leader", True) is None:
        sent["is_leader"] = False
    cadre_update(actor=actor, cadre=cadre, data=_merged(current, sent), unit=unit, effective_date=effective,
                 request=request)
    return cadre_detail_out(actor, cadre_get_for(actor, cadre.pk))


@router.post("/cadres/{cadre_id}/reveal", response=responses({200: RevealOut}, 400, 404), tags=CADRES,
             summary="查看干部完整身份证号和手机号")
@permission("cadres.reveal")
def cadre_reveal(request, cadre_id: Id):
    """The full ID number and phone. Every call is written to the audit trail (person.reveal)."""
    cadre = cadre_get_for(request.auth, cadre_id)
    return person_reveal(actor=request.auth, person=cadre.person, permission="cadres.reveal", request=request)


# --- teachers ------------------------------------------------------------------------------

@router.get("/teachers", response=responses({200: Page[TeacherOut]}, 400), tags=TEACHERS, summary="师资列表")
@permission("teachers.view")
def teacher_list(request, filters: Query[TeacherFilters], paging: Query[PageQuery]):
    institution = None
    if filters.institution_id is not None:
        try:
            institution = organisation_get_for(request.auth, filters.institution_id)
        except NotFound:
            return page_of(Teacher.objects.none(), paging, teacher_out)
    qs = teacher_list_for(
        request.auth, q=filters.q, institution=institution, topic_id=filters.topic_id,
        is_internal=filters.is_internal, include_inactive=filters.include_inactive,
    ).prefetch_related("expertise")
    return page_of(qs, paging, teacher_out)


@router.get("/teachers/{teacher_id}", response=responses({200: TeacherOut}, 400, 404), tags=TEACHERS,
            summary="教师详情")
@permission("teachers.view")
def teacher_detail(request, teacher_id: Id):
    return teacher_out(teacher_get_for(request.auth, teacher_id))


@router.post("/teachers", response=responses({201: TeacherOut}, 400, 404), tags=TEACHERS, summary="教师入库")
@permission("teachers.manage")
def teacher_add(request, payload: TeacherIn):
    """Add a teacher to an institution's pool; one already in a pool is 400 `duplicate`."""
    actor = request.auth
    institution = (organisation_ref(actor, payload.institution_id, field="institution_id")
                   if payload.institution_id else None)
    topics, topic_errors = _topics(actor, payload.expertise_ids or [])
    data = payload.model_dump(exclude={"institution_id", "expertise_ids"}, exclude_none=True)
    data.setdefault("is_internal", True)
    teacher = _write(lambda: teacher_create(actor=actor, data=data, institution=institution, expertise=topics,
                                            request=request), topic_errors)
    return Status(201, teacher_out(teacher_get_for(actor, teacher.pk)))


@router.patch("/teachers/{teacher_id}", response=responses({200: TeacherOut}, 400, 404), tags=TEACHERS,
              summary="修改教师信息")
@permission("teachers.manage")
def teacher_change(request, teacher_id: Id, payload: TeacherPatchIn):
    actor = request.auth
    teacher = teacher_get_for(actor, teacher_id)
    sent = payload.model_dump(exclude_unset=True)
    if "institution_id" in sent and sent.pop("institution_id") not in (None, teacher.institution_id):
        raise InvalidRecord([FieldError("institution_id", "教师所属机构不能在此修改")])
    topic_ids = sent.pop("expertise_ids", None)
    if topic_ids is None:
        topics, topic_errors = list(teacher.expertise.all()), []
    else:
        topics, topic_errors = _topics(actor, topic_ids)
    if sent.get("is_internal", True) is None:
        sent["is_internal"] = True
    current = {**_person_current(teacher.person), "title": teacher.title, "is_internal": teacher.is_internal,
               "employer": teacher.employer, "bio": teacher.bio}
    _write(lambda: teacher_update(actor=actor, teacher=teacher, data=_merged(current, sent), expertise=topics,
                                  request=request), topic_errors)
    return teacher_out(teacher_get_for(actor, teacher.pk))


@router.post("/teachers/{teacher_id}/reveal", response=responses({200: RevealOut}, 400, 404), tags=TEACHERS,
             summary="查看教师完整身份证号和手机号")
@permission("teachers.reveal")
def teacher_reveal(request, teacher_id: Id):
    """The full ID number and phone. Every call is written to the audit trail (person.reveal)."""
    teacher = teacher_get_for(request.auth, teacher_id)
    return person_reveal(actor=request.auth, person=teacher.person, permission="teachers.reveal", request=request)
