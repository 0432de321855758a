"""Pages of attendance and leave: who sees what, the check-in screen, the learner's pages."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from ganxun.access.roles import Role
from ganxun.attendance.models import AttendanceRecord, LeaveRequest
from ganxun.attendance.services import attendance_scan, leave_decide, leave_request
from ganxun.attendance.tests.builders import MONDAY, at, frozen, running_class
from ganxun.attendance.tokens import checkin_token
from ganxun.audit.models import AuditEntry
from ganxun.roster.panels import _PANELS as registered_panels_dict
from ganxun.testing import make_account, with_role

pytestmark = pytest.mark.django_db

NOW = at(MONDAY, 8, 31)


def registered_panels() -> dict:
    return dict(registered_panels_dict)


def class_urls(run) -> list[str]:
    pk, session = run.training_class.pk, run.first.pk
    return [reverse("attendance:class", args=[pk]), reverse("attendance:export", args=[pk]),
            reverse("attendance:session", args=[pk, session]), reverse("attendance:qr", args=[pk, session]),
            reverse("attendance:roll", args=[pk, session]), reverse("attendance:leave_list", args=[pk])]


def flagged(cast, run):
    """carol past the 1/7 line: 6 h of approved leave in a 30 h class."""
    leave = leave_request(actor=with_role(cast.carol), enrollment=run.carol, sessions=run.sessions[8:10],
                          reason="住院", now=at(MONDAY, 7, 0))
    leave_decide(actor=with_role(cast.hannah), leave=leave, approve=True, now=at(MONDAY, 7, 0))
    return leave


# --- who sees what ----------------------------------------------------------------------------

def test_the_outsider_gets_404_on_every_class_page(cast, login):
    run = running_class(cast)
    with frozen(NOW):
        client = login(cast.charlie)
        for url in class_urls(run):
            assert client.get(url).status_code == 404, url
        post = client.post(reverse("attendance:correct", args=[run.training_class.pk, run.first.pk]),
                           {"enrollment": run.carol.pk, "status": "absent", "reason": "x"})
        assert post.status_code == 404
    assert not AttendanceRecord.objects.exists()


def test_a_head_teacher_of_another_class_gets_404(cast, login):
    run = running_class(cast)
    helen = make_account("helen", Role.HEAD_TEACHER, cast.party_school)
    with frozen(NOW):
        client = login(helen)
        assert [client.get(url).status_code for url in class_urls(run)] == [404] * 6


def test_a_teacher_has_no_attendance_pages(cast, login):
    run = running_class(cast)
    with frozen(NOW):
        assert login(cast.tom).get(reverse("attendance:class", args=[run.training_class.pk])).status_code == 403


def test_the_org_department_sees_the_overview_but_runs_no_check_in(cast, login):
    run = running_class(cast)
    with frozen(NOW):
        client = login(cast.alice)
        page = client.get(reverse("attendance:class", args=[run.training_class.pk]))
        assert page.status_code == 200 and "卡萝" in page.content.decode()
        assert "ti-qrcode" not in page.content.decode()  # no check-in buttons
        assert reverse("attendance:withdrawals") in page.content.decode()
        assert client.get(reverse("attendance:session", args=[run.training_class.pk, run.first.pk])).status_code == 403


def test_the_class_page_links_to_attendance(cast, login):
    run = running_class(cast)
    page = login(cast.hannah).get(reverse("classes:detail", args=[run.training_class.pk])).content.decode()
    assert reverse("attendance:class", args=[run.training_class.pk]) in page


# --- the overview, export ---------------------------------------------------------------------

def test_the_overview_shows_marks_rates_and_the_withdrawal_flag(cast, login):
    run = running_class(cast)
    flagged(cast, run)
    attendance_scan(actor=with_role(cast.carol), token=checkin_token(run.first, now=at(MONDAY, 8, 45)),
                    now=at(MONDAY, 8, 45))
    with frozen(at(MONDAY, 12, 0)):
        body = login(cast.hannah).get(reverse("attendance:class", args=[run.training_class.pk])).content.decode()
    assert "1 人退学预警" in body and "退学预警" in body
    assert 'class="text-center cell-mark mark-late" title="迟到">迟<' in body
    assert 'class="text-center cell-mark mark-absent" title="缺勤">✗<' in body  # zhang, Monday morning
    assert "6/4.29" in body  # carol: away / limit


def test_the_export_is_masked_and_audited(cast, login):
    run = running_class(cast)
    attendance_scan(actor=with_role(cast.carol), token=checkin_token(run.first, now=NOW), now=NOW)
    with frozen(at(MONDAY, 12, 0)):
        response = login(cast.hannah).get(reverse("attendance:export", args=[run.training_class.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    summary = list(book["考勤汇总"].iter_rows(values_only=True))
    carol_row = next(row for row in summary if row[1] == "卡萝")
    person = cast.carol_cadre.person
    assert carol_row[2] == person.id_number_masked and person.id_number not in str(summary)
    assert carol_row[5:8] == (1, 1, 0)  # counted, attended, late
    matrix = list(book["考勤明细"].iter_rows(values_only=True))
    assert next(row for row in matrix if row[1] == "卡萝")[2] == "✓"
    assert AuditEntry.objects.filter(action="export.attendance", actor_username="hannah").count() == 1


# --- the check-in screen -----------------------------------------------------------------------

def test_the_check_in_screen_shows_the_current_code(cast, login):
    run = running_class(cast)
    with frozen(NOW):
        response = login(cast.hannah).get(reverse("attendance:session", args=[run.training_class.pk, run.first.pk]))
    body = response.content.decode()
    token = checkin_token(run.first, now=NOW)
    assert response.status_code == 200
    assert f"http://testserver/learn/checkin/?t={token}" in body
    assert '<svg viewBox="0 0' in body and "checkin-qr" in body
    assert "签退码" not in body  # the session needs no check-out


def test_the_code_part_is_fetched_again_with_the_next_token(cast, login):
    run = running_class(cast, checkout=True)
    url = reverse("attendance:qr", args=[run.training_class.pk, run.first.pk])
    with frozen(NOW):
        client = login(cast.hannah)  # logged in at the frozen time, so the session is fresh then
        first = client.get(url).content.decode()
    with frozen(NOW + dt.timedelta(seconds=20)):
        second = client.get(url).content.decode()
        checkout = client.get(url + "?purpose=out").content.decode()
    assert checkin_token(run.first, now=NOW) in first
    assert checkin_token(run.first, now=NOW + dt.timedelta(seconds=20)) in second
    assert 'hx-trigger="load delay:20300ms, every 30s"' in first
    assert checkin_token(run.first, "out", now=NOW + dt.timedelta(seconds=20)) in checkout


def test_the_live_list_shows_counts_and_names(cast, login):
    run = running_class(cast)
    attendance_scan(actor=with_role(cast.carol), token=checkin_token(run.first, now=NOW), now=NOW)
    with frozen(NOW):
        body = login(cast.ivan).get(reverse("attendance:roll", args=[run.training_class.pk, run.first.pk])
                                    ).content.decode()
    assert 'data-count="checked_in">1<' in body and 'data-count="not_yet">2<' in body
    assert "卡萝" in body and "张伟" in body and "08:31" in body


def test_the_head_teacher_corrects_through_the_screen(cast, login):
    run = running_class(cast)
    url = reverse("attendance:correct", args=[run.training_class.pk, run.first.pk])
    with frozen(NOW):
        client = login(cast.hannah)
        missing = client.post(url, {"enrollment": run.zhang.pk, "status": "present", "reason": ""})
        assert missing.status_code == 400 and "这个字段是必填项" in missing.content.decode()
        done = client.post(url, {"enrollment": run.zhang.pk, "status": "present", "reason": "手机没电，现场核实"})
    assert done.status_code == 302
    record = AttendanceRecord.objects.get()
    assert (record.enrollment, record.status, record.method) == (run.zhang, "present", "manual")


# --- leave (back office) and withdrawals -------------------------------------------------------

def test_the_head_teacher_approves_and_hears_about_the_line(cast, login):
    run = running_class(cast)
    carol = with_role(cast.carol)
    first = leave_request(actor=carol, enrollment=run.carol, sessions=[run.sessions[8]], reason="事假",
                          now=at(MONDAY, 7, 0))
    leave_decide(actor=with_role(cast.hannah), leave=first, approve=True, now=at(MONDAY, 7, 0))
    second = leave_request(actor=carol, enrollment=run.carol, sessions=[run.sessions[9]], reason="病假",
                           now=at(MONDAY, 7, 0))
    with frozen(at(MONDAY, 7, 30)):
        client = login(cast.hannah)
        listing = client.get(reverse("attendance:leave_list", args=[run.training_class.pk])).content.decode()
        assert "病假" in listing and "批准" in listing
        response = client.post(reverse("attendance:leave_decide", args=[run.training_class.pk, second.pk]),
                               {"decision": "approve", "note": ""}, follow=True)
    body = response.content.decode()
    assert "七分之一" in body and "已提请组织部门作退学处理" in body
    second.refresh_from_db()
    assert second.status == "approved"


def test_the_org_department_reads_but_does_not_decide_leave(cast, login):
    run = running_class(cast)
    leave = leave_request(actor=with_role(cast.carol), enrollment=run.carol, sessions=[run.first], reason="事假",
                          now=at(MONDAY, 7, 0))
    with frozen(at(MONDAY, 7, 30)):
        client = login(cast.alice)
        assert "事假" in client.get(reverse("attendance:leave_list", args=[run.training_class.pk])).content.decode()
        response = client.post(reverse("attendance:leave_decide", args=[run.training_class.pk, leave.pk]),
                               {"decision": "approve"})
    assert response.status_code == 403
    leave.refresh_from_db()
    assert leave.status == "pending"


def test_the_org_department_confirms_a_withdrawal(cast, login):
    run = running_class(cast)
    flagged(cast, run)
    with frozen(at(MONDAY, 7, 30)):
        client = login(cast.alice)
        listing = client.get(reverse("attendance:withdrawals")).content.decode()
        assert "卡萝" in listing and "中青年干部培训班" in listing and "4.29" in listing
        assert login(cast.charlie).post(reverse("attendance:withdrawal_decide", args=[run.carol.pk]),
                                        {"decision": "withdraw", "note": "x"}).status_code == 404
        response = client.post(reverse("attendance:withdrawal_decide", args=[run.carol.pk]),
                               {"decision": "withdraw", "note": "请假超过七分之一"}, follow=True)
    assert "予以退学" in response.content.decode()
    run.carol.refresh_from_db()
    assert run.carol.status == "dropped"


def test_the_withdrawal_list_is_for_the_org_department(cast, login):
    with frozen(NOW):
        assert login(cast.hannah).get(reverse("attendance:withdrawals")).status_code == 403
        assert login(cast.charlie).get(reverse("attendance:withdrawals")).status_code == 200


# --- the learner ---------------------------------------------------------------------------------

def test_the_learner_header_has_a_scan_button(cast, login):
    body = login(cast.carol).get(reverse("portal:learn_home")).content.decode()
    assert 'href="/learn/checkin/"' in body and "ti-scan" in body


def test_the_scan_page_offers_camera_and_photo(cast, login):
    body = login(cast.carol).get(reverse("attendance:learn_checkin")).content.decode()
    assert "html5-qrcode.min.js" in body and "从相册选择" in body and 'accept="image/*"' in body


def test_opening_the_code_s_url_asks_for_confirmation_and_records_nothing(cast, login):
    run = running_class(cast)
    with frozen(NOW):
        response = login(cast.carol).get(reverse("attendance:learn_checkin"), {"t": checkin_token(run.first)})
    body = response.content.decode()
    assert response.status_code == 200 and "确认签到" in body and "专题讲座1" in body
    assert not AttendanceRecord.objects.exists()


def test_the_cadre_checks_in_by_posting_the_token(cast, login):
    run = running_class(cast)
    with frozen(NOW):
        client = login(cast.carol)
        token = checkin_token(run.first)
        first = client.post(reverse("attendance:learn_checkin"), {"t": token})
        again = client.post(reverse("attendance:learn_checkin"), {"t": token})
    assert first.status_code == 200 and "签到成功：08:31" in first.content.decode()
    assert "您已于 08:31 签到。" in again.content.decode()
    assert AttendanceRecord.objects.get().enrollment == run.carol
    assert reverse("attendance:learn_class", args=[run.carol.pk]) in first.content.decode()


def test_a_refused_scan_says_why(cast, login):
    run = running_class(cast)
    with frozen(NOW):
        response = login(cast.carol).post(reverse("attendance:learn_checkin"),
                                          {"t": checkin_token(run.first, now=NOW - dt.timedelta(minutes=1))})
    assert response.status_code == 400 and "二维码已过期" in response.content.decode()
    assert not AttendanceRecord.objects.exists()


def test_the_learner_panel_renders_today_and_the_record(cast):
    run = running_class(cast)
    attendance_scan(actor=with_role(cast.carol), token=checkin_token(run.first, now=NOW), now=NOW)
    request = RequestFactory().get("/learn/classes/1/")
    request.user = with_role(cast.carol)
    panel = registered_panels()["attendance"]  # registered in AttendanceConfig.ready()
    assert panel.order == 10
    with frozen(at(MONDAY, 12, 0)):
        html = panel.render(request, run.carol)
    assert "考勤与请假" in html and "专题讲座1" in html and "已签到 08:31" in html
    assert "扫码签到" in html and reverse("attendance:learn_leave", args=[run.carol.pk]) in html
    run.zhang.status = "nominated"
    assert panel.render(request, run.zhang) == ""


def test_the_learner_sees_only_her_own_attendance_page(cast, login):
    run = running_class(cast)
    with frozen(NOW):
        client = login(cast.carol)
        assert client.get(reverse("attendance:learn_class", args=[run.carol.pk])).status_code == 200
        assert client.get(reverse("attendance:learn_class", args=[run.zhang.pk])).status_code == 404
        assert client.get(reverse("attendance:learn_leave", args=[run.zhang.pk])).status_code == 404


def test_the_learner_asks_for_leave_and_cancels_it(cast, login):
    run = running_class(cast)
    url = reverse("attendance:learn_leave", args=[run.carol.pk])
    with frozen(at(MONDAY, 7, 0)):
        client = login(cast.carol)
        form = client.get(url).content.decode()
        assert "专题讲座1" in form and "每半天 3 学时" in form
        empty = client.post(url, {"reason": "看病"})
        assert empty.status_code == 400 and "请选择请假的课程。" in empty.content.decode()
        done = client.post(url, {"sessions": [run.sessions[0].pk, run.sessions[1].pk], "reason": "看病"})
        assert done.status_code == 302
        leave = LeaveRequest.objects.get()
        assert leave.hours == Decimal("6") and leave.status == "pending"
        page = client.get(reverse("attendance:learn_class", args=[run.carol.pk])).content.decode()
        assert "待审批" in page and "撤销申请" in page
        client.post(reverse("attendance:learn_leave_cancel", args=[leave.pk]), {"next": "https://evil.example/"})
    leave.refresh_from_db()
    assert leave.status == "cancelled"


def test_nobody_cancels_another_cadre_s_leave_from_the_page(cast, login):
    run = running_class(cast)
    leave = leave_request(actor=with_role(cast.carol), enrollment=run.carol, sessions=[run.first], reason="事假",
                          now=at(MONDAY, 7, 0))
    other = make_account("dave", Role.CADRE, cast.unit_a1)
    with frozen(at(MONDAY, 7, 0)):
        assert login(other).post(reverse("attendance:learn_leave_cancel", args=[leave.pk])).status_code == 404
    leave.refresh_from_db()
    assert leave.status == "pending"


def test_the_session_form_sets_check_out(cast, login):
    run = running_class(cast, days=1)
    response = login(cast.ivan).post(reverse("classes:session_add", args=[run.training_class.pk]), {
        "date": str(MONDAY), "slot": "evening", "kind": "lecture", "title": "晚间研讨", "requires_checkout": "on"})
    assert response.status_code == 302
    assert run.training_class.sessions.get(title="晚间研讨").requires_checkout is True
