"""`fazhan remind`: prints as it always did; --dry-run shows who would get what and sends nothing; --send
sends once a day, and a failure turns the run's exit red."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from fazhan.reminders.models import ReminderSend
from tests.procedure.conftest import walk
from tests.reminders.conftest import free_port


@pytest.fixture
def approver(pw):
    walk(pw, "S15")
    user = pw.users["lh_approver"]
    user.email = "approver@luohan.example"
    user.save()
    return user


def _remind(**options) -> str:
    out = io.StringIO()
    call_command("remind", stdout=out, **options)
    return out.getvalue()


def test_dry_run_lists_who_would_get_what_and_sends_nothing(approver, smtp):
    text = _remind(dry_run=True)
    assert "lh_approver email 2 项 将发送" in text
    assert "  [逾期] 接收预备党员待镇党委审批 张三（P0001） 逾期" in text
    assert "  [可办理] 审批前镇党委派人谈话 张三（P0001） 已过" in text
    assert f"{timezone.localdate().isoformat()}：将发送 1" in text
    assert smtp.messages == []
    assert not ReminderSend.objects.exists()


def test_send_sends_once_a_day(approver, smtp):
    assert "lh_approver email 2 项 已发送" in _remind(send=True)
    again = _remind(send=True)
    assert "lh_approver email 2 项 今天已发过" in again
    assert len(smtp.messages) == 1
    assert "lh_approver email 2 项 今天已发过" in _remind(dry_run=True)


def test_a_failed_send_is_recorded_and_the_run_fails(approver, smtp, settings):
    settings.EMAIL_PORT = free_port()
    with pytest.raises(CommandError, match="1 条提醒发送失败"):
        _remind(send=True)
    assert ReminderSend.objects.get().status == "failed"


def test_without_send_it_prints_the_day_per_org_as_before(approver, smtp):
    text = _remind(org="SZQ-LH")
    assert "SZQ-LH-01 中共罗汉镇高桥村支部委员会" in text
    assert "接收预备党员待镇党委审批 张三（P0001）" in text
    assert smtp.messages == []


def test_send_takes_no_org(approver):
    with pytest.raises(CommandError, match="--org"):
        _remind(send=True, org="SZQ-LH")
