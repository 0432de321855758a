"""Closing a class (结班): rights, preconditions, the frozen results, the credit postings, once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ganxun.access.roles import Role
from ganxun.assessment import services
from ganxun.assessment.models import AssessmentResult, ClassClosing, CompletionRule, ExamScore, Reflection
from ganxun.assessment.tests.builders import attend, enroll, leave, ran_class, reflection_text
from ganxun.attendance.models import AttendanceRecord, LeaveRequest
from ganxun.audit.models import AuditEntry
from ganxun.classes.models import ClassStatus
from ganxun.core.errors import Conflict, DomainError, Forbidden, NotFound
from ganxun.credits.models import CreditRecord
from ganxun.credits.services import Posting, credit_post_many
from ganxun.people.models import Cadre, Person
from ganxun.roster.models import Enrollment
from ganxun.testing import make_account, make_session


def _class_with_roster(cast, **options):
    """carol and 张伟 complete (张伟 missed one half-day, so 21 h), 李娜 fails the exam, 王强 dropped."""
    training_class, sessions = ran_class(cast, exam=True, **options)
    carol, zhang, li = enroll(training_class, cast.cadres_a[:3])
    wang, = enroll(training_class, cast.cadres_a[3:], status="dropped", first_seat=4)
    attend(carol, sessions)
    attend(zhang, sessions[1:])
    leave(zhang, sessions[:1], hours="3")
    attend(li, sessions)
    attend(wang, sessions[:2])
    for enrollment, score in ((carol, "92"), (zhang, "75"), (li, "41")):
        ExamScore.objects.create(enrollment=enrollment, score=Decimal(score))
        Reflection.objects.create(enrollment=enrollment, text=reflection_text(), grade="good")
    CompletionRule.objects.create(training_class=training_class, min_attendance_rate=Decimal("85"))
    return training_class, sessions, {"carol": carol, "zhang": zhang, "li": li, "wang": wang}


def test_closing_freezes_results_posts_credits_and_closes_the_class(cast, actor):
    training_class, _, people = _class_with_roster(cast)
    outcome = services.class_close(actor=actor(cast.hannah), training_class=training_class)
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.CLOSED
    assert (outcome.assessed, outcome.completed, outcome.postings, outcome.hours_posted) == (4, 2, 2, Decimal("45"))
    results = {r.enrollment_id: r for r in AssessmentResult.objects.all()}
    carol, zhang, li, wang = (results[people[k].pk] for k in ("carol", "zhang", "li", "wang"))
    assert carol.completed and carol.credited_hours == Decimal("24") and carol.exam_score == Decimal("92")
    assert zhang.completed and zhang.credited_hours == Decimal("21") and zhang.leave_hours == Decimal("3")
    assert not li.completed and li.certificate_no is None and li.reasons == [
        {"code": "exam_failed", "message": "考试成绩 41 分，低于合格分 60 分"}]
    assert not wang.completed and [r["code"] for r in wang.reasons][0] == "dropped"
    year = training_class.end_date.year
    assert carol.certificate_no == f"{year}-{training_class.pk}-001"
    assert zhang.certificate_no == f"{year}-{training_class.pk}-002"
    records = {r.cadre_id: r for r in CreditRecord.objects.all()}
    assert set(records) == {cast.carol_cadre.pk, cast.cadres_a[1].pk}
    posted = records[cast.carol_cadre.pk]
    assert posted.hours == Decimal("24.00") and posted.mode == "offline" and posted.off_job is True
    assert posted.source_ref == f"class:{training_class.pk}:enrollment:{people['carol'].pk}"
    assert posted.earned_on == training_class.end_date and posted.source_class == training_class
    assert posted.training_type == training_class.training_type and posted.source_name == training_class.title
    assert set(posted.topics.values_list("pk", flat=True)) == set(training_class.topics.values_list("pk", flat=True))
    closing = ClassClosing.objects.get()
    assert closing.closed_by == cast.hannah and closing.class_hours == Decimal("24") and closing.exam_required
    assert closing.rule["min_attendance_rate"] == "85.00"
    close_entry = AuditEntry.objects.get(action="class.close")
    assert close_entry.detail["postings"] == 2 and close_entry.detail["hours"] == "45.00"
    assert AuditEntry.objects.get(action="credits.post").detail["written"] == 2


def test_closing_twice_posts_credits_once(cast, actor):
    training_class, _, _ = _class_with_roster(cast)
    services.class_close(actor=actor(cast.hannah), training_class=training_class)
    counts = (CreditRecord.objects.count(), AssessmentResult.objects.count(), AuditEntry.objects.count())
    with pytest.raises(Conflict) as caught:
        services.class_close(actor=actor(cast.ivan), training_class=training_class)
    assert caught.value.code == "already_closed"
    assert "已登记" in caught.value.message and "韩娜" in caught.value.message
    assert (CreditRecord.objects.count(), AssessmentResult.objects.count(), AuditEntry.objects.count()) == counts


def test_a_crash_before_the_class_is_marked_closed_leaves_nothing_and_a_rerun_posts_once(cast, actor, monkeypatch):
    training_class, _, _ = _class_with_roster(cast)

    def crash(**kwargs):
        raise RuntimeError("power cut")

    # The postings are written, then the closing record fails: the one transaction rolls it all back.
    monkeypatch.setattr(ClassClosing.objects, "create", crash)
    with pytest.raises(RuntimeError):
        services.class_close(actor=actor(cast.hannah), training_class=training_class)
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.RUNNING
    assert not CreditRecord.objects.exists() and not AssessmentResult.objects.exists()
    monkeypatch.undo()
    outcome = services.class_close(actor=actor(cast.hannah), training_class=training_class)
    assert outcome.postings == 2 and CreditRecord.objects.count() == 2


def test_a_posting_already_in_the_ledger_is_not_written_again(cast, actor):
    training_class, _, people = _class_with_roster(cast)
    # Hours posted for this enrollment by an earlier run (or an import) under the same source ref.
    credit_post_many(actor=actor(cast.hannah), postings=[Posting(
        cadre_id=cast.carol_cadre.pk, hours=Decimal("24"), earned_on=training_class.end_date, mode="offline",
        source_ref=f"class:{training_class.pk}:enrollment:{people['carol'].pk}", source_class_id=training_class.pk)])
    outcome = services.class_close(actor=actor(cast.hannah), training_class=training_class)
    assert outcome.postings == 1 and outcome.hours_posted == Decimal("21")
    assert CreditRecord.objects.filter(cadre=cast.carol_cadre).count() == 1
    assert AssessmentResult.objects.count() == 4


def test_closing_rights(cast, actor):
    training_class, _, _ = _class_with_roster(cast)
    henry = make_account("henry", Role.HEAD_TEACHER, cast.party_school)
    with pytest.raises(Forbidden):
        services.class_close(actor=actor(cast.tom), training_class=training_class)
    with pytest.raises(Forbidden):
        services.class_close(actor=actor(cast.charlie), training_class=training_class)
    with pytest.raises(NotFound):
        services.class_close(actor=actor(henry), training_class=training_class)
    assert not CreditRecord.objects.exists()
    services.class_close(actor=actor(cast.ivan), training_class=training_class)
    assert ClassClosing.objects.get().closed_by == cast.ivan


@pytest.mark.parametrize("status", ["draft", "enrolling", "archived"])
def test_only_a_running_class_is_closed(cast, actor, status):
    training_class, _, _ = _class_with_roster(cast, status=status)
    with pytest.raises(DomainError) as caught:
        services.class_close(actor=actor(cast.hannah), training_class=training_class)
    assert caught.value.code == ("already_closed" if status == "archived" else "not_running")
    assert not CreditRecord.objects.exists()


def test_a_class_is_not_closed_before_its_last_session_has_ended(cast, actor):
    training_class, _, _ = _class_with_roster(cast)
    training_class.end_date = dt.date.today() + dt.timedelta(days=1)
    training_class.save(update_fields=["end_date"])
    make_session(training_class, date=training_class.end_date, slot="evening", title="结业式")
    with pytest.raises(DomainError) as caught:
        services.class_close(actor=actor(cast.hannah), training_class=training_class)
    assert caught.value.code == "not_ended" and "19:00" not in caught.value.message
    assert f"{training_class.end_date:%Y-%m-%d} 21:00" in caught.value.message


def test_a_class_without_a_timetable_is_not_closed(cast, actor):
    training_class, sessions, _ = _class_with_roster(cast)
    LeaveRequest.objects.all().delete()
    AttendanceRecord.objects.all().delete()
    training_class.sessions.all().delete()
    with pytest.raises(DomainError) as caught:
        services.class_close(actor=actor(cast.hannah), training_class=training_class)
    assert caught.value.code == "no_sessions"


def test_ungraded_reflections_hold_the_closing(cast, actor):
    training_class, _, people = _class_with_roster(cast)
    Reflection.objects.filter(enrollment=people["zhang"]).update(grade="")
    with pytest.raises(DomainError) as caught:
        services.class_close(actor=actor(cast.hannah), training_class=training_class)
    assert caught.value.code == "reflections_ungraded" and "张伟" in caught.value.message
    assert not AssessmentResult.objects.exists()


def test_an_online_class_posts_online_hours_that_are_not_off_job(cast, actor):
    training_class, _, _ = _class_with_roster(cast, mode="online")
    services.class_close(actor=actor(cast.hannah), training_class=training_class)
    assert set(CreditRecord.objects.values_list("mode", "off_job")) == {("online", False)}


def test_a_blended_class_counts_as_off_job(cast, actor):
    training_class, _, _ = _class_with_roster(cast, mode="blended")
    services.class_close(actor=actor(cast.hannah), training_class=training_class)
    assert set(CreditRecord.objects.values_list("mode", "off_job")) == {("offline", True)}


def test_certificate_numbers_fall_back_to_the_enrollment_without_a_unique_seat(cast, actor):
    training_class, _, people = _class_with_roster(cast)
    people["zhang"].seat_no = None
    people["zhang"].save(update_fields=["seat_no"])
    services.class_close(actor=actor(cast.hannah), training_class=training_class)
    numbers = dict(AssessmentResult.objects.filter(completed=True).values_list("enrollment_id", "certificate_no"))
    year = training_class.end_date.year
    assert numbers == {people["carol"].pk: f"{year}-{training_class.pk}-001",
                       people["zhang"].pk: f"{year}-{training_class.pk}-E{people['zhang'].pk}"}


def test_the_timetable_and_inputs_of_a_closed_class_stay_as_closed(cast, actor):
    training_class, _, people = _class_with_roster(cast)
    services.class_close(actor=actor(cast.hannah), training_class=training_class)
    with pytest.raises(DomainError):
        services.exam_scores_save(actor=actor(cast.hannah), training_class=training_class,
                                  scores={people["li"].pk: "99"})
    assert AssessmentResult.objects.get(enrollment=people["li"]).exam_score == Decimal("41")


def test_closing_a_class_of_300_cadres_uses_a_bounded_number_of_queries(cast, actor, django_assert_max_num_queries):
    training_class, sessions = ran_class(cast, exam=False)
    persons = Person.objects.bulk_create([
        Person(name=f"学员{i}", id_number=f"x{i}", id_number_hash=f"h{i}", gender="M",
               birth_date=dt.date(1980, 1, 1), political_status="cpc", education="bachelor")
        for i in range(300)])
    cadres = Cadre.objects.bulk_create([Cadre(person=p, unit=cast.unit_a2, rank="section", category="party_gov")
                                        for p in persons])
    enrollments = Enrollment.objects.bulk_create([
        Enrollment(training_class=training_class, cadre=c, unit=cast.unit_a2, status="approved", seat_no=i + 1)
        for i, c in enumerate(cadres)])
    AttendanceRecord.objects.bulk_create([AttendanceRecord(session=s, enrollment=e, status="present", method="qr")
                                          for e in enrollments for s in sessions])
    Reflection.objects.bulk_create([Reflection(enrollment=e, text="心得", grade="pass") for e in enrollments])
    with django_assert_max_num_queries(60):
        outcome = services.class_close(actor=actor(cast.hannah), training_class=training_class)
    assert outcome.completed == 300 and CreditRecord.objects.count() == 300
    assert outcome.hours_posted == Decimal("7200")
