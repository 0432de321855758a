"""The learner's side: the evaluation panel of the class page, "我的评价", and the rating posts.

The panel (registered with roster.panels in EvaluationConfig.ready) lists the sessions the
cadre attended that have started, each with a compact 1–5 control, and the class rating when
it is open. The forms post with htmx and get back the one item they replace; without
JavaScript they post normally and return to the page they came from.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ganxun.access.policies import requires
from ganxun.core.errors import DomainError, NotFound
from ganxun.evaluation import rules, selectors, services
from ganxun.evaluation.forms import ClassRatingForm, SessionRatingForm
from ganxun.evaluation.models import SessionRating


def render_learner_panel(request, enrollment) -> str:
    """HTML of the evaluation section of the learner's class page ("" when nothing to rate)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    own = selectors.own_enrollments_for(user).filter(pk=enrollment.pk).first()
    if own is None:
        return ""
    state = selectors.learner_state(own)
    if not state.has_content:
        return ""
    return render_to_string("evaluation/_learner_panel.html", {"state": state}, request=request)


@requires("self.view")
def learn_view(request):
    """"我的评价": every class of the cadre with sessions to rate (or rated)."""
    return render(request, "evaluation/learn.html", {"states": selectors.own_rating_items_for(request.user)})


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect("evaluation:learn")


def _session_item(request, session, enrollment, *, form=None, saved=False):
    training_class = session.training_class
    item = selectors.SessionItem(session, rules.session_open(session, training_class),
                                 SessionRating.objects.filter(session=session, enrollment=enrollment).first())
    return render(request, "evaluation/_session_item.html", {
        "item": item, "form": form, "saved": saved, "editing": form is not None and bool(form.errors),
        "values": _posted(form, ("content", "teaching")),
    })


def _posted(form, names) -> dict | None:
    """A refused form shows what the cadre chose, not their saved rating."""
    if form is None or not form.errors:
        return None
    return {**{name: form.data.get(name) for name in names}, "comment": form.data.get("comment", "")}


@require_POST
@requires("self.view")
def learn_session_rate_view(request, pk):
    try:
        session, enrollment = selectors.rateable_session_get_for(request.user, pk)
    except NotFound:
        raise Http404() from None
    form = SessionRatingForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.session_rate(actor=request.user, session=session, enrollment=enrollment,
                                  content=form.cleaned_data["content"], teaching=form.cleaned_data["teaching"],
                                  comment=form.cleaned_data["comment"], request=request)
        except NotFound:
            raise Http404() from None
        except DomainError as exc:
            error = exc.message
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    else:
        error = next(iter(form.errors.values()))[0]
    if request.htmx:
        # htmx swaps 200 answers only: a refusal comes back as the form with its message.
        return _session_item(request, session, enrollment, form=form if error else None, saved=error is None)
    if error:
        messages.error(request, f"“{session.title}”：{error}")
    else:
        messages.success(request, f"已提交对“{session.title}”的评价，感谢！")
    return _back(request)


@require_POST
@requires("self.view")
def learn_class_rate_view(request, pk):
    try:
        training_class, enrollment = selectors.rateable_class_get_for(request.user, pk)
    except NotFound:
        raise Http404() from None
    form = ClassRatingForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.class_rate(actor=request.user, enrollment=enrollment, content=form.cleaned_data["content"],
                                organisation=form.cleaned_data["organisation"],
                                logistics=form.cleaned_data["logistics"], comment=form.cleaned_data["comment"],
                                request=request)
        except NotFound:
            raise Http404() from None
        except DomainError as exc:
            error = exc.message
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    else:
        error = next(iter(form.errors.values()))[0]
    if request.htmx:
        state = selectors.learner_state(enrollment)
        return render(request, "evaluation/_class_item.html", {
            "state": state, "form": form if error else None, "saved": error is None,
            "editing": error is not None,
            "values": _posted(form if error else None, ("content", "organisation", "logistics")),
        })
    if error:
        messages.error(request, f"班次评价：{error}")
    else:
        messages.success(request, "已提交班次评价，感谢！")
    return _back(request)

