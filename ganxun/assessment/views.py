"""Pages of assessment (考核), closing (结班) and certificates, and the learner's reflection.

Every class page carries the policy `classes.view` and resolves the class through the
classes selector first (the scope gate, narrowed to a head teacher's own classes and a
teacher's taught classes), so an outsider gets 404 and learns nothing; the specific right
(assessment.view / assessment.manage / reflections.grade / classes.close) is checked next
and answers 403. Services re-check everything.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ganxun.access import scope
from ganxun.access.policies import requires
from ganxun.assessment import selectors, services
from ganxun.assessment.exports import assessment_export, exam_score_template
from ganxun.assessment.forms import DisciplineForm, GradeForm, ReflectionForm, RuleForm, ScoreUploadForm, WithdrawForm
from ganxun.assessment.models import ExamScore
from ganxun.assessment.sheets import read_score_rows
from ganxun.classes.models import ClassStatus
from ganxun.classes.selectors import class_get_for
from ganxun.core.errors import Conflict, DomainError, Forbidden, NotFound
from ganxun.core.forms import add_domain_error
from ganxun.core.pdf import pdf_response, render_pdf
from ganxun.core.views import forbidden, or_404

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 5 * 1024 * 1024




def _may(request, training_class, permission: str) -> bool:
    return selectors.can_on_class(request.user, training_class, permission)


def _rights(request, training_class) -> dict:
    return {
        "can_view": scope.can(request.user, "assessment.view"),
        "can_manage": _may(request, training_class, "assessment.manage") and not training_class.is_locked,
        "can_grade": _may(request, training_class, "reflections.grade") and not training_class.is_locked,
        "can_close": _may(request, training_class, "classes.close")
        and training_class.status == ClassStatus.RUNNING,
    }


def _download(content, filename: str, content_type: str = XLSX) -> HttpResponse:
    from django.utils.encoding import escape_uri_path

    response = HttpResponse(content.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    response["Cache-Control"] = "no-store"
    return response


# --- the assessment table ----------------------------------------------------------------------

@requires("classes.view")
def table_view(request, pk):
    training_class = or_404(class_get_for, request.user, pk)
    if not scope.can(request.user, "assessment.view"):
        if scope.can(request.user, "reflections.grade"):
            return redirect("assessment:reflections", pk=training_class.pk)
        return forbidden(request)
    sheet = selectors.assessment_sheet(training_class)
    return render(request, "assessment/table.html", {
        "training_class": training_class, "sheet": sheet, **_rights(request, training_class),
        "ungraded": sum(1 for row in sheet.rows if row.reflection is not None and not row.reflection_grade),
    })


@requires("classes.view")
def export_view(request, pk):
    training_class = or_404(class_get_for, request.user, pk)
    try:
        download = assessment_export(actor=request.user, training_class=training_class, request=request)
    except Forbidden:
        return forbidden(request)
    except NotFound:
        raise Http404() from None
    return _download(download.content, download.filename)


@requires("classes.view")
def rule_view(request, pk):
    training_class = or_404(class_get_for, request.user, pk)
    if not scope.can(request.user, "assessment.view"):
        return forbidden(request)
    rule = selectors.rule_of(training_class)
    can_manage = _may(request, training_class, "assessment.manage") and not training_class.is_locked
    if request.method == "POST" and not can_manage:
        return forbidden(request)
    initial = {name: getattr(rule, name) for name in (
        "min_attendance_rate", "exam_policy", "exam_full_mark", "exam_pass_mark", "reflection_required",
        "reflection_min_length", "reflection_min_grade")}
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_update(actor=request.user, training_class=training_class, data=form.service_data(),
                                 request=request)
        except (Forbidden, NotFound):
            return forbidden(request)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "结业条件已保存。")
            return redirect("assessment:table", pk=training_class.pk)
    return render(request, "assessment/rule.html", {
        "training_class": training_class, "form": form, "rule": rule, "can_manage": can_manage,
        "exam_required": selectors.exam_is_required(rule, training_class),
    }, status=400 if form.errors else 200)


# --- exam scores -------------------------------------------------------------------------------

def _exam_page(request, training_class, *, posted=None, errors=None, upload_form=None, status=200):
    rule = selectors.rule_of(training_class)
    enrollments = list(selectors.assessed_enrollments(training_class))
    scores = dict(ExamScore.objects.filter(enrollment__in=enrollments).values_list("enrollment_id", "score"))
    errors = errors or {}
    rows = []
    for enrollment in enrollments:
        name = f"score_{enrollment.pk}"
        if posted is not None and name in posted:
            value = posted[name]
        else:
            value = scores.get(enrollment.pk)
            value = "" if value is None else f"{value.normalize():f}"
        rows.append({"enrollment": enrollment, "name": name, "value": value, "error": errors.get(name, "")})
    return render(request, "assessment/exam.html", {
        "training_class": training_class, "rule": rule, "rows": rows,
        "upload_form": upload_form or ScoreUploadForm(), "errors": errors,
        "entered": len(scores), "exam_required": selectors.exam_is_required(rule, training_class),
        "locked": training_class.is_locked,
    }, status=status)


@requires("classes.view")
def exam_view(request, pk):
    training_class = or_404(class_get_for, request.user, pk)
    if not _may(request, training_class, "assessment.manage"):
        return forbidden(request)
    if request.method != "POST":
        return _exam_page(request, training_class)
    scores = {}
    for key, value in request.POST.items():
        if key.startswith("score_"):
            try:
                scores[int(key.removeprefix("score_"))] = value
            except ValueError:
                continue
    try:
        changed = services.exam_scores_save(actor=request.user, training_class=training_class, scores=scores,
                                            request=request)
    except (Forbidden, NotFound):
        return forbidden(request)
    except services.InvalidInput as exc:
        messages.error(request, f"有 {len(exc.errors)} 个成绩有误，均未保存，请修改后重新提交。")
        return _exam_page(request, training_class, posted=request.POST,
                          errors={e.field: e.message for e in exc.errors}, status=400)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _exam_page(request, training_class, posted=request.POST, status=400)
    messages.success(request, f"已保存，{changed} 个成绩有变化。" if changed else "成绩没有变化。")
    return redirect("assessment:exam", pk=training_class.pk)


@requires("classes.view")
def exam_template_view(request, pk):
    training_class = or_404(class_get_for, request.user, pk)
    try:
        download = exam_score_template(actor=request.user, training_class=training_class)
    except Forbidden:
        return forbidden(request)
    except NotFound:
        raise Http404() from None
    return _download(download.content, download.filename)


@require_POST
@requires("classes.view")
def exam_upload_view(request, pk):
    training_class = or_404(class_get_for, request.user, pk)
    if not _may(request, training_class, "assessment.manage"):
        return forbidden(request)
    form = ScoreUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _exam_page(request, training_class, upload_form=form, status=400)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_UPLOAD:
        form.add_error("file", "文件不能超过 5 MB。")
        return _exam_page(request, training_class, upload_form=form, status=400)
    try:
        rows = read_score_rows(upload.read())
        changed = services.exam_scores_import(actor=request.user, training_class=training_class, rows=rows,
                                              request=request)
    except (Forbidden, NotFound):
        return forbidden(request)
    except services.InvalidInput as exc:
        for error in exc.errors:
            form.add_error("file", error.message)
        return _exam_page(request, training_class, upload_form=form, status=400)
    except DomainError as exc:
        add_domain_error(form, exc)
        return _exam_page(request, training_class, upload_form=form, status=400)
    messages.success(request, f"成绩表已导入，{changed} 个成绩有变化。")
    return redirect("assessment:exam", pk=training_class.pk)


# --- reflections -------------------------------------------------------------------------------

def _may_read_reflections(request, training_class) -> bool:
    return scope.can(request.user, "assessment.view") or _may(request, training_class, "reflections.grade")


@requires("classes.view")
def reflections_view(request, pk):
    training_class = or_404(class_get_for, request.user, pk)
    if not _may_read_reflections(request, training_class):
        return forbidden(request)
    reflections = selectors.reflections_of(training_class)
    enrolled = selectors.assessed_enrollments(training_class).count()
    return render(request, "assessment/reflections.html", {
        "training_class": training_class, "reflections": reflections, "enrolled": enrolled,
        "ungraded": sum(1 for r in reflections if not r.grade), "rule": selectors.rule_of(training_class),
        **_rights(request, training_class),
    })


@requires("classes.view")
def reflection_view(request, pk, reflection_pk):
    training_class = or_404(class_get_for, request.user, pk)
    if not _may_read_reflections(request, training_class):
        return forbidden(request)
    try:
        reflection = selectors.reflection_get(training_class, reflection_pk)
    except NotFound:
        raise Http404() from None
    can_grade = _may(request, training_class, "reflections.grade") and not training_class.is_locked
    if request.method == "POST" and not can_grade:
        return forbidden(request)
    form = GradeForm(request.POST or None, initial={"grade": reflection.grade, "comment": reflection.comment})
    if request.method == "POST" and form.is_valid():
        try:
            services.reflection_grade(actor=request.user, reflection=reflection, grade=form.cleaned_data["grade"],
                                      comment=form.cleaned_data["comment"], request=request)
        except (Forbidden, NotFound):
            return forbidden(request)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已评定{reflection.enrollment.cadre.person.name}的学习心得。")
            following = next((r for r in selectors.reflections_of(training_class) if not r.grade), None)
            if following is not None:
                return redirect("assessment:reflection", pk=training_class.pk, reflection_pk=following.pk)
            return redirect("assessment:reflections", pk=training_class.pk)
    return render(request, "assessment/reflection.html", {
        "training_class": training_class, "reflection": reflection, "form": form, "can_grade": can_grade,
        "length": selectors.text_length(reflection.text),
    }, status=400 if form.errors else 200)


# --- discipline --------------------------------------------------------------------------------

@requires("classes.view")
def discipline_view(request, pk):
    training_class = or_404(class_get_for, request.user, pk)
    if not scope.can(request.user, "assessment.view"):
        return forbidden(request)
    can_manage = _may(request, training_class, "assessment.manage") and not training_class.is_locked
    if request.method == "POST" and not can_manage:
        return forbidden(request)
    enrollments = list(selectors.assessed_enrollments(training_class))
    form = DisciplineForm(request.POST or None, enrollments=enrollments,
                          initial={"date": timezone.localdate(), "severity": "minor"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enrollment = selectors.enrollment_of_class(training_class, data["enrollment"])
            services.discipline_add(actor=request.user, training_class=training_class, enrollment=enrollment,
                                    date=data["date"], text=data["text"], severity=data["severity"], request=request)
        except Forbidden:
            return forbidden(request)
        except NotFound:
            form.add_error("enrollment", "该学员不在本班名单中。")
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已记录{enrollment.cadre.person.name}的纪律情况。")
            return redirect("assessment:discipline", pk=training_class.pk)
    return render(request, "assessment/discipline.html", {
        "training_class": training_class, "notes": selectors.discipline_notes_of(training_class), "form": form,
        "can_manage": can_manage, "withdraw_form": WithdrawForm(),
    }, status=400 if form.errors else 200)


@require_POST
@requires("classes.view")
def discipline_withdraw_view(request, pk, note_pk):
    training_class = or_404(class_get_for, request.user, pk)
    try:
        note = selectors.discipline_note_get(training_class, note_pk)
    except NotFound:
        raise Http404() from None
    if not _may(request, training_class, "assessment.manage"):
        return forbidden(request)
    try:
        services.discipline_withdraw(actor=request.user, note=note, reason=request.POST.get("reason", ""),
                                     request=request)
    except (Forbidden, NotFound):
        return forbidden(request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已撤销该纪律记录。")
    return redirect("assessment:discipline", pk=training_class.pk)


# --- closing -----------------------------------------------------------------------------------

@requires("classes.view")
def close_view(request, pk):
    training_class = or_404(class_get_for, request.user, pk)
    if not _may(request, training_class, "classes.close"):
        return forbidden(request)
    if request.method == "POST":
        try:
            outcome = services.class_close(actor=request.user, training_class=training_class, request=request)
        except (Forbidden, NotFound):
            return forbidden(request)
        except Conflict as exc:
            messages.info(request, exc.message)
            return redirect("assessment:table", pk=training_class.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("assessment:close", pk=training_class.pk)
        messages.success(request, f"已结班：{outcome.assessed} 人参加考核，{outcome.completed} 人结业，"
                                  f"登记学时 {outcome.postings} 条共 {outcome.hours_posted.normalize():f} 学时。")
        return redirect("assessment:table", pk=training_class.pk)
    if training_class.is_locked:
        messages.info(request, "班次已结班。")
        return redirect("assessment:table", pk=training_class.pk)
    sheet = services.close_preview(training_class)
    return render(request, "assessment/close.html", {
        "training_class": training_class, "sheet": sheet,
        "blockers": services.close_blockers(training_class, sheet),
    })


# --- certificates ------------------------------------------------------------------------------

def _certificates_response(request, training_class, results, filename: str):
    if not results:
        raise Http404()
    closing = getattr(training_class, "closing", None)
    data = render_pdf("assessment/pdf/certificates.html", {
        "training_class": training_class, "results": results,
        "issued_on": timezone.localtime(closing.closed_at).date() if closing else training_class.end_date,
    })
    return pdf_response(data, filename)


@requires("classes.view")
def certificates_view(request, pk):
    training_class = or_404(class_get_for, request.user, pk)
    if not scope.can(request.user, "assessment.view"):
        return forbidden(request)
    results = selectors.completed_results(training_class)
    return _certificates_response(request, training_class, results, f"结业证书-{training_class.title}.pdf")


@requires("classes.view")
def certificate_view(request, pk, enrollment_pk):
    training_class = or_404(class_get_for, request.user, pk)
    if not scope.can(request.user, "assessment.view"):
        return forbidden(request)
    results = [r for r in selectors.completed_results(training_class) if str(r.enrollment_id) == str(enrollment_pk)]
    name = results[0].cadre.person.name if results else ""
    return _certificates_response(request, training_class, results, f"结业证书-{name}.pdf")


# --- the learner's own -------------------------------------------------------------------------

def _own(request, class_pk):
    try:
        return selectors.own_enrollment(request.user, class_pk)
    except NotFound:
        raise Http404() from None


@requires("self.view")
def learn_reflection_view(request, class_pk):
    enrollment = _own(request, class_pk)
    state = selectors.learner_state(enrollment)
    reflection = state["reflection"]
    editable = state["can_write"] and (reflection is None or not reflection.grade)
    if request.method == "POST" and not editable:
        messages.error(request, "学习心得已评定或班次不在进行中，不能修改。")
        return redirect("assessment:learn_reflection", class_pk=enrollment.training_class_id)
    form = ReflectionForm(request.POST or None, initial={"title": reflection.title, "text": reflection.text}
                          if reflection else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reflection_submit(actor=request.user, enrollment=enrollment, title=form.cleaned_data["title"],
                                       text=form.cleaned_data["text"], request=request)
        except NotFound:
            raise Http404() from None
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "学习心得已提交。评定前仍可修改。")
            return redirect("assessment:learn_reflection", class_pk=enrollment.training_class_id)
    return render(request, "assessment/learn/reflection.html", {
        **state, "form": form, "editable": editable,
        "length": selectors.text_length(reflection.text) if reflection else 0,
    }, status=400 if form.errors else 200)


@requires("self.view")
def learn_certificate_view(request, class_pk):
    enrollment = _own(request, class_pk)
    results = list(selectors.results_for(request.user, permission="archive.view")
                   .filter(enrollment=enrollment, completed=True, cadre__person__account=request.user.pk)
                   .select_related("cadre__person", "enrollment", "training_class__institution"))
    return _certificates_response(request, enrollment.training_class, results,
                                  f"结业证书-{enrollment.training_class.title}.pdf")
