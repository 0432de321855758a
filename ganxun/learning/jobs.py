"""Background entry points of online learning (huey). They only call the services.

`learning_pilots_hourly` runs at minute 15 of every hour: it promotes the pilot courses whose
ratings reached the threshold (services.course_pilot_check). Each rating checks its own course
at once; the job catches what a rating alone cannot — a threshold lowered in the settings, or
ratings written by another path. Idempotent: a promoted course is no longer a pilot.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from ganxun.learning.services import pilots_promote_due


@db_periodic_task(crontab(minute="15"))
def learning_pilots_hourly() -> int:
    return pilots_promote_due()
