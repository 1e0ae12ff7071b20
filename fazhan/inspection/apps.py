from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionConfig(AppConfig):
    name = "fazhan.inspection"
    verbose_name = _("督查与自查")

    def ready(self) -> None:
        # The job runner knows no kind of work: the inspection hands it the functions that run and report.
        from fazhan.inspection.jobs import inspection_job_work, report_job_work
        from fazhan.jobs.models import JobKind
        from fazhan.jobs.runner import work_register

        work_register(JobKind.INSPECTION, inspection_job_work)
        work_register(JobKind.REPORT, report_job_work)
