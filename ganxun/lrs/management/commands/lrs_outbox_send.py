"""`python -m ganxun lrs_outbox_send [--all] [--given-up] [--limit N]`: re-send the statements of
our own pages that the LRS did not store (lrs.outbox) now, instead of waiting for the job.

Without options it does what the 10-minute job does: the pending rows whose next attempt is due.
`--all` sends every pending row, due or not; `--given-up` also the rows given up (after fixing
what made the LRS refuse them). Prints what it did; the run is in the audit trail. Exits non-zero
when a row failed, so a script can tell.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ganxun.audit.management.commands._cli import cli_actor_name
from ganxun.audit.services import audit_record
from ganxun.lrs.models import StatementOutbox
from ganxun.lrs.outbox import RUN_LIMIT, outbox_resend_all, outbox_resend_due


class Command(BaseCommand):
    help = "Re-send the platform's own xAPI statements that the LRS did not store (the outbox)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", dest="send_all", help="every pending row, not only those due")
        parser.add_argument("--given-up", action="store_true", help="the given-up rows too (implies --all)")
        parser.add_argument("--limit", type=int, default=RUN_LIMIT, help=f"rows at most (default {RUN_LIMIT})")

    def handle(self, *args, send_all: bool, given_up: bool, limit: int, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1")
        mode = "given_up" if given_up else "all" if send_all else "due"
        with transaction.atomic():
            if mode == "due":
                run = outbox_resend_due(limit=limit)
            else:
                run = outbox_resend_all(limit=limit, include_given_up=given_up)
            audit_record(action="lrs_outbox.resend_all", actor_username=cli_actor_name(),
                         target_type=StatementOutbox._meta.label_lower, target_repr=f"命令行重发（{mode}）",
                         detail={"mode": mode, "sent": run.sent, "retrying": run.retrying, "given_up": run.given_up})
        left = StatementOutbox.objects.filter(sent_at__isnull=True, given_up_at__isnull=True).count()
        self.stdout.write(f"tried {run.tried}: sent {run.sent}, failed and retrying {run.retrying}, "
                          f"failed and given up {run.given_up}; {left} pending\n")
        if run.retrying or run.given_up:
            raise CommandError(f"{run.retrying + run.given_up} statement(s) failed; see /manage/lrs/outbox/")
