"""A case migrated from a ledger (procedure.md B0.10): no ERROR or BLOCK finding its full history does not
have, one LEDGER-GAP listing what the ledger could not hold, gaps that close as they are recorded, and live
entry that still keeps the chart's order.

The ledger's cases are written as a ledger import writes them (interchange.md, Excel ledgers): only the
steps it has columns for, one record each (the first passing one, as the export writes), details only the
people and the form number with the result a row records, no entry time, from_ledger set."""

import datetime
from collections import defaultdict

import pytest
from django.utils import timezone

from fazhan.demo.synth import synth_build
from fazhan.demo.world import LEGAL_PATH
from fazhan.inspection.loader import case_facts_full
from fazhan.inspection.run import case_findings, inspect
from fazhan.prereview.models import NumberedForm
from fazhan.procedure.definition import LEDGER_COLUMNS, LEDGER_GAP_STEPS, STEPS_BY_CODE
from fazhan.procedure.engine import evaluate
from fazhan.procedure.models import Case, StepRecord
from fazhan.procedure.services import StepRefused, case_record_step
from tests.procedure.conftest import day, form_number, legal_details

RESULTS = {"S10": "pass", "S13": "pass", "S17": "approved", "S24": "approved"}


def write_as_ledger(cases, *, inferred: bool = False) -> None:
    """Rewrite the cases' records as a ledger import holds them; `inferred`: the clerk's ledger has no date
    columns for S05, S09 and S14, which take the dates of S03, S07 and S13."""
    for case in cases:
        kept: dict[str, StepRecord] = {}
        for r in StepRecord.objects.filter(case=case).order_by("date", "id"):
            if r.step not in LEDGER_COLUMNS or r.step in kept or not passes(r):
                r.delete()
                continue
            kept[r.step] = r
        for r in kept.values():
            details = {k: v for k, v in r.details.items() if k in LEDGER_COLUMNS[r.step]}
            if r.step in RESULTS:
                details["result"] = RESULTS[r.step]
            if r.step == "S23":
                details["decision"] = "convert"
            r.details, r.recorded_at, r.from_ledger = details, None, True
            follows = {"S05": "S03", "S09": "S07", "S14": "S13"}.get(r.step)
            if inferred and follows in kept:
                r.date, r.date_inferred = kept[follows].date, True
            r.save()


def passes(record: StepRecord) -> bool:
    """The ledger writes a step's first passing record (interchange.md: the export of a ledger)."""
    rule = STEPS_BY_CODE[record.step].passing
    return rule is None or record.details.get(rule[0]) in rule[1]


def grave(issues) -> dict[str, set[tuple[str, str]]]:
    """Per person, their ERROR and BLOCK findings as (rule, severity)."""
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for i in issues:
        if i.person and i.severity in ("ERROR", "BLOCK"):
            out[i.person].add((i.rule, i.severity))
    return out


@pytest.mark.parametrize("inferred", [False, True])
def test_a_township_migrated_from_its_ledger_gets_no_grave_finding_its_full_history_has_not(db, inferred):
    synth = synth_build(scale="township", cases=300)
    full = inspect(root=None, as_of=synth.as_of)
    write_as_ledger(Case.objects.all(), inferred=inferred)
    migrated = inspect(root=None, as_of=synth.as_of)
    before, after = grave(full.issues), grave(migrated.issues)
    invented = {pid: after[pid] - before[pid] for pid in after if after[pid] - before[pid]}
    assert invented == {}
    gaps: dict[str, int] = defaultdict(int)
    for i in migrated.issues:
        if i.rule == "LEDGER-GAP":
            gaps[i.person] += 1
    assert set(gaps.values()) == {1}
    activists = set(StepRecord.objects.filter(step="S03").values_list("case__person__pid", flat=True))
    assert activists <= set(gaps)  # every activist's ledger lacks at least the filing (S04)
    assert len(activists) > 100
    assert migrated.issues == inspect(root=None, as_of=synth.as_of, screened=False).issues


def test_the_single_case_check_gives_the_whole_trees_ledger_findings(db):
    synth = synth_build(scale="township", cases=120)
    write_as_ledger(Case.objects.all())
    tree = defaultdict(set)
    for i in inspect(root=None, as_of=synth.as_of).issues:
        if i.person:
            tree[i.person].add((i.rule, i.severity, i.message))
    for case in Case.objects.select_related("person")[:60]:
        facts = case_facts_full(case, as_of=synth.as_of)
        single = {(f.rule, f.severity, f.message) for f in case_findings(facts)}
        assert single == tree[case.person.pid], case.person.pid


def ledger_record(w, step, offset, **details):
    held = {k: v for k, v in legal_details(step, 0, w).items() if k in LEDGER_COLUMNS.get(step, ())}
    return StepRecord.objects.create(
        case=w.case,
        step=step,
        date=day(offset),
        details={**held, **details},
        recorded_at=None,
        from_ledger=True,
    )


def migrate(w, upto: int) -> None:
    """The legal path's ledger steps up to the day, as a ledger import writes them."""
    seen = set()
    for step, offset in LEGAL_PATH:
        if offset <= upto and step in LEDGER_COLUMNS and step not in seen:
            seen.add(step)
            extra = {"result": RESULTS[step]} if step in RESULTS else {}
            if step == "S14":  # the register as the import brings it (the ledger names no reviewer)
                NumberedForm.objects.create(
                    number=form_number(w),
                    person=w.p1,
                    issued_on=day(offset),
                    issued_by=w.district,
                    status="used",
                )
            ledger_record(w, step, offset, **extra)


def gap_of(w):
    return list(evaluate(case_facts_full(w.case, as_of=timezone.localdate()), rules=["LEDGER-GAP"]))


def test_ledger_gap_lists_in_chinese_the_steps_and_details_the_ledger_could_not_hold(pw):
    migrate(pw, 600)  # up to the branch meeting
    (found,) = gap_of(pw)
    assert (found.severity, found.record) == ("WARN", None)
    assert found.evidence["steps"] == ["S04", "S06", "S08", "S12", "S16"]
    assert found.evidence["details"] == {
        "S03": ["method", "decided_by"],
        "S07": ["opinions_heard", "publicity_from", "publicity_to"],
        "S10": ["negative_list"],
        "S11": ["days", "hours"],
        "S13": ["reviewer"],
        "S15": ["entitled", "present", "for", "against", "abstain"],
    }
    assert found.message.startswith("台账未载明（请补录）：上级党委备案（第4步）、培养教育考察（第6步）")
    assert "支部大会讨论（第15步）的应到会有表决权党员、实到会有表决权党员、赞成、反对、弃权" in found.message
    assert "S0" not in found.message
    assert "method" not in found.message


def test_a_gap_is_recorded_as_any_step_and_then_no_longer_listed(pw):
    migrate(pw, 600)
    with pytest.raises(StepRefused) as refused:  # judged as usual: filed with the branch itself
        case_record_step(
            actor=None, case=pw.case, step="S04", date=day(118), details={"filed_with": "SZQ-LH-01"}
        )
    assert {f.rule for f in refused.value.findings} == {"ACT-FILE"}
    case_record_step(actor=None, case=pw.case, step="S04", date=day(118), details={"filed_with": "SZQ-LH"})
    (found,) = gap_of(pw)
    assert found.evidence["steps"] == ["S06", "S08", "S12", "S16"]


def test_live_entry_after_a_migration_still_refuses_a_step_whose_prerequisite_is_missing(pw):
    """A gap is the ledger's when a ledger record reveals it: the approval entered live after a migrated
    branch meeting needs the committee's talk (S16) on record first."""
    migrate(pw, 600)
    with pytest.raises(StepRefused) as refused:
        case_record_step(
            actor=None, case=pw.case, step="S17", date=day(650), details=legal_details("S17", 0, pw)
        )
    assert "APV-TALK" in {f.rule for f in refused.value.findings}
    case_record_step(actor=None, case=pw.case, step="S16", date=day(620), details=legal_details("S16", 0, pw))
    case_record_step(actor=None, case=pw.case, step="S17", date=day(650), details=legal_details("S17", 0, pw))
    assert "S16" not in gap_of(pw)[0].evidence["steps"]


def test_a_migrated_activist_is_not_held_to_the_half_years_before_the_migration(pw):
    """S03 and S05 from the ledger, nothing since: the half-year examinations (S06) are a ledger gap up to
    today; once one is entered live (dated the day before its entry), the windows before the migration stay
    the ledger's, and LEDGER-GAP lists S06 while they are empty."""
    migrate(pw, 130)
    today = timezone.localdate()
    facts = case_facts_full(pw.case, as_of=today)
    assert evaluate(facts, rules=["ACT-HALFYEAR", "ACT-REPORT"]) == []
    assert "S06" in gap_of(pw)[0].evidence["steps"]
    yesterday = today - datetime.timedelta(days=1)
    case_record_step(actor=None, case=pw.case, step="S06", date=yesterday, details={"kind": "examination"})
    assert evaluate(case_facts_full(pw.case, as_of=today), rules=["ACT-HALFYEAR", "ACT-REPORT"]) == []
    assert "S06" in gap_of(pw)[0].evidence["steps"]
    assert LEDGER_GAP_STEPS["S06"] == "S03"
    later = today + datetime.timedelta(days=200)  # half a year on, a window of Fazhan's own time is judged
    found = evaluate(case_facts_full(pw.case, as_of=later), rules=["ACT-HALFYEAR"])
    assert [f.evidence["window"][1] > today.isoformat() for f in found] == [True] * len(found)


def test_a_record_that_fills_a_ledger_gap_late_is_no_back_dating(pw):
    migrate(pw, 600)
    late = timezone.now()
    case_record_step(
        actor=None,
        case=pw.case,
        step="S04",
        date=day(118),
        details={"filed_with": "SZQ-LH"},
        recorded_at=late,
    )
    facts = case_facts_full(pw.case, as_of=timezone.localdate())
    assert evaluate(facts, rules=["VIO-BACKDATE"]) == []
    for step, offset in (("S16", 620), ("S17", 650)):  # the approval has a ledger column: judged
        details = legal_details(step, 0, pw)
        case_record_step(
            actor=None, case=pw.case, step=step, date=day(offset), details=details, recorded_at=late
        )
    facts = case_facts_full(pw.case, as_of=timezone.localdate())
    assert [(f.step, f.severity) for f in evaluate(facts, rules=["VIO-BACKDATE"])] == [("S17", "ERROR")]
