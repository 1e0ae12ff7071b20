from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from fazhan.core.excel import xlsx_response
from fazhan.core.forms import form_to_service
from fazhan.desk.todo import (
    KINDS,
    findings_assigned,
    reserves_below,
    selfchecks_due,
    submissions_waiting,
    talents_uncovered,
    todo_items,
    todo_rows,
)
from fazhan.notices.selectors import notice_period_for_step
from fazhan.prereview.selectors import form_issued_to
from fazhan.procedure.definition import RULES_BY_ID, STEPS_BY_CODE
from fazhan.procedure.forms import CorrectionForm, StepForm
from fazhan.procedure.models import StepRecord
from fazhan.procedure.selectors import case_facts, case_get_for_user
from fazhan.procedure.services import case_record_step, step_correct
from fazhan.procedure.timeline import steps_recordable


def _done(request, case):
    url = reverse("people:detail", args=[case.person.pid]) + "#timeline"
    if request.htmx:  # entered on the person page itself: reload it (a redirect to its own #hash would not)
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return redirect(url)


def _initial_details(case, code: str) -> dict:
    """Today's date, the numbered form the district issued to the person where the step names one, and the
    period of the public notice (公示) that passed them where the step carries one."""
    initial: dict = {"date": timezone.localdate()}
    issued = form_issued_to(case.person)
    for key, detail in STEPS_BY_CODE[code].details.items():
        if detail.kind == "form" and issued is not None:
            initial[f"d_{key}"] = issued.number
    details = STEPS_BY_CODE[code].details
    if "publicity_from" in details and (period := notice_period_for_step(case, code)) is not None:
        initial["d_publicity_from"], initial["d_publicity_to"] = period
    return initial


def case_step(request, case_id: int):
    """GET: the entry form of one of the steps this user may record now (an htmx partial); POST: record it
    through the service, which refuses what the rules forbid (a closed case among them) on the form."""
    case = case_get_for_user(request.user, case_id)
    code = request.POST.get("step") or request.GET.get("step") or ""
    if request.method == "POST":
        if code not in STEPS_BY_CODE:
            raise Http404
    elif code not in {s.code for s in steps_recordable(request.user, case, case_facts(case))}:
        raise Http404
    form = StepForm(request.POST or None, step=code, initial=_initial_details(case, code), person=case.person)
    recorded = form_to_service(
        form,
        lambda data: case_record_step(
            actor=request.user, case=case, step=code, date=data["date"], details=form.details()
        ),
        field_for=form.service_field,
    )
    if recorded:
        return _done(request, case)
    return render(
        request, "procedure/_step_form.html", {"form": form, "case": case, "step": STEPS_BY_CODE[code]}
    )


def step_correct_view(request, record_id: int):
    record = get_object_or_404(StepRecord.objects.select_related("case"), pk=record_id)
    case = case_get_for_user(request.user, record.case_id)
    form = CorrectionForm.for_record(record, request.POST or None)
    if form_to_service(
        form,
        lambda _data: step_correct(actor=request.user, record=record, **form.correction()),
        field_for=form.service_field,
    ):
        return _done(request, case)
    return render(
        request,
        "procedure/correct.html",
        {"form": form, "record": record, "case": case, "step": STEPS_BY_CODE[record.step]},
    )


TODO_PAGE = 50
TODO_HEADERS = ("到期日", "事项", "姓名", "人员编号", "所在党组织", "状态")


def _todo_rows(items):
    for i in items:
        yield (i.due, str(i.label), i.case.person.name, i.case.person.pid, i.case.person.org.name, i.state)


def todo(request):
    """The to-do list of the user's subtree, soonest first; ?format=xlsx downloads it."""
    today = timezone.localdate()
    rows = todo_rows(request.user, today=today)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            filename=f"待办事项-{today.isoformat()}.xlsx",
            title="待办事项",
            headers=TODO_HEADERS,
            rows=_todo_rows(todo_items(rows, today=today)),
        )
    # a district's list is long: a page at a time, the count over all of it
    page = Paginator(rows, TODO_PAGE).get_page(request.GET.get("page"))
    assigned = [(f, RULES_BY_ID[f.rule].title) for f in findings_assigned(request.user)]
    context = {
        "items": todo_items(list(page), today=today),
        "count": len(rows),
        "page": page,
        "today": today,
        "assigned": assigned,
        "reserves_below": reserves_below(request.user, today=today),
        "reserve_label": KINDS["reserve_below"],
        "submissions": submissions_waiting(request.user),
        "submission_label": KINDS["applicant_submission"],
        "selfchecks_due": selfchecks_due(request.user, today=today),
        "selfcheck_label": KINDS["selfcheck_due"],
        "talents_uncovered": talents_uncovered(request.user, today=today),
        "talent_label": KINDS["talent_uncovered"],
    }
    return render(request, "procedure/todo.html", context)
