"""Rectification items (整改): opened automatically from low figures, or by hand; their lifecycle.

**The automatic check** (`rectification_check_class`) looks at one class and opens an item for
every figure below the class's threshold (default 3.5) that rests on at least 3 responses:

| cause | figure | subject | owner |
|---|---|---|---|
| session_content / session_teaching | a session's content / teacher mean | the session | institution |
| teacher_teaching | a teacher's teacher mean over their sessions in the class (only when they taught 2+ sessions) | the teacher in the class | institution |
| class_content / class_organisation / class_logistics | the class rating means | the class | institution |
| followup_applies / followup_performance | the mean of the answered L3 follow-ups | the class | organiser region (else institution) |

The owner organisation is the institution for everything it delivers (L1); for the transfer of
learning to work (L3) it is the org department that runs the class. The owner account is the
earliest current institution admin / org-department admin of that organisation (may be none).

It runs (a) when a `rectification.manage` user presses "生成整改项" on the class's evaluation page,
and (b) in the daily job (jobs.py) for every class whose rating window has closed and that was
not checked since, and again for every class whose follow-ups are due. Idempotent: an item's
`key` is "<subject>:<cause>", unique in the database, so a second check opens nothing twice — also
after the item was closed or verified (the figures of a past class do not change).

**Lifecycle**: open → in_progress → done → verified; open or in_progress → closed (无需整改, with
a reason); done → in_progress (验收未通过, with a note). Every change writes a note and the audit trail.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from ganxun.access import scope
from ganxun.access.models import RoleAssignment
from ganxun.access.roles import Role
from ganxun.audit.services import audit_record
from ganxun.classes.models import Session, TrainingClass
from ganxun.core.errors import DomainError, NotFound
from ganxun.evaluation import aggregates, rules
from ganxun.evaluation.models import (
    RECTIFICATION_DUE_DAYS,
    EvaluationSettings,
    FollowUp,
    RectificationCause,
    RectificationItem,
    RectificationNote,
    RectificationStatus,
)
from ganxun.org.models import Organisation
from ganxun.people.models import Teacher

S = RectificationStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.IN_PROGRESS, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.DONE, S.CLOSED}),
    S.DONE: frozenset({S.VERIFIED, S.IN_PROGRESS}),
    S.VERIFIED: frozenset(),
    S.CLOSED: frozenset(),
}
ACTION_LABELS = {S.IN_PROGRESS: "开始整改", S.DONE: "整改完成", S.VERIFIED: "验收通过", S.CLOSED: "无需整改"}
NOTE_MAX = 2000


def _owner_account(org: Organisation, role: str):
    assignment = (RoleAssignment.objects.current().filter(scope=org, role=role).select_related("account")
                  .order_by("id").first())
    return assignment.account if assignment else None


def _owners(training_class: TrainingClass, *, followup: bool) -> tuple[Organisation, object]:
    if followup and training_class.organiser_id:
        return training_class.organiser, _owner_account(training_class.organiser, Role.ORG_DEPT_ADMIN)
    return training_class.institution, _owner_account(training_class.institution, Role.INSTITUTION_ADMIN)


@dataclass(frozen=True)
class Finding:
    key: str
    cause: str
    title: str
    figures: dict
    session: Session | None = None
    teacher: Teacher | None = None
    followup: bool = False


def _low(figures: aggregates.Figures, dimension: str, threshold) -> bool:
    mean = figures.means.get(dimension)
    return mean is not None and mean < threshold


def _figures_of(figures: aggregates.Figures, dimension: str, threshold) -> dict:
    return {"dimension": dimension, "mean": str(figures.means[dimension]), "responses": figures.responses,
            "attendees": figures.attendees, "threshold": f"{threshold:.2f}"}


def findings_for(training_class: TrainingClass, *, followups: bool = True) -> list[Finding]:
    """Every figure of the class below its threshold (with ≥ 3 responses), as would-be items."""
    settings = rules.settings_of(training_class)
    threshold = settings.threshold
    found: list[Finding] = []
    sessions = Session.objects.filter(training_class=training_class)
    session_map = {s.pk: s for s in sessions.select_related("teacher__person")}
    for session_id, figures in aggregates.session_figures(sessions).items():
        session = session_map[session_id]
        for dimension, cause, what in (("content", RectificationCause.SESSION_CONTENT, "课程内容"),
                                       ("teaching", RectificationCause.SESSION_TEACHING, "授课教师")):
            if _low(figures, dimension, threshold):
                found.append(Finding(
                    key=f"session:{session_id}:{cause}", cause=cause, session=session, teacher=session.teacher,
                    title=f"{session.date:%m-%d}“{session.title}”{what}平均 {figures.means[dimension]} 分",
                    figures=_figures_of(figures, dimension, threshold)))
    taught = {}
    for session in session_map.values():
        if session.teacher_id:
            taught[session.teacher_id] = taught.get(session.teacher_id, 0) + 1
    for entry in aggregates.teacher_figures(sessions):
        if taught.get(entry.teacher.pk, 0) >= 2 and _low(entry.figures, "teaching", threshold):
            cause = RectificationCause.TEACHER_TEACHING
            found.append(Finding(
                key=f"teacher:{entry.teacher.pk}:class:{training_class.pk}:{cause}", cause=cause,
                teacher=entry.teacher,
                title=f"{entry.teacher.person.name}在本班授课平均 {entry.figures.means['teaching']} 分",
                figures={**_figures_of(entry.figures, "teaching", threshold), "sessions": taught[entry.teacher.pk]}))
    class_figures = aggregates.class_figures(TrainingClass.objects.filter(pk=training_class.pk))[training_class.pk]
    for dimension, cause, what in (("content", RectificationCause.CLASS_CONTENT, "培训内容"),
                                   ("organisation", RectificationCause.CLASS_ORGANISATION, "组织管理"),
                                   ("logistics", RectificationCause.CLASS_LOGISTICS, "后勤服务")):
        if _low(class_figures.reaction, dimension, threshold):
            found.append(Finding(
                key=f"class:{training_class.pk}:{cause}", cause=cause,
                title=f"班次{what}平均 {class_figures.reaction.means[dimension]} 分",
                figures=_figures_of(class_figures.reaction, dimension, threshold)))
    if followups:
        grouped = aggregates.followup_figures(FollowUp.objects.filter(training_class=training_class),
                                              ("training_class_id",))
        if training_class.pk in grouped:
            figures = grouped[training_class.pk].figures
            for dimension, cause, what in (("applies", RectificationCause.FOLLOWUP_APPLIES, "学以致用"),
                                           ("performance", RectificationCause.FOLLOWUP_PERFORMANCE, "工作绩效变化")):
                if _low(figures, dimension, threshold):
                    found.append(Finding(
                        key=f"class:{training_class.pk}:{cause}", cause=cause, followup=True,
                        title=f"训后回访{what}平均 {figures.means[dimension]} 分",
                        figures=_figures_of(figures, dimension, threshold)))
    return found


def _due(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()) + dt.timedelta(days=RECTIFICATION_DUE_DAYS)


@transaction.atomic
def rectification_check_class(*, actor, training_class: TrainingClass, request=None,
                              today: dt.date | None = None) -> list[RectificationItem]:
    """Open the missing items for the class's low figures; returns the items created (possibly none).
    `actor` None is the daily job; a person needs `rectification.manage` with the class in scope."""
    if actor is not None:
        _require_class(actor, training_class)
    # One check of a class at a time: the class row is the lock.
    training_class = TrainingClass.objects.select_for_update(of=("self",)).select_related(
        "institution", "organiser").get(pk=training_class.pk)
    findings = findings_for(training_class)
    existing = set(RectificationItem.objects.filter(key__in=[f.key for f in findings]).values_list("key", flat=True))
    created = []
    for finding in findings:
        if finding.key in existing:
            continue
        owner_org, owner = _owners(training_class, followup=finding.followup)
        item = RectificationItem.objects.create(
            key=finding.key, cause=finding.cause, title=finding.title, training_class=training_class,
            session=finding.session, teacher=finding.teacher, institution=training_class.institution,
            owner_org=owner_org, owner=owner, figures=finding.figures, due_on=_due(today), is_automatic=True,
            created_by=actor,
        )
        RectificationNote.objects.create(item=item, author=actor, to_status=S.OPEN,
                                         text="评估数据低于整改触发线，自动生成整改项。")
        created.append(item)
    row, _ = EvaluationSettings.objects.get_or_create(training_class=training_class)
    now = timezone.now()
    row.reaction_checked_at = now
    # The L3 part counts as checked once the follow-ups are past due (all answers are in by then).
    if FollowUp.objects.filter(training_class=training_class, due_on__lt=today or timezone.localdate()).exists():
        row.followup_checked_at = now
    row.save(update_fields=["reaction_checked_at", "followup_checked_at", "updated_at"])
    audit_record(action="rectification.check", actor=actor, request=request, target=training_class,
                 detail={"findings": len(findings), "created": [i.key for i in created]})
    return created


def rectification_check_due(*, today: dt.date | None = None) -> int:
    """The daily job's part: check every class whose rating window has closed and that was not
    checked since, and every class whose follow-ups are past due and not checked since then."""
    today = today or timezone.localdate()
    created = 0
    candidates = TrainingClass.objects.filter(end_date__lt=today).select_related("evaluation_settings",
                                                                                 "institution", "organiser")
    # The LEFT JOIN makes a class without a settings row "not checked" too.
    unchecked = candidates.filter(evaluation_settings__reaction_checked_at__isnull=True)
    followup_due = candidates.filter(followups__due_on__lt=today,
                                     evaluation_settings__followup_checked_at__isnull=True)
    seen = set()
    for training_class in list(unchecked.distinct()) + list(followup_due.distinct()):
        if training_class.pk in seen:
            continue
        seen.add(training_class.pk)
        settings = rules.settings_of(training_class)
        closed = rules.last_rating_day(training_class, settings) < today
        followups_due = training_class.followups.filter(due_on__lt=today).exists()
        if not closed and not followups_due:
            continue
        if settings.reaction_checked_at and not (followups_due and settings.followup_checked_at is None):
            continue
        created += len(rectification_check_class(actor=None, training_class=training_class, today=today))
    return created


# --- by hand, and the lifecycle -------------------------------------------------------------------

def _text(value, field: str, label: str, *, required: bool = True, limit: int = NOTE_MAX) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError(f"请填写{label}。", field=field)
    if len(text) > limit:
        raise DomainError(f"{label}不能超过 {limit} 个字。", field=field)
    if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text):
        raise DomainError(f"{label}含有不可见的控制字符。", field=field)
    return text


def _class_in_scope(actor, training_class: TrainingClass) -> bool:
    """The class lies in the actor's subtree along its institution or the region that runs it."""
    return scope.path_within(actor, training_class.institution.path) or bool(
        training_class.organiser_id and scope.path_within(actor, training_class.organiser.path))


def _require_class(actor, training_class: TrainingClass) -> None:
    scope.require(actor, "rectification.manage")
    if not _class_in_scope(actor, training_class):
        raise NotFound("该班次不在您的管理范围内。")


def new_token() -> str:
    """The idempotency token of a create form (a double submit opens one item)."""
    return secrets.token_hex(12)


@transaction.atomic
def rectification_create(*, actor, training_class: TrainingClass, title: str, description: str = "",
                         session: Session | None = None, due_on: dt.date | None = None, owner_org=None,
                         token: str = "", request=None) -> RectificationItem:
    """Open an item by hand for a class (optionally one of its sessions). `token` makes a retried
    submission return the item it already opened."""
    _require_class(actor, training_class)
    token = (token or "").strip()
    if token:
        if not token.replace("-", "").isalnum() or len(token) > 64:
            raise DomainError("提交标识无效，请刷新页面后重试。", field="token")
        existing = RectificationItem.objects.filter(key=f"manual:{token}").first()
        if existing is not None:
            if existing.training_class_id != training_class.pk:
                raise DomainError("提交标识已被使用。", field="token")
            return existing
    title = _text(title, "title", "整改事项", limit=200)
    description = _text(description, "description", "问题描述", required=False)
    if session is not None and session.training_class_id != training_class.pk:
        raise DomainError("所选课程不属于该班次。", field="session_id")
    today = timezone.localdate()
    due_on = due_on or _due(today)
    if due_on < today:
        raise DomainError("整改期限不能早于今天。", field="due_on")
    if owner_org is None:
        owner_org, owner = _owners(training_class, followup=False)
    else:
        if owner_org.pk not in {training_class.institution_id, training_class.organiser_id}:
            raise DomainError("责任单位应为该班次的培训机构或主办区域。", field="owner_org")
        owner = _owner_account(owner_org, Role.INSTITUTION_ADMIN if owner_org.pk == training_class.institution_id
                               else Role.ORG_DEPT_ADMIN)
    key = f"manual:{token or new_token()}"
    try:
        with transaction.atomic():
            item = RectificationItem.objects.create(
                key=key, cause=RectificationCause.MANUAL, title=title, description=description,
                training_class=training_class, session=session, teacher=session.teacher if session else None,
                institution=training_class.institution, owner_org=owner_org, owner=owner, due_on=due_on,
                created_by=actor)
    except IntegrityError:  # the same token submitted twice at once
        return RectificationItem.objects.get(key=key)
    RectificationNote.objects.create(item=item, author=actor, to_status=S.OPEN, text=description or title)
    audit_record(action="rectification.create", actor=actor, request=request, target=item,
                 detail={"class": training_class.pk})
    return item


def allowed_transitions(item: RectificationItem) -> list[tuple[str, str]]:
    return [(value, ACTION_LABELS[value]) for value in S.values if value in TRANSITIONS[item.status]]


@transaction.atomic
def rectification_update(*, actor, item: RectificationItem, status: str | None = None, note: str = "",
                         due_on: dt.date | None = None, request=None) -> RectificationItem:
    """Change an item's status and/or due date, or add a note. Closing as not needed, sending a
    done item back and any change without a status need a note; every call records one."""
    scope.require(actor, "rectification.manage")
    item = RectificationItem.objects.select_for_update(of=("self",)).select_related("training_class__institution",
                                                                        "training_class__organiser").get(pk=item.pk)
    if not _class_in_scope(actor, item.training_class):
        raise NotFound()
    note = _text(note, "note", "说明", required=False)
    before = item.status
    changes = {}
    if status:
        if status not in S.values:
            raise DomainError("未知的整改状态。", field="status")
        if status != item.status:
            if status not in TRANSITIONS[item.status]:
                raise DomainError(f"整改项当前为“{item.get_status_display()}”，不能变为“{S(status).label}”。",
                                  field="status", code="illegal_transition")
            if status == S.CLOSED and not note:
                raise DomainError("请说明无需整改的理由。", field="note")
            if before == S.DONE and status == S.IN_PROGRESS and not note:
                raise DomainError("请说明验收未通过的原因。", field="note")
            item.status = status
            if status == S.CLOSED:
                item.close_reason = note[:300]
            changes["status"] = [before, status]
    if due_on is not None and due_on != item.due_on:
        if not item.is_active and not changes:
            raise DomainError("整改项已结束，不能再修改期限。", field="due_on")
        if due_on < timezone.localdate():
            raise DomainError("整改期限不能早于今天。", field="due_on")
        changes["due_on"] = [item.due_on.isoformat(), due_on.isoformat()]
        item.due_on = due_on
    if not changes and not note:
        raise DomainError("请填写说明或选择要进行的操作。", field="note")
    item.save()
    text = note
    if "due_on" in changes:
        text = f"整改期限调整为 {due_on:%Y-%m-%d}。{note}".strip()
    RectificationNote.objects.create(item=item, author=actor, text=text or ACTION_LABELS.get(item.status, "更新"),
                                     from_status=before if "status" in changes else "",
                                     to_status=item.status if "status" in changes else "")
    audit_record(action="rectification.update", actor=actor, request=request, target=item, detail=changes)
    return item

