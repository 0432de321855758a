"""Template context: the active role, the roles to switch to, and what the role may do."""

from __future__ import annotations

from ganxun.access.models import RoleAssignment
from ganxun.access.roles import LEARNER_ROLES, ROLE_PERMISSIONS


def access(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"active_role": None, "role_choices": [], "perms_of_role": frozenset(), "is_learner": False,
                "layout": "manage/base.html"}
    role = getattr(request, "active_role", None)
    choices = list(
        RoleAssignment.objects.current().filter(account=user).select_related("scope").order_by("role", "id")
    )
    is_learner = role is not None and role.role in LEARNER_ROLES
    return {
        "active_role": role,
        "role_choices": choices,
        "perms_of_role": ROLE_PERMISSIONS.get(role.role, frozenset()) if role else frozenset(),
        "is_learner": is_learner,
        # Pages shared by both UIs extend this: the learner's mobile layout or the back office.
        "layout": "learn/base.html" if is_learner else "manage/base.html",
    }
