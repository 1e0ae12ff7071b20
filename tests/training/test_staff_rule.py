"""TRN-STAFF (通知六): a step naming a contact (S05) or introducer (S09) who attended no training warns — the
step goes in, the warning stays with it — at entry and in the whole-tree inspection, by the same function."""

import json

import pytest

from fazhan.inspection.loader import case_facts_full, tree_load
from fazhan.inspection.run import case_findings
from fazhan.procedure.models import Case, StepRecord
from fazhan.procedure.services import case_record_step
from tests.interchange.conftest import run
from tests.training.conftest import day, train, walk

S05_DAY = day(125)  # 2020-07-05, the legal path's S05


def staff_warnings(record: StepRecord) -> list[str]:
    return [f.message for f in record.findings.filter(rule="TRN-STAFF", severity="WARN")]


def enter_s05(w, contacts: list[str]) -> StepRecord:
    walk(w, "S04")
    return case_record_step(actor=None, case=w.case, step="S05", date=S05_DAY, details={"contacts": contacts})


def test_naming_a_contact_who_was_never_trained_warns_and_the_step_goes_in(pw):
    train(pw, day(100), ("M0100", "contact"))  # 党员0 trained; 党员1 (M0101) never
    record = enter_s05(pw, ["M0100", "M0101"])
    assert staff_warnings(record) == [
        "培养联系人 党员1（M0101） 未参加过发展党员业务培训（“指定培养联系人”2020-07-05）"
    ]


def test_contacts_trained_before_the_step_give_no_warning(pw):
    train(pw, day(100), ("M0100", "contact"), ("M0101", "introducer"))  # any role attended counts
    assert staff_warnings(enter_s05(pw, ["M0100", "M0101"])) == []


def test_a_training_after_the_step_does_not_count_for_it(pw):
    train(pw, day(126), ("M0100", "contact"))  # the day after S05
    assert len(staff_warnings(enter_s05(pw, ["M0100"]))) == 1


def test_with_a_period_set_an_old_training_no_longer_counts(pw, settings):
    settings.FAZHAN_PROCEDURE = {"staff_training_years": 1}
    train(pw, day(125 - 367), ("M0100", "contact"))  # 2019-07-04: more than a year before 2020-07-05
    train(pw, day(125 - 365), ("M0101", "contact"))  # 2019-07-06: within the year
    [message] = staff_warnings(enter_s05(pw, ["M0100", "M0101"]))
    assert "党员0（M0100）" in message
    assert "M0101" not in message


def test_the_inspection_finds_untrained_introducers_as_the_entry_does(pw):
    train(pw, day(100), ("M0100", "contact"), ("M0101", "contact"), ("M0102", "introducer"))
    records = walk(pw, "S09")  # S05 names M0100, M0101 (trained); S09 names M0102 (trained), M0103 (not)
    [at_entry] = staff_warnings(records["S09"][0])
    assert at_entry == "入党介绍人 党员3（M0103） 未参加过发展党员业务培训（“确定入党介绍人”2021-08-04）"
    _status, out = run("inspect", "--format", "json", "--as-of", day(600).isoformat())
    found = [f for f in json.loads(out) if f["rule"] == "TRN-STAFF"]
    assert [(f["person"], f["severity"], f["message"]) for f in found] == [("P0001", "WARN", at_entry)]
    assert (found[0]["evidence"]["untrained"], found[0]["evidence"]["role"]) == (["M0103"], "introducer")


@pytest.mark.parametrize("offset", [110, 600])
def test_the_tree_loader_gives_the_same_trainings_as_the_one_case_reader(pw, offset):
    train(pw, day(100), ("M0100", "contact"), ("M0102", "introducer"))
    walk(pw, "S09")
    as_of = day(offset)
    single = case_facts_full(Case.objects.get(pk=pw.case.pk), as_of=as_of)
    loaded = tree_load(root=None, as_of=as_of)
    i = loaded.case_ids.index(pw.case.pk)
    full = loaded.full_facts([i])[i]
    # the loader reads the records up to the as-of day: on day 110 only S02's talker is named
    expected = {"M0001", "M0100", "M0101", "M0102", "M0103"} if offset == 600 else {"M0001"}
    assert {t["pid"] for t in full.staff_training} == expected
    if offset == 600:
        assert full.staff_training == single.staff_training
        trained = {t["pid"]: [s["date"] for s in t["sessions"]] for t in full.staff_training}
        assert trained == {"M0001": [], "M0100": [day(100)], "M0101": [], "M0102": [day(100)], "M0103": []}
    shape = sorted((f.rule, f.message) for f in case_findings(full) if f.rule == "TRN-STAFF")
    assert shape == sorted((f.rule, f.message) for f in case_findings(single) if f.rule == "TRN-STAFF")
