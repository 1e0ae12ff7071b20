"""The `fazhan` console command: the project's management commands under one name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhan.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fazhan", *sys.argv[1:]])


if __name__ == "__main__":
    main()
