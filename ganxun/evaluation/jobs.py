"""Background entry points (huey). They only call the services.

`evaluation_daily` runs every day at 02:20 (local time): it materialises the follow-ups whose
date has come (L3) and runs the rectification check for classes whose rating window has
closed, or whose follow-ups are past due, since their last check. Both are idempotent, so a
missed or repeated run does no harm; the liaison's and org department's follow-up pages also
materialise lazily, so they never wait for the job.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from ganxun.evaluation.rectifications import rectification_check_due
from ganxun.evaluation.services import followups_materialise


def run_daily() -> dict[str, int]:
    return {"followups": followups_materialise(), "rectifications": rectification_check_due()}


@db_periodic_task(crontab(hour="2", minute="20"))
def evaluation_daily() -> None:
    run_daily()
