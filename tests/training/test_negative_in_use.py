"""Where the negative list is used, the org's list is read: the political review's entry form (S10) offers
it, a ticked item of it refuses the admission (NEG-LIST) and reads by its label on the timeline."""

import pytest

from fazhan.procedure.details import details_display
from fazhan.procedure.forms import StepForm
from fazhan.procedure.services import StepRefused, case_record_step
from fazhan.training.selectors import negative_keyed
from fazhan.training.services import negative_list_set
from tests.training.conftest import day, legal_details, walk


def offered(person) -> list[tuple[str, str]]:
    return [
        (k, str(label)) for k, label in StepForm(step="S10", person=person).fields["d_negative_list"].choices
    ]


def test_the_form_offers_the_notice_items_until_an_org_has_its_own(world):
    assert [k for k, _label in offered(world.p1)] == [
        "ambiguous_on_principle",
        "self_interest",
        "cult_religion_superstition",
        "under_investigation",
        "otherwise_unfit",
    ]
    items = negative_keyed(world.township, ["涉嫌违纪违法正在被调查处理", "参与赌博屡教不改的"])
    negative_list_set(actor=None, org=world.township, items=items)
    assert offered(world.p1) == [
        ("under_investigation", "涉嫌违纪违法正在被调查处理"),
        ("SZQ-LH-1", "参与赌博屡教不改的"),
    ]
    assert len(offered(world.p_yx)) == 5  # 永兴镇 keeps the notice's


def test_an_item_of_the_org_list_ticked_refuses_the_admission_and_reads_by_its_label(pw):
    negative_list_set(actor=None, org=pw.township, items=[("SZQ-LH-1", "参与赌博屡教不改的")])
    walk(pw, "S09")
    details = {**legal_details("S10", 0, pw), "negative_list": {"SZQ-LH-1": True}}
    with pytest.raises(StepRefused, match="NEG-LIST"):
        case_record_step(actor=None, case=pw.case, step="S10", date=day(560), details=details)
    record = case_record_step(
        actor=None, case=pw.case, step="S10", date=day(560), details=details, enforce=False
    )
    assert ("负面清单适用项", "参与赌博屡教不改的") in details_display("S10", record.details)
