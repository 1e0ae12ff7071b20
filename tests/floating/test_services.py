"""The floating registers' doors: who may write, what is refused (a Chinese error at the field, nothing
changed), and the trail."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fazhan.auditlog.models import AuditEvent
from fazhan.floating.models import FloatingRecord
from fazhan.floating.services import floating_record_close, floating_record_open

SINCE = datetime.date(2025, 3, 1)


def out(w, actor="sec1", **overrides):
    data = {
        "person": w.p1,
        "direction": "out",
        "place": "广东省东莞市长安镇",
        "since": SINCE,
        "other_org": w.floating_org,
        "contact": "13800001234",
        **overrides,
    }
    return floating_record_open(actor=w.users[actor] if actor else None, **data)


def refused(w, field, **overrides) -> str:
    before = FloatingRecord.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        out(w, **overrides)
    assert (FloatingRecord.objects.count(), AuditEvent.objects.count()) == before
    [message] = error.value.message_dict[field]
    return message


def test_an_outflow_is_kept_by_the_persons_branch_and_written_to_the_trail(fo):
    record = out(fo)
    assert (record.org, record.other_org, record.until) == (fo.branch1, fo.floating_org, None)
    event = AuditEvent.objects.get(action="floating.out")
    assert event.data["person"] == "P0001"
    assert event.data["other_org"] == "SZQ-LH-LD"


def test_a_secretary_of_another_branch_may_not_register(fo):
    with pytest.raises(PermissionDenied):
        out(fo, actor="sec2")
    assert not FloatingRecord.objects.exists()


def test_an_outflow_names_a_floating_member_org_not_any_org(fo):
    message = refused(fo, "other_org", other_org=fo.branch2)
    assert message == "流出人员的对方党组织须为本区的流动党员党组织（中共罗汉镇双河村支部委员会 不是）。"


def test_a_place_is_required(fo):
    assert refused(fo, "place", place="  ") == "请填写流入地或流出地（不超过 200 字）。"


def test_a_future_day_is_refused(fo):
    assert refused(fo, "since", since=datetime.date(2999, 1, 1)).startswith("日期不能晚于今天")


def test_a_migrant_worker_mark_is_for_an_inflow(fo):
    assert refused(fo, "migrant_worker", migrant_worker=True) == "农民工标记只用于流入人员。"


def test_one_open_record_per_person(fo):
    out(fo)
    assert refused(fo, "person").startswith("张三 已有一条未结束的流动登记（自 2025年3月1日 起）")


def test_closing_a_record_dates_its_end_once(fo):
    record = out(fo)
    floating_record_close(actor=fo.users["sec1"], record=record, until=datetime.date(2025, 9, 1), note="返乡")
    record.refresh_from_db()
    assert (record.until, record.close_note) == (datetime.date(2025, 9, 1), "返乡")
    assert AuditEvent.objects.filter(action="floating.close").count() == 1
    with pytest.raises(ValidationError) as error:
        floating_record_close(actor=fo.users["sec1"], record=record, until=datetime.date(2025, 10, 1))
    assert error.value.message_dict["until"] == ["这条流动登记已于 2025年9月1日 结束。"]


def test_a_record_cannot_end_before_it_began(fo):
    record = out(fo)
    with pytest.raises(ValidationError) as error:
        floating_record_close(actor=fo.users["sec1"], record=record, until=datetime.date(2025, 2, 1))
    assert error.value.message_dict["until"] == ["结束日期不能早于流动开始日期（2025年3月1日）。"]
    record.refresh_from_db()
    assert record.until is None


def test_after_closing_a_new_record_may_be_opened(fo):
    record = out(fo)
    floating_record_close(actor=fo.users["sec1"], record=record, until=datetime.date(2025, 9, 1))
    again = out(fo, since=datetime.date(2025, 10, 1), other_org=None, other_org_name="中共东莞市长安镇委员会")
    assert again.other_org_name == "中共东莞市长安镇委员会"
