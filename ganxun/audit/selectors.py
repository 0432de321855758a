"""Reads of the audit trail (audit admin only; the trail is not scoped by organisation)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from ganxun.access import scope
from ganxun.audit.models import AuditEntry
from ganxun.core.errors import Forbidden
from ganxun.core.text import clean


def audit_list_for(
    actor, *, q: str = "", action: str = "", result: str = "", date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    if not scope.can(actor, "audit.view"):
        raise Forbidden()
    qs = AuditEntry.objects.all()
    q = clean(q)
    if q:
        qs = qs.filter(Q(actor_username__icontains=q) | Q(actor_name__icontains=q) | Q(target_repr__icontains=q)
                       | Q(ip=q) | Q(target_id=q))
    if action:
        qs = qs.filter(action__startswith=action)
    if result:
        qs = qs.filter(result=result)
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return qs.order_by("-id")


# Action names as shown in the audit page's filter.
ACTION_LABELS = {
    "auth.login": "登录", "auth.logout": "退出", "auth.totp": "动态口令验证", "auth.role_switch": "切换角色",
    "account.": "账号管理", "role.": "角色分配/撤销", "token.": "API 令牌", "person.reveal": "查看完整个人信息",
    "org.": "组织机构", "topic.": "内容分类", "cadre.": "干部信息", "career.": "任职经历", "teacher.": "师资信息",
    "import.": "导入", "export.": "导出", "audit.verify": "审计链校验", "system.": "系统运行",
}
