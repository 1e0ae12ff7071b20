"""The reserve report counts as the rules count (procedure.md C, E): on a generated township, the pool at
each month's end on the plan page's reserve table equals the rules' pool count (rules/counting.pools, as
POOL-RATIO counts) on the whole-tree loader's facts as of that day rolled up for every org, and its young
farmers equal RES-YOUNG-FARMER's reading of the admissions PLAN-QUOTA counts."""

from collections import Counter

import pytest

from fazhan.demo.synth import synth_build
from fazhan.inspection.loader import tree_load
from fazhan.organizations.models import Org
from fazhan.plans.selectors import reserve_report
from fazhan.procedure.models import Case
from fazhan.procedure.rules.counting import POOL_STAGES, pools
from fazhan.procedure.rules.notice2018 import approvals_by_org_year, young_farmer


@pytest.fixture
def township(db):
    return synth_build(scale="township", cases=160)


def test_the_reserve_tables_months_and_young_farmers_equal_the_rules_counts(township):
    as_of = township.as_of
    people = list(Case.objects.values_list("person_id", flat=True))
    assert len(people) == len(set(people))  # one case a person: the pid names the case
    orgs = list(Org.objects.order_by("path"))
    reports = {o.code: reserve_report(o, as_of.year, today=as_of) for o in orgs}
    days = [m.day for m in reports[orgs[0].code].months]
    assert days
    assert days[-1] == as_of
    checked = 0
    for index in sorted({0, len(days) // 2, len(days) - 1}):
        day = days[index]
        # The whole-tree loader reads every case, also those opened after `day` (an inspection runs as of
        # today); the pool of a past day holds the cases opened by then, as the plan page's does.
        opened = set(Case.objects.filter(opened_on__lte=day).values_list("person__pid", flat=True))
        tree = tree_load(root=None, as_of=day).tree
        by_org = pools([f for f in tree.cases if f.person_pid in opened])
        for org in orgs:
            expected: Counter = Counter()
            for code, stages in by_org.items():
                if Org.objects.get(code=code).path.startswith(org.path):
                    expected.update({s: n for s, n in stages.items() if s in POOL_STAGES})
            month = reports[org.code].months[index]
            assert month.day == day
            assert tuple(month.count(s) for s in POOL_STAGES) == tuple(expected[s] for s in POOL_STAGES), (
                org.code,
                day,
            )
            checked += sum(expected.values())
    assert checked > 0
    # The young farmers of last year (RES-YOUNG-FARMER's reading of the admissions PLAN-QUOTA counts).
    tree = tree_load(root=None, as_of=as_of).tree
    counted = approvals_by_org_year(tree)
    seen = 0
    for org in Org.objects.order_by("path"):
        expected = sum(
            young_farmer(tree.people.get(a.facts.person_pid), a.record.date, tree.limits)
            for a in counted.get((org.code, as_of.year - 1), [])
        )
        assert reserve_report(org, as_of.year - 1, today=as_of).young_farmers == expected, org.code
        seen += expected
    assert seen > 0
