from fazhan.core.htmx import render_partial_or_page
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
