"""Reads of people, always through the scope gate."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ganxun.access import scope
from ganxun.core.crypto import keyed_hash
from ganxun.core.errors import NotFound
from ganxun.core.idcard import InvalidIdNumber, parse_id_number
from ganxun.core.text import clean, clean_phone, is_valid_phone
from ganxun.org.models import Organisation
from ganxun.people.models import Cadre, CareerEvent, Teacher


def identity_token(q: str) -> str | None:
    """The keyed hash of `q` when it is a full ID number or phone, else None.

    List pages put this token in their URLs instead of the number itself, so full ID
    numbers and phones never reach address bars, browser history or access logs.
    """
    try:
        return keyed_hash(parse_id_number(q).number)
    except InvalidIdNumber:
        pass
    phone = clean_phone(q)
    return keyed_hash(phone) if is_valid_phone(phone) else None


def token_filter(token: str, prefix: str) -> Q:
    return Q(**{f"{prefix}id_number_hash": token}) | Q(**{f"{prefix}phone_hash": token})


def identity_filter(q: str, prefix: str) -> Q | None:
    """Exact ID-number or phone search through the keyed hashes (the columns are encrypted)."""
    token = identity_token(q)
    return token_filter(token, prefix) if token else None


def cadre_list_for(
    actor, *, q: str = "", unit: Organisation | None = None, include_subunits: bool = True,
    rank: str = "", category: str = "", is_leader: bool | None = None, gender: str = "",
    include_inactive: bool = False, permission: str = "cadres.view", identity: str = "",
) -> QuerySet[Cadre]:
    """Cadres the actor may see, filtered. `q` matches a name, or an exact ID number or phone;
    `identity` is an identity_token (the list page's way of asking the same)."""
    qs = scope.scoped(actor, Cadre, permission=permission).select_related("person", "unit")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path) if include_subunits else qs.filter(unit=unit)
    if rank:
        qs = qs.filter(rank=rank)
    if category:
        qs = qs.filter(category=category)
    if is_leader is not None:
        qs = qs.filter(is_leader=is_leader)
    if gender:
        qs = qs.filter(person__gender=gender)
    if identity:
        qs = qs.filter(token_filter(identity, "person__"))
    q = clean(q)
    if q:
        by_identity = identity_filter(q, "person__")
        qs = qs.filter(by_identity) if by_identity is not None else qs.filter(person__name__contains=q.replace(" ", ""))
    return qs.order_by("unit__path", "person__name", "id")


def cadre_get_for(actor, pk, *, permission: str = "cadres.view") -> Cadre:
    return scope.get_for(actor, Cadre.objects.select_related("person", "unit"), pk, permission=permission)


def cadre_of_self(actor) -> Cadre:
    """The actor's own cadre record (learner pages)."""
    cadre = Cadre.objects.select_related("person", "unit").filter(person__account=actor).first()
    if cadre is None:
        raise NotFound("您的账号没有关联干部档案。")
    return cadre


def career_events_for(actor, cadre: Cadre) -> QuerySet[CareerEvent]:
    return scope.scoped(actor, CareerEvent, permission="cadres.view").filter(cadre=cadre).order_by("-date", "-id")


def teacher_list_for(
    actor, *, q: str = "", institution: Organisation | None = None, topic_id: int | None = None,
    is_internal: bool | None = None, include_inactive: bool = False, identity: str = "",
) -> QuerySet[Teacher]:
    qs = scope.scoped(actor, Teacher, permission="teachers.view").select_related("person", "institution")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if institution is not None:
        qs = qs.filter(institution=institution)
    if topic_id:
        qs = qs.filter(expertise__id=topic_id)
    if is_internal is not None:
        qs = qs.filter(is_internal=is_internal)
    if identity:
        qs = qs.filter(token_filter(identity, "person__"))
    q = clean(q)
    if q:
        by_identity = identity_filter(q, "person__")
        qs = qs.filter(by_identity) if by_identity is not None else qs.filter(person__name__contains=q.replace(" ", ""))
    return qs.order_by("institution__path", "person__name", "id").distinct()


def teacher_get_for(actor, pk) -> Teacher:
    return scope.get_for(actor, Teacher.objects.select_related("person", "institution"), pk,
                         permission="teachers.view")
