"""PUB-OBJECTION over the whole tree: the rule that refuses a step at entry while a report on a notice waits
for its finding (tests/notices/test_public.py) is the one `fazhan inspect` runs, so a step an import wrote
past the entry (an import refuses no step, it reports) is found, and a report looked into before the step is
not."""

import datetime
import json

import pytest

from fazhan.inspection.loader import case_facts_full, tree_load
from fazhan.inspection.run import case_findings
from fazhan.notices.services import notice_feedback_verify, notice_public_submit
from fazhan.procedure.models import Case, StepRecord
from fazhan.procedure.services import StepRefused, case_record_step
from tests.interchange.conftest import run, write_jsonl
from tests.notices.conftest import publish
from tests.procedure.conftest import day, legal_details, pw, walk  # noqa: F401

JUNE_3 = datetime.datetime(2021, 6, 3, 2, tzinfo=datetime.UTC)  # 10:00 in Shanghai, within June 1–7
JULY_20 = datetime.datetime(2021, 7, 20, 2, tzinfo=datetime.UTC)
STEP_DAY = day(500)  # 2021-07-15


@pytest.fixture
def objected(activist, time_machine):
    """张三's target notice, with an objection the public sent on its page on 3 June, not looked into."""
    notice = publish(activist)
    time_machine.move_to(JUNE_3)
    objection = notice_public_submit(
        notice=notice, text="反映该同志占用集体土地。", address="203.0.113.7", entry=notice.entries.get()
    )
    time_machine.move_to(JULY_20)
    return activist, objection


def import_s07(w, tmp_path) -> None:
    """The S07 of 张三 as a district's file carries it, through `fazhan import`."""
    details = json.loads(json.dumps(legal_details("S07", 0, w), default=str))
    path = write_jsonl(
        tmp_path / "s07.jsonl",
        [
            {"type": "header", "format": "fazhan-record", "version": 1, "profile": "shizhongqu-2018"},
            {
                "type": "step",
                "person": "P0001",
                "step": "S07",
                "date": STEP_DAY.isoformat(),
                "details": details,
            },
        ],
    )
    status, out = run("import", str(path))
    assert status == 0, out
    assert StepRecord.objects.filter(case=w.case, step="S07", superseded_by__isnull=True).exists()


def feedback_findings() -> list[dict]:
    _status, out = run("inspect", "--format", "json", "--as-of", STEP_DAY.isoformat())
    return [f for f in json.loads(out) if f["rule"] == "PUB-OBJECTION"]


def verify(w, objection, on: datetime.date) -> None:
    notice_feedback_verify(
        actor=w.users["lh_organizer"],
        feedback=objection,
        finding="unfounded",
        verification="经查，所修道路系村民代表大会决定，不存在占地",
        verified_on=on,
    )


def test_a_step_imported_while_an_objection_waits_is_found_by_the_inspection_as_the_entry_refuses_it(
    objected, tmp_path
):
    w, _objection = objected
    with pytest.raises(StepRefused) as refused:  # the entry refuses it ...
        case_record_step(
            actor=w.users["sec1"], case=w.case, step="S07", date=STEP_DAY, details=legal_details("S07", 0, w)
        )
    import_s07(w, tmp_path)  # ... an import writes it, and the inspection finds it with the same rule
    [found] = feedback_findings()
    assert (found["severity"], found["person"]) == ("BLOCK", "P0001")
    assert found["message"].startswith(
        "张三 在“中共罗汉镇高桥村支部委员会 拟确定为发展对象公示 2021-06-01 至 2021-06-07”中"
        "有 1 条群众反映尚未核实"
    )
    assert "2021-06-03 收到" in found["message"]
    assert found["message"] == refused.value.findings[0].message
    assert found["evidence"]["received_on"] == ["2021-06-03"]
    assert "Art." not in found["message"]
    assert "S07" not in found["message"]
    assert found["message"].endswith("不能办理“确定发展对象”")


def test_an_objection_looked_into_before_the_step_gives_no_finding(objected, tmp_path):
    w, objection = objected
    verify(w, objection, datetime.date(2021, 6, 7))
    import_s07(w, tmp_path)
    assert feedback_findings() == []


def test_a_finding_recorded_only_after_the_imported_step_does_not_clear_it(objected, tmp_path):
    w, objection = objected
    import_s07(w, tmp_path)
    verify(w, objection, datetime.date(2021, 7, 18))  # looked into three days after the step was taken
    assert [f["person"] for f in feedback_findings()] == ["P0001"]


@pytest.mark.parametrize("as_of", [datetime.date(2021, 6, 2), STEP_DAY])
def test_parity_the_tree_loader_reads_the_reports_as_the_single_case_form_does(objected, tmp_path, as_of):
    w, _objection = objected
    import_s07(w, tmp_path)
    loaded = tree_load(root=None, as_of=as_of)
    i = loaded.case_ids.index(w.case.pk)
    full = loaded.full_facts([i])[i]
    single = case_facts_full(Case.objects.get(pk=w.case.pk), as_of=as_of)
    assert full.notice_feedback == single.notice_feedback
    assert len(single.notice_feedback) == (as_of >= datetime.date(2021, 6, 3))  # not yet received on 2 June
    shape = sorted((f.rule, f.record, f.message) for f in case_findings(full) if f.rule == "PUB-OBJECTION")
    assert shape == sorted(
        (f.rule, f.record, f.message) for f in case_findings(single) if f.rule == "PUB-OBJECTION"
    )
    assert len(shape) == (as_of == STEP_DAY)
