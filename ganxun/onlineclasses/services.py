"""Writes of themed online classes: drafting, courses, opening (membership), later members,
closing, and the reminders before the deadline.

Rules (docs/onlineclasses.md):
* the owner is an org-department node in the actor's scope; the audience root, the named
  cadres and every member lie in the region that department serves and in the actor's scope;
* the start date is not after the deadline; required hours are not negative;
* courses, audience and start date change only while the class is a draft; title, description
  and deadline may change while it is open; a closed class changes no more;
* every course must be visible to the whole audience: published, and its owner's reach
  (learning.selectors.courses_for_learner) covers every member's unit — otherwise a member
  would be sent to a course page that is 404 for them. Checked when courses or the audience
  change, again on opening against the real members, and for each member added later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ganxun.access import scope
from ganxun.audit.services import audit_record
from ganxun.core.errors import Conflict, DomainError
from ganxun.learning.models import Course
from ganxun.onlineclasses import selectors
from ganxun.onlineclasses.models import (
    MemberSource,
    ThemedClass,
    ThemedClassCourse,
    ThemedClassMember,
    ThemedClassReminder,
    ThemedClassStatus,
)
from ganxun.org.models import Organisation
from ganxun.people.models import Cadre

MANAGE = selectors.MANAGE
MAX_COURSES = 100


def _check_rights(actor, themed_class: ThemedClass) -> None:
    scope.require(actor, MANAGE)
    scope.require_within(actor, themed_class.owner, message="未找到该专题网络班。")


def _locked_status(themed_class: ThemedClass) -> str:
    # The stored status decides (the caller may hold a stale copy); the row lock queues
    # concurrent opening and edits.
    return ThemedClass.objects.select_for_update().values_list("status", flat=True).get(pk=themed_class.pk)


def _require_draft(themed_class: ThemedClass, message: str = "专题网络班已开班，课程、学员范围和开始日期不能再修改。") -> None:
    if _locked_status(themed_class) != ThemedClassStatus.DRAFT:
        raise Conflict(message, code="not_draft")


def _clean_owner(actor, owner: Organisation) -> Organisation:
    scope.require_within(actor, owner, message="主办组织部门不在您的管理范围内。")
    if owner.kind != Organisation.Kind.ORG_DEPT:
        raise DomainError("主办单位须为组织部门。", field="owner")
    return owner


def _clean_fields(*, title: str, start_date: dt.date, deadline: dt.date, required_hours) -> Decimal:
    if not (title or "").strip():
        raise DomainError("请填写班名。", field="title")
    if deadline < start_date:
        raise DomainError("截止日期不能早于开始日期。", field="deadline")
    try:
        hours = Decimal(str(required_hours if required_hours not in (None, "") else 0))
    except InvalidOperation:
        raise DomainError("应修学时须为数字。", field="required_hours") from None
    if hours < 0 or hours >= 10000 or hours != hours.quantize(Decimal("0.01")):
        raise DomainError("应修学时须为 0–9999.99 之间、最多两位小数的数。", field="required_hours")
    return hours


def _clean_audience(actor, *, owner: Organisation, audience_root: Organisation, named_cadres) -> list[Cadre]:
    scope.require_within(actor, audience_root, message="学员范围不在您的管理范围内。")
    if audience_root.kind not in (Organisation.Kind.REGION, Organisation.Kind.UNIT):
        raise DomainError("学员范围须为行政区域或单位。", field="audience_root")
    region = owner.parent or owner
    if not audience_root.is_within(region):
        raise DomainError(f"学员范围须在“{region.name}”之内。", field="audience_root")
    named = list(named_cadres or [])
    for cadre in named:
        if not scope.path_within(actor, cadre.unit.path) or not cadre.unit.is_within(region):
            raise DomainError(f"指定人员“{cadre.person.name}”不在您的管理范围内。", field="named_cadres")
    return named


def _check_courses_visible(themed_class: ThemedClass, courses: Iterable[Course], cadres) -> None:
    for course in courses:
        hidden = selectors.course_hidden_from(course, cadres)
        if hidden is not None:
            if course.status != "published":
                reason = "尚未发布或已下架"
            else:
                reason = f"不是面向全部学员发布的（如{hidden.unit.name}的{hidden.person.name}看不到）"
            raise DomainError(f"课程“{course.title}”{reason}，不能列入本班。请选择学员都能学习的课程。",
                              field="courses", code="course_not_visible")


def _set_courses(themed_class: ThemedClass, courses: list[tuple[Course, bool]]) -> None:
    if len(courses) > MAX_COURSES:
        raise DomainError(f"一个专题网络班最多 {MAX_COURSES} 门课程。", field="courses")
    seen = set()
    for course, _ in courses:
        if course.pk in seen:
            raise DomainError(f"课程“{course.title}”重复列入。", field="courses")
        seen.add(course.pk)
    _check_courses_visible(themed_class, [c for c, _ in courses], selectors.themed_class_audience(themed_class))
    themed_class.class_courses.all().delete()
    ThemedClassCourse.objects.bulk_create([
        ThemedClassCourse(themed_class=themed_class, course=course, order=order, is_required=bool(required))
        for order, (course, required) in enumerate(courses, 1)])


@transaction.atomic
def themed_class_create(*, actor, owner: Organisation, title: str, description: str = "", start_date: dt.date,
                        deadline: dt.date, required_hours=0, audience_root: Organisation, audience_rank: str = "",
                        audience_category: str = "", named_cadres=(), courses: list[tuple[Course, bool]] = (),
                        request=None) -> ThemedClass:
    """A draft class. `courses` are (course, is_required) in order."""
    scope.require(actor, MANAGE)
    owner = _clean_owner(actor, owner)
    hours = _clean_fields(title=title, start_date=start_date, deadline=deadline, required_hours=required_hours)
    named = _clean_audience(actor, owner=owner, audience_root=audience_root, named_cadres=named_cadres)
    themed_class = ThemedClass.objects.create(
        title=title.strip(), description=(description or "").strip(), owner=owner, required_hours=hours,
        start_date=start_date, deadline=deadline, audience_root=audience_root, audience_rank=audience_rank or "",
        audience_category=audience_category or "", created_by=actor)
    themed_class.named_cadres.set(named)
    _set_courses(themed_class, list(courses))
    audit_record(action="themed_class.create", actor=actor, request=request, target=themed_class)
    return themed_class


_FROZEN = ("owner", "start_date", "required_hours", "audience_root", "audience_rank", "audience_category",
           "named_cadres", "courses")


@transaction.atomic
def themed_class_update(*, actor, themed_class: ThemedClass, request=None, **changes) -> ThemedClass:
    """Change the fields given. A draft: anything; an open class: title, description and the
    deadline only (the rest is frozen: the members study against it); a closed class: nothing."""
    _check_rights(actor, themed_class)
    status = _locked_status(themed_class)
    themed_class.refresh_from_db()
    if status == ThemedClassStatus.CLOSED:
        raise Conflict("专题网络班已结束，不能再修改。", code="closed")
    unknown = set(changes) - {"title", "description", "deadline", *_FROZEN}
    if unknown:
        raise DomainError(f"未知字段：{', '.join(sorted(unknown))}")
    if status == ThemedClassStatus.OPEN:
        frozen = [name for name in _FROZEN if name in changes and not _same(themed_class, name, changes[name])]
        if frozen:
            raise Conflict("专题网络班已开班，课程、学员范围、开始日期和应修学时不能再修改。", code="not_draft")
    owner = _clean_owner(actor, changes.get("owner", themed_class.owner))
    title = changes.get("title", themed_class.title)
    start_date = changes.get("start_date", themed_class.start_date)
    deadline = changes.get("deadline", themed_class.deadline)
    hours = _clean_fields(title=title, start_date=start_date, deadline=deadline,
                          required_hours=changes.get("required_hours", themed_class.required_hours))
    if status == ThemedClassStatus.OPEN and deadline != themed_class.deadline and deadline < timezone.localdate():
        raise DomainError("截止日期不能早于今天。", field="deadline")
    audience_root = changes.get("audience_root", themed_class.audience_root)
    if status == ThemedClassStatus.DRAFT:
        named = changes["named_cadres"] if "named_cadres" in changes else list(themed_class.named_cadres.all())
        named = _clean_audience(actor, owner=owner, audience_root=audience_root, named_cadres=named)
    themed_class.title, themed_class.description = title.strip(), changes.get("description", themed_class.description)
    themed_class.owner, themed_class.start_date, themed_class.deadline = owner, start_date, deadline
    themed_class.required_hours, themed_class.audience_root = hours, audience_root
    themed_class.audience_rank = changes.get("audience_rank", themed_class.audience_rank) or ""
    themed_class.audience_category = changes.get("audience_category", themed_class.audience_category) or ""
    themed_class.description = (themed_class.description or "").strip()
    themed_class.save()
    if status == ThemedClassStatus.DRAFT:
        themed_class.named_cadres.set(named)
        if "courses" in changes:
            _set_courses(themed_class, list(changes["courses"]))
        else:  # the audience may have changed: the courses must still reach all of it
            _check_courses_visible(themed_class, [link.course for link in selectors.class_courses(themed_class)],
                                   selectors.themed_class_audience(themed_class))
    audit_record(action="themed_class.update", actor=actor, request=request, target=themed_class,
                 detail={"fields": sorted(changes)})
    return themed_class


def _same(themed_class: ThemedClass, name: str, value) -> bool:
    """Whether a frozen field is sent unchanged (a client may send the whole record back)."""
    if name == "named_cadres":
        return {c.pk for c in value} == set(themed_class.named_cadres.values_list("pk", flat=True))
    if name == "courses":
        current = [(link.course_id, link.is_required) for link in themed_class.class_courses.all()]
        return [(c.pk, bool(r)) for c, r in value] == current
    if name in ("owner", "audience_root"):
        return getattr(value, "pk", value) == getattr(themed_class, f"{name}_id")
    if name == "required_hours":
        try:
            return Decimal(str(value)) == themed_class.required_hours
        except InvalidOperation:
            return False
    return (value or "") == (getattr(themed_class, name) or "") if isinstance(value, str) else \
        value == getattr(themed_class, name)


@transaction.atomic
def themed_class_open(*, actor, themed_class: ThemedClass, now: dt.datetime | None = None, request=None) -> int:
    """Open a draft: check it, materialise the audience into members; returns the member count."""
    _check_rights(actor, themed_class)
    _require_draft(themed_class, "只有草稿状态的专题网络班可以开班。")
    themed_class.refresh_from_db()
    now = now or timezone.now()
    links = selectors.class_courses(themed_class)
    if not links:
        raise DomainError("专题网络班还没有课程，不能开班。", field="courses", code="no_courses")
    if not any(link.is_required for link in links) and themed_class.required_hours <= 0:
        raise DomainError("请至少设一门必修课，或填写应修学时，否则学员无从完成。", field="required_hours")
    if themed_class.deadline < timezone.localdate(now):
        raise DomainError("截止日期已过，请先修改截止日期。", field="deadline")
    audience = selectors.themed_class_audience(themed_class)
    # Only cadres still inside the actor's scope (a named cadre may have moved away since).
    audience = audience.filter(unit__path__startswith=scope.scope_path(actor))
    _check_courses_visible(themed_class, [link.course for link in links], audience)
    cadres = list(audience.values_list("pk", "unit_id"))
    if not cadres:
        raise DomainError("学员范围内没有在职干部，不能开班。", field="audience_root", code="no_members")
    ThemedClassMember.objects.bulk_create(
        [ThemedClassMember(themed_class=themed_class, cadre_id=cadre_id, unit_id=unit_id, added_by=actor)
         for cadre_id, unit_id in cadres], batch_size=1000)
    themed_class.status, themed_class.opened_at = ThemedClassStatus.OPEN, now
    themed_class.save(update_fields=["status", "opened_at", "updated_at"])
    audit_record(action="themed_class.open", actor=actor, request=request, target=themed_class,
                 detail={"members": len(cadres)})
    return len(cadres)


@transaction.atomic
def themed_class_add_members(*, actor, themed_class: ThemedClass, cadres: Iterable[Cadre], request=None) -> int:
    """Add cadres to an open class (later additions); those already members are skipped, so a
    retry adds nothing twice. Returns how many were added."""
    _check_rights(actor, themed_class)
    if _locked_status(themed_class) != ThemedClassStatus.OPEN:
        raise Conflict("只有进行中的专题网络班可以增补学员。", code="not_open")
    themed_class.refresh_from_db()
    cadres = list(cadres)
    if not cadres:
        raise DomainError("请选择要增补的学员。", field="cadres")
    region = selectors.themed_class_region(themed_class)
    for cadre in cadres:
        if not scope.path_within(actor, cadre.unit.path) or not cadre.unit.is_within(region):
            raise DomainError(f"“{cadre.person.name}”不在您的管理范围内。", field="cadres")
        if not cadre.is_active:
            raise DomainError(f"“{cadre.person.name}”不是在职干部。", field="cadres")
    ids = [c.pk for c in cadres]
    _check_courses_visible(themed_class, [link.course for link in selectors.class_courses(themed_class)],
                           Cadre.objects.filter(pk__in=ids))
    existing = set(themed_class.members.filter(cadre_id__in=ids).values_list("cadre_id", flat=True))
    new = [c for c in dict.fromkeys(cadres) if c.pk not in existing]
    ThemedClassMember.objects.bulk_create(
        [ThemedClassMember(themed_class=themed_class, cadre=c, unit_id=c.unit_id, source=MemberSource.ADDED,
                           added_by=actor) for c in new], ignore_conflicts=True)
    if new:
        audit_record(action="themed_class.add_members", actor=actor, request=request, target=themed_class,
                     detail={"cadres": [c.pk for c in new]})
    return len(new)


@transaction.atomic
def themed_class_close(*, actor, themed_class: ThemedClass, now: dt.datetime | None = None,
                       request=None) -> ThemedClass:
    _check_rights(actor, themed_class)
    if _locked_status(themed_class) != ThemedClassStatus.OPEN:
        raise Conflict("只有进行中的专题网络班可以结束。", code="not_open")
    themed_class.refresh_from_db()
    themed_class.status, themed_class.closed_at = ThemedClassStatus.CLOSED, now or timezone.now()
    themed_class.save(update_fields=["status", "closed_at", "updated_at"])
    audit_record(action="themed_class.close", actor=actor, request=request, target=themed_class)
    return themed_class


# --- reminders -------------------------------------------------------------------------------------

def reminder_days() -> list[int]:
    """The thresholds (days before the deadline), from GANXUN_THEMED_CLASS_REMINDER_DAYS, descending."""
    return sorted({int(d) for d in settings.GANXUN_THEMED_CLASS_REMINDER_DAYS if int(d) >= 0}, reverse=True)


def due_threshold(days_left: int, thresholds: list[int]) -> int | None:
    """The reminder due with `days_left` days to go: the smallest threshold ≥ days_left, so a
    missed run of the job catches up and a member never gets two reminders at once."""
    due = [d for d in thresholds if d >= days_left]
    return min(due) if due and days_left >= 0 else None


@transaction.atomic
def reminders_send(*, now: dt.datetime | None = None) -> int:
    """For every open class whose deadline is within a threshold, one reminder to each member
    who has an account and is not complete. Idempotent (unique per member, threshold and
    deadline): running it again the same day sends nothing. Returns the number created."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    thresholds = reminder_days()
    if not thresholds:
        return 0
    horizon = today + dt.timedelta(days=max(thresholds))
    created = 0
    classes = ThemedClass.objects.filter(status=ThemedClassStatus.OPEN, deadline__gte=today, deadline__lte=horizon)
    for themed_class in classes.select_related("owner"):
        days_left = (themed_class.deadline - today).days
        threshold = due_threshold(days_left, thresholds)
        if threshold is None:
            continue
        members = ThemedClassMember.objects.filter(cadre__person__account__isnull=False)
        behind = [p.member_id for p in selectors.member_progress(themed_class, members) if not p.is_complete]
        already = set(ThemedClassReminder.objects.filter(member_id__in=behind, days_before=threshold,
                                                         deadline=themed_class.deadline)
                      .values_list("member_id", flat=True))
        rows = [ThemedClassReminder(member_id=m, days_before=threshold, deadline=themed_class.deadline,
                                    days_left=days_left, created_at=now) for m in behind if m not in already]
        ThemedClassReminder.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        created += len(rows)
    return created


@transaction.atomic
def reminders_mark_read(*, actor, themed_class: ThemedClass, now: dt.datetime | None = None) -> int:
    """The learner has seen the class page: their reminders of it are read."""
    return ThemedClassReminder.objects.filter(member__themed_class=themed_class, member__cadre__person__account=actor,
                                              read_at__isnull=True).update(read_at=now or timezone.now())
