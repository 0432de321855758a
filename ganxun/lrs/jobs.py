"""Background entry points (huey). They only call the services.

`lrs_dictionary_refresh` runs every day at 03:40 (local time): trains the zstd dictionary of
statement bodies (lrs.compression) when there is none yet and enough statements are stored,
or when the newest is 90 days old. Otherwise it does nothing.

`lrs_outbox_resend` runs every 10 minutes, one run at a time: re-sends the statements of our own
pages that the LRS did not store when they were emitted (lrs.outbox: due rows, backoff, giving
up), and deletes rows sent more than 30 days ago.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from ganxun.lrs.compression import dictionary_due, dictionary_train
from ganxun.lrs.outbox import OutboxRun, outbox_purge_sent, outbox_resend_due

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="3", minute="40"))
def lrs_dictionary_refresh() -> None:
    if dictionary_due():
        dictionary = dictionary_train()
        if dictionary is not None:
            logger.info("trained zstd dictionary %s on %s statements", dictionary.dict_id, dictionary.sample_size)


@db_periodic_task(crontab(minute="*/10"))
@lock_task("lrs-outbox-resend")
def lrs_outbox_resend() -> OutboxRun:
    run = outbox_resend_due()
    purged = outbox_purge_sent()
    if purged:
        logger.info("xAPI outbox: deleted %s rows sent more than 30 days ago", purged)
    return run
