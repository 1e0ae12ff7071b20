"""Each TAL- rule both ways, through the services (whoever calls): what it refuses names the field and
the rule, and changes nothing; what it lets through is written with its event in the trail."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fazhan.auditlog.models import AuditEvent
from fazhan.plans.services import plan_allocate
from fazhan.talents.models import Contact, KeyPerson, KeyUnit, LeaderLink, TalentPlan
from fazhan.talents.rules import LinkDates, cite, covered, quarter_start
from fazhan.talents.services import (
    ERR_LEADER_NOT_FULL,
    contact_record,
    key_person_mark,
    key_person_unmark,
    key_unit_mark,
    key_unit_unmark,
    leader_assign,
    leader_release,
    leaders_assign,
    refusal,
    talent_plan_set,
)
from tests.userfacing import bare_codes

TODAY = datetime.date(2026, 5, 31)
D = datetime.date


def _refused(excinfo, field: str, rule: str | None = None) -> str:
    text = " ".join(excinfo.value.message_dict[field])
    if rule:
        assert rule in text
        assert "通知 五" in text
    return text


# TAL-MARK


def test_a_township_organizer_marks_a_person_and_a_unit_and_the_trail_holds_both(tw):
    user = tw.users["lh_organizer"]
    key = key_person_mark(actor=user, person=tw.p1, category="high_skill", since=D(2026, 1, 5), today=TODAY)
    unit = key_unit_mark(actor=user, org=tw.general, category="university", since=D(2026, 1, 5), today=TODAY)
    assert (key.marked_by, unit.marked_by) == (user, user)
    actions = list(AuditEvent.objects.filter(action__startswith="talents.").values_list("action", flat=True))
    assert actions == ["talents.person_mark", "talents.unit_mark"]


def test_a_person_is_marked_once_at_a_time(tw):
    key_person_mark(actor=None, person=tw.p1, category="high_skill", since=D(2026, 1, 5), today=TODAY)
    with pytest.raises(ValidationError) as refused:
        key_person_mark(actor=None, person=tw.p1, category="entrepreneur", since=D(2026, 2, 5), today=TODAY)
    assert "已是重点培养对象" in _refused(refused, "person", "TAL-MARK")
    assert KeyPerson.objects.count() == 1


def test_a_unit_is_marked_once_at_a_time_and_again_after_unmarking(tw):
    unit = key_unit_mark(actor=None, org=tw.general, category="institute", since=D(2026, 1, 5), today=TODAY)
    with pytest.raises(ValidationError) as refused:
        key_unit_mark(actor=None, org=tw.general, category="institute", since=D(2026, 1, 6), today=TODAY)
    _refused(refused, "org", "TAL-MARK")
    key_unit_unmark(actor=None, unit=unit, until=D(2026, 3, 1), today=TODAY)
    key_unit_mark(actor=None, org=tw.general, category="high_tech", since=D(2026, 4, 1), today=TODAY)
    assert KeyUnit.objects.filter(until__isnull=True).get().category == "high_tech"


def test_a_mark_dated_after_today_is_refused(tw):
    with pytest.raises(ValidationError) as refused:
        key_person_mark(actor=None, person=tw.p1, category="high_skill", since=D(2026, 6, 1), today=TODAY)
    _refused(refused, "since", "TAL-MARK")
    assert not KeyPerson.objects.exists()


def test_unmarking_before_the_mark_is_refused_and_on_its_day_ends_the_links(tw):
    key = key_person_mark(actor=None, person=tw.p1, category="high_skill", since=D(2026, 1, 5), today=TODAY)
    link = leader_assign(actor=None, key=key, leader=tw.m1, start=D(2026, 1, 5), today=TODAY)
    with pytest.raises(ValidationError) as refused:
        key_person_unmark(actor=None, key=key, until=D(2026, 1, 4), today=TODAY)
    _refused(refused, "until", "TAL-MARK")
    key_person_unmark(actor=None, key=key, until=D(2026, 2, 1), today=TODAY)
    link.refresh_from_db()
    assert link.end == D(2026, 2, 1)


def test_a_branch_or_another_township_may_not_mark(tw):
    for username in ("sec1", "yx_organizer"):
        with pytest.raises(PermissionDenied):
            key_person_mark(
                actor=tw.users[username],
                person=tw.p1,
                category="high_skill",
                since=D(2026, 1, 5),
                today=TODAY,
            )
    assert not KeyPerson.objects.exists()


def test_an_unknown_category_is_refused_at_its_field(tw):
    with pytest.raises(ValidationError) as refused:
        key_person_mark(actor=None, person=tw.p1, category="genius", since=D(2026, 1, 5), today=TODAY)
    assert "类别" in _refused(refused, "category")


# TAL-PLAN


def test_the_plan_line_needs_the_years_plan_and_fits_within_its_quota(tw):
    with pytest.raises(ValidationError) as refused:
        talent_plan_set(actor=tw.users["district"], org=tw.township, year=2026, reserved=1)
    assert "尚未下达发展计划" in _refused(refused, "reserved", "TAL-PLAN")
    plan_allocate(actor=None, org=tw.district, year=2026, quota=10)
    plan_allocate(actor=None, org=tw.township, year=2026, quota=4)
    with pytest.raises(ValidationError) as refused:
        talent_plan_set(actor=tw.users["district"], org=tw.township, year=2026, reserved=5)
    assert "5 名超过" in _refused(refused, "reserved", "TAL-PLAN")
    assert "4 名" in _refused(refused, "reserved")
    assert not TalentPlan.objects.exists()
    line = talent_plan_set(actor=tw.users["district"], org=tw.township, year=2026, reserved=4)
    assert (line.reserved, line.set_by) == (4, tw.users["district"])
    event = AuditEvent.objects.get(action="talents.plan_set")
    assert event.data["reserved"] == 4
    assert event.data["quota"] == 4


def test_the_plan_line_is_set_by_the_quotas_roles_only(tw):
    plan_allocate(actor=None, org=tw.district, year=2026, quota=10)
    plan_allocate(actor=None, org=tw.township, year=2026, quota=4)
    plan_allocate(actor=None, org=tw.branch1, year=2026, quota=2)
    with pytest.raises(PermissionDenied):  # the township passes quotas down; its own comes from the district
        talent_plan_set(actor=tw.users["lh_organizer"], org=tw.township, year=2026, reserved=1)
    with pytest.raises(PermissionDenied):
        talent_plan_set(actor=tw.users["sec1"], org=tw.branch1, year=2026, reserved=1)
    assert (
        talent_plan_set(actor=tw.users["lh_organizer"], org=tw.branch1, year=2026, reserved=2).reserved == 2
    )


def test_the_plan_line_refuses_a_negative_number(tw):
    plan_allocate(actor=None, org=tw.district, year=2026, quota=10)
    with pytest.raises(ValidationError) as refused:
        talent_plan_set(actor=None, org=tw.district, year=2026, reserved=-1)
    _refused(refused, "reserved")


# TAL-LEADER


@pytest.fixture
def key(tw):
    return key_person_mark(actor=None, person=tw.p1, category="high_skill", since=D(2026, 1, 5), today=TODAY)


def test_a_full_member_is_assigned_and_may_lead_several_and_a_person_have_several(tw, key):
    other = key_person_mark(
        actor=None, person=tw.p2, category="entrepreneur", since=D(2026, 1, 5), today=TODAY
    )
    leaders_assign(
        actor=tw.users["lh_organizer"], key=key, leaders=[tw.m1, tw.leader], start=D(2026, 1, 6), today=TODAY
    )
    leader_assign(actor=None, key=other, leader=tw.leader, start=D(2026, 1, 6), today=TODAY)
    pairs = sorted(LeaderLink.objects.values_list("key__person__pid", "leader__pid"))
    assert pairs == [("P0001", "M0001"), ("P0001", "M0950"), ("P0002", "M0950")]


@pytest.mark.parametrize(
    ("who", "needle"),
    [("p2", "不是正式党员"), ("probationer", "不是正式党员"), ("p1", "不能是重点培养对象本人")],
)
def test_a_leader_who_is_no_full_member_or_the_person_is_refused(tw, key, who, needle):
    with pytest.raises(ValidationError) as refused:
        leader_assign(actor=None, key=key, leader=getattr(tw, who), start=D(2026, 1, 6), today=TODAY)
    assert needle in _refused(refused, "leader", "TAL-LEADER")
    assert not LeaderLink.objects.exists()


def test_a_link_before_the_mark_or_twice_is_refused(tw, key):
    with pytest.raises(ValidationError) as refused:
        leader_assign(actor=None, key=key, leader=tw.m1, start=D(2026, 1, 4), today=TODAY)
    assert "尚未确定为重点培养对象" in _refused(refused, "start", "TAL-LEADER")
    leader_assign(actor=None, key=key, leader=tw.m1, start=D(2026, 1, 5), today=TODAY)
    with pytest.raises(ValidationError) as refused:
        leader_assign(actor=None, key=key, leader=tw.m1, start=D(2026, 2, 5), today=TODAY)
    assert "已在联系" in _refused(refused, "leader", "TAL-LEADER")
    assert LeaderLink.objects.count() == 1


def test_several_leaders_at_once_are_all_or_none(tw, key):
    with pytest.raises(ValidationError):
        leaders_assign(actor=None, key=key, leaders=[tw.m1, tw.p2], start=D(2026, 1, 6), today=TODAY)
    assert not LeaderLink.objects.exists()
    with pytest.raises(ValidationError) as refused:
        leaders_assign(actor=None, key=key, leaders=[], start=D(2026, 1, 6), today=TODAY)
    _refused(refused, "leader")


def test_a_member_who_became_full_after_the_start_is_refused(tw, key):
    tw.m1.full_since = D(2026, 3, 1)
    tw.m1.save(update_fields=["full_since"])
    with pytest.raises(ValidationError):
        leader_assign(actor=None, key=key, leader=tw.m1, start=D(2026, 2, 1), today=TODAY)
    assert leader_assign(actor=None, key=key, leader=tw.m1, start=D(2026, 3, 1), today=TODAY).start == D(
        2026, 3, 1
    )


# TAL-CONTACT


def test_a_contact_within_the_link_is_recorded_and_outside_it_refused(tw, key):
    link = leader_assign(actor=None, key=key, leader=tw.m1, start=D(2026, 2, 1), today=TODAY)
    for day, field in ((D(2026, 1, 31), "date"), (D(2026, 6, 1), "date")):
        with pytest.raises(ValidationError) as refused:
            contact_record(actor=None, link=link, date=day, way="visit", today=TODAY)
        _refused(refused, field, "TAL-CONTACT")
    contact = contact_record(
        actor=tw.users["sec1"], link=link, date=D(2026, 2, 1), way="visit", note="谈心", today=TODAY
    )
    assert contact.recorded_by == tw.users["sec1"]
    leader_release(actor=None, link=link, end=D(2026, 3, 1), today=TODAY)
    with pytest.raises(ValidationError) as refused:
        contact_record(actor=None, link=link, date=D(2026, 3, 2), way="phone", today=TODAY)
    assert "至 2026-03-01" in _refused(refused, "date", "TAL-CONTACT")
    assert Contact.objects.count() == 1
    event = AuditEvent.objects.get(action="talents.contact")
    assert "谈心" not in str(event.data)  # the trail holds who and when, never what was said


def test_a_contact_by_another_township_is_refused(tw, key):
    link = leader_assign(actor=None, key=key, leader=tw.m1, start=D(2026, 2, 1), today=TODAY)
    with pytest.raises(PermissionDenied):
        contact_record(
            actor=tw.users["yx_organizer"], link=link, date=D(2026, 2, 2), way="visit", today=TODAY
        )
    assert not Contact.objects.exists()


# TAL-COVER (the pure reading: the quarter is the three calendar months up to the day, both ends in)


def test_the_quarter_runs_from_the_same_day_three_months_before_clamped_to_the_months_end():
    assert quarter_start(D(2026, 5, 31)) == D(2026, 2, 28)
    assert quarter_start(D(2026, 12, 3)) == D(2026, 9, 3)
    links = [LinkDates(D(2026, 1, 1), None)]
    assert covered(links, [D(2026, 2, 28)], D(2026, 5, 31)) == (True, True)
    assert covered(links, [D(2026, 2, 27)], D(2026, 5, 31)) == (True, False)
    assert covered(links, [D(2026, 6, 1)], D(2026, 5, 31)) == (True, False)  # a later contact is not yet
    assert covered([LinkDates(D(2026, 1, 1), D(2026, 5, 30))], [D(2026, 5, 1)], D(2026, 5, 31)) == (
        False,
        True,
    )
    assert covered([LinkDates(D(2026, 1, 1), D(2026, 5, 31))], [D(2026, 5, 1)], D(2026, 5, 31)) == (
        True,
        True,
    )


def test_a_refusal_names_the_rule_in_chinese_with_its_id_small_and_escapes_what_users_typed():
    text = refusal(ERR_LEADER_NOT_FULL, name="<b>王五</b>", cite=cite("TAL-LEADER"))
    assert "&lt;b&gt;王五&lt;/b&gt; 不是正式党员" in text
    assert "（“党员领导干部“一对一”“多对一”联系”，《2018年发展党员指导性计划》通知 五" in text
    assert text.endswith('<small class="muted rule-id">TAL-LEADER</small>）。')
    assert bare_codes(text) == []
