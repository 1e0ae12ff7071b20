"""Reading notices: the user's, one by id (404 outside the user's subtrees), who may be named in a new one,
and the period a closed notice gives a candidate's step."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.accounts.selectors import user_assignments, user_roles_at, user_scope_q
from fazhan.notices.models import (
    NOTICE_STAGE,
    NOTICE_STEP,
    EntryResult,
    FeedbackChannel,
    Notice,
    NoticeEntry,
    NoticeFeedback,
    NoticeKind,
    NoticeState,
)
from fazhan.organizations.models import Org, OrgKind
from fazhan.procedure.deadlines import earliest_of
from fazhan.procedure.definition import BRANCH, Anchor
from fazhan.procedure.loader import case_facts_many
from fazhan.procedure.models import Case

# Who publishes a notice and records what the public says: the branch, and the township's organizer over it.
PUBLISH_ROLES = frozenset({*BRANCH, "township_organizer"})
# Who reads and looks into what the public sent through the public page (issue 15: shown only to the
# township's roles): the township's organizer and approver over the notice's org.
TOWNSHIP_ROLES = frozenset({"township_organizer", "township_approver"})


def notice_list_for_user(user) -> QuerySet[Notice]:
    return (
        Notice.objects.filter(user_scope_q(user, "org__path"))
        .select_related("org", "created_by")
        .order_by("-starts_on", "-pk")
    )


def notice_get_for_user(user, pk: int) -> Notice:
    return get_object_or_404(notice_list_for_user(user), pk=pk)


def notice_may_publish(user, org: Org) -> bool:
    return user is None or bool(user_roles_at(user, org) & PUBLISH_ROLES)


def notice_may_read_public(user, org: Org) -> bool:
    """Whether the user reads the text of what the public sent on the public page (the township's roles)."""
    return user is None or bool(user_roles_at(user, org) & TOWNSHIP_ROLES)


def notice_public_get(token: str) -> Notice:
    """The notice behind a public address (404 for any other string): never by its pk."""
    return get_object_or_404(Notice.objects.select_related("org"), token=token)


def notice_public_url(notice: Notice) -> str:
    """The public page's absolute address, as the printed notice's QR code carries it."""
    return settings.FAZHAN_PUBLIC_BASE_URL + reverse("public:notice", args=[notice.token])


def notice_public_open(notice: Notice, *, today: datetime.date | None = None) -> bool:
    """Whether the public page takes opinions today: the notice is open, its period begun and not ended."""
    today = today or timezone.localdate()
    return notice.state == NoticeState.OPEN and notice.starts_on <= today <= notice.ends_on


def feedback_pending_for_cases(cases: list[Case]) -> list[NoticeFeedback]:
    """What the public reported about these cases' people and nobody has looked into yet (no finding), oldest
    first: PUB-OBJECTION refuses their next step while any is there; the to-do lists them."""
    return list(
        NoticeFeedback.objects.filter(entry__case__in=cases, finding="")
        .select_related("notice__org", "entry")
        .order_by("received_on", "pk")
    )


def feedback_is_public(feedback: NoticeFeedback) -> bool:
    return feedback.channel == FeedbackChannel.PUBLIC


def notice_orgs_for_user(user) -> QuerySet[Org]:
    """The orgs the user may publish a notice for: the branches and committees of their subtrees where they
    hold a publishing role."""
    paths = sorted({a.org.path for a in user_assignments(user) if a.role in PUBLISH_ROLES})
    orgs = Org.objects.none()
    for path in paths:
        orgs |= Org.objects.filter(path__startswith=path)
    kinds = [OrgKind.BRANCH, OrgKind.TEMPORARY_BRANCH, OrgKind.GENERAL_BRANCH, OrgKind.COMMITTEE]
    return orgs.filter(kind__in=kinds).order_by("path")


@dataclass(frozen=True)
class Candidate:
    case: Case
    # targets: the day TGT-1YEAR allows the decision (procedure.deadlines: a year of cultivation, the clock
    # restarted by a transfer without the materials), else None
    ready_on: datetime.date | None


def notice_candidates(org: Org, kind: str, *, today: datetime.date | None = None) -> list[Candidate]:
    """The open cases of `org`'s subtree that a notice of `kind` may name: in the stage it is about
    (activists, or probationary members) and in no other open notice of the same kind."""
    cases = list(
        Case.objects.filter(
            person__org__path__startswith=org.path,
            closed_on__isnull=True,
            stage=NOTICE_STAGE[NoticeKind(kind)],
        )
        .exclude(
            pk__in=NoticeEntry.objects.filter(notice__state=NoticeState.OPEN, notice__kind=kind).values(
                "case"
            )
        )
        .select_related("person__org")
        .order_by("person__org__path", "person__pid")
    )
    if kind != NoticeKind.TARGET:
        return [Candidate(case, None) for case in cases]
    facts = case_facts_many(cases, as_of=today or timezone.localdate())
    return [Candidate(case, earliest_of(f, Anchor.TARGET)) for case, f in zip(cases, facts, strict=True)]


def notice_period_for_step(case: Case, step: str) -> tuple[datetime.date, datetime.date] | None:
    """The period of the latest closed notice that passed the case for `step` (publicity_from, publicity_to),
    which the step's entry form offers."""
    kinds = [kind for kind, code in NOTICE_STEP.items() if code == step]
    entry = (
        NoticeEntry.objects.filter(
            case=case, result=EntryResult.PASSED, notice__state=NoticeState.CLOSED, notice__kind__in=kinds
        )
        .select_related("notice")
        .order_by("-notice__ends_on", "-pk")
        .first()
    )
    return (entry.notice.starts_on, entry.notice.ends_on) if entry else None


def case_notice_entries(cases: list[Case]) -> list[NoticeEntry]:
    """Every notice that named these cases, newest first (the person page)."""
    return list(
        NoticeEntry.objects.filter(case__in=cases)
        .select_related("notice__org")
        .order_by("-notice__starts_on", "-pk")
    )


# --- what the rules read (PUB-OBJECTION): the reports about each person, as CaseFacts.notice_feedback ---

FEEDBACK_FACT_FIELDS = (
    "entry__case__person_id",
    "pk",
    "received_on",
    "verified_on",
    "finding",
    "entry__name",
    "notice__org__name",
    "notice__kind",
    "notice__starts_on",
    "notice__ends_on",
)


def notice_label_of(org_name: str, kind: str, starts_on: datetime.date, ends_on: datetime.date) -> str:
    """How a notice is named to users: its org, its matter and its period."""
    return _("%(org)s %(kind)s公示 %(a)s 至 %(b)s") % {
        "org": org_name,
        "kind": NoticeKind(kind).label,
        "a": starts_on.isoformat(),
        "b": ends_on.isoformat(),
    }


def notice_label(notice: Notice) -> str:
    return notice_label_of(notice.org.name, notice.kind, notice.starts_on, notice.ends_on)


def _feedback_facts(reports: QuerySet[NoticeFeedback]) -> dict[int, list[dict]]:
    """By Person.pk, each report about one candidate: a report without a finding has no verified_on for the
    rule, whatever the row holds."""
    out: dict[int, list[dict]] = {}
    rows = (
        reports.filter(entry__isnull=False).order_by("received_on", "pk").values_list(*FEEDBACK_FACT_FIELDS)
    )
    for person_id, pk, received, verified, finding, name, org, kind, starts, ends in rows:
        out.setdefault(person_id, []).append(
            {
                "id": pk,
                "received_on": received,
                "verified_on": verified if finding else None,
                "notice": notice_label_of(org, kind, starts, ends),
                "name": name,
            }
        )
    return out


def feedback_facts_for_person(person, named: set[str]) -> list[dict]:
    """The reports about one person (procedure.selectors.case_facts, at step entry)."""
    return _feedback_facts(NoticeFeedback.objects.filter(entry__case__person=person)).get(person.pk, [])


def feedback_facts_by_person(person_ids, as_of: datetime.date) -> dict[int, list[dict]]:
    return _feedback_facts(
        NoticeFeedback.objects.filter(entry__case__person_id__in=list(person_ids), received_on__lte=as_of)
    )


def feedback_facts_in_subtree(scope, as_of: datetime.date) -> dict[int, list[dict]]:
    """The reports about every person of a scope (procedure.loader), in one query by the orgs' paths."""
    return _feedback_facts(
        NoticeFeedback.objects.filter(scope("entry__case__person__org__path"), received_on__lte=as_of)
    )
