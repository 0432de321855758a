"""`python -m ganxun demo_totp [USERNAME]`: the current TOTP code of a demo admin, so a demo needs no phone.

Only for the demo personas of a generated demo database; real accounts'
second factor cannot be read out this way.
"""

from __future__ import annotations

import time

import pyotp
from django.core.management.base import BaseCommand, CommandError

from ganxun.access.models import Account
from ganxun.demo.database import demo_run
from ganxun.demo.personas import PERSONAS


class Command(BaseCommand):
    help = "输出演示管理员账号当前的动态口令（仅限演示数据库）。"

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help="演示账号用户名（省略则列出三员账号）")

    def handle(self, *args, username=None, **options):
        if demo_run() is None:
            raise CommandError("当前数据库不是演示数据库：不能读取动态口令。")
        totp_personas = [p.username for p in PERSONAS if p.totp]
        if username is not None and username not in {p.username for p in PERSONAS}:
            raise CommandError(f"“{username}”不是演示账号。演示管理员：{'、'.join(totp_personas)}")
        names = [username] if username else totp_personas
        accounts = {a.username: a for a in Account.objects.filter(username__in=names)}
        for name in names:
            account = accounts.get(name)
            if account is None or not account.totp_enabled:
                raise CommandError(f"账号 {name} 没有启用动态口令。")
            self.stdout.write(f"{name}: {current_code(account)}")


def current_code(account: Account) -> str:
    """A code the log-in will accept now, with how long it stays valid.

    A code is accepted once (access.services keeps the last step used); right
    after a log-in the next step's code is given, which the ±1-step drift
    window already accepts.
    """
    totp = pyotp.TOTP(account.totp_secret)
    now = time.time()
    step = int(now) // totp.interval
    if account.totp_last_step is not None and account.totp_last_step >= step:
        step = account.totp_last_step + 1
        if step > int(now) // totp.interval + 1:
            return f"刚刚已用过，请 {totp.interval - int(now) % totp.interval} 秒后再运行本命令"
    valid = (step + 2) * totp.interval - int(now)  # accepted until one step after its own
    return f"{totp.generate_otp(step)}（约 {valid} 秒内有效，每个口令只能使用一次）"
