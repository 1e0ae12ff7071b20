"""What is due or overdue in a user's subtree (product.md: the to-do list), from the same record and limits
the rules read. One query for the cases, one for their records."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from fazhan.accounts.selectors import user_roles_at, user_scope_q
from fazhan.core.calendar import add_months
from fazhan.procedure.definition import STEPS_BY_CODE
from fazhan.procedure.engine import CaseFacts
from fazhan.procedure.models import Case
from fazhan.procedure.rules.probation import probation_end
from fazhan.procedure.rules.targets import cultivation_start
from fazhan.procedure.rules.windows import empty_windows
from fazhan.procedure.selectors import case_facts_bulk

KINDS = {
    "talk": _("谈话"),
    "examination": _("积极分子半年考察"),
    "thought_report": _("思想汇报"),
    "target_ready": _("积极分子满一年，可确定为发展对象"),
    "prereview": _("待预审"),
    "approval": _("待审批"),
    "probation_ending": _("预备期将满"),
    "conversion_approval": _("转正待审批"),
}


@dataclass(frozen=True)
class TodoItem:
    kind: str
    case: Case
    step: str  # the step that settles the item
    due: datetime.date
    today: datetime.date

    @property
    def label(self):
        return KINDS[self.kind]

    @property
    def overdue(self) -> bool:
        return self.due < self.today

    @property
    def days_left(self) -> int:
        return (self.due - self.today).days

    @property
    def days_overdue(self) -> int:
        return -self.days_left


def _window_item(facts: CaseFacts, kind: str, start: datetime.date, months: int, today: datetime.date):
    """The first window from `start` that lacks a record of `kind` and has ended or is under way."""
    horizon = add_months(today, months)
    records = list(facts.all("S06")) + list(facts.all("S21"))
    for _first, last in empty_windows(records, kind=kind, start=start, end=horizon, months=months):
        return last
    return None


def case_todo(case: Case, facts: CaseFacts, *, today: datetime.date) -> list[TodoItem]:
    lim, items = facts.limits, []

    def add(kind: str, step: str, due: datetime.date | None) -> None:
        if due is not None:
            items.append(TodoItem(kind, case, step, due, today))

    application, talk = facts.first("S01"), facts.first("S02")
    if application and not talk:
        add("talk", "S02", add_months(application.date, lim.talk_within_months))
    activist, target = facts.first("S03"), facts.first("S07")
    if activist and not target:
        start = cultivation_start(facts) or activist.date
        add("target_ready", "S07", add_months(start, lim.target_after_months))
        add(
            "examination",
            "S06",
            _window_item(facts, "examination", activist.date, lim.examination_window_months, today),
        )
        add(
            "thought_report",
            "S06",
            _window_item(facts, "thought_report", activist.date, lim.report_window_months, today),
        )
    if facts.all("S12") and not facts.first("S13"):
        add("prereview", "S13", add_months(facts.all("S12")[-1].date, lim.promptly_months))
    meeting = facts.first("S15")
    if meeting and not facts.all("S17"):
        add("approval", "S17", add_months(meeting.date, lim.approval_months))
    if facts.first("S17") and not facts.all("S23"):
        add("probation_ending", "S23", probation_end(facts))
    conversion = facts.all("S23")[-1] if facts.all("S23") else None
    if conversion and conversion.details.get("decision") == "convert" and not facts.all("S24"):
        add("conversion_approval", "S24", add_months(conversion.date, lim.conversion_approval_months))
    return items


def todo_for_user(user, *, today: datetime.date, within_days: int = 31) -> list[TodoItem]:
    """Items due within `within_days` or overdue, in the user's subtrees, for the steps the user's roles
    act on (a township organizer oversees every step below the township), soonest first."""
    cases = list(
        Case.objects.filter(user_scope_q(user, "person__org__path"), closed_on__isnull=True)
        .select_related("person__org")
        .order_by("pk")
    )
    horizon = today + datetime.timedelta(days=within_days)
    items: list[TodoItem] = []
    for case, facts in zip(cases, case_facts_bulk(cases, as_of=today), strict=True):
        roles = user_roles_at(user, case.person.org)
        oversees = bool(roles & {"township_organizer", "district_reviewer", "inspector"})
        for item in case_todo(case, facts, today=today):
            if item.due <= horizon and (oversees or roles & set(STEPS_BY_CODE[item.step].actors)):
                items.append(item)
    return sorted(items, key=lambda i: (i.due, i.case.person.pid))
