import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from fazhan.accounts.models import User
from fazhan.applicants.models import SubmissionState
from fazhan.applicants.selectors import submission_list_for_user
from fazhan.core.roles import Role
from fazhan.demo.world import DEMO_PASSWORD, DISTRICT, LOGINS, demo_build, demo_exists
from fazhan.floating.models import Direction
from fazhan.floating.selectors import floating_list_for_user, floating_open
from fazhan.organizations.models import Org
from fazhan.selfcheck.selectors import assignment_list_for_user
from fazhan.talents.selectors import key_persons_current, key_units_current
from fazhan.training.selectors import session_list

# Whose view the newer wings are counted in: the district's reviewer sees the whole demo.
COUNTED_AS = "district_reviewer"


def wing_lines(today: datetime.date) -> list[str]:
    """One line for each newer wing, counted by its own selectors as the district's reviewer sees it."""
    user = User.objects.get(username=COUNTED_AS)
    district = Org.objects.get(code=DISTRICT)
    floating = floating_open(floating_list_for_user(user), today)
    submissions = submission_list_for_user(user)
    handed_in = sum(a.submissions.count() for a in assignment_list_for_user(user))
    return [
        f"  重点人才：重点培养单位 {key_units_current(district, today).count()} 个，"
        f"重点培养对象 {key_persons_current(district, today).count()} 名。",
        f"  流动党员：流出 {floating.filter(direction=Direction.OUT).count()} 名，"
        f"流入 {floating.filter(direction=Direction.IN).count()} 名"
        f"（其中农民工 {floating.filter(migrant_worker=True).count()} 名）。",
        f"  业务培训：{session_list(user).count()} 次。",
        f"  网上入党申请：{submissions.count()} 份，"
        f"其中待支部受理 {submissions.filter(state=SubmissionState.SUBMITTED).count()} 份。",
        f"  自查报告：已上报 {handed_in} 份。",
    ]


def role_labels(roles: list[str]) -> str:
    """Roles as users read them (区委组织部审核人、…), not their stored values; one a deployment names that
    the system does not know stands as it is."""
    return "、".join(str(Role(r).label) if r in Role.values else r for r in roles)


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
            today = today or timezone.localdate()
            counts = demo_build(today=today)
            self.stdout.write(
                f"演示数据已创建：组织 {counts['orgs']} 个，人员 {counts['persons']} 名，"
                f"发展对象等候选人 {counts['candidates']} 名，步骤记录 {counts['steps']} 条，"
                f"发展计划 {counts['plans']} 项，公示 {counts['notices']} 份。"
            )
            for line in wing_lines(today):
                self.stdout.write(line)
        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
        for login in LOGINS:
            exempt = "（演示账号免两步验证）" if login.role in settings.FAZHAN_2FA_ROLES else ""
            self.stdout.write(f"  {login.username:<20} {login.full_name}（{login.org_code}）{exempt}")
        self.stdout.write(
            "注意：演示账号免两步验证，密码公开，只供演示；正式使用的账号请用 fazhan adduser 创建，"
            f"角色 {role_labels(settings.FAZHAN_2FA_ROLES)} 首次登录须绑定身份验证器。"
        )
