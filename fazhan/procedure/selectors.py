"""Reads of the procedure: a case's facts for the rules, the case a user may see."""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from fazhan.accounts.selectors import user_scope_q
from fazhan.organizations.models import Org
from fazhan.people.identity import id_number_valid
from fazhan.people.models import Kinship, Person, PersonRole
from fazhan.procedure.definition import STEPS_BY_CODE, limits
from fazhan.procedure.engine import NEW, CaseFacts, MemberFacts, OrgFacts, Rec
from fazhan.procedure.models import Case, ExitReason, StepRecord
from fazhan.procedure.rules.forms import IDENTITY_STEPS


def case_get_for_user(user, pk: int) -> Case:
    return get_object_or_404(
        Case.objects.filter(user_scope_q(user, "person__org__path")).select_related("person"), pk=pk
    )


@dataclass(frozen=True)
class FactProvider:
    """What a wing adds to the facts beside the steps (the numbered forms, the archive reviews), registered by
    the wing in its AppConfig.ready() under the CaseFacts field it fills: the procedure imports no wing.

    `for_person(person, named)` gives one person's rows (and those of the records a step names, `named`,
    the details' values of that kind); `by_person(person_ids, as_of)` the rows of many, dated up to as_of,
    keyed by Person.pk; `in_subtree(scope, as_of)` the same for every person of a scope (procedure.loader:
    one query by the orgs' paths, not by a list of ids), where the wing gives it. Each row is a dict as
    interchange.md's record of that kind has it."""

    for_person: Callable[[Person, set[str]], list[dict]]
    by_person: Callable[[Iterable[int], datetime.date], dict[int, list[dict]]]
    named: str = ""  # the details' kind whose values `for_person` also loads ("form": the form numbers)
    in_subtree: Callable[["Scope", datetime.date], dict[int, list[dict]]] | None = None
    # Rows about the values the steps name rather than about the case's person (the trainings of the contacts
    # and introducers, "pid"): for the whole-tree loader, the rows of every value named in it, by value; each
    # case gets those of the values its own steps name. Such a provider's `for_person` gives only the named.
    of_named: Callable[[set[str], datetime.date], dict[str, list[dict]]] | None = None


# A scope of the tree (procedure.loader): given the field holding an org's path, the condition that it lies in
# the scope's subtrees.
Scope = Callable[[str], Q]


# The CaseFacts fields a wing provides; the procedure's own (kinship, discipline, transfers) it reads itself.
PROVIDED_FACTS = ("forms", "archive_reviews", "notice_feedback", "floating_records", "staff_training")


FACT_PROVIDERS: dict[str, FactProvider] = {}


def fact_provider_register(fact: str, provider: FactProvider) -> None:
    """A wing's register read with every case's facts, as CaseFacts.<fact>."""
    if fact not in PROVIDED_FACTS:
        raise ValueError(
            f"CaseFacts has no register {fact!r} for a wing to provide: {sorted(PROVIDED_FACTS)}"
        )
    FACT_PROVIDERS[fact] = provider


def _referenced(records: list[Rec], kind: str) -> set[str]:
    out: set[str] = set()
    for r in records:
        for key, spec in STEPS_BY_CODE[r.step].details.items():
            value = r.details.get(key)
            if spec.kind == kind + "s" and isinstance(value, list):
                out.update(value)
            elif spec.kind == kind and isinstance(value, str):
                out.add(value)
    return out


def _org_facts(orgs) -> dict[str, OrgFacts]:
    rows = orgs.annotate(full=Count("persons", filter=Q(persons__party_status="full")))
    return {o.code: OrgFacts(o.code, o.kind, o.path, o.full) for o in rows}


MEMBER_FIELDS = ("pid", "party_status", "joined_on", "full_since", "org__code")


def case_facts(case: Case, *, as_of: datetime.date | None = None, pending: Rec | None = None) -> CaseFacts:
    """Everything the rules read about one case, in a fixed handful of queries: its live records (with the
    record each corrects), the people and orgs they name, and the person's registers — kinship, discipline,
    transfers, numbered forms, archive reviews. `pending` is a record about to be entered, whose people,
    orgs and forms are loaded too. The inspection's whole-tree loader reads the same facts set-based."""
    person: Person = case.person
    links = dict(
        StepRecord.objects.filter(case=case, supersedes__isnull=False).values_list("pk", "supersedes_id")
    )
    records = [
        Rec(r.pk, r.step, r.date, r.details, r.recorded_at, links.get(r.pk), r.from_ledger, r.date_inferred)
        for r in StepRecord.objects.filter(case=case, superseded_by__isnull=True).order_by("date", "id")
    ]
    referenced = [*records, pending] if pending else records
    pids = _referenced(referenced, "pid")
    members = {
        m.pid: MemberFacts(
            m.pid,
            m.party_status,
            m.joined_on,
            m.full_since,
            org_code=m.org.code,
            party_probation=tuple(
                (d.date_from, d.rights_restored_on)
                for d in m.discipline_records.all()
                if d.kind == "party_probation"
            ),
        )
        for m in Person.objects.filter(pid__in=pids)
        .select_related("org")
        .only(*MEMBER_FIELDS)  # their sealed fields are no fact of this case: left unread, not decrypted
        .prefetch_related("discipline_records")
    }
    registers = person_registers(
        person, named={kind: _referenced(referenced, kind) for kind in provided_kinds()}
    )
    codes = _referenced(referenced, "org") | {c for c in person.org.path.strip("/").split("/") if c}
    if person.work_unit_org:
        codes.add(person.work_unit_org.code)
    codes |= {t["from"] for t in registers["transfers"]}
    orgs = _org_facts(Org.objects.filter(code__in=codes))
    facts = CaseFacts(
        person_pid=person.pid,
        birth_date=person.birth_date,
        floating=person.floating,
        planned_departure=person.planned_departure,
        branch=orgs[person.org.code],
        records=tuple(records),
        limits=limits(),
        as_of=max([timezone.localdate(), *(r.date for r in records)]),
        members=members,
        orgs=orgs,
        exited_on=case.closed_on,
        invalidated=case.exit_reason == ExitReason.INVALIDATED,
        resident_id_valid=id_number_valid(person.id_number),
        work_unit_org=person.work_unit_org.code if person.work_unit_org else "",
        transfers=tuple(registers["transfers"]),
        forms=tuple(registers["forms"]),
        kin=dict(registers["kin"]),
        discipline=tuple(registers["discipline"]),
        archive_reviews=tuple(registers["archive_reviews"]),
        notice_feedback=tuple(registers["notice_feedback"]),
        floating_records=tuple(registers["floating_records"]),
        staff_training=tuple(registers["staff_training"]),
        branch_secretaries=tuple(
            sorted(
                PersonRole.objects.filter(
                    person__org__code=_branch_on(person.org.code, registers["transfers"], as_of),
                    role="branch_secretary",
                ).values_list("person__pid", flat=True)
            )
        ),
        identities=case_identities(case, pending=pending),
    )
    return facts.until(as_of) if as_of else facts


def _branch_on(current: str, transfers: list[dict], day: datetime.date | None) -> str:
    """The org the person belonged to on `day`: the origin of their first transfer after it, else the
    current one (CaseFacts.until sets the branch alike)."""
    later = [t for t in transfers if day is not None and t["date"] > day.isoformat()]
    return min(later, key=lambda t: t["date"])["from"] if later else current


def identity_fact(record: int, name: str, id_key: str) -> dict:
    """Who a step record was about when written (CaseFacts.identities): its name and ID-number digest."""
    return {"record": record, "name": name, "id_key": id_key}


def case_identities(case: Case, *, pending: Rec | None = None) -> tuple[dict, ...]:
    """The identities the live records of IDENTITY_STEPS kept, and the person's own for a pending one of
    those steps (what it will keep)."""
    rows = (
        StepRecord.objects.filter(case=case, step__in=IDENTITY_STEPS, superseded_by__isnull=True)
        .exclude(person_id_key="")
        .order_by("pk")
        .values_list("pk", "person_name", "person_id_key")
    )
    out = [identity_fact(*row) for row in rows]
    if pending is not None and pending.step in IDENTITY_STEPS:
        out.append(identity_fact(NEW, case.person.name, case.person.id_number_key))
    return tuple(out)


def transfer_fact(date: datetime.date, src: str, dst: str, materials: bool) -> dict:
    return {"date": date.isoformat(), "from": src, "to": dst, "materials_transferred": materials}


def provided_kinds() -> set[str]:
    return {p.named for p in FACT_PROVIDERS.values() if p.named}


def person_registers(person: Person, *, named: dict[str, set[str]] | None = None) -> dict[str, list]:
    """The registers the rules read beside the steps, for one person: kinship (both sides), discipline,
    transfers, and what the wings provide (numbered forms, the person's and any a step names; archive
    reviews). `named` is, by a provider's kind, the values the steps name. `CaseFacts.until` drops what is
    dated after an as-of day."""
    out: dict[str, list] = {
        **{"kin": [], "discipline": [], "transfers": [], "forms": []},
        **{"archive_reviews": [], "notice_feedback": [], "floating_records": [], "staff_training": []},
    }
    for b, relation in Kinship.objects.filter(a=person).values_list("b__pid", "relation"):
        out["kin"].append((b, relation))
    for a, relation in Kinship.objects.filter(b=person).values_list("a__pid", "relation"):
        out["kin"].append((a, relation))
    for kind, start, stop in person.discipline_records.values_list("kind", "date_from", "date_to"):
        out["discipline"].append({"kind": kind, "from": start, "to": stop})
    for row in person.transfers.order_by("date", "id").values_list(
        "date", "from_org__code", "to_org__code", "materials_transferred"
    ):
        out["transfers"].append(transfer_fact(*row))
    named = named or {}
    for fact, provider in FACT_PROVIDERS.items():
        out[fact] = provider.for_person(person, named.get(provider.named, set()))
    return out
