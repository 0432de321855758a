"""`python -m ganxun <command>`: the management commands of the platform."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ganxun.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([f"{sys.executable} -m ganxun", *sys.argv[1:]])


if __name__ == "__main__":
    main()
