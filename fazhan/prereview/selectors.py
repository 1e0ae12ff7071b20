"""The numbered-form register read: a person's forms, the register a user may see, the next serial in stock,
and the year's reconciliation (received = in stock + issued + used + voided + lost + returned)."""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from fazhan.accounts.selectors import user_assignments, user_scope_q
from fazhan.core.calendar import add_months
from fazhan.organizations.models import Org
from fazhan.people.models import Person
from fazhan.prereview.models import FormReceipt, FormStatus, NumberedForm, PrereviewBatch, PrereviewItem
from fazhan.procedure.deadlines import Countdown
from fazhan.procedure.definition import DISTRICT, TOWNSHIP, Anchor, CaseStage, limits
from fazhan.procedure.engine import CaseFacts, Rec
from fazhan.procedure.loader import case_facts_many
from fazhan.procedure.models import Case
from fazhan.procedure.rules.forms import district_passes

REGISTER_READERS = frozenset(TOWNSHIP + DISTRICT + ("inspector",))


def form_list_for_person(person: Person) -> list[NumberedForm]:
    return list(NumberedForm.objects.filter(person=person).select_related("issued_by", "replaces"))


def form_issued_to(person: Person) -> NumberedForm | None:
    """The form issued to the person and not yet used, voided or lost."""
    return NumberedForm.objects.filter(person=person, status=FormStatus.ISSUED).first()


def form_to_replace(person: Person) -> NumberedForm | None:
    """The person's latest voided or lost form not replaced yet: the next form issued replaces it."""
    return (
        NumberedForm.objects.filter(
            person=person, status__in=(FormStatus.VOIDED, FormStatus.LOST), replaced_by__isnull=True
        )
        .order_by("-status_on", "-pk")
        .first()
    )


def user_is_district(user) -> bool:
    return any(a.role in DISTRICT for a in user_assignments(user))


def form_list_for_user(user) -> QuerySet[NumberedForm]:
    """The register as the user may see it: the district its stock and every form in its subtree; a township
    the forms of its own persons. Raises PermissionDenied for roles that keep no register."""
    if not {a.role for a in user_assignments(user)} & REGISTER_READERS:
        raise PermissionDenied
    scope = user_scope_q(user, "person__org__path")
    if user_is_district(user):
        scope |= user_scope_q(user, "receipt__org__path") | user_scope_q(user, "issued_by__path")
    related = ("person__org", "receipt", "issued_by", "replaces")
    return NumberedForm.objects.filter(scope).select_related(*related)


def form_get_for_user(user, pk: int) -> NumberedForm:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(form_list_for_user(user), pk=pk)


def form_filter(
    qs: QuerySet[NumberedForm], *, status: str = "", year: int | None = None, query: str = ""
) -> QuerySet[NumberedForm]:
    if status in FormStatus.values:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(Q(receipt__year=year) | Q(receipt__isnull=True, issued_on__year=year))
    query = query.strip()
    if query:
        qs = qs.filter(Q(number__icontains=query) | Q(person__name__contains=query) | Q(person__pid=query))
    return qs


def form_next_in_stock() -> NumberedForm | None:
    """The lowest serial in stock, the one to issue next (in order, the register keeps no gaps)."""
    return (
        NumberedForm.objects.filter(status=FormStatus.IN_STOCK, receipt__isnull=False)
        .order_by("receipt__year", "receipt__prefix", "serial")
        .first()
    )


@dataclass
class Reconciliation:
    year: int
    receipts: list[FormReceipt]
    received: int
    counts: dict[str, int]
    missing: list[str] = field(default_factory=list)  # received serials with no form in the register
    skipped: list[str] = field(default_factory=list)  # in stock below a serial already given out
    unreceived: list[NumberedForm] = field(default_factory=list)  # issued without having been received

    @property
    def accounted(self) -> int:
        return sum(self.counts.values())

    @property
    def balanced(self) -> bool:
        return self.received == self.accounted and not self.missing

    @property
    def rows(self) -> list[tuple[str, object, int]]:
        return [(s, FormStatus(s).label, self.counts.get(s, 0)) for s in FormStatus.values]

    @property
    def anomalies(self) -> int:
        return len(self.missing) + len(self.skipped) + len(self.unreceived)


def form_reconcile(user, year: int, *, as_of: datetime.date) -> Reconciliation:
    """The year's reconciliation over the receipts the user's district received."""
    if not user_is_district(user):
        raise PermissionDenied
    receipts = list(
        FormReceipt.objects.filter(user_scope_q(user, "org__path"), year=year, received_on__lte=as_of)
    )
    rows = NumberedForm.objects.filter(receipt__in=receipts).values_list("receipt_id", "serial", "status")
    forms = list(rows)
    counts = Counter(status for _r, _s, status in forms)
    out = Reconciliation(year, receipts, sum(r.count for r in receipts), dict(counts))
    by_receipt: dict[int, dict[int, str]] = {r.pk: {} for r in receipts}
    for receipt_id, serial, status in forms:
        if receipt_id is not None and serial is not None:
            by_receipt[receipt_id][serial] = status
    for receipt in receipts:
        serials = by_receipt[receipt.pk]
        out.missing += [receipt.number(n) for n in range(receipt.first, receipt.last + 1) if n not in serials]
        given = [n for n, s in serials.items() if s not in (FormStatus.IN_STOCK, FormStatus.RETURNED)]
        highest = max(given, default=0)
        out.skipped += [
            receipt.number(n) for n, s in sorted(serials.items()) if s == FormStatus.IN_STOCK and n < highest
        ]
    out.unreceived = list(
        form_list_for_user(user)
        .filter(receipt__isnull=True, issued_on__year=year)
        .select_related("person__org")
        .order_by("number")
    )
    return out


# --- pre-review batches ------------------------------------------------------------------------------------

BATCH_READERS = REGISTER_READERS


def township_passes(facts: CaseFacts) -> list[Rec]:
    """Passing pre-reviews by a committee below the district (the township's own S13)."""
    district = {r.id for r in district_passes(facts)}
    return [r for r in facts.all(Anchor.PREREVIEW) if r.passed() and r.id not in district]


def waiting_in_batch() -> QuerySet:
    """The cases sent to the district in a batch and not decided there yet (their item has no result)."""
    return PrereviewItem.objects.filter(result="").values_list("case_id", flat=True)


def batch_candidates(township: Org, *, today: datetime.date) -> list[tuple[Case, CaseFacts]]:
    """The township's development targets ready for the district: branch committee review (S12) recorded,
    the township's pass (S13), no district pass yet, and not waiting in a batch already."""
    waiting = waiting_in_batch()
    cases = list(
        Case.objects.filter(
            closed_on__isnull=True,
            stage=CaseStage.TARGET,
            person__org__path__startswith=township.path,
        )
        .exclude(pk__in=waiting)
        .select_related("person__org")
        .order_by("person__org__path", "person__pid")
    )
    out = []
    for case, facts in zip(cases, case_facts_many(cases, as_of=today), strict=True):
        if facts.all(Anchor.COMMITTEE_REVIEW) and township_passes(facts) and not district_passes(facts):
            out.append((case, facts))
    return out


def batch_list_for_user(user) -> QuerySet[PrereviewBatch]:
    """The batches of the user's subtrees (the district: every township's; a township: its own)."""
    if not {a.role for a in user_assignments(user)} & BATCH_READERS:
        raise PermissionDenied
    return (
        PrereviewBatch.objects.filter(user_scope_q(user, "township__path"))
        .select_related("township", "submitted_by")
        .prefetch_related("items")
    )


def batch_get_for_user(user, pk: int) -> PrereviewBatch:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(batch_list_for_user(user), pk=pk)


@dataclass
class BatchClock(Countdown):
    """The pre-review clock of a batch: days waiting since submission, due within limits().promptly_months."""

    batch: PrereviewBatch
    today: datetime.date
    due: datetime.date = field(init=False)  # the submission day plus limits().promptly_months

    def __post_init__(self) -> None:
        self.due = add_months(self.batch.submitted_on, limits().promptly_months)

    @property
    def items(self) -> list[PrereviewItem]:
        return list(self.batch.items.all())

    @property
    def pending(self) -> int:
        return sum(1 for i in self.items if not i.result)

    @property
    def days_waiting(self) -> int:
        return (self.today - self.batch.submitted_on).days

    @property
    def overdue(self) -> bool:
        return bool(self.pending) and self.today > self.due


def batch_queue(user, *, today: datetime.date) -> list[BatchClock]:
    """The user's batches with their clocks: those still waiting first, the longest-waiting first."""
    clocks = [BatchClock(b, today) for b in batch_list_for_user(user)]
    return sorted(clocks, key=lambda c: (not c.pending, c.batch.submitted_on, c.batch.pk))


# --- the register as the rules read it (CaseFacts.forms, a fact provider registered in apps.py) -------------

FORM_FIELDS = (
    "number",
    "person__pid",
    "issued_on",
    "issued_by__code",
    "status",
    "void_reason",
    "replaces__number",
)


def form_fact(row: dict) -> dict:
    """A row of the form register as the rules read it (the keys of interchange.md's `form` record)."""
    return {
        "number": row["number"],
        "issued_to": row["person__pid"],
        "issued_on": row["issued_on"].isoformat() if row["issued_on"] else None,
        "issued_by": row["issued_by__code"],
        "status": row["status"],
        "void_reason": row["void_reason"],
        "replaces": row["replaces__number"],
    }


def form_facts_for_person(person: Person, named: set[str]) -> list[dict]:
    """The forms issued to one person and any a step of theirs names, by number."""
    forms = NumberedForm.objects.filter(Q(person=person) | Q(number__in=named)).order_by("number")
    return [form_fact(row) for row in forms.values(*FORM_FIELDS)]


def form_facts_in_subtree(scope, as_of: datetime.date) -> dict[int, list[dict]]:
    """The forms issued to every person of a scope (procedure.loader), by Person.pk, in one query by the
    orgs' paths."""
    return _forms_by_person(NumberedForm.objects.filter(scope("person__org__path")))


def _forms_by_person(forms: QuerySet[NumberedForm]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for row in forms.order_by("number").values("person_id", *FORM_FIELDS):
        out.setdefault(row["person_id"], []).append(form_fact(row))
    return out


def form_facts_by_person(person_ids, as_of: datetime.date) -> dict[int, list[dict]]:
    """The forms issued to many people, by Person.pk (the register holds its state, not its history)."""
    return _forms_by_person(NumberedForm.objects.filter(person__in=person_ids))
