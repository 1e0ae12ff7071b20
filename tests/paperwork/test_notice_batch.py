"""A batch for every candidate of a notice: the page and the command line."""

import pytest
from django.core.management import call_command

from fazhan.auditlog.models import AuditEvent
from tests.core.conftest import calendar_as_committed  # noqa: F401  (the calendar's copy)
from tests.notices.conftest import activist, publish  # noqa: F401
from tests.paperwork.conftest import pdf_text


@pytest.fixture
def notice(activist):  # noqa: F811
    return publish(activist)


def test_a_notices_candidates_print_as_one_pdf(activist, notice, client_for):  # noqa: F811
    response = client_for("sec1").get(
        "/paperwork/batch/", {"form": "talk_record", "notice": notice.pk, "fmt": "pdf"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "张三" in pdf_text(response.content)
    event = AuditEvent.objects.filter(action="paperwork.printed").get()
    assert event.data["batch"] == f"notice:{notice.pk}"
    assert (
        client_for("yx_organizer")
        .get("/paperwork/batch/", {"form": "talk_record", "notice": notice.pk, "fmt": "pdf"})
        .status_code
        == 404
    )


def test_the_command_prints_a_notices_candidates(activist, notice, tmp_path):  # noqa: F811
    call_command("print", "入党申请人谈话记录", out=str(tmp_path / "n.pdf"), notice=notice.pk)
    assert "张三" in pdf_text((tmp_path / "n.pdf").read_bytes())
