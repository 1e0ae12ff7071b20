"""The job runner knows no kind of work: the apps that own it hand it their functions (jobs.runner.WORK)."""

import pytest

from fazhan.inspection.jobs import inspection_job_work, report_job_work
from fazhan.interchange.jobs import import_job_work
from fazhan.jobs.models import JobKind
from fazhan.jobs.runner import WORK, work_register


def test_every_kind_has_the_work_its_app_registered():
    registered = dict(WORK)
    assert registered == {
        JobKind.INSPECTION: inspection_job_work,
        JobKind.REPORT: report_job_work,
        JobKind.IMPORT: import_job_work,
    }


def test_an_unknown_kind_or_a_second_work_for_a_kind_is_refused():
    with pytest.raises(ValueError, match="no job kind"):
        work_register("demo.build", import_job_work)
    with pytest.raises(LookupError, match="has its work already"):
        work_register(JobKind.INSPECTION, import_job_work)
    assert WORK[JobKind.INSPECTION] is inspection_job_work
