"""A subtree too big for one pass is inspected chunk by chunk (run._inspect_chunked): the same findings, with
the same keys, as the one-pass run, the org-level rules included, whose counts span the chunks."""

import datetime

import pytest

from fazhan.demo.synth import synth_build
from fazhan.inspection.run import _chunks, inspect
from fazhan.organizations.models import Org
from fazhan.procedure.models import Case


def _found(result):
    return [(i.key, i.as_json()) for i in result.issues]


@pytest.mark.parametrize("size", [400])
def test_a_chunked_run_finds_what_the_one_pass_run_finds(db, size):
    synth = synth_build(scale="district", cases=900)
    whole = inspect(root=None, as_of=synth.as_of)
    chunks = _chunks(None, size)
    assert chunks is not None
    assert len(chunks) > 1
    chunked = inspect(root=None, as_of=synth.as_of, chunk_cases=size)
    assert (chunked.cases, chunked.records) == (whole.cases, whole.records)
    assert _found(chunked) == _found(whole)
    rules = {i.rule for i in whole.issues}
    assert {"PLAN-QUOTA", "POOL-RATIO", "RES-VILLAGE"} <= rules  # org-level findings are compared too


def test_the_chunks_part_the_cases_each_in_exactly_one(db):
    synth_build(scale="district", cases=900)
    district = Org.objects.get(code="SZQ")
    chunks = _chunks(district, 40)
    assert chunks is not None
    seen: list[int] = []
    for chunk in chunks:
        seen += Case.objects.filter(chunk.scope()("person__org__path")).values_list("pk", flat=True)
    assert sorted(seen) == sorted(Case.objects.values_list("pk", flat=True))
    assert _chunks(district, 10_000) is None  # small enough for one pass


def test_a_district_plan_counts_admissions_from_every_chunk(db):
    """A quota set on the district (above every chunk) is judged on the admissions of all its townships."""
    from fazhan.plans.models import Plan
    from fazhan.procedure.models import StepRecord

    synth = synth_build(scale="district", cases=900)
    district = Org.objects.get(code="SZQ")
    years = StepRecord.objects.filter(step="S17").values_list("date__year", flat=True)
    year = max(y for y in years if y < synth.as_of.year)
    Plan.objects.update_or_create(org=district, year=year, defaults={"quota": 1, "groups": {}})
    as_of = synth.as_of
    whole = [i for i in inspect(root=district, as_of=as_of).issues if i.org == "SZQ"]
    chunked = [i for i in inspect(root=district, as_of=as_of, chunk_cases=400).issues if i.org == "SZQ"]
    assert [i.as_json() for i in chunked] == [i.as_json() for i in whole]
    over = [i for i in whole if i.rule == "PLAN-QUOTA" and i.evidence["year"] == year]
    assert over
    assert over[0].evidence["admitted"] > 1
    assert datetime.date(year, 1, 1) < as_of


def test_a_chunked_run_reads_the_org_tree_and_the_committees_once(db):
    """Every chunk's facts name every org and branch committee: read once for the run and shared, not once a
    chunk (a province's hundred chunks would each read the whole province's orgs and roles again)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    synth = synth_build(scale="district", cases=900)
    chunks = _chunks(None, 100)  # a township a chunk
    assert chunks is not None
    assert len(chunks) >= 10
    with CaptureQueriesContext(connection) as run:
        chunked = inspect(root=None, as_of=synth.as_of, chunk_cases=100)
    sqls = [q["sql"] for q in run.captured_queries]
    org_tree = [s for s in sqls if s.startswith("SELECT") and 'FROM "organizations_org" LEFT OUTER JOIN' in s]
    roles = [s for s in sqls if 'FROM "people_personrole"' in s]
    assert (len(org_tree), len(roles)) == (1, 1)
    whole = inspect(root=None, as_of=synth.as_of)
    assert _found(chunked) == _found(whole)
