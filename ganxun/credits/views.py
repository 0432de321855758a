"""Back-office pages of the credit-hour ledger: a cadre's ledger, and corrections.

The cadre (and the record) come through the scope gate first, so an out-of-scope id is
404 like a missing one. A correction is a reversal (and optionally a new posting), never
an edit — credits.services.credit_correct.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from ganxun.access import scope
from ganxun.access.policies import requires
from ganxun.core.errors import Conflict, DomainError, Forbidden, NotFound
from ganxun.core.forms import add_domain_error
from ganxun.credits import selectors, services
from ganxun.credits.forms import CorrectionForm


@requires("credits.view")
def ledger_view(request, cadre_pk):
    try:
        cadre = selectors.ledger_cadre_get_for(request.user, cadre_pk)
    except NotFound:
        raise Http404() from None
    records = list(selectors.ledger_of(request.user, cadre))
    totals = selectors.credit_totals(records)
    return render(request, "credits/ledger.html", {
        "cadre": cadre, "person": cadre.person, "records": records, "totals": totals,
        "this_year": totals.year(timezone.localdate().year),
        "can_correct": scope.can(request.user, "credits.correct") and scope.path_within(request.user,
                                                                                       cadre.unit.path),
    })


@requires("credits.correct")
def correct_view(request, pk):
    try:
        record = selectors.record_get_for(request.user, pk)
    except NotFound:
        raise Http404() from None
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.credit_correct(actor=request.user, record=record, reason=data["reason"],
                                    new_hours=data["new_hours"], new_earned_on=data["new_earned_on"],
                                    request=request)
        except Forbidden:
            return render(request, "errors/403.html", status=403)
        except NotFound:
            raise Http404() from None
        except Conflict as exc:
            messages.info(request, exc.message)
            return redirect("credits:ledger", cadre_pk=record.cadre_id)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已更正：原记录已冲销" + ("，并登记了更正后的学时。" if data["new_hours"] else "。"))
            return redirect("credits:ledger", cadre_pk=record.cadre_id)
    return render(request, "credits/correct.html", {"record": record, "cadre": record.cadre, "form": form},
                  status=400 if form.errors else 200)
