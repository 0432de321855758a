"""The conversion-rule pages (/manage/conversion-rules/): permission, form errors, create/edit/delete."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ganxun.audit.models import AuditEntry
from ganxun.learning.conversion import conversion_rule_create
from ganxun.learning.models import ConversionRule
from ganxun.testing import with_role

URL = "/manage/conversion-rules/"


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def form_data(**changes) -> dict:
    data = {"platform": "ganxun", "effective_from": days(10).isoformat(), "effective_to": "", "long_minutes": "30",
            "long_hours": "1", "medium_minutes": "15", "medium_hours": "0.5", "short_hours": "0.25",
            "test_bonus_hours": "0.5", "note": ""}
    return {**data, **changes}


def default_rule() -> ConversionRule:
    return ConversionRule.objects.get(platform="ganxun", effective_from=dt.date(2000, 1, 1))


def a_future_rule(cast, **values) -> ConversionRule:
    return conversion_rule_create(actor=with_role(cast.alice), effective_from=days(10), **values)


@pytest.mark.parametrize("account", ["ivan", "carol", "leo"])
def test_a_role_without_the_permission_gets_403_on_every_page(cast, login, account):
    rule = a_future_rule(cast)
    client = login(getattr(cast, account))
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}new/").status_code == 403
    assert client.post(f"{URL}new/", form_data(effective_from=days(20).isoformat())).status_code == 403
    assert client.get(f"{URL}{rule.pk}/edit/").status_code == 403
    assert client.post(f"{URL}{rule.pk}/delete/").status_code == 403
    assert client.post(f"{URL}preview/", form_data()).status_code == 403
    assert ConversionRule.objects.count() == 2


def test_a_missing_rule_is_404(cast, login):
    assert login(cast.alice).get(f"{URL}999999/edit/").status_code == 404


def test_the_list_marks_the_current_rule_and_says_rules_in_force_are_read_only(cast, login):
    future = a_future_rule(cast, long_hours=Decimal(2), note="新办法")
    page = login(cast.alice).get(URL).text
    assert "当前生效" in page and "未生效" in page and "已生效和已失效的规则只读" in page
    current_row = page[page.index(f'id="rule-{default_rule().pk}"'):]
    current_row = current_row[:current_row.index("</tr>")]
    assert "只读" in current_row and "/edit/" not in current_row
    assert "10 分钟 0.25 · 20 分钟 0.5 · 45 分钟 1" in current_row
    future_row = page[page.index(f'id="rule-{future.pk}"'):]
    future_row = future_row[:future_row.index("</tr>")]
    assert f"{URL}{future.pk}/edit/" in future_row and "45 分钟 2" in future_row and "新办法" in future_row


def test_the_course_list_and_the_navigation_link_to_the_rules(cast, login):
    assert f'href="{URL}"' in login(cast.alice).get("/manage/courses/").text
    assert f'href="{URL}"' not in login(cast.ivan).get("/manage/courses/").text


def test_an_admin_creates_edits_and_deletes_a_future_rule(cast, login):
    client = login(cast.alice)
    form = client.get(f"{URL}new/")
    assert form.status_code == 200 and days(1).isoformat() in form.text  # starts tomorrow by default
    assert "45 分钟课程 <strong>1</strong> 学时" in form.text
    response = client.post(f"{URL}new/", form_data(long_hours="1.5", note="2027 年办法"))
    assert response.status_code == 302
    rule = ConversionRule.objects.get(effective_from=days(10))
    assert rule.long_hours == Decimal("1.5") and default_rule().effective_to == days(9)

    edit = client.get(f"{URL}{rule.pk}/edit/")
    assert edit.status_code == 200 and "45 分钟课程 <strong>1.5</strong> 学时" in edit.text
    response = client.post(f"{URL}{rule.pk}/edit/", form_data(effective_from=days(12).isoformat(),
                                                                long_hours="1.75", note="2027 年办法"))
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.effective_from, rule.long_hours) == (days(12), Decimal("1.75"))
    assert default_rule().effective_to == days(11)

    assert client.post(f"{URL}{rule.pk}/delete/").status_code == 302
    assert not ConversionRule.objects.filter(pk=rule.pk).exists() and default_rule().effective_to is None
    again = client.post(f"{URL}{rule.pk}/delete/", follow=True)  # a retried delete
    assert "该折算规则已不存在" in again.text
    assert list(AuditEntry.objects.filter(action__startswith="learning.conversion_rule").order_by("id")
                .values_list("action", flat=True)) == [
        "learning.conversion_rule_create", "learning.conversion_rule_update", "learning.conversion_rule_delete"]


@pytest.mark.parametrize("changes,message", [
    ({"long_hours": "0.3"}, "长课程学时须为 0.25 学时的整数倍"),
    ({"medium_minutes": "40"}, "中等课程下限应小于长课程下限"),
    ({"short_hours": "0.75"}, "短课程学时不能多于中等课程学时"),
    ({"effective_from": "2020-01-01"}, "生效日期须晚于今天"),
    ({"effective_to": "2020-01-01"}, "失效日期不能早于生效日期"),
    ({"long_minutes": "abc"}, "输入整数"),
    ({"long_hours": ""}, "这个字段是必填项"),
])
def test_bad_input_is_shown_on_its_field_and_writes_nothing(cast, login, changes, message):
    response = login(cast.alice).post(f"{URL}new/", form_data(**changes))
    assert response.status_code == 400
    field = next(iter(changes))
    widget = response.text[response.text.index(f'name="{field}"') - 200:response.text.index(f'name="{field}"') + 300]
    assert "is-invalid" in widget and message in response.text
    assert ConversionRule.objects.count() == 1 and default_rule().effective_to is None
    assert not AuditEntry.objects.filter(action__startswith="learning.conversion_rule").exists()


def test_an_overlap_is_refused_on_the_form(cast, login):
    a_future_rule(cast, effective_to=days(30))
    response = login(cast.alice).post(f"{URL}new/", form_data(effective_from=days(20).isoformat()))
    assert response.status_code == 400 and "时间重叠" in response.text
    assert ConversionRule.objects.count() == 2


def test_a_rule_in_force_cannot_be_edited_or_deleted_through_the_pages(cast, login):
    client = login(cast.alice)
    rule = default_rule()
    refused = client.get(f"{URL}{rule.pk}/edit/", follow=True)
    assert refused.redirect_chain[-1][0] == URL and "只读" in refused.text
    posted = client.post(f"{URL}{rule.pk}/edit/", form_data(effective_from=days(5).isoformat()))
    assert posted.status_code == 302
    deleted = client.post(f"{URL}{rule.pk}/delete/", follow=True)
    assert "未能删除" in deleted.text
    rule.refresh_from_db()
    assert rule.effective_from == dt.date(2000, 1, 1) and rule.long_hours == Decimal(1)
    assert not AuditEntry.objects.filter(action__startswith="learning.conversion_rule").exists()


def test_the_preview_follows_the_values_typed(cast, login):
    client = login(cast.alice)
    line = client.post(f"{URL}preview/", form_data(long_minutes="45", long_hours="2", medium_minutes="20",
                                                   medium_hours="1", short_hours="0.5", test_bonus_hours="0")).text
    assert "10 分钟课程 <strong>0.5</strong> 学时" in line and "20 分钟课程 <strong>1</strong> 学时" in line
    assert "45 分钟课程 <strong>2</strong> 学时" in line and "另加" not in line
    assert "填好分钟数和学时后显示示例" in client.post(f"{URL}preview/", form_data(long_hours="")).text


def test_only_the_highest_org_department_changes_the_rules(cast, login):
    """Rules hold for the whole platform: once the city's org department is on the platform, the
    counties' read them and the city's changes them."""
    from ganxun.access.roles import Role
    from ganxun.core.errors import Forbidden
    from ganxun.learning import conversion
    from ganxun.testing import make_account

    future = a_future_rule(cast)
    city_admin = make_account("cindy", Role.ORG_DEPT_ADMIN, cast.city, full_name="城市")
    assert not conversion.may_make_rules(with_role(cast.alice))
    assert conversion.may_make_rules(with_role(city_admin))

    county = login(cast.alice)
    page = county.get(URL)
    assert page.status_code == 200 and 'id="rules-set-above"' in page.text
    assert f"{URL}new/" not in page.text and f"{URL}{future.pk}/edit/" not in page.text
    assert county.get(f"{URL}new/").status_code == 403
    assert county.post(f"{URL}new/", form_data(effective_from=days(20).isoformat())).status_code == 403
    assert county.get(f"{URL}{future.pk}/edit/").status_code == 403
    assert county.post(f"{URL}{future.pk}/delete/").status_code == 403
    with pytest.raises(Forbidden):
        conversion_rule_create(actor=with_role(cast.alice), effective_from=days(30))
    assert ConversionRule.objects.count() == 2

    city = login(city_admin)
    assert 'id="rules-set-above"' not in city.get(URL).text
    assert city.post(f"{URL}new/", form_data(effective_from=days(20).isoformat())).status_code == 302
    assert ConversionRule.objects.count() == 3
