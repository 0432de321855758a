"""Roles and what each may do, declared as data.

A role is always held *with a scope* (an organisation subtree, see
RoleAssignment); the permissions below say what kind of thing the role may do,
the scope says where. The three administrators are separated (三员分立): no one
of them holds another's permissions, and no person holds two of them.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    ORG_DEPT_ADMIN = "org_dept_admin", "组织部门管理员"
    INSTITUTION_ADMIN = "institution_admin", "培训机构管理员"
    HEAD_TEACHER = "head_teacher", "班主任"
    TEACHER = "teacher", "教师"
    UNIT_LIAISON = "unit_liaison", "单位联络员"
    CADRE = "cadre", "参训干部"
    LEADER = "leader", "领导（只读）"
    COURSE_REVIEWER = "course_reviewer", "课程评审专家"
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


SEPARATED_ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

# Roles whose home is the learner UI (/learn/) rather than the back office.
LEARNER_ROLES = frozenset({Role.CADRE})

# Permission names are "<area>.<verb>". Every view and API operation names one.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ORG_DEPT_ADMIN: frozenset({
        "org.view", "org.manage_units", "topics.view",
        "cadres.view", "cadres.manage", "cadres.reveal", "cadres.import", "cadres.export",
        "units.import", "units.export", "teachers.view", "surveys.view", "surveys.manage",
        "plans.view", "plans.manage", "plans.approve", "classes.view", "classes.manage",
        "roster.view", "roster.call", "roster.review", "attendance.view", "assessment.view",
        "credits.view", "credits.correct", "archive.view", "evaluation.view", "rectification.manage",
        "courses.view", "courses.manage", "courses.publish", "courses.submit", "courses.confirm",
        "recognition.view", "recognition.manage", "recognition.upload", "recognition.decide", "recognition.export",
        "onlineclasses.view", "onlineclasses.manage",
    }),
    Role.INSTITUTION_ADMIN: frozenset({
        "org.view", "topics.view", "teachers.view", "teachers.manage", "teachers.reveal",
        "plans.view", "classes.view", "classes.manage", "timetable.manage", "rooms.manage",
        "roster.view", "attendance.view", "attendance.manage", "leave.approve", "logistics.manage",
        "assessment.view", "assessment.manage", "reflections.grade", "classes.run", "classes.close",
        "evaluation.view", "evaluation.manage", "rectification.manage",
        "courses.view", "courses.manage", "courses.submit",
    }),
    Role.HEAD_TEACHER: frozenset({
        "org.view", "topics.view", "teachers.view", "self.view", "classes.view", "timetable.manage",
        "roster.view", "attendance.view", "attendance.manage", "leave.approve", "logistics.manage",
        "assessment.view", "assessment.manage", "reflections.grade", "classes.run", "classes.close",
        "evaluation.view",
    }),
    Role.TEACHER: frozenset({"topics.view", "self.view", "classes.view", "reflections.grade", "evaluation.own",
                             "courses.view", "courses.manage", "courses.submit"}),
    Role.UNIT_LIAISON: frozenset({
        "org.view", "cadres.view", "cadres.manage", "cadres.reveal", "cadres.import", "cadres.export", "surveys.view",
        "roster.view", "roster.nominate", "attendance.view", "credits.view", "archive.view", "evaluation.followup",
        "recognition.view", "recognition.upload", "onlineclasses.view",
    }),
    Role.CADRE: frozenset({"self.view", "learning.study"}),
    Role.LEADER: frozenset({
        "org.view", "topics.view", "cadres.view", "teachers.view", "units.export", "surveys.view",
        "plans.view", "classes.view", "roster.view", "attendance.view", "assessment.view", "credits.view",
        "archive.view", "evaluation.view", "courses.view", "recognition.view", "onlineclasses.view",
    }),
    # Experts who score the courses submitted for review under their scope node (课程评审).
    Role.COURSE_REVIEWER: frozenset({"topics.view", "courses.review"}),
    Role.SYSTEM_ADMIN: frozenset({
        "org.view", "org.manage", "org.manage_units", "topics.view", "topics.manage",
        "units.import", "units.export", "system.operate", "lrs.manage",
    }),
    Role.SECURITY_ADMIN: frozenset({"org.view", "accounts.view", "accounts.manage", "roles.assign"}),
    Role.AUDIT_ADMIN: frozenset({"audit.view", "audit.verify"}),
}

ALL_PERMISSIONS = frozenset().union(*ROLE_PERMISSIONS.values())


def role_has(role: str | None, permission: str) -> bool:
    return bool(role) and permission in ROLE_PERMISSIONS.get(role, frozenset())

# Which kind of organisation node a role's scope may be (org.Organisation.Kind values).
ROLE_SCOPE_KINDS: dict[str, frozenset[str]] = {
    Role.ORG_DEPT_ADMIN: frozenset({"region"}),
    Role.INSTITUTION_ADMIN: frozenset({"institution"}),
    Role.HEAD_TEACHER: frozenset({"institution"}),
    Role.TEACHER: frozenset({"institution"}),
    Role.UNIT_LIAISON: frozenset({"unit"}),
    Role.CADRE: frozenset({"unit"}),
    Role.LEADER: frozenset({"region"}),
    Role.COURSE_REVIEWER: frozenset({"region"}),
    Role.SYSTEM_ADMIN: frozenset({"region"}),
    Role.SECURITY_ADMIN: frozenset({"region"}),
    Role.AUDIT_ADMIN: frozenset({"region"}),
}
