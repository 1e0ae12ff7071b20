import datetime

from fazhan.procedure.definition import CaseStage
from fazhan.procedure.models import StepFinding
from fazhan.training.models import StaffRole
from fazhan.training.services import session_create
from tests.procedure.conftest import walk


def test_the_legal_path_walks_from_application_to_archive_without_a_finding(pw):
    # the legal path's contacts and introducers were trained before the application (TRN-STAFF, 通知六)
    session_create(
        actor=None,
        org=pw.township,
        topic="发展党员工作业务培训",
        date=datetime.date(2020, 1, 10),
        hours=4,
        attendance=[(m.pid, StaffRole.CONTACT) for m in pw.members],
    )
    records = walk(pw)
    pw.case.refresh_from_db()
    assert pw.case.stage == CaseStage.FULL
    assert set(records) == {f"S{n:02d}" for n in range(1, 26)}
    assert list(StepFinding.objects.values_list("rule", "message")) == []
