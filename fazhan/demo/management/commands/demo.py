import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from fazhan.demo.world import DEMO_PASSWORD, LOGINS, demo_build, demo_exists


class Command(BaseCommand):
    help = "Build the demo world of 市中区 / 罗汉镇 (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help="the date the demo histories run up to (default: today)",
        )

    def handle(self, *args, today=None, **options):
        if demo_exists():
            self.stdout.write("演示数据已存在，未重复创建。")
        else:
            counts = demo_build(today=today or timezone.localdate())
            self.stdout.write(
                f"演示数据已创建：组织 {counts['orgs']} 个，人员 {counts['persons']} 名，"
                f"发展对象等候选人 {counts['candidates']} 名，步骤记录 {counts['steps']} 条，"
                f"发展计划 {counts['plans']} 项，公示 {counts['notices']} 份，"
                f"业务培训 {counts['trainings']} 次。"
            )
        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
        for login in LOGINS:
            exempt = "（演示账号免两步验证）" if login.role in settings.FAZHAN_2FA_ROLES else ""
            self.stdout.write(f"  {login.username:<20} {login.full_name}（{login.org_code}）{exempt}")
        self.stdout.write(
            "注意：演示账号免两步验证，密码公开，只供演示；正式使用的账号请用 fazhan adduser 创建，"
            f"角色 {'、'.join(settings.FAZHAN_2FA_ROLES)} 首次登录须绑定身份验证器。"
        )
