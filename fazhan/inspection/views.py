import datetime
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from fazhan.accounts.models import User
from fazhan.auditlog.services import audit_record
from fazhan.core.forms import form_to_service
from fazhan.inspection.evidence import Names
from fazhan.inspection.forms import AssignForm, ExplainForm, ReportForm, ReportTextForm, RunForm, VerifyForm
from fazhan.inspection.jobs import inspection_run_start, report_start
from fazhan.inspection.models import Finding, FindingStatus
from fazhan.inspection.report import REPORT_SINCE, report_build, report_file, report_html
from fazhan.inspection.selectors import (
    ancestor_paths,
    finding_get_for_user,
    findings_by_org,
    findings_by_rule,
    run_findings,
    run_get_for_user,
    run_list_for_user,
    run_orgs_for_user,
)
from fazhan.inspection.services import (
    finding_actions,
    finding_assign,
    finding_correct,
    finding_explain,
    finding_record_to_correct,
    finding_verify,
    run_report_text_save,
)
from fazhan.procedure.definition import RULES_BY_ID, SEVERITY_RANK, STEPS_BY_CODE
from fazhan.procedure.editions import citation
from fazhan.procedure.forms import CorrectionForm

FILTERS = ("rule", "severity", "org", "status")
RECTIFY_SERVICES: dict[str, Callable[..., Finding]] = {
    "assign": finding_assign,
    "explain": finding_explain,
    "verify": finding_verify,
}


def _denial_shown(call, *, field: str = NON_FIELD_ERRORS):
    """The inspection services refuse a role with PermissionDenied; these pages say it on the form (at
    `field`, or on top) like any other refusal, rather than answer 403."""

    def shown(data):
        try:
            return call(data)
        except PermissionDenied as exc:
            raise ValidationError({field: str(exc)}) from exc

    return shown


def index(request):
    """The runs in the user's subtree, and a form to start one over an org the user may inspect (on a
    background job, whose page the user is sent to)."""
    orgs = run_orgs_for_user(request.user)
    form = RunForm(request.POST or None, orgs=orgs)
    job = form_to_service(
        form,
        _denial_shown(
            lambda data: inspection_run_start(actor=request.user, org=data["org"], as_of=data["as_of"]),
            field="org",
        ),
    )
    if job:
        return redirect("jobs:detail", job.pk)
    runs = run_list_for_user(request.user)[:50]
    return render(request, "inspection/index.html", {"form": form, "runs": runs, "can_run": orgs.exists()})


def run_detail(request, run_id: int):
    """A run's findings by rule and by org, filtered, and the form that has its self-inspection report made
    (a background job, whose page the user is sent to: a district's PDF takes a while)."""
    run = run_get_for_user(request.user, run_id)
    writing = request.POST.get("action") == "report_text"
    report_form = ReportForm(request.POST if request.POST and not writing else None)
    job = form_to_service(
        report_form,
        lambda data: report_start(actor=request.user, run=run, fmt=data["format"], since=data["since"]),
    )
    if job:
        return redirect("jobs:detail", job.pk)
    text_form = ReportTextForm(
        request.POST if writing else None,
        initial={"practice": run.report_practice, "next_steps": run.report_next_steps},
    )
    saved = form_to_service(
        text_form,
        _denial_shown(
            lambda data: run_report_text_save(
                actor=request.user, run=run, practice=data["practice"], next_steps=data["next_steps"]
            )
        ),
    )
    if saved:
        messages.success(request, _("自查报告的主要做法和下一步打算已保存。"))
        return redirect("inspection:run", run.pk)
    filters = {k: request.GET.get(k, "").strip() for k in FILTERS}
    every = run_findings(run, user=request.user)
    shown = run_findings(run, user=request.user, filters=filters)
    page = Paginator(shown, 200).get_page(request.GET.get("page"))
    by_rule = [
        {
            **row,
            "title": RULES_BY_ID[row["rule"]].title,
            "article": citation(RULES_BY_ID[row["rule"]].article, run.as_of),
        }
        for row in findings_by_rule(every)
    ]
    names = Names([f.message for f in page] + [f.evidence for f in page])
    for f in page:  # as users read them: names, not codes (inspection/evidence.py)
        setattr(f, "message_text", names.text(f.message))  # noqa: B010  (read by the template)
        setattr(f, "evidence_rows", names.evidence(f.evidence))  # noqa: B010
    context = {
        "run": run,
        "page": page,
        "filters": filters,
        "by_rule": by_rule,
        "by_org": findings_by_org(every),
        "rules": sorted({row["rule"] for row in by_rule}),
        "severities": sorted(SEVERITY_RANK, key=lambda s: -SEVERITY_RANK[s]),
        "statuses": FindingStatus.choices,
        "query": "&".join(f"{k}={v}" for k, v in filters.items() if v),
        "report_form": report_form,
        "text_form": text_form,
    }
    failed = report_form.errors or text_form.errors
    return render(request, "inspection/run.html", context, status=400 if failed else 200)


def _assignable(finding):
    """Users holding a role on the finding's org or above it."""
    return (
        User.objects.filter(assignments__org__path__in=ancestor_paths(finding.org.path), is_active=True)
        .distinct()
        .order_by("username")
    )


def finding_detail(request, finding_id: int):
    """A finding with its history and the rectification actions this user may take now (the service
    refuses any other, whoever posts it: a refused one is shown on its form)."""
    finding = finding_get_for_user(request.user, finding_id)
    action = request.POST.get("action", "")
    assign = AssignForm(request.POST if action == "assign" else None, users=_assignable(finding))
    explain = ExplainForm(request.POST if action == "explain" else None)
    verify = VerifyForm(request.POST if action == "verify" else None)
    form = {"assign": assign, "explain": explain, "verify": verify}.get(action)
    if form is not None:  # only a POST names an action
        service = RECTIFY_SERVICES[action]
        if form_to_service(
            form, _denial_shown(lambda data: service(actor=request.user, finding=finding, **data))
        ):
            messages.success(request, _("已保存。"))
            return redirect("inspection:finding", finding.pk)
    names = Names([finding.message, finding.evidence])
    offered = set(finding_actions(request.user, finding)) | ({action} if form is not None else set())
    context = {
        "finding": finding,
        "rule": RULES_BY_ID[finding.rule],
        # the article in the edition in force on the step's date (the run's as-of day for an org's finding)
        "citation": citation(
            RULES_BY_ID[finding.rule].article,
            finding.record.date if finding.record is not None else finding.last_run.as_of,
        ),
        "step": STEPS_BY_CODE.get(finding.step),
        "events": finding.events.select_related("actor", "run"),
        "assign": assign if "assign" in offered else None,
        "explain": explain if "explain" in offered else None,
        "verify": verify if "verify" in offered else None,
        "may_correct": "correct" in offered and finding.record_id is not None,
        "open": finding.closed_run_id is None,
        "evidence": names.evidence(finding.evidence),
        "message": names.text(finding.message),
    }
    return render(request, "inspection/finding.html", context)


def finding_correct_view(request, finding_id: int):
    """Correct the record a finding is about: a new record supersedes it, with its reason (never an edit)."""
    finding = finding_get_for_user(request.user, finding_id)
    try:
        record = finding_record_to_correct(finding)
    except ValidationError:
        messages.error(request, _("该问题不针对某条步骤记录，无法更正；请说明情况。"))
        return redirect("inspection:finding", finding.pk)
    form = CorrectionForm.for_record(record, request.POST or None)
    correct = _denial_shown(
        lambda _data: finding_correct(actor=request.user, finding=finding, **form.correction())
    )
    if form_to_service(form, correct, field_for=form.service_field):
        messages.success(request, _("已录入更正记录；下次检查将据此判定问题是否已整改。"))
        return redirect("inspection:finding", finding.pk)
    context = {"form": form, "finding": finding, "record": record, "step": STEPS_BY_CODE[record.step]}
    return render(request, "inspection/correct.html", context)


def run_report(request, run_id: int):
    """The self-inspection report of a run at once, in this request: ?format=pdf (default), docx or html;
    ?since=YYYY-MM-DD. The run page has it made as a background job instead."""
    run = run_get_for_user(request.user, run_id)
    try:
        since = datetime.date.fromisoformat(request.GET.get("since") or REPORT_SINCE.isoformat())
    except ValueError:
        since = REPORT_SINCE
    report = report_build(run, user=request.user, since=since)
    fmt = {"html": "html", "docx": "docx"}.get(request.GET.get("format", ""), "pdf")
    audit_record(  # the report names people: every reading is in the trail, as a job's download is
        actor=request.user,
        action="inspection.report_read",
        org=run.org,
        data={"run": run.pk, "format": fmt, "since": since.isoformat(), "findings": len(report.findings)},
    )
    if fmt == "html":
        return HttpResponse(report_html(report))
    name, content = report_file(report, fmt)
    kind = CONTENT_TYPES[fmt]
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
