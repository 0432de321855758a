"""Callbacks that lower apps call into people without importing it (see apps.ready)."""

from __future__ import annotations

from ganxun.people.models import Cadre, Person, Teacher


def org_in_use_reason(org) -> str | None:
    """Refuse to deactivate a unit with serving cadres or an institution with pooled teachers."""
    cadres = Cadre.objects.filter(unit=org, is_active=True).count()
    if cadres:
        return f"该单位仍有 {cadres} 名在职干部，请先调出或标记离职。"
    teachers = Teacher.objects.filter(institution=org, is_active=True).count()
    if teachers:
        return f"该机构师资库仍有 {teachers} 名教师，请先移出。"
    return None


def account_identity_numbers(account) -> list[str]:
    person = Person.objects.filter(account=account).only("id_number").first()
    return [person.id_number] if person else []
