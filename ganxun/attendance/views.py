"""Pages of attendance (签到) and leave (请假).

Back office (/manage/…): the class overview (matrix, rates, leave hours, 1/7 flags, export),
the check-in screen of a session (rotating QR code + live list + corrections), the class's
leave requests, the org department's withdrawal list. The class is resolved first through
classes.selectors.class_get_for (404 for outsiders; head teachers see only their classes),
then the finer right is checked (403), as the timetable pages do.

Learner (/learn/…): the scan page, the own attendance page with leave requests.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ganxun.access.policies import requires
from ganxun.attendance import exports, selectors, services
from ganxun.attendance.forms import CorrectionForm, LeaveDecisionForm, LeaveRequestForm, WithdrawalDecisionForm
from ganxun.attendance.models import LeaveStatus
from ganxun.attendance.panels import panel_context
from ganxun.attendance.qr import qr_svg
from ganxun.attendance.tokens import (
    PURPOSE_CHECKIN,
    PURPOSE_CHECKOUT,
    TokenRefused,
    checkin_token,
    checkin_url,
    seconds_left,
    token_read,
    window_seconds,
)
from ganxun.classes.models import Session
from ganxun.classes.selectors import class_credit_hours, class_get_for
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.core.forms import add_domain_error
from ganxun.core.views import forbidden, or_404
from ganxun.roster.models import Enrollment


def _session(training_class, pk) -> Session:
    try:
        return selectors.session_of_class(training_class, pk)
    except NotFound:
        raise Http404() from None


def _runner_session(request, pk, session_pk, permission="attendance.manage"):
    """(class, session) for the check-in screen and its parts; None when the role may not run it."""
    training_class = or_404(class_get_for, request.user, pk)
    session = _session(training_class, session_pk)
    if not selectors.can_run_class(request.user, training_class, permission):
        return training_class, None
    return training_class, session


# --- the class overview ------------------------------------------------------------------------

@requires("attendance.view")
def class_attendance_view(request, pk):
    training_class = or_404(class_get_for, request.user, pk)
    sessions, rows = selectors.class_overview(training_class)
    pending = selectors.leave_list_for(request.user, training_class=training_class,
                                       status=LeaveStatus.PENDING).count()
    credit = class_credit_hours(training_class)
    today = timezone.localdate()
    return render(request, "attendance/class_overview.html", {
        "training_class": training_class, "sessions": sessions, "rows": rows, "pending_leave": pending,
        "credit_hours": credit, "limit_hours": selectors.limit_hours(credit), "today": today,
        "flagged": sum(1 for r in rows if r.flagged),
        "can_run": selectors.can_run_class(request.user, training_class, "attendance.manage"),
    })


@requires("attendance.view")
def class_attendance_export_view(request, pk):
    training_class = or_404(class_get_for, request.user, pk)
    download = exports.attendance_export(actor=request.user, training_class=training_class, request=request)
    return FileResponse(download.content, as_attachment=True, filename=download.filename,
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- the check-in screen -----------------------------------------------------------------------

def _purpose(request, session) -> str:
    purpose = request.GET.get("purpose", PURPOSE_CHECKIN)
    if purpose == PURPOSE_CHECKOUT and session.requires_checkout:
        return PURPOSE_CHECKOUT
    return PURPOSE_CHECKIN


def _qr_context(request, training_class, session, purpose) -> dict:
    now = timezone.now()
    token = checkin_token(session, purpose, now=now)
    url = checkin_url(request, token)
    return {"training_class": training_class, "session": session, "purpose": purpose, "qr": qr_svg(url),
            "url": url, "seconds_left": int(seconds_left(now)) + 1, "window_seconds": window_seconds(),
            "refresh_ms": int(seconds_left(now) * 1000) + 300}


def _roll_context(training_class, session) -> dict:
    return {"training_class": training_class, "session": session, "roll": selectors.session_roll(session)}


@requires("attendance.view")
def session_screen_view(request, pk, session_pk):
    training_class, session = _runner_session(request, pk, session_pk)
    if session is None:
        return forbidden(request)
    purpose = _purpose(request, session)
    roll = selectors.session_roll(session)
    form = CorrectionForm(roster=[row.enrollment for row in roll.rows])
    return render(request, "attendance/session_screen.html", {
        **_qr_context(request, training_class, session, purpose), "roll": roll, "form": form,
        "sessions": list(training_class.sessions.order_by("date", "start_time", "pk")),
    })


@requires("attendance.view")
def session_qr_view(request, pk, session_pk):
    """The QR part of the screen; htmx fetches it again when the token rotates."""
    training_class, session = _runner_session(request, pk, session_pk)
    if session is None:
        return forbidden(request)
    return render(request, "attendance/_qr.html", _qr_context(request, training_class, session,
                                                               _purpose(request, session)))


@requires("attendance.view")
def session_roll_view(request, pk, session_pk):
    """The live list part of the screen; htmx polls it every few seconds."""
    training_class, session = _runner_session(request, pk, session_pk)
    if session is None:
        return forbidden(request)
    return render(request, "attendance/_roll.html", _roll_context(training_class, session))


@require_POST
@requires("attendance.view")
def session_correct_view(request, pk, session_pk):
    training_class, session = _runner_session(request, pk, session_pk)
    if session is None:
        return forbidden(request)
    roll = selectors.session_roll(session)
    form = CorrectionForm(request.POST, roster=[row.enrollment for row in roll.rows])
    if form.is_valid():
        enrollment = next(r.enrollment for r in roll.rows if r.enrollment.pk == form.cleaned_data["enrollment"])
        try:
            services.attendance_correct(actor=request.user, session=session, enrollment=enrollment,
                                        status=form.cleaned_data["status"], reason=form.cleaned_data["reason"],
                                        request=request)
        except (Forbidden, NotFound):
            return forbidden(request)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已将{enrollment.cadre.person.name}更正为“"
                                      f"{dict(form.fields['status'].choices)[form.cleaned_data['status']]}”。")
            return redirect(f"{reverse('attendance:session', args=[training_class.pk, session.pk])}#roll")
    return render(request, "attendance/session_screen.html", {
        **_qr_context(request, training_class, session, PURPOSE_CHECKIN), "roll": roll, "form": form,
        "sessions": list(training_class.sessions.order_by("date", "start_time", "pk")),
    }, status=400)


# --- leave (back office) ------------------------------------------------------------------------

@requires("attendance.view")
def leave_list_view(request, pk):
    training_class = or_404(class_get_for, request.user, pk)
    status = request.GET.get("status", "")
    if status not in LeaveStatus.values:
        status = ""
    leaves = list(selectors.leave_list_for(request.user, training_class=training_class, status=status))
    return render(request, "attendance/leave_list.html", {
        "training_class": training_class, "leaves": leaves, "status": status, "statuses": LeaveStatus.choices,
        "can_decide": selectors.can_run_class(request.user, training_class, "leave.approve"),
        "form": LeaveDecisionForm(),
    })


@require_POST
@requires("attendance.view")
def leave_decide_view(request, pk, leave_pk):
    training_class = or_404(class_get_for, request.user, pk)
    try:
        leave = selectors.leave_get_for(request.user, leave_pk)
    except NotFound:
        raise Http404() from None
    if leave.enrollment.training_class_id != training_class.pk:
        raise Http404()
    if not selectors.can_run_class(request.user, training_class, "leave.approve"):
        return forbidden(request)
    form = LeaveDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择批准或不批准。")
    else:
        try:
            result = services.leave_decide(actor=request.user, leave=leave,
                                           approve=form.cleaned_data["decision"] == "approve",
                                           note=form.cleaned_data["note"], request=request)
        except (Forbidden, NotFound):
            return forbidden(request)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            (messages.warning if result.over_limit else messages.success)(request, result.message)
    return redirect("attendance:leave_list", pk=training_class.pk)


# --- withdrawals (org department) -----------------------------------------------------------------

@requires("roster.review")
def withdrawal_list_view(request):
    return render(request, "attendance/withdrawals.html", {
        "rows": selectors.withdrawal_candidates_for(request.user),
        "reviews": selectors.withdrawal_reviews_for(request.user),
        "form": WithdrawalDecisionForm(),
    })


@require_POST
@requires("roster.review")
def withdrawal_decide_view(request, enrollment_pk):
    try:
        enrollment = selectors.withdrawal_enrollment_get_for(request.user, enrollment_pk)
    except NotFound:
        raise Http404() from None
    form = WithdrawalDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("attendance:withdrawals")
    try:
        review = services.withdrawal_decide(actor=request.user, enrollment=enrollment,
                                            decision=form.cleaned_data["decision"], note=form.cleaned_data["note"],
                                            request=request)
    except Forbidden:
        return forbidden(request)
    except NotFound:
        raise Http404() from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        name = enrollment.cadre.person.name
        messages.success(request, f"已对{name}作“{review.get_decision_display()}”处理。")
    return redirect("attendance:withdrawals")


# --- the learner's pages -------------------------------------------------------------------------

@requires("self.view")
def learn_checkin_view(request):
    """GET: the scanner, or with ?t= the session of that code and a confirm button (GET never
    records anything). POST: the check-in / check-out itself."""
    if request.method == "POST":
        try:
            result = services.attendance_scan(actor=request.user, token=request.POST.get("t", ""), request=request)
        except DomainError as exc:
            return render(request, "attendance/learn_checkin.html", {"refused": exc.message, "code": exc.code},
                          status=400)
        return render(request, "attendance/learn_checkin.html",
                      {"result": result, "enrollment_id": result.record.enrollment_id})
    token = request.GET.get("t", "").strip()
    if not token:
        return render(request, "attendance/learn_checkin.html", {"scanner": True})
    try:
        info = token_read(token)
    except TokenRefused as exc:
        return render(request, "attendance/learn_checkin.html", {"refused": exc.message, "code": exc.code})
    session = Session.objects.select_related("training_class").filter(pk=info.session_id).first()
    if session is None:
        return render(request, "attendance/learn_checkin.html", {"refused": "二维码无效。", "code": "invalid_token"})
    return render(request, "attendance/learn_checkin.html", {"confirm": True, "token": token, "session": session,
                                                             "purpose": info.purpose})


def _own(request, enrollment_pk) -> Enrollment:
    try:
        return selectors.own_enrollment_get(request.user, enrollment_pk)
    except NotFound:
        raise Http404() from None


@requires("self.view")
def learn_class_view(request, enrollment_pk):
    enrollment = _own(request, enrollment_pk)
    return render(request, "attendance/learn_class.html", {**panel_context(request, enrollment), "full_page": True})


@requires("self.view")
def learn_leave_view(request, enrollment_pk):
    enrollment = _own(request, enrollment_pk)
    choices = selectors.leave_choices(enrollment)
    form = LeaveRequestForm(request.POST or None, sessions=Session.objects.filter(pk__in=[s.pk for s in choices]))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.leave_request(actor=request.user, enrollment=enrollment,
                                       sessions=list(form.cleaned_data["sessions"]),
                                       reason=form.cleaned_data["reason"], request=request)
            except NotFound:
                raise Http404() from None
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, "请假申请已提交，请等待班主任审批。")
                return redirect("attendance:learn_class", enrollment_pk=enrollment.pk)
        status = 400
    chosen = {str(v) for v in form["sessions"].value() or []}
    return render(request, "attendance/learn_leave.html", {
        "enrollment": enrollment, "form": form, "choices": choices, "chosen": chosen,
        "hours_per_half_day": enrollment.training_class.hours_per_half_day,
    }, status=status)


@require_POST
@requires("self.view")
def learn_leave_cancel_view(request, leave_pk):
    try:
        leave = selectors.own_leave_get(request.user, leave_pk)
    except NotFound:
        raise Http404() from None
    try:
        services.leave_cancel(actor=request.user, leave=leave, request=request)
    except NotFound:
        raise Http404() from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已撤销请假申请。")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("attendance:learn_class", args=[leave.enrollment_id])
    return redirect(target)
