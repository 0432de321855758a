"""Background entry points (huey). They only call the services.

`classes_daily` runs every day at 00:10 (local time) and starts the classes whose start date
has come that nobody started by hand (services.classes_start_due). Idempotent: a missed or
repeated run does no harm.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from ganxun.classes.services import classes_start_due


@db_periodic_task(crontab(hour="0", minute="10"))
def classes_daily() -> None:
    classes_start_due()
