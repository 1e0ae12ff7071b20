"""`fazhan daily`: what the daily timer runs (deploy/fazhan-daily.timer). Exit status 1 when any step
failed, so systemd marks the run failed and the IT person sees it in `systemctl --failed`."""

from django.core.management.base import BaseCommand, CommandError

from fazhan.jobs.daily import daily_run

STEP_NAMES = {
    "remind": "到期提醒",
    "webhooks": "补发事件推送",
    "backup": "备份",
    "checkpoint": "审计日志签名检查点",
    "tasks": "清理队列记录",
}


class Command(BaseCommand):
    help = (
        "每日任务：到期提醒、补发事件推送、备份（按日/按月保留）、审计日志检查点、清理队列记录；"
        "某一步失败不影响其他步骤。"
    )

    def handle(self, *args, **options) -> None:
        results = daily_run()
        for result in results:
            mark = "完成" if result.ok else "失败"
            self.stdout.write(f"{STEP_NAMES[result.name]}（{result.name}）{mark}：{result.said}")
        failed = [STEP_NAMES[r.name] for r in results if not r.ok]
        if failed:
            raise CommandError(f"每日任务中有步骤失败：{'、'.join(failed)}", returncode=1)
