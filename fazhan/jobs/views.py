from django.http import FileResponse, Http404

from fazhan.auditlog.services import audit_record
from fazhan.core.htmx import render_partial_or_page
from fazhan.jobs.models import JobState
from fazhan.jobs.selectors import job_get_for_user, job_recent_for_user


def job_list(request):
    """The recent jobs the user may follow: their own, and their subtree's when they oversee it."""
    return render_partial_or_page(
        request,
        page="jobs/list.html",
        partial="jobs/_table.html",
        context={"jobs": job_recent_for_user(request.user)},
    )


def job_detail(request, job_id: int):
    """A job's progress; the page polls its status part every second until the job ends."""
    job = job_get_for_user(request.user, job_id)
    return render_partial_or_page(
        request, page="jobs/detail.html", partial="jobs/_status.html", context={"job": job}
    )


def job_download(request, job_id: int):
    """The document a finished job made, to whoever may follow the job; each download is in the trail."""
    job = job_get_for_user(request.user, job_id)
    name = job.output.name
    if job.state != JobState.DONE or not name or not job.output.storage.exists(name):
        raise Http404
    audit_record(
        actor=request.user, action="job.download", target=job, org=job.org, data={"file": job.output_name}
    )
    return FileResponse(job.output.open("rb"), as_attachment=True, filename=job.output_name)
