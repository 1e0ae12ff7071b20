"""FORM-MATCH: the person admitted is the person pre-reviewed (procedure.md C). The district's pass keeps the
name and the keyed digest of the ID number it passed; an S14 or S15 about another name or number is refused
(through the service and the API) and found in the record, until a new pre-review passes the person as they
now are. History that kept no identity is not judged on it."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from fazhan.people.identity import id_number_key
from fazhan.people.models import Person
from fazhan.people.services import person_update
from fazhan.procedure.engine import evaluate
from fazhan.procedure.models import StepRecord
from fazhan.procedure.selectors import case_facts
from fazhan.procedure.services import StepRefused, case_record_step, step_correct
from tests.api.conftest import api_for, token_for  # noqa: F401  (fixtures)
from tests.conftest import ID_1998_MALE, make_id_number, person_data
from tests.procedure.conftest import day, issue_legal_form, legal_details, walk

OTHER_NUMBER = make_id_number(datetime.date(1998, 3, 4), 17)  # the same birth date and sex, another number


def rename(w, *, name: str = "张三", id_number: str = ID_1998_MALE) -> Person:
    person = Person.objects.get(pid=w.p1.pid)
    return person_update(
        actor=w.users["sec1"], person=person, id_number=id_number, data=person_data(w.branch1, name=name)
    )


def s14(w):
    return case_record_step(
        actor=None, case=w.case, step="S14", date=day(590), details=legal_details("S14", 0, w)
    )


def test_the_districts_pass_keeps_the_name_and_the_number_digest_it_passed(pw):
    passed = walk(pw, "S13")["S13"][1]
    assert (passed.person_name, passed.person_id_key) == ("张三", id_number_key(ID_1998_MALE))
    assert ID_1998_MALE not in passed.person_id_key


def test_a_renamed_person_cannot_fill_in_the_form_the_district_pass_was_for(pw):
    walk(pw, "S13")
    issue_legal_form(pw, day(586))
    rename(pw, name="张叁")
    with pytest.raises(StepRefused) as refused:
        s14(pw)
    text = refused.value.message_dict["details.form_number"][0]
    assert "（2018年发展党员工作通知第三部分，规则 FORM-MATCH）" in text
    assert "姓名由“张三”变为“张叁”" in text
    assert not StepRecord.objects.filter(case=pw.case, step="S14").exists()


def test_a_changed_id_number_refuses_the_form_through_the_api(pw, api_for):  # noqa: F811
    walk(pw, "S13")
    issue_legal_form(pw, day(586))
    rename(pw, id_number=OTHER_NUMBER)
    body = {"step": "S14", "date": day(590).isoformat(), "details": legal_details("S14", 0, pw)}
    response = api_for("sec1").post(f"/api/v1/cases/{pw.case.pk}/steps", body)
    assert response.status_code == 422
    assert response.json()["refusals"][0]["rule"] == "FORM-MATCH"
    assert "身份证号已变更" in response.json()["errors"][0]["message"]
    assert OTHER_NUMBER not in response.content.decode()


def test_a_change_after_the_form_refuses_the_branch_meeting(pw):
    walk(pw, "S14")
    rename(pw, name="张叁")
    with pytest.raises(StepRefused) as refused:
        case_record_step(
            actor=None, case=pw.case, step="S15", date=day(600), details=legal_details("S15", 0, pw)
        )
    assert "FORM-MATCH" in refused.value.message_dict["date"][0]


def test_a_new_district_pre_review_of_the_person_as_they_now_are_lets_the_form_be_filled_in(pw):
    walk(pw, "S13")
    issue_legal_form(pw, day(586))
    rename(pw, name="张叁")
    case_record_step(
        actor=None, case=pw.case, step="S13", date=day(588), details={"reviewer": "SZQ", "result": "pass"}
    )
    assert s14(pw).person_name == "张叁"


def test_the_district_issues_no_form_to_a_person_changed_since_its_pass(pw):
    walk(pw, "S13")
    rename(pw, id_number=OTHER_NUMBER)
    with pytest.raises(ValidationError) as refused:
        issue_legal_form(pw, day(586))
    assert "FORM-MATCH" in refused.value.message_dict["issued_on"][0]


def test_the_record_finds_an_admission_of_someone_other_than_the_person_pre_reviewed(pw):
    """In the record: a branch meeting whose person differs from the one the district passed (as written
    before the guard, or imported with kept identities) is FORM-MATCH's finding."""
    walk(pw, "S15")
    StepRecord.objects.filter(case=pw.case, step="S15").update(person_name="李四")
    found = evaluate(case_facts(pw.case), rules=["FORM-MATCH"])
    assert [(f.rule, f.step, f.severity) for f in found] == [("FORM-MATCH", "S15", "BLOCK")]
    assert found[0].evidence["name_then"] == "张三"
    assert found[0].evidence["id_number_changed"] is False


def test_history_that_kept_no_identity_is_not_judged_on_it(pw):
    walk(pw, "S15")
    StepRecord.objects.filter(case=pw.case).update(person_name="", person_id_key="")
    rename(pw, name="张叁")
    assert evaluate(case_facts(pw.case), rules=["FORM-MATCH"]) == []


def test_a_correction_of_the_pass_keeps_whom_it_passed(pw):
    """A corrected pass is still the pass of the person it passed: correcting it passes no renamed one."""
    passed = walk(pw, "S13")["S13"][1]
    issue_legal_form(pw, day(586))
    rename(pw, name="张叁")
    fixed = step_correct(
        actor=None,
        record=passed,
        date=day(585),
        details={"reviewer": "SZQ", "result": "pass"},
        reason="补记意见",
    )
    assert fixed.person_name == "张三"
    with pytest.raises(StepRefused):
        s14(pw)
