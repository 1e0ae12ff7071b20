"""`fazhan serve`: the production web server. gunicorn (threads on each worker process, so a slow page does
not hold a whole process) in front of the same WSGI application runserver uses; static files collected with
hashed names and compressed copies, served by WhiteNoise; jobs go to the queue that `fazhan worker` runs.

gunicorn rather than granian: pure Python (a wheel on every machine, no Rust build), the WSGI server Django
documents, and its gthread worker is what the issue's load test measured."""

import copy
import hashlib
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.wsgi import get_wsgi_application
from django.db import connections
from gunicorn.app.base import BaseApplication

from fazhan.jobs.guard import refuse_without_keys


def default_workers() -> int:
    """gunicorn's advice, two processes per core and one more, capped so a small server keeps its memory."""
    return min(2 * (os.cpu_count() or 1) + 1, 9)


class _Gunicorn(BaseApplication):
    def __init__(self, application, options: dict[str, Any]):
        self.application, self.options = application, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application


def collect_static() -> bool:
    """collectstatic, when the static files changed since the last one (compressing them takes minutes on a
    small machine: a restart should not). True when it ran."""
    root = Path(str(settings.STATIC_ROOT))
    stamp = root / ".fazhan-static-stamp"
    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in finder.list([]):
            stat = os.stat(storage.path(path))
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    fingerprint = digest.hexdigest()
    manifest = root / "staticfiles.json"
    if manifest.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(fingerprint)
    return True


def gunicorn_logging(log_dir: str, days: int) -> dict[str, Any]:
    """The application's logging (settings.LOGGING, which gunicorn would otherwise replace with its own),
    and gunicorn's logs (each request; the server's starts, stops and worker deaths): to the console, and
    with a log directory into its files access.log and server.log, rotated at midnight like the rest."""
    config = copy.deepcopy(settings.LOGGING)
    config["formatters"]["generic"] = {"format": "%(asctime)s [%(process)d] %(levelname)s %(message)s"}
    if log_dir:
        for name, file in (("access", "access.log"), ("server", "server.log")):
            config["handlers"][name] = {
                "class": "logging.handlers.TimedRotatingFileHandler",
                "filename": os.path.join(log_dir, file),
                "when": "midnight",
                "backupCount": days,
                "encoding": "utf-8",
                "formatter": "generic",
            }
    else:
        config["handlers"]["access"] = {"class": "logging.StreamHandler", "formatter": "generic"}
        config["handlers"]["server"] = {"class": "logging.StreamHandler", "formatter": "generic"}
    config["loggers"] = {
        **config.get("loggers", {}),
        "gunicorn.error": {"handlers": ["server"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    }
    return config


class Command(BaseCommand):
    help = "生产环境的网页服务（gunicorn）：检查密钥，收集静态文件，然后在 --bind 上服务。"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--bind",
            default=os.environ.get("FAZHAN_BIND", "127.0.0.1:8000"),
            help="地址:端口（默认 FAZHAN_BIND 或 127.0.0.1:8000）",
        )
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("FAZHAN_WORKERS", "0")) or default_workers()
        )
        parser.add_argument("--threads", type=int, default=int(os.environ.get("FAZHAN_THREADS", "4")))
        parser.add_argument("--timeout", type=int, default=int(os.environ.get("FAZHAN_TIMEOUT", "120")))

    def handle(self, *args, bind: str, workers: int, threads: int, timeout: int, **options) -> None:
        refuse_without_keys("serve")
        if workers < 1 or threads < 1:
            raise CommandError("--workers 与 --threads 至少为 1。")
        if settings.FAZHAN_STATIC_MANIFEST:
            collect_static()
        application = get_wsgi_application()
        connections.close_all()  # no connection is shared with the forked workers
        gunicorn_options: dict[str, Any] = {
            "bind": [bind],
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": timeout,
            "graceful_timeout": 30,
            "accesslog": "-",
            "errorlog": "-",
            "logconfig_dict": gunicorn_logging(settings.FAZHAN_LOG_DIR, settings.FAZHAN_LOG_DAYS),
            "proc_name": "fazhan",
            "control_socket_disable": True,  # no socket in root's home; systemd stops and reloads it
            "forwarded_allow_ips": os.environ.get("FAZHAN_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        }
        self.stderr.write(f"Fazhan: http://{bind}/ （{workers} 个进程 × {threads} 个线程）")
        _Gunicorn(application, gunicorn_options).run()
