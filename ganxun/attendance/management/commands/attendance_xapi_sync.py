"""`python -m ganxun attendance_xapi_sync`: store the `attended` statements of attendance
records that have none yet (records written before the LRS existed). Safe to run again."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from ganxun.attendance.xapi import attendance_xapi_sync


class Command(BaseCommand):
    help = "Store xAPI 'attended' statements for attendance records that have none yet."

    def handle(self, *args, **options):
        stored = attendance_xapi_sync()
        self.stdout.write(f"{stored} statements stored")
