"""Home pages: the back-office dashboard, the learner's home and profile, system status, health."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ganxun.access.policies import login_required, public, requires
from ganxun.access.roles import LEARNER_ROLES
from ganxun.archive.selectors import archive_of, hours_this_year
from ganxun.audit.models import AuditEntry
from ganxun.core.errors import NotFound
from ganxun.learning import selectors as learning
from ganxun.learning.home import home_panels
from ganxun.learning.services import current_media, required_seconds
from ganxun.people.selectors import cadre_of_self, career_events_for
from ganxun.portal.selectors import dashboard_for, yearly_hours
from ganxun.portal.todo import todo_for
from ganxun.roster.selectors import own_classes


@public
def healthz_view(request):
    """For load balancers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def home_view(request):
    role = request.active_role
    if role is not None and role.role in LEARNER_ROLES:
        return redirect("portal:learn_home")
    figures = dashboard_for(request.user)
    charts = {key: figures[key] for key in ("by_rank", "by_category", "by_age") if key in figures}
    return render(request, "portal/home.html", {"figures": figures, "charts": charts, "todo": todo_for(request.user)})


def _own_cadre(request):
    try:
        return cadre_of_self(request.user)
    except NotFound:
        return None


# The learner home's own cards and their places among the panels other apps register
# (learning.home documents these orders): (order, template). The first two need a cadre record.
_LEARN_HOME_CADRE_CARDS = ((100, "portal/_hours_card.html"), (150, "roster/_home_card.html"))
_LEARN_HOME_COURSE_CARDS = ((200, "portal/_continue_learning_card.html"), (300, "portal/_required_courses_card.html"))


def _learn_home_cards(request, cadre) -> list[tuple[int, str, str]]:
    """(order, template, html) of every card of the learner home, in order: the portal's own
    (template, html "") and the registered panels (template "", their html). An own card comes
    before a panel of the same order."""
    own = [*(_LEARN_HOME_CADRE_CARDS if cadre else ()), *_LEARN_HOME_COURSE_CARDS]
    cards = [(order, template, "") for order, template in own]
    cards += [(order, "", html) for order, html in home_panels(request, has_cadre=cadre is not None)]
    return sorted(cards, key=lambda card: card[0])  # stable: own cards first on a tie


@requires("self.view")
def learn_home_view(request):
    """The learner's home (mobile first): this year's hours against the requirement so far, current
    classes, courses to continue, required courses not yet done, and the cards other apps register
    (learning.home; themed online classes, say), all in the order of learning.home."""
    cadre = _own_cadre(request)
    continuing = []
    for progress in learning.continue_learning(request.user):
        needed = required_seconds(progress.course, current_media(progress.course))
        continuing.append((progress, min(100, progress.credited_seconds * 100 // needed) if needed else 0))
    required = learning.required_not_done(request.user)
    year_hours = hours_this_year(request.user, cadre) if cadre else None
    return render(request, "portal/learn_home.html", {
        "cadre": cadre, "my_classes": own_classes(request.user) if cadre else None,
        "year_hours": year_hours, "standing": yearly_hours(year_hours) if cadre else None,
        "continuing": continuing, "required_courses": list(required[:5]), "required_count": required.count(),
        "cards": _learn_home_cards(request, cadre)})


@requires("self.view")
def learn_profile_view(request):
    cadre = _own_cadre(request)
    events = career_events_for(request.user, cadre) if cadre else []
    return render(request, "portal/learn_profile.html", {
        "cadre": cadre, "events": events, "archive": archive_of(request.user, cadre) if cadre else None})


@require_POST
@requires("self.view")
def learn_reveal_view(request):
    """The learner's own full ID number and phone (their own data: no admin read to audit)."""
    cadre = _own_cadre(request)
    if cadre is None:
        raise NotFound()
    return render(request, "portal/_own_identity.html", {"person": cadre.person})


@requires("system.operate")
def system_view(request):
    backups = []
    if settings.GANXUN_BACKUP_DIR.exists():
        backups = sorted(settings.GANXUN_BACKUP_DIR.glob("ganxun-*.tar.gz"), reverse=True)[:20]
    return render(request, "portal/system.html", {
        "database": connection.vendor,
        "database_name": connection.settings_dict.get("NAME"),
        "queue": settings.HUEY.get("huey_class"),
        "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
        "audit_count": AuditEntry.objects.count(),
        "backups": [{"name": b.name, "size": b.stat().st_size, "mtime": b.stat().st_mtime} for b in backups],
    })
