"""`fazhan talents`: list, mark, assign, contact, plan and coverage from the console, refused as the pages
refuse, done as a named user."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from fazhan.auditlog.models import AuditEvent
from fazhan.plans.services import plan_allocate
from fazhan.talents.models import Contact, KeyPerson, KeyUnit, LeaderLink


def _run(*args) -> str:
    out = StringIO()
    call_command("talents", *args, stdout=out)
    return out.getvalue()


def test_the_console_marks_assigns_records_and_reports_coverage(tw):
    today = timezone.localdate()
    _run("mark", "--pid", "P0001", "--category", "high_skill", "--user", "lh_organizer")
    _run("mark", "--pid", "P0002", "--category", "entrepreneur", "--user", "lh_organizer")
    _run("mark", "--org", "SZQ-LH-03", "--category", "university", "--user", "lh_organizer")
    _run("assign", "--pid", "P0001", "--leader", "M0001", "--user", "lh_organizer")
    out = _run("contact", "--pid", "P0001", "--leader", "M0001", "--way", "visit", "--user", "sec1")
    assert "走访面谈" in out
    listed = _run("list", "--org", "SZQ-LH")
    assert "重点单位 SZQ-LH-03" in listed
    assert "P0001 张三 高技能人才" in listed
    assert "高建国（M0001）" in listed
    coverage = _run("coverage", "--org", "SZQ-LH")
    assert "SZQ-LH         重点培养对象 2 已覆盖 1 未覆盖 1" in coverage
    assert "未覆盖 P0002 李四 SZQ-LH-02 未确定联系领导干部" in coverage
    assert (KeyPerson.objects.count(), KeyUnit.objects.count(), LeaderLink.objects.count()) == (2, 1, 1)
    assert Contact.objects.get().recorded_by.username == "sec1"
    assert Contact.objects.get().date == today
    assert AuditEvent.objects.filter(action__startswith="talents.").count() == 5
    _run("unmark", "--pid", "P0002", "--user", "lh_organizer")
    assert "重点培养对象 1 已覆盖 1 未覆盖 0" in _run("coverage", "--org", "SZQ-LH")


def test_the_console_refuses_as_the_services_do(tw):
    _run("mark", "--pid", "P0001", "--category", "high_skill", "--user", "lh_organizer")
    with pytest.raises(
        CommandError, match=r"不是正式党员.*“党员领导干部“一对一”“多对一”联系”.* TAL-LEADER）"
    ) as refused:
        _run("assign", "--pid", "P0001", "--leader", "P0002", "--user", "lh_organizer")
    assert "<" not in str(refused.value)  # the page's HTML is left out on the console
    with pytest.raises(CommandError, match="--user"):
        _run("mark", "--pid", "P0002", "--category", "high_skill", "--user", "sec1")
    with pytest.raises(CommandError, match="--date"):
        _run(
            "mark",
            "--pid",
            "P0002",
            "--category",
            "high_skill",
            "--date",
            "2026-13-01",
            "--user",
            "lh_organizer",
        )
    with pytest.raises(CommandError, match="TAL-PLAN"):
        _run("plan", "--org", "SZQ-LH", "--year", "2026", "--reserved", "1", "--user", "district")
    plan_allocate(actor=None, org=tw.district, year=2026, quota=3)
    with pytest.raises(CommandError, match="超过"):
        _run("plan", "--org", "SZQ", "--year", "2026", "--reserved", "4", "--user", "district")
    assert "单列计划 3" in _run(
        "plan", "--org", "SZQ", "--year", "2026", "--reserved", "3", "--user", "district"
    )
    assert not LeaderLink.objects.exists()
