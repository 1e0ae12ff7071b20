"""Random sequences of live entries, corrections, transfers and extensions against the one step service
(issue: trust against an insider, item 7). Whatever a clerk tries, in whatever order, the record keeps the
invariants of live entry: no stage skipped, no step before what it depends on, at most one admission, the
case's stage and the person's membership what the live records say, and a trail that verifies.

Each example runs in a savepoint rolled back at its end, on the walked world of conftest.py.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fazhan.auditlog.selectors import trail_verify
from fazhan.demo.world import LEGAL_PATH
from fazhan.people.models import Person
from fazhan.people.services import person_transfer
from fazhan.procedure.definition import STEPS_BY_CODE
from fazhan.procedure.models import Case, StepRecord
from fazhan.procedure.rules.outcome import case_outcome
from fazhan.procedure.services import case_record_step, step_correct
from tests.procedure.conftest import day, issue_legal_form, legal_details, walk

JITTERS = (-400, -60, -20, -1, 0, 0, 0, 0, 3, 40, 200)

walk_op = st.tuples(st.just("walk"), st.sampled_from(JITTERS))
any_op = st.tuples(st.just("any"), st.integers(0, len(LEGAL_PATH) - 1), st.integers(-30, 1100))
correct_op = st.tuples(st.just("correct"), st.integers(0, 40), st.sampled_from(JITTERS))
transfer_op = st.tuples(st.just("transfer"), st.booleans())
extend_op = st.tuples(st.just("extend"), st.sampled_from(JITTERS))
operations = st.lists(
    st.one_of(walk_op, walk_op, walk_op, any_op, correct_op, transfer_op, extend_op),
    min_size=5,
    max_size=30,
)


def live(case: Case) -> list[StepRecord]:
    return list(case.steps.filter(superseded_by__isnull=True).order_by("date", "recorded_at", "pk"))


def invariants_hold(case: Case) -> None:
    case.refresh_from_db()
    records = live(case)
    by_step: dict[str, list[StepRecord]] = {}
    for record in records:
        by_step.setdefault(record.step, []).append(record)
    for record in records:
        step = STEPS_BY_CODE[record.step]
        if not step.repeats:
            assert len(by_step[record.step]) == 1, f"{record.step} twice"
        for before in step.prerequisites:
            earlier = [r for r in by_step.get(before, []) if r.date <= record.date]
            assert earlier, f"{record.step} on {record.date} without {before} before it"
    approvals = [r for r in by_step.get("S17", []) if r.details.get("result") == "approved"]
    assert len(approvals) <= 1
    outcome = case_outcome(records)
    assert case.stage == outcome.stage, (case.stage, outcome.stage)
    person = Person.objects.get(pk=case.person_id)
    if outcome.party_status and case.closed_on is None:
        assert (person.party_status, person.joined_on) == (outcome.party_status, outcome.joined_on)


def attempt(work) -> bool:
    """One clerk's try: accepted, or refused with a message (never anything else)."""
    try:
        with transaction.atomic():
            work()
    except (ValidationError, PermissionDenied):
        return False
    return True


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(start=st.integers(0, len(LEGAL_PATH)), ops=operations)
def test_whatever_is_tried_the_record_keeps_the_invariants_of_live_entry(pw, start, ops):
    """From a legal prefix of the path (any stage), a random sequence of tries."""
    with transaction.atomic():
        walk(pw, until=start)
        run_operations(pw, ops, walked=start)
        transaction.set_rollback(True)


def run_operations(w, ops, *, walked: int) -> None:
    """`walked`: the entries of LEGAL_PATH accepted so far."""
    case = Case.objects.get(pk=w.case.pk)
    for op in ops:
        kind = op[0]
        if kind == "walk" and walked < len(LEGAL_PATH):
            step, offset = LEGAL_PATH[walked]
            n = sum(1 for s, _ in LEGAL_PATH[:walked] if s == step)
            on = day(offset + op[1])
            if step == "S14" and not case.person.numbered_forms.exists():
                attempt(lambda on=on: issue_legal_form(w, on))
            if attempt(
                lambda step=step, on=on, n=n: case_record_step(
                    actor=None, case=case, step=step, date=on, details=legal_details(step, n, w)
                )
            ):
                walked += 1
        elif kind == "any":
            step, offset = LEGAL_PATH[op[1]]
            attempt(
                lambda step=step, offset=op[2]: case_record_step(
                    actor=None, case=case, step=step, date=day(offset), details=legal_details(step, 0, w)
                )
            )
        elif kind == "correct":
            records = live(case)
            if records:
                record = records[op[1] % len(records)]
                attempt(
                    lambda record=record, jitter=op[2]: step_correct(
                        actor=None,
                        record=record,
                        date=record.date + datetime.timedelta(days=jitter),
                        details=record.details,
                        reason="补正日期",
                    )
                )
        elif kind == "transfer":
            person = Person.objects.get(pk=case.person_id)
            last = max((r.date for r in live(case)), default=day(0))
            to_org = w.branch2 if person.org_id == w.branch1.pk else w.branch1
            attempt(
                lambda person=person, to_org=to_org, on=last + datetime.timedelta(days=1), m=op[1]: (
                    person_transfer(
                        actor=None, person=person, to_org=to_org, date=on, materials_transferred=m
                    )
                )
            )
        elif kind == "extend":
            details = {**legal_details("S23", 0, w), "decision": "extend", "extend_months": 6}
            attempt(
                lambda details=details, jitter=op[1]: case_record_step(
                    actor=None, case=case, step="S23", date=day(972 + jitter), details=details
                )
            )
        invariants_hold(case)
    check = trail_verify()
    assert check.ok, check
