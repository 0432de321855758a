"""xAPI statements of our own study pages, stored in our LRS (ganxun.lrs.services).

launched — a study session starts; progressed — at most one per session every
GANXUN_STUDY_PROGRESS_STATEMENT_MINUTES while seconds are credited, with the credited seconds
in result.extensions; completed — the course reaches the completion threshold, with
result.duration = the credited time. Each statement id is a uuid5 over what it records
(launch: the session token; progress: session and heartbeat seq; completion: the progress row),
so a retried emission stores it once.

Emission must never cost the learner their credit: each call runs in its own savepoint, and when
the LRS refuses or fails, the statement goes to the outbox (ganxun.lrs.outbox) in the caller's
transaction, from which a job re-sends it with the same id until it is stored.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

NAMESPACE = uuid.UUID("6f1c3c2e-1f0a-5c39-9d43-6761616e7875")  # fixed: ids must be stable across releases
VERBS = {
    "launched": ("http://adlnet.gov/expapi/verbs/launched", "启动"),
    "progressed": ("http://adlnet.gov/expapi/verbs/progressed", "学习进度"),
    "completed": ("http://adlnet.gov/expapi/verbs/completed", "完成"),
}
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
CMI5_PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"


def site_url() -> str:
    return getattr(settings, "GANXUN_SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def activity_id(course) -> str:
    return f"{site_url()}/xapi/activities/course/{course.pk}"


def credited_extension() -> str:
    return f"{site_url()}/xapi/extensions/credited-seconds"


def statement_id(*parts) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _statement(*, sid: str, verb: str, account, course, at: dt.datetime, registration: str,
               result: dict | None = None) -> dict:
    from ganxun.lrs.services import agent_for_account

    verb_id, label = VERBS[verb]
    statement = {
        "id": sid,
        "actor": agent_for_account(account),
        "verb": {"id": verb_id, "display": {"zh-CN": label, "en-US": verb}},
        "object": {"objectType": "Activity", "id": activity_id(course),
                   "definition": {"type": COURSE_TYPE, "name": {"zh-CN": course.title}}},
        "timestamp": _iso(at),
        "context": {"registration": registration, "platform": "ganxun",
                    "language": "zh-CN"},
    }
    if result is not None:
        statement["result"] = result
    return statement


def registration_of(progress) -> str:
    """One registration (attempt) per learner and course."""
    return statement_id("registration", progress.pk)


def launched(*, session, progress) -> dict:
    return _statement(sid=statement_id("launched", session.token), verb="launched", account=session.account,
                      course=session.course, at=session.started_at, registration=registration_of(progress))


def progressed(*, session, progress, seq: int, at: dt.datetime, required_seconds: int) -> dict:
    share = min(100, int(progress.credited_seconds * 100 / required_seconds)) if required_seconds else 0
    return _statement(sid=statement_id("progressed", session.token, seq), verb="progressed", account=session.account,
                      course=session.course, at=at, registration=registration_of(progress),
                      result={"extensions": {credited_extension(): progress.credited_seconds, CMI5_PROGRESS: share}})


def completed(*, progress, at: dt.datetime) -> dict:
    return _statement(sid=statement_id("completed", progress.pk), verb="completed", account=progress.account,
                      course=progress.course, at=at, registration=registration_of(progress),
                      result={"completion": True, "duration": f"PT{progress.credited_seconds}S",
                              "extensions": {credited_extension(): progress.credited_seconds}})


def emit(build, **kwargs) -> bool:
    """Build one statement — or one batch, for a builder that returns a list — and store it in our
    LRS; True when stored.

    When the LRS refuses or fails, its savepoint has rolled back, so the caller's transaction is
    intact: the statements are written to the outbox (lrs.outbox.outbox_enqueue) in it, to be
    re-sent with the same ids, and False is returned. Nothing here raises — the LRS must never
    cost the learner the credit just computed. A builder that raises is a bug: logged, False.
    """
    source = f"{getattr(build, '__module__', '').removeprefix('ganxun.')}.{getattr(build, '__name__', 'build')}"
    batch: list | None = None
    try:
        from ganxun.lrs.services import lrs_system_client, statements_store

        with transaction.atomic():  # the builder's queries too: a database error rolls back to here
            built = build(**kwargs)
            batch = built if isinstance(built, list) else [built]
            if batch:
                statements_store(client=lrs_system_client(), statements=batch)
    except Exception as exc:
        if batch is None:
            logger.error("xAPI statement %s could not be built", source, exc_info=True)
            return False
        logger.warning("xAPI statement %s not stored; kept in the outbox to be re-sent", source, exc_info=True)
        from ganxun.lrs.outbox import outbox_enqueue

        outbox_enqueue(statements=batch, source=source, error=exc)
        return False
    return True
