"""Turning the statements a source's LRS client pushed into claims (the pull job).

A source remembers the last statement (XapiStatement.id) it has looked at (`pull_cursor`). A run
reads the client's statements after the cursor in id order, in batches; each batch is one
transaction that creates its claims and moves the cursor, so a crash leaves whole batches and the
next run continues after the last one. Claims are unique by (source, external_ref), so a batch
looked at twice creates nothing new.

Statements stored in the last LAG_SECONDS are left for the next run: ids are allocated at insert,
and a concurrent insert with a lower id may commit a moment after a higher one — waiting for the
lag keeps the cursor from passing over it.

What a statement must be to become a claim (see docs/recognition.md for the IRIs):

* verb completed or passed (other verbs are ignored: launched, progressed… carry no credit);
* not voided;
* actor one of our accounts (XapiStatement.person set by the LRS) whose person is a cadre under
  the source's owner region;
* an amount in the source's unit: result.extensions[<site>/xapi/extensions/credit-hours | points |
  minutes | credits]; for minutes also result.duration;
* the external reference: context.extensions[<site>/xapi/extensions/record-id] when given (so the
  same record also uploaded in a file is one claim), else the statement id.

Statements that fail one of these are skipped and counted by reason in the source's pull_stats
(a claim needs a cadre and an amount, so there is nothing to reject).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ganxun.lrs.compression import decompress
from ganxun.lrs.models import XapiStatement
from ganxun.people.models import Cadre
from ganxun.recognition.models import AmountUnit, ClaimOrigin, RecognitionSource
from ganxun.recognition.services import MAX_AMOUNT, ClaimInput, claims_create

logger = logging.getLogger(__name__)

LAG_SECONDS = 30
BATCH = 500
CREDIT_VERBS = frozenset({"http://adlnet.gov/expapi/verbs/completed", "http://adlnet.gov/expapi/verbs/passed"})

SKIP_REASONS = {
    "verb": "动词不是 completed / passed",
    "voided": "语句已作废",
    "not_our_person": "学习者不是本平台账号",
    "not_cadre": "学习者没有干部档案",
    "out_of_scope": "学习者不在该平台的管理区域内",
    "no_amount": "缺少或无效的学习数量",
}


def site_url() -> str:
    return settings.GANXUN_SITE_URL.rstrip("/")


def extension_iri(name: str) -> str:
    return f"{site_url()}/xapi/extensions/{name}"


AMOUNT_EXTENSIONS = {AmountUnit.HOURS: "credit-hours", AmountUnit.POINTS: "points", AmountUnit.MINUTES: "minutes",
                     AmountUnit.CREDITS: "credits"}

_DURATION = re.compile(r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
                       r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$")


def _minutes_of(duration: str) -> Decimal | None:
    match = _DURATION.match(duration or "")
    if not match or duration in ("P", "PT"):
        return None
    parts = {k: Decimal(v) if v else Decimal(0) for k, v in match.groupdict().items()}
    return parts["d"] * 1440 + parts["h"] * 60 + parts["m"] + parts["s"] / 60


def amount_of(statement: dict, unit: str) -> Decimal | None:
    """The amount the statement reports in `unit`, or None."""
    result = statement.get("result") or {}
    value = (result.get("extensions") or {}).get(extension_iri(AMOUNT_EXTENSIONS[unit]))
    amount = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            amount = None
    elif value is None and unit == AmountUnit.MINUTES and isinstance(result.get("duration"), str):
        amount = _minutes_of(result["duration"])
    if amount is None or not amount.is_finite():
        return None
    amount = amount.quantize(Decimal("0.01"))
    if amount <= 0 or amount > MAX_AMOUNT:
        return None
    return amount


def _title_of(statement: dict) -> str:
    obj = statement.get("object") or {}
    names = ((obj.get("definition") or {}).get("name") or {})
    for tag in ("zh-CN", "zh-Hans", "zh"):
        if names.get(tag):
            return str(names[tag])[:200]
    if names:
        return str(next(iter(names.values())))[:200]
    return str(obj.get("id", ""))[:200]


def _reference_of(statement: dict, statement_id: str) -> str:
    extensions = (statement.get("context") or {}).get("extensions") or {}
    ref = extensions.get(extension_iri("record-id"))
    if isinstance(ref, (str, int)) and not isinstance(ref, bool) and str(ref).strip():
        return str(ref).strip()[:120]
    return statement_id


def recognition_pull(*, source: RecognitionSource | None = None, now: dt.datetime | None = None,
                     lag_seconds: int = LAG_SECONDS) -> dict[int, dict]:
    """Pull every active source with a client (or just `source`); returns {source id: stats of this run}."""
    sources = RecognitionSource.objects.filter(is_active=True, client__isnull=False)
    if source is not None:
        sources = sources.filter(pk=source.pk)
    until = (now or timezone.now()) - dt.timedelta(seconds=lag_seconds)
    return {s.pk: _pull_source(s.pk, until) for s in sources.order_by("pk")}


def _pull_source(source_id: int, until: dt.datetime) -> dict:
    stats: dict = {"claims": 0, "duplicates": 0, "skipped": {}}
    while True:
        with transaction.atomic():
            source = RecognitionSource.objects.select_for_update().select_related("owner").get(pk=source_id)
            rows = list(XapiStatement.objects.filter(client_id=source.client_id, id__gt=source.pull_cursor,
                                                     stored__lte=until)
                        .order_by("id").values("id", "statement_id", "data", "voided", "person_id", "timestamp")[:BATCH])
            if not rows:
                source.pulled_at = timezone.now()
                source.pull_stats = stats
                source.save(update_fields=["pulled_at", "pull_stats"])
                return stats
            items = _claim_inputs(source, rows, stats["skipped"])
            batch = claims_create(actor=None, source=source, items=items, origin=ClaimOrigin.PUSH)
            stats["claims"] += len(batch.created)
            stats["duplicates"] += batch.duplicates
            source.pull_cursor = rows[-1]["id"]
            source.save(update_fields=["pull_cursor"])


def _claim_inputs(source: RecognitionSource, rows: list[dict], skipped: dict[str, int]) -> list[ClaimInput]:
    def skip(reason: str) -> None:
        skipped[reason] = skipped.get(reason, 0) + 1

    person_ids = {r["person_id"] for r in rows if r["person_id"]}
    cadres = {person_id: (pk, path) for pk, person_id, path in
              Cadre.objects.filter(person_id__in=person_ids).values_list("pk", "person_id", "unit__path")}
    items = []
    for row in rows:
        statement = json.loads(decompress(row["data"]))
        if statement.get("verb", {}).get("id") not in CREDIT_VERBS:
            skip("verb")
            continue
        if row["voided"]:
            skip("voided")
            continue
        if not row["person_id"]:
            skip("not_our_person")
            continue
        cadre = cadres.get(row["person_id"])
        if cadre is None:
            skip("not_cadre")
            continue
        if not cadre[1].startswith(source.owner.path):
            skip("out_of_scope")
            continue
        amount = amount_of(statement, source.unit)
        if amount is None:
            skip("no_amount")
            continue
        items.append(ClaimInput(cadre_id=cadre[0], external_ref=_reference_of(statement, str(row["statement_id"])),
                                amount=amount, earned_on=timezone.localtime(row["timestamp"]).date(),
                                title=_title_of(statement), statement_pk=row["id"]))
    return items
