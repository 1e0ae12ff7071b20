"""Pre-review batches: a township sends its ready development targets to the district, the district records
each result as the person's step S13 with its clock running, and issues the numbered form to those who
pass."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fazhan.auditlog.models import AuditEvent
from fazhan.demo.world import LEGAL_PATH
from fazhan.prereview.models import FormStatus, NumberedForm, PrereviewItem
from fazhan.prereview.selectors import BatchClock, batch_candidates
from fazhan.prereview.services import (
    form_issue,
    form_range_receive,
    prereview_batch_submit,
    prereview_item_decide,
)
from fazhan.procedure.models import StepRecord
from fazhan.procedure.services import case_record_step
from tests.procedure.conftest import day, walk

TOWNSHIP_PASS = LEGAL_PATH.index(("S13", 575)) + 1  # the walk stops after the township's own pass
TODAY = datetime.date(2022, 6, 1)


def ready(pw):
    walk(pw, until=TOWNSHIP_PASS)
    return pw.case


def submit(pw, on=None, cases=None):
    return prereview_batch_submit(
        actor=pw.users["lh_organizer"],
        township=pw.township,
        cases=cases if cases is not None else [pw.case],
        submitted_on=on or day(576),
    )


def test_a_batch_walked_through_from_the_township_to_the_issued_form_and_s14(pw, client_for):
    case = ready(pw)
    assert [c for c, _f in batch_candidates(pw.township, today=TODAY)] == [case]
    form_range_receive(
        actor=None, org=pw.district, year=2021, prefix="SZQ2021-", first=1, last=5, received_on=day(500)
    )
    lh = client_for("lh_organizer")
    page = lh.get("/prereview/new/").content.decode()
    assert "张三" in page
    response = lh.post("/prereview/new/", {"cases": [str(case.pk)], "submitted_on": day(576).isoformat()})
    assert response.status_code == 302
    item = PrereviewItem.objects.get()
    assert batch_candidates(pw.township, today=TODAY) == []  # waiting in the batch now

    district = client_for("district")
    queue = district.get("/prereview/").content.decode()
    assert f'data-batch="{item.batch_id}"' in queue
    assert "中共罗汉镇委员会" in queue
    batch_page = district.get(f"/prereview/{item.batch_id}/").content.decode()
    assert "录入预审结果" in batch_page
    assert "待审" in batch_page
    decided = district.post(
        f"/prereview/items/{item.pk}/decide/",
        {f"d{item.pk}-result": "pass", f"d{item.pk}-decided_on": day(585).isoformat()},
    )
    assert decided.status_code == 302
    item.refresh_from_db()
    assert item.result == "pass"
    assert item.record is not None
    record = StepRecord.objects.get(pk=item.record_id)
    assert (record.step, record.date, record.details["reviewer"]) == ("S13", day(585), "SZQ")
    assert AuditEvent.objects.filter(action="prereview.decide").count() == 1

    batch_page = district.get(f"/prereview/{item.batch_id}/").content.decode()
    assert 'value="SZQ2021-0001"' in batch_page  # the next serial in stock, offered
    issued = district.post(
        f"/prereview/items/{item.pk}/issue/",
        {f"i{item.pk}-number": "SZQ2021-0001", f"i{item.pk}-issued_on": day(588).isoformat()},
    )
    assert issued.status_code == 302
    form = NumberedForm.objects.get(number="SZQ2021-0001")
    assert form.person == pw.p1
    assert form.status == FormStatus.ISSUED
    case_record_step(actor=None, case=case, step="S14", date=day(590), details={"form_number": form.number})
    form.refresh_from_db()
    assert form.status == FormStatus.USED


def test_only_ready_targets_are_submitted_and_a_refusal_names_the_person(pw):
    walk(pw, "S12")  # no township pass yet
    with pytest.raises(ValidationError) as refused:
        submit(pw)
    assert "张三" in refused.value.message_dict["cases"][0]
    with pytest.raises(ValidationError) as refused:
        submit(pw, cases=[])
    assert "cases" in refused.value.message_dict


def test_a_person_waits_in_one_batch_at_a_time_and_not_before_the_township_pass(pw):
    ready(pw)
    with pytest.raises(ValidationError) as refused:
        submit(pw, on=day(574))
    assert day(575).isoformat() in refused.value.message_dict["submitted_on"][0]
    submit(pw)
    with pytest.raises(ValidationError) as refused:
        submit(pw)
    assert "cases" in refused.value.message_dict


def test_roles_submit_and_decide(pw):
    ready(pw)
    with pytest.raises(PermissionDenied):
        prereview_batch_submit(
            actor=pw.users["yx_organizer"], township=pw.township, cases=[pw.case], submitted_on=day(576)
        )
    batch = submit(pw)
    item = batch.items.get()
    for username in ("lh_organizer", "lh_approver", "sec1"):
        with pytest.raises(PermissionDenied):
            prereview_item_decide(
                actor=pw.users[username], item=item, result="pass", reason="", decided_on=day(585)
            )
    assert not StepRecord.objects.filter(step="S13", details__reviewer="SZQ").exists()


def test_bad_results_are_refused_at_their_field_and_record_nothing(pw):
    ready(pw)
    item = submit(pw).items.get()
    district = pw.users["district"]
    cases = [
        ({"result": "maybe", "reason": "", "decided_on": day(585)}, "result"),
        ({"result": "fail", "reason": " ", "decided_on": day(585)}, "reason"),
        ({"result": "pass", "reason": "", "decided_on": day(570)}, "decided_on"),
        ({"result": "pass", "reason": "", "decided_on": datetime.date(2099, 1, 1)}, "decided_on"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as refused:
            prereview_item_decide(actor=district, item=item, **kwargs)
        assert field in refused.value.message_dict, kwargs
    item.refresh_from_db()
    assert item.result == ""
    assert StepRecord.objects.filter(step="S13").count() == 1
    prereview_item_decide(actor=district, item=item, result="pass", reason="", decided_on=day(585))
    with pytest.raises(ValidationError) as refused:
        prereview_item_decide(actor=district, item=item, result="fail", reason="重复", decided_on=day(586))
    assert "result" in refused.value.message_dict


def test_a_failed_person_gets_no_form_and_a_returned_one_may_be_sent_again(pw):
    ready(pw)
    district = pw.users["district"]
    item = submit(pw).items.get()
    prereview_item_decide(
        actor=district, item=item, result="returned", reason="缺政审材料", decided_on=day(580)
    )
    assert [c for c, _f in batch_candidates(pw.township, today=TODAY)] == [pw.case]
    again = submit(pw, on=day(581)).items.get()
    prereview_item_decide(actor=district, item=again, result="fail", reason="不符合条件", decided_on=day(585))
    with pytest.raises(ValidationError) as refused:
        form_issue(actor=district, person=pw.p1, number="SZQ2021-0009", issued_on=day(588))
    assert "PRE-DISTRICT" in refused.value.message_dict["issued_on"][0]


def test_the_clock_runs_from_submission_and_is_due_within_promptly_months(pw, settings):
    ready(pw)
    batch = submit(pw)
    clock = BatchClock(batch, day(576) + datetime.timedelta(days=40))
    assert clock.due == datetime.date(2021, 10, 29)
    assert clock.days_waiting == 40
    assert clock.overdue
    settings.FAZHAN_PROCEDURE = {"promptly_months": 2}
    assert not BatchClock(batch, day(576) + datetime.timedelta(days=40)).overdue


def test_batch_pages_are_scoped_and_refuse_other_roles(pw, client_for):
    ready(pw)
    item = submit(pw).items.get()
    assert client_for("yx_organizer").get(f"/prereview/{item.batch_id}/").status_code == 404
    assert client_for("lh_organizer").get(f"/prereview/{item.batch_id}/").status_code == 200
    assert client_for("sec1").get("/prereview/").status_code == 403
    assert client_for("lh_approver").get("/prereview/new/").status_code == 403
    assert client_for("district").get("/prereview/new/").status_code == 403
    url = f"/prereview/items/{item.pk}/decide/"
    data = {f"d{item.pk}-result": "pass", f"d{item.pk}-decided_on": day(585).isoformat()}
    assert client_for("lh_organizer").post(url, data).status_code == 403
    assert client_for("yx_organizer").post(url, data).status_code == 404
    bad = client_for("district").post(url, {**data, f"d{item.pk}-decided_on": day(570).isoformat()})
    assert bad.status_code == 200
    assert 'id="decide-field-decided_on"' in bad.content.decode()
    assert "has-error" in bad.content.decode()
    empty = client_for("lh_organizer").post("/prereview/new/", {"submitted_on": day(576).isoformat()})
    assert empty.status_code == 200
    assert 'id="batch-field-cases"' in empty.content.decode()
