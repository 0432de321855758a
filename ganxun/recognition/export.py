"""A cadre's ledger as xAPI statements, for another platform (学时互认 the other way round).

The file is a JSON array of xAPI 1.0.3 statements — what POST /statements of any LRS accepts —
one per ledger entry that counts: postings not reversed, and corrected postings; reversal entries
and the postings they cancel are left out (the other platform receives the ledger as it stands).

* id: uuid5 over the site and the ledger entry, so exporting twice gives the same ids and an LRS
  that receives the file twice keeps one copy;
* actor: the cadre's account agent (account homePage = our site, name = username), or for a cadre
  without an account {homePage: site, name: "cadre/<id>"};
* verb: completed; object: the class (…/xapi/activities/class/<id>), the online course
  (…/xapi/activities/course/<id>, the id our study pages use), the recognition source
  (…/xapi/activities/recognition-source/<id>), else the entry (…/xapi/activities/credit-record/<id>);
* result: completion, extensions credit-hours (number) and credit-mode;
* timestamp: the earned_on date at 00:00 in the platform's time zone;
* context: platform "ganxun", language zh-CN, extensions record-id (stable per entry, the same
  extension a pushing platform uses — so a ganxun that receives the file makes one claim per entry)
  and source-name.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.conf import settings
from django.utils import timezone

from ganxun.credits.models import CreditRecord
from ganxun.learning.statements import COURSE_TYPE
from ganxun.people.models import Cadre
from ganxun.recognition.models import RecognitionClaim
from ganxun.recognition.pull import extension_iri

NAMESPACE = uuid.UUID("0f5b1c7e-9a3d-5e21-8c4b-677278726563")  # fixed: exported ids stay stable
COMPLETED = {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"zh-CN": "完成", "en-US": "completed"}}
_COURSE_REF = re.compile(r"^course:(\d+):")
_RECOGNITION_REF = re.compile(r"^recognition:(\d+)$")


def _site() -> str:
    return settings.GANXUN_SITE_URL.rstrip("/")


def agent_for_cadre(cadre: Cadre) -> dict:
    account = cadre.person.account
    if account is not None:
        from ganxun.lrs.services import agent_for_account

        return agent_for_account(account)
    return {"objectType": "Agent", "name": cadre.person.name, "account": {"homePage": _site(), "name": f"cadre/{cadre.pk}"}}


def _object(record: CreditRecord, sources: dict[int, tuple[int, str]]) -> dict:
    site = _site()
    if record.source_class_id:
        name = record.source_class.title if record.source_class else record.source_name
        return {"objectType": "Activity", "id": f"{site}/xapi/activities/class/{record.source_class_id}",
                "definition": {"type": f"{site}/xapi/activity-types/training-class", "name": {"zh-CN": name or "培训班"}}}
    match = _COURSE_REF.match(record.source_ref)
    if match:
        return {"objectType": "Activity", "id": f"{site}/xapi/activities/course/{match.group(1)}",
                "definition": {"type": COURSE_TYPE, "name": {"zh-CN": record.source_name or "网络课程"}}}
    if record.pk in sources:
        source_id, title = sources[record.pk]
        return {"objectType": "Activity", "id": f"{site}/xapi/activities/recognition-source/{source_id}",
                "definition": {"type": f"{site}/xapi/activity-types/recognition-source",
                               "name": {"zh-CN": record.source_name or "学时认定"},
                               **({"description": {"zh-CN": title}} if title else {})}}
    return {"objectType": "Activity", "id": f"{site}/xapi/activities/credit-record/{record.pk}",
            "definition": {"type": f"{site}/xapi/activity-types/credit-record",
                           "name": {"zh-CN": record.source_name or record.get_mode_display()}}}


def _timestamp(day: dt.date) -> str:
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    return moment.isoformat()


def ledger_statements(cadre: Cadre, records: list[CreditRecord]) -> list[dict]:
    """The statements of the entries that count (see the module docstring), oldest first."""
    counting = [r for r in records if r.reverses_id is None and getattr(r, "reversed_by", None) is None]
    counting.sort(key=lambda r: (r.earned_on, r.pk))
    sources: dict[int, tuple[int, str]] = {}
    recognition_ids = {int(m.group(1)): r.pk for r in counting if (m := _RECOGNITION_REF.match(r.source_ref))}
    for claim_id, source_id, title in RecognitionClaim.objects.filter(pk__in=recognition_ids).values_list(
            "pk", "source_id", "title"):
        sources[recognition_ids[claim_id]] = (source_id, title)
    actor = agent_for_cadre(cadre)
    site = _site()
    statements = []
    for record in counting:
        statements.append({
            "id": str(uuid.uuid5(NAMESPACE, f"{site}/credit-record/{record.pk}")),
            "actor": actor,
            "verb": COMPLETED,
            "object": _object(record, sources),
            "result": {"completion": True, "extensions": {extension_iri("credit-hours"): float(record.hours),
                                                          extension_iri("credit-mode"): record.mode}},
            "timestamp": _timestamp(record.earned_on),
            "context": {"platform": "ganxun", "language": "zh-CN",
                        "extensions": {extension_iri("record-id"): f"{site}/credit-record/{record.pk}",
                                       extension_iri("source-name"): record.source_name}},
        })
    return statements
