"""`fazhan selfcheck`: the district's self-inspection task from the console, through the same services as the
pages (they refuse what the rules forbid, whoever calls); each write names the user it is done as, so the
trail holds who did it.

    fazhan selfcheck task create --district C --title T [--from D] [--to D] [--due D] --user U
    fazhan selfcheck task list
    fazhan selfcheck status --task N
    fazhan selfcheck prepare --task N --township C --summary TEXT --rectification TEXT --user U
    fazhan selfcheck hand-in --task N --township C --user U
    fazhan selfcheck return --task N --township C --reason TEXT --user U
    fazhan selfcheck download --task N --township C --out FILE
"""

import datetime
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fazhan.accounts.models import User
from fazhan.auditlog.services import audit_record
from fazhan.core.dates import date_cn
from fazhan.organizations.models import Org
from fazhan.selfcheck.models import SelfCheckAssignment, SelfCheckTask
from fazhan.selfcheck.selectors import task_board
from fazhan.selfcheck.services import (
    assignment_hand_in,
    assignment_prepare,
    assignment_return,
    selfcheck_task_create,
)


def _date(text: str | None, name: str) -> datetime.date | None:
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--{name}：{text} 不是日期（YYYY-MM-DD）") from None


def _user(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"--user：没有登录名为 {username} 的有效用户")
    return user


def _task(number: str) -> SelfCheckTask:
    task = SelfCheckTask.objects.filter(pk=int(number)).first() if number.isdigit() else None
    if task is None:
        raise CommandError(f"--task：没有编号为 {number} 的自查任务")
    return task


def _part(task: SelfCheckTask, code: str) -> SelfCheckAssignment:
    part = task.assignments.select_related("township").filter(township__code=code).first()
    if part is None:
        raise CommandError(f"--township：任务“{task.title}”没有布置给组织代码为 {code} 的乡镇党委")
    return part


def _refused(exc: Exception) -> CommandError:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        text = "；".join(" ".join(ValidationError(v).messages) for v in exc.error_dict.values())
    elif isinstance(exc, ValidationError):
        text = " ".join(exc.messages)
    else:
        text = str(exc)
    return CommandError(text)


class Command(BaseCommand):
    help = "The self-inspection task (自查任务): set it, see who has handed in, prepare, hand in, return."

    def add_arguments(self, parser):
        parts = parser.add_subparsers(dest="part", required=True)
        task = parts.add_parser("task", help="set or list tasks").add_subparsers(dest="action", required=True)
        create = task.add_parser("create", help="set a task for every township under a district")
        for name in ("district", "title", "user"):
            create.add_argument(f"--{name}", required=True)
        create.add_argument("--from", dest="period_from", help="first day of the period (default 2017-01-01)")
        create.add_argument("--to", dest="period_to", help="last day of the period (default: the due date)")
        create.add_argument("--due", help="due date (default: 31 August of this year)")
        task.add_parser("list", help="every task")
        status = parts.add_parser("status", help="who has handed in, as the district's page shows it")
        status.add_argument("--task", required=True)
        prepare = parts.add_parser("prepare", help="a township prepares its report (runs the inspection)")
        for name in ("task", "township", "summary", "rectification", "user"):
            prepare.add_argument(f"--{name}", required=True)
        hand_in = parts.add_parser("hand-in", help="a township hands its prepared report in (上报)")
        for name in ("task", "township", "user"):
            hand_in.add_argument(f"--{name}", required=True)
        back = parts.add_parser("return", help="the district returns a report handed in, with its reason")
        for name in ("task", "township", "reason", "user"):
            back.add_argument(f"--{name}", required=True)
        download = parts.add_parser("download", help="the last report a township handed in, as handed in")
        for name in ("task", "township", "out"):
            download.add_argument(f"--{name}", required=True)

    def handle(self, *args, part, **o):
        try:
            if part == "task" and o["action"] == "create":
                self.create(o)
            elif part == "task":
                for t in SelfCheckTask.objects.select_related("district").order_by("pk"):
                    self.stdout.write(
                        f"{t.pk}\t{t.title}\t{t.district.name}\t"
                        f"{date_cn(t.period_from)}至{date_cn(t.period_to)}\t截止 {date_cn(t.due_on)}"
                    )
            elif part == "status":
                self.status(_task(o["task"]))
            elif part == "prepare":
                found = _part(_task(o["task"]), o["township"])
                assignment_prepare(
                    actor=_user(o["user"]),
                    assignment=found,
                    summary=o["summary"],
                    rectification=o["rectification"],
                )
                self.stdout.write(f"{found.township.name}：已准备自查报告")
            elif part == "hand-in":
                found = _part(_task(o["task"]), o["township"])
                s = assignment_hand_in(actor=_user(o["user"]), assignment=found)
                self.stdout.write(f"{found.township.name}：已上报（{date_cn(s.handed_in_on)}，{s.filename}）")
            elif part == "return":
                found = _part(_task(o["task"]), o["township"])
                assignment_return(actor=_user(o["user"]), assignment=found, reason=o["reason"])
                self.stdout.write(f"{found.township.name}：已退回")
            else:
                self.download(_part(_task(o["task"]), o["township"]), Path(o["out"]))
        except (ValidationError, PermissionDenied) as exc:
            raise _refused(exc) from None

    def create(self, o) -> None:
        district = Org.objects.filter(code=o["district"]).first()
        if district is None:
            raise CommandError(f"--district：没有组织代码为 {o['district']} 的党组织")
        task = selfcheck_task_create(
            actor=_user(o["user"]),
            district=district,
            title=o["title"],
            period_from=_date(o["period_from"], "from"),
            period_to=_date(o["period_to"], "to"),
            due_on=_date(o["due"], "due"),
        )
        self.stdout.write(
            f"已布置自查任务 {task.pk}：{task.title}，{task.assignments.count()} 个乡镇党委，"
            f"截止 {date_cn(task.due_on)}"
        )

    def status(self, task: SelfCheckTask) -> None:
        board = task_board(task, today=timezone.localdate())
        self.stdout.write(f"{task.title}（上报截止日期 {board.due_text}；自查期间 {board.period_text}）")
        counts = "，".join(f"{label} {n}" for _code, label, n in board.counts)
        self.stdout.write(f"{counts}，逾期 {board.late}")
        for r in board.rows:
            cells = [
                r.assignment.township.name,
                r.status_label,
                r.handed_in_text,
                r.handed_in_by,
                r.timeliness,
            ]
            self.stdout.write("\t".join(c or "—" for c in cells))

    def download(self, found: SelfCheckAssignment, out: Path) -> None:
        last = found.submissions.order_by("-handed_in_at", "-id").first()
        if last is None:
            raise CommandError(f"--township：{found.township.name}尚未上报自查报告")
        out.write_bytes(bytes(last.content))
        audit_record(  # the report names people: every reading is in the trail, as the page's download is
            actor=None,
            action="selfcheck.report_read",
            org=found.township,
            data={"submission": last.pk, "sha256": last.sha256, "via": "cli"},
        )
        self.stdout.write(f"{out}：{last.filename}（SHA-256 {last.sha256}）")
