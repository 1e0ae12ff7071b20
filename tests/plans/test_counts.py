"""The plan page counts as the rules count (procedure.md C, E; B 38): its totals equal PLAN-QUOTA's and
POOL-RATIO's counts for every org and year of a generated district with transfers and invalidated admissions
planted, and the issue's examples are regression tests (an invalidated admission counts 0 on both; four
non-Han admissions count 4 as 少数民族)."""

import datetime
import random
from collections import Counter

import pytest

from fazhan.demo.synth import synth_build
from fazhan.inspection.loader import tree_load
from fazhan.organizations.models import Org
from fazhan.people.models import Person
from fazhan.people.services import person_transfer
from fazhan.plans.models import Plan
from fazhan.plans.selectors import plan_report
from fazhan.plans.services import plan_allocate
from fazhan.procedure.definition import Anchor, CaseStage
from fazhan.procedure.models import Case, ExitReason, StepRecord
from fazhan.procedure.rules.counting import MINORITY, POOL_STAGES, group_count
from fazhan.procedure.rules.notice2018 import approvals_by_org_year, evaluate_tree, pools
from fazhan.procedure.services import case_exit
from tests.procedure.conftest import walk

TODAY = datetime.date(2022, 1, 10)
INVALID_NOTE = "检查发现未经党委集体讨论，违规发展，不予承认"


def _admitted_cases():
    ids = StepRecord.objects.filter(
        step=Anchor.APPROVAL, superseded_by__isnull=True, details__result="approved"
    ).values_list("case_id", flat=True)
    return list(Case.objects.filter(pk__in=ids).select_related("person__org").order_by("pk"))


def _plant(synth):
    """Invalidate some admissions and move some people (admitted and in the pool) to another branch."""
    rng = random.Random(12)
    admitted = _admitted_cases()
    invalidated = [c for c in rng.sample(admitted, 6) if c.closed_on is None][:4]
    for case in invalidated:
        case_exit(actor=None, case=case, date=synth.as_of, reason=ExitReason.INVALIDATED, note=INVALID_NOTE)
    branches = list(Org.objects.filter(kind="branch").order_by("code"))
    movers = rng.sample(list(Case.objects.filter(closed_on__isnull=True).order_by("pk")), 30)
    moved = 0
    for case in movers:
        day = case.opened_on + datetime.timedelta(days=rng.randint(1, 700))
        if day >= synth.as_of or case.person.transfers.exists():
            continue
        to = rng.choice([b for b in branches if b.pk != case.person.org_id])
        person_transfer(actor=None, person=case.person, to_org=to, date=day, materials_transferred=True)
        moved += 1
    return invalidated, moved


@pytest.fixture
def district(db):
    synth = synth_build(scale="township", cases=400)
    invalidated, moved = _plant(synth)
    assert len(invalidated) >= 3
    assert moved >= 10
    return synth, invalidated


def test_the_plan_pages_totals_equal_plan_quotas_counts_for_every_org_and_year(district):
    synth, invalidated = district
    tree = tree_load(root=None, as_of=synth.as_of).tree
    counted = approvals_by_org_year(tree)
    quota_findings = {
        (t.org, t.finding.evidence["year"]): t.finding.evidence["admitted"]
        for t in evaluate_tree(tree, rules=["PLAN-QUOTA"])
    }
    years = sorted({year for _code, year in counted} | set(Plan.objects.values_list("year", flat=True)))
    assert len(years) >= 3
    assert quota_findings
    compared = 0
    for org in Org.objects.order_by("path"):
        for year in years:
            report = plan_report(org, year, today=synth.as_of)
            assert report.total.admitted == len(counted.get((org.code, year), [])), (org.code, year)
            if (org.code, year) in quota_findings:
                assert report.total.admitted == quota_findings[(org.code, year)], (org.code, year)
            compared += report.total.admitted
    assert compared > 0
    gone = {c.person.pid for c in invalidated}
    assert not any(a.facts.person_pid in gone for rows in counted.values() for a in rows)


def test_the_plan_pages_pool_equals_pool_ratios_counts_for_every_org(district):
    synth, _invalidated = district
    tree = tree_load(root=None, as_of=synth.as_of).tree
    by_branch = pools(tree)
    warned = {t.org for t in evaluate_tree(tree, rules=["POOL-RATIO"])}
    ratio = {
        t.org: (
            t.finding.evidence["applicants"],
            t.finding.evidence["activists"],
            t.finding.evidence["targets"],
        )
        for t in evaluate_tree(tree, rules=["POOL-RATIO"])
    }
    assert warned
    for org in Org.objects.order_by("path"):
        row = plan_report(org, synth.as_of.year, today=synth.as_of).total
        expected: Counter = Counter()
        for code, stages in by_branch.items():
            if Org.objects.get(code=code).path.startswith(org.path):
                expected.update({s: n for s, n in stages.items() if s in POOL_STAGES})
        assert (row.applicants, row.activists, row.targets) == tuple(expected[s] for s in POOL_STAGES), (
            org.code
        )
        if org.is_branch:
            assert row.ratio_ok == (org.code not in warned), org.code
            if org.code in ratio:
                assert (row.applicants, row.activists, row.targets) == ratio[org.code]


def test_an_invalidated_admission_counts_0_on_the_plan_page_and_in_plan_quota(pw):
    """The issue's example: the plan page left an invalidated admission out and PLAN-QUOTA counted it (0
    against 1 in the same branch). Now both say 0, even on a day before the invalidation (不予承认)."""
    walk(pw, "S17")  # 张三 admitted in December 2021
    plan_allocate(actor=None, org=pw.district, year=2021, quota=1, groups={})
    assert plan_report(pw.branch1, 2021, today=TODAY).total.admitted == 1
    assert _quota_counts(TODAY) == {}  # 1 of 1: no finding
    case_exit(
        actor=None,
        case=pw.case,
        date=datetime.date(2022, 1, 5),
        reason=ExitReason.INVALIDATED,
        note=INVALID_NOTE,
    )
    assert plan_report(pw.branch1, 2021, today=TODAY).total.admitted == 0
    assert plan_report(pw.district, 2021, today=TODAY).total.admitted == 0
    assert _quota_counts(TODAY) == {("SZQ", 2021): ("WARN", 0)}  # under-execution: 0 admitted
    tree = tree_load(root=None, as_of=datetime.date(2021, 12, 31)).tree
    assert approvals_by_org_year(tree) == {}


def _quota_counts(as_of):
    tree = tree_load(root=None, as_of=as_of).tree
    return {
        (t.org, t.finding.evidence["year"]): (t.finding.severity, t.finding.evidence["admitted"])
        for t in evaluate_tree(tree, rules=["PLAN-QUOTA"])
    }


def test_four_non_han_admissions_count_four_as_minority_on_the_plan_page_and_in_plan_groups(district):
    synth, _invalidated = district
    tree = tree_load(root=None, as_of=synth.as_of).tree
    counted = approvals_by_org_year(tree)
    (code, year), admitted = next(
        (key, rows)
        for key, rows in sorted(counted.items(), key=lambda kv: (-kv[0][1], kv[0][0]))
        if len(rows) >= 4 and 2018 <= key[1] < synth.as_of.year
    )
    Person.objects.update(ethnicity="汉族", tags=[])
    four = [a.facts.person_pid for a in admitted[:4]]
    Person.objects.filter(pid__in=four).update(ethnicity="彝族")
    org = Org.objects.get(code=code)
    Plan.objects.update_or_create(org=org, year=year, defaults={"quota": 50, "groups": {MINORITY: 5}})
    report = plan_report(org, year, today=synth.as_of)
    assert {g.key: (g.target, g.actual) for g in report.groups}[MINORITY] == (5, 4)
    tree = tree_load(root=None, as_of=synth.as_of).tree
    rows = approvals_by_org_year(tree)[(code, year)]
    assert group_count(MINORITY, rows, tree.people, tree.limits) == 4
    [short] = [
        t
        for t in evaluate_tree(tree, rules=["PLAN-GROUPS"])
        if t.org == code and t.finding.evidence["year"] == year
    ]
    assert short.finding.evidence["short"][MINORITY] == {"target": 5, "actual": 4}


def test_a_stage_counts_as_the_records_put_it_not_as_a_stored_field(district):
    """The plan page reads the stage as the rules do (B0.3, rules/outcome.case_outcome over the records)."""
    synth, _invalidated = district
    case = Case.objects.filter(closed_on__isnull=True, stage=CaseStage.APPLICANT).order_by("pk").first()
    branch = case.person.org
    before = plan_report(branch, synth.as_of.year, today=synth.as_of).total
    Case.objects.filter(pk=case.pk).update(stage=CaseStage.TARGET)  # a stale stored stage changes nothing
    after = plan_report(branch, synth.as_of.year, today=synth.as_of).total
    assert (after.applicants, after.targets) == (before.applicants, before.targets)
