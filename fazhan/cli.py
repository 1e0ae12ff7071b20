"""The `fazhan` console command: the project's management commands under one name."""

import os
import sys

from fazhan.core.keys import ensure_key_file, key_file_path

# The commands that set up or run an install: on first run they write the key file with random keys
# (core.keys), before the settings read it, so that no install ever runs on a public key.
KEYED_COMMANDS = frozenset({"migrate", "demo", "runserver", "serve", "worker"})


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fazhan.settings")
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command in {"serve", "worker"}:
        # Jobs go to the database queue the worker runs (settings.FAZHAN_JOBS), and the server hands out
        # hashed, compressed static files (settings.FAZHAN_STATIC_MANIFEST): both read as the settings load.
        os.environ.setdefault("FAZHAN_JOBS", "queue")
    if command == "serve":
        os.environ.setdefault("FAZHAN_STATIC_MANIFEST", "1")
    keyed = command in KEYED_COMMANDS and os.environ.get("FAZHAN_TEST_KEYS") != "1"
    if keyed and ensure_key_file():
        path = key_file_path()
        sys.stderr.write(f"已生成本系统的密钥文件：{path}（权限 0600）。")
        sys.stderr.write("请用 fazhan keys export 制作恢复单并妥善保管。\n")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fazhan", *sys.argv[1:]])


if __name__ == "__main__":
    main()
