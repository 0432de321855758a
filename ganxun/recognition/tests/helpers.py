"""Builders of recognition tests."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings

from ganxun.lrs.services import agent_for_account, lrs_client_create
from ganxun.recognition.models import RecognitionRule, RecognitionSource

SITE = settings.GANXUN_SITE_URL.rstrip("/")


def make_source(owner, *, name="学习强国", unit="points", per_hour="30", cap=None, needs_approval=False,
                since=dt.date(2020, 1, 1), client=False) -> RecognitionSource:
    lrs_client = lrs_client_create(name=f"{name}推送")[0] if client else None
    source = RecognitionSource.objects.create(name=name, unit=unit, owner=owner, client=lrs_client)
    RecognitionRule.objects.create(source=source, effective_from=since, amount_per_hour=Decimal(per_hour),
                                   yearly_cap_hours=Decimal(cap) if cap is not None else None,
                                   needs_approval=needs_approval)
    return source


def pushed(account, *, amount=60, extension="points", verb="completed", when="2026-03-02T09:00:00+08:00",
           title="学习新思想", record_id=None, actor=None) -> dict:
    statement = {
        "id": str(uuid.uuid4()),
        "actor": actor or agent_for_account(account),
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"zh-CN": verb}},
        "object": {"objectType": "Activity", "id": f"https://xuexi.example.cn/course/{uuid.uuid4().hex[:8]}",
                   "definition": {"name": {"zh-CN": title}}},
        "timestamp": when,
        "result": {"completion": True, "extensions": {f"{SITE}/xapi/extensions/{extension}": amount}},
    }
    if record_id is not None:
        statement["context"] = {"extensions": {f"{SITE}/xapi/extensions/record-id": record_id}}
    return statement
