"""The trail covers the content: every step record, case, person and numbered form (every model registered
with auditlog) is checked by `fazhan verifytrail` against the last digest the trail holds for it. A row
changed, inserted or removed behind the application's back exits 1 and is named; every honest writer (the
services here; demo, synth, import and restore in test_writers.py) leaves it intact."""

import datetime
import hashlib
import hmac
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fazhan.auditlog.models import AuditEvent, AuditSeal
from fazhan.auditlog.registry import sealed_models, trail_key
from fazhan.auditlog.selectors import trail_verify
from fazhan.auditlog.services import event_hash
from fazhan.people.models import Person
from fazhan.people.services import (
    discipline_record,
    kinship_declare,
    person_recheck_id_numbers,
    person_transfer,
    person_update,
)
from fazhan.prereview.models import NumberedForm
from fazhan.prereview.services import form_issue, form_range_receive, form_return, form_void
from fazhan.procedure.models import StepRecord
from fazhan.procedure.services import case_exit, case_record_step, step_correct
from tests.auditlog.raw import raw_sql
from tests.conftest import ID_1998_MALE
from tests.procedure.conftest import day, pw, walk  # noqa: F401  (the procedure world)


def _verify() -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verifytrail", stdout=out, stderr=err, chunk_size=7)
    except CommandError as error:
        return error.returncode, f"{error}\n{err.getvalue()}"
    return 0, out.getvalue()


def _raw(sql: str, params: list) -> None:
    raw_sql(sql, params)  # as an insider holding the database: past the trail's trigger on PostgreSQL


def _registered_rows() -> int:
    return sum(s.model._default_manager.count() for s in sealed_models())


@pytest.fixture
def walked(pw):  # noqa: F811
    """张三 (P0001) walked along the whole legal path: a form issued and used, admitted, converted."""
    pw.records = walk(pw)
    return pw


def test_the_legal_path_and_a_correction_entered_through_the_services_verify_intact(walked):
    s05 = walked.records["S05"][0]
    details = {"contacts": [m.pid for m in walked.members[2:4]]}
    step_correct(actor=None, record=s05, date=s05.date, details=details, reason="培养联系人录错")
    code, text = _verify()
    assert code == 0, text
    assert f"and {_registered_rows()} records match it" in text
    assert Person.objects.get(pid="P0001").party_status == "full"  # the membership the steps made, sealed


def test_a_step_date_changed_in_the_database_is_named(walked):
    s05 = walked.records["S05"][0]
    _raw("UPDATE procedure_steprecord SET date = %s WHERE id = %s", [datetime.date(2020, 7, 1), s05.pk])
    code, text = _verify()
    assert code == 1
    assert f"procedure.steprecord #{s05.pk} (person P0001, step S05, date 2020-07-01)" in text
    assert "does not match the last digest the trail holds for it" in text
    check = trail_verify()
    assert check.broken is None  # the chain itself is intact: only the content shows it
    assert check.problem_count == 1


def test_a_person_moved_to_another_branch_in_the_database_is_named(walked):
    p1 = walked.p1
    _raw("UPDATE people_person SET org_id = %s WHERE id = %s", [walked.branch2.pk, p1.pk])
    code, text = _verify()
    assert code == 1
    assert f"people.person #{p1.pk} (pid P0001) does not match" in text


def test_a_numbered_form_given_another_holder_in_the_database_is_named(walked):
    form = NumberedForm.objects.get(number="SZQ2021-0001")
    assert form.status == "used"
    _raw("UPDATE prereview_numberedform SET person_id = %s WHERE id = %s", [walked.p2.pk, form.pk])
    code, text = _verify()
    assert code == 1
    assert f"prereview.numberedform #{form.pk} (number SZQ2021-0001, holder P0002) does not match" in text


def test_a_step_record_inserted_behind_the_back_is_named_as_one_the_trail_does_not_hold(walked):
    s15 = walked.records["S15"][0]
    columns = (
        "case_id, step, date, details, recorded_at, recorded_by_label, reason, from_ledger, date_inferred"
    )
    _raw(
        f"INSERT INTO procedure_steprecord ({columns}) "
        f"SELECT {columns} FROM procedure_steprecord WHERE id = %s",
        [s15.pk],
    )
    forged = StepRecord.objects.order_by("-pk").first()
    code, text = _verify()
    assert code == 1
    assert f"procedure.steprecord #{forged.pk} (person P0001, step S15, date {s15.date})" in text
    assert "the trail holds no digest for it" in text


def test_a_step_record_deleted_behind_the_back_is_named_as_gone(walked):
    last = walked.records["S25"][0]
    _raw("DELETE FROM procedure_stepfinding WHERE record_id = %s", [last.pk])
    _raw("DELETE FROM procedure_steprecord WHERE id = %s", [last.pk])
    code, text = _verify()
    assert code == 1
    assert f"procedure.steprecord #{last.pk} (person, step, date: the row is gone)" in text
    assert "the trail holds its digest (event #" in text


def test_every_problem_is_counted_and_the_first_ones_are_listed(walked):
    s05, s07 = walked.records["S05"][0], walked.records["S07"][0]
    _raw("UPDATE procedure_steprecord SET details = %s WHERE id IN (%s, %s)", ["{}", s05.pk, s07.pk])
    _raw("UPDATE people_person SET name = %s WHERE id = %s", ["张叁", walked.p1.pk])
    code, text = _verify()
    assert code == 1
    assert f"people.person #{walked.p1.pk} (pid P0001) does not match" in text  # persons are checked first
    assert "(and 2 more records)" in text
    assert f"also: procedure.steprecord #{s07.pk}" in text
    assert trail_verify().problem_count == 3


def test_a_sealed_record_edited_in_the_seal_table_breaks_its_event(walked):
    seal = AuditSeal.objects.filter(model="people.person").order_by("-id").first()
    assert seal is not None  # a step's event seals the person, whose membership the step may set
    _raw("UPDATE auditlog_auditseal SET digest = %s WHERE id = %s", ["0" * 64, seal.pk])
    code, text = _verify()
    assert code == 1
    assert f"Trail broken at event #{seal.event_id}: its sealed records do not match its seal" in text


def test_a_seal_row_added_to_an_event_that_seals_nothing_breaks_it(walked):
    event = AuditEvent.objects.filter(action="case.open").get()
    _raw(
        "INSERT INTO auditlog_auditseal (event_id, model, target_id, digest) VALUES (%s, %s, %s, %s)",
        [event.pk, "people.person", walked.p1.pk, "0" * 64],
    )
    assert trail_verify().broken.reason == "sealed records its hash does not cover"


def test_an_event_digest_rewritten_breaks_the_chain_there(walked):
    s05 = walked.records["S05"][0]
    event = AuditEvent.objects.get(action="step.record", target_id=str(s05.pk))
    assert len(event.digest) == 64
    _raw("UPDATE auditlog_auditevent SET digest = %s WHERE id = %s", ["f" * 64, event.pk])
    assert trail_verify().broken.event_id == event.pk


def test_the_digests_need_the_trail_key_which_the_database_does_not_hold(walked, settings):
    assert _verify()[0] == 0
    settings.FAZHAN_TRAIL_KEY = "another key"
    # The chain is keyed too (issue 13): under another key it fails at its very first event...
    check = trail_verify()
    first = AuditEvent.objects.order_by("id").values_list("id", flat=True).first()
    assert check.broken is not None
    assert check.broken.event_id == first
    assert check.broken.reason == "content does not match its hash"


def test_the_trail_holds_no_id_number(walked):
    rows = json.dumps(list(AuditEvent.objects.values()), default=str) + json.dumps(
        list(AuditSeal.objects.values()), default=str
    )
    assert ID_1998_MALE not in rows
    assert ID_1998_MALE[-8:] not in rows


def test_every_service_writing_a_registered_record_leaves_the_trail_intact(walked):
    w = walked
    person_transfer(
        actor=None, person=w.p2, to_org=w.branch1, date=datetime.date(2024, 5, 6), materials_transferred=True
    )
    data = {"name": "王伍", "org": w.branch3, "education": "高中"}
    person_update(actor=None, person=w.p3, id_number=w.p3.id_number, data=data)
    kinship_declare(actor=None, a=w.p2, b=w.m1, relation="parent")
    discipline_record(actor=None, person=w.p3, kind="investigation", date_from=datetime.date(2023, 1, 5))
    receipt = form_range_receive(
        actor=None,
        org=w.district,
        year=2024,
        prefix="SZQ2024-",
        first=1,
        last=30,
        received_on=datetime.date(2024, 1, 3),
    )
    stock = list(receipt.forms.order_by("serial"))
    form_return(actor=None, form=stock[0], reason="印刷错误")
    case_exit(
        actor=None, case=w.case, date=datetime.date(2024, 6, 1), reason="invalidated", note="检查发现违规"
    )
    _raw("UPDATE people_person SET id_number_valid = %s WHERE id = %s", [False, w.p2.pk])
    assert _verify()[0] == 1  # the stored verdict changed behind the back ...
    person_recheck_id_numbers()  # ... and judged again by the service, which seals what it stores
    code, text = _verify()
    assert code == 0, text
    assert Person.objects.get(pk=w.p2.pk).org == w.branch1
    assert Person.objects.get(pk=w.p1.pk).party_status == ""  # the invalidation took the membership


def test_a_voided_form_and_its_replacement_used_at_step_14_verify_intact(pw):  # noqa: F811
    walk(pw, "S13")
    spoiled = form_issue(actor=None, person=pw.p1, number="SZQ2021-0009", issued_on=day(586))
    form_void(actor=None, form=spoiled, reason="填写错误")
    form_issue(actor=None, person=pw.p1, number="SZQ2021-0001", issued_on=day(588), replaces=spoiled)
    case_record_step(
        actor=None, case=pw.case, step="S14", date=day(590), details={"form_number": "SZQ2021-0001"}
    )
    assert NumberedForm.objects.get(number="SZQ2021-0001").status == "used"
    code, text = _verify()
    assert code == 0, text


def test_an_event_without_a_digest_hashes_as_before_the_digests_under_the_key(world):
    """The recipe adds nothing for an empty digest; since issue 13 it is keyed: HMAC-SHA256 under the trail
    key, so the plain SHA-256 an editor could recompute is not the event's hash."""
    at = datetime.datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC)
    args = {"at": at, "actor_id": 3, "action": "step.record", "target_type": "procedure.steprecord"}
    args |= {"target_id": "7", "org_path": "/SZQ/", "data": {"step": "S05"}}
    before = {
        "at": "2025-01-02T03:04:05.678901Z",
        "actor": 3,
        "action": "step.record",
        "target": ["procedure.steprecord", "7"],
        "org": "/SZQ/",
        "data": {"step": "S05"},
    }
    body = json.dumps(before, ensure_ascii=False, sort_keys=True, default=str)
    assert event_hash("ab", **args) == hmac.new(trail_key(), f"ab\n{body}".encode(), "sha256").hexdigest()
    assert event_hash("ab", **args) != hashlib.sha256(f"ab\n{body}".encode()).hexdigest()
    assert event_hash("ab", **args, digest="0" * 64) != event_hash("ab", **args)
