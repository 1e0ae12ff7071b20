"""The key-talent page and the plan page's panel: scope, the forms through the services, coverage shown."""

import datetime

import pytest
from django.utils import timezone

from fazhan.auditlog.models import AuditEvent
from fazhan.plans.services import plan_allocate
from fazhan.talents.models import Contact, KeyPerson, KeyUnit, LeaderLink, TalentPlan
from fazhan.talents.services import contact_record, key_person_mark, key_unit_mark, leader_assign
from tests.userfacing import bare_codes


@pytest.fixture
def today():
    return timezone.localdate()


def _page(code: str, year: int) -> str:
    return f"/talents/{code}/{year}/"


def test_the_menu_leads_a_township_to_its_page_and_a_branch_sees_only_its_own(tw, client_for, today):
    client = client_for("lh_organizer")
    assert client.get("/talents/").url == _page("SZQ-LH", today.year)
    assert "重点人才" in client.get(_page("SZQ-LH", today.year)).content.decode()
    assert client_for("sec1").get(_page("SZQ-LH", today.year)).status_code == 404
    assert client_for("sec1").get(_page("SZQ-LH-01", today.year)).status_code == 200
    assert client_for("yx_organizer").get(_page("SZQ-LH", today.year)).status_code == 404
    assert client_for("lh_organizer").get(_page("SZQ-LH", 1999)).status_code == 404


def test_marking_assigning_and_recording_a_contact_through_the_page(tw, client_for, today):
    client, page = client_for("lh_organizer"), _page("SZQ-LH", today.year)
    response = client.post(
        page + "persons/", {"person": "P0002", "category": "entrepreneur", "since": today.isoformat()}
    )
    assert response.status_code == 302
    key = KeyPerson.objects.get()
    response = client.post(page + "assign/", {"key": key.pk, "d_leaders": ["M0001", "M0950"], "start": today})
    assert response.status_code == 302
    assert sorted(LeaderLink.objects.values_list("leader__pid", flat=True)) == ["M0001", "M0950"]
    link = LeaderLink.objects.get(leader__pid="M0001")
    response = client.post(
        page + "contact/", {"link": link.pk, "date": today, "way": "visit", "note": "走访"}
    )
    assert response.status_code == 302
    assert Contact.objects.get().recorded_by.username == "lh_organizer"
    body = client.get(page).content.decode()
    assert 'id="talent-covered">1<' in body
    assert "李四" in body


def test_a_refused_assignment_shows_the_rule_at_the_field_and_writes_nothing(tw, client_for, today):
    key = key_person_mark(actor=None, person=tw.p2, category="high_skill", since=today)
    client = client_for("lh_organizer")
    response = client.post(
        _page("SZQ-LH", today.year) + "assign/", {"key": key.pk, "d_leaders": ["M0901"], "start": today}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "不是正式党员" in body
    # the rule by its Chinese title, the id only small beside it
    assert "党员领导干部“一对一”“多对一”联系" in body
    assert '<small class="muted rule-id">TAL-LEADER</small>' in body
    assert bare_codes(body) == []
    assert not LeaderLink.objects.exists()


def test_bad_input_is_a_field_message_never_a_500(tw, client_for, today):
    client, page = client_for("lh_organizer"), _page("SZQ-LH", today.year)
    key_person_mark(actor=None, person=tw.p2, category="high_skill", since=today)
    for path, data in [
        ("persons/", {"person": "P9999", "category": "x", "since": "9999-99-99"}),
        ("assign/", {"key": "abc", "d_leaders": ["NOBODY"], "start": ""}),
        (
            "units/",
            {"org": "SZQ", "category": "university", "since": today},
        ),  # 区委 is outside the page's org
        ("plan/", {"org": "SZQ-LH-01", "reserved": "-3"}),
    ]:
        response = client.post(page + path, data)
        assert response.status_code == 200, path
        assert "field-errors" in response.content.decode(), path
    assert not KeyUnit.objects.exists()
    assert not TalentPlan.objects.exists()


def test_a_branch_may_record_a_contact_but_not_mark(tw, client_for, today):
    key = key_person_mark(actor=None, person=tw.p1, category="high_skill", since=today)
    link = leader_assign(actor=None, key=key, leader=tw.m1, start=today)
    client, page = client_for("sec1"), _page("SZQ-LH-01", today.year)
    assert (
        client.post(page + "persons/", {"person": "P0001", "category": "x", "since": today}).status_code
        == 403
    )
    assert client.post(page + "contact/", {"link": link.pk, "date": today, "way": "phone"}).status_code == 302
    assert Contact.objects.count() == 1


def test_the_plan_line_is_entered_on_the_page_and_the_plan_page_shows_coverage(tw, client_for, today):
    plan_allocate(actor=None, org=tw.district, year=today.year, quota=10)
    plan_allocate(actor=None, org=tw.township, year=today.year, quota=6)
    plan_allocate(actor=None, org=tw.branch1, year=today.year, quota=3)
    client = client_for("lh_organizer")
    response = client.post(_page("SZQ-LH", today.year) + "plan/", {"org": "SZQ-LH-01", "reserved": "4"})
    assert "超过" in response.content.decode()
    response = client.post(_page("SZQ-LH", today.year) + "plan/", {"org": "SZQ-LH-01", "reserved": "2"})
    assert response.status_code == 302
    assert TalentPlan.objects.get().reserved == 2
    key = key_person_mark(
        actor=None, person=tw.p1, category="high_skill", since=today - datetime.timedelta(days=5)
    )
    link = leader_assign(actor=None, key=key, leader=tw.m1, start=today - datetime.timedelta(days=5))
    key_person_mark(actor=None, person=tw.p2, category="high_skill", since=today)
    contact_record(actor=None, link=link, date=today, way="visit")
    body = client.get(f"/plans/SZQ-LH-01/{today.year}/").content.decode()
    assert 'id="plan-talent-reserved">2<' in body
    assert 'id="plan-talent-covered">1/1<' in body
    body = client.get(f"/plans/SZQ-LH/{today.year}/").content.decode()
    assert 'id="plan-talent-covered">1/2<' in body
    assert 'data-person="P0002"' in body  # 李四, not covered, listed
    assert AuditEvent.objects.filter(action="talents.plan_set").count() == 1


@pytest.mark.parametrize(
    "tail",
    ["units/", "persons/", "assign/", "contact/", "plan/", "persons/{key}/unmark/", "units/{unit}/unmark/"],
)
def test_an_empty_post_is_no_500_and_changes_nothing(tw, client_for, today, tail):
    plan_allocate(actor=None, org=tw.district, year=today.year, quota=10)
    key = key_person_mark(actor=None, person=tw.p1, category="high_skill", since=today)
    leader_assign(actor=None, key=key, leader=tw.m1, start=today)
    unit = key_unit_mark(actor=None, org=tw.general, category="university", since=today)
    path = _page("SZQ-LH", today.year) + tail.format(key=key.pk, unit=unit.pk)
    response = client_for("lh_organizer").post(path, {})
    assert response.status_code == 200
    assert KeyPerson.objects.get().until is None
    assert KeyUnit.objects.get().until is None
    assert (LeaderLink.objects.count(), Contact.objects.count(), TalentPlan.objects.count()) == (1, 0, 0)


def test_an_unmark_of_a_mark_outside_the_scope_is_404(tw, client_for, today):
    key = key_person_mark(actor=None, person=tw.p_yx, category="high_skill", since=today)
    path = _page("SZQ-LH", today.year) + f"persons/{key.pk}/unmark/"
    assert client_for("lh_organizer").post(path, {"until": today}).status_code == 404
    assert KeyPerson.objects.get().until is None


def test_the_coverage_rule_is_named_in_chinese_with_the_id_only_beside(tw, client_for, today):
    page = client_for("lh_organizer").get(_page("SZQ-LH", today.year)).content.decode()
    assert "联系覆盖（近一个季度）" in page
    assert bare_codes(page) == []
