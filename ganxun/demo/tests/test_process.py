"""The demo's year of training: survey and plans, classes in every status, rosters, running,
closing with credits, evaluation — and the personas' pages with content."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from ganxun.access.models import Account, RoleAssignment
from ganxun.assessment.models import AssessmentResult, ClassClosing, Reflection
from ganxun.attendance.models import AttendanceRecord, LeaveRequest, LeaveStatus, WithdrawalReview
from ganxun.audit.models import AuditEntry
from ganxun.audit.services import audit_verify
from ganxun.classes.models import ClassStatus, Session, SessionKind, Slot, TrainingClass
from ganxun.credits.models import CreditRecord
from ganxun.demo.process.world import ARCHIVE_AFTER_DAYS
from ganxun.evaluation.models import FollowUp, RectificationItem, SessionRating
from ganxun.logistics.models import LodgingAssignment, MealChoice
from ganxun.planning.models import AnnualPlan, PlanAdjustment, PlanItem, Survey, SurveyInvitation, SurveyResponse
from ganxun.roster.models import Enrollment, EnrollmentStatus, TrainingCall
from ganxun.roster.selectors import enrollment_warnings

pytestmark = pytest.mark.django_db

SCHOOL = "中共临江市委党校"


def _actor(username: str) -> Account:
    account = Account.objects.get(username=username)
    account.active_role = RoleAssignment.objects.current().filter(account=account).order_by("id").first()
    return account


def _running_class() -> TrainingClass:
    return TrainingClass.objects.get(title__contains="年轻干部能力素质提升培训班", status=ClassStatus.RUNNING)


def test_the_year_of_classes_runs_through_every_status_at_every_kind_of_institution(tiny_demo):
    today = timezone.localdate()
    classes = TrainingClass.objects.all()
    statuses = Counter(classes.values_list("status", flat=True))
    assert set(statuses) == set(ClassStatus.values), statuses
    assert 18 <= classes.count() <= 40 and tiny_demo.counts["classes"] == classes.count()
    assert classes.filter(start_date__lt=today - dt.timedelta(days=200)).exists()
    assert not classes.filter(start_date__gt=today + dt.timedelta(days=61)).exists()
    for training_class in classes:
        expected = ("archived" if training_class.end_date < today - dt.timedelta(days=ARCHIVE_AFTER_DAYS) else
                    "closed" if training_class.end_date < today else
                    "running" if training_class.start_date <= today else None)
        if expected:
            assert training_class.status == expected, training_class
        else:
            assert training_class.status in ("enrolling", "notice_issued", "draft"), training_class
    institutions = set(classes.values_list("institution__name", flat=True))
    assert {SCHOOL, "临江干部学院", "中共东城区委党校", "中共青山县委党校"} <= institutions
    assert set(classes.values_list("organiser__name", flat=True)) == {"临江市", "东城区", "青山县"}
    assert not classes.filter(head_teacher__isnull=True).exists()
    # A two-week class of the academy runs now, named call (实名调训).
    long = classes.get(title__contains="中青年干部培训班")
    assert long.status == ClassStatus.RUNNING and (long.end_date - long.start_date).days >= 11
    assert long.call.mode == "named" and long.sessions.filter(slot=Slot.EVENING).exists()


def test_every_timetable_is_free_of_teacher_and_room_clashes_with_exams_bases_and_checkout(tiny_demo):
    for field in ("teacher", "room"):
        clashes = (Session.objects.filter(**{f"{field}__isnull": False}).values(field, "date", "slot")
                   .annotate(n=Count("id")).filter(n__gt=1))
        assert not clashes.exists(), f"{field} double-booked: {list(clashes)}"
    assert not Session.objects.filter(kind=SessionKind.ON_SITE, base__isnull=True).exists()
    assert Session.objects.filter(kind=SessionKind.ON_SITE, requires_checkout=True).exists()
    for training_class in TrainingClass.objects.annotate(n=Count("sessions")):
        days = len({s.date for s in training_class.sessions.all()})
        assert training_class.n >= 2 * days and days >= 1
        if days >= 3 and training_class.mode != "online":
            last = training_class.sessions.order_by("-date", "-start_time").first()
            assert last.kind == SessionKind.EXAM, training_class
    # The `teacher` persona teaches, and every teacher teaches at their own institution.
    assert Session.objects.filter(teacher__person__account__username="teacher").count() >= 2
    assert not Session.objects.exclude(teacher__isnull=True).exclude(
        teacher__institution=F("training_class__institution")).exists()


def test_classes_of_a_plan_year_follow_approved_plans_of_the_city_and_of_dongcheng(tiny_demo):
    plans = AnnualPlan.objects.select_related("region")
    assert plans.exists() and all(p.status == AnnualPlan.Status.APPROVED for p in plans)
    for plan in plans:
        assert plan.version >= 1 and plan.decided_by_id != plan.submitted_by_id  # four eyes
        assert plan.decided_at.date() == dt.date(plan.year - 1, 12, 20)
    dongcheng = plans.filter(region__name="东城区")
    for plan in dongcheng:
        assert plan.submitted_by.username == "county_admin" and plan.decided_by.username == "orgadmin"
        assert plan.source_survey.closes_on == dt.date(plan.year - 1, 11, 30)
        assert PlanAdjustment.objects.filter(plan=plan).count() == 1
    for plan in plans.filter(region__name="临江市"):
        assert plan.submitted_by.username == "orgadmin" and plan.decided_by.username == "orgdept_head"
    linked = TrainingClass.objects.filter(plan_item_id__isnull=False)
    assert linked.filter(organiser__name="临江市").exists() and linked.filter(organiser__name="东城区").exists()
    for training_class in linked:
        item = PlanItem.objects.get(pk=training_class.plan_item_id)
        assert item.plan.status == AnnualPlan.Status.APPROVED and item.plan.year == training_class.start_date.year
        assert item.institution_id == training_class.institution_id


def test_the_needs_survey_is_answered_by_about_two_thirds_and_the_cadre_persona_answered_it(tiny_demo):
    for survey in Survey.objects.all():
        assert survey.status == Survey.Status.CLOSED and survey.audience_root.name == "东城区"
        assert survey.closes_on.month == 11 and survey.created_by.username == "county_admin"
        invited = SurveyInvitation.objects.filter(survey=survey).count()
        answered = SurveyResponse.objects.filter(invitation__survey=survey).count()
        assert invited > 20 and 0.5 <= answered / invited <= 0.8
        assert SurveyResponse.objects.filter(invitation__survey=survey,
                                             invitation__cadre__person__account__username="cadre").exists()
    assert AuditEntry.objects.filter(action="survey.answer", actor_username="cadre").count() == Survey.objects.count()


def test_every_closed_class_has_its_results_and_credits_exactly_once(tiny_demo):
    ended = TrainingClass.objects.filter(status__in=(ClassStatus.CLOSED, ClassStatus.ARCHIVED))
    assert ended.count() >= 10
    for training_class in ended:
        closing = ClassClosing.objects.get(training_class=training_class)
        roster = Enrollment.objects.filter(training_class=training_class,
                                           status__in=(EnrollmentStatus.APPROVED, EnrollmentStatus.DROPPED))
        results = AssessmentResult.objects.filter(training_class=training_class)
        assert results.count() == roster.count() == closing.assessed > 0
        completed = results.filter(completed=True, credited_hours__gt=0)
        postings = CreditRecord.objects.filter(source_ref__startswith=f"class:{training_class.pk}:")
        assert postings.count() == completed.count() == closing.completed - results.filter(
            completed=True, credited_hours=0).count()
        assert sorted(postings.values_list("cadre_id", flat=True)) == sorted(completed.values_list("cadre_id",
                                                                                                   flat=True))
        assert sum(p.hours for p in postings) == closing.hours_posted
        assert not completed.filter(certificate_no__isnull=True).exists()
    # Classes that have not ended hold no result and earned no hours.
    assert not AssessmentResult.objects.exclude(training_class__in=ended).exists()
    # (Online courses of the catalogue and recognised records of other platforms earn hours of
    # their own, outside classes.)
    assert not (CreditRecord.objects.exclude(source_ref__startswith="course:").exclude(source_ref__startswith="recognition:")
                .exclude(source_class__in=ended).exists())
    # Completion is the rule, with a few who did not complete for a stated reason.
    results = AssessmentResult.objects.all()
    failed = results.filter(completed=False)
    assert 0 < failed.count() < 0.2 * results.count()
    assert all(r.reasons for r in failed)


def test_two_credit_corrections_are_reversals_by_the_org_departments(tiny_demo):
    reversals = CreditRecord.objects.filter(reverses__isnull=False).select_related("reverses", "created_by")
    assert reversals.count() == 2
    for reversal in reversals:
        assert reversal.hours == -reversal.reverses.hours and reversal.created_by.username in ("orgadmin",
                                                                                                "county_admin")
        replacement = CreditRecord.objects.get(source_ref=f"correction:{reversal.reverses_id}")
        assert replacement.hours != reversal.reverses.hours and replacement.note == reversal.note


def test_rosters_hold_reviews_substitutions_and_warnings_that_the_history_makes_true(tiny_demo):
    statuses = Counter(Enrollment.objects.values_list("status", flat=True))
    assert {"approved", "nominated", "rejected", "substituted", "withdrawn", "dropped"} <= set(statuses)
    assert not Enrollment.objects.filter(status="rejected", decision_note="").exists()
    for substituted in Enrollment.objects.filter(status="substituted").select_related("replaced_by"):
        assert substituted.replaced_by.status in ("approved", "dropped") and substituted.decision_note
        assert substituted.replaced_by.unit_id == substituted.unit_id
    # Pending nominations carry warnings, and recomputing them on the data gives the same.
    pending = list(Enrollment.objects.filter(status="nominated").select_related("training_class", "cadre"))
    assert pending
    recomputed = enrollment_warnings(pending)
    for enrollment in pending:
        assert {w["code"] for w in enrollment.warnings} == {w["code"] for w in recomputed[enrollment.pk]}
    codes = Counter(w["code"] for e in Enrollment.objects.all() for w in e.warnings)
    assert codes["untrained"] and codes["repeated"]
    # Nobody sits in two classes at once, and nobody takes more than four in the window.
    spans = defaultdict(list)
    for cadre, start, end in Enrollment.objects.filter(status="approved").values_list(
            "cadre_id", "training_class__start_date", "training_class__end_date"):
        spans[cadre].append((start, end))
    for items in spans.values():
        items.sort()
        assert len(items) <= 4
        assert all(a[1] < b[0] for a, b in zip(items, items[1:]))


def test_attendance_is_mostly_present_with_some_late_absent_and_leave(tiny_demo):
    records = Counter(AttendanceRecord.objects.values_list("status", flat=True))
    total = sum(records.values())
    assert total > 500 and records["late"] / total < 0.1 and records["late"] > 0
    leave = Counter(LeaveRequest.objects.values_list("status", flat=True))
    assert leave[LeaveStatus.APPROVED] and leave[LeaveStatus.REJECTED] and leave[LeaveStatus.PENDING]
    assert AssessmentResult.objects.filter(Q(absent__gt=0) | Q(leave_hours__gt=0)).exists()
    # Nobody checked in to a session before it began in the generated history.
    assert not AttendanceRecord.objects.filter(session__date__gte=timezone.localdate(), method="qr").exists()


def test_dining_and_lodging_are_arranged_for_classes_held_on_site(tiny_demo):
    assert MealChoice.objects.filter(registered=False).exists()
    housed = LodgingAssignment.objects.select_related("enrollment__cadre__person", "room")
    assert housed.exists()
    for stay in housed:
        assert stay.room.gender in ("any", stay.enrollment.cadre.person.gender)
        assert stay.room.institution_id == stay.enrollment.training_class.institution_id
    assert not LodgingAssignment.objects.filter(enrollment__training_class__mode="online").exists()


def test_todays_class_has_sessions_today_and_its_stories_for_the_personas(tiny_demo):
    today = timezone.localdate()
    training_class = _running_class()
    assert training_class.head_teacher.username == "headteacher"
    assert training_class.institution.name == SCHOOL
    slots = set(training_class.sessions.filter(date=today).values_list("slot", flat=True))
    assert {Slot.MORNING, Slot.AFTERNOON} <= slots
    assert training_class.sessions.filter(date=today, requires_checkout=True).exists()
    mine = Enrollment.objects.get(training_class=training_class, cadre__person__account__username="cadre")
    assert mine.status == EnrollmentStatus.APPROVED
    # No check-ins yet today: the visitor scans.
    assert not AttendanceRecord.objects.filter(session__training_class=training_class, session__date=today).exists()
    own_leave = LeaveRequest.objects.get(enrollment=mine)
    assert own_leave.status == LeaveStatus.PENDING and own_leave.sessions.filter(date__gt=today).exists()
    # Two cadres were past the 1/7 line: one withdrawn, one kept, by the city's org department.
    reviews = WithdrawalReview.objects.filter(enrollment__training_class=training_class)
    assert set(reviews.values_list("decision", "enrollment__status")) == {("withdraw", "dropped"),
                                                                          ("keep", "approved")}
    assert set(reviews.values_list("decided_by__username", flat=True)) == {"orgadmin"}
    # Some reflections are graded, others wait for the head teacher.
    reflections = Reflection.objects.filter(enrollment__training_class=training_class)
    assert reflections.filter(grade="").exists() and reflections.exclude(grade="").exists()


def test_a_dongcheng_cadre_waits_for_the_org_departments_decision(tiny_demo):
    from ganxun.attendance.selectors import withdrawal_candidates_for

    for username in ("county_admin", "orgadmin"):
        rows = withdrawal_candidates_for(_actor(username))
        assert rows and all(r.standing.over for r in rows), username
    dongcheng = RoleAssignment.objects.current().get(account__username="county_admin").scope
    for row in withdrawal_candidates_for(_actor("county_admin")):
        assert row.enrollment.unit.path.startswith(dongcheng.path)
        assert not WithdrawalReview.objects.filter(enrollment=row.enrollment).exists()


def test_the_cadre_persona_has_credits_certificates_a_running_and_an_upcoming_class(tiny_demo):
    from ganxun.archive.selectors import archive_of
    from ganxun.evaluation.selectors import own_rating_items_for
    from ganxun.people.models import Cadre
    from ganxun.roster.selectors import own_classes

    cadre_account = _actor("cadre")
    own = own_classes(cadre_account)
    assert len(own.past) >= 2 and len(own.current) == 1 and len(own.upcoming) >= 1
    assert own.upcoming[0].status == EnrollmentStatus.APPROVED
    archive = archive_of(cadre_account, Cadre.objects.get(person__account__username="cadre"))
    completed = [row for row in archive.classes if row.result and row.result.completed]
    assert len(completed) >= 2 and all(row.result.certificate_no and row.hours > 0 for row in completed)
    assert sum(state.pending for state in own_rating_items_for(cadre_account)) >= 1  # ratings to give


def test_the_liaison_has_open_quotas_and_followups_due(tiny_demo):
    from ganxun.evaluation.selectors import liaison_followups_for
    from ganxun.roster.selectors import quota_list_for

    liaison = _actor("liaison")
    quotas = list(quota_list_for(liaison, current_only=True))
    assert any(q.seats > q.used for q in quotas)
    pending = liaison_followups_for(liaison, state="pending")
    assert pending.exists()
    # Earlier ones the liaison answered, and one nomination was taken back (both audited).
    assert FollowUp.objects.filter(answered_by__username="liaison").exists()
    assert AuditEntry.objects.filter(action="roster.withdraw", actor_username="liaison").count() == 1


def test_the_org_departments_have_nominations_to_review(tiny_demo):
    for username, region in (("orgadmin", "临江市"), ("county_admin", "东城区")):
        waiting = Enrollment.objects.filter(status="nominated", training_class__organiser__name=region,
                                            training_class__status=ClassStatus.ENROLLING)
        assert waiting.exists(), username
    # The liaison's nominations went through the service (audited as the liaison).
    assert AuditEntry.objects.filter(action="roster.nominate", actor_username="liaison").count() >= 1
    assert TrainingCall.objects.filter(status="draft").exists()


def test_ratings_vary_and_low_ones_opened_rectification_items(tiny_demo):
    from ganxun.evaluation import aggregates

    scores = Counter(SessionRating.objects.values_list("teaching", flat=True))
    assert len(scores) >= 4 and scores[5] > scores[2]
    items = RectificationItem.objects.all()
    assert items.filter(cause__in=("session_teaching", "session_content", "teacher_teaching")).exists()
    assert set(items.values_list("status", flat=True)) - {"open"}, "the owners work on older items"
    teacher_sessions = Session.objects.filter(teacher__person__account__username="teacher")
    mine = [entry for entry in aggregates.teacher_figures(teacher_sessions)
            if entry.teacher.person.account and entry.teacher.person.account.username == "teacher"]
    assert mine and mine[0].figures.means["teaching"] >= 4.4


def test_follow_ups_are_answered_for_older_classes_and_some_are_overdue(tiny_demo):
    today = timezone.localdate()
    rows = FollowUp.objects.all()
    assert rows.filter(applies__isnull=False).exists()
    assert rows.filter(applies__isnull=True, due_on__lt=today).exists()
    assert not rows.filter(training_class__end_date__gt=today - dt.timedelta(days=90)).exists()


def test_staff_accounts_run_the_academy_and_county_schools(tiny_demo):
    # Every class is closed by its own head teacher, at every institution.
    for closing in ClassClosing.objects.select_related("training_class"):
        assert closing.closed_by_id == closing.training_class.head_teacher_id
    heads = set(TrainingClass.objects.values_list("head_teacher__username", flat=True))
    assert {"headteacher", "academy_head", "school339102_head", "school339122_head"} <= heads
    for account in Account.objects.filter(username__in=("academy_admin", "academy_head", "school339122_admin")):
        teacher = account.person.teacher
        scope = RoleAssignment.objects.current().get(account=account).scope
        assert teacher.institution_id == scope.pk


def test_the_audit_trail_holds_service_entries_and_bulk_summaries_and_verifies(tiny_demo):
    closed = TrainingClass.objects.filter(status__in=("closed", "archived")).count()
    assert AuditEntry.objects.filter(action="class.close").count() == closed
    assert AuditEntry.objects.filter(action="session.add").exists()
    bulk = AuditEntry.objects.filter(detail__bulk=True)
    assert {"attendance.scan", "roster.nominate", "session.add"} <= set(bulk.values_list("action", flat=True))
    assert audit_verify().ok


def test_the_process_pages_show_content_to_the_personas(tiny_demo, client):
    today = timezone.localdate()
    training_class = _running_class()
    session = training_class.sessions.filter(date=today).order_by("start_time").first()
    client.force_login(Account.objects.get(username="headteacher"))
    page = client.get(reverse("attendance:session", args=[training_class.pk, session.pk]))
    assert page.status_code == 200 and session.title in page.content.decode()
    client.force_login(Account.objects.get(username="cadre"))
    page = client.get(reverse("roster:learn_class", args=[training_class.pk])).content.decode()
    assert session.title in page and "待审批" in page
    archive = client.get(reverse("archive:learn")).content.decode()
    assert 'id="archive-total-hours"' in archive
    client.force_login(Account.objects.get(username="school_admin"))
    assert training_class.title in client.get(reverse("classes:list")).content.decode()
    client.force_login(Account.objects.get(username="county_admin"))
    survey = Survey.objects.order_by("-closes_on").first()
    assert "东城区" in client.get(reverse("planning:results", args=[survey.pk])).content.decode()
    plan = AnnualPlan.objects.filter(region__name="东城区").order_by("-year").first()
    history = client.get(reverse("planning:plan_history", args=[plan.pk])).content.decode()
    assert PlanAdjustment.objects.get(plan=plan).get_kind_display() in history
    client.force_login(Account.objects.get(username="teacher"))
    assert "授课" in client.get(reverse("evaluation:mine")).content.decode()
    upcoming = Enrollment.objects.filter(cadre__person__account__username="cadre",
                                         training_class__status=ClassStatus.ENROLLING).first()
    client.force_login(Account.objects.get(username="orgadmin"))
    review = client.get(reverse("roster:review", args=[upcoming.training_class_id])).content.decode()
    assert "待审核" in review


def test_the_counts_of_the_summary_match_the_database(tiny_demo):
    counts = tiny_demo.counts
    assert counts["enrollments"] == Enrollment.objects.count()
    assert counts["sessions"] == Session.objects.count()
    assert counts["closed_classes"] == ClassClosing.objects.count()
    assert counts["credit_records"] == CreditRecord.objects.filter(reverses__isnull=True).filter(
        ~Q(source_ref__startswith="correction:") & ~Q(source_ref__startswith="course:")
        & ~Q(source_ref__startswith="recognition:")).count()
    assert counts["online_credit_records"] + counts["online_learner_credit_records"] == CreditRecord.objects.filter(
        source_ref__startswith="course:").count()
    assert counts["recognition_claims_recognised"] == CreditRecord.objects.filter(
        source_ref__startswith="recognition:").count()
