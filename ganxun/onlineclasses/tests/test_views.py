"""Pages of themed classes: back office, completion and export, learner list, class page, home card."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from ganxun.learning.tests.helpers import make_course
from ganxun.onlineclasses import services
from ganxun.onlineclasses.models import ThemedClass, ThemedClassReminder
from ganxun.onlineclasses.tests.helpers import TODAY, a_class, complete

pytestmark = pytest.mark.django_db


def test_the_outsider_gets_404_for_every_page_of_the_class(cast, login):
    themed_class = a_class(cast, open_it=True)
    charlie = login(cast.charlie)
    for suffix in ("", "edit/", "completion/", "completion.xlsx"):
        assert charlie.get(f"/manage/themed-classes/{themed_class.pk}/{suffix}").status_code == 404, suffix
    assert charlie.post(f"/manage/themed-classes/{themed_class.pk}/close/").status_code == 404
    assert themed_class.title not in charlie.get("/manage/themed-classes/").content.decode()


def test_a_liaison_sees_their_units_in_the_completion_table_only(cast, login):
    themed_class = a_class(cast, open_it=True)
    page = login(cast.bob).get(f"/manage/themed-classes/{themed_class.pk}/completion/").content.decode()
    assert "东城区发展和改革局" in page and "东城区价格监测中心" in page and "东城区教育局" not in page


def test_a_liaison_does_not_see_drafts(cast, login):
    themed_class = a_class(cast)
    assert login(cast.bob).get(f"/manage/themed-classes/{themed_class.pk}/").status_code == 404


def test_the_org_department_creates_a_class_through_the_form(cast, login):
    required, elective = make_course(cast, title="必修甲"), make_course(cast, title="选修乙")
    response = login(cast.alice).post("/manage/themed-classes/new/", {
        "title": "新专题班", "owner": cast.org_dept_a.pk, "start_date": TODAY.isoformat(),
        "deadline": (TODAY + dt.timedelta(days=9)).isoformat(), "required_hours": "1",
        "audience_root": cast.county_a.pk, f"course_{elective.pk}": "elective", f"order_{elective.pk}": "1",
        f"course_{required.pk}": "required", f"order_{required.pk}": "2"})
    themed_class = ThemedClass.objects.get(title="新专题班")
    assert response.status_code == 302
    assert [(link.course.title, link.is_required) for link in themed_class.class_courses.all()] == [
        ("选修乙", False), ("必修甲", True)]


def test_the_form_shows_the_error_of_a_deadline_before_the_start(cast, login):
    response = login(cast.alice).post("/manage/themed-classes/new/", {
        "title": "错班", "owner": cast.org_dept_a.pk, "start_date": TODAY.isoformat(),
        "deadline": (TODAY - dt.timedelta(days=1)).isoformat(), "required_hours": "0",
        "audience_root": cast.county_a.pk})
    assert response.status_code == 200
    assert "截止日期不能早于开始日期" in response.content.decode()
    assert not ThemedClass.objects.filter(title="错班").exists()


def test_opening_without_courses_says_why(cast, login):
    themed_class = a_class(cast, courses=[])
    client = login(cast.alice)
    response = client.post(f"/manage/themed-classes/{themed_class.pk}/open/", follow=True)
    assert "还没有课程" in response.content.decode()
    themed_class.refresh_from_db()
    assert themed_class.is_draft


def test_the_export_has_a_sheet_per_unit_and_per_member(cast, login):
    themed_class = a_class(cast, open_it=True)
    complete(cast.carol_cadre, themed_class.class_courses.get(is_required=True).course)
    response = login(cast.alice).get(f"/manage/themed-classes/{themed_class.pk}/completion.xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    units = {row[0]: row[1:3] for row in workbook["按单位"].iter_rows(min_row=2, values_only=True)}
    assert units["东城区发展和改革局"] == (2, 1) and units["合计"] == (4, 1)
    people = {row[1]: row[7] for row in workbook["按学员"].iter_rows(min_row=2, values_only=True)}
    assert people["卡萝"] == "已完成" and people["王强"] == "未开始"


def test_the_learner_sees_progress_deadline_and_course_links(cast, login):
    themed_class = a_class(cast, open_it=True, days=5)
    link = themed_class.class_courses.get(is_required=True)
    complete(cast.carol_cadre, link.course)
    client = login(cast.carol)
    listing = client.get("/learn/themed-classes/").content.decode()
    assert themed_class.title in listing and "已完成" in listing  # every required course done, no hours asked
    page = client.get(f"/learn/themed-classes/{themed_class.pk}/").content.decode()
    assert f"/learn/courses/{link.course_id}/" in page and "已学完" in page and "必修 1/1 门" in page


def test_a_cadre_who_is_not_a_member_gets_404(cast, login):
    themed_class = a_class(cast, open_it=True, audience_root=cast.unit_a2)
    assert login(cast.carol).get(f"/learn/themed-classes/{themed_class.pk}/").status_code == 404


def test_the_home_card_shows_current_classes_and_unread_reminders_until_read(cast, login, settings):
    settings.GANXUN_THEMED_CLASS_REMINDER_DAYS = [7]
    themed_class = a_class(cast, open_it=True, days=3)
    services.reminders_send()
    client = login(cast.carol)
    home = client.get("/learn/").content.decode()
    assert 'id="themed-classes-card"' in home and themed_class.title in home and "data-reminder" in home
    assert "还剩 3 天" in home
    client.get(f"/learn/themed-classes/{themed_class.pk}/")
    assert ThemedClassReminder.objects.get().read_at is not None
    assert "data-reminder" not in client.get("/learn/").content.decode()
