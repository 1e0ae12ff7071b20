"""What is due or overdue in a user's subtree (product.md: the to-do list), from the same record and limits
the rules read. One query for the cases, one for their records."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from fazhan.accounts.selectors import user_roles_at, user_scope_q
from fazhan.core.calendar import add_months
from fazhan.notices.models import NOTICE_STEP, NoticeEntry, NoticeKind, NoticeState
from fazhan.notices.selectors import PUBLISH_ROLES
from fazhan.procedure.definition import DISTRICT, STEPS_BY_CODE, Anchor
from fazhan.procedure.engine import CaseFacts
from fazhan.procedure.models import Case
from fazhan.procedure.rules.forms import ACTIVE, district_passes
from fazhan.procedure.rules.probation import probation_end
from fazhan.procedure.rules.targets import cultivation_start
from fazhan.procedure.rules.windows import empty_windows
from fazhan.procedure.selectors import case_facts_bulk

KINDS = {
    "talk": _("谈话"),
    "examination": _("积极分子半年考察"),
    "thought_report": _("思想汇报"),
    "target_ready": _("积极分子满一年，可确定为发展对象"),
    "prereview": _("待镇党委预审"),
    "district_prereview": _("待区委组织部预审"),
    "form_issue": _("待发放编号志愿书"),
    "approval": _("待审批"),
    "probation_ending": _("预备期将满"),
    "conversion_approval": _("转正待审批"),
    "notice_close": _("公示期满，待核实反映并办结"),
}


@dataclass(frozen=True)
class TodoItem:
    kind: str
    case: Case
    step: str  # the step that settles the item
    due: datetime.date
    today: datetime.date
    actors: tuple[str, ...] = ()  # who settles it, where not the step's own actors

    @property
    def settled_by(self) -> tuple[str, ...]:
        return self.actors or STEPS_BY_CODE[self.step].actors

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
    records = list(facts.all(Anchor.CULTIVATION)) + list(facts.all(Anchor.PROBATION_EDUCATION))
    for _first, last in empty_windows(records, kind=kind, start=start, end=horizon, months=months):
        return last
    return None


def case_todo(case: Case, facts: CaseFacts, *, today: datetime.date) -> list[TodoItem]:
    lim, items, A = facts.limits, [], Anchor

    def add(kind: str, step: str, due: datetime.date | None, actors: tuple[str, ...] = ()) -> None:
        if due is not None:
            items.append(TodoItem(kind, case, step, due, today, actors))

    application, talk = facts.first(A.APPLICATION), facts.first(A.TALK)
    if application and not talk:
        add("talk", A.TALK, add_months(application.date, lim.talk_within_months))
    activist, target = facts.first(A.ACTIVIST), facts.first(A.TARGET)
    if activist and not target:
        start = cultivation_start(facts) or activist.date
        add("target_ready", A.TARGET, add_months(start, lim.target_after_months))
        for kind, months in (
            ("examination", lim.examination_window_months),
            ("thought_report", lim.report_window_months),
        ):
            add(kind, A.CULTIVATION, _window_item(facts, kind, activist.date, months, today))
    reviewed = facts.all(A.COMMITTEE_REVIEW)
    if reviewed and not facts.first(A.PREREVIEW):
        add("prereview", A.PREREVIEW, add_months(reviewed[-1].date, lim.promptly_months))
    township_pass = next((r for r in facts.all(A.PREREVIEW) if r.passed()), None)
    if township_pass and lim.district_prereview and not district_passes(facts):
        due = add_months(township_pass.date, lim.promptly_months)
        add("district_prereview", A.PREREVIEW, due, DISTRICT)
    district_pass = next(iter(district_passes(facts)), None)
    if district_pass and not facts.all(A.FORM) and not _form_standing(facts):
        add("form_issue", A.FORM, add_months(district_pass.date, lim.promptly_months), DISTRICT)
    meeting = facts.first(A.BRANCH_MEETING)
    if meeting and not facts.all(A.APPROVAL):
        add("approval", A.APPROVAL, add_months(meeting.date, lim.approval_months))
    if facts.first(A.APPROVAL) and not facts.all(A.CONVERSION_MEETING):
        add("probation_ending", A.CONVERSION_MEETING, probation_end(facts))
    rounds = facts.all(A.CONVERSION_MEETING)
    if rounds and rounds[-1].details.get("decision") == "convert" and not facts.all(A.CONVERSION_APPROVAL):
        due = add_months(rounds[-1].date, lim.conversion_approval_months)
        add("conversion_approval", A.CONVERSION_APPROVAL, due)
    return items


def _form_standing(facts: CaseFacts) -> bool:
    return any(f["issued_to"] == facts.person_pid and f["status"] in ACTIVE for f in facts.forms)


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
    noticed = _open_notices(cases, today=today)
    for case, facts in zip(cases, case_facts_bulk(cases, as_of=today), strict=True):
        roles = user_roles_at(user, case.person.org)
        oversees = bool(roles & {"township_organizer", "district_reviewer", "inspector"})
        for item in [*case_todo(case, facts, today=today), *noticed.get(case.pk, ())]:
            if item.due <= horizon and (oversees or roles & set(item.settled_by)):
                items.append(item)
    return sorted(items, key=lambda i: (i.due, i.case.person.pid))


def _open_notices(cases: list[Case], *, today: datetime.date) -> dict[int, list[TodoItem]]:
    """The public notices naming these cases that are still open: each is due for closing the day after its
    period ends, by those who publish notices."""
    out: dict[int, list[TodoItem]] = {}
    by_id = {c.pk: c for c in cases}
    for entry in NoticeEntry.objects.filter(case__in=cases, notice__state=NoticeState.OPEN).select_related(
        "notice"
    ):
        notice = entry.notice
        due = notice.ends_on + datetime.timedelta(days=1)
        step = NOTICE_STEP[NoticeKind(notice.kind)]
        out.setdefault(entry.case_id, []).append(
            TodoItem("notice_close", by_id[entry.case_id], step, due, today, tuple(sorted(PUBLISH_ROLES)))
        )
    return out
