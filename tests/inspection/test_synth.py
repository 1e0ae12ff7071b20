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


# --- the data a build writes, as a digest: a change made to build faster must write the same ---


def _digest() -> str:
    """Every row the generator writes, by natural keys (no primary key, no cipher text: a sealed value is
    read back clear), in a fixed order."""
    import hashlib

    from fazhan.organizations.models import Org
    from fazhan.people.models import DisciplineRecord, Kinship, Person, PersonRole
    from fazhan.plans.models import Plan

    tables = [
        Org.objects.order_by("code").values_list(
            "code", "name", "kind", "category", "path", "depth", "election_dates", "parent__code"
        ),
        Person.objects.order_by("pid").values_list(
            "pid",
            "name",
            "name_initials",
            "id_number",  # not its lookup keys: they follow the deployment's key
            "gender",
            "birth_date",
            "birth_month",
            "ethnicity",
            "education",
            "occupation",
            "tags",
            "org__code",
            "party_status",
            "joined_on",
            "full_since",
        ),
        PersonRole.objects.order_by("person__pid", "role").values_list("person__pid", "role"),
        Case.objects.order_by("person__pid").values_list(
            "person__pid", "opened_on", "closed_on", "exit_reason", "stage"
        ),
        StepRecord.objects.order_by("case__person__pid", "date", "step", "recorded_at").values_list(
            "case__person__pid", "step", "date", "details", "recorded_at", "recorded_by_label"
        ),
        NumberedForm.objects.order_by("number").values_list(
            "number", "person__pid", "issued_on", "issued_by__code", "status"
        ),
        ArchiveReview.objects.order_by("person__pid").values_list(
            "person__pid", "date", "reviewer__code", "missing"
        ),
        DisciplineRecord.objects.order_by("person__pid").values_list(
            "person__pid", "kind", "date_from", "date_to"
        ),
        Kinship.objects.order_by("a__pid").values_list("a__pid", "b__pid", "relation"),
        Plan.objects.order_by("org__code", "year").values_list("org__code", "year", "quota", "groups"),
    ]
    digest = hashlib.sha256()
    for rows in tables:
        for row in rows:
            digest.update(json.dumps(row, default=str, ensure_ascii=False, sort_keys=True).encode())
    return digest.hexdigest()


def test_a_synth_township_writes_the_same_data_as_before(db):
    """The digest of a township built on the commit before the build was made faster (both engines)."""
    import datetime

    synth_build(scale="township", cases=120, today=datetime.date(2025, 6, 30))
    assert _digest() == TOWNSHIP_DIGEST


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a province is PostgreSQL's")
def test_a_synth_province_writes_the_same_data_as_before(db):
    import datetime

    from fazhan.demo.synth import synth_province

    synth_province(districts=2, cases=60, today=datetime.date(2025, 6, 30))
    assert _digest() == PROVINCE_DIGEST


TOWNSHIP_DIGEST = "86c9e5442fa72b69d81b9761d4cd3e3b405afa052f2ced03affb174b87aeb7b6"
PROVINCE_DIGEST = "d111df32a4675268970f0781a76023eebda7654d50c3de06ee24508536e8427d"
