"""Reads of credit recognition — every one starts from the scope gate.

Sources are managed along their owner region (`recognition.manage`). A source can be *used* (its
records uploaded, its claims decided) for cadres under its owner region: an org department of a
county uses the province's sources for its cadres, so `sources_usable_by` also lists the sources
owned by the regions above the actor's scope. Claims are seen along the cadre's current unit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Q, QuerySet, Sum

from ganxun.access import scope
from ganxun.core.errors import NotFound
from ganxun.recognition.models import ClaimStatus, RecognitionClaim, RecognitionSource, RecognitionUpload


def sources_for(actor) -> QuerySet[RecognitionSource]:
    """The sources the actor manages (owner in the actor's subtree)."""
    return (scope.scoped(actor, RecognitionSource, permission="recognition.manage")
            .select_related("owner", "client").prefetch_related("rules").order_by("name", "pk"))


def source_get_for(actor, pk) -> RecognitionSource:
    return scope.get_for(actor, RecognitionSource.objects.select_related("owner", "client"), pk,
                         permission="recognition.manage")


def _ancestor_paths(path: str) -> list[str]:
    """'/1/5/9/' → ['/1/', '/1/5/', '/1/5/9/']."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def sources_usable_by(actor, permission: str) -> QuerySet[RecognitionSource]:
    """Active sources whose owner region is above, at or under the actor's scope (with `permission`)."""
    root = scope.scope_path(actor)
    if root is None or not scope.can(actor, permission):
        return RecognitionSource.objects.none()
    return (RecognitionSource.objects.filter(is_active=True)
            .filter(Q(owner__path__in=_ancestor_paths(root)) | Q(owner__path__startswith=root))
            .select_related("owner").order_by("name", "pk"))


def usable_source_get_for(actor, pk, permission: str) -> RecognitionSource:
    try:
        return sources_usable_by(actor, permission).get(pk=int(pk))
    except (RecognitionSource.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


@dataclass(frozen=True)
class ClaimFilter:
    status: str = ""
    source_id: int | None = None
    q: str = ""


def claims_for(actor, flt: ClaimFilter = ClaimFilter()) -> QuerySet[RecognitionClaim]:
    claims = scope.scoped(actor, RecognitionClaim, permission="recognition.view")
    if flt.status:
        claims = claims.filter(status=flt.status)
    if flt.source_id:
        claims = claims.filter(source_id=flt.source_id)
    if flt.q:
        claims = claims.filter(Q(cadre__person__name__contains=flt.q) | Q(external_ref=flt.q)
                               | Q(title__contains=flt.q))
    return (claims.select_related("cadre__person", "cadre__unit", "source", "rule", "decided_by", "credit_record")
            .order_by("-created_at", "-id"))


def claim_get_for(actor, pk, *, permission: str = "recognition.view") -> RecognitionClaim:
    return scope.get_for(actor, RecognitionClaim.objects.select_related("cadre__person", "cadre__unit", "source",
                                                                        "rule", "decided_by"), pk,
                         permission=permission)


def my_claims(actor) -> QuerySet[RecognitionClaim]:
    """The actor's own claims (as a cadre), newest first."""
    return (RecognitionClaim.objects.filter(cadre__person__account=actor.pk)
            .select_related("source", "rule").order_by("-earned_on", "-id"))


def claim_counts(actor) -> dict[str, int]:
    rows = scope.scoped(actor, RecognitionClaim, permission="recognition.view").values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def recognised_hours_by_source(claims) -> list[tuple[str, object]]:
    rows = (claims.filter(status=ClaimStatus.RECOGNISED).values("source__name")
            .annotate(hours=Sum("recognised_hours")).order_by("source__name"))
    return [(row["source__name"], row["hours"]) for row in rows]


def uploads_for(actor) -> QuerySet[RecognitionUpload]:
    return (scope.scoped(actor, RecognitionUpload, permission="recognition.upload")
            .select_related("source", "created_by").order_by("-created_at", "-id"))


def upload_get_for(actor, pk) -> RecognitionUpload:
    return scope.get_for(actor, RecognitionUpload.objects.select_related("source", "created_by", "scope"), pk,
                         permission="recognition.upload")


# --- the home page's to-do card (portal.todo) ----------------------------------------------------

@dataclass(frozen=True)
class ClaimsAwaiting:
    count: int
    oldest_created_at: dt.datetime | None


def claims_awaiting_decision(actor) -> ClaimsAwaiting:
    """Claims waiting for the org department's approval: how many, and when the oldest arrived.

    Counted: claims 待审核 (pending — their source's rule needs approval) of cadres whose current
    unit lies in the actor's subtree, with `recognition.decide` (the right services.claims_approve
    and claim_reject check, through the same scope rule as the claims list). One query.
    """
    if not scope.can(actor, "recognition.decide"):
        return ClaimsAwaiting(0, None)
    figures = (scope.scoped(actor, RecognitionClaim, permission="recognition.decide")
               .filter(status=ClaimStatus.PENDING).aggregate(count=Count("pk"), oldest=Min("created_at")))
    return ClaimsAwaiting(figures["count"], figures["oldest"])
