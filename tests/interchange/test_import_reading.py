"""The import's fast paths read and record exactly what the slow ones did (issue 16 item 3): lines read with
orjson as json reads them, the file decoded as it is read as when it was decoded whole, and a bulk of trail
events with plain data (built without their JSON round trip, written with COPY on PostgreSQL) chaining as
the verifier recomputes them."""

import datetime
import io
import json

import pytest
from django.db import transaction

from fazhan.auditlog.models import AuditEvent
from fazhan.auditlog.selectors import trail_verify
from fazhan.auditlog.services import TrailBatch, audit_record, event_hash
from fazhan.interchange.files import file_sources
from fazhan.interchange.reader import jsonl_sources

# Lines where orjson and json part ways (json's reading is the format's), and a few where they agree.
TRICKY = [
    '{"type": "plan", "org": "A", "year": 123456789012345678901234, "quota": 1}',  # past 64 bits: an int
    '{"type": "plan", "org": "A", "year": 2018, "quota": 18446744073709551616}',  # 2**64
    '{"type": "plan", "org": "A", "year": NaN, "quota": Infinity}',  # json takes them
    '{"type": "person", "name": "\\ud800"}',  # a lone surrogate
    '{"type": "person", "id": "P1", "id": "P2"}',  # the last of a repeated key
    '{"type": "person", "name": "罗汉 \\"引号\\" \\\\ \\n", "n": -0.0, "m": 1.5E3, "k": []}',
    '{"type": "person", "id": ',  # not JSON: json's message
    '{"type": "person"} trailing',  # not JSON either
    "[1, 2]",  # not an object
    '{"type": "step", "person": "P1", "details": {"votes": {"for": 7, "against": 0}}}',
]


def test_lines_read_exactly_as_json_reads_them():
    sources, problems = jsonl_sources(TRICKY)
    expected_data, expected_problems = [], []
    for number, line in enumerate(TRICKY, start=1):
        try:
            data = json.loads(line.strip())  # as the reader strips it
        except ValueError as exc:
            expected_problems.append((number, f"不是有效的 JSON（{exc}）"))
            continue
        if isinstance(data, dict):
            expected_data.append((number, data))
        else:
            expected_problems.append((number, "每行应为一个 JSON 对象"))
    got = [(s.line, s.data) for s in sources]
    assert [n for n, _ in got] == [n for n, _ in expected_data]
    for (_, data), (_, wanted) in zip(got, expected_data, strict=True):
        assert json.dumps(data, sort_keys=True) == json.dumps(wanted, sort_keys=True)  # NaN == NaN as text
        assert [type(v) for v in data.values()] == [type(v) for v in wanted.values()]
    assert type(sources[0].data["year"]) is int
    assert sources[0].data["year"] == 123456789012345678901234
    assert [(p.where, p.reason) for p in problems] == expected_problems


def test_a_file_decoded_as_it_is_read_gives_the_records_of_the_file_decoded_whole():
    content = (
        "\ufeff# a comment\r\n"
        '{"type": "org", "code": "A", "name": "甲"}\r\n'
        "\r\n"
        '{"type": "org", "code": "B", "name": "乙\\r"}\n'
    ).encode() + b'{"type": "org", "code": "C", "name": "\xff\xfe broken"}\n{"type": "org", "code": "D"}'
    parsed = file_sources("f.jsonl", content)
    whole = jsonl_sources(io.StringIO(content.decode("utf-8", errors="replace")))
    assert [(s.line, s.data) for s in parsed.sources] == [(s.line, s.data) for s in whole[0]]
    assert parsed.problems == whole[1]
    assert [s.data["code"] for s in parsed.sources] == ["A", "B", "C", "D"]
    assert parsed.sources[2].data["name"] == "\ufffd\ufffd broken"


@pytest.mark.django_db
def test_a_bulk_of_plain_events_chains_as_the_verifier_recomputes_it():
    """150 events (past the size COPY writes on PostgreSQL) whose data skips the JSON round trip."""
    audit_record(actor=None, action="test.before", data={"n": 1})
    head = AuditEvent.objects.order_by("-id").first()
    texts = ['罗汉 "引号"', "back\\slash", "换行\n", "", "x" * 300]
    events = [
        (
            "test.plain",
            ("test.other" if n % 3 else "test.thing", f"id-{n}" if n % 2 else str(n)),
            f"/SZQ/{n % 7}/" if n % 5 else "",
            {"line": n, "text": texts[n % len(texts)], "none": None, "key": [str(n), texts[n % 2]]},
        )
        for n in range(150)
    ]
    events.append(("test.nested", None, "", {"nested": {"a": [1, 2.5]}}))  # the round trip's path
    batch = TrailBatch(actor=None, events=events)
    with transaction.atomic():
        assert batch.write() == 151
    rows = list(AuditEvent.objects.filter(id__gt=head.id).order_by("id"))
    assert [r.data for r in rows[:150]] == [e[3] for e in events[:150]]
    assert [(r.target_type, r.target_id, r.org_path) for r in rows[:2]] == [
        ("test.thing", "0", ""),
        ("test.other", "id-1", "/SZQ/1/"),
    ]
    previous = head.hash
    for row in rows:
        expected = event_hash(
            previous,
            at=row.at,
            actor_id=row.actor_id,
            action=row.action,
            target_type=row.target_type,
            target_id=row.target_id,
            org_path=row.org_path,
            data=row.data,
            digest=row.digest,
            seal=row.seal,
        )
        assert row.hash == expected, row.data
        previous = row.hash
    check = trail_verify()
    assert check.ok, check.broken


def test_stored_steps_read_raw_are_what_the_orms_converters_give(base_records, tmp_path):
    """decide._load_steps reads the stored steps past the ORM's converters: the same values, both engines."""
    from fazhan.interchange.decide import _load_steps
    from fazhan.procedure.models import StepRecord
    from tests.interchange.conftest import run, write_jsonl

    records = [
        *base_records,
        {"type": "step", "person": "P0901", "step": "S03", "date": "2018-02-01"}
        | {"recorded_at": "2018-02-01T09:30:00.123456+08:00", "from_ledger": True, "date_inferred": True}
        | {"details": {}, "reason": "补录"},
    ]
    status, out = run("import", str(write_jsonl(tmp_path / "a.jsonl", records)))
    assert status == 0, out
    pids = set(StepRecord.objects.values_list("case__person__pid", flat=True))
    loaded = [r for records in _load_steps(pids).values() for r in records]
    fields = ["pk", "case_id", "step", "date", "details", "recorded_at", "supersedes_id", "reason"]
    fields += ["from_ledger", "date_inferred"]
    expected = {row[0]: row for row in StepRecord.objects.values_list(*fields)}
    assert len(loaded) == len(expected) >= 3
    for r in loaded:
        got = (r.pk, r.case_id, r.step, r.date, r.details, r.recorded_at, r.supersedes, r.reason)
        got += (r.from_ledger, r.date_inferred)
        assert got == expected[r.pk]
        assert [type(v) for v in got] == [type(v) for v in expected[r.pk]]
    moment = next(r.recorded_at for r in loaded if r.step == "S03")
    assert moment.utcoffset() == datetime.timedelta(0)
    assert moment.microsecond == 123456
