from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from fazhan.auditlog.services import audit_record
from fazhan.core.dates import date_cn
from fazhan.core.forms import form_to_service
from fazhan.organizations.models import Org
from fazhan.selfcheck.checks import CHK_REPORT
from fazhan.selfcheck.forms import HandInForm, PrepareForm, ReturnForm, TaskForm
from fazhan.selfcheck.models import AssignmentStatus
from fazhan.selfcheck.selectors import (
    assignment_get_for_user,
    assignment_list_for_user,
    submission_get_for_user,
    task_board,
    task_districts_for_user,
    task_get_for_user,
    task_list_for_user,
)
from fazhan.selfcheck.services import (
    assignment_actions,
    assignment_hand_in,
    assignment_prepare,
    assignment_return,
    selfcheck_task_create,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _shown(call):
    """A refused role is said on the form, as any other refusal, rather than a 403 page."""

    def shown(data):
        try:
            return call(data)
        except PermissionDenied as exc:
            raise ValidationError({NON_FIELD_ERRORS: str(exc)}) from exc

    return shown


def index(request):
    """The district's tasks and the form that sets one; a township's own parts of the tasks."""
    districts = task_districts_for_user(request.user)
    form = TaskForm((request.POST or None) if districts else None, districts=districts)

    def create(data):
        district = Org.objects.get(code=data["district"])
        return selfcheck_task_create(
            actor=request.user,
            district=district,
            title=data["title"],
            period_from=data["period_from"],
            period_to=data["period_to"],
            due_on=data["due_on"],
        )

    task = form_to_service(form, _shown(create))
    if task:
        messages.success(request, _("自查任务已布置到各乡镇党委。"))
        return redirect("selfcheck:task", task.pk)
    context = {
        "form": form if districts else None,
        "tasks": task_list_for_user(request.user)[:50],
        # a township's own parts (a district reads its townships' on each task's page)
        "parts": assignment_list_for_user(request.user)
        .exclude(task__in=task_list_for_user(request.user))
        .order_by("-task__due_on", "township__path")[:100],
    }
    return render(request, "selfcheck/index.html", context, status=400 if form.errors else 200)


def task_page(request, task_id: int):
    """Who has handed in: per township its state, date, by whom, on time or late; the counts on top."""
    task = task_get_for_user(request.user, task_id)
    board = task_board(task, today=timezone.localdate())
    return render(request, "selfcheck/task.html", {"board": board, "task": task, "check": CHK_REPORT})


def assignment_page(request, assignment_id: int):
    """A township's part: prepare the report (run and texts), hand it in, and, for the district, return it.
    The service refuses whatever move is not allowed, whoever posts it: a refusal is shown on its form."""
    part = assignment_get_for_user(request.user, assignment_id)
    action = request.POST.get("action", "")
    prepare = PrepareForm(
        request.POST if action == "prepare" else None,
        initial={"summary": part.summary, "rectification": part.rectification},
    )
    hand_in = HandInForm(request.POST if action == "hand_in" else None)
    back = ReturnForm(request.POST if action == "return" else None)
    calls = {
        "prepare": (prepare, lambda d: assignment_prepare(actor=request.user, assignment=part, **d)),
        "hand_in": (hand_in, lambda _d: assignment_hand_in(actor=request.user, assignment=part)),
        "return": (
            back,
            lambda d: assignment_return(actor=request.user, assignment=part, reason=d["reason"]),
        ),
    }
    if action in calls:
        form, call = calls[action]
        if form_to_service(form, _shown(call)):
            messages.success(request, _("已保存。"))
            return redirect("selfcheck:assignment", part.pk)
    allowed = set(assignment_actions(request.user, part)) | ({action} if action in calls else set())
    part.refresh_from_db()
    context = {
        "part": part,
        "task": part.task,
        "status_label": AssignmentStatus(part.status).label,
        "due_text": date_cn(part.task.due_on),
        "period_text": f"{date_cn(part.task.period_from)}至{date_cn(part.task.period_to)}",
        "submissions": part.submissions.defer("content").select_related("handed_in_by", "returned_by"),
        "prepare": prepare if "prepare" in allowed else None,
        "hand_in": hand_in if "hand_in" in allowed else None,
        "back": back if "return" in allowed else None,
    }
    failed = any(f.errors for f in (prepare, hand_in, back))
    return render(request, "selfcheck/assignment.html", context, status=400 if failed else 200)


def submission_download(request, submission_id: int):
    """A report as handed in, the frozen file; the report names people: each reading is in the trail."""
    submission = submission_get_for_user(request.user, submission_id)
    audit_record(
        actor=request.user,
        action="selfcheck.report_read",
        org=submission.assignment.township,
        data={"submission": submission.pk, "sha256": submission.sha256},
    )
    response = HttpResponse(bytes(submission.content), content_type=DOCX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=submission.filename
    )
    return response
