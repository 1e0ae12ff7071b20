"""The readers of self-service applications: the branch's list (scoped to the user's subtrees), and what an
applicant sees of their own record: the state of their submissions, the steps recorded for their case and
what comes next, with the dates procedure.deadlines gives (never computed here)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse

from fazhan.accounts.models import Role
from fazhan.accounts.selectors import user_roles_at, user_scope_q
from fazhan.applicants.models import Applicant, InviteCode, Submission, SubmissionState
from fazhan.procedure.deadlines import deadlines
from fazhan.procedure.definition import STEPS_BY_CODE
from fazhan.procedure.models import Case
from fazhan.procedure.selectors import case_facts


def submission_list_for_user(user) -> QuerySet[Submission]:
    return (
        Submission.objects.filter(user_scope_q(user, "applicant__org__path"))
        .select_related("applicant__org", "decided_by", "step_record")
        .defer("photo")
    )


def submission_get_for_user(user, pk: int) -> Submission:
    """The one way to fetch a submission: 404 outside the user's subtrees."""
    return get_object_or_404(submission_list_for_user(user), pk=pk)


# Who lists a waiting submission on their to-do page: the branch that accepts or returns it, and the township
# organizer, who oversees every step below the township (desk.todo); not the district, which has no hand in
# it.
TODO_ROLES = frozenset({Role.BRANCH_SECRETARY, Role.BRANCH_ORGANIZER, Role.TOWNSHIP_ORGANIZER})


def submissions_waiting_for_user(user) -> list[Submission]:
    """The submissions in the user's subtrees still waiting for the branch, oldest first, that are the user's
    work (TODO_ROLES): the to-do page."""
    waiting = submission_list_for_user(user).filter(state=SubmissionState.SUBMITTED).order_by("submitted_at")
    return [s for s in waiting if user_roles_at(user, s.applicant.org) & TODO_ROLES]


def register_url(code: str) -> str:
    """The address the QR code opens: the registration with the code filled in."""
    path = reverse("applicants_public:register", kwargs={"code": code})
    return settings.FAZHAN_PUBLIC_BASE_URL + path


def codes_for_user(user) -> QuerySet[InviteCode]:
    return InviteCode.objects.filter(user_scope_q(user, "org__path")).select_related("org", "issued_by")


def submission_photo(submission: Submission) -> bytes:
    return bytes(Submission.objects.values_list("photo", flat=True).get(pk=submission.pk))


@dataclass(frozen=True)
class StepDone:
    name: str
    date: datetime.date


@dataclass(frozen=True)
class StepNext:
    name: str
    allowed_from: datetime.date | None
    due_by: datetime.date | None


@dataclass(frozen=True)
class OwnRecord:
    """What an applicant sees of themselves: their submissions, newest first, and once accepted their case's
    live steps in date order and the steps ahead."""

    submissions: list[Submission]
    done: list[StepDone]
    ahead: list[StepNext]

    @property
    def current(self) -> Submission | None:
        return self.submissions[0] if self.submissions else None

    @property
    def may_submit(self) -> bool:
        return all(s.state == SubmissionState.RETURNED for s in self.submissions)


def applicant_own_record(applicant: Applicant, *, today: datetime.date) -> OwnRecord:
    submissions = list(applicant.submissions.defer("photo").order_by("-submitted_at", "-pk"))
    case = (
        Case.objects.filter(person_id=applicant.person_id).order_by("-opened_on", "-pk").first()
        if applicant.person_id
        else None
    )
    if case is None:
        return OwnRecord(submissions, [], [])
    records = case.steps.filter(superseded_by__isnull=True).order_by("date", "pk")
    done = [StepDone(str(STEPS_BY_CODE[r.step].name), r.date) for r in records]
    ahead = [
        StepNext(str(STEPS_BY_CODE[d.step].name), d.allowed_from, d.due_by)
        for d in sorted(deadlines(case_facts(case, as_of=today)), key=lambda d: d.date)
    ]
    return OwnRecord(submissions, done, ahead)
