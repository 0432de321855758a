"""Argon2id with the parameters OWASP recommends for interactive log-ins.

Django's defaults (100 MiB, 8 lanes) cost close to a second of CPU per log-in
on a two-core county server, which both slows people down and makes the log-in
page an easy way to load the machine; 19 MiB, 2 passes, 1 lane keeps Argon2id's
memory-hardness at a fraction of the cost. Existing hashes are upgraded on the
next successful log-in (Django's must_update).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class GanxunArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
