from fazhan.procedure.definition import CaseStage
from fazhan.procedure.models import StepFinding
from tests.procedure.conftest import walk


def test_the_legal_path_walks_from_application_to_archive_without_a_finding(pw):
    records = walk(pw)
    pw.case.refresh_from_db()
    assert pw.case.stage == CaseStage.FULL
    assert set(records) == {f"S{n:02d}" for n in range(1, 26)}
    assert list(StepFinding.objects.values_list("rule", "message")) == []
