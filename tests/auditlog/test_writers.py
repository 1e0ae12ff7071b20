"""Every honest bulk writer leaves the trail intact with every record sealed: `fazhan demo`, `fazhan synth`
(which writes straight into the database), `fazhan import` of a synth township (JSON Lines) and of an Excel
ledger; and a database from before the digests enters the trail once, when `fazhan migrate` runs."""

import datetime

import pytest
from django.core.management import call_command
from django.db import transaction

from fazhan.auditlog.models import AuditEvent, AuditSeal
from fazhan.auditlog.registry import sealed_models
from fazhan.auditlog.selectors import trail_verify
from fazhan.auditlog.services import BASELINE, audit_record, trail_needs_baseline
from fazhan.demo.synth import synth_build
from fazhan.procedure.models import StepRecord
from tests.auditlog.raw import raw_sql
from tests.demo_copy import DEMO_DAY
from tests.interchange.conftest import run
from tests.interchange.test_ledger import FULL_HISTORY, ID_A, ID_B, ledger, person_row
from tests.procedure.conftest import pw, walk  # noqa: F401  (the procedure world)
from tests.test_demo_and_commands import TODAY


def _intact() -> int:
    """The number of records the trail holds, after checking that it holds every one as it stands."""
    check = trail_verify()
    assert check.ok, (check.broken, [p.text for p in check.problems])
    assert check.records == sum(s.model._default_manager.count() for s in sealed_models())
    return check.records


def _raw(sql: str, params: list) -> None:
    raw_sql(sql, params)  # as an insider holding the database: past the trail's trigger on PostgreSQL


def test_the_demo_verifies_intact(demo_world):  # `fazhan demo` of TODAY (tests/demo_copy.py)
    assert TODAY == DEMO_DAY
    assert _intact() > 1000


def test_a_synth_township_and_its_file_imported_into_an_empty_database_verify_intact(db, tmp_path):
    path = tmp_path / "township.jsonl"
    with transaction.atomic():
        synth = synth_build(scale="township", out=path)
        assert _intact() > synth.counts["steps"]
        assert AuditSeal.objects.count() > synth.counts["steps"]  # one event seals the whole township
        transaction.set_rollback(True)  # the file stays; the database is empty again
    assert not StepRecord.objects.exists()

    status, out = run("import", str(path))
    assert status == 0, out
    assert _intact() > synth.counts["steps"]
    assert not AuditSeal.objects.exists()  # each record's own event carries its digest

    status, out = run("import", str(path))  # again: nothing changes, the trail still holds
    assert status == 0, out
    _intact()
    first = StepRecord.objects.order_by("pk").first()
    _raw(
        "UPDATE procedure_steprecord SET date = %s WHERE id = %s",
        [first.date - datetime.timedelta(days=1), first.pk],
    )
    assert trail_verify().problem_count == 1


def test_an_excel_ledger_imported_and_imported_again_from_its_export_verifies_intact(world, tmp_path):
    rows = [
        person_row("钱七", ID_A, **FULL_HISTORY),
        person_row(
            "孙八", ID_B, 申请入党日期="2020-03-01", 谈话日期="2020-03-20", 确定积极分子日期="2020-09-01"
        )
        | {"培养联系人": "M0001"},
    ]
    assert run("import", str(ledger(tmp_path / "l0.xlsx", rows)))[0] == 0
    _intact()
    rows[1]["谈话日期"] = "2020-03-25"  # a correction: a new record supersedes the old one
    assert run("import", str(ledger(tmp_path / "l1.xlsx", rows)))[0] == 0
    assert run("export", str(tmp_path / "l2.xlsx"), "--org", "SZQ-LH-01")[0] == 0
    assert run("import", str(tmp_path / "l2.xlsx"))[0] == 0
    _intact()


def _as_before_the_digests() -> None:
    """The trail as the code before the digests wrote it: the same rows, events carrying no digest."""
    _raw("DELETE FROM auditlog_auditseal", [])
    _raw("DELETE FROM auditlog_auditevent", [])
    audit_record(actor=None, action="legacy.event", data={"n": 1})


def test_a_database_from_before_the_digests_enters_the_trail_once_at_migrate(pw):  # noqa: F811
    walk(pw, "S14")
    _as_before_the_digests()
    rows = sum(s.model._default_manager.count() for s in sealed_models())
    before = trail_verify()
    assert before.broken is None
    assert before.problem_count == rows  # none is held yet
    assert trail_needs_baseline()

    call_command("migrate", verbosity=0)

    baseline = AuditEvent.objects.get(action=BASELINE)
    assert baseline.seals.count() == rows
    assert sum(baseline.data["sealed"].values()) == rows
    assert _intact() == rows

    # Once: a later migrate seals nothing, and a row written behind the back afterwards is reported.
    columns = "case_id, step, date, details, recorded_by_label, reason, from_ledger, date_inferred"
    _raw(
        f"INSERT INTO procedure_steprecord ({columns}) SELECT {columns} FROM procedure_steprecord "
        "WHERE id = (SELECT MIN(id) FROM procedure_steprecord)",
        [],
    )
    assert not trail_needs_baseline()
    call_command("migrate", verbosity=0)
    assert AuditEvent.objects.filter(action=BASELINE).count() == 1
    check = trail_verify()
    assert check.problem_count == 1
    assert "the trail holds no digest for it" in check.problems[0].text


@pytest.mark.parametrize("events", ["none", "legacy"])
def test_a_new_database_needs_no_baseline(db, events):
    if events == "legacy":
        audit_record(actor=None, action="legacy.event", data={})
    assert not trail_needs_baseline()  # no registered row to seal
    call_command("migrate", verbosity=0)
    assert not AuditEvent.objects.filter(action=BASELINE).exists()
