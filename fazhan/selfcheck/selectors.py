"""The scoped readers of the self-inspection task: the district sees its tasks and every township's part, a
township only its own part (404 outside); the district's page of who has handed in, and the to-do rows."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse

from fazhan.accounts.selectors import user_assignments, user_scope_q
from fazhan.core.dates import date_cn
from fazhan.core.roles import user_role_orgs
from fazhan.organizations.models import Org, OrgKind
from fazhan.procedure.deadlines import Countdown
from fazhan.selfcheck.checks import days_late
from fazhan.selfcheck.models import AssignmentStatus, SelfCheckAssignment, SelfCheckSubmission, SelfCheckTask
from fazhan.selfcheck.services import ASSIGNMENT_ACTORS, TASK_ROLES

# The to-do row of a township's organizer shows from this many days before the due date until handed in.
TODO_LEAD_DAYS = 30
STATUS_ORDER = [s.value for s in AssignmentStatus]


def task_list_for_user(user) -> QuerySet[SelfCheckTask]:
    """The tasks of the districts in the user's subtrees (a township's users see their part instead)."""
    return SelfCheckTask.objects.filter(user_scope_q(user, "district__path")).select_related(
        "district", "created_by"
    )


def task_get_for_user(user, pk: int) -> SelfCheckTask:
    return get_object_or_404(task_list_for_user(user), pk=pk)


def assignment_list_for_user(user) -> QuerySet[SelfCheckAssignment]:
    """The townships' parts in the user's subtrees: a township's own, every one of a district's."""
    return SelfCheckAssignment.objects.filter(user_scope_q(user, "township__path")).select_related(
        "task__district", "township", "run", "prepared_by"
    )


def assignment_get_for_user(user, pk: int) -> SelfCheckAssignment:
    return get_object_or_404(assignment_list_for_user(user), pk=pk)


def submission_get_for_user(user, pk: int) -> SelfCheckSubmission:
    qs = SelfCheckSubmission.objects.filter(user_scope_q(user, "assignment__township__path"))
    return get_object_or_404(qs.select_related("assignment__township", "assignment__task"), pk=pk)


def task_districts_for_user(user) -> list[Org]:
    """The district committees where the user may set a task."""
    orgs = {
        a.org.pk: a.org
        for a in user_assignments(user)
        if a.role in TASK_ROLES and a.org.kind == OrgKind.DISTRICT_COMMITTEE
    }
    return sorted(orgs.values(), key=lambda o: o.path)


@dataclass(frozen=True)
class TownshipRow:
    """One township on the district's page: its state, its last hand-in and whether it came on time."""

    assignment: SelfCheckAssignment
    last: SelfCheckSubmission | None
    late_days: int  # CHK-REPORT: days past the due date (handed in, or still not handed in today)
    submissions: tuple[SelfCheckSubmission, ...]

    @property
    def status_label(self) -> str:
        return str(AssignmentStatus(self.assignment.status).label)

    @property
    def handed_in(self) -> bool:
        return self.assignment.status == AssignmentStatus.HANDED_IN

    @property
    def timeliness(self) -> str:
        """按时 / 逾期 N 天 for a report handed in; one not handed in is 逾期 N 天 once past its due date."""
        if self.late_days:
            return f"逾期 {self.late_days} 天"
        return "按时" if self.handed_in else ""

    @property
    def handed_in_text(self) -> str:
        return date_cn(self.last.handed_in_on) if self.last is not None and self.handed_in else ""

    @property
    def handed_in_by(self) -> str:
        if self.last is None or not self.handed_in or self.last.handed_in_by is None:
            return ""
        return str(self.last.handed_in_by)


@dataclass(frozen=True)
class TaskBoard:
    task: SelfCheckTask
    rows: list[TownshipRow]
    today: datetime.date

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        """(status, label, count) in declared order, every status shown even at 0."""
        found = Counter(r.assignment.status for r in self.rows)
        return [(s.value, str(s.label), found[s.value]) for s in AssignmentStatus]

    @property
    def late(self) -> int:
        return sum(1 for r in self.rows if r.late_days)

    @property
    def due_text(self) -> str:
        return date_cn(self.task.due_on)

    @property
    def period_text(self) -> str:
        return f"{date_cn(self.task.period_from)}至{date_cn(self.task.period_to)}"


def task_board(task: SelfCheckTask, *, today: datetime.date) -> TaskBoard:
    """The district's page of the task: per township its state, the last hand-in (date, by whom, on time or
    late by CHK-REPORT), every report handed in; one query for the parts, one for their hand-ins."""
    parts = (
        task.assignments.select_related("township")
        .prefetch_related(
            Prefetch(
                "submissions",
                queryset=SelfCheckSubmission.objects.defer("content")
                .select_related("handed_in_by", "returned_by")
                .order_by("handed_in_at", "id"),
            )
        )
        .order_by("township__path")
    )
    rows = []
    for part in parts:
        submissions = tuple(part.submissions.all())
        last = submissions[-1] if submissions else None
        handed_on = (
            last.handed_in_on if last is not None and part.status == AssignmentStatus.HANDED_IN else None
        )
        late = days_late(due_on=task.due_on, handed_in_on=handed_on, today=today)
        rows.append(TownshipRow(part, last, late, submissions))
    return TaskBoard(task, rows, today)


@dataclass(frozen=True)
class SelfCheckDue(Countdown):
    """A to-do row of a township's organizer: the task's report to hand in, by its due date."""

    assignment: SelfCheckAssignment
    due: datetime.date
    today: datetime.date

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def status_label(self) -> str:
        return str(AssignmentStatus(self.assignment.status).label)

    @property
    def state(self) -> str:
        if self.overdue:
            return f"逾期 {self.days_overdue} 天"
        if self.days_left == 0:
            return "今天到期"
        return f"还有 {self.days_left} 天"

    @property
    def due_text(self) -> str:
        return date_cn(self.due)

    @property
    def url(self) -> str:
        return reverse("selfcheck:assignment", args=[self.assignment.pk])


def selfchecks_due_for_user(user, *, today: datetime.date) -> list[SelfCheckDue]:
    """The parts the user's township organizer roles must hand in: from TODO_LEAD_DAYS before the due date
    until handed in (a returned report is due again), soonest first."""
    roles = ASSIGNMENT_ACTORS["hand_in"]
    paths = sorted({o.path for role in roles for o in user_role_orgs(user, role)})
    if not paths:
        return []
    horizon = today + datetime.timedelta(days=TODO_LEAD_DAYS)
    parts = (
        SelfCheckAssignment.objects.filter(township__path__in=paths, task__due_on__lte=horizon)
        .exclude(status=AssignmentStatus.HANDED_IN)
        .select_related("task", "township")
        .order_by("task__due_on", "township__path", "pk")
    )
    return [SelfCheckDue(p, p.task.due_on, today) for p in parts]
