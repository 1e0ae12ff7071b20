"""The to-do list names a key person with no leader, or no contact in the quarter (TAL-COVER), to the
branch and township that keep them, and drops them once covered."""

from django.urls import reverse
from django.utils import timezone

from fazhan.talents.services import contact_record, key_person_mark, leader_assign


def test_an_uncovered_key_person_is_on_the_to_do_list_until_a_leader_contacts_them(tw, client_for):
    today = timezone.localdate()
    key = key_person_mark(actor=None, person=tw.p1, category="high_skill", since=today)
    row = 'data-kind="talent_uncovered" data-person="P0001"'
    body = client_for("sec1").get(reverse("procedure:todo")).content.decode()
    assert row in body
    assert "未确定联系领导干部" in body
    assert row in client_for("lh_organizer").get(reverse("procedure:todo")).content.decode()
    assert row not in client_for("sec2").get(reverse("procedure:todo")).content.decode()  # 双河村's
    assert row not in client_for("yx_organizer").get(reverse("procedure:todo")).content.decode()
    link = leader_assign(actor=None, key=key, leader=tw.m1, start=today)
    assert "近一个季度无联系记录" in client_for("sec1").get(reverse("procedure:todo")).content.decode()
    contact_record(actor=None, link=link, date=today, way="phone")
    assert row not in client_for("sec1").get(reverse("procedure:todo")).content.decode()
