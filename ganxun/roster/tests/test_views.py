"""Pages of calls, nominations, review and the roster: who sees what, forms showing refusals."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ganxun.audit.models import AuditEntry
from ganxun.classes.models import ClassStatus
from ganxun.roster.models import CallMode, CallStatus, Enrollment, TrainingCall, UnitQuota
from ganxun.roster.tests.factories import county_class, issued_quota, make_call, make_quota, today
from ganxun.testing import make_account, make_cadre, make_enrollment

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _call_post(**changes) -> dict:
    data = {"mode": "quota", "document_no": "东组通〔2026〕9号",
            "nomination_deadline": (today() + 3 * DAY).isoformat(), "contact": "王老师 0571-88001234",
            "requirements": "请按时报到。", "target_ranks": ["section", "county"], "repeat_years": "3",
            "professional_classes": "3", "untrained_years": "3"}
    data.update(changes)
    return data


# --- the org department's call ---------------------------------------------------------------

def test_alice_creates_fills_and_issues_a_call_through_the_pages(cast, login):
    client = login(cast.alice)
    training_class = county_class(cast, status=ClassStatus.DRAFT, capacity=10)
    page = client.get(reverse("roster:call", args=[training_class.pk])).content.decode()
    assert "发起调训" in page
    response = client.post(reverse("roster:call_create", args=[training_class.pk]), _call_post())
    assert response.status_code == 302
    call = TrainingCall.objects.get()
    assert call.target_ranks == ["section", "county"]
    # A double-submitted create form lands on the same call.
    again = client.post(reverse("roster:call_create", args=[training_class.pk]), _call_post())
    assert again.status_code == 302 and TrainingCall.objects.count() == 1
    client.post(reverse("roster:quota_save", args=[call.pk]),
                {"quota-unit": cast.unit_a1.pk, "quota-seats": "3", "quota-note": "科级干部"})
    client.post(reverse("roster:quota_save", args=[call.pk]), {"quota-unit": cast.unit_a2.pk, "quota-seats": "2"})
    detail = client.get(reverse("roster:call", args=[training_class.pk])).content.decode()
    assert "东城区发展和改革局" in detail and "科级干部" in detail and "合计 5 个" in detail
    client.post(reverse("roster:call_issue", args=[call.pk]))
    call.refresh_from_db()
    training_class.refresh_from_db()
    assert call.status == CallStatus.ISSUED and training_class.status == ClassStatus.NOTICE_ISSUED


def test_the_call_form_shows_a_deadline_after_the_start(cast, login):
    training_class = county_class(cast, status=ClassStatus.DRAFT)
    response = login(cast.alice).post(reverse("roster:call_create", args=[training_class.pk]),
                                      _call_post(nomination_deadline=training_class.start_date.isoformat()))
    assert response.status_code == 400
    assert "报名截止日期应早于开班日期" in response.content.decode()
    assert not TrainingCall.objects.exists()


def test_a_quota_over_capacity_is_refused_with_a_message(cast, login):
    call = make_call(county_class(cast, status=ClassStatus.DRAFT, capacity=2), status=CallStatus.DRAFT)
    response = login(cast.alice).post(reverse("roster:quota_save", args=[call.pk]),
                                      {"quota-unit": cast.unit_a1.pk, "quota-seats": "3"}, follow=True)
    assert "名额合计 3 个，超过班次计划人数 2 人。" in response.content.decode()
    assert not UnitQuota.objects.exists()


def test_an_issued_quota_adjustment_needs_a_reason_and_is_listed(cast, login):
    quota = issued_quota(cast, seats=2)
    client = login(cast.alice)
    url = reverse("roster:quota_save", args=[quota.call_id])
    body = client.post(url, {"quota-unit": cast.unit_a1.pk, "quota-seats": "4"}, follow=True).content.decode()
    assert "调整已下发的名额须填写调整理由" in body
    body = client.post(url, {"quota-unit": cast.unit_a1.pk, "quota-seats": "4", "quota-reason": "扩大范围"},
                       follow=True).content.decode()
    assert "名额调整记录" in body and "扩大范围" in body and "2 → 4" in body


def test_the_named_picker_filters_by_name_and_adds_cadres(cast, login):
    call = make_call(county_class(cast, status=ClassStatus.DRAFT), mode=CallMode.NAMED, status=CallStatus.DRAFT)
    client = login(cast.alice)
    url = reverse("roster:named", args=[call.pk])
    page = client.get(url, {"q": "王"}).content.decode()
    assert "王强" in page and "张伟" not in page and "赵敏" not in page
    partial = client.get(url, {"q": "张"}, headers={"HX-Request": "true"}).content.decode()
    assert partial.startswith('<div id="candidates">') and "张伟" in partial
    client.post(url, {"cadre": cast.cadres_a[1].pk})
    response = client.post(url, {"cadre": cast.cadres_b[0].pk}, follow=True)  # another county's cadre
    assert "未找到该干部" in response.content.decode()
    assert list(call.named.values_list("cadre__person__name", flat=True)) == ["张伟"]


# --- liaisons ------------------------------------------------------------------------------

def test_bob_sees_his_quotas_and_nominates_from_his_unit(cast, login):
    quota = issued_quota(cast, seats=2)
    make_quota(quota.call, cast.unit_a2, 3)
    client = login(cast.bob)
    listing = client.get(reverse("roster:quota_list")).content.decode()
    assert quota.call.training_class.title in listing and "东城区教育局" not in listing
    page = client.get(reverse("roster:nominate", args=[quota.pk])).content.decode()
    assert "卡萝" in page and "张伟" in page and "李娜" in page and "王强" not in page
    response = client.post(reverse("roster:nominate", args=[quota.pk]), {"cadre": cast.cadres_a[1].pk}, follow=True)
    assert "已报名“张伟”" in response.content.decode()
    again = client.post(reverse("roster:nominate", args=[quota.pk]), {"cadre": cast.cadres_a[1].pk}, follow=True)
    assert "无需重复提交" in again.content.decode()
    assert Enrollment.objects.count() == 1


@pytest.mark.parametrize("who", ["other_unit", "other_county", "missing"])
def test_editing_the_cadre_id_in_the_page_finds_nobody(cast, login, who):
    quota = issued_quota(cast)
    cadre_id = {"other_unit": cast.cadres_a[3].pk, "other_county": cast.cadres_b[0].pk, "missing": 999999}[who]
    response = login(cast.bob).post(reverse("roster:nominate", args=[quota.pk]), {"cadre": cadre_id}, follow=True)
    assert "未找到该干部" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_the_nomination_page_shows_a_hard_block(cast, login):
    quota = issued_quota(cast, seats=1)
    make_enrollment(quota.call.training_class, cast.cadres_a[1], status="nominated", quota=quota)
    response = login(cast.bob).post(reverse("roster:nominate", args=[quota.pk]), {"cadre": cast.cadres_a[2].pk},
                                    follow=True)
    assert "东城区发展和改革局的名额已用完（共 1 个）。" in response.content.decode()


def test_the_picker_works_through_hundreds_of_cadres(cast, login):
    quota = issued_quota(cast)
    for n in range(45):
        make_cadre(f"测试干部{n:03d}", cast.unit_a1)
    client = login(cast.bob)
    first = client.get(reverse("roster:nominate", args=[quota.pk])).content.decode()
    assert "共 48 条，第 1 / 3 页" in first
    found = client.get(reverse("roster:nominate", args=[quota.pk]), {"q": "测试干部044"},
                       headers={"HX-Request": "true"}).content.decode()
    assert "测试干部044" in found and "测试干部043" not in found


def test_bob_withdraws_a_pending_nomination(cast, login):
    quota = issued_quota(cast)
    enrollment = make_enrollment(quota.call.training_class, cast.cadres_a[1], status="nominated", quota=quota,
                                 unit=cast.unit_a1)
    response = login(cast.bob).post(reverse("roster:withdraw", args=[enrollment.pk]))
    assert response["Location"] == reverse("roster:nominate", args=[quota.pk])
    enrollment.refresh_from_db()
    assert enrollment.status == "withdrawn"


def test_a_liaison_cannot_withdraw_another_units_nomination(cast, login):
    quota = issued_quota(cast, unit=cast.unit_a2)
    enrollment = make_enrollment(quota.call.training_class, cast.cadres_a[3], status="nominated", quota=quota)
    assert login(cast.bob).post(reverse("roster:withdraw", args=[enrollment.pk])).status_code == 404
    enrollment.refresh_from_db()
    assert enrollment.status == "nominated"


# --- review --------------------------------------------------------------------------------

def _nominated(cast, quota, cadres):
    return [make_enrollment(quota.call.training_class, c, status="nominated", quota=quota, unit=quota.unit,
                            ) for c in cadres]


def test_the_review_page_shows_warnings_and_filters(cast, login):
    quota = issued_quota(cast, seats=3)
    TrainingCall.objects.filter(pk=quota.call_id).update(target_ranks=["county"])
    zhang, li = _nominated(cast, quota, [cast.cadres_a[1], cast.cadres_a[2]])
    client = login(cast.alice)
    url = reverse("roster:review", args=[quota.call.training_class_id])
    page = client.get(url).content.decode()
    assert "对象不符" in page and "职级“乡科级”不在调训对象（县处级）之内" in page and "长期未训" in page
    filtered = client.get(url, {"warning": "outside_target"}).content.decode()
    assert "李娜" in filtered and "张伟" not in filtered
    by_status = client.get(url, {"status": "approved"}).content.decode()
    assert "没有符合条件的报名" in by_status


def test_alice_approves_rejects_substitutes_and_bulk_approves_through_the_page(cast, login):
    quota = issued_quota(cast, seats=4)
    carol, zhang, li = _nominated(cast, quota, cast.cadres_a[:3])
    client = login(cast.alice)
    client.post(reverse("roster:approve", args=[zhang.pk]))
    response = client.post(reverse("roster:reject", args=[li.pk]), {"note": ""}, follow=True)
    assert "请填写不通过的理由" in response.content.decode()
    client.post(reverse("roster:reject", args=[li.pk]), {"note": "不符合人选条件"})
    client.post(reverse("roster:bulk_approve", args=[quota.call.training_class_id]), {"ids": [carol.pk, li.pk]})
    for e in (carol, zhang, li):
        e.refresh_from_db()
    assert (zhang.seat_no, carol.seat_no, li.status) == (1, 2, "rejected")
    newcomer = make_cadre("新同志", cast.unit_a1)
    form = client.get(reverse("roster:substitute", args=[zhang.pk])).content.decode()
    assert "新同志" in form and "王强" not in form
    response = client.post(reverse("roster:substitute", args=[zhang.pk]), {"cadre": newcomer.pk, "reason": ""})
    assert response.status_code == 400 and "请填写调换理由" in response.content.decode()
    response = client.post(reverse("roster:substitute", args=[zhang.pk]),
                           {"cadre": cast.cadres_a[3].pk, "reason": "换人"})
    assert "未找到该干部" in response.content.decode()
    response = client.post(reverse("roster:substitute", args=[zhang.pk]), {"cadre": newcomer.pk, "reason": "工作调动"})
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.status == "substituted" and zhang.replaced_by.cadre == newcomer and zhang.replaced_by.seat_no == 3


def test_the_liaison_and_the_leader_cannot_review(cast, login):
    quota = issued_quota(cast)
    (enrollment,) = _nominated(cast, quota, [cast.cadres_a[1]])
    for account in (cast.bob, cast.leo, cast.ivan):
        client = login(account)
        assert client.get(reverse("roster:review", args=[quota.call.training_class_id])).status_code == 403
        assert client.post(reverse("roster:approve", args=[enrollment.pk])).status_code == 403
    enrollment.refresh_from_db()
    assert enrollment.status == "nominated"


# --- the roster --------------------------------------------------------------------------------

def _roster(cast, *, head_teacher=None):
    quota = issued_quota(cast, seats=3, head_teacher=head_teacher)
    training_class = quota.call.training_class
    make_enrollment(training_class, cast.cadres_a[1], quota=quota, unit=cast.unit_a1, seat_no=1)
    make_enrollment(training_class, cast.carol_cadre, quota=quota, unit=cast.unit_a1, seat_no=2)
    other = make_quota(quota.call, cast.unit_a2, 2)
    make_enrollment(training_class, cast.cadres_a[3], quota=other, unit=cast.unit_a2, seat_no=3)
    make_enrollment(training_class, cast.cadres_a[2], quota=quota, unit=cast.unit_a1, status="nominated")
    return training_class


@pytest.mark.parametrize(("who", "names"), [
    ("alice", {"张伟", "卡萝", "王强"}), ("ivan", {"张伟", "卡萝", "王强"}), ("hannah", {"张伟", "卡萝", "王强"}),
    ("leo", {"张伟", "卡萝", "王强"}), ("bob", {"张伟", "卡萝"}),
])
def test_each_role_sees_its_part_of_the_roster(cast, login, who, names):
    training_class = _roster(cast, head_teacher=cast.hannah)
    body = login(getattr(cast, who)).get(reverse("roster:roster", args=[training_class.pk])).content.decode()
    shown = {name for name in ("张伟", "卡萝", "王强", "李娜") if name in body}
    assert shown == names
    assert "138****8000" in body and "13800138000" not in body


def test_a_head_teacher_of_another_class_gets_404(cast, login):
    training_class = _roster(cast)
    other_head = make_account("hugo", "head_teacher", cast.party_school)
    assert login(other_head).get(reverse("roster:roster", args=[training_class.pk])).status_code == 404


def test_the_roster_exports_masked_and_audited(cast, login):
    training_class = _roster(cast)
    response = login(cast.bob).get(reverse("roster:export", args=[training_class.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(min_row=4, values_only=True)]
    assert rows == [[1, "张伟", "男", "东城区发展和改革局", "科员", "县处级", "138****8000"],
                    [2, "卡萝", "女", "东城区发展和改革局", "科员", "乡科级", "138****8000"]]
    entry = AuditEntry.objects.get(action="export.roster")
    assert entry.actor_username == "bob" and entry.detail == {"rows": 2}


def test_the_sign_in_sheet_has_a_page_per_day_with_sessions(cast, login):
    from ganxun.testing import make_session

    training_class = _roster(cast)
    make_session(training_class)
    make_session(training_class, slot="afternoon")
    make_session(training_class, date=training_class.start_date + DAY)
    body = login(cast.ivan).get(reverse("roster:sign_in_sheet", args=[training_class.pk])).content.decode()
    assert body.count("<section>") == 2 and body.count("<th>上午</th>") == 2 and body.count("<th>下午</th>") == 1
    assert body.index("张伟") < body.index("卡萝") < body.index("王强")
    assert "navbar" not in body


def test_the_class_page_links_to_the_call_and_the_roster(cast, login):
    training_class = county_class(cast)
    body = login(cast.alice).get(reverse("classes:detail", args=[training_class.pk])).content.decode()
    assert reverse("roster:call", args=[training_class.pk]) in body
    assert reverse("roster:roster", args=[training_class.pk]) in body
    # The institution admin cannot call: without a call there is no 调训 button, the roster is there.
    body = login(cast.ivan).get(reverse("classes:detail", args=[training_class.pk])).content.decode()
    assert reverse("roster:call", args=[training_class.pk]) not in body
    assert reverse("roster:roster", args=[training_class.pk]) in body


# --- scope -----------------------------------------------------------------------------------

def test_the_outsider_gets_404(cast, login):
    training_class = _roster(cast)
    call = training_class.call
    quota = call.quotas.get(unit=cast.unit_a1)
    enrollment = Enrollment.objects.filter(training_class=training_class, status="nominated").get()
    client = login(cast.charlie)
    for url in (reverse("roster:call", args=[training_class.pk]), reverse("roster:roster", args=[training_class.pk]),
                reverse("roster:export", args=[training_class.pk]),
                reverse("roster:sign_in_sheet", args=[training_class.pk]),
                reverse("roster:review", args=[training_class.pk]), reverse("roster:notice", args=[call.pk]),
                reverse("roster:call_edit", args=[call.pk]), reverse("roster:named", args=[call.pk]),
                reverse("roster:substitute", args=[enrollment.pk]),
                reverse("roster:call_create", args=[training_class.pk])):
        assert client.get(url).status_code == 404, url
    for url in (reverse("roster:approve", args=[enrollment.pk]), reverse("roster:reject", args=[enrollment.pk]),
                reverse("roster:call_issue", args=[call.pk]), reverse("roster:quota_save", args=[call.pk]),
                reverse("roster:bulk_approve", args=[training_class.pk])):
        assert client.post(url, {"ids": [enrollment.pk], "note": "x"}).status_code == 404, url
    assert training_class.title not in client.get(reverse("roster:call_list")).content.decode()
    enrollment.refresh_from_db()
    assert enrollment.status == "nominated"
    # Another unit's liaison: the quota page of unit A1 is 404.
    other_liaison = make_account("lily", "unit_liaison", cast.unit_a2)
    assert login(other_liaison).get(reverse("roster:nominate", args=[quota.pk])).status_code == 404


def test_a_liaison_sees_no_draft_and_no_other_units_quota(cast, login):
    draft = make_call(county_class(cast, title="草稿中的班"), status=CallStatus.DRAFT)
    make_quota(draft, cast.unit_a1)
    issued = issued_quota(cast, unit=cast.unit_a2, title="只给教育局的班")
    client = login(cast.bob)
    body = client.get(reverse("roster:call_list")).content.decode()
    assert "草稿中的班" not in body and "只给教育局的班" not in body
    assert client.get(reverse("roster:call", args=[draft.training_class_id])).status_code == 404
    assert client.get(reverse("roster:notice", args=[draft.pk])).status_code == 404
    assert client.get(reverse("roster:notice", args=[issued.call_id])).status_code == 404


def test_leo_reads_but_cannot_change(cast, login):
    quota = issued_quota(cast)
    client = login(cast.leo)
    training_class = quota.call.training_class
    assert client.get(reverse("roster:call", args=[training_class.pk])).status_code == 200
    assert client.get(reverse("roster:roster", args=[training_class.pk])).status_code == 200
    assert client.post(reverse("roster:quota_save", args=[quota.call_id]),
                       {"quota-unit": cast.unit_a1.pk, "quota-seats": "9"}).status_code == 403
    assert client.post(reverse("roster:nominate", args=[quota.pk]), {"cadre": cast.cadres_a[1].pk}).status_code == 403
    quota.refresh_from_db()
    assert quota.seats == 2 and not Enrollment.objects.exists()


# --- the cadre's own classes --------------------------------------------------------------------

def test_carol_sees_her_classes_grouped_and_her_timetable(cast, login):
    from ganxun.testing import make_class, make_session

    current = make_class(cast.party_school, title="正在上的班", start=today() - DAY, days=3,
                         head_teacher=cast.hannah)
    make_enrollment(current, cast.carol_cadre, seat_no=7)
    past = make_class(cast.party_school, title="去年的班", start=today() - 400 * DAY, days=2)
    make_enrollment(past, cast.carol_cadre)
    upcoming = county_class(cast, title="下个月的班")
    make_enrollment(upcoming, cast.carol_cadre, status="nominated")
    withdrawn = county_class(cast, title="撤回的班", start=today() + 60 * DAY)
    make_enrollment(withdrawn, cast.carol_cadre, status="withdrawn")
    make_enrollment(county_class(cast, title="别人的班", start=today() + 90 * DAY), cast.cadres_a[1])
    make_session(current, date=today(), title="今天的课", teacher=cast.tom_teacher)
    make_session(current, date=today() + DAY, title="明天的课")
    client = login(cast.carol)
    body = client.get(reverse("roster:learn_list")).content.decode()
    assert body.index("正在进行") < body.index("正在上的班") < body.index("即将开始") < body.index("下个月的班")
    assert body.index("已结束") < body.index("去年的班")
    assert "撤回的班" not in body and "别人的班" not in body
    page = client.get(reverse("roster:learn_class", args=[current.pk])).content.decode()
    assert "学号 7" in page and "韩娜" in page and "汤姆" in page
    timetable = page[page.index('id="timetable"'):]  # the day's panels come first while the class runs
    assert timetable.index('id="today"') < timetable.index("今天的课") < timetable.index("明天的课")
    assert 'name="viewport"' in page
    for other in (withdrawn, upcoming.__class__.objects.get(title="别人的班")):
        assert client.get(reverse("roster:learn_class", args=[other.pk])).status_code == 404
    home = client.get(reverse("portal:learn_home")).content.decode()
    assert "我的班次" in home and "正在上的班" in home and "下个月的班" in home and "去年的班" not in home


def test_the_learner_class_page_shows_the_registered_panels(cast, login):
    from django.utils.html import format_html

    from ganxun.roster import panels

    training_class = county_class(cast)
    enrollment = make_enrollment(training_class, cast.carol_cadre)
    seen = []

    def render(request, e):
        seen.append(e.pk)
        return format_html("<section id='test-panel'>{}</section>", "签到面板")

    panels.register_learner_panel("test-panel", order=1, render=render)
    try:
        page = login(cast.carol).get(reverse("roster:learn_class", args=[training_class.pk])).content.decode()
    finally:
        panels._PANELS.pop("test-panel", None)
    assert seen == [enrollment.pk]
    assert "<section id='test-panel'>签到面板</section>" in page
    # Before the class the timetable leads; the panels follow it.
    assert page.index('id="timetable"') < page.index("test-panel")


def test_during_the_class_the_panels_come_before_the_timetable(cast, login):
    from django.utils.html import format_html

    from ganxun.roster import panels

    training_class = county_class(cast, start=today() - DAY, status="running")
    make_enrollment(training_class, cast.carol_cadre)
    panels.register_learner_panel("test-panel", order=1,
                                  render=lambda request, e: format_html("<section id='{}'></section>", "test-panel"))
    try:
        page = login(cast.carol).get(reverse("roster:learn_class", args=[training_class.pk])).content.decode()
    finally:
        panels._PANELS.pop("test-panel", None)
    assert page.index("test-panel") < page.index('id="timetable"')


def test_the_learner_pages_need_the_self_role(cast, login):
    training_class = county_class(cast)
    make_enrollment(training_class, cast.carol_cadre)
    assert login(cast.alice).get(reverse("roster:learn_list")).status_code == 403
    assert login(cast.charlie).get(reverse("roster:learn_class", args=[training_class.pk])).status_code == 403



def test_the_list_pages_take_a_fixed_number_of_queries(cast, login):
    """No N+1: each page runs as many queries with 12 rows as with 4."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    quota = issued_quota(cast, seats=40, capacity=40)
    training_class = quota.call.training_class
    make_quota(quota.call, cast.unit_a2, 3)

    def add_rows(start, count):
        for n in range(start, start + count):
            cadre = make_cadre(f"干部{n:02d}", cast.unit_a1)
            make_enrollment(training_class, cadre, status="nominated" if n % 2 else "approved", quota=quota,
                            unit=cast.unit_a1, seat_no=None if n % 2 else n + 1)

    pages = [(cast.alice, reverse("roster:review", args=[training_class.pk])),
             (cast.alice, reverse("roster:roster", args=[training_class.pk])),
             (cast.alice, reverse("roster:call", args=[training_class.pk])),
             (cast.ivan, reverse("roster:sign_in_sheet", args=[training_class.pk])),
             (cast.bob, reverse("roster:nominate", args=[quota.pk]))]

    def counts():
        result = []
        for account, url in pages:
            client = login(account)
            client.get(url)  # the session's first request does more
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, url
            result.append(len(queries))
        return result

    add_rows(0, 4)
    few = counts()
    add_rows(4, 8)
    assert counts() == few
