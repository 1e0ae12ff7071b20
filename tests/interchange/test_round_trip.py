"""Import is a faithful door (issue: honest at every door): what Fazhan exported, in any of its formats,
imports back into the same database changing nothing; the JSON Lines export imported into an empty
database gives the same export back; the ledger and the rosters import into a database holding only the orgs
and the members."""

import datetime
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from fazhan.demo.synth import synth_build
from fazhan.interchange.ledger import HEADERS, ROSTERS, roster_bytes
from fazhan.organizations.models import Org
from fazhan.people.models import Person
from fazhan.prereview.services import form_range_receive
from tests.fresh import run_fazhan_many
from tests.interchange.conftest import export_records, run, snapshot, write_jsonl
from tests.workbooks import table

CASES = 160
TODAY = datetime.date.today()


@pytest.fixture
def township(db):
    return synth_build(scale="township", cases=CASES)


def _exports(tmp_path: Path) -> dict[str, Path]:
    """The township in every format Fazhan writes: JSON Lines, the ledger, the three rosters."""
    files = {"jsonl": tmp_path / "all.jsonl", "ledger": tmp_path / "ledger.xlsx"}
    assert run("export", str(files["jsonl"]))[0] == 0
    assert run("export", str(files["ledger"]))[0] == 0
    for kind in ROSTERS:
        files[kind] = tmp_path / f"{kind}.xlsx"
        files[kind].write_bytes(roster_bytes(kind, root=None))
    return files


def test_a_township_reimports_unchanged_from_every_format_it_exports(township, tmp_path):
    files = _exports(tmp_path)
    before = snapshot()
    for name, path in files.items():
        status, out = run("import", str(path))
        assert status == 0, (name, out)
        assert "created 0, updated 0" in out, (name, out)
        assert not [line for line in out.splitlines() if "created 0, updated 0" not in line], (name, out)
        assert snapshot() == before, name


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if '"type": "header"' not in line]


def test_the_json_lines_export_imported_into_an_empty_database_exports_the_same(
    township, tmp_path, migrated_database
):
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    assert run("export", str(first))[0] == 0
    commands = [["migrate", "--noinput", "-v0"], ["import", str(first)], ["export", str(second)]]
    results = run_fazhan_many(commands, {"DATABASE_URL": migrated_database})
    assert [status for status, _out in results] == [0, 0, 0], results
    assert _lines(second) == _lines(first)


def _orgs_and_members(records: list[dict]) -> list[dict]:
    """What a database holds before a ledger comes in: the orgs and the members who have no case."""
    with_steps = {r["person"] for r in records if r["type"] == "step"}
    return [
        r
        for r in records
        if r["type"] == "org"
        or (r["type"] == "person" and r["id"] not in with_steps and r.get("party_status"))
    ]


def _ledger_rows(path: Path) -> list[tuple]:
    """A ledger's rows without their running number and remark (an exit has no column of its own), in the
    order of the ID numbers: the person ids of the candidates differ between deployments."""
    rows = table(load_workbook(path).worksheets[0])
    assert list(rows[0]) == HEADERS
    number, remark = HEADERS.index("身份证号"), HEADERS.index("备注")
    kept = [tuple(v for i, v in enumerate(r) if i not in (0, remark)) for r in rows[1:]]
    return sorted(kept, key=lambda r: r[number - 1])


def test_the_ledger_and_the_rosters_import_into_a_database_holding_the_orgs_and_members(
    township, tmp_path, migrated_database
):
    records = export_records(tmp_path, "all.jsonl")
    ground = _orgs_and_members(records)
    files = _exports(tmp_path)
    again = tmp_path / "again.xlsx"
    commands = [
        ["migrate", "--noinput", "-v0"],
        ["import", str(write_jsonl(tmp_path / "ground.jsonl", ground))],
        ["import", str(files["ledger"])],
        ["export", str(again)],
        ["import", str(files["ledger"])],
        *(["import", str(files[kind])] for kind in ROSTERS),
    ]
    results = run_fazhan_many(commands, {"DATABASE_URL": migrated_database})
    assert [status for status, _out in results] == [0] * len(commands), results
    assert _ledger_rows(again) == _ledger_rows(files["ledger"])
    for _status, out in results[4:]:  # the ledger again, then each roster: changing nothing
        assert not [line for line in out.splitlines() if "created 0, updated 0" not in line], out


def test_the_form_register_with_its_receipts_travels_whole(world, tmp_path, migrated_database):
    district = Org.objects.get(code="SZQ")
    receipt = form_range_receive(
        actor=None, org=district, year=2026, prefix="SZQ2026-", first=1, last=5, received_on=TODAY
    )
    assert receipt.count == 5
    first = tmp_path / "first.jsonl"
    assert run("export", str(first))[0] == 0
    records = [json.loads(line) for line in first.read_text(encoding="utf-8").splitlines()]
    assert {"type": "form_range", "year": 2026, "prefix": "SZQ2026-", "first": 1, "last": 5} | {
        "received_on": TODAY.isoformat(),
        "by": "SZQ",
    } in records
    assert sum(r["type"] == "form" and r["status"] == "in_stock" for r in records) == 5
    before = snapshot()
    assert run("import", str(first))[0] == 0
    assert snapshot() == before

    second = tmp_path / "second.jsonl"
    serials = (
        "from fazhan.prereview.models import NumberedForm as F\n"
        "print(sorted(F.objects.filter(receipt__prefix='SZQ2026-').values_list('serial', flat=True)))"
    )
    commands = [["migrate", "--noinput", "-v0"], ["import", str(first)], ["export", str(second)]]
    commands.append(["@python", serials])
    results = run_fazhan_many(commands, {"DATABASE_URL": migrated_database})
    assert [status for status, _out in results] == [0, 0, 0, 0], results
    assert _lines(second) == _lines(first)
    assert results[-1][1].strip() == "[1, 2, 3, 4, 5]"


PIDS_BY_ID_NUMBER = """
import json
from fazhan.people.models import Person
print(json.dumps({p.pid: p.id_number for p in Person.objects.all()}))
"""


def _serious(findings: list[dict], numbers: dict[str, str]) -> dict[str, set[str]]:
    """ID number → the ERROR and BLOCK rules found on the person (LEDGER-GAP is its own matter)."""
    out: dict[str, set[str]] = {}
    for f in findings:
        if f["person"] and f["severity"] in ("ERROR", "BLOCK") and f["rule"] != "LEDGER-GAP":
            out.setdefault(numbers[f["person"]], set()).add(f["rule"])
    return out


def test_a_branch_migrated_from_its_ledger_gets_no_finding_its_full_history_does_not_have(
    township, tmp_path, migrated_database
):
    records = export_records(tmp_path, "all.jsonl")
    ground = _orgs_and_members(records)
    branch = "SZQ-T01-01"
    ledger = tmp_path / "branch.xlsx"
    assert run("export", str(ledger), "--org", branch)[0] == 0
    status, out = run("inspect", "--org", branch, "--format", "json")
    assert status == 0
    here = _serious(json.loads(out), {p.pid: p.id_number for p in Person.objects.all()})
    commands = [
        ["migrate", "--noinput", "-v0"],
        ["import", str(write_jsonl(tmp_path / "ground.jsonl", ground))],
        ["import", str(ledger)],
        ["inspect", "--org", branch, "--format", "json"],
        ["@python", PIDS_BY_ID_NUMBER],
    ]
    results = run_fazhan_many(commands, {"DATABASE_URL": migrated_database})
    assert [status for status, _out in results] == [0] * len(commands), results
    migrated = json.loads(results[3][1])
    there = json.loads(results[4][1])
    assert any(f["rule"] == "LEDGER-GAP" for f in migrated)
    invented = {
        number: rules - here.get(number, set()) for number, rules in _serious(migrated, there).items()
    }
    assert {n: r for n, r in invented.items() if r} == {}
