"""/api/v1/roster/… and /api/v1/me/classes: calls to training, quotas, nominations, the roster.

Parse → call the same selectors and services as the pages → serialise. Scoped exactly like
the pages: a liaison sees the issued calls and quotas of units in its subtree and nominates
cadres of the quota unit's subtree only — any other cadre id answers 404, exactly like a
missing one; the org department reviews the classes it may call for; a cadre reads their
own classes. Phones leave the server masked; ID numbers not at all.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from ganxun.api.auth import permission
from ganxun.api.errors import responses
from ganxun.api.schemas import Id, Input, Page, PageQuery, label, page_of, text
from ganxun.classes.models import ClassStatus, TrainingClass
from ganxun.core.errors import DomainError, NotFound
from ganxun.core.pdf import pdf_response
from ganxun.org.models import Category
from ganxun.org.selectors import organisation_get_for
from ganxun.people.choices import Gender, Rank
from ganxun.people.selectors import cadre_get_for
from ganxun.roster import documents, selectors, services
from ganxun.roster.models import CallMode, CallStatus, Enrollment, EnrollmentStatus, TrainingCall
from ganxun.roster.warnings import WARNING_LABELS

router = Router()
CALLS = ["调训"]
NOMINATIONS = ["报名与名单"]
MINE = ["我的班次"]


# --- schemas ------------------------------------------------------------------------------

class QuotaOut(Schema):
    id: int
    call_id: int
    class_id: int
    class_title: str
    unit_id: int
    unit_name: str
    seats: int
    used: int = Field(description="已报名（待审核 + 已确认）")
    remaining: int
    note: str
    nomination_deadline: date | None


class NamedOut(Schema):
    cadre_id: int
    name: str
    unit_id: int
    unit_name: str
    position_title: str


class CallSummaryOut(Schema):
    id: int
    class_id: int
    class_title: str
    class_status: str
    class_status_label: str
    start_date: date
    end_date: date
    institution_name: str
    capacity: int
    mode: str
    mode_label: str
    status: str
    status_label: str
    document_no: str
    nomination_deadline: date | None
    contact: str
    requirements: str
    target_ranks: list[str]
    target_categories: list[str]
    repeat_years: int
    professional_classes: int
    untrained_years: int
    issuer_name: str
    issued_at: datetime | None
    quota_total: int = Field(description="已分配名额合计（按名额调训）")
    enrolled: int = Field(description="本班已报名（待审核 + 已确认）人数")


class CallOut(CallSummaryOut):
    quotas: list[QuotaOut] = Field(description="按名额调训的单位名额（联络员只见本单位）")
    named: list[NamedOut] = Field(description="实名调训人员（联络员只见本单位）")


class CallIn(Input):
    class_id: Id = Field(description="班次；须为本组织部门可调训的班次（主办区域或培训机构在范围内），否则 404")
    mode: CallMode = Field(CallMode.QUOTA, description="quota 按名额 / named 实名")
    document_no: text(60) = Field("", description="文号")
    nomination_deadline: date | None = Field(None, description="报名截止日期，须早于开班日期")
    contact: text(100) = Field("", description="联系人及电话")
    requirements: text(5000) = ""
    target_ranks: list[text(20)] | None = Field(None, max_length=10, description=f"调训对象职级（{'/'.join(Rank.values)}，可填中文名称）；不传则取年度计划条目的设置")
    target_categories: list[text(20)] | None = Field(None, max_length=10, description=f"调训对象类别（{'/'.join(Category.values)}，可填中文名称）；不传则取年度计划条目的设置")
    repeat_years: int = Field(3, ge=1, le=20)
    professional_classes: int = Field(3, ge=0, le=50)
    untrained_years: int = Field(3, ge=1, le=20)


class CallPatchIn(Input):
    """Only the fields sent change (a draft only)."""

    mode: CallMode | None = None
    document_no: text(60) | None = None
    nomination_deadline: date | None = None
    contact: text(100) | None = None
    requirements: text(5000) | None = None
    target_ranks: list[text(20)] | None = Field(None, max_length=10)
    target_categories: list[text(20)] | None = Field(None, max_length=10)
    repeat_years: int | None = Field(None, ge=1, le=20)
    professional_classes: int | None = Field(None, ge=0, le=50)
    untrained_years: int | None = Field(None, ge=1, le=20)


class QuotaIn(Input):
    seats: int = Field(ge=0, le=100000, description="名额；0 取消（草稿）或收回未使用的名额（已下发）")
    note: text(200) = Field("", description="说明，如人选条件")
    reason: text(300) = Field("", description="调整理由；通知下发后必填")


class CadreRefIn(Input):
    cadre_id: Id


class NominationIn(Input):
    quota_id: Id = Field(description="本单位的名额（GET /roster/quotas）")
    cadre_id: Id = Field(description="名额单位（含下级）的在职干部；其他任何 id 均为 404")


class RejectIn(Input):
    note: text(300) = Field(description="不通过理由（必填）")


class SubstituteIn(Input):
    cadre_id: Id = Field(description="同一单位（含下级）的另一名干部")
    reason: text(300) = Field(description="调换理由（必填）")


class BulkApproveIn(Input):
    ids: list[Id] = Field(min_length=1, max_length=500, description="本班次的报名 id")


class WarningOut(Schema):
    code: str
    label: str
    message: str


class EnrollmentOut(Schema):
    id: int
    class_id: int
    class_title: str
    quota_id: int | None
    cadre_id: int
    name: str
    gender_label: str
    unit_id: int
    unit_name: str
    position_title: str
    rank: str
    rank_label: str
    category: str
    category_label: str
    status: str
    status_label: str
    seat_no: int | None
    warnings: list[WarningOut] = Field(description="提示（待审核、已确认的按当前数据重新计算）")
    nominated_at: datetime
    decided_at: datetime | None
    decision_note: str
    replaced_by_id: int | None


class NominationOut(EnrollmentOut):
    created: bool = Field(description="false：该干部已由本名额报名，本次未新建（重复提交）")


class BulkApproveOut(Schema):
    approved: list[int]
    skipped: list[int] = Field(description="已确认或不是待审核状态（或已不在职）的报名，未处理")


class CandidateOut(Schema):
    id: int
    name: str
    unit_id: int
    unit_name: str
    position_title: str
    rank: str
    rank_label: str
    on_class: bool = Field(description="已在本班名单中")


class RosterEntryOut(Schema):
    seat_no: int | None
    enrollment_id: int
    cadre_id: int
    name: str
    gender_label: str
    unit_name: str
    position_title: str
    rank_label: str
    phone_masked: str


class MyClassOut(Schema):
    enrollment_id: int
    class_id: int
    title: str
    start_date: date
    end_date: date
    place: str
    institution_name: str
    head_teacher_name: str
    class_status: str
    class_status_label: str
    status: str
    status_label: str
    seat_no: int | None
    phase: str = Field(description="current 正在进行 / upcoming 即将开始 / past 已结束")


class CallFilters(Schema):
    status: CallStatus | None = None
    q: text(50) = Field("", description="班次名称或文号包含")


class NominationFilters(Schema):
    class_id: Id | None = None
    status: EnrollmentStatus | None = None
    unit_id: Id | None = Field(None, description="单位（含下级）；不在范围内的 id 不匹配任何报名")
    warning: str | None = Field(None, description=f"提示代码：{'/'.join(WARNING_LABELS)}；须同时指定 class_id")


class CandidateFilters(Schema):
    q: text(50) = Field("", description="姓名包含")


# --- serialisers ---------------------------------------------------------------------------

def _quota_out(row: selectors.QuotaRow) -> dict:
    quota, call = row.quota, row.quota.call
    return {"id": quota.pk, "call_id": call.pk, "class_id": call.training_class_id,
            "class_title": call.training_class.title, "unit_id": quota.unit_id, "unit_name": quota.unit.name,
            "seats": quota.seats, "used": row.used, "remaining": row.remaining, "note": quota.note,
            "nomination_deadline": call.nomination_deadline}


def _call_summary(call: TrainingCall) -> dict:
    c = call.training_class
    return {
        "id": call.pk, "class_id": c.pk, "class_title": c.title, "class_status": c.status,
        "class_status_label": label(ClassStatus, c.status), "start_date": c.start_date, "end_date": c.end_date,
        "institution_name": c.institution.name, "capacity": c.capacity, "mode": call.mode,
        "mode_label": label(CallMode, call.mode), "status": call.status, "status_label": label(CallStatus, call.status),
        "document_no": call.document_no, "nomination_deadline": call.nomination_deadline, "contact": call.contact,
        "requirements": call.requirements, "target_ranks": call.target_ranks,
        "target_categories": call.target_categories, "repeat_years": call.repeat_years,
        "professional_classes": call.professional_classes, "untrained_years": call.untrained_years,
        "issuer_name": call.issuer.name if call.issuer_id else "", "issued_at": call.issued_at,
        "quota_total": getattr(call, "quota_total", None) or 0, "enrolled": getattr(call, "live_count", None) or 0,
    }


def _call_out(actor, call: TrainingCall) -> dict:
    rows = selectors.quota_rows(call, actor=actor)
    for row in rows:
        row.quota.call = call
    return {
        **_call_summary(call), "quotas": [_quota_out(r) for r in rows],
        "named": [{"cadre_id": n.cadre_id, "name": n.cadre.person.name, "unit_id": n.unit_id, "unit_name": n.unit.name,
                   "position_title": n.cadre.position_title} for n in selectors.named_list(call, actor=actor)],
    }


def _target_codes(data: dict) -> dict:
    """Enumerations accept codes or their Chinese labels ("county" or "县处级")."""
    for name, choices in (("target_ranks", Rank), ("target_categories", Category)):
        if data.get(name) is not None:
            by_label = {str(lab): value for value, lab in choices.choices}
            data[name] = [by_label.get(v, v) for v in data[name]]
    return data


def _warnings_out(warnings: list[dict]) -> list[dict]:
    return [{"code": w.get("code", ""), "label": WARNING_LABELS.get(w.get("code"), ""), "message": w.get("message", "")}
            for w in warnings]


def _enrollment_out(e: Enrollment, warnings: list[dict]) -> dict:
    cadre, person = e.cadre, e.cadre.person
    return {
        "id": e.pk, "class_id": e.training_class_id, "class_title": e.training_class.title, "quota_id": e.quota_id,
        "cadre_id": cadre.pk, "name": person.name, "gender_label": label(Gender, person.gender),
        "unit_id": e.unit_id, "unit_name": e.unit.name, "position_title": cadre.position_title, "rank": cadre.rank,
        "rank_label": label(Rank, cadre.rank), "category": cadre.category,
        "category_label": label(Category, cadre.category), "status": e.status,
        "status_label": label(EnrollmentStatus, e.status), "seat_no": e.seat_no, "warnings": _warnings_out(warnings),
        "nominated_at": e.nominated_at, "decided_at": e.decided_at, "decision_note": e.decision_note,
        "replaced_by_id": e.replaced_by_id,
    }


def _one(actor, enrollment_id) -> dict:
    enrollment = selectors.enrollment_get_for(actor, enrollment_id)
    return _enrollment_out(enrollment, selectors.enrollment_warnings([enrollment])[enrollment.pk])


def _call(actor, call_id) -> TrainingCall:
    return selectors.call_get_for(actor, call_id)


def _caller_call(actor, call_id) -> TrainingCall:
    """A call the actor may change (roster.call on its class); others are 404."""
    call = _call(actor, call_id)
    if not services.may_call_for(actor, call.training_class):
        raise NotFound()
    return call


# --- calls ---------------------------------------------------------------------------------

@router.get("/roster/calls", response=responses({200: Page[CallSummaryOut]}, 400), tags=CALLS, summary="调训列表")
@permission("roster.view")
def roster_call_list(request, filters: Query[CallFilters], paging: Query[PageQuery]):
    """Calls the caller sees: drafts on the class's side only; liaisons see issued calls with a
    quota for, or a named cadre of, their units."""
    qs = selectors.call_list_for(request.auth, status=filters.status.value if filters.status else "", q=filters.q)
    return page_of(qs, paging, _call_summary)


@router.get("/roster/calls/{call_id}", response=responses({200: CallOut}, 400, 404), tags=CALLS, summary="调训详情")
@permission("roster.view")
def roster_call_detail(request, call_id: Id):
    return _call_out(request.auth, _call(request.auth, call_id))


def _class_for_call(actor, class_id: int) -> TrainingClass:
    training_class = selectors.roster_class_get_for(actor, class_id)
    if not services.may_call_for(actor, training_class):
        raise NotFound()
    return training_class


@router.post("/roster/calls", response=responses({201: CallOut}, 400, 404), tags=CALLS, summary="发起调训（草稿）")
@permission("roster.call")
def roster_call_create(request, payload: CallIn):
    """A class has at most one call (a second one is 400 `duplicate`)."""
    actor = request.auth
    training_class = _class_for_call(actor, payload.class_id)
    data = payload.model_dump(exclude_unset=True, exclude={"class_id"})
    data.setdefault("mode", CallMode.QUOTA)
    for name in ("target_ranks", "target_categories"):
        if data.get(name) is None:
            data.pop(name, None)
    call = services.call_create(actor=actor, training_class=training_class, data=_target_codes(data),
                                request=request)
    return Status(201, _call_out(actor, _call(actor, call.pk)))


@router.patch("/roster/calls/{call_id}", response=responses({200: CallOut}, 400, 404), tags=CALLS,
              summary="修改调训（草稿）")
@permission("roster.call")
def roster_call_change(request, call_id: Id, payload: CallPatchIn):
    actor = request.auth
    call = _caller_call(actor, call_id)
    data = payload.model_dump(exclude_unset=True)
    for name in ("mode", "repeat_years", "professional_classes", "untrained_years"):
        if name in data and data[name] is None:
            raise DomainError("不能为空。", field=name)
    services.call_update(actor=actor, call=call, data=_target_codes(data), request=request)
    return _call_out(actor, _call(actor, call.pk))


@router.post("/roster/calls/{call_id}/issue", response=responses({200: CallOut}, 400, 404), tags=CALLS,
             summary="下发调训通知")
@permission("roster.call")
def roster_call_issue(request, call_id: Id):
    """Issued: the class moves to 已发调训通知; in a named call the named cadres are enrolled.
    Issuing again changes nothing."""
    actor = request.auth
    call = services.call_issue(actor=actor, call=_caller_call(actor, call_id), request=request)
    return _call_out(actor, _call(actor, call.pk))


@router.get("/roster/calls/{call_id}/notice", response=responses({200: None}, 400, 404), tags=CALLS,
            summary="调训通知 PDF", openapi_extra={"responses": {200: {
                "description": "application/pdf", "content": {"application/pdf": {"schema": {
                    "type": "string", "format": "binary"}}}}}})
@permission("roster.view")
def roster_call_notice(request, call_id: Id):
    """The notice as a PDF (drafts: a preview for the org department only)."""
    actor = request.auth
    call = _call(actor, call_id)
    if not call.is_issued and not services.may_call_for(actor, call.training_class):
        raise NotFound()
    return pdf_response(documents.notice_pdf(call), documents.notice_filename(call))


@router.put("/roster/calls/{call_id}/quotas/{unit_id}", response=responses({200: CallOut}, 400, 404), tags=CALLS,
            summary="设置单位名额")
@permission("roster.call")
def roster_quota_set(request, call_id: Id, unit_id: Id, payload: QuotaIn):
    """Draft: set freely (0 removes). Issued: a recorded adjustment with `reason`, never below
    the seats the unit uses. The total stays within the class's capacity."""
    actor = request.auth
    call = _caller_call(actor, call_id)
    unit = organisation_get_for(actor, unit_id)
    services.quota_set(actor=actor, call=call, unit=unit, seats=payload.seats, note=payload.note,
                       reason=payload.reason, request=request)
    return _call_out(actor, _call(actor, call.pk))


@router.post("/roster/calls/{call_id}/named", response=responses({200: CallOut}, 400, 404), tags=CALLS,
             summary="实名调训：添加人员")
@permission("roster.call")
def roster_named_add(request, call_id: Id, payload: CadreRefIn):
    """A cadre of the caller's subtree; after the issue the cadre is enrolled (approved) at once."""
    actor = request.auth
    call = _caller_call(actor, call_id)
    services.call_name_cadre(actor=actor, call=call, cadre=cadre_get_for(actor, payload.cadre_id), request=request)
    return _call_out(actor, _call(actor, call.pk))


@router.delete("/roster/calls/{call_id}/named/{cadre_id}", response=responses({200: CallOut}, 400, 404),
               tags=CALLS, summary="实名调训：移除人员（草稿）")
@permission("roster.call")
def roster_named_remove(request, call_id: Id, cadre_id: Id):
    actor = request.auth
    call = _caller_call(actor, call_id)
    services.call_unname_cadre(actor=actor, call=call, cadre=cadre_get_for(actor, cadre_id), request=request)
    return _call_out(actor, _call(actor, call.pk))


# --- quotas and nominations (liaisons) ------------------------------------------------------

@router.get("/roster/quotas", response=responses({200: Page[QuotaOut]}, 400), tags=NOMINATIONS,
            summary="本单位名额")
@permission("roster.nominate")
def roster_quota_list(request, paging: Query[PageQuery]):
    """Issued quotas of units in the liaison's subtree, with seats used and remaining."""
    def out(quota):
        return _quota_out(selectors.QuotaRow(quota, quota.used))
    return page_of(selectors.quota_list_for(request.auth), paging, out)


@router.get("/roster/quotas/{quota_id}/candidates", response=responses({200: Page[CandidateOut]}, 400, 404),
            tags=NOMINATIONS, summary="可报名的干部")
@permission("roster.nominate")
def roster_quota_candidates(request, quota_id: Id, filters: Query[CandidateFilters], paging: Query[PageQuery]):
    """Serving cadres of the quota unit's subtree (the nomination picker), by name."""
    quota = selectors.quota_get_for(request.auth, quota_id)
    qs = selectors.nomination_candidates(request.auth, quota, q=filters.q)
    return page_of(qs, paging, lambda c: {
        "id": c.pk, "name": c.person.name, "unit_id": c.unit_id, "unit_name": c.unit.name,
        "position_title": c.position_title, "rank": c.rank, "rank_label": label(Rank, c.rank),
        "on_class": c.live_here})


@router.post("/roster/nominations", response=responses({200: NominationOut}, 400, 404), tags=NOMINATIONS,
             summary="报名")
@permission("roster.nominate")
def roster_nominate(request, payload: NominationIn):
    """Nominate a cadre into the unit's quota. Refusals (400, `code`): not_issued, closed,
    deadline_passed, not_serving, overlap, over_quota, class_full, duplicate. A repeated
    nomination of the same cadre answers the existing enrollment with `created: false`."""
    actor = request.auth
    quota = selectors.quota_get_for(actor, payload.quota_id)
    enrollment, created = services.enrollment_nominate(actor=actor, quota=quota, cadre_id=payload.cadre_id,
                                                       request=request)
    return {**_one(actor, enrollment.pk), "created": created}


@router.get("/roster/nominations", response=responses({200: Page[EnrollmentOut]}, 400), tags=NOMINATIONS,
            summary="报名列表")
@permission("roster.view")
def roster_nomination_list(request, filters: Query[NominationFilters], paging: Query[PageQuery]):
    """Enrollments the caller sees (liaisons: their units' only), newest first."""
    actor = request.auth
    qs = selectors.enrollments_for(actor).select_related("training_class", "cadre__person", "unit")
    if filters.class_id is not None:
        qs = qs.filter(training_class_id=filters.class_id)
    if filters.status is not None:
        qs = qs.filter(status=filters.status.value)
    if filters.unit_id is not None:
        try:
            unit = organisation_get_for(actor, filters.unit_id)
        except NotFound:
            qs = qs.none()
        else:
            qs = qs.filter(unit__path__startswith=unit.path)
    if filters.warning:
        if filters.warning not in WARNING_LABELS:
            raise DomainError(f"未知的提示代码“{filters.warning}”。", field="warning")
        if filters.class_id is None:
            raise DomainError("按提示筛选时须指定班次（class_id）。", field="warning")
        rows = list(qs)
        computed = selectors.enrollment_warnings(rows)
        qs = qs.filter(pk__in=[e.pk for e in rows if filters.warning in {w.get("code") for w in computed[e.pk]}])
    qs = qs.order_by("-nominated_at", "-id")
    count = qs.count()
    start = (paging.page - 1) * paging.page_size
    rows = list(qs[start:start + paging.page_size]) if start < count else []
    computed = selectors.enrollment_warnings(rows)
    return {"count": count, "page": paging.page, "page_size": paging.page_size,
            "items": [_enrollment_out(e, computed[e.pk]) for e in rows]}


def _enrollment(actor, enrollment_id) -> Enrollment:
    return selectors.enrollment_get_for(actor, enrollment_id)


@router.post("/roster/nominations/{enrollment_id}/withdraw", response=responses({200: EnrollmentOut}, 400, 404),
             tags=NOMINATIONS, summary="撤回报名")
@permission("roster.nominate")
def roster_withdraw(request, enrollment_id: Id):
    actor = request.auth
    services.enrollment_withdraw(actor=actor, enrollment=_enrollment(actor, enrollment_id), request=request)
    return _one(actor, enrollment_id)


@router.post("/roster/nominations/{enrollment_id}/approve", response=responses({200: EnrollmentOut}, 400, 404),
             tags=NOMINATIONS, summary="确认报名")
@permission("roster.review")
def roster_approve(request, enrollment_id: Id):
    """The cadre gets the next seat number (学号) of the class. Approving again changes nothing."""
    actor = request.auth
    services.enrollment_approve(actor=actor, enrollment=_enrollment(actor, enrollment_id), request=request)
    return _one(actor, enrollment_id)


@router.post("/roster/nominations/{enrollment_id}/reject", response=responses({200: EnrollmentOut}, 400, 404),
             tags=NOMINATIONS, summary="退回报名")
@permission("roster.review")
def roster_reject(request, enrollment_id: Id, payload: RejectIn):
    actor = request.auth
    services.enrollment_reject(actor=actor, enrollment=_enrollment(actor, enrollment_id), note=payload.note,
                               request=request)
    return _one(actor, enrollment_id)


@router.post("/roster/nominations/{enrollment_id}/substitute", response=responses({200: EnrollmentOut}, 400, 404),
             tags=NOMINATIONS, summary="调换学员")
@permission("roster.review")
def roster_substitute(request, enrollment_id: Id, payload: SubstituteIn):
    """Answers the new, approved enrollment; the old one becomes 已调换 (`replaced_by_id`)."""
    actor = request.auth
    replacement = services.enrollment_substitute(actor=actor, enrollment=_enrollment(actor, enrollment_id),
                                                 cadre_id=payload.cadre_id, reason=payload.reason, request=request)
    return _one(actor, replacement.pk)


def _review_class(actor, class_id) -> TrainingClass:
    training_class = selectors.roster_class_get_for(actor, class_id)
    if not services.may_call_for(actor, training_class, "roster.review"):
        raise NotFound()
    return training_class


@router.post("/roster/classes/{class_id}/approve", response=responses({200: BulkApproveOut}, 400, 404),
             tags=NOMINATIONS, summary="批量确认")
@permission("roster.review")
def roster_bulk_approve(request, class_id: Id, payload: BulkApproveIn):
    """Approve the pending ones of `ids` in nomination order; ids of another class are 404."""
    actor = request.auth
    approved, skipped = services.enrollment_approve_many(actor=actor, training_class=_review_class(actor, class_id),
                                                         ids=payload.ids, request=request)
    return {"approved": [e.pk for e in approved], "skipped": [e.pk for e in skipped]}


@router.get("/roster/classes/{class_id}/roster", response=responses({200: Page[RosterEntryOut]}, 400, 404),
            tags=NOMINATIONS, summary="学员名单")
@permission("roster.view")
def roster_class_roster(request, class_id: Id, paging: Query[PageQuery]):
    """Approved cadres in seat-number order (liaisons: their units' cadres only); phones masked."""
    actor = request.auth
    training_class = selectors.roster_class_get_for(actor, class_id)
    qs = selectors.class_enrollments(actor, training_class).filter(status=EnrollmentStatus.APPROVED).order_by(
        "seat_no", "id")
    return page_of(qs, paging, lambda e: {
        "seat_no": e.seat_no, "enrollment_id": e.pk, "cadre_id": e.cadre_id, "name": e.cadre.person.name,
        "gender_label": label(Gender, e.cadre.person.gender), "unit_name": e.unit.name,
        "position_title": e.cadre.position_title, "rank_label": label(Rank, e.cadre.rank),
        "phone_masked": e.cadre.person.phone_masked})


# --- the cadre's own classes ---------------------------------------------------------------

@router.get("/me/classes", response=responses({200: Page[MyClassOut]}, 400), tags=MINE, summary="我的班次")
@permission("self.view")
def roster_my_classes(request, paging: Query[PageQuery]):
    """The caller's own classes (待审核, 已确认, 退学), newest first."""
    today = timezone.localdate()
    qs = selectors.own_enrollments(request.auth).select_related("training_class__institution", "training_class__head_teacher")

    def out(e):
        c = e.training_class
        phase = "current" if c.start_date <= today <= c.end_date else ("upcoming" if c.start_date > today else "past")
        return {"enrollment_id": e.pk, "class_id": c.pk, "title": c.title, "start_date": c.start_date,
                "end_date": c.end_date, "place": c.place, "institution_name": c.institution.name,
                "head_teacher_name": c.head_teacher.full_name if c.head_teacher_id else "",
                "class_status": c.status, "class_status_label": label(ClassStatus, c.status), "status": e.status,
                "status_label": label(EnrollmentStatus, e.status), "seat_no": e.seat_no, "phase": phase}
    return page_of(qs.order_by("-training_class__start_date", "-id"), paging, out)

