"""Reads of the procedure: a case's facts for the rules, the case a user may see."""

import datetime

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from fazhan.accounts.selectors import user_scope_q
from fazhan.organizations.models import Org
from fazhan.people.idnumber import IdNumberError, id_number_parse
from fazhan.people.models import Person, Transfer
from fazhan.prereview.models import NumberedForm
from fazhan.procedure.definition import limits
from fazhan.procedure.engine import CaseFacts, MemberFacts, OrgFacts, Rec
from fazhan.procedure.models import Case, StepRecord


def case_get_for_user(user, pk: int) -> Case:
    return get_object_or_404(
        Case.objects.filter(user_scope_q(user, "person__org__path")).select_related("person"), pk=pk
    )


def _referenced(records: list[Rec], kind: str) -> set[str]:
    from fazhan.procedure.definition import STEPS_BY_CODE

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


def case_facts(case: Case, *, as_of: datetime.date | None = None, pending: Rec | None = None) -> CaseFacts:
    """Everything the rules read about one case, in a fixed handful of queries; `pending` is a record about
    to be entered, whose people and orgs are loaded too."""
    person: Person = case.person
    records = [
        Rec(r.pk, r.step, r.date, r.details, r.recorded_at)
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
        .prefetch_related("discipline_records")
    }
    codes = _referenced(referenced, "org") | {c for c in person.org.path.strip("/").split("/") if c}
    if person.work_unit_org:
        codes.add(person.work_unit_org.code)
    transfers = list(Transfer.objects.filter(person=person).select_related("from_org", "to_org"))
    codes |= {t.from_org.code for t in transfers}
    orgs = _org_facts(Org.objects.filter(code__in=codes))
    facts = CaseFacts(
        person_pid=person.pid,
        birth_date=person.birth_date,
        floating=person.floating,
        planned_departure=person.planned_departure,
        branch=orgs[person.org.code],
        records=tuple(records),
        limits=limits(),
        as_of=max([datetime.date.today(), *(r.date for r in records)]),
        members=members,
        orgs=orgs,
        exited_on=case.closed_on,
        resident_id_valid=_resident_id_valid(person.id_number),
        work_unit_org=person.work_unit_org.code if person.work_unit_org else "",
        transfers=tuple(transfer_fact(t) for t in transfers),
        forms=_form_facts(person, referenced),
    )
    return facts.until(as_of) if as_of else facts


def transfer_fact(t: Transfer) -> dict:
    return {
        "date": t.date.isoformat(),
        "from": t.from_org.code,
        "to": t.to_org.code,
        "materials_transferred": t.materials_transferred,
    }


def form_fact(f: NumberedForm) -> dict:
    return {
        "number": f.number,
        "person": f.person.pid if f.person else None,
        "issued_on": f.issued_on.isoformat() if f.issued_on else None,
        "issued_by": f.issued_by.code if f.issued_by else None,
        "status": f.status,
    }


def _form_facts(person: Person, records: list[Rec]) -> tuple[dict, ...]:
    """The person's forms and every form a step names (FORM-MATCH asks whose a named form is)."""
    named = _referenced(records, "form")
    rows = NumberedForm.objects.filter(Q(person=person) | Q(number__in=named)).select_related(
        "person", "issued_by"
    )
    return tuple(form_fact(f) for f in rows)


def _resident_id_valid(number: str) -> bool:
    try:
        id_number_parse(number)
    except IdNumberError:
        return False
    return True


def case_facts_bulk(cases: list[Case], *, as_of: datetime.date) -> list[CaseFacts]:
    """The step records of many cases in one query, for views over a subtree (the to-do list), with the orgs
    their details name and the persons' numbered forms. People named in details are not loaded: what reads
    these facts asks only about dates, reviewers and forms."""
    by_case: dict[int, list[Rec]] = {c.pk: [] for c in cases}
    for r in StepRecord.objects.filter(case__in=cases, superseded_by__isnull=True, date__lte=as_of).order_by(
        "date", "id"
    ):
        by_case[r.case_id].append(Rec(r.pk, r.step, r.date, r.details, r.recorded_at))
    codes = _referenced([r for records in by_case.values() for r in records], "org")
    orgs = {o.code: OrgFacts(o.code, o.kind, o.path) for o in Org.objects.filter(code__in=codes)}
    forms: dict[int, list[dict]] = {}
    for f in NumberedForm.objects.filter(person__in=[c.person_id for c in cases]).select_related(
        "person", "issued_by"
    ):
        if f.person_id is not None:
            forms.setdefault(f.person_id, []).append(form_fact(f))
    settings_limits = limits()
    return [
        CaseFacts(
            person_pid=c.person.pid,
            birth_date=c.person.birth_date,
            floating=c.person.floating,
            branch=OrgFacts(c.person.org.code, c.person.org.kind, c.person.org.path),
            records=tuple(by_case[c.pk]),
            limits=settings_limits,
            as_of=as_of,
            exited_on=c.closed_on,
            orgs=orgs,
            forms=tuple(forms.get(c.person_id, ())),
        )
        for c in cases
    ]
