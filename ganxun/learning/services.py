"""Writes of online learning: courses and their status, media uploads, study sessions and the
server-computed credit of heartbeats, completion (credit hours into the ledger) and ratings.

Back-office writes re-check the permission and that the course's owner lies in the actor's
scope. Study writes take the course from selectors.course_get_for_learner (published, visible
to the learner) and the session by its token *and* the learner's account.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from ganxun.access import scope
from ganxun.access.roles import Role
from ganxun.audit.services import audit_record
from ganxun.core.errors import Conflict, DomainError, NotFound
from ganxun.credits.models import CreditMode
from ganxun.credits.services import Posting, credit_post_many
from ganxun.learning import media as media_files
from ganxun.learning import rules, search, statements
from ganxun.learning.conversion import credit_hours_for
from ganxun.learning.models import (
    VIDEO_TYPES,
    Course,
    CourseKind,
    CourseMedia,
    CourseRating,
    CourseStatus,
    CourseTransition,
    Heartbeat,
    StudyProgress,
    StudySession,
    Verdict,
)
from ganxun.org.models import Organisation
from ganxun.people.models import Cadre, Teacher

logger = logging.getLogger(__name__)

OWNER_KINDS = frozenset({Organisation.Kind.ORG_DEPT, Organisation.Kind.INSTITUTION})


# --- courses ----------------------------------------------------------------------------------

def _record(course: Course, *, actor, from_status: str, note: str = "", now: dt.datetime) -> None:
    CourseTransition.objects.create(course=course, from_status=from_status, to_status=course.status,
                                    actor=actor if getattr(actor, "pk", None) else None, note=note[:300], at=now)


def _is_teacher(actor) -> bool:
    role = scope.active_role(actor)
    return role is not None and role.role == Role.TEACHER


def require_author(actor, course: Course) -> None:
    """A teacher writes only the courses they created or teach (an admin any course in scope);
    other courses are NotFound, like the back office's selectors."""
    if not _is_teacher(actor):
        return
    if course.created_by_id == actor.pk:
        return
    if course.teacher_id and Teacher.objects.filter(pk=course.teacher_id, person__account=actor.pk).exists():
        return
    raise NotFound("该课程不在您的管理范围内。")


def _require_editable(course: Course) -> None:
    if course.status == CourseStatus.IN_REVIEW:
        raise DomainError("课程正在评审中，评审结束前不能修改。", code="in_review")


def _check_fields(*, title: str, kind: str, duration_minutes: int, is_required: bool, series: str) -> None:
    if not (title or "").strip():
        raise DomainError("请填写课程名称。", field="title")
    if kind not in CourseKind.values:
        raise DomainError("未知的课程类型。", field="kind")
    if not isinstance(duration_minutes, int) or not 1 <= duration_minutes <= 6000:
        raise DomainError("课程时长应为 1–6000 分钟。", field="duration_minutes")
    if is_required and series:
        raise DomainError("公共必修课不属于选修专题，请清空“选修专题”。", field="series")


@transaction.atomic
def course_create(*, actor, owner: Organisation, title: str, kind: str, duration_minutes: int, summary: str = "",
                  topics=(), teacher=None, provider: Organisation | None = None, is_required: bool = False,
                  series: str = "", now: dt.datetime | None = None, request=None) -> Course:
    """A draft course of `owner` (an org department or institution in the actor's scope)."""
    scope.require(actor, "courses.manage")
    scope.require_within(actor, owner, message="发布单位不在您的管理范围内。")
    if owner.kind not in OWNER_KINDS:
        raise DomainError("课程的发布单位应为组织部门或培训机构。", field="owner")
    series = (series or "").strip()
    _check_fields(title=title, kind=kind, duration_minutes=duration_minutes, is_required=is_required, series=series)
    if _is_teacher(actor):
        # A teacher provides their own course: they are its teacher, the institution its owner.
        if owner.kind != Organisation.Kind.INSTITUTION:
            raise DomainError("教师提供的课程，发布单位应为所在培训机构。", field="owner")
        teacher = Teacher.objects.filter(person__account=actor.pk, institution=owner).first()
        provider = provider or owner
    now = now or timezone.now()
    course = Course(owner=owner, title=title.strip(), summary=(summary or "").strip(), kind=kind,
                    duration_minutes=duration_minutes, teacher=teacher, provider=provider, is_required=is_required,
                    series=series, status=CourseStatus.DRAFT, created_by=actor if getattr(actor, "pk", None) else None)
    course.full_clean(exclude=["search_text"])
    course.save()
    course.topics.set(topics)
    _record(course, actor=actor, from_status="", now=now)
    search.index_course(course)
    audit_record(action="learning.course_create", actor=actor, request=request, target=course,
                 detail={"owner": owner.pk, "kind": kind})
    return course


@transaction.atomic
def course_update(*, actor, course: Course, title: str, kind: str, duration_minutes: int, summary: str = "",
                  topics=(), teacher=None, provider: Organisation | None = None, is_required: bool = False,
                  series: str = "", request=None) -> Course:
    """Change a course's description. Its kind is fixed once media is uploaded (the media must fit)."""
    scope.require(actor, "courses.manage")
    course = Course.objects.select_for_update().select_related("owner").get(pk=course.pk)
    scope.require_within(actor, course.owner, message="该课程不在您的管理范围内。")
    require_author(actor, course)
    _require_editable(course)
    if _is_teacher(actor):
        teacher, provider = course.teacher, course.provider or course.owner
    series = (series or "").strip()
    _check_fields(title=title, kind=kind, duration_minutes=duration_minutes, is_required=is_required, series=series)
    if kind != course.kind and course.media.exists():
        raise DomainError("课程已上传资源，不能再更改课程类型。", field="kind")
    course.title, course.summary, course.kind = title.strip(), (summary or "").strip(), kind
    course.duration_minutes, course.teacher, course.provider = duration_minutes, teacher, provider
    course.is_required, course.series = is_required, series
    course.full_clean(exclude=["search_text"])
    course.save()
    course.topics.set(topics)
    search.index_course(course)
    audit_record(action="learning.course_update", actor=actor, request=request, target=course)
    return course


# In review a course is decided by review.course_confirm; a draft is published directly only when
# an org department owns it (an institution's course goes through expert review first).
PUBLISHABLE_FROM = frozenset({CourseStatus.DRAFT, CourseStatus.PILOT, CourseStatus.WITHDRAWN})
WITHDRAWABLE_FROM = frozenset({CourseStatus.PUBLISHED, CourseStatus.PILOT})


def _locked_in_scope(actor, course: Course, permission: str) -> Course:
    scope.require(actor, permission)
    course = Course.objects.select_for_update().select_related("owner").get(pk=course.pk)
    scope.require_within(actor, course.owner, message="该课程不在您的管理范围内。")
    require_author(actor, course)
    return course


@transaction.atomic
def course_publish(*, actor, course: Course, now: dt.datetime | None = None, request=None) -> Course:
    """Publish to learners (org-department admin of the owner): a draft of an org department, a
    pilot promoted early, or a withdrawn course again. An institution's draft goes through review
    (review.course_submit → reviews → review.course_confirm). The course must have its content:
    a video for video kinds, a PDF or HTML document for documents."""
    course = _locked_in_scope(actor, course, "courses.publish")
    if course.status == CourseStatus.PUBLISHED:
        raise Conflict("课程已经发布。", code="already_published")
    if course.status == CourseStatus.IN_REVIEW:
        raise DomainError("课程正在评审中，请在评审确认中决定发布、试点或退回。", code="in_review")
    if course.status not in PUBLISHABLE_FROM:
        raise DomainError("当前状态的课程不能发布。", code="bad_status")
    if course.status == CourseStatus.DRAFT and course.owner.kind != Organisation.Kind.ORG_DEPT:
        raise DomainError("培训机构提供的课程须经专家评审和组织部门确认后发布，请先提交评审。", code="needs_review")
    if current_media(course) is None:
        raise DomainError("请先上传课程资源（视频课程上传视频，文档课程上传 PDF 或 HTML）。", code="no_media")
    now = now or timezone.now()
    before = course.status
    course.status, course.published_at = CourseStatus.PUBLISHED, now
    course.save(update_fields=["status", "published_at", "updated_at"])
    _record(course, actor=actor, from_status=before, now=now)
    audit_record(action="learning.course_publish", actor=actor, request=request, target=course)
    return course


@transaction.atomic
def course_withdraw(*, actor, course: Course, reason: str = "", now: dt.datetime | None = None,
                    request=None) -> Course:
    """Take a course off the catalogue (learners keep their progress and credit hours)."""
    course = _locked_in_scope(actor, course, "courses.publish")
    if course.status == CourseStatus.WITHDRAWN:
        raise Conflict("课程已经下架。", code="already_withdrawn")
    if course.status not in WITHDRAWABLE_FROM:
        raise DomainError("只有已发布或试点的课程可以下架。", code="bad_status")
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise DomainError("下架原因不能超过 300 字。", field="reason")
    now = now or timezone.now()
    before = course.status
    course.status = CourseStatus.WITHDRAWN
    course.save(update_fields=["status", "updated_at"])
    _record(course, actor=actor, from_status=before, note=reason, now=now)
    audit_record(action="learning.course_withdraw", actor=actor, request=request, target=course,
                 detail={"reason": reason})
    return course


# --- media ------------------------------------------------------------------------------------

def current_media(course: Course) -> CourseMedia | None:
    """The newest upload that fits the course's kind (video for video kinds, else a document)."""
    media = course.media.order_by("-created_at", "-id")
    media = media.filter(content_type__in=VIDEO_TYPES) if course.is_video else media.exclude(
        content_type__in=VIDEO_TYPES)
    return media.first()


@transaction.atomic
def media_upload(*, actor, course: Course, upload, duration_seconds: int | None = None,
                 request=None) -> CourseMedia:
    """Store an uploaded file of the course. Refused, with the reason: a file over
    GANXUN_MEDIA_MAX_MB, content that is not MP4/WebM/PDF/HTML by its first bytes, an extension
    that disagrees with the content, a document for a video course or the other way round.
    A video's duration comes from the MP4 header when it can be read, else from `duration_seconds`."""
    course = _locked_in_scope(actor, course, "courses.manage")
    _require_editable(course)
    limit = settings.GANXUN_MEDIA_MAX_MB * 1024 * 1024
    if upload.size is None or upload.size == 0:
        raise DomainError("文件是空的。", code="empty_file", field="file")
    if upload.size > limit:
        raise DomainError(f"文件超过 {settings.GANXUN_MEDIA_MAX_MB} MB 的上限。", code="too_large", field="file")
    upload.seek(0)
    head = upload.read(media_files.SNIFF_BYTES)
    media_type = media_files.check_upload(upload.name, head)
    if course.is_video != (media_type in VIDEO_TYPES):
        wanted = "视频（MP4 或 WebM）" if course.is_video else "文档（PDF 或 HTML）"
        raise DomainError(f"该课程是{course.get_kind_display()}，请上传{wanted}。", code="kind_mismatch", field="file")
    if duration_seconds is not None and not 1 <= duration_seconds <= 100 * 3600:
        raise DomainError("视频时长应为 1 秒到 100 小时。", field="duration_seconds")
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    item = CourseMedia(course=course, original_name=(upload.name or "")[-200:], content_type=media_type,
                       size=upload.size, sha256=digest.hexdigest(),
                       uploaded_by=actor if getattr(actor, "pk", None) else None)
    item.file.save("upload", File(upload), save=False)
    try:
        if media_type in VIDEO_TYPES:
            found = media_files.mp4_duration_seconds(item.file.path) if media_type == "video/mp4" else None
            item.duration_seconds = found or duration_seconds
            if not item.duration_seconds:
                raise DomainError("无法从文件读出视频时长，请填写视频时长（秒）。", code="duration_required",
                                  field="duration_seconds")
        item.save()
    except Exception:
        # Nothing half-written: the stored file goes when its row does not come.
        if not CourseMedia.objects.filter(file=item.file.name).exclude(pk=item.pk).exists():
            item.file.storage.delete(item.file.name)
        raise
    audit_record(action="learning.media_upload", actor=actor, request=request, target=course,
                 detail={"media": item.pk, "type": media_type, "size": item.size, "sha256": item.sha256})
    return item


# --- study -----------------------------------------------------------------------------------

def full_seconds(course: Course, media: CourseMedia | None) -> int:
    """The most a course can credit: the video's duration for video courses (when known), else the
    course's nominal duration."""
    if course.is_video and media is not None and media.duration_seconds:
        return media.duration_seconds
    return course.duration_minutes * 60


def required_seconds(course: Course, media: CourseMedia | None) -> int:
    """Credited seconds that complete the course: GANXUN_STUDY_COMPLETION_RATIO of full_seconds."""
    return math.ceil(full_seconds(course, media) * settings.GANXUN_STUDY_COMPLETION_RATIO)


def _cadre_of(account) -> Cadre | None:
    return Cadre.objects.filter(person__account=account).first()


@transaction.atomic
def study_launch(*, actor, course: Course, now: dt.datetime | None = None, user_agent: str = "") -> StudySession:
    """Open a study session of a published course: a fresh token for its heartbeats, and the
    learner's progress (created on the first launch). Emits xAPI "launched"."""
    scope.require(actor, "learning.study")
    if course.status not in (CourseStatus.PUBLISHED, CourseStatus.PILOT):
        raise NotFound()
    media = current_media(course)
    if media is None:
        raise DomainError("课程资源尚未上传，暂不能学习。", code="no_media")
    now = now or timezone.now()
    progress = StudyProgress.objects.select_for_update().filter(account=actor, course=course).first()
    if progress is None:
        try:
            with transaction.atomic():
                progress = StudyProgress.objects.create(account=actor, course=course, cadre=_cadre_of(actor),
                                                        started_at=now)
        except IntegrityError:  # a launch on another device created it first
            progress = StudyProgress.objects.select_for_update().get(account=actor, course=course)
    start = progress.position if course.is_video and progress.position < full_seconds(course, media) - 5 else 0
    session = StudySession.objects.create(token=secrets.token_urlsafe(32), account=actor, course=course,
                                          started_at=now, start_position=start, last_heartbeat_at=now,
                                          last_position=start, user_agent=(user_agent or "")[:200])
    statements.emit(statements.launched, session=session, progress=progress)
    return session


@dataclass(frozen=True)
class HeartbeatResult:
    credited_seconds: int          # what this heartbeat earned
    verdict: str                   # Verdict code, or "replayed" / "superseded"
    total_seconds: int             # the learner's credited seconds in the course
    required_seconds: int          # credited seconds that complete the course
    completed: bool
    pause: bool                    # the page must pause: another session took over
    message: str


REPLAYED = "replayed"
SUPERSEDED = "superseded"
MESSAGES = {
    SUPERSEDED: "您已在其他设备或页面开始学习，本页已暂停。",
    REPLAYED: "",
    Verdict.HIDDEN: "页面不在前台，期间不计学习时长。",
    Verdict.RATE: "播放倍速超过上限，期间不计学习时长。",
    Verdict.IDLE: "长时间没有学习记录，期间不计学习时长。",
    Verdict.SEEK: "跳过的内容不计学习时长。",
    Verdict.BACKWARDS: "回退播放，本段不计学习时长。",
    Verdict.DAILY_CAP: "今日学习时长已达上限，明日再继续计时。",
    Verdict.DURATION_CAP: "已达到课程时长，不再累计。",
}


def _day_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=1)


def _result(*, credited: int, verdict: str, progress: StudyProgress, required: int, pause: bool = False) -> HeartbeatResult:
    return HeartbeatResult(credited_seconds=credited, verdict=verdict, total_seconds=progress.credited_seconds,
                           required_seconds=required, completed=progress.completed_at is not None, pause=pause,
                           message=MESSAGES.get(verdict, ""))


@transaction.atomic
def study_heartbeat(*, actor, token: str, seq: int, position: float, rate: float, visible: bool,
                    now: dt.datetime | None = None) -> HeartbeatResult:
    """Credit the time since the session's previous heartbeat by the rules (learning.rules), then
    the caps: the learner's day (GANXUN_STUDY_DAILY_CAP_HOURS) and the course's full duration.

    Idempotent: a sequence number not above the last one seen (a replay, a retry, a late
    heartbeat) changes nothing. One learner's heartbeats are decided one at a time (their open
    sessions are locked), so racing heartbeats cannot double-credit. The first heartbeat of a
    session supersedes the learner's other open sessions; a superseded session's heartbeats
    credit nothing and answer `pause`."""
    scope.require(actor, "learning.study")
    now = now or timezone.now()
    # One query locks the learner's open sessions and this one, in id order (no deadlock between devices).
    locked = list(StudySession.objects.select_for_update().filter(account=actor)
                  .filter(Q(superseded_at__isnull=True) | Q(token=token)).order_by("pk"))
    session = next((s for s in locked if secrets.compare_digest(s.token, str(token or ""))), None)
    if session is None:
        raise NotFound("学习会话不存在或已失效，请重新进入课程。")
    course = Course.objects.get(pk=session.course_id)
    media = current_media(course)
    required = required_seconds(course, media)
    progress = StudyProgress.objects.select_for_update().get(account=actor, course=course)
    if session.superseded_at is not None:
        return _result(credited=0, verdict=SUPERSEDED, progress=progress, required=required, pause=True)
    rules.check_numbers(seq=seq, position=position, rate=rate)
    if seq <= session.last_seq:
        return _result(credited=0, verdict=REPLAYED, progress=progress, required=required)
    StudySession.objects.filter(pk__in=[s.pk for s in locked if s.pk != session.pk and s.superseded_at is None]
                                ).update(superseded_at=now, superseded_by=session)

    elapsed = (now - session.last_heartbeat_at).total_seconds()
    judgement = rules.judge(elapsed=elapsed, visible=bool(visible), rate=float(rate), is_video=course.is_video,
                            previous_position=session.last_position, position=float(position))
    seconds, verdict = round(judgement.seconds), judgement.verdict
    if seconds > 0:
        start, end = _day_bounds(now)
        today = Heartbeat.objects.filter(account=actor, received_at__gte=start, received_at__lt=end).aggregate(
            total=Sum("credited_seconds"))["total"] or 0
        room_today = max(round(settings.GANXUN_STUDY_DAILY_CAP_HOURS * 3600) - today, 0)
        if seconds > room_today:
            seconds, verdict = room_today, Verdict.DAILY_CAP
    if seconds > 0:
        room_course = max(full_seconds(course, media) - progress.credited_seconds, 0)
        if seconds > room_course:
            seconds, verdict = room_course, Verdict.DURATION_CAP

    Heartbeat.objects.create(session=session, seq=seq, received_at=now, account=actor, position=float(position),
                             rate=float(rate), visible=bool(visible), elapsed_seconds=elapsed,
                             credited_seconds=seconds, verdict=verdict)
    session.last_seq, session.last_heartbeat_at = seq, now
    session.last_position = float(position)
    session.credited_seconds += seconds
    progress.credited_seconds += seconds
    if course.is_video:
        progress.position = float(position)
    progress.last_studied_at = now
    progress.save(update_fields=["credited_seconds", "position", "last_studied_at"])
    if progress.completed_at is None and progress.credited_seconds >= required:
        progress_complete(actor=actor, progress=progress, now=now)
    elif seconds > 0:
        every = dt.timedelta(minutes=settings.GANXUN_STUDY_PROGRESS_STATEMENT_MINUTES)
        if session.last_progress_statement_at is None or now - session.last_progress_statement_at >= every:
            progress.course = course
            statements.emit(statements.progressed, session=session, progress=progress, seq=seq, at=now,
                            required_seconds=required)
            session.last_progress_statement_at = now
    session.save(update_fields=["last_seq", "last_heartbeat_at", "last_position", "credited_seconds",
                                "last_progress_statement_at"])
    return _result(credited=seconds, verdict=verdict, progress=progress, required=required)


def progress_complete(*, actor, progress: StudyProgress, now: dt.datetime, test_passed: bool = False) -> StudyProgress:
    """Mark the course completed, convert it to credit hours (conversion rule in force on the day)
    and post them to the ledger of the learner's cadre record — idempotent by source_ref
    "course:<course>:cadre:<cadre>" — and emit xAPI "completed". Learners without a cadre record
    get no ledger entry. Runs inside the caller's transaction (the heartbeat's)."""
    course = progress.course
    earned_on = timezone.localtime(now).date()
    progress.completed_at = now
    try:
        hours: Decimal | None = credit_hours_for(duration_minutes=course.duration_minutes, on=earned_on,
                                                 test_passed=test_passed)
    except DomainError:
        logger.error("no conversion rule on %s: course %s completed without credit hours", earned_on, course.pk)
        hours = None
    progress.credit_hours = hours
    progress.save(update_fields=["completed_at", "credit_hours"])
    if hours is not None and progress.cadre_id is not None:
        topic_ids = tuple(course.topics.order_by("pk").values_list("pk", flat=True))
        credit_post_many(actor=actor, audit_target=course, action="learning.credit_post", postings=[Posting(
            cadre_id=progress.cadre_id, hours=hours, earned_on=earned_on, mode=CreditMode.ONLINE,
            source_ref=f"course:{course.pk}:cadre:{progress.cadre_id}", topic_ids=topic_ids,
            source_name=course.title)])
    statements.emit(statements.completed, progress=progress, at=now)
    return progress


# --- ratings ---------------------------------------------------------------------------------

@transaction.atomic
def course_rate(*, actor, course: Course, stars: int) -> CourseRating:
    """A learner's 1–5 stars for a course they have studied (the latest rating counts). A pilot
    course is promoted when its ratings reach the threshold (course_pilot_check)."""
    scope.require(actor, "learning.study")
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise DomainError("评分应为 1–5 星。", field="stars")
    if not StudyProgress.objects.filter(account=actor, course=course, credited_seconds__gt=0).exists():
        raise DomainError("学习过该课程后才能评分。", code="not_studied")
    rating, _ = CourseRating.objects.update_or_create(course=course, account=actor, defaults={"stars": stars})
    if course.status == CourseStatus.PILOT:
        course_pilot_check(course=course)
    return rating


# --- pilot (试讲试评) -------------------------------------------------------------------------

@dataclass(frozen=True)
class PilotStanding:
    rating_count: int
    rating_avg: float | None
    min_ratings: int
    min_average: float

    @property
    def passed(self) -> bool:
        return (self.rating_count >= self.min_ratings and self.rating_avg is not None
                and self.rating_avg >= self.min_average)


def pilot_standing(course: Course) -> PilotStanding:
    """The course's ratings against the promotion threshold: at least GANXUN_PILOT_MIN_RATINGS
    ratings averaging GANXUN_PILOT_MIN_AVERAGE stars or more. Every current rating of the course
    counts (a learner's latest stars)."""
    figures = CourseRating.objects.filter(course=course).aggregate(count=Count("id"), avg=Avg("stars"))
    return PilotStanding(rating_count=figures["count"], rating_avg=figures["avg"],
                         min_ratings=settings.GANXUN_PILOT_MIN_RATINGS,
                         min_average=float(settings.GANXUN_PILOT_MIN_AVERAGE))


@transaction.atomic
def course_pilot_check(*, course: Course, now: dt.datetime | None = None) -> bool:
    """Promote a pilot course to everyone when its ratings pass the threshold (pilot_standing).
    The transition is the system's (no actor) and says what the ratings were. Idempotent: a course
    no longer in pilot is left alone. Called on each rating and by the periodic job."""
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.status != CourseStatus.PILOT:
        return False
    standing = pilot_standing(course)
    if not standing.passed:
        return False
    now = now or timezone.now()
    course.status, course.published_at = CourseStatus.PUBLISHED, now
    course.save(update_fields=["status", "published_at", "updated_at"])
    _record(course, actor=None, from_status=CourseStatus.PILOT, now=now,
            note=f"试点评分达标：{standing.rating_count} 人评分，平均 {standing.rating_avg:.2f} 分，自动推广到全部学员。")
    audit_record(action="learning.pilot_promote", actor=None, target=course,
                 detail={"ratings": standing.rating_count, "average": round(standing.rating_avg, 2)})
    return True


def pilots_promote_due(*, now: dt.datetime | None = None) -> int:
    """Check every pilot course (the periodic job); returns how many were promoted."""
    return sum(course_pilot_check(course=course, now=now)
               for course in Course.objects.filter(status=CourseStatus.PILOT).order_by("pk"))
