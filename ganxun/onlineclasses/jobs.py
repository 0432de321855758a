"""Background entry points (huey). They only call the services.

`themed_class_reminders` runs every day at 08:05 (local time): in-platform reminders to members
of open themed classes who are not complete, GANXUN_THEMED_CLASS_REMINDER_DAYS days before the
deadline (default 7 and 1). Idempotent: a repeated run sends nothing twice, a missed one catches
up on the next day.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from ganxun.onlineclasses.services import reminders_send


@db_periodic_task(crontab(hour="8", minute="5"))
def themed_class_reminders() -> None:
    reminders_send()
