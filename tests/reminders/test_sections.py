"""The daily digest and `fazhan remind` carry the to-do page's sections below its table too (a key person
not covered, TAL-COVER), in the page's words, read back from a real SMTP server."""

import io

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from fazhan.reminders.selectors import digest_for_user
from fazhan.reminders.services import SENT, reminders_send
from fazhan.talents.services import key_person_mark, leader_assign

ADDRESS = "sec1@luohan.example"


def test_an_uncovered_key_person_is_in_the_digest_the_mail_and_remind_as_the_page_says_it(
    world, smtp, client_for
):
    today = timezone.localdate()
    key = key_person_mark(actor=None, person=world.p1, category="high_skill", since=today)
    user = world.users["sec1"]
    user.email = ADDRESS
    user.save()
    page = client_for("sec1").get(reverse("procedure:todo")).content.decode()
    title, gap = "重点培养对象未落实联系（无联系领导干部或近一个季度无联系）", "未确定联系领导干部"
    assert title in page
    assert gap in page

    digest = digest_for_user(user, today=today)
    [(_group, group_title, rows)] = [g for g in digest.groups if g[0] == "talent_uncovered"]
    assert group_title == title
    [row] = rows
    assert (row.name, row.pid, row.state) == (world.p1.name, "P0001", gap)
    assert row.url.endswith(f"/talents/{world.p1.org.code}/{today.year}/#talent-persons")

    outcomes = reminders_send(today=today)
    assert ("sec1", "email", SENT) in [(o.user.username, o.channel, o.result) for o in outcomes]
    [message] = [m for m in smtp.messages if m["To"] == ADDRESS]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"【{title}】1 项" in text
    assert f"{world.p1.name}（P0001），{world.p1.org.name}，截至 {today.isoformat()}，{gap}" in text
    assert title in html
    assert gap in html

    out = io.StringIO()
    call_command("remind", org=world.township.code, stdout=out)
    printed = out.getvalue()
    assert title in printed
    assert f"{world.p1.name}（P0001）" in printed
    assert gap in printed

    # covered: off the page and out of the digest alike (a contact would follow; a leader changes the gap)
    leader_assign(actor=None, key=key, leader=world.m1, start=today)
    [(_g, _t, rows)] = [g for g in digest_for_user(user, today=today).groups if g[0] == "talent_uncovered"]
    assert rows[0].state == "近一个季度无联系记录"


def test_an_org_under_its_reserve_is_in_the_digest_and_remind_with_the_pages_words(world, client_for):
    from fazhan.plans.services import reserve_set

    today = timezone.localdate()
    reserve_set(actor=None, org=world.district, year=today.year, applicants=4, activists=2, targets=0)
    reserve_set(actor=None, org=world.township, year=today.year, applicants=2, activists=1, targets=0)
    reserve_set(actor=None, org=world.branch1, year=today.year, applicants=0, activists=1, targets=0)
    words = "入党积极分子储备 1 名，现有 0 名"
    assert words in client_for("sec1").get("/todo/").content.decode()
    digest = digest_for_user(world.users["sec1"], today=today)
    [(_g, title, rows)] = [g for g in digest.groups if g[0] == "reserve_below"]
    assert title == "人员储备低于储量计划"
    assert [(r.org, r.state) for r in rows] == [(world.branch1.name, words)]
    assert rows[0].url.endswith(reverse("plans:reserve", args=[world.branch1.code, today.year]))
    out = io.StringIO()
    call_command("remind", org=world.township.code, stdout=out)
    assert "人员储备低于储量计划" in out.getvalue()
