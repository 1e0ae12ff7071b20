"""The chart's order (SEQ-ORDER) and who reports a skipped step (procedure.md B0.7), on every prerequisite
pair of the chart: a step whose prerequisite has no record at all is refused at entry by the skipped step's
own rule (SKIP_OWNERS), in the users' words and with the later step as evidence, and SEQ-ORDER does not
report it again; SEQ-ORDER reports a step dated before its prerequisite's record, and the skips no rule of
its own owns (S12; the archive before the approved conversion)."""

import datetime
import re

import pytest

from fazhan.procedure.definition import SKIP_OWNERS, SKIPPED, STEPS, STEPS_BY_CODE, Limits
from fazhan.procedure.engine import NEW, CaseFacts, OrgFacts, Rec, blocking, evaluate, evaluate_entry
from fazhan.procedure.models import StepRecord
from fazhan.procedure.selectors import case_facts
from fazhan.procedure.services import StepRefused, case_record_step
from tests.procedure.conftest import day, legal_details, walk

D = datetime.date
BRANCH = OrgFacts("LH-01", "branch", "/SZQ/LH/LH-01/", 9)
PASSING = {
    "S10": {"result": "pass"},
    "S13": {"result": "pass"},
    "S17": {"result": "approved"},
    "S23": {"decision": "convert"},
    "S24": {"result": "approved"},
}
PAIRS = [(s.code, needed) for s in STEPS for needed in s.prerequisites]


def facts_before(step: str, *, without: str, **replace_details) -> CaseFacts:
    """Every step of the chart before `step`, 40 days apart, but `without` (and what only it leads to is
    kept: the pair is judged alone)."""
    records = []
    for n, s in enumerate(STEPS[: STEPS_BY_CODE[step].number - 1]):
        if s.code == without:
            continue
        details = replace_details.get(s.code, PASSING.get(s.code, {}))
        records.append(Rec(n + 1, s.code, D(2015, 1, 1) + datetime.timedelta(days=40 * n), details))
    return CaseFacts(
        person_pid="P1",
        birth_date=D(1990, 1, 1),
        floating=False,
        branch=BRANCH,
        records=tuple(records),
        limits=Limits(),
        as_of=D(2018, 1, 1),
    )


def entering(step: str, facts: CaseFacts):
    record = Rec(NEW, step, D(2018, 1, 1), PASSING.get(step, {}))
    return blocking(evaluate_entry(facts, record))


@pytest.mark.parametrize(("step", "needed"), PAIRS)
def test_a_step_whose_prerequisite_was_skipped_is_refused_by_the_skipped_steps_own_rule(step, needed):
    if step == "S25" and needed == "S24":
        facts = facts_before(step, without="S24")  # no approved conversion
    elif step == "S14":
        facts = facts_before(step, without="", S13={"result": "returned"})  # no passing pre-review
    else:
        facts = facts_before(step, without=needed)
    found = [f for f in entering(step, facts) if f.evidence.get("missing") == needed]
    owner = SKIP_OWNERS.get(needed, "SEQ-ORDER")
    assert [(f.rule, f.severity, f.step, f.record) for f in found] == [(owner, "BLOCK", step, NEW)]
    (skip,) = found
    assert skip.message.startswith(str(SKIPPED[needed]))
    assert not re.search(r"S\d\d", skip.message)  # users read the steps' names, not their codes
    if owner != "SEQ-ORDER":
        assert not [
            f for f in entering(step, facts) if f.rule == "SEQ-ORDER" and f.evidence["needs"] == needed
        ]


def test_every_step_with_a_rule_of_its_own_is_owned_and_the_others_are_sequence_orders():
    judged = {needed for _step, needed in PAIRS}
    assert set(SKIP_OWNERS) <= judged
    assert judged - set(SKIP_OWNERS) == {"S12", "S24"}


def test_a_step_dated_before_its_prerequisites_record_is_sequence_orders_with_the_earliest_date():
    facts = facts_before("S12", without="")
    training = next(r for r in facts.records if r.step == "S11")
    early = Rec(NEW, "S12", training.date - datetime.timedelta(days=1), {})
    (found,) = [f for f in blocking(evaluate_entry(facts, early)) if f.rule == "SEQ-ORDER"]
    assert (found.evidence["needs"], found.earliest) == ("S11", training.date)
    assert found.message == (
        f"支部委员会审查（第12步）（{early.date.isoformat()}）早于开展集中培训（第11步）（{training.date.isoformat()}）"
    )


def test_a_skipped_talk_is_refused_although_app_talk_is_only_an_error(pw):
    """APP-TALK's main severity is ERROR, but a skip breaks the chart's order, a national rule: entry refuses
    an activist decision with no talk on record, and nothing is written."""
    walk(pw, "S01")
    with pytest.raises(StepRefused) as refused:
        case_record_step(
            actor=None, case=pw.case, step="S03", date=day(110), details=legal_details("S03", 0, pw)
        )
    assert [(f.rule, f.severity) for f in refused.value.findings] == [("APP-TALK", "BLOCK")]
    assert refused.value.messages == [
        "党组织尚未派人谈话（推荐和确定入党积极分子（第3步）：2020-06-20）"
        "——收到申请后一个月内派人谈话（《细则》（2014）第七条，规则 APP-TALK）"
    ]
    assert not StepRecord.objects.filter(case=pw.case, step="S03").exists()


def test_a_skip_in_history_is_one_finding_of_its_own_rule(pw):
    """Imported history with a branch committee review (S12) and no political review at all: POL-DONE reports
    it once, on the S12, and neither SEQ-ORDER nor POL-DONE's meeting check reports it again."""
    done = walk(pw, "S09")
    for step in ("S11", "S12"):
        case_record_step(
            actor=None,
            case=pw.case,
            step=step,
            date=day(565),
            details=legal_details(step, 0, pw),
            enforce=False,
        )
    found = [
        f for f in evaluate(case_facts(pw.case)) if f.evidence.get("missing") == "S10" or f.rule == "POL-DONE"
    ]
    review = pw.case.steps.get(step="S12")
    assert [(f.rule, f.severity, f.record) for f in found] == [("POL-DONE", "BLOCK", review.pk)]
    assert done  # the walk wrote the steps before
