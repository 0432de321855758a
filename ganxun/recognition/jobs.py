"""Background entry points (huey): the periodic pull of pushed statements into claims."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from ganxun.recognition.pull import recognition_pull


@db_periodic_task(crontab(minute="*/5"))
@lock_task("recognition-pull")
def pull_statements() -> None:
    """Every five minutes; one run at a time (the cursor is per source and locked anyway)."""
    recognition_pull()
