"""A fingerprint of the generated training process, to prove that the same seed and the same
process day give the same data.

Like demo/digest.py, rows are described by content, never by ids or by the moments the
services stamp (created_at, decided_at …): a class by its title and start date, a session by
its class, date and slot, a cadre or teacher by ID number, an organisation by its code. Where
a value embeds an id (certificate numbers: `<year>-<class id>-<seat>`) the id is blanked.
The times the generator sets itself (check-in and check-out times, study times, the moments
given to the services) are included. Online learning is in too: courses, reviews, progress,
themed classes with their members, recognition rules and claims.
"""

from __future__ import annotations

import hashlib
import re

from ganxun.access.models import Account, RoleAssignment
from ganxun.assessment.models import AssessmentResult, ClassClosing, DisciplineNote, ExamScore, Reflection
from ganxun.attendance.models import AttendanceRecord, LeaveRequest, WithdrawalReview
from ganxun.classes.models import Room, Session, TrainingClass
from ganxun.credits.models import CreditRecord
from ganxun.demo.personas import PERSONA_NAMES
from ganxun.evaluation.models import ClassRating, FollowUp, LearningScore, RectificationItem, SessionRating
from ganxun.learning.models import VIDEO_TYPES, Course, CourseMedia, CourseRating, CourseReview, StudyProgress
from ganxun.logistics.models import ClassLogistics, EnrollmentLogistics, LodgingAssignment, LodgingRoom, MealChoice
from ganxun.onlineclasses.models import ThemedClass, ThemedClassMember
from ganxun.org.models import Organisation
from ganxun.people.models import Cadre, Teacher
from ganxun.planning.models import AnnualPlan, PlanAdjustment, PlanItem, Survey, SurveyResponse
from ganxun.recognition.models import RecognitionClaim, RecognitionRule
from ganxun.roster.models import Enrollment, NamedCadre, TrainingCall, UnitQuota

_ID_IN_NUMBER = re.compile(r"(\d{4})-\d+-")


def process_lines() -> list[str]:
    orgs = dict(Organisation.objects.values_list("pk", "code"))
    cadres = {c.pk: c.person.id_number for c in Cadre.objects.select_related("person")}
    teachers = {t.pk: t.person.id_number for t in Teacher.objects.select_related("person")}
    users = dict(Account.objects.values_list("pk", "username"))
    classes = {pk: f"{title}@{start}" for pk, title, start in TrainingClass.objects.values_list("pk", "title",
                                                                                                "start_date")}
    sessions = {pk: f"{classes[c]}/{d}/{slot}" for pk, c, d, slot in Session.objects.values_list(
        "pk", "training_class_id", "date", "slot")}
    enrollments = {pk: f"{classes[c]}/{cadres[k]}" for pk, c, k in Enrollment.objects.values_list(
        "pk", "training_class_id", "cadre_id")}
    items = {pk: f"{year}/{title}" for pk, year, title in PlanItem.objects.values_list("pk", "plan__year", "title")}
    lines: list[str] = []

    def add(prefix: str, *fields) -> None:
        lines.append(prefix + "|" + "|".join("" if f is None else str(f) for f in fields))

    def no_ids(text: str) -> str:
        return _ID_IN_NUMBER.sub(r"\1-#-", text or "")

    roles: dict[int, list[str]] = {}
    for account, role, scope in RoleAssignment.objects.current().values_list("account_id", "role", "scope_id"):
        roles.setdefault(account, []).append(f"{role}@{orgs[scope]}")
    for account in Account.objects.exclude(username__in=PERSONA_NAMES).select_related("person"):
        add("ACC", account.username, account.full_name, account.person.id_number, sorted(roles.get(account.pk, [])))
    for survey in Survey.objects.all():
        add("SV", survey.title, survey.status, survey.closes_on,
            SurveyResponse.objects.filter(invitation__survey=survey).count())
    for response in SurveyResponse.objects.select_related("invitation__cadre__person").prefetch_related(
            "answers__options", "answers__topics", "answers__question"):
        for answer in response.answers.all():
            add("SA", response.invitation.cadre.person.id_number, answer.question.text, answer.rating, answer.text,
                sorted(o.label for o in answer.options.all()), sorted(t.code for t in answer.topics.all()))
    for plan in AnnualPlan.objects.select_related("region", "source_survey"):
        add("PL", orgs[plan.region_id], plan.year, plan.title, plan.status, plan.version,
            plan.source_survey.title if plan.source_survey else "", users.get(plan.submitted_by_id),
            users.get(plan.decided_by_id), plan.decision_comment)
    for item in PlanItem.objects.prefetch_related("topics"):
        add("PI", items[item.pk], item.training_type, item.target_ranks, item.target_categories,
            orgs.get(item.institution_id), item.month, item.days, item.credit_hours, item.capacity, item.budget,
            item.note, item.is_active, sorted(t.code for t in item.topics.all()))
    for adjustment in PlanAdjustment.objects.all():
        add("PA", adjustment.plan.year, orgs[adjustment.plan.region_id], adjustment.version, adjustment.kind,
            adjustment.reason, items.get(adjustment.item_id))
    for room in Room.objects.all():
        add("RM", orgs[room.institution_id], room.name, room.capacity)
    for room in LodgingRoom.objects.all():
        add("LR", orgs[room.institution_id], room.building, room.number, room.beds, room.gender)
    for c in TrainingClass.objects.prefetch_related("topics"):
        add("TC", classes[c.pk], c.end_date, orgs[c.institution_id], orgs.get(c.organiser_id), c.status, c.mode,
            c.training_type, c.capacity, c.place, users.get(c.head_teacher_id), users.get(c.created_by_id),
            items.get(c.plan_item_id), sorted(t.code for t in c.topics.all()))
    for s in Session.objects.select_related("room", "topic"):
        add("SE", sessions[s.pk], s.start_time, s.end_time, s.kind, s.title, teachers.get(s.teacher_id),
            s.room.name if s.room_id else "", orgs.get(s.base_id), s.requires_checkout, s.topic.code if s.topic else "")
    for call in TrainingCall.objects.all():
        add("CA", classes[call.training_class_id], call.mode, call.status, call.document_no, call.nomination_deadline,
            call.contact, call.target_ranks, call.target_categories, orgs.get(call.issuer_id),
            users.get(call.issued_by_id))
    for quota in UnitQuota.objects.select_related("call"):
        add("UQ", classes[quota.call.training_class_id], orgs[quota.unit_id], quota.seats, quota.note)
    for named in NamedCadre.objects.select_related("call"):
        add("NC", classes[named.call.training_class_id], cadres[named.cadre_id], orgs[named.unit_id])
    for e in Enrollment.objects.all():
        add("EN", enrollments[e.pk], orgs[e.unit_id], e.status, e.seat_no, sorted(w["code"] for w in e.warnings),
            e.decision_note, enrollments.get(e.replaced_by_id), users.get(e.decided_by_id))
    for r in AttendanceRecord.objects.all():
        add("AT", sessions[r.session_id], enrollments[r.enrollment_id], r.status, r.method,
            r.checked_in_at.isoformat() if r.checked_in_at else "",
            r.checked_out_at.isoformat() if r.checked_out_at else "", r.reason)
    for leave in LeaveRequest.objects.prefetch_related("sessions"):
        add("LV", enrollments[leave.enrollment_id], leave.hours, leave.reason, leave.status, leave.decision_note,
            sorted(sessions[s.pk] for s in leave.sessions.all()))
    for review in WithdrawalReview.objects.all():
        add("WR", enrollments[review.enrollment_id], review.decision, review.note, review.away_hours,
            review.limit_hours, users.get(review.decided_by_id))
    for row in ClassLogistics.objects.all():
        add("LG", classes[row.training_class_id], row.provides_dining, row.provides_lodging, row.cutoff_days_before,
            row.cutoff_time, row.meal_plan)
    for choice in MealChoice.objects.all():
        add("MC", enrollments[choice.enrollment_id], choice.date, choice.meal, choice.registered)
    for row in EnrollmentLogistics.objects.all():
        add("EL", enrollments[row.enrollment_id], row.halal, row.vegetarian, row.diet_note, row.lodging_needed)
    for stay in LodgingAssignment.objects.select_related("room"):
        add("LA", enrollments[stay.enrollment_id], stay.room.building, stay.room.number, stay.method)
    for score in ExamScore.objects.all():
        add("EX", enrollments[score.enrollment_id], score.score)
    for reflection in Reflection.objects.all():
        add("RF", enrollments[reflection.enrollment_id], reflection.title,
            hashlib.sha256(reflection.text.encode()).hexdigest()[:16], reflection.grade, reflection.comment)
    for note in DisciplineNote.objects.all():
        add("DN", enrollments[note.enrollment_id], note.date, note.severity, note.text)
    for closing in ClassClosing.objects.all():
        add("CC", classes[closing.training_class_id], users.get(closing.closed_by_id), closing.class_hours,
            closing.assessed, closing.completed, closing.hours_posted)
    for result in AssessmentResult.objects.all():
        add("AR", enrollments[result.enrollment_id], result.completed, result.attendance_rate, result.leave_hours,
            result.exam_score, result.reflection_grade, result.credited_hours,
            sorted(r["code"] for r in result.reasons), no_ids(result.certificate_no))
    for record in CreditRecord.objects.select_related("reverses"):
        add("CR", cadres[record.cadre_id], record.hours, record.earned_on, record.mode, record.training_type,
            record.off_job, classes.get(record.source_class_id), no_ids(record.note),
            f"reverses {record.reverses.hours}" if record.reverses_id else "")
    for rating in SessionRating.objects.all():
        add("SR", sessions[rating.session_id], enrollments[rating.enrollment_id], rating.content, rating.teaching,
            rating.comment)
    for rating in ClassRating.objects.all():
        add("CT", enrollments[rating.enrollment_id], rating.content, rating.organisation, rating.logistics,
            rating.comment)
    for score in LearningScore.objects.all():
        add("L2", enrollments[score.enrollment_id], score.pre_score, score.post_score)
    for row in FollowUp.objects.all():
        add("FU", enrollments[row.enrollment_id], orgs[row.unit_id], row.opens_on, row.due_on, row.applies,
            row.performance, row.comment)
    for item in RectificationItem.objects.all():
        add("RI", classes[item.training_class_id], item.cause, item.title, sessions.get(item.session_id),
            teachers.get(item.teacher_id), orgs[item.owner_org_id], users.get(item.owner_id), item.status,
            item.close_reason)
    _online_lines(add, orgs, cadres, teachers, users)
    return sorted(lines)


def _online_lines(add, orgs, cadres, teachers, users) -> None:
    """Online learning: courses by title (PDF handouts by type only — WeasyPrint stamps the moment
    of rendering into them), reviews, progress and ratings, themed classes and their members,
    recognition rules and claims (decision moments are the services' clock, left out)."""
    courses = {}
    for course in Course.objects.prefetch_related("topics"):
        courses[course.pk] = course.title
        add("CO", course.title, course.status, course.kind, course.duration_minutes, course.series,
            course.is_required, orgs[course.owner_id], teachers.get(course.teacher_id), course.published_at,
            course.review_round, sorted(t.code for t in course.topics.all()))
    for media in CourseMedia.objects.all():
        add("CM", courses[media.course_id], media.content_type, media.duration_seconds,
            media.sha256 if media.content_type in VIDEO_TYPES else "")
    for review in CourseReview.objects.all():
        add("CV", courses[review.course_id], review.round, users[review.reviewer_id], review.content_score,
            review.teaching_score, review.production_score, review.comment)
    for row in StudyProgress.objects.all():
        add("SP", users[row.account_id], cadres.get(row.cadre_id), courses[row.course_id], row.credited_seconds,
            row.position, row.started_at, row.last_studied_at, row.completed_at, row.credit_hours)
    for rating in CourseRating.objects.all():
        add("RA", users[rating.account_id], courses[rating.course_id], rating.stars)
    classes = {}
    for themed in ThemedClass.objects.prefetch_related("class_courses"):
        classes[themed.pk] = themed.title
        add("TH", themed.title, orgs[themed.owner_id], themed.status, themed.start_date, themed.deadline,
            themed.required_hours, orgs[themed.audience_root_id], themed.audience_rank, themed.opened_at,
            themed.closed_at, users[themed.created_by_id],
            [(courses[link.course_id], link.is_required) for link in themed.class_courses.all()])
    for member in ThemedClassMember.objects.all():
        add("TM", classes[member.themed_class_id], cadres[member.cadre_id], orgs[member.unit_id], member.source)
    for rule in RecognitionRule.objects.select_related("source"):
        add("RR", rule.source.name, rule.source.unit, orgs[rule.source.owner_id], rule.effective_from,
            rule.effective_to, rule.amount_per_hour, rule.yearly_cap_hours, rule.needs_approval)
    for claim in RecognitionClaim.objects.select_related("source"):
        add("RC", claim.source.name, cadres[claim.cadre_id], claim.external_ref, claim.amount, claim.earned_on,
            claim.title, claim.origin, claim.converted_hours, claim.recognised_hours, claim.status, claim.reason,
            claim.note, users.get(claim.decided_by_id))


def process_digest() -> str:
    """SHA-256 over the sorted descriptions of every row of the training process."""
    digest = hashlib.sha256()
    for line in process_lines():
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()
