"""The digest of a user's to-do list: the rows of /todo/ (desk.todo.todo_for_user), in its words, grouped
逾期 / 可办理 / 即将到期, each with the absolute address of the form that does it."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from fazhan.accounts.models import User
from fazhan.accounts.selectors import assignments_in_force
from fazhan.desk.todo import (
    KINDS,
    TodoItem,
    findings_assigned,
    reserves_below,
    selfchecks_due,
    submissions_waiting,
    talents_uncovered,
    todo_for_user,
)
from fazhan.inspection.models import Finding
from fazhan.procedure.definition import RULES_BY_ID
from fazhan.reminders.models import ReminderPreference

OVERDUE, AVAILABLE, SOON, ASSIGNED = "overdue", "available", "soon", "assigned"
GROUP_TITLES = {OVERDUE: "逾期", AVAILABLE: "可办理", SOON: "即将到期", ASSIGNED: "交办整改的问题"}
FINDING_KIND = "finding"
FINDING_STATE = "待说明或更正"


@dataclass(frozen=True)
class DigestRow:
    kind: str
    label: str
    name: str  # the person's name and number as the to-do page shows them (no ID number, no phone)
    pid: str
    org: str
    due: datetime.date
    state: str
    url: str
    date_label: str = "到期日"  # a finding's day is the check's (检查日期)


@dataclass(frozen=True)
class Digest:
    user: User
    today: datetime.date
    groups: tuple[
        tuple[str, str, tuple[DigestRow, ...]], ...
    ]  # (group, its title, rows), empty ones left out

    @property
    def rows(self) -> list[DigestRow]:
        return [row for _g, _t, rows in self.groups for row in rows]

    @property
    def count(self) -> int:
        return len(self.rows)


def group_of(item: TodoItem) -> str:
    """逾期 only where the rule says so (TodoItem.overdue); 可办理 what the page calls so, and a day passed
    that no rule calls overdue (open to do, nothing late); the rest is coming due."""
    if item.overdue:
        return OVERDUE
    if item.allowed_only or item.days_left < 0:
        return AVAILABLE
    return SOON


def absolute_url(path: str) -> str:
    return settings.FAZHAN_BASE_URL.rstrip("/") + path


def digest_for_user(user: User, *, today: datetime.date) -> Digest:
    items = todo_for_user(user, today=today, within_days=settings.FAZHAN_REMINDER_WITHIN_DAYS)
    grouped: dict[str, list[DigestRow]] = {OVERDUE: [], AVAILABLE: [], SOON: []}
    for i in items:
        person = i.case.person
        grouped[group_of(i)].append(
            DigestRow(
                kind=i.kind,
                label=str(i.label),
                name=person.name,
                pid=person.pid,
                org=person.org.name,
                due=i.due,
                state=i.state,
                url=absolute_url(i.form_url),
            )
        )
    # the findings assigned to the user, as the page lists them below the table (their message, free text
    # that may name anyone, stays on the page behind the login)
    grouped[ASSIGNED] = [finding_row(f) for f in findings_assigned(user)]
    grouped.update(sections_rows(user, today=today))
    groups = tuple((g, group_title(g), tuple(rows)) for g, rows in grouped.items() if rows)
    return Digest(user=user, today=today, groups=groups)


# The to-do page's sections below its table, each its own group titled as the page titles it.
SECTIONS = ("selfcheck_due", "reserve_below", "applicant_submission", "talent_uncovered")
SUBMISSION_STATE = "待支部受理"


def group_title(group: str) -> str:
    return GROUP_TITLES[group] if group in GROUP_TITLES else str(KINDS[group])


def sections_rows(user, *, today: datetime.date) -> dict[str, list[DigestRow]]:
    """The sections of /todo/ that are not deadlines of a case (desk.todo: the self-inspection reports due,
    the reserves below plan, the applications sent online, the key persons not covered), as digest rows in
    the page's words."""
    return {
        "selfcheck_due": [
            DigestRow(
                kind="selfcheck_due",
                label=d.assignment.task.title,
                name="—",
                pid="",
                org=d.assignment.township.name,
                due=d.due,
                state=f"{d.status_label}，{d.state}",
                url=absolute_url(d.url),
                date_label="上报截止日期",
            )
            for d in selfchecks_due(user, today=today)
        ],
        "reserve_below": [
            DigestRow(
                kind="reserve_below",
                label=str(KINDS["reserve_below"]),
                name="—",
                pid="",
                org=w.reserve.org.name,
                due=today,
                state=w.text(),
                url=absolute_url(reverse("plans:reserve", args=[w.reserve.org.code, w.reserve.year])),
                date_label="截至",
            )
            for w in reserves_below(user, today=today)
        ],
        "applicant_submission": [
            DigestRow(
                kind="applicant_submission",
                label=str(KINDS["applicant_submission"]),
                name=s.applicant.name,
                pid="",
                org=s.applicant.org.name,
                due=timezone.localdate(s.submitted_at),
                state=SUBMISSION_STATE,
                url=absolute_url(reverse("applicants:detail", args=[s.pk])),
                date_label="提交日期",
            )
            for s in submissions_waiting(user)
        ],
        "talent_uncovered": [
            DigestRow(
                kind="talent_uncovered",
                label=str(KINDS["talent_uncovered"]),
                name=r.key.person.name,
                pid=r.key.person.pid,
                org=r.key.person.org.name,
                due=today,
                state=r.gap,
                url=absolute_url(
                    reverse("talents:page", args=[r.key.person.org.code, today.year]) + "#talent-persons"
                ),
                date_label="截至",
            )
            for r in talents_uncovered(user, today=today)
        ],
    }


def finding_row(finding: Finding) -> DigestRow:
    person = finding.person
    return DigestRow(
        kind=FINDING_KIND,
        label=str(RULES_BY_ID[finding.rule].title),
        name=person.name if person else "—",
        pid=person.pid if person else "",
        org=finding.org.name,
        due=finding.first_run.as_of,
        state=FINDING_STATE,
        url=absolute_url(reverse("inspection:finding", args=[finding.pk])),
        date_label="检查日期",
    )


def preference_for(user: User) -> ReminderPreference:
    """The user's choice, or the defaults (unsaved) where they never made one."""
    return ReminderPreference.objects.filter(user=user).first() or ReminderPreference(user=user)


def users_to_remind() -> list[User]:
    """Active users with a role in force somewhere (a user with none has no to-do list), in a stable order."""
    return list(
        User.objects.filter(is_active=True, pk__in=assignments_in_force().values("user")).order_by(
            "username", "pk"
        )
    )
