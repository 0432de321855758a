"""The course picker of the themed-class form: search, topic filter, pages, added courses marked."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from ganxun.learning.tests.helpers import make_course
from ganxun.onlineclasses import views
from ganxun.onlineclasses.models import ThemedClass
from ganxun.onlineclasses.tests.helpers import TODAY, a_class
from ganxun.topics.models import Topic

pytestmark = pytest.mark.django_db
SEARCH = "/manage/themed-classes/course-search/"


def titles(html: str) -> list[str]:
    """The course titles of a result page, in order."""
    return re.findall(r'data-result-course="\d+">\s*<div[^>]*><strong>([^<]+)</strong>', html)


def result_row(html: str, pk: int) -> str:
    """The HTML of one course's row in the results."""
    return html.split(f'data-result-course="{pk}"', 1)[1].split("data-result-course=", 1)[0]


def test_the_picker_finds_courses_by_words_and_by_part_of_the_title(cast, login):
    make_course(cast, title="乡村振兴战略与基层治理", series="乡村振兴")
    make_course(cast, title="数字经济与高质量发展", summary="讲解数字经济的发展趋势")
    make_course(cast, title="党史专题")
    client = login(cast.alice)
    assert titles(client.get(SEARCH, {"picker_q": "乡村"}).text) == ["乡村振兴战略与基层治理"]
    assert titles(client.get(SEARCH, {"picker_q": "发展趋势"}).text) == ["数字经济与高质量发展"]  # the summary's words
    assert titles(client.get(SEARCH, {"picker_q": "史专"}).text) == ["党史专题"]  # a part of the title as typed
    nothing = client.get(SEARCH, {"picker_q": "碳中和"}).text
    assert titles(nothing) == [] and "没有找到符合条件的已发布课程" in nothing


def test_the_topic_filter_takes_the_topics_subtree(cast, login):
    parent = Topic.objects.get(code="03.07")
    child = Topic.objects.create(code="03.07.01", name="碳达峰碳中和", parent=parent)
    make_course(cast, title="碳达峰行动", topics=[child])
    make_course(cast, title="生态文明概论", topics=[parent])
    make_course(cast, title="党史专题")
    client = login(cast.alice)
    assert titles(client.get(SEARCH, {"picker_topic": parent.pk}).text) == ["生态文明概论", "碳达峰行动"]
    assert titles(client.get(SEARCH, {"picker_topic": child.pk}).text) == ["碳达峰行动"]
    assert titles(client.get(SEARCH, {"picker_topic": child.pk, "picker_q": "党史"}).text) == []
    # a stale topic id does not lose the words
    assert titles(client.get(SEARCH, {"picker_topic": 999999, "picker_q": "党史"}).text) == ["党史专题"]


def test_courses_already_in_the_form_are_marked(cast, login):
    added, other = make_course(cast, title="党史专题"), make_course(cast, title="经济形势")
    html = login(cast.alice).get(SEARCH, {"chosen": [added.pk]}).text
    assert "已加入" in result_row(html, added.pk) and "data-add-course" not in result_row(html, added.pk)
    assert "已加入" not in result_row(html, other.pk) and f'data-add-course="{other.pk}"' in result_row(html, other.pk)


def test_the_edit_page_lists_the_class_courses_and_marks_them_in_the_results(cast, login):
    themed_class = a_class(cast)
    extra = make_course(cast, title="数字政府建设")
    page = login(cast.alice).get(f"/manage/themed-classes/{themed_class.pk}/edit/").text
    table = page[page.index('id="chosen-courses"'):page.index("</table>", page.index('id="chosen-courses"'))]
    assert "党史专题" in table and "经济形势" in table and "数字政府建设" not in table
    results = page[page.index('id="course-results"'):]
    assert results.count("已加入") == 2 and f'data-add-course="{extra.pk}"' in results
    assert 'id="course-row-template"' in page and "course-picker.js" in page


def test_the_results_come_in_pages(cast, login, monkeypatch):
    monkeypatch.setattr(views, "PICKER_PAGE_SIZE", 2)
    for title in ("甲课程", "乙课程", "丙课程"):
        make_course(cast, title=title, series="测试系列")
    client = login(cast.alice)
    first = client.get(SEARCH, {"picker_q": "课程"}).text
    assert len(titles(first)) == 2 and "第 1 / 2 页" in first and "下一页" in first
    assert "picker_q=%E8%AF%BE%E7%A8%8B" in first and "page=2" in first  # the next page keeps the words
    second = client.get(SEARCH, {"picker_q": "课程", "page": 2}).text
    assert len(titles(second)) == 1 and set(titles(first)) | set(titles(second)) == {"甲课程", "乙课程", "丙课程"}


def test_the_picker_offers_only_courses_within_reach(cast, login):
    make_course(cast, title="东城区课程")
    make_course(cast, title="西山县课程", owner=cast.org_dept_b, actor=cast.charlie)
    make_course(cast, title="东城区草稿", published=False)
    assert titles(login(cast.charlie).get(SEARCH).text) == ["西山县课程"]
    assert titles(login(cast.alice).get(SEARCH).text) == ["东城区课程"]
    assert login(cast.bob).get(SEARCH).status_code == 403  # a liaison views classes, does not edit them


def test_a_posted_course_out_of_reach_is_refused_and_nothing_is_saved(cast, login):
    mine = make_course(cast, title="东城区课程")
    foreign = make_course(cast, title="西山县课程", owner=cast.org_dept_b, actor=cast.charlie)
    response = login(cast.alice).post("/manage/themed-classes/new/", {
        "title": "越界班", "owner": cast.org_dept_a.pk, "start_date": TODAY.isoformat(),
        "deadline": (TODAY + dt.timedelta(days=9)).isoformat(), "required_hours": "0",
        "audience_root": cast.county_a.pk, f"course_{mine.pk}": "required", f"order_{mine.pk}": "1",
        f"course_{foreign.pk}": "elective", f"order_{foreign.pk}": "2"})
    assert response.status_code == 200 and f"编号 {foreign.pk}" in response.text
    assert not ThemedClass.objects.filter(title="越界班").exists()
    table = response.text[response.text.index('id="chosen-courses"'):]
    assert f'name="course_{mine.pk}"' in table[:table.index("</table>")]  # the posted row is kept


def test_saving_the_edit_form_takes_the_rows_of_the_table(cast, login):
    themed_class = a_class(cast)
    links = {link.course.title: link.course for link in themed_class.class_courses.select_related("course")}
    added = make_course(cast, title="数字政府建设")
    dropped, kept = links["经济形势"], links["党史专题"]
    response = login(cast.alice).post(f"/manage/themed-classes/{themed_class.pk}/edit/", {
        "title": themed_class.title, "owner": cast.org_dept_a.pk, "start_date": TODAY.isoformat(),
        "deadline": themed_class.deadline.isoformat(), "required_hours": "0", "audience_root": cast.county_a.pk,
        f"course_{kept.pk}": "required", f"order_{kept.pk}": "2", f"course_{dropped.pk}": "", f"order_{dropped.pk}": "",
        f"course_{added.pk}": "elective", f"order_{added.pk}": "1", "chosen": [kept.pk, dropped.pk, added.pk],
        "picker_q": "", "picker_topic": ""})
    assert response.status_code == 302
    assert [(link.course.title, link.is_required) for link in themed_class.class_courses.order_by("order")] == [
        ("数字政府建设", False), ("党史专题", True)]
