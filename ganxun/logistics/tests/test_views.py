"""Pages of dining and lodging: who sees what, forms showing refusals, prints and exports."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ganxun.access.roles import Role
from ganxun.audit.models import AuditEntry
from ganxun.logistics import services
from ganxun.logistics.models import ClassLogistics, LodgingAssignment, LodgingRoom, MealChoice, RoomGender
from ganxun.logistics.tests.factories import logistics_class, make_room
from ganxun.testing import Kind, make_account, make_class, make_enrollment, make_org

pytestmark = pytest.mark.django_db

CLASS_PAGES = ("logistics:settings", "logistics:dining", "logistics:dining_print", "logistics:dining_export",
               "logistics:lodging", "logistics:lodging_print", "logistics:lodging_export")


def _urls(training_class):
    return [reverse(name, args=[training_class.pk]) for name in CLASS_PAGES]


# --- who sees what ---------------------------------------------------------------------------

def test_the_outsider_gets_404_on_every_class_page(cast, login):
    training_class = logistics_class(cast)
    enrollment = make_enrollment(training_class, cast.carol_cadre)
    client = login(cast.charlie)
    for url in _urls(training_class) + [reverse("logistics:diet_edit", args=[training_class.pk, enrollment.pk])]:
        assert client.get(url).status_code == 404, url
    for name in ("logistics:dining_set", "logistics:lodging_assign", "logistics:lodging_auto",
                 "logistics:lodging_need"):
        assert client.post(reverse(name, args=[training_class.pk]), {"enrollment": enrollment.pk}).status_code == 404


def test_hannah_sees_the_classes_she_heads_only(cast, login):
    helen = make_account("helen", Role.HEAD_TEACHER, cast.party_school)
    mine = logistics_class(cast)
    theirs = logistics_class(cast, head_teacher=None, title="别人的班")
    theirs.head_teacher = helen
    theirs.save(update_fields=["head_teacher"])
    client = login(cast.hannah)
    for url in _urls(mine):
        assert client.get(url).status_code == 200, url
    for url in _urls(theirs):
        assert client.get(url).status_code == 404, url


def test_readers_without_the_logistics_right_get_403(cast, login):
    training_class = logistics_class(cast)
    for account in (cast.alice, cast.leo):
        client = login(account)
        for url in _urls(training_class):
            assert client.get(url).status_code == 403, (account, url)


def test_carol_cannot_open_the_back_office_pages(cast, login):
    training_class = logistics_class(cast)
    assert login(cast.carol).get(reverse("logistics:dining", args=[training_class.pk])).status_code == 403


def test_the_class_page_links_to_dining_and_lodging_for_staff_only(cast, login):
    training_class = logistics_class(cast)
    page = login(cast.ivan).get(reverse("classes:detail", args=[training_class.pk])).content.decode()
    assert reverse("logistics:dining", args=[training_class.pk]) in page
    assert reverse("logistics:lodging", args=[training_class.pk]) in page
    page = login(cast.leo).get(reverse("classes:detail", args=[training_class.pk])).content.decode()
    assert reverse("logistics:dining", args=[training_class.pk]) not in page


# --- settings --------------------------------------------------------------------------------

def test_ivan_saves_the_settings_and_the_meal_grid(cast, login):
    training_class = make_class(cast.party_school, days=2, head_teacher=cast.hannah)
    first, last = training_class.start_date, training_class.end_date
    client = login(cast.ivan)
    page = client.get(reverse("logistics:settings", args=[training_class.pk])).content.decode()
    assert "尚未设置食宿" in page and f'name="meal-{first:%Y-%m-%d}-lunch"' in page
    response = client.post(reverse("logistics:settings", args=[training_class.pk]), {
        "provides_dining": "on", "cutoff_days_before": "1", "cutoff_time": "15:30",
        f"meal-{first:%Y-%m-%d}-lunch": "1", f"meal-{last:%Y-%m-%d}-breakfast": "1",
        f"meal-{last:%Y-%m-%d}-lunch": "1", f"meal-{last:%Y-%m-%d}-dinner": "1",
    })
    assert response.status_code == 302
    saved = ClassLogistics.objects.get()
    assert saved.provides_dining and not saved.provides_lodging and saved.cutoff_time == dt.time(15, 30)
    assert saved.meal_plan == {first.isoformat(): ["lunch"], last.isoformat(): ["breakfast", "lunch", "dinner"]}


def test_the_settings_form_shows_a_refusal_on_its_field(cast, login):
    training_class = logistics_class(cast)
    room = make_room(cast.party_school)
    LodgingAssignment.objects.create(enrollment=make_enrollment(training_class, cast.cadres_a[1]), room=room)
    response = login(cast.ivan).post(reverse("logistics:settings", args=[training_class.pk]), {
        "provides_dining": "on", "cutoff_days_before": "1", "cutoff_time": "16:00"})
    assert response.status_code == 400
    assert "已有 1 名学员安排了住宿" in response.content.decode()
    assert ClassLogistics.objects.get().provides_lodging is True


# --- dining ----------------------------------------------------------------------------------

def test_the_dining_page_shows_counts_and_the_grid(cast, login, actor):
    training_class = logistics_class(cast, days=2)
    carol = make_enrollment(training_class, cast.carol_cadre, seat_no=1)
    make_enrollment(training_class, cast.cadres_a[1], seat_no=2)
    services.dietary_update(actor=actor(cast.carol), enrollment=carol, halal=True, vegetarian=False,
                            diet_note="不吃辣")
    page = login(cast.hannah).get(reverse("logistics:dining", args=[training_class.pk])).content.decode()
    assert f'data-count="{training_class.start_date:%Y-%m-%d}-lunch">2<' in page
    assert "清真 1" in page and "不吃辣" in page
    assert f'value="{carol.pk}|{training_class.start_date:%Y-%m-%d}|lunch|0"' in page


def test_a_grid_button_toggles_with_htmx_and_a_double_submit_leaves_one_row(cast, login):
    training_class = logistics_class(cast)
    carol = make_enrollment(training_class, cast.carol_cadre)
    cell = f"{carol.pk}|{training_class.start_date:%Y-%m-%d}|dinner|0"
    client = login(cast.hannah)
    url = reverse("logistics:dining_set", args=[training_class.pk])
    for _ in range(2):
        response = client.post(url, {"cell": cell}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
    assert f'data-count="{training_class.start_date:%Y-%m-%d}-dinner">0<' in response.content.decode()
    assert MealChoice.objects.get().registered is False


def test_a_refused_toggle_says_why(cast, login):
    training_class = logistics_class(cast)
    carol = make_enrollment(training_class, cast.carol_cadre)
    response = login(cast.ivan).post(reverse("logistics:dining_set", args=[training_class.pk]),
                                     {"cell": f"{carol.pk}|{training_class.start_date:%Y-%m-%d}|breakfast|0"},
                                     HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "不供应早餐" in response.content.decode()


def test_staff_toggle_of_a_cadre_from_another_class_is_404(cast, login):
    training_class = logistics_class(cast)
    other = logistics_class(cast, title="另一班")
    stranger = make_enrollment(other, cast.cadres_a[1])
    response = login(cast.ivan).post(reverse("logistics:dining_set", args=[training_class.pk]),
                                     {"cell": f"{stranger.pk}|{training_class.start_date:%Y-%m-%d}|lunch|0"})
    assert response.status_code == 404 and not MealChoice.objects.exists()


def test_staff_edit_a_dietary_note(cast, login):
    training_class = logistics_class(cast)
    carol = make_enrollment(training_class, cast.carol_cadre)
    url = reverse("logistics:diet_edit", args=[training_class.pk, carol.pk])
    response = login(cast.hannah).post(url, {"vegetarian": "on", "diet_note": "海鲜过敏"})
    assert response.status_code == 302
    assert carol.logistics.diet_display == "素食；海鲜过敏"


def test_the_printable_canteen_sheet_and_its_pdf(cast, login, actor):
    training_class = logistics_class(cast, days=2)
    carol = make_enrollment(training_class, cast.carol_cadre)
    services.dietary_update(actor=actor(cast.carol), enrollment=carol, halal=False, vegetarian=True)
    client = login(cast.ivan)
    body = client.get(reverse("logistics:dining_print", args=[training_class.pk])).content.decode()
    assert "就餐统计" in body and "素食" in body and "卡萝" in body and "navbar" not in body
    assert "@page" in body
    response = client.get(reverse("logistics:dining_print", args=[training_class.pk]) + "?format=pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_dining_export_has_counts_and_names_but_no_id_numbers(cast, login, actor):
    training_class = logistics_class(cast, days=2)
    carol = make_enrollment(training_class, cast.carol_cadre, seat_no=7)
    services.dining_set(actor=actor(cast.carol), enrollment=carol, date=training_class.end_date, meal="lunch",
                        registered=False)
    response = login(cast.ivan).get(reverse("logistics:dining_export", args=[training_class.pk]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    counts = [list(row) for row in workbook["就餐统计"].iter_rows(min_row=3, values_only=True)]
    assert counts[0][:4] == [training_class.start_date.isoformat(), "午餐", 1, 0]
    assert counts[-2][:4] == [training_class.end_date.isoformat(), "午餐", 0, 1]
    roster = [list(row) for row in workbook["就餐名单"].iter_rows(min_row=2, values_only=True)]
    assert roster[0][:5] == ["学号", "姓名", "性别", "单位", "饮食要求"]
    assert roster[1][:4] == [7, "卡萝", "女", "东城区发展和改革局"]
    everything = " ".join(str(v) for sheet in workbook for row in sheet.iter_rows(values_only=True) for v in row)
    person = cast.carol_cadre.person
    assert person.id_number not in everything and person.id_number[-4:] not in everything
    assert person.phone not in everything
    assert AuditEntry.objects.filter(action="export.dining").count() == 1


# --- lodging ---------------------------------------------------------------------------------

def test_the_lodging_page_assigns_moves_and_unassigns(cast, login):
    training_class = logistics_class(cast)
    a, b = make_room(cast.party_school, "101"), make_room(cast.party_school, "102")
    zhang = make_enrollment(training_class, cast.cadres_a[1])
    client = login(cast.hannah)
    url = reverse("logistics:lodging_assign", args=[training_class.pk])
    client.post(url, {"enrollment": zhang.pk, "room": a.pk})
    client.post(url, {"enrollment": zhang.pk, "room": a.pk})
    assert LodgingAssignment.objects.get().room == a
    client.post(url, {"enrollment": zhang.pk, "room": b.pk})
    assert LodgingAssignment.objects.get().room == b
    page = client.get(reverse("logistics:lodging", args=[training_class.pk])).content.decode()
    assert "已安排“张伟”入住 1号楼 102。" in page
    client.post(url, {"enrollment": zhang.pk, "room": ""})
    assert not LodgingAssignment.objects.exists()


def test_a_refused_assignment_is_shown_with_its_reason(cast, login):
    training_class = logistics_class(cast)
    women = make_room(cast.party_school, "201", gender=RoomGender.FEMALE)
    zhang = make_enrollment(training_class, cast.cadres_a[1])
    client = login(cast.ivan)
    response = client.post(reverse("logistics:lodging_assign", args=[training_class.pk]),
                           {"enrollment": zhang.pk, "room": women.pk}, follow=True)
    assert "为女生房间，不能安排男学员“张伟”" in response.content.decode()
    assert not LodgingAssignment.objects.exists()


def test_a_room_of_another_institution_cannot_be_picked(cast, login):
    training_class = logistics_class(cast)
    elsewhere = make_room(make_org("西山县委党校", Kind.INSTITUTION, cast.county_b))
    zhang = make_enrollment(training_class, cast.cadres_a[1])
    response = login(cast.ivan).post(reverse("logistics:lodging_assign", args=[training_class.pk]),
                                     {"enrollment": zhang.pk, "room": elsewhere.pk}, follow=True)
    assert "不属于本班次的培训机构" in response.content.decode()
    assert not LodgingAssignment.objects.exists()


def test_auto_assign_from_the_page_and_the_printable_lists(cast, login):
    training_class = logistics_class(cast)
    make_room(cast.party_school, "101", beds=2, gender=RoomGender.MALE)
    make_room(cast.party_school, "102", beds=2, gender=RoomGender.FEMALE)
    for seat, cadre in enumerate(cast.cadres_a, 1):
        make_enrollment(training_class, cadre, seat_no=seat)
    client = login(cast.ivan)
    page = client.get(reverse("logistics:lodging", args=[training_class.pk])).content.decode()
    assert "自动分配（4 人）" in page
    response = client.post(reverse("logistics:lodging_auto", args=[training_class.pk]), follow=True)
    assert "已自动安排 4 名学员。" in response.content.decode()
    body = client.get(reverse("logistics:lodging_print", args=[training_class.pk])).content.decode()
    by_room = body[body.index('id="print-by-room"'):body.index('id="print-by-cadre"')]
    assert "张伟、王强" in by_room and "卡萝、李娜" in by_room
    pdf = client.get(reverse("logistics:lodging_print", args=[training_class.pk]) + "?format=pdf")
    assert pdf.content.startswith(b"%PDF")


def test_the_lodging_export_lists_rooms_and_cadres_without_id_numbers(cast, login, actor):
    from ganxun.logistics import lodging_services

    training_class = logistics_class(cast)
    room = make_room(cast.party_school, "101", beds=2, gender=RoomGender.FEMALE)
    carol = make_enrollment(training_class, cast.carol_cadre, seat_no=1)
    li = make_enrollment(training_class, cast.cadres_a[2], seat_no=2)
    wang = make_enrollment(training_class, cast.cadres_a[3], seat_no=3)
    for enrollment in (carol, li):
        lodging_services.lodging_assign(actor=actor(cast.ivan), enrollment=enrollment, room=room)
    lodging_services.lodging_set_need(actor=actor(cast.ivan), enrollment=wang, needed=False)
    response = login(cast.ivan).get(reverse("logistics:lodging_export", args=[training_class.pk]))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rooms = list(workbook["按房间"].iter_rows(min_row=3, values_only=True))
    assert rooms == [("1号楼", "101", 2, "女（固定）", 2, "卡萝、李娜", None)]
    cadres = list(workbook["按学员"].iter_rows(min_row=3, values_only=True))
    assert cadres[0] == (1, "卡萝", "女", "东城区发展和改革局", "已安排", "1号楼", "101", "李娜")
    assert cadres[2][4] == "无需住宿"
    text = " ".join(str(v) for s in workbook for row in s.iter_rows(values_only=True) for v in row)
    assert cast.carol_cadre.person.id_number not in text


def test_staff_mark_a_cadre_as_not_needing_a_room(cast, login):
    training_class = logistics_class(cast)
    wang = make_enrollment(training_class, cast.cadres_a[3])
    login(cast.hannah).post(reverse("logistics:lodging_need", args=[training_class.pk]),
                            {"enrollment": wang.pk, "needed": "0"})
    assert wang.logistics.lodging_needed is False


# --- guest rooms -----------------------------------------------------------------------------

def test_ivan_adds_rooms_one_by_one_and_in_a_run(cast, login):
    client = login(cast.ivan)
    response = client.post(reverse("logistics:rooms"), {
        "form": "single", "institution": cast.party_school.pk, "building": "1号楼", "number": "101", "beds": "2",
        "gender": "M"})
    assert response.status_code == 302
    response = client.post(reverse("logistics:rooms"), {
        "form": "batch", "batch-institution": cast.party_school.pk, "batch-building": "2号楼",
        "batch-numbers": "201-203", "batch-beds": "2", "batch-gender": "any"})
    assert response.status_code == 302
    assert sorted(LodgingRoom.objects.values_list("number", flat=True)) == ["101", "201", "202", "203"]
    page = client.get(reverse("logistics:rooms")).content.decode()
    assert 'value="203"' in page


def test_the_rooms_form_shows_a_bad_range(cast, login):
    response = login(cast.ivan).post(reverse("logistics:rooms"), {
        "form": "batch", "batch-institution": cast.party_school.pk, "batch-building": "2号楼",
        "batch-numbers": "210-201", "batch-beds": "2", "batch-gender": "any"})
    assert response.status_code == 400 and "结束号小于起始号" in response.content.decode()
    assert not LodgingRoom.objects.exists()


def test_ivan_edits_and_deactivates_a_room(cast, login):
    room = make_room(cast.party_school)
    client = login(cast.ivan)
    client.post(reverse("logistics:room_edit", args=[room.pk]),
                {"building": "1号楼", "number": "101", "beds": "3", "gender": "F", "note": "朝南"})
    client.post(reverse("logistics:room_edit", args=[room.pk]), {"active": "0"})
    room.refresh_from_db()
    assert (room.beds, room.gender, room.note, room.is_active) == (3, "F", "朝南", False)


def test_rooms_of_another_institution_are_404_and_others_lack_the_right(cast, login):
    other_school = make_org("西山县委党校", Kind.INSTITUTION, cast.county_b)
    other_admin = make_account("olga", Role.INSTITUTION_ADMIN, other_school)
    room = make_room(cast.party_school)
    assert login(other_admin).post(reverse("logistics:room_edit", args=[room.pk]),
                                   {"active": "0"}).status_code == 404
    assert "尚未登记住宿房间" in login(other_admin).get(reverse("logistics:rooms")).content.decode()
    for account in (cast.charlie, cast.hannah, cast.carol):
        assert login(account).get(reverse("logistics:rooms")).status_code == 403
    room.refresh_from_db()
    assert room.is_active
