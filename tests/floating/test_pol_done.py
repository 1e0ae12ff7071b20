"""POL-DONE's floating clause from the floating register: a person with a record of flowing out or in open on
the political review's day needs the opinions of both their 户籍 (home) org and their residence org — at step
entry (a BLOCK refusal naming the rule and its article) and over the whole tree (`fazhan inspect`)."""

import datetime
import json

import pytest

from fazhan.floating.services import floating_record_close, floating_record_open
from fazhan.inspection.loader import case_facts_full, tree_load
from fazhan.procedure.models import Case, StepRecord
from fazhan.procedure.services import StepRefused, case_record_step
from tests.floating.conftest import HOME, REVIEW_DAY, THERE
from tests.interchange.conftest import run, write_jsonl

OUTSIDE = "中共遵义市汇川区高坪街道双龙村支部委员会"


def review(w, **details):
    return case_record_step(
        actor=w.users["sec1"],
        case=w.case,
        step="S10",
        date=REVIEW_DAY,
        details={"result": "pass", "negative_list": {}, **details},
    )


def flowed_out(w, since=datetime.date(2021, 3, 1)):
    return floating_record_open(
        actor=w.users["sec1"],
        person=w.p1,
        direction="out",
        place="广东省东莞市长安镇",
        since=since,
        other_org=w.floating_org,
        contact="13800001234",
    )


def test_an_outflow_review_without_the_two_opinions_is_refused_naming_both_orgs(fw):
    flowed_out(fw)
    with pytest.raises(StepRefused) as refused:
        review(fw)
    [f] = refused.value.findings
    assert (f.rule, f.severity) == ("POL-DONE", "BLOCK")
    assert f.message == f"流动人员须有户籍地和居住地党组织的意见，缺少：户籍地{HOME}、居住地{THERE}"
    [text] = refused.value.messages
    assert "第十六条" in text
    assert "POL-DONE" in text
    assert not StepRecord.objects.filter(case=fw.case, step="S10").exists()


def test_one_opinion_is_not_enough(fw):
    flowed_out(fw)
    with pytest.raises(StepRefused) as refused:
        review(fw, floating_opinions=["SZQ-LH-01"])
    assert refused.value.findings[0].message.endswith(f"缺少：居住地{THERE}")


def test_an_outflow_review_with_the_home_and_the_floating_org_opinions_is_entered(fw):
    flowed_out(fw)
    record = review(fw, floating_opinions=["SZQ-LH-01", "SZQ-LH-LD"])
    assert record.step == "S10"


def test_two_opinions_from_the_wrong_orgs_are_refused(fw):
    flowed_out(fw)
    with pytest.raises(StepRefused) as refused:
        review(fw, floating_opinions=["SZQ-LH-01", "SZQ-LH-02"])  # 双河村 is neither home nor residence
    assert refused.value.findings[0].message.endswith(f"缺少：居住地{THERE}")


def test_an_inflow_from_outside_the_district_needs_the_outside_opinion(fw):
    floating_record_open(
        actor=fw.users["sec1"],
        person=fw.p1,
        direction="in",
        place="贵州省遵义市汇川区",
        since=datetime.date(2021, 1, 5),
        other_org_name=OUTSIDE,
        migrant_worker=True,
    )
    with pytest.raises(StepRefused) as refused:
        review(fw, floating_opinions=["SZQ-LH-01"])
    assert refused.value.findings[0].message.endswith(f"缺少：户籍地{OUTSIDE}")
    assert review(fw, floating_opinions=["SZQ-LH-01"], floating_opinions_outside=f"{OUTSIDE}回函").pk


def test_a_record_closed_before_the_review_asks_for_no_opinions(fw):
    record = flowed_out(fw)
    floating_record_close(actor=fw.users["sec1"], record=record, until=datetime.date(2021, 7, 1))
    assert review(fw).pk


def test_a_record_opened_after_the_review_asks_for_none_then(fw):
    flowed_out(fw, since=REVIEW_DAY + datetime.timedelta(days=1))
    assert review(fw).pk


def import_review(tmp_path, details) -> None:
    path = write_jsonl(
        tmp_path / "s10.jsonl",
        [
            {"type": "header", "format": "fazhan-record", "version": 1, "profile": "shizhongqu-2018"},
            {
                "type": "step",
                "person": "P0001",
                "step": "S10",
                "date": REVIEW_DAY.isoformat(),
                "details": details,
            },
        ],
    )
    status, out = run("import", str(path))
    assert status == 0, out


def pol_findings() -> list[dict]:
    _status, out = run("inspect", "--format", "json", "--as-of", REVIEW_DAY.isoformat())
    return [f for f in json.loads(out) if f["rule"] == "POL-DONE"]


def test_the_inspection_finds_an_imported_review_without_the_opinions_as_the_entry_refuses_it(fw, tmp_path):
    flowed_out(fw)
    with pytest.raises(StepRefused) as refused:
        review(fw, floating_opinions=["SZQ-LH-01"])
    import_review(tmp_path, {"result": "pass", "floating_opinions": ["SZQ-LH-01"]})
    [found] = pol_findings()
    assert (found["severity"], found["person"]) == ("BLOCK", "P0001")
    assert found["message"] == refused.value.findings[0].message


def test_the_inspection_finds_nothing_where_both_opinions_were_heard(fw, tmp_path):
    flowed_out(fw)
    import_review(tmp_path, {"result": "pass", "floating_opinions": ["SZQ-LH-01", "SZQ-LH-LD"]})
    assert pol_findings() == []


@pytest.mark.parametrize("as_of", [datetime.date(2021, 2, 1), REVIEW_DAY])
def test_parity_the_tree_loader_reads_the_records_as_the_single_case_form_does(fw, as_of):
    flowed_out(fw)
    loaded = tree_load(root=None, as_of=as_of)
    i = loaded.case_ids.index(fw.case.pk)
    full = loaded.full_facts([i])[i]
    single = case_facts_full(Case.objects.get(pk=fw.case.pk), as_of=as_of)
    assert full.floating_records == single.floating_records
    assert len(single.floating_records) == (as_of == REVIEW_DAY)  # not yet flowed out on 1 February
