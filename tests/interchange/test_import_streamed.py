"""The import in less memory (issue 16 item 3): a step record is held as its line until it is checked, its
checked values in a fixed row of slots, equal values once, a file on disk read a line at a time, and the
staged step rows waiting in a TEMP table of the database on both engines instead of in the process. What
it reads, checks and writes is what it was (the rest of tests/interchange holds that)."""

import datetime
import json

import pytest
from django.db import DatabaseError, connection, transaction

from fazhan.interchange.files import file_sources, path_sources
from fazhan.interchange.plan import STEP_ROW_KEYS, StepRow
from fazhan.interchange.reader import jsonl_sources
from fazhan.interchange.services import interchange_check
from fazhan.interchange.write import write_prepare
from fazhan.procedure.models import StepRecord
from tests.interchange.conftest import run, write_jsonl

STEP = '{"type": "step", "person": "P1", "step": "S01", "date": "2018-01-02", "details": {"a": [1, "乙"]}}'


def test_a_step_line_is_kept_as_its_text_and_read_as_json_reads_it():
    sources, problems = jsonl_sources(['{"type": "org", "code": "A"}', STEP, "   " + STEP + "  "])
    assert problems == []
    org, step, padded = sources
    assert org._data == {"type": "org", "code": "A"}
    assert (step._data, step._text) == (None, STEP.encode())
    assert step.type == "step"
    assert step.data == json.loads(STEP) == padded.data
    assert step.data is not step.data  # parsed when asked, never kept …
    pinned = step.pin()
    assert step.data is pinned  # … but while its check runs
    step.unpin()
    assert step._data is None
    org.unpin()
    assert org._data == {"type": "org", "code": "A"}  # a record read whole keeps its object


def test_a_file_read_from_disk_gives_the_records_of_the_file_read_whole(tmp_path):
    content = (
        "\ufeff# a comment\r\n"
        '{"type": "org", "code": "A", "name": "甲"}\r\n'
        f"{STEP}\r\n"
        "\r\n"
        '{"type": "org", "code": "B", "name": "乙\\r"}\n'
    ).encode() + b'{"type": "org", "code": "C", "name": "\xff\xfe broken"}\n{"type": "org"'
    path = tmp_path / "f.jsonl"
    path.write_bytes(content)
    streamed, whole = path_sources(path), file_sources("f.jsonl", content)
    assert [(s.line, s.type, s.data) for s in streamed.sources] == [
        (s.line, s.type, s.data) for s in whole.sources
    ]
    assert streamed.problems == whole.problems
    assert [p.where for p in streamed.problems] == [1, 7]  # the BOM (as before) and the cut line
    assert [s.line for s in streamed.sources] == [2, 3, 5, 6]


def test_a_step_row_has_every_key_and_no_other():
    values = dict.fromkeys(STEP_ROW_KEYS, "") | {"date": datetime.date(2018, 1, 2), "details": {}}
    row = StepRow(**values)
    assert dict(row) == values
    assert list(row) == list(STEP_ROW_KEYS)
    row["reason"] = "更正"
    assert row["reason"] == row.get("reason") == "更正"
    assert row.get("org", "—") == "—"
    assert "org" not in row
    with pytest.raises(KeyError):
        row["org"]
    with pytest.raises(KeyError):
        row["org"] = "A"
    with pytest.raises(TypeError):
        del row["reason"]
    with pytest.raises(TypeError):
        StepRow(**{k: v for k, v in values.items() if k != "reason"})


def _step(pid: str, date: str, at) -> dict:
    return {"type": "step", "person": pid, "step": "S01", "date": date, "recorded_at": at}


@pytest.mark.django_db
def test_equal_entry_times_are_shared_and_a_wrong_one_is_told_on_every_line(base_records):
    at, same_instant = "2018-01-02T09:30:00+08:00", "2018-01-02T01:30:00+00:00"
    records = [
        *base_records,
        _step("P0901", "2018-01-02", at),
        _step("P0901", "2018-01-03", at),
        _step("P0901", "2018-01-04", same_instant),
    ]
    sources, problems = jsonl_sources(json.dumps(r, ensure_ascii=False) for r in records)
    report, plan = interchange_check(sources, problems)
    assert report.ok, report.problems
    steps = [i for i in plan.items["step"] if i.source.line > len(base_records)]
    assert steps[0].row["recorded_at"] is steps[1].row["recorded_at"]
    assert steps[2].row["recorded_at"] == steps[0].row["recorded_at"]  # the same instant …
    assert steps[2].row["recorded_at"].utcoffset() == datetime.timedelta(0)  # … in its own zone
    wrong = [*base_records, _step("P0901", "2018-01-03", "2018-01-03 09:30")]
    wrong.append(_step("P0901", "2018-01-04", "2018-01-03 09:30"))
    sources, problems = jsonl_sources(json.dumps(r, ensure_ascii=False) for r in wrong)
    report, _plan = interchange_check(sources, problems)
    assert [(p.where, p.field) for p in report.problems] == [
        (len(base_records) + 1, "recorded_at"),
        (len(base_records) + 2, "recorded_at"),
    ]


@pytest.mark.django_db(transaction=True)
def test_staged_step_rows_wait_in_the_database_not_in_the_process(base_records, tmp_path):
    sources, problems = jsonl_sources(json.dumps(r, ensure_ascii=False) for r in base_records)
    report, plan = interchange_check(sources, problems)
    assert report.ok, report.problems
    stored = StepRecord.objects.count()
    prepared = write_prepare(plan, progress=lambda message: None)
    try:
        staged = prepared.steps
        assert staged is not None
        assert staged.count == len([i for i in plan.items["step"] if i.action == "create"]) > 0
        assert not hasattr(staged, "rows")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {staged._staged()}")
            assert cursor.fetchone()[0] == staged.count
        assert StepRecord.objects.count() == stored
        events = list(prepared.step_events())  # built as the trail batch asks for them
        assert {e[0] for e in events} == {"interchange.step.create"}
        assert len(events) == staged.count
    finally:
        prepared.drop()
    with connection.cursor() as cursor, pytest.raises(DatabaseError), transaction.atomic():
        cursor.execute(f"SELECT count(*) FROM {staged._staged()}")  # dropped with the import
    status, out = run("import", str(write_jsonl(tmp_path / "a.jsonl", base_records)))
    assert status == 0, out
    assert StepRecord.objects.count() == stored + staged.count
    status, out = run("import", str(tmp_path / "a.jsonl"))
    assert status == 0, out
    assert "step: created 0, updated 0" in out
