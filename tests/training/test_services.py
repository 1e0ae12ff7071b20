"""The training wing's writes guard themselves: township roles and the district only, within their subtrees,
with a Chinese error naming the field, nothing written on a refusal, every write in the trail."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fazhan.auditlog.models import AuditEvent
from fazhan.training.models import Attendance, NegativeItem, TrainingSession
from fazhan.training.selectors import NOTICE_ITEMS, negative_list_of
from fazhan.training.services import (
    negative_list_inherit,
    negative_list_set,
    session_create,
    session_set_attendance,
)

DAY = datetime.date(2021, 3, 15)


def create(w, user="lh_organizer", **overrides):
    args = {
        "org": w.township,
        "topic": "学习《中国共产党发展党员工作细则》",
        "date": DAY,
        "hours": "3.5",
        "attendance": [("M0001", "branch_secretary"), ("P0002", "contact")],
    }
    return session_create(actor=w.users[user] if user else None, **{**args, **overrides})


def test_a_township_organizer_records_a_session_with_its_attendance_in_the_trail(world):
    session = create(world)
    assert (session.topic, session.date, str(session.hours)) == (
        "学习《中国共产党发展党员工作细则》",
        DAY,
        "3.5",
    )
    assert sorted(session.attendance.values_list("person__pid", "role")) == [
        ("M0001", "branch_secretary"),
        ("P0002", "contact"),
    ]
    event = AuditEvent.objects.get(action="training.session_create")
    assert event.actor == world.users["lh_organizer"]
    assert event.data["attendance"] == [["M0001", "branch_secretary"], ["P0002", "contact"]]


def test_the_district_may_record_one_too(world):
    assert create(world, "district").org == world.township


@pytest.mark.parametrize("user", ["sec1", "inspector_lh", "yx_organizer"])
def test_others_may_not(world, user):
    with pytest.raises(PermissionDenied, match="只有乡镇党委组织委员"):
        create(world, user)
    assert not TrainingSession.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"topic": "  "}, "topic", "请填写培训主题"),
        ({"date": datetime.date(2099, 1, 1)}, "date", "培训日期不能晚于今天"),
        ({"date": datetime.date(1999, 1, 1)}, "date", "不能早于2000年"),
        ({"hours": "0"}, "hours", "学时须大于0"),
        ({"hours": "abc"}, "hours", "学时须大于0"),
        ({"hours": "201"}, "hours", "学时须大于0"),
        ({"attendance": []}, "attendance", "至少填写一名"),
        ({"attendance": [("X9999", "contact")]}, "attendance", "没有人员编号为 X9999"),
        ({"attendance": [("P0004", "contact")]}, "attendance", "没有人员编号为 P0004"),  # 永兴镇: not theirs
        ({"attendance": [("M0001", "contact"), ("M0001", "introducer")]}, "attendance", "M0001 重复"),
        ({"attendance": [("M0001", "secretary")]}, "attendance", "参训身份“secretary”不正确"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(world, overrides, field, text):
    with pytest.raises(ValidationError) as refused:
        create(world, **overrides)
    assert text in refused.value.message_dict[field][0]
    assert not TrainingSession.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="training.").exists()


def test_the_attendance_can_be_set_again_and_the_trail_keeps_both(world):
    session = create(world)
    session_set_attendance(
        actor=world.users["lh_organizer"], session=session, attendance=[("P0001", "introducer")]
    )
    assert list(Attendance.objects.values_list("person__pid", "role")) == [("P0001", "introducer")]
    event = AuditEvent.objects.get(action="training.attendance_set")
    assert event.data["before"] == [["M0001", "branch_secretary"], ["P0002", "contact"]]
    with pytest.raises(PermissionDenied):
        session_set_attendance(actor=world.users["sec1"], session=session, attendance=[("P0001", "contact")])


# --- the negative list --------------------------------------------------------------------------------------


def test_an_org_with_no_list_in_its_tree_uses_the_notice_items(world):
    listed = negative_list_of(world.branch1)
    assert listed.source is None
    assert [k for k, _label in listed.items] == [
        "ambiguous_on_principle",
        "self_interest",
        "cult_religion_superstition",
        "under_investigation",
        "otherwise_unfit",
    ]
    assert listed.items[2][1] == "参与邪教、笃信宗教或热衷封建迷信"  # as S10 has always listed it
    assert len(NOTICE_ITEMS) == 5


def test_a_township_list_is_inherited_down_and_a_branch_list_overrides_it(world):
    township = [("under_investigation", "涉嫌违纪违法正在被调查处理的"), ("gambling", "参与赌博屡教不改的")]
    negative_list_set(actor=world.users["lh_organizer"], org=world.township, items=township)
    assert negative_list_of(world.branch3).items == tuple(township)  # two levels down, through the 总支
    assert negative_list_of(world.branch3).source == world.township
    assert negative_list_of(world.branch_yx).source is None  # another township: the notice's
    negative_list_set(actor=world.users["lh_organizer"], org=world.branch1, items=[("own", "本村自定情形")])
    assert negative_list_of(world.branch1).items == (("own", "本村自定情形"),)
    negative_list_inherit(actor=world.users["lh_organizer"], org=world.branch1)
    assert negative_list_of(world.branch1).items == tuple(township)
    actions = list(AuditEvent.objects.filter(action__startswith="training.").values_list("action", flat=True))
    assert actions == [
        "training.negative_list_set",
        "training.negative_list_set",
        "training.negative_list_inherit",
    ]


@pytest.mark.parametrize(
    ("items", "text"),
    [
        ([], "至少要有一项"),
        ([("a", "")], "第 1 项内容为空"),
        ([("a", "甲"), ("a", "乙")], "第 2 项代码“a”不正确"),
        ([("坏", "甲")], "第 1 项代码“坏”不正确"),
    ],
)
def test_a_bad_list_is_refused_and_nothing_changes(world, items, text):
    with pytest.raises(ValidationError) as refused:
        negative_list_set(actor=world.users["lh_organizer"], org=world.township, items=items)
    assert text in refused.value.message_dict["items"][0]
    assert not NegativeItem.objects.exists()


@pytest.mark.parametrize("user", ["sec1", "yx_organizer", "inspector_lh"])
def test_the_list_is_edited_only_by_township_and_district_roles_for_their_orgs(world, user):
    with pytest.raises(PermissionDenied, match="负面清单"):
        negative_list_set(actor=world.users[user], org=world.branch1, items=[("a", "甲")])
    assert not NegativeItem.objects.exists()
