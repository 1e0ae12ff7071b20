"""The import of an uploaded file as a background job (jobs.runner): the confirm page starts it, a thread of
the web process reads the stored upload again and imports it whole or not at all."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.interchange.models import ImportUpload
from fazhan.interchange.selectors import upload_sources, user_import_paths
from fazhan.interchange.services import interchange_import
from fazhan.interchange.uploads import upload_content_delete
from fazhan.jobs.models import Job, JobKind
from fazhan.jobs.runner import JobFailed, Outcome, Report
from fazhan.jobs.services import job_start
from fazhan.organizations.models import Org

ERR_IMPORTED = "该文件已经导入过，或已被删除；没有再次导入。"
ERR_PROBLEMS = "文件有 %(n)d 处问题，没有导入任何记录：%(first)s。上传的文件已删除，修改后请重新上传。"
PROBLEMS_SHOWN = 5


def import_start(*, actor, upload: ImportUpload) -> Job:
    """Queue the import of `upload` (the caller checked the user may import it) over the user's first
    import subtree, where the job is listed."""
    org = Org.objects.get(path=user_import_paths(actor)[0])
    return job_start(
        actor=actor,
        kind=JobKind.IMPORT,
        org=org,
        title=_("导入 %(file)s") % {"file": upload.filename},
        params={"upload": upload.pk, "file": upload.filename},
    )


def import_job_work(job: Job, report: Report) -> Outcome:
    upload = ImportUpload.objects.filter(
        pk=job.params["upload"], imported_at__isnull=True, content_deleted_at__isnull=True
    ).first()
    if upload is None:
        raise JobFailed(_(ERR_IMPORTED), url=reverse("interchange:home"))
    try:
        return _import(job, upload, report)
    finally:
        # Written or failed, the import has ended: the file with its ID numbers is not kept (uploads.py).
        upload_content_delete(actor=job.started_by, upload=upload)


def _import(job: Job, upload: ImportUpload, report: Report) -> Outcome:
    report(_("正在读取 %(file)s…") % {"file": upload.filename})
    parsed = upload_sources(upload)

    def imported(_result) -> None:  # in the import's own write transaction: the upload is used exactly then
        upload.imported_at = timezone.now()
        upload.save(update_fields=["imported_at"])

    result = interchange_import(
        actor=job.started_by,
        sources=parsed.sources,
        problems=parsed.problems,
        notes=parsed.notes,
        scope=user_import_paths(job.started_by),
        filename=upload.filename,
        progress=report,
        then=imported,
    )
    if not result.ok:
        first = "；".join(str(p) for p in result.problems[:PROBLEMS_SHOWN])
        more = "…" if len(result.problems) > PROBLEMS_SHOWN else ""
        raise JobFailed(
            _(ERR_PROBLEMS) % {"n": len(result.problems), "first": first + more},
            url=reverse("interchange:home"),
        )
    return Outcome(
        _("已导入 %(file)s：新增或修改 %(n)d 条记录。") % {"file": upload.filename, "n": result.changed},
        url=reverse("interchange:home"),
    )
