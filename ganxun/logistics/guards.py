"""Who may act on a class's logistics, and on one cadre's logistics record.

Staff: the active role carries `logistics.manage`, the class is one the actor sees
(`classes.selectors.class_get_for` narrows head teachers to the classes they head) and
its institution lies in the actor's scope (readers along the organiser's path do not
manage the canteen). Cadres: their own enrollment, with `self.view`.
Missing and not-yours are the same NotFound.
"""

from __future__ import annotations

from ganxun.access import scope
from ganxun.classes.models import TrainingClass
from ganxun.classes.selectors import class_get_for
from ganxun.core.errors import NotFound
from ganxun.roster.models import Enrollment

NOT_MANAGED = "该班次不在您的管理范围内。"


def managed_class(actor, training_class: TrainingClass | int) -> TrainingClass:
    """The class, re-read through the scope gate, if the actor manages its logistics.
    Forbidden when the role lacks `logistics.manage`, NotFound when the class is not theirs."""
    scope.require(actor, "logistics.manage")
    pk = training_class.pk if isinstance(training_class, TrainingClass) else training_class
    try:
        found = class_get_for(actor, pk)
    except NotFound:
        raise NotFound(NOT_MANAGED) from None
    scope.require_within(actor, found.institution, message=NOT_MANAGED)
    return found


def can_manage(actor, training_class: TrainingClass) -> bool:
    """For templates and views: may the actor change this class's logistics?"""
    if not scope.can(actor, "logistics.manage"):
        return False
    try:
        managed_class(actor, training_class)
    except NotFound:
        return False
    return True


def owns(actor, enrollment: Enrollment) -> bool:
    """The enrollment is the actor's own (a cadre acting for themselves)."""
    return (scope.can(actor, "self.view") and actor.pk is not None
            and enrollment.cadre.person.account_id == actor.pk)


def enrollment_role(actor, enrollment: Enrollment) -> str:
    """"staff" or "self" — how the actor may act on this enrollment's logistics; NotFound
    when neither (another cadre's record, another institution's class)."""
    if scope.can(actor, "logistics.manage") and can_manage(actor, enrollment.training_class):
        return "staff"
    if owns(actor, enrollment):
        return "self"
    raise NotFound()
