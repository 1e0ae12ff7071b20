"""Generated records with planted violations: the inspection finds every violation the generator planted and
no ERROR or BLOCK finding on the clean cases. The expectations come from the generator, not the inspector."""

import json

from django.core.management import call_command

from fazhan.inspection.run import inspect
from fazhan.inspection.synth import VIOLATIONS, synth_build
from fazhan.procedure.models import Case, StepRecord


def test_every_planted_violation_is_found_and_no_clean_case_has_an_error_or_block(db, tmp_path):
    synth = synth_build(scale="township", cases=120, out=tmp_path / "synth.jsonl")
    assert {p.rule for p in synth.planted} == {*VIOLATIONS, "PLAN-QUOTA", "RES-VILLAGE"}
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
