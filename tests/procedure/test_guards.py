"""Guards live in the transitions (issue 11, item 4): the step service itself refuses a step on a closed case
and a step naming people or orgs that do not exist or may not hold the part — whoever calls it (the page,
the API, the pre-review service) — naming the field, and writes nothing. Wings learn of steps through
hooks they register; the step service imports none of them."""

import ast
import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from fazhan.people.choices import PartyStatus
from fazhan.people.models import Person
from fazhan.people.services import person_create
from fazhan.prereview.models import FormStatus, NumberedForm, PrereviewItem
from fazhan.prereview.services import prereview_batch_submit, prereview_item_decide
from fazhan.procedure.definition import CaseStage
from fazhan.procedure.engine import finding
from fazhan.procedure.models import Case, StepRecord
from fazhan.procedure.services import (
    Refusal,
    StepRefused,
    case_exit,
    case_record_step,
    step_correct,
    step_guard_register,
)
from tests.api.conftest import api_for, token_for  # noqa: F401  (fixtures)
from tests.conftest import make_id_number, person_data
from tests.procedure.conftest import day, legal_details, walk

TOWNSHIP_PASS = 18  # the walk's first 18 entries end with the township's own pre-review pass (S13)


def records(w) -> int:
    return StepRecord.objects.filter(case=w.case).count()


def close(w, on: int, reason: str = "withdrawn", note: str = "") -> Case:
    actor = w.users["lh_organizer"]
    return case_exit(actor=actor, case=w.case, date=day(on), reason=reason, note=note)


# --- a closed case takes no step ---------------------------------------------------------------------------


def test_the_step_service_refuses_a_step_on_a_closed_case(pw):
    walk(pw, "S02")
    close(pw, 30)
    before = records(pw)
    with pytest.raises(ValidationError) as refused:
        case_record_step(
            actor=None, case=pw.case, step="S03", date=day(110), details=legal_details("S03", 0, pw)
        )
    assert "已于" in refused.value.message_dict["case"][0]
    assert records(pw) == before
    assert Case.objects.get(pk=pw.case.pk).stage == CaseStage.EXITED


def test_the_pre_review_service_cannot_record_a_pass_on_a_closed_case(pw):
    """The district's result goes through the step service, which refuses it: the case stays exited."""
    walk(pw, until=TOWNSHIP_PASS)
    batch = prereview_batch_submit(
        actor=pw.users["lh_organizer"], township=pw.township, cases=[pw.case], submitted_on=day(576)
    )
    close(pw, 580)
    item = PrereviewItem.objects.get(batch=batch)
    with pytest.raises(ValidationError) as refused:
        prereview_item_decide(
            actor=pw.users["district"], item=item, result="pass", reason="", decided_on=day(585)
        )
    assert "case" in refused.value.message_dict
    item.refresh_from_db()
    assert (item.result, item.record) == ("", None)
    assert not StepRecord.objects.filter(case=pw.case, step="S13", details__reviewer="SZQ").exists()
    assert Case.objects.get(pk=pw.case.pk).stage == CaseStage.EXITED


def test_the_api_refuses_a_step_on_a_closed_case_through_the_service(pw, api_for):  # noqa: F811
    walk(pw, "S01")
    close(pw, 5)
    body = {"step": "S02", "date": day(18).isoformat(), "details": legal_details("S02", 0, pw)}
    response = api_for("sec1").post(f"/api/v1/cases/{pw.case.pk}/steps", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "case"
    assert records(pw) == 1


def test_the_step_page_shows_the_refusal_of_a_step_on_a_closed_case(pw, client_for):
    walk(pw, "S01")
    close(pw, 5)
    response = client_for("sec1").post(
        f"/cases/{pw.case.pk}/step/",
        {"step": "S02", "date": day(18).isoformat(), "d_talkers": [pw.members[0].pid]},
    )
    assert response.status_code == 200
    assert "已于" in str(response.context["form"].non_field_errors())
    assert records(pw) == 1


def test_a_closed_cases_record_is_corrected_but_its_end_and_membership_stay(pw):
    """An inspection corrects the record of an invalidated admission: a correction is no new step. It may not
    be dated after the end, and neither the case's stage nor the cleared membership moves."""
    meeting = walk(pw, "S17")["S15"][0]
    close(pw, 700, reason="invalidated", note="支部大会表决人数不足")
    pw.p1.refresh_from_db()
    assert pw.p1.party_status == ""
    with pytest.raises(ValidationError) as refused:
        step_correct(
            actor=None, record=meeting, date=day(701), details=legal_details("S15", 0, pw), reason="改期"
        )
    assert "终止" in refused.value.message_dict["date"][0]
    fixed = step_correct(
        actor=None, record=meeting, date=day(602), details=legal_details("S15", 0, pw), reason="会议日期抄错"
    )
    assert fixed.supersedes == meeting
    case = Case.objects.get(pk=pw.case.pk)
    assert (case.stage, case.exit_reason) == (CaseStage.EXITED, "invalidated")
    pw.p1.refresh_from_db()
    assert (pw.p1.party_status, pw.p1.joined_on) == ("", None)


# --- the people and orgs a step names ----------------------------------------------------------------------


def test_a_talker_who_does_not_exist_is_refused_at_the_field(pw):
    walk(pw, "S01")
    with pytest.raises(ValidationError) as refused:
        case_record_step(actor=None, case=pw.case, step="S02", date=day(18), details={"talkers": ["X9999"]})
    assert refused.value.message_dict["details.talkers"] == ["找不到人员：X9999"]
    assert records(pw) == 1


def test_an_org_that_does_not_exist_is_refused_at_the_field(pw):
    walk(pw, "S03")
    with pytest.raises(ValidationError) as refused:
        case_record_step(
            actor=None, case=pw.case, step="S04", date=day(118), details={"filed_with": "SZQ-NOWHERE"}
        )
    assert refused.value.message_dict["details.filed_with"] == ["找不到组织：SZQ-NOWHERE"]


def test_one_introducer_named_twice_is_refused_at_the_field(pw):
    """INTRO-2 counts introducers: one full member named twice would pass for two."""
    walk(pw, "S08")
    pid = pw.members[3].pid
    with pytest.raises(ValidationError) as refused:
        case_record_step(
            actor=None, case=pw.case, step="S09", date=day(520), details={"introducers": [pid, pid]}
        )
    assert refused.value.message_dict["details.introducers"] == [f"重复填写：{pid}"]
    assert not StepRecord.objects.filter(case=pw.case, step="S09").exists()


def test_the_api_refuses_a_talker_who_does_not_exist(pw, api_for):  # noqa: F811
    walk(pw, "S01")
    body = {"step": "S02", "date": day(18).isoformat(), "details": {"talkers": ["X9999"]}}
    response = api_for("sec1").post(f"/api/v1/cases/{pw.case.pk}/steps", body)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "details.talkers", "message": "找不到人员：X9999"}]
    assert records(pw) == 1


def test_the_step_page_refuses_a_talker_who_does_not_exist_at_the_picker(pw, client_for):
    walk(pw, "S01")
    response = client_for("sec1").post(
        f"/cases/{pw.case.pk}/step/", {"step": "S02", "date": day(18).isoformat(), "d_talkers": ["X9999"]}
    )
    assert response.context["form"].errors["d_talkers"] == ["找不到人员：X9999"]
    assert records(pw) == 1


def probationary(w) -> Person:
    return person_create(
        actor=None,
        pid="M0500",
        id_number=make_id_number(datetime.date(1990, 9, 9), 555),
        data=person_data(
            w.branch1,
            name="预备党员",
            party_status=PartyStatus.PROBATIONARY,
            joined_on=datetime.date(2020, 1, 1),
        ),
    )


def test_act_contact_refuses_a_contact_who_is_not_a_full_member_at_entry(pw):
    walk(pw, "S04")
    with pytest.raises(StepRefused) as refused:
        case_record_step(
            actor=None, case=pw.case, step="S05", date=day(125), details={"contacts": [probationary(pw).pid]}
        )
    assert [f.rule for f in refused.value.findings] == ["ACT-CONTACT"]
    assert (
        "指定一至二名正式党员作培养联系人（《细则》（2014）第九条，规则 ACT-CONTACT）"
        in refused.value.message_dict["details.contacts"][0]
    )
    assert not StepRecord.objects.filter(case=pw.case, step="S05").exists()


def test_intro_2_refuses_a_probationary_introducer_at_entry_through_the_api(pw, api_for):  # noqa: F811
    walk(pw, "S08")
    introducers = [pw.members[3].pid, probationary(pw).pid]
    body = {"step": "S09", "date": day(520).isoformat(), "details": {"introducers": introducers}}
    response = api_for("sec1").post(f"/api/v1/cases/{pw.case.pk}/steps", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "details.introducers"
    assert response.json()["refusals"][0]["rule"] == "INTRO-2"
    assert not StepRecord.objects.filter(case=pw.case, step="S09").exists()


def test_apv_auth_refuses_an_approver_without_approval_authority_at_its_field(pw):
    walk(pw, "S16")
    with pytest.raises(StepRefused) as refused:
        case_record_step(
            actor=None,
            case=pw.case,
            step="S17",
            date=day(650),
            details={"approver": "SZQ-LH-03", "result": "approved"},  # a general branch only reviews
        )
    assert "APV-AUTH" in refused.value.message_dict["details.approver"][0]


def test_apv_auth_refuses_a_conversion_approved_by_a_branch(pw):
    """Art.34: the committee that admits approves the conversion too; a branch only reviews."""
    walk(pw, "S23")
    with pytest.raises(StepRefused) as refused:
        case_record_step(
            actor=None,
            case=pw.case,
            step="S24",
            date=day(1000),
            details={"approver": "SZQ-LH-01", "result": "approved"},
        )
    assert "APV-AUTH" in refused.value.message_dict["details.approver"][0]
    assert not StepRecord.objects.filter(case=pw.case, step="S24").exists()


# --- hooks: the wings' part of a step ----------------------------------------------------------------------


def test_a_wings_step_guard_refuses_at_its_field_and_nothing_is_written(pw):
    walk(pw, "S01")

    def no_talks_on_sundays(entry):
        if entry.record.step == "S02" and entry.record.date.weekday() == 6:
            yield Refusal("date", finding("APP-TALK", "星期日不谈话", severity="BLOCK"))

    step_guard_register("tests.sundays", no_talks_on_sundays)
    try:
        sunday = day(20) + datetime.timedelta(days=6 - day(20).weekday())
        with pytest.raises(StepRefused) as refused:
            case_record_step(
                actor=None, case=pw.case, step="S02", date=sunday, details=legal_details("S02", 0, pw)
            )
        assert "星期日不谈话" in refused.value.message_dict["date"][0]
        assert records(pw) == 1
    finally:
        step_guard_register("tests.sundays", lambda entry: ())


def test_the_form_a_step_names_is_marked_used_by_the_hook_prereview_registers(pw):
    walk(pw, "S14")
    assert NumberedForm.objects.get(person=pw.p1).status == FormStatus.USED


def test_the_step_service_imports_no_wing():
    """architecture.md: the procedure never imports a wing; it learns of them through the hooks they
    register."""
    source = Path(__file__).resolve().parents[2] / "fazhan" / "procedure" / "services.py"
    imported = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(a.name for a in node.names)
    wings = ("prereview", "notices", "plans", "archive", "inspection", "interchange", "api")
    assert not {m for m in imported if m.split(".")[1:2] and m.split(".")[1] in wings}
