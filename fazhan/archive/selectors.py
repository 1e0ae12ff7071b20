"""Reads of the archive: a person's attachments and the completeness of their file, the archive register."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from fazhan.accounts.selectors import user_case_paths, user_scope_q
from fazhan.archive.models import ArchiveReview, Attachment
from fazhan.organizations.models import Org, OrgKind
from fazhan.people.models import Person
from fazhan.procedure.definition import ARCHIVE_CORE, MATERIALS, OUTCOME_STEPS, STEPS_BY_CODE, CaseStage, Step
from fazhan.procedure.models import Case, StepRecord
from fazhan.procedure.rules.outcome import case_outcome


def attachment_get_for_user(user, pk: int) -> Attachment:
    """The one way to fetch an attachment: 404 outside the user's subtrees."""
    return get_object_or_404(
        Attachment.objects.filter(user_scope_q(user, "record__case__person__org__path")).select_related(
            "record__case__person__org"
        ),
        pk=pk,
    )


def person_attachments(person: Person) -> list[Attachment]:
    """Every attachment of the person's file, superseded ones included, in step-date order; each carries
    `is_superseded`."""
    rows = list(
        Attachment.objects.filter(record__case__person=person)
        .select_related("record", "uploaded_by")
        .order_by("record__date", "record_id", "uploaded_at", "id")
    )
    superseded = {a.supersedes_id for a in rows if a.supersedes_id}
    for a in rows:
        a.is_superseded = a.pk in superseded  # type: ignore[attr-defined]
    return rows


def conversion_record(records: list[StepRecord]) -> StepRecord | None:
    """The conversion among a case's live records in record order: the S24 that approved a `convert` round
    (procedure.md B0.3, rules/outcome.py) — not an extension's approval."""
    return case_outcome(records).converted


def conversions(cases: QuerySet) -> dict[int, StepRecord]:
    """The conversion of each of these cases that has one, by case id, from their records' one query."""
    by_case: dict[int, list[StepRecord]] = {}
    records = StepRecord.objects.filter(
        case__in=cases, superseded_by__isnull=True, step__in=OUTCOME_STEPS
    ).order_by("case_id", "date", "id")
    for r in records:
        by_case.setdefault(r.case_id, []).append(r)
    out = {}
    for case_id, rows in by_case.items():
        converted = conversion_record(rows)
        if converted is not None:
            out[case_id] = converted
    return out


def person_step_records(person: Person) -> list[StepRecord]:
    records = list(
        StepRecord.objects.filter(case__person=person)
        .select_related("recorded_by", "superseded_by")
        .order_by("date", "id")
    )
    for r in records:
        r.is_superseded = hasattr(r, "superseded_by")  # type: ignore[attr-defined]
    return records


@dataclass
class MaterialRow:
    """One line of the completeness matrix: a required material, the steps that require it, the current
    attachments that provide it."""

    code: str
    steps: list[Step] = field(default_factory=list)
    core: bool = False
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def label(self):
        return MATERIALS[self.code]

    @property
    def present(self) -> bool:
        return bool(self.attachments)


def completeness(records: list[StepRecord], attachments: list[Attachment]) -> list[MaterialRow]:
    """Material × present/missing: what the steps reached (live records) produce, and after conversion the
    five of Art.37 (ARCHIVE_CORE) whatever the records say; present when a current attachment provides it."""
    live = [r for r in records if not getattr(r, "is_superseded", False)]
    rows: dict[str, MaterialRow] = {}
    for r in live:
        step = STEPS_BY_CODE[r.step]
        for code in step.documents:
            row = rows.setdefault(code, MaterialRow(code))
            if step not in row.steps:
                row.steps.append(step)
    if conversion_record(live) is not None:
        for code in ARCHIVE_CORE:
            rows.setdefault(code, MaterialRow(code))
    for a in attachments:
        if not getattr(a, "is_superseded", False) and a.material in rows:
            rows[a.material].attachments.append(a)
    for code in ARCHIVE_CORE:
        if code in rows:
            rows[code].core = True
    return [rows[code] for code in MATERIALS if code in rows]


def completeness_missing(rows: list[MaterialRow]) -> list[str]:
    return [row.code for row in rows if not row.present]


def person_completeness(person: Person) -> list[MaterialRow]:
    return completeness(person_step_records(person), person_attachments(person))


def person_conversion_date(person: Person) -> datetime.date | None:
    found = conversions(Case.objects.filter(person=person))
    return min((r.date for r in found.values()), default=None)


def person_reviews(person: Person) -> QuerySet[ArchiveReview]:
    return person.archive_reviews.select_related("reviewer", "reviewed_by").order_by("-date", "-id")


def reviewing_committee(person: Person) -> Org:
    """The committee above the person's branch (the township's 党委), which reviews the file."""
    codes = [c for c in person.org.path.strip("/").split("/") if c]
    committee = Org.objects.filter(code__in=codes, kind=OrgKind.COMMITTEE).order_by("-depth").first()
    return committee or person.org


# --- The archive register: each converted member's file in a subtree --------------------------------------


@dataclass
class RegisterRow:
    person: Person
    converted_on: datetime.date
    review: ArchiveReview | None

    @property
    def missing_labels(self) -> list[str]:
        return [str(MATERIALS.get(code, code)) for code in (self.review.missing if self.review else [])]


def archive_register(user, org: Org, *, unreviewed: bool = False) -> list[RegisterRow]:
    """Converted members (the S24 approving a `convert` round) of the org's subtree the user may see, with
    their latest review — a query for the cases, one for their records, one for the reviews; the page and the
    Excel download both read it."""
    cases = Case.objects.filter(
        user_scope_q(user, "person__org__path"),
        person__org__path__startswith=org.path,
        stage=CaseStage.FULL,
    )
    persons = {c.pk: c.person for c in cases.select_related("person__org")}
    converted: dict[int, tuple[Person, datetime.date]] = {}
    for case_id, record in sorted(conversions(cases).items(), key=lambda item: (item[1].date, item[1].pk)):
        person = persons[case_id]
        converted.setdefault(person.pk, (person, record.date))
    latest: dict[int, ArchiveReview] = {}
    for review in ArchiveReview.objects.filter(person_id__in=converted).select_related(
        "reviewer", "reviewed_by"
    ):
        if review.person_id not in latest or (review.date, review.pk) > (
            latest[review.person_id].date,
            latest[review.person_id].pk,
        ):
            latest[review.person_id] = review
    rows = [RegisterRow(p, day, latest.get(pid)) for pid, (p, day) in converted.items()]
    if unreviewed:
        rows = [r for r in rows if r.review is None]
    return sorted(rows, key=lambda r: (r.person.org.path, r.converted_on, r.person.pid))


def register_orgs_for_user(user) -> QuerySet[Org]:
    """The orgs whose register a user may open: the top of each of their subtrees, the committees in them."""
    return Org.objects.filter(
        user_scope_q(user),
        Q(kind__in=(OrgKind.COMMITTEE, OrgKind.DISTRICT_COMMITTEE)) | Q(path__in=user_case_paths(user)),
    ).order_by("path")


# --- the archive reviews as the rules read them (CaseFacts.archive_reviews, registered in apps.py) ----------


def review_fact(date: datetime.date, reviewer: str, missing) -> dict:
    return {"date": date, "reviewer": reviewer, "missing": list(missing)}


def review_facts_for_person(person: Person, named: set[str]) -> list[dict]:
    rows = person.archive_reviews.order_by("date", "id").values_list("date", "reviewer__code", "missing")
    return [review_fact(*row) for row in rows]


def review_facts_by_person(person_ids, as_of: datetime.date) -> dict[int, list[dict]]:
    return _reviews_by_person(ArchiveReview.objects.filter(person__in=person_ids, date__lte=as_of))


def review_facts_in_subtree(scope, as_of: datetime.date) -> dict[int, list[dict]]:
    """The reviews of every person of a scope (procedure.loader), by Person.pk, in one query by the orgs'
    paths."""
    return _reviews_by_person(ArchiveReview.objects.filter(scope("person__org__path"), date__lte=as_of))


def _reviews_by_person(reviews) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for person_id, *row in reviews.order_by("date", "id").values_list(
        "person_id", "date", "reviewer__code", "missing"
    ):
        out.setdefault(person_id, []).append(review_fact(*row))
    return out
