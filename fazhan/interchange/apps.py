from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterchangeConfig(AppConfig):
    name = "fazhan.interchange"
    verbose_name = _("数据交换")

    def ready(self) -> None:
        # The job runner knows no kind of work: the interchange hands it the import.
        from fazhan.interchange.jobs import import_job_work
        from fazhan.jobs.models import JobKind
        from fazhan.jobs.runner import work_register

        work_register(JobKind.IMPORT, import_job_work)
