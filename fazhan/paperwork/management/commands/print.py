from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fazhan.accounts.models import User
from fazhan.notices.models import Notice
from fazhan.organizations.models import Org
from fazhan.paperwork.declarations import FORMS, form_by_name
from fazhan.paperwork.selectors import STAGES, batch_persons_of_org
from fazhan.paperwork.services import form_print, form_print_batch
from fazhan.people.models import Person
from fazhan.people.selectors import person_list_for_user


class Command(BaseCommand):
    help = (
        "Fill an official form from the record: `print FORM PERSON --out FILE.docx|FILE.pdf`, or a batch "
        "(--notice N, or --org CODE --stage STAGE) into one PDF or a ZIP of DOCX. FORM is a code or the "
        "Chinese title; PERSON a person's pid. Without --user the ID numbers are masked."
    )

    def add_arguments(self, parser):
        parser.add_argument("form", help="form code or title: " + ", ".join(f.code for f in FORMS))
        parser.add_argument("person", nargs="?", help="person id (pid); omit for a batch")
        parser.add_argument(
            "--out", required=True, help="FILE.docx or FILE.pdf (a batch: FILE.pdf or FILE.zip)"
        )
        parser.add_argument("--user", help="print as this login: its subtree and its right to ID numbers")
        parser.add_argument("--notice", type=int, help="batch: every candidate of this notice")
        parser.add_argument("--org", help="batch: persons of this org's subtree …")
        parser.add_argument("--stage", choices=sorted(STAGES), help="… at this stage")

    def handle(self, *args, form, person, out, user, notice, org, stage, **options):
        chosen = form_by_name(form)
        if chosen is None:
            raise CommandError(
                f"没有名为“{form}”的表格。可用：" + "、".join(f"{f.code}（{f.title}）" for f in FORMS)
            )
        actor = self._actor(user)
        target = Path(out)
        suffix = target.suffix.lower().lstrip(".")
        try:
            if person:
                if suffix not in ("docx", "pdf"):
                    raise CommandError("--out 须以 .docx 或 .pdf 结尾")
                content = form_print(actor=actor, form=chosen, person=self._person(actor, person), fmt=suffix)
                count = 1
            else:
                if suffix not in ("pdf", "zip"):
                    raise CommandError("批量打印时 --out 须以 .pdf 或 .zip 结尾")
                persons, label = self._batch(actor, notice, org, stage)
                content = form_print_batch(
                    actor=actor,
                    form=chosen,
                    persons=persons,
                    fmt="pdf" if suffix == "pdf" else "docx",
                    batch=label,
                )
                count = len(persons)
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from None
        target.write_bytes(content)
        self.stdout.write(f"{chosen.title}：{count} 人，已写入 {target}")

    def _actor(self, username: str | None):
        if not username:
            return None
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"--user：没有登录名为 {username} 的有效用户")
        return actor

    def _people(self, actor):
        return person_list_for_user(actor) if actor is not None else Person.objects.select_related("org")

    def _person(self, actor, pid: str) -> Person:
        found = self._people(actor).filter(pid=pid).first()
        if found is None:
            raise CommandError(f"没有人员编号为 {pid} 的人员，或不在该用户的管辖范围内")
        return found

    def _batch(self, actor, notice: int | None, org: str | None, stage: str | None):
        if notice:
            found = Notice.objects.filter(pk=notice).first()
            if found is None:
                raise CommandError(f"--notice：没有编号为 {notice} 的公示")
            reach = set(self._people(actor).values_list("pk", flat=True))
            entries = found.entries.select_related("case__person__org").order_by("pk")
            return [e.case.person for e in entries if e.case.person.pk in reach], f"notice:{found.pk}"
        if not (org and stage):
            raise CommandError("未指定人员时，须给出 --notice，或同时给出 --org 和 --stage")
        root = Org.objects.filter(code=org).first()
        if root is None:
            raise CommandError(f"--org：没有代码为 {org} 的组织")
        persons = batch_persons_of_org(actor, root, stage)
        return persons, f"org:{root.code}:{stage}"
