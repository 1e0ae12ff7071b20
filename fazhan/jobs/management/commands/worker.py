"""`fazhan worker`: runs the jobs the web pages queue (inspection runs, imports, reports, print batches).

It refuses to start on a missing or default key, as `fazhan serve` does; then it puts back in the queue the
jobs a dead worker left running (runner.jobs_recover), and runs the queue with django-tasks-db's worker loop
(one task at a time; start more workers for more at once)."""

from django.core.management.base import BaseCommand, CommandError
from django_tasks_db.management.commands.db_worker import Worker

from fazhan.jobs.guard import refuse_without_keys
from fazhan.jobs.runner import jobs_recover, worker_id


class Command(BaseCommand):
    help = "后台任务进程：运行网页上发起的检查、导入、报告等任务；启动时重新排队上次中断的任务。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="队列为空时多久查看一次（秒）")
        parser.add_argument("--batch", action="store_true", help="运行完队列中的任务后退出")

    def handle(self, *args, interval: float, batch: bool, **options) -> None:
        refuse_without_keys("worker")
        if not interval > 0:
            raise CommandError("--interval 必须大于 0。")
        recovered = jobs_recover()
        if recovered:
            ids = ", ".join(str(i) for i in recovered)
            self.stderr.write(f"已重新排队上次中断的任务：{ids}")
        name = worker_id()
        self.stderr.write(f"Fazhan 后台任务进程 {name} 已启动。")
        worker = Worker(
            queue_names=["default"],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=name,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.run()
