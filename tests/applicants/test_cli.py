"""`fazhan applicants issue|list`: the same services as the pages, the same refusals."""

import io

import pytest
from django.core.management import CommandError, call_command

from fazhan.applicants.models import InviteCode
from fazhan.applicants.services import submission_submit
from tests.applicants.conftest import TEXT, png, register


def run(*args) -> str:
    out = io.StringIO()
    call_command("applicants", *args, stdout=out)
    return out.getvalue()


def test_the_console_issues_a_code_that_registers(world):
    out = run("issue", "--org", "SZQ-LH-01", "--user", "org1")
    code = out.split()[1]
    assert "中共罗汉镇高桥村支部委员会" in out
    assert "有效期至 2026年12月17日" in out
    assert f"/gs/apply/c/{code.replace('-', '')}/" in out
    submission_submit(applicant=register(code), text=TEXT, photo=png())
    listed = run("list", "--org", "SZQ-LH", "--state", "submitted")
    assert "钱七" in listed
    assert "5110**********" in listed
    assert "1 份网上入党申请" in listed
    assert "0 份" in run("list", "--org", "SZQ-YX")


def test_the_console_refuses_what_the_pages_refuse(world):
    with pytest.raises(CommandError, match="只有本支部书记、组织委员"):
        run("issue", "--org", "SZQ-LH-01", "--user", "sec2")
    with pytest.raises(CommandError, match="不是党支部"):
        run("issue", "--org", "SZQ-LH", "--user", "lh_organizer")
    with pytest.raises(CommandError, match="no org"):
        run("issue", "--org", "NOPE", "--user", "sec1")
    assert not InviteCode.objects.exists()
