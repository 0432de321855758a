"""Guest rooms and assignments: gender, beds, overlapping classes, auto-assign, lodging need."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ganxun.access.roles import Role
from ganxun.audit.models import AuditEntry
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.logistics import lodging_services as lodging
from ganxun.logistics import rules
from ganxun.logistics.lodging_selectors import lodging_board, roommates_of
from ganxun.logistics.models import EnrollmentLogistics, LodgingAssignment, LodgingRoom, RoomGender
from ganxun.logistics.tests.factories import future_start, logistics_class, make_room
from ganxun.testing import Kind, make_account, make_cadre, make_enrollment, make_org

pytestmark = pytest.mark.django_db


def _assign(actor_account, enrollment, room):
    return lodging.lodging_assign(actor=actor_account, enrollment=enrollment, room=room)


@pytest.fixture
def ivan(cast, actor):
    return actor(cast.ivan)


# --- gender ----------------------------------------------------------------------------------

def test_a_fixed_gender_room_refuses_the_other_gender(cast, ivan):
    training_class = logistics_class(cast)
    women = make_room(cast.party_school, "201", gender=RoomGender.FEMALE)
    zhang = make_enrollment(training_class, cast.cadres_a[1])  # 张伟, male
    with pytest.raises(DomainError) as error:
        _assign(ivan, zhang, women)
    assert error.value.message == "房间“1号楼 201”为女生房间，不能安排男学员“张伟”。"
    assert error.value.field == "room_id"
    carol = make_enrollment(training_class, cast.carol_cadre)
    assert _assign(ivan, carol, women).room == women


def test_an_unrestricted_room_takes_the_gender_of_its_first_occupant(cast, ivan):
    training_class = logistics_class(cast)
    room = make_room(cast.party_school, "301", beds=3)
    carol = make_enrollment(training_class, cast.carol_cadre)
    zhang = make_enrollment(training_class, cast.cadres_a[1])
    _assign(ivan, carol, room)
    with pytest.raises(DomainError) as error:
        _assign(ivan, zhang, room)
    assert "已住有女学员" in error.value.message and "不能安排男学员“张伟”" in error.value.message
    # Once she leaves, the room is open to either gender again.
    lodging.lodging_unassign(actor=ivan, enrollment=carol)
    assert _assign(ivan, zhang, room).room == room


def test_an_unrestricted_room_holds_different_genders_in_classes_that_do_not_overlap(cast, ivan):
    room = make_room(cast.party_school, "302")
    spring = logistics_class(cast, start=future_start(30), days=3, title="春季班")
    summer = logistics_class(cast, start=future_start(40), days=3, title="夏季班")
    _assign(ivan, make_enrollment(spring, cast.carol_cadre), room)
    assert _assign(ivan, make_enrollment(summer, cast.cadres_a[1]), room).room == room


# --- beds and overlapping classes ------------------------------------------------------------

def test_a_room_takes_no_more_occupants_than_beds(cast, ivan):
    training_class = logistics_class(cast)
    room = make_room(cast.party_school, "102", beds=2, gender=RoomGender.MALE)
    first, second, third = (make_enrollment(training_class, make_cadre(name, cast.unit_a2))
                            for name in ("甲", "乙", "丙"))
    _assign(ivan, first, room)
    _assign(ivan, second, room)
    with pytest.raises(DomainError) as error:
        _assign(ivan, third, room)
    assert error.value.message == "房间“1号楼 102”已住满（2 张床位，此期间已住 2 人）。"
    assert LodgingAssignment.objects.filter(room=room).count() == 2


def test_a_bed_is_not_double_booked_across_overlapping_classes(cast, ivan):
    room = make_room(cast.party_school, "103", beds=1)
    first = logistics_class(cast, start=future_start(30), days=5, title="党性教育专题班")
    overlapping = logistics_class(cast, start=future_start(34), days=3, title="乡镇书记班")
    _assign(ivan, make_enrollment(first, cast.cadres_a[1]), room)
    with pytest.raises(DomainError) as error:
        _assign(ivan, make_enrollment(overlapping, cast.cadres_a[3]), room)
    assert "已住满" in error.value.message and "含班次“党性教育专题班”" in error.value.message


def test_the_day_after_a_class_ends_its_beds_are_free(cast, ivan):
    room = make_room(cast.party_school, "104", beds=1)
    first = logistics_class(cast, start=future_start(30), days=5, title="前一班")
    following = logistics_class(cast, start=future_start(35), days=2, title="后一班")
    _assign(ivan, make_enrollment(first, cast.cadres_a[1]), room)
    assert _assign(ivan, make_enrollment(following, cast.cadres_a[3]), room).room == room


def test_a_dropped_cadre_frees_the_bed(cast, ivan):
    training_class = logistics_class(cast)
    room = make_room(cast.party_school, "105", beds=1)
    zhang = make_enrollment(training_class, cast.cadres_a[1])
    _assign(ivan, zhang, room)
    zhang.status = "dropped"
    zhang.save(update_fields=["status"])
    wang = make_enrollment(training_class, cast.cadres_a[3])
    assert _assign(ivan, wang, room).room == room


def test_inactive_rooms_and_other_institutions_rooms_are_refused(cast, ivan):
    training_class = logistics_class(cast)
    zhang = make_enrollment(training_class, cast.cadres_a[1])
    closed = make_room(cast.party_school, "106", active=False)
    with pytest.raises(DomainError) as error:
        _assign(ivan, zhang, closed)
    assert "已停用" in error.value.message
    elsewhere = make_org("西山县委党校", Kind.INSTITUTION, cast.county_b)
    with pytest.raises(NotFound):
        _assign(ivan, zhang, make_room(elsewhere, "101"))


# --- assign, move, unassign ------------------------------------------------------------------

def test_assigning_the_same_room_twice_changes_nothing(cast, ivan):
    training_class = logistics_class(cast)
    room = make_room(cast.party_school)
    zhang = make_enrollment(training_class, cast.cadres_a[1])
    first = _assign(ivan, zhang, room)
    second = _assign(ivan, zhang, room)
    assert first.pk == second.pk and LodgingAssignment.objects.count() == 1
    assert AuditEntry.objects.filter(action="lodging.assign").count() == 1


def test_moving_a_cadre_keeps_one_assignment_and_audits_the_move(cast, ivan):
    training_class = logistics_class(cast)
    a, b = make_room(cast.party_school, "101"), make_room(cast.party_school, "102")
    zhang = make_enrollment(training_class, cast.cadres_a[1])
    _assign(ivan, zhang, a)
    _assign(ivan, zhang, b)
    assert LodgingAssignment.objects.get().room == b
    move = AuditEntry.objects.get(action="lodging.move")
    assert (move.detail["from_label"], move.detail["room_label"]) == ("1号楼 101", "1号楼 102")


def test_moving_within_a_full_room_of_one_bed_is_not_blocked_by_oneself(cast, ivan):
    training_class = logistics_class(cast)
    single = make_room(cast.party_school, "101", beds=1)
    zhang = make_enrollment(training_class, cast.cadres_a[1])
    _assign(ivan, zhang, single)
    assert _assign(ivan, zhang, single).room == single


def test_unassigning_twice_is_harmless(cast, ivan):
    training_class = logistics_class(cast)
    zhang = make_enrollment(training_class, cast.cadres_a[1])
    _assign(ivan, zhang, make_room(cast.party_school))
    assert lodging.lodging_unassign(actor=ivan, enrollment=zhang) is True
    assert lodging.lodging_unassign(actor=ivan, enrollment=zhang) is False
    assert AuditEntry.objects.filter(action="lodging.unassign").count() == 1


def test_a_class_without_lodging_or_a_cadre_who_needs_none_gets_no_room(cast, ivan):
    no_lodging = logistics_class(cast, lodging=False)
    room = make_room(cast.party_school)
    with pytest.raises(DomainError) as error:
        _assign(ivan, make_enrollment(no_lodging, cast.cadres_a[1]), room)
    assert "未统一安排住宿" in error.value.message
    training_class = logistics_class(cast, title="另一班")
    wang = make_enrollment(training_class, cast.cadres_a[3])
    lodging.lodging_set_need(actor=ivan, enrollment=wang, needed=False)
    with pytest.raises(DomainError) as error:
        _assign(ivan, wang, room)
    assert error.value.code == "no_lodging_needed"


def test_only_staff_of_the_class_assign_rooms(cast, actor):
    helen = make_account("helen", Role.HEAD_TEACHER, cast.party_school)
    training_class = logistics_class(cast)
    room = make_room(cast.party_school)
    carol = make_enrollment(training_class, cast.carol_cadre)
    with pytest.raises(Forbidden):
        _assign(actor(cast.carol), carol, room)
    with pytest.raises(NotFound):
        _assign(actor(helen), carol, room)
    assert _assign(actor(cast.hannah), carol, room).assigned_by == cast.hannah


# --- lodging need ----------------------------------------------------------------------------

def test_a_local_cadre_says_no_room_is_needed_and_loses_the_bed(cast, actor):
    training_class = logistics_class(cast)
    room = make_room(cast.party_school, gender=RoomGender.FEMALE)
    carol = make_enrollment(training_class, cast.carol_cadre)
    _assign(actor(cast.ivan), carol, room)
    record = lodging.lodging_set_need(actor=actor(cast.carol), enrollment=carol, needed=False)
    assert record.lodging_needed is False and not LodgingAssignment.objects.exists()
    unassign = AuditEntry.objects.get(action="lodging.unassign")
    assert unassign.detail["by"] == "self"
    # Twice: still one row, no new entries.
    lodging.lodging_set_need(actor=actor(cast.carol), enrollment=carol, needed=False)
    assert EnrollmentLogistics.objects.count() == 1
    assert AuditEntry.objects.filter(action="lodging.need").count() == 1


def test_the_cadre_cannot_change_the_lodging_need_after_the_cutoff_but_staff_can(cast, actor):
    training_class = logistics_class(cast)
    carol = make_enrollment(training_class, cast.carol_cadre)
    after = rules.cutoff_at(training_class.start_date, 1, dt.time(16, 0))
    with pytest.raises(DomainError) as error:
        lodging.lodging_set_need(actor=actor(cast.carol), enrollment=carol, needed=False, now=after)
    assert error.value.code == "cutoff_passed" and "住宿登记已于" in error.value.message
    lodging.lodging_set_need(actor=actor(cast.hannah), enrollment=carol, needed=False, now=after)
    assert EnrollmentLogistics.objects.get().lodging_needed is False


def test_a_cadre_cannot_change_another_cadres_lodging_need(cast, actor):
    training_class = logistics_class(cast)
    zhang = make_enrollment(training_class, cast.cadres_a[1])
    with pytest.raises(NotFound):
        lodging.lodging_set_need(actor=actor(cast.carol), enrollment=zhang, needed=False)


# --- auto-assign -----------------------------------------------------------------------------

def _cadres(cast, spec):
    """[(name, unit, gender)] → enrollments of the class, in that order."""
    return [make_cadre(name, unit, gender=gender) for name, unit, gender in spec]


def test_auto_assign_separates_genders_keeps_units_together_and_fills_rooms_in_order(cast, ivan):
    """Rooms of the gender first, then unrestricted ones, each in natural building/number order."""
    training_class = logistics_class(cast)
    for number in ("10", "9", "11", "12"):  # natural order: 9, 10, 11, 12
        make_room(cast.party_school, number, beds=2)
    women_room = make_room(cast.party_school, "1", building="2号楼", beds=2, gender=RoomGender.FEMALE)
    a1, a2 = cast.unit_a1, cast.unit_a2
    spec = [("甲", a2, "M"), ("乙", a1, "M"), ("丙", a2, "M"), ("丁", a1, "M"), ("戊", a1, "F"), ("己", a2, "F")]
    for cadre in _cadres(cast, spec):
        make_enrollment(training_class, cadre)
    result = lodging.lodging_auto_assign(actor=ivan, training_class=training_class)
    assert result.assigned == 6 and result.unplaced == []
    rooms = {a.enrollment.cadre.person.name: a.room.label
             for a in LodgingAssignment.objects.select_related("enrollment__cadre__person", "room")}
    # Men by unit (A1 before A2 in the tree): 乙丁 share room 9, 甲丙 share room 10.
    assert rooms["乙"] == rooms["丁"] == "1号楼 9"
    assert rooms["甲"] == rooms["丙"] == "1号楼 10"
    # Women fill the room reserved for women first, keeping unrestricted room 11 free for either.
    assert rooms["戊"] == rooms["己"] == "2号楼 1"
    assert women_room.assignments.count() == 2
    assert not LodgingAssignment.objects.filter(room__number="11").exists()


def test_auto_assign_respects_earlier_assignments_and_other_classes(cast, ivan):
    room_a = make_room(cast.party_school, "101", beds=2)
    room_b = make_room(cast.party_school, "102", beds=2)
    other = logistics_class(cast, title="同期另一班")
    _assign(ivan, make_enrollment(other, cast.cadres_b[0]), room_a)  # 赵敏, a woman, takes 101
    training_class = logistics_class(cast)
    men = [make_enrollment(training_class, c) for c in _cadres(cast, [("甲", cast.unit_a1, "M"),
                                                                     ("乙", cast.unit_a1, "M")])]
    lodging.lodging_auto_assign(actor=ivan, training_class=training_class)
    assert {LodgingAssignment.objects.get(enrollment=e).room for e in men} == {room_b}


def test_auto_assign_reports_who_has_no_bed_and_a_second_run_adds_nobody(cast, ivan):
    training_class = logistics_class(cast)
    make_room(cast.party_school, "101", beds=2, gender=RoomGender.MALE)
    for seat, cadre in enumerate(_cadres(cast, [("甲", cast.unit_a1, "M"), ("乙", cast.unit_a1, "M"),
                                               ("丙", cast.unit_a1, "M"), ("丁", cast.unit_a1, "F")]), 1):
        make_enrollment(training_class, cadre, seat_no=seat)
    result = lodging.lodging_auto_assign(actor=ivan, training_class=training_class)
    assert result.assigned == 2 and sorted(result.unplaced) == ["丁", "丙"]
    assert "还有 2 名学员没有可用床位（男 1 人，女 1 人）" in result.message
    again = lodging.lodging_auto_assign(actor=ivan, training_class=training_class)
    assert again.assigned == 0 and LodgingAssignment.objects.count() == 2


def test_auto_assign_skips_cadres_who_need_no_room_and_unapproved_ones(cast, ivan):
    training_class = logistics_class(cast)
    make_room(cast.party_school, "101", beds=4)
    local, guest = (make_enrollment(training_class, c) for c in _cadres(
        cast, [("本地", cast.unit_a1, "M"), ("外地", cast.unit_a1, "M")]))
    make_enrollment(training_class, make_cadre("待审", cast.unit_a1), status="nominated")
    lodging.lodging_set_need(actor=ivan, enrollment=local, needed=False)
    result = lodging.lodging_auto_assign(actor=ivan, training_class=training_class)
    assert result.assigned == 1
    assert list(LodgingAssignment.objects.values_list("enrollment", flat=True)) == [guest.pk]


def test_auto_assign_fills_a_sixty_cadre_class_in_a_few_queries(cast, ivan):
    training_class = logistics_class(cast, days=5)
    for number in range(1, 41):
        make_room(cast.party_school, f"{number:03d}", beds=2)
    units = [cast.unit_a1, cast.unit_a2, cast.unit_a1_sub]
    for i in range(60):
        make_enrollment(training_class, make_cadre(f"学员{i}", units[i % 3], gender="F" if i % 4 == 0 else "M"),
                        seat_no=i + 1)
    with CaptureQueriesContext(connection) as queries:
        result = lodging.lodging_auto_assign(actor=ivan, training_class=training_class)
    assert result.assigned == 60 and len(queries) <= 20
    board = lodging_board(ivan, training_class)
    assert board.problems == [] and board.assigned == 60
    assert all(len({r.gender for r in board.rows if r.room == use.room}) == 1 for use in board.by_room)


def test_auto_assign_refuses_a_class_without_lodging(cast, ivan):
    training_class = logistics_class(cast, lodging=False)
    with pytest.raises(DomainError):
        lodging.lodging_auto_assign(actor=ivan, training_class=training_class)


# --- roommates and the board -----------------------------------------------------------------

def test_roommates_are_the_other_occupants_over_the_same_dates(cast, ivan):
    training_class = logistics_class(cast)
    room = make_room(cast.party_school, beds=3, gender=RoomGender.FEMALE)
    carol = make_enrollment(training_class, cast.carol_cadre)
    li = make_enrollment(training_class, cast.cadres_a[2])
    other = logistics_class(cast, title="同期另一班")
    zhao = make_enrollment(other, cast.cadres_b[0])
    for enrollment in (carol, li, zhao):
        _assign(ivan, enrollment, room)
    mates = roommates_of(LodgingAssignment.objects.get(enrollment=carol))
    assert [(m.name, m.same_class) for m in mates] == [("李娜", True), ("赵敏", False)]


def test_the_board_flags_a_room_overfilled_after_a_class_moved(cast, ivan):
    room = make_room(cast.party_school, beds=1)
    first = logistics_class(cast, start=future_start(30), days=2, title="甲班")
    second = logistics_class(cast, start=future_start(40), days=2, title="乙班")
    _assign(ivan, make_enrollment(first, cast.cadres_a[1]), room)
    _assign(ivan, make_enrollment(second, cast.cadres_a[3]), room)
    second.start_date, second.end_date = first.start_date, first.end_date  # moved by the classes app
    second.save(update_fields=["start_date", "end_date"])
    board = lodging_board(ivan, second)
    assert board.problems == ["房间“1号楼 101”超员：1 张床位，本班期间最多住 2 人。"]


# --- rooms of the institution ----------------------------------------------------------------

def test_ivan_adds_a_room_and_a_duplicate_is_refused(cast, ivan):
    room = lodging.lodging_room_create(actor=ivan, institution=cast.party_school, building=" 1号楼 ", number="101",
                                       beds=2, gender=RoomGender.MALE)
    assert (room.building, room.label) == ("1号楼", "1号楼 101")
    with pytest.raises(DomainError) as error:
        lodging.lodging_room_create(actor=ivan, institution=cast.party_school, building="1号楼", number="101", beds=2)
    assert error.value.code == "duplicate" and error.value.field == "number"


@pytest.mark.parametrize(("changes", "field"), [
    ({"building": ""}, "building"), ({"number": ""}, "number"), ({"beds": 0}, "beds"), ({"beds": "x"}, "beds"),
    ({"gender": "X"}, "gender"),
])
def test_bad_room_input_names_the_field(cast, ivan, changes, field):
    data = {"building": "1号楼", "number": "101", "beds": 2, "gender": RoomGender.ANY}
    data.update(changes)
    with pytest.raises(DomainError) as error:
        lodging.lodging_room_create(actor=ivan, institution=cast.party_school, **data)
    assert error.value.field == field
    assert not LodgingRoom.objects.exists()


def test_a_run_of_rooms_is_added_at_once_or_not_at_all(cast, ivan):
    rooms = lodging.lodging_room_create_many(actor=ivan, institution=cast.party_school, building="2号楼",
                                             numbers="201-205, 210", beds=2, gender=RoomGender.FEMALE)
    assert [r.number for r in rooms] == ["201", "202", "203", "204", "205", "210"]
    with pytest.raises(DomainError) as error:
        lodging.lodging_room_create_many(actor=ivan, institution=cast.party_school, building="2号楼",
                                         numbers="209-211", beds=2)
    assert "已有这些房间：210" in error.value.message
    assert LodgingRoom.objects.count() == 6


def test_only_the_institution_admin_of_that_institution_manages_rooms(cast, actor):
    elsewhere = make_org("西山县委党校", Kind.INSTITUTION, cast.county_b)
    with pytest.raises(NotFound):
        lodging.lodging_room_create(actor=actor(cast.ivan), institution=elsewhere, building="1", number="1", beds=1)
    with pytest.raises(Forbidden):  # head teachers assign rooms but do not manage them
        lodging.lodging_room_create(actor=actor(cast.hannah), institution=cast.party_school, building="1",
                                    number="1", beds=1)


def test_a_room_cannot_shrink_below_or_change_gender_against_its_occupants(cast, ivan):
    training_class = logistics_class(cast)
    room = make_room(cast.party_school, beds=2)
    for cadre in cast.cadres_a[1], cast.cadres_a[3]:
        _assign(ivan, make_enrollment(training_class, cadre), room)
    with pytest.raises(DomainError) as error:
        lodging.lodging_room_update(actor=ivan, room=room, building="1号楼", number="101", beds=1, gender="any")
    assert error.value.field == "beds" and "不能少于 2" in error.value.message
    with pytest.raises(DomainError) as error:
        lodging.lodging_room_update(actor=ivan, room=room, building="1号楼", number="101", beds=2, gender="F")
    assert error.value.field == "gender"
    updated = lodging.lodging_room_update(actor=ivan, room=room, building="1号楼", number="101A", beds=3, gender="M")
    assert (updated.number, updated.beds, updated.gender) == ("101A", 3, "M")


def test_a_deactivated_room_keeps_its_occupants_and_takes_no_new_ones(cast, ivan):
    training_class = logistics_class(cast)
    room = make_room(cast.party_school, beds=2)
    zhang = make_enrollment(training_class, cast.cadres_a[1])
    _assign(ivan, zhang, room)
    lodging.lodging_room_set_active(actor=ivan, room=room, active=False)
    lodging.lodging_room_set_active(actor=ivan, room=room, active=False)
    assert LodgingAssignment.objects.get().room == room
    assert AuditEntry.objects.filter(action="lodging.room_deactivate").count() == 1
    with pytest.raises(DomainError):
        _assign(ivan, make_enrollment(training_class, cast.cadres_a[3]), room)
