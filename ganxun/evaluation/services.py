"""Writes of the evaluation: ratings (L1), test scores (L2), follow-ups (L3), class settings.

Every function re-checks the actor's rights, raises DomainError with a Chinese message naming
the field, and writes the audit trail inside its transaction. Ratings are upserts: one row per
cadre and session / class, a second submission replaces the first. The audit entries of ratings
name the session or class only, never the scores, so the trail does not undo the anonymity.
Rectification items are in rectifications.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ganxun.access import scope
from ganxun.access.roles import Role
from ganxun.attendance.models import AttendanceRecord
from ganxun.audit.services import audit_record
from ganxun.classes.models import ClassStatus, Session, TrainingClass
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.core.text import clean
from ganxun.evaluation import rules
from ganxun.evaluation.aggregates import ATTENDED
from ganxun.evaluation.models import (
    COMMENT_MAX,
    ClassRating,
    EvaluationSettings,
    FollowUp,
    LearningScore,
    SessionRating,
)
from ganxun.roster.models import Enrollment, EnrollmentStatus

SCORE_RANGE = range(1, 6)


def _score(value, field: str, label: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or number not in SCORE_RANGE or str(value).strip() not in {str(number), f"{number}.0"}:
        raise DomainError(f"请为“{label}”选择 1 到 5 分。", field=field)
    return number


def _comment(value, field: str = "comment") -> str:
    text = (value or "").strip() if isinstance(value, str) else clean(value)
    if len(text) > COMMENT_MAX:
        raise DomainError(f"意见建议不能超过 {COMMENT_MAX} 个字。", field=field)
    if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text):
        raise DomainError("意见建议含有不可见的控制字符。", field=field)
    return text


def _upsert(model, lookup: dict, values: dict):
    """Create or replace the one row of `lookup`; a concurrent first submission of the same
    cadre ends in the same row (the unique constraint decides, the loser updates)."""
    row = model.objects.select_for_update().filter(**lookup).first()
    if row is None:
        try:
            with transaction.atomic():
                return model.objects.create(**lookup, **values), True
        except IntegrityError:
            row = model.objects.select_for_update().get(**lookup)
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    return row, False


def _require_own(actor, enrollment: Enrollment) -> None:
    owner = enrollment.cadre.person.account_id if enrollment.cadre_id else None
    if not scope.can(actor, "self.view") or owner != actor.pk:
        raise NotFound()


# --- L1: ratings ----------------------------------------------------------------------------

@transaction.atomic
def session_rate(*, actor, session: Session, enrollment: Enrollment, content, teaching, comment: str = "",
                 now: dt.datetime | None = None, request=None) -> SessionRating:
    """The cadre of `enrollment` rates `session` (content and teacher, 1–5). Only a cadre who
    checked in (present or late) may rate, from the session's start until the window closes."""
    _require_own(actor, enrollment)
    if enrollment.training_class_id != session.training_class_id:
        raise NotFound()
    if enrollment.status not in (EnrollmentStatus.APPROVED, EnrollmentStatus.DROPPED):
        raise DomainError("您不在本班学员名单中，不能评价。", code="not_enrolled")
    if not AttendanceRecord.objects.filter(session=session, enrollment=enrollment, status__in=ATTENDED).exists():
        raise DomainError("只有本节课签到的学员才能评价。", code="not_attended")
    training_class = session.training_class
    settings = rules.settings_of(training_class)
    now = now or timezone.now()
    if now < rules.session_opens_at(session):
        raise DomainError("课程开始后才能评价。", code="not_open")
    if now >= rules.ratings_close_at(training_class, settings):
        raise DomainError(f"评价已于 {rules.last_rating_day(training_class, settings):%Y-%m-%d} 截止。",
                          code="closed")
    values = {"content": _score(content, "content", "课程内容"), "teaching": _score(teaching, "teaching", "授课教师"),
              "comment": _comment(comment)}
    rating, created = _upsert(SessionRating, {"session": session, "enrollment": enrollment}, values)
    audit_record(action="evaluation.session_rate" if created else "evaluation.session_rerate", actor=actor,
                 request=request, target=session)
    return rating


@transaction.atomic
def class_rate(*, actor, enrollment: Enrollment, content, organisation, logistics, comment: str = "",
               now: dt.datetime | None = None, request=None) -> ClassRating:
    """The cadre of `enrollment` rates the whole class (content, organisation, logistics, 1–5),
    from the class's last day until the window closes; only approved cadres who attended."""
    _require_own(actor, enrollment)
    training_class = enrollment.training_class
    if enrollment.status != EnrollmentStatus.APPROVED:
        raise DomainError("您不在本班学员名单中，不能评价。", code="not_enrolled")
    if not AttendanceRecord.objects.filter(enrollment=enrollment, status__in=ATTENDED).exists():
        raise DomainError("您没有参加本班的任何课程，不能评价。", code="not_attended")
    settings = rules.settings_of(training_class)
    now = now or timezone.now()
    if now < rules.class_rating_opens_at(training_class):
        raise DomainError(f"班次评价从结业当天（{training_class.end_date:%Y-%m-%d}）开始。", code="not_open")
    if now >= rules.ratings_close_at(training_class, settings):
        raise DomainError(f"评价已于 {rules.last_rating_day(training_class, settings):%Y-%m-%d} 截止。",
                          code="closed")
    values = {"content": _score(content, "content", "培训内容"),
              "organisation": _score(organisation, "organisation", "组织管理"),
              "logistics": _score(logistics, "logistics", "后勤服务"), "comment": _comment(comment)}
    rating, created = _upsert(ClassRating, {"training_class": training_class, "enrollment": enrollment}, values)
    audit_record(action="evaluation.class_rate" if created else "evaluation.class_rerate", actor=actor,
                 request=request, target=training_class)
    return rating


@dataclass(frozen=True)
class SessionRatingIn:
    session_id: int
    enrollment_id: int
    content: int
    teaching: int
    comment: str = ""


@dataclass(frozen=True)
class ClassRatingIn:
    enrollment_id: int
    content: int
    organisation: int
    logistics: int
    comment: str = ""


@dataclass(frozen=True)
class BulkOutcome:
    session_ratings: int
    class_ratings: int


@transaction.atomic
def ratings_write_many(*, actor, training_class: TrainingClass, session_ratings: Iterable[SessionRatingIn] = (),
                       class_ratings: Iterable[ClassRatingIn] = (), request=None) -> BulkOutcome:
    """Write many ratings of one class in a few statements (the demo city, migrations of paper
    surveys). The same rules as one by one — each session rating needs a present/late record of
    that cadre, each class rating an approved enrollment with attendance — but no time window:
    the caller records ratings that were given. Upserts by (session, enrollment) and (class,
    enrollment), so running it twice writes nothing new. All or nothing: one bad row refuses
    the batch, naming it. `actor` None is the system (demo generator, jobs)."""
    if actor is not None:
        scope.require(actor, "evaluation.manage")
        scope.require_within(actor, training_class.institution, message="该班次不在您的管理范围内。")
    session_ratings, class_ratings = list(session_ratings), list(class_ratings)
    session_ids = set(Session.objects.filter(training_class=training_class).values_list("pk", flat=True))
    attended = set(AttendanceRecord.objects.filter(session__training_class=training_class, status__in=ATTENDED)
                   .values_list("session_id", "enrollment_id"))
    approved = set(Enrollment.objects.filter(training_class=training_class, status=EnrollmentStatus.APPROVED)
                   .values_list("pk", flat=True))
    attending = {enrollment_id for _, enrollment_id in attended}
    seen: set = set()
    for index, item in enumerate(session_ratings, start=1):
        key = (item.session_id, item.enrollment_id)
        if item.session_id not in session_ids:
            raise DomainError(f"第 {index} 条课程评价：课程不属于本班次。", field="session_id")
        if key not in attended:
            raise DomainError(f"第 {index} 条课程评价：该学员未在本节课签到。", field="enrollment_id")
        if key in seen:
            raise DomainError(f"第 {index} 条课程评价：同一学员对同一节课重复评价。", field="session_id")
        seen.add(key)
        _score(item.content, "content", "课程内容")
        _score(item.teaching, "teaching", "授课教师")
        _comment(item.comment)
    seen_classes: set[int] = set()
    for index, item in enumerate(class_ratings, start=1):
        if item.enrollment_id not in approved or item.enrollment_id not in attending:
            raise DomainError(f"第 {index} 条班次评价：该学员不是本班签到过的学员。", field="enrollment_id")
        if item.enrollment_id in seen_classes:
            raise DomainError(f"第 {index} 条班次评价：同一学员重复评价。", field="enrollment_id")
        seen_classes.add(item.enrollment_id)
        for name, label in (("content", "培训内容"), ("organisation", "组织管理"), ("logistics", "后勤服务")):
            _score(getattr(item, name), name, label)
        _comment(item.comment)
    SessionRating.objects.bulk_create(
        [SessionRating(session_id=i.session_id, enrollment_id=i.enrollment_id, content=int(i.content),
                       teaching=int(i.teaching), comment=_comment(i.comment)) for i in session_ratings],
        batch_size=500, update_conflicts=True, unique_fields=["session", "enrollment"],
        update_fields=["content", "teaching", "comment", "updated_at"],
    )
    ClassRating.objects.bulk_create(
        [ClassRating(training_class=training_class, enrollment_id=i.enrollment_id, content=int(i.content),
                     organisation=int(i.organisation), logistics=int(i.logistics), comment=_comment(i.comment))
         for i in class_ratings],
        batch_size=500, update_conflicts=True, unique_fields=["training_class", "enrollment"],
        update_fields=["content", "organisation", "logistics", "comment", "updated_at"],
    )
    audit_record(action="evaluation.ratings_bulk", actor=actor, request=request, target=training_class,
                 detail={"session_ratings": len(session_ratings), "class_ratings": len(class_ratings)})
    return BulkOutcome(len(session_ratings), len(class_ratings))


# --- class settings -------------------------------------------------------------------------

SETTING_LIMITS = {
    "rating_window_days": (1, 60, "结业后可评价天数应在 1 到 60 天之间。"),
    "followup_after_days": (1, 730, "训后回访时间应在结业后 1 到 730 天之间。"),
    "followup_answer_days": (1, 180, "回访填报期限应在 1 到 180 天之间。"),
}


def _may_manage(actor, training_class: TrainingClass) -> bool:
    return scope.can(actor, "evaluation.manage") and scope.path_within(actor, training_class.institution.path)


@transaction.atomic
def evaluation_settings_update(*, actor, training_class: TrainingClass, data: dict,
                               request=None) -> EvaluationSettings:
    """Change a class's windows, threshold and L2 flag (`evaluation.manage`, institution in scope)."""
    if not _may_manage(actor, training_class):
        raise Forbidden()
    row, _ = EvaluationSettings.objects.select_for_update().get_or_create(training_class=training_class)
    changed = {}
    for name, (low, high, message) in SETTING_LIMITS.items():
        if name in data:
            value = data[name]
            if value is None or not (low <= int(value) <= high):
                raise DomainError(message, field=name)
            changed[name] = int(value)
    if "threshold" in data:
        try:
            threshold = Decimal(str(data["threshold"])).quantize(Decimal("0.01"))
        except (InvalidOperation, TypeError):
            threshold = None
        if threshold is None or not (Decimal("1") <= threshold <= Decimal("5")):
            raise DomainError("整改触发线应在 1 到 5 分之间。", field="threshold")
        changed["threshold"] = threshold
    if "learning_test" in data:
        changed["learning_test"] = bool(data["learning_test"])
    if "followup_after_days" in changed and FollowUp.objects.filter(training_class=training_class).exists():
        if changed["followup_after_days"] != row.followup_after_days:
            raise DomainError("训后回访已经开始，不能再修改回访时间。", field="followup_after_days")
    for name, value in changed.items():
        setattr(row, name, value)
    row.updated_by = actor
    row.save()
    audit_record(action="evaluation.settings", actor=actor, request=request, target=training_class,
                 detail={k: str(v) for k, v in changed.items()})
    return row


# --- L2: pre/post tests ---------------------------------------------------------------------

def may_enter_scores(actor, training_class: TrainingClass) -> bool:
    """The institution admin (`evaluation.manage`, institution in scope) or the class's own head
    teacher; archived classes are history."""
    if training_class.status == ClassStatus.ARCHIVED:
        return False
    if _may_manage(actor, training_class):
        return True
    role = scope.active_role(actor)
    return (role is not None and role.role == Role.HEAD_TEACHER and training_class.head_teacher_id == actor.pk
            and scope.path_within(actor, training_class.institution.path))


def _require_scores(actor, training_class: TrainingClass) -> None:
    """`actor` None is the system (the demo generator, imports by a job)."""
    if actor is not None and not may_enter_scores(actor, training_class):
        raise Forbidden()


@transaction.atomic
def learning_test_enable(*, actor, training_class: TrainingClass, enabled: bool = True,
                         request=None) -> EvaluationSettings:
    """Switch L2 (pre/post tests) on or off for the class; scores already entered stay."""
    _require_scores(actor, training_class)
    row, _ = EvaluationSettings.objects.select_for_update().get_or_create(training_class=training_class)
    row.learning_test = enabled
    row.updated_by = actor
    row.save(update_fields=["learning_test", "updated_by", "updated_at"])
    audit_record(action="evaluation.learning_test", actor=actor, request=request, target=training_class,
                 detail={"enabled": enabled})
    return row


SCORE_STEP = Decimal("0.1")
KEEP = object()  # a score the caller leaves as it is (a blank cell of an uploaded sheet)


def parse_test_score(value) -> Decimal | None:
    """'' / None → None; a number 0–100 with at most one decimal → Decimal; else ValueError(reason)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("应为 0 到 100 之间的数字") from None
    if not number.is_finite() or not (Decimal("0") <= number <= Decimal("100")):
        raise ValueError("应为 0 到 100 之间的数字")
    if number != number.quantize(SCORE_STEP):
        raise ValueError("最多保留一位小数")
    return number.quantize(SCORE_STEP)


@dataclass(frozen=True)
class ScoreError:
    row: str        # "学号 12" / a sheet row number, as the caller names it
    field: str      # pre_score / post_score / seat_no / name
    message: str


class ScoreErrors(DomainError):
    """Every problem of a grid or a sheet at once; nothing was saved."""

    def __init__(self, errors: list[ScoreError]):
        first = errors[0]
        super().__init__(f"共 {len(errors)} 处问题，未保存任何成绩。第一处：{first.row} {first.message}",
                         code="invalid_scores", field=first.field)
        self.errors = errors


@transaction.atomic
def learning_scores_save(*, actor, training_class: TrainingClass, scores: dict[int, tuple], source: str = "grid",
                         request=None) -> int:
    """Save pre/post scores: `scores` maps enrollment id → (pre, post), each a Decimal, None
    (no score) or KEEP (leave as it is). Only approved enrollments of the class. Returns the
    number of cadres whose scores changed. Callers validate first; values here are trusted."""
    _require_scores(actor, training_class)
    if not rules.settings_of(training_class).learning_test:
        raise DomainError("本班未开展训前训后测试，请先启用。", code="learning_test_off")
    roster = set(Enrollment.objects.filter(training_class=training_class, status=EnrollmentStatus.APPROVED)
                 .values_list("pk", flat=True))
    unknown = [pk for pk in scores if pk not in roster]
    if unknown:
        raise NotFound("学员不在本班名单中。")
    existing = {s.enrollment_id: s for s in LearningScore.objects.select_for_update().filter(
        training_class=training_class, enrollment_id__in=list(scores))}
    changed = 0
    creates, updates = [], []
    for enrollment_id, (pre, post) in scores.items():
        row = existing.get(enrollment_id)
        if row is None:
            if (pre is KEEP or pre is None) and (post is KEEP or post is None):
                continue
            creates.append(LearningScore(enrollment_id=enrollment_id, training_class=training_class,
                                         pre_score=None if pre is KEEP else pre,
                                         post_score=None if post is KEEP else post, updated_by=actor))
            changed += 1
            continue
        new_pre = row.pre_score if pre is KEEP else pre
        new_post = row.post_score if post is KEEP else post
        if (new_pre, new_post) != (row.pre_score, row.post_score):
            row.pre_score, row.post_score, row.updated_by = new_pre, new_post, actor
            row.updated_at = timezone.now()
            updates.append(row)
            changed += 1
    LearningScore.objects.bulk_create(creates, batch_size=500)
    LearningScore.objects.bulk_update(updates, ["pre_score", "post_score", "updated_by", "updated_at"],
                                      batch_size=500)
    audit_record(action="evaluation.learning_scores", actor=actor, request=request, target=training_class,
                 detail={"source": source, "changed": changed})
    return changed


# --- L3: follow-ups -------------------------------------------------------------------------

def followups_materialise(*, today: dt.date | None = None, unit_path: str | None = None) -> int:
    """Create the follow-ups that are due: for every closed (or archived) class whose follow-up
    date (end_date + followup_after_days) has come, one row per approved enrollment — optionally
    only for units under `unit_path` (a liaison's page). Idempotent: existing rows are kept
    (one per enrollment, a unique constraint), so the daily job and a page view may both call it.
    Returns the number of rows created. Runs as the system: it reveals nothing to anybody."""
    today = today or timezone.localdate()
    missing = Enrollment.objects.filter(training_class=OuterRef("pk"), status=EnrollmentStatus.APPROVED,
                                        followup__isnull=True)
    if unit_path:
        missing = missing.filter(unit__path__startswith=unit_path)
    # The shortest setting is one day: classes that ended today cannot be due yet.
    candidates = (TrainingClass.objects.filter(status__in=rules.FOLLOWUP_CLASS_STATUSES,
                                               end_date__lt=today).filter(Exists(missing))
                  .select_related("evaluation_settings"))
    created = 0
    for training_class in candidates:
        opens_on, due_on = rules.followup_dates(training_class)
        if opens_on > today:
            continue
        enrollments = Enrollment.objects.filter(training_class=training_class, status=EnrollmentStatus.APPROVED,
                                                followup__isnull=True)
        if unit_path:
            enrollments = enrollments.filter(unit__path__startswith=unit_path)
        rows = [FollowUp(enrollment_id=pk, training_class=training_class, unit_id=unit_id, opens_on=opens_on,
                         due_on=due_on) for pk, unit_id in enrollments.values_list("pk", "unit_id")]
        with transaction.atomic():
            created += len(FollowUp.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True))
    return created


@transaction.atomic
def followup_answer(*, actor, followup: FollowUp, applies, performance, comment: str = "",
                    request=None) -> FollowUp:
    """The liaison answers (or corrects) one follow-up of their unit."""
    scope.require(actor, "evaluation.followup")
    followup = FollowUp.objects.select_for_update().select_related("unit", "training_class").get(pk=followup.pk)
    scope.require_within(actor, followup.unit, message="该学员不是您单位选派的。")
    followup.applies = _score(applies, "applies", "学以致用")
    followup.performance = _score(performance, "performance", "工作绩效变化")
    followup.comment = _comment(comment)
    first = followup.answered_at is None
    followup.answered_by, followup.answered_at = actor, timezone.now()
    followup.save(update_fields=["applies", "performance", "comment", "answered_by", "answered_at"])
    audit_record(action="evaluation.followup_answer" if first else "evaluation.followup_correct", actor=actor,
                 request=request, target=followup, detail={"class": followup.training_class_id})
    return followup


@transaction.atomic
def followups_answer_many(*, actor, answers: dict[int, dict], request=None) -> int:
    """Answer several follow-ups at once (the liaison's page for one class): `answers` maps
    follow-up id → {applies, performance, comment}. All or nothing; DomainError names the row."""
    scope.require(actor, "evaluation.followup")
    rows = {f.pk: f for f in scope.scoped(actor, FollowUp, permission="evaluation.followup")
            .filter(pk__in=list(answers)).select_related("enrollment__cadre__person")}
    for pk in answers:
        if pk not in rows:
            raise NotFound()
    count = 0
    for pk, answer in answers.items():
        try:
            followup_answer(actor=actor, followup=rows[pk], applies=answer.get("applies"),
                            performance=answer.get("performance"), comment=answer.get("comment", ""),
                            request=request)
        except NotFound:
            raise
        except DomainError as exc:
            name = rows[pk].enrollment.cadre.person.name
            raise DomainError(f"{name}：{exc.message}", field=f"{exc.field}-{pk}", code=exc.code) from None
        count += 1
    return count


@transaction.atomic
def followups_write_many(*, actor, training_class: TrainingClass, answers: dict[int, tuple], request=None) -> int:
    """Record many follow-up answers of one class at once (the demo city, a unit's paper forms
    keyed in by a job): `answers` maps enrollment id → (applies, performance, comment). The rows
    must exist (followups_materialise); all or nothing; answering again overwrites. `actor` None
    is the system; a person needs `evaluation.followup` with every row's unit in scope."""
    rows = {f.enrollment_id: f for f in FollowUp.objects.select_for_update().filter(
        training_class=training_class, enrollment_id__in=list(answers)).select_related("unit")}
    now = timezone.now()
    for enrollment_id, (applies, performance, comment) in answers.items():
        row = rows.get(enrollment_id)
        if row is None:
            raise NotFound("该学员没有待填报的训后回访。")
        if actor is not None:
            scope.require(actor, "evaluation.followup")
            scope.require_within(actor, row.unit, message="该学员不是您单位选派的。")
        row.applies = _score(applies, "applies", "学以致用")
        row.performance = _score(performance, "performance", "工作绩效变化")
        row.comment = _comment(comment)
        row.answered_by, row.answered_at = actor, now
    # An upsert on the primary key (the rows exist and are locked): one INSERT … ON CONFLICT per
    # batch instead of bulk_update's CASE expressions, which cost seconds for a few thousand rows.
    FollowUp.objects.bulk_create(list(rows.values()), update_conflicts=True, unique_fields=["id"],
                                 update_fields=["applies", "performance", "comment", "answered_by", "answered_at"],
                                 batch_size=500)
    audit_record(action="evaluation.followups_bulk", actor=actor, request=request, target=training_class,
                 detail={"answers": len(rows)})
    return len(rows)
