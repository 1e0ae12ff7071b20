"""Generated records with planted violations: the inspection finds every violation the generator planted and
no ERROR or BLOCK finding on the clean cases. The expectations come from the generator, not the inspector."""

import io
import json
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection

from fazhan.archive.models import ArchiveReview
from fazhan.demo.synth import VIOLATIONS, synth_build
from fazhan.inspection.run import inspect
from fazhan.prereview.models import NumberedForm
from fazhan.procedure.models import Case, StepRecord
from tests.interchange.conftest import snapshot


@pytest.mark.parametrize(("scale", "cases", "townships"), [("township", 120, 1), ("district", 900, 10)])
def test_every_planted_violation_is_found_and_no_clean_case_has_an_error_or_block(
    db, scale, cases, townships
):
    synth = synth_build(scale=scale, cases=cases)
    planted = Counter(p.rule for p in synth.planted)
    assert planted == dict.fromkeys([*VIOLATIONS, "PLAN-QUOTA", "RES-VILLAGE"], townships)  # each township
    issues = inspect(root=None, as_of=synth.as_of).issues
    found = {(i.rule, i.org, i.person) for i in issues}
    missing = [p for p in synth.planted if (p.rule, p.org, p.person) not in found]
    assert missing == []
    planted_people = {p.person for p in synth.planted if p.person}
    planted_orgs = {(p.rule, p.org) for p in synth.planted if p.person is None}
    serious = [i for i in issues if i.severity in ("ERROR", "BLOCK")]
    on_clean_cases = [i for i in serious if i.person is not None and i.person not in planted_people]
    on_clean_orgs = [i for i in serious if i.person is None and (i.rule, i.org) not in planted_orgs]
    assert on_clean_cases == []
    assert on_clean_orgs == []


def test_synth_fills_every_stage_and_writes_the_interchange_file_and_its_expectations(db, tmp_path):
    out = tmp_path / "synth.jsonl"
    synth = synth_build(scale="township", cases=120, out=out)
    assert {"applicant", "activist", "target", "probationary", "full"} <= set(synth.counts)
    assert Case.objects.count() == 120
    assert StepRecord.objects.count() == synth.counts["steps"]
    types = {json.loads(line)["type"] for line in out.read_text(encoding="utf-8").splitlines()}
    assert {"header", "org", "person", "step", "form", "plan", "kin", "discipline", "archive_review"} <= types
    expected = json.loads(out.with_suffix(".expected.json").read_text(encoding="utf-8"))
    assert len(expected) == len(synth.planted)


def test_fazhan_synth_command_lists_the_planted_violations(db, capsys):
    call_command("synth", "--scale", "township", "--cases", "60")
    out = capsys.readouterr().out
    assert "APP-TALK" in out
    assert "RES-VILLAGE" in out


def test_the_synth_file_imports_into_an_empty_database_as_the_records_it_built(db, tmp_path):
    """What `synth --out` writes is what it built: imported into an empty database, the importer refuses
    nothing (no date after today, every reference known) and holds the same records."""
    out = tmp_path / "synth.jsonl"
    synth = synth_build(scale="township", cases=120, seed=2027, out=out)  # a review due after today
    built = {m.__name__: m.objects.count() for m in (Case, StepRecord, ArchiveReview, NumberedForm)}
    connection.check_constraints()  # PostgreSQL truncates no table with deferred checks pending
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)  # rolled back after
    assert StepRecord.objects.count() == 0
    report = io.StringIO()
    call_command("import", str(out), stdout=report, stderr=report)
    assert "problems" not in report.getvalue()
    assert {m.__name__: m.objects.count() for m in (Case, StepRecord, ArchiveReview, NumberedForm)} == built
    assert built["StepRecord"] == synth.counts["steps"]
    assert ArchiveReview.objects.filter(date__gt=synth.as_of).count() == 0


def test_a_synth_database_exported_imports_into_itself_changing_nothing(db, tmp_path):
    """The records synth writes straight into the database are valid interchange once exported (who recorded
    each step is `user:synth`, as interchange.md names a user who is no person), and importing them into
    the same database matches every record and register and changes nothing."""
    synth_build(scale="township", cases=120, seed=2028)
    out = tmp_path / "export.jsonl"
    call_command("export", str(out), stdout=io.StringIO(), stderr=io.StringIO())
    steps = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {s["recorded_by"] for s in steps if s["type"] == "step"} == {"user:synth"}
    before = snapshot()
    report = io.StringIO()
    call_command("import", str(out), stdout=report, stderr=io.StringIO())
    counts = [line for line in report.getvalue().splitlines() if ": created " in line]
    assert {line.split(":")[0] for line in counts} >= {"person", "step", "form", "plan", "archive_review"}
    assert all(", updated 0," in line and line.split(": created ")[1].startswith("0,") for line in counts)
    assert snapshot() == before
