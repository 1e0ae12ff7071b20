from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from fazhan.accounts.selectors import user_assignments, user_roles_at
from fazhan.auditlog.services import audit_record
from fazhan.core.excel import XLSX, Table, xlsx_response
from fazhan.core.forms import form_to_service
from fazhan.organizations.models import Org
from fazhan.organizations.selectors import org_list_for_user
from fazhan.plans.forms import CycleForm, PlanAllocateForm, ReserveForm, TakeInForm
from fazhan.plans.models import CycleStep
from fazhan.plans.selectors import (
    PLAN_READERS,
    PlanReport,
    cycle_rows,
    plan_org_for_user,
    plan_report,
    reserve_candidates,
    reserve_entry_get,
    reserve_report,
)
from fazhan.plans.services import (
    cycle_may_act,
    cycle_months,
    cycle_record,
    plan_allocate,
    plan_may_allocate,
    reserve_may_take_in,
    reserve_set,
    reserve_take_in,
    reserve_take_out,
)
from fazhan.plans.stats import stats_build, stats_xlsx
from fazhan.procedure.models import Case

MIN_YEAR, MAX_YEAR = 2000, 2100


def _year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404
    return year


def plan_index(request):
    """The plan of the user's highest org that keeps one, for this year."""
    tops = [a.org for a in user_assignments(request.user) if a.role in PLAN_READERS]
    if not tops:
        raise PermissionDenied
    top = min(tops, key=lambda o: o.depth)
    return redirect("plans:page", code=top.code, year=timezone.localdate().year)


def _report(request, code: str, year: int) -> PlanReport:
    org = plan_org_for_user(request.user, code)
    return plan_report(org, _year(year), today=timezone.localdate())


def _allocatable(user, report: PlanReport) -> list[Org]:
    return [o for o in [report.org, *(r.org for r in report.children)] if plan_may_allocate(user, o)]


XLSX_HEADERS = ("党组织", "计划数", "已发展", "剩余", "入党申请人", "入党积极分子", "发展对象", "6:3:1")


def _xlsx_tables(report: PlanReport) -> list[Table]:
    """The plan report as three tables, one sheet each: the orgs, the focus groups, the villages."""
    orgs = [
        (
            row.org.name,
            row.quota,
            row.admitted,
            row.left,
            row.applicants,
            row.activists,
            row.targets,
            "达到" if row.ratio_ok else "未达到",
        )
        for row in [report.total, *report.children]
    ]
    year, name = report.year, report.org.name
    return [
        Table(f"{name}{year}年度发展计划执行情况", XLSX_HEADERS, orgs, sheet="发展计划"),
        Table(
            f"{name}{year}年度重点群体发展情况",
            ("重点群体", "目标", "实际"),
            [(str(g.label), g.target, g.actual) for g in report.groups],
            sheet="重点群体",
        ),
        Table(
            f"{name}{year}年度村党支部入党积极分子",
            ("村党支部", "入党积极分子"),
            [(village.name, n) for village, n in report.villages],
            sheet="村党支部",
        ),
    ]


def _take_in_cases(user, report: PlanReport) -> list[Case]:
    return [c for c in reserve_candidates(report.org, report.year) if reserve_may_take_in(user, c.person.org)]


def _cycle_orgs(user, report: PlanReport) -> list[Org]:
    return [
        o
        for o in [report.org, *(r.org for r in report.children)]
        if any(cycle_may_act(user, o, step) for step in CycleStep.values)
    ]


def _render(request, report: PlanReport, form: PlanAllocateForm | None = None, **forms):
    orgs = _allocatable(request.user, report)
    if form is None and orgs:
        initial = {"org": orgs[0].code}
        form = PlanAllocateForm(orgs=orgs, initial=initial)
    today = timezone.localdate()
    if "reserve_form" not in forms and orgs:
        forms["reserve_form"] = ReserveForm(orgs=orgs, initial={"org": orgs[0].code, "young_farmers": 0})
    if "take_in_form" not in forms:
        cases = _take_in_cases(request.user, report)
        if cases:
            forms["take_in_form"] = TakeInForm(cases=cases, initial={"date": today})
    cycle_orgs = _cycle_orgs(request.user, report)
    if "cycle_form" not in forms and cycle_orgs:
        forms["cycle_form"] = CycleForm(orgs=cycle_orgs, initial={"org": cycle_orgs[0].code, "date": today})
    months = cycle_months()
    return render(
        request,
        "plans/plan.html",
        {
            "report": report,
            "form": form,
            "years": range(report.year - 2, report.year + 2),
            "reserve": reserve_report(report.org, report.year, today=today),
            "cycle": cycle_rows(report.org, report.year),
            "request_month": months[CycleStep.REQUEST],
            "guide_month": months[CycleStep.GUIDE],
            "may_take_out": reserve_may_take_in(request.user, report.org),
            **forms,
        },
    )


def plan_page(request, code: str, year: int):
    """One org's plan for a year; ?format=xlsx downloads the same report."""
    report = _report(request, code, year)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            filename=f"{report.org.name}{report.year}年度发展计划.xlsx", tables=_xlsx_tables(report)
        )
    return _render(request, report)


def plan_data(request, code: str, year: int):
    return JsonResponse(_report(request, code, year).as_json(), json_dumps_params={"ensure_ascii": False})


@require_POST
def plan_allocate_view(request, code: str, year: int):
    report = _report(request, code, year)
    orgs = _allocatable(request.user, report)
    if not orgs:
        raise PermissionDenied
    form = PlanAllocateForm(request.POST, orgs=orgs)
    allocated = form_to_service(
        form,
        lambda data: plan_allocate(
            actor=request.user,
            org=next(o for o in orgs if o.code == data["org"]),
            year=report.year,
            quota=data["quota"],
            groups=form.groups(),
        ),
    )
    if allocated:
        return redirect("plans:page", code=report.org.code, year=report.year)
    return _render(request, report, form)


@require_POST
def reserve_set_view(request, code: str, year: int):
    report = _report(request, code, year)
    orgs = _allocatable(request.user, report)
    if not orgs:
        raise PermissionDenied
    form = ReserveForm(request.POST, orgs=orgs)
    saved = form_to_service(
        form,
        lambda data: reserve_set(
            actor=request.user,
            org=next(o for o in orgs if o.code == data["org"]),
            year=report.year,
            applicants=data["applicants"],
            activists=data["activists"],
            targets=data["targets"],
            young_farmers=data["young_farmers"] or 0,
        ),
    )
    if saved:
        return redirect(reverse("plans:page", args=[report.org.code, report.year]) + "#reserve")
    return _render(request, report, reserve_form=form)


@require_POST
def reserve_take_in_view(request, code: str, year: int):
    report = _report(request, code, year)
    cases = _take_in_cases(request.user, report)
    if not cases:
        raise PermissionDenied
    form = TakeInForm(request.POST, cases=cases)
    taken = form_to_service(
        form,
        lambda data: reserve_take_in(
            actor=request.user,
            case=next(c for c in cases if str(c.pk) == data["case"]),
            year=report.year,
            date=data["date"],
        ),
    )
    if taken:
        return redirect(reverse("plans:page", args=[report.org.code, report.year]) + "#reserve-entries")
    return _render(request, report, take_in_form=form)


@require_POST
def reserve_take_out_view(request, code: str, year: int, pk: int):
    report = _report(request, code, year)
    entry = reserve_entry_get(report.org, report.year, pk)
    if entry is None:
        raise Http404
    reserve_take_out(actor=request.user, entry=entry)
    return redirect(reverse("plans:page", args=[report.org.code, report.year]) + "#reserve-entries")


@require_POST
def cycle_record_view(request, code: str, year: int):
    report = _report(request, code, year)
    orgs = _cycle_orgs(request.user, report)
    if not orgs:
        raise PermissionDenied
    form = CycleForm(request.POST, orgs=orgs)
    recorded = form_to_service(
        form,
        lambda data: cycle_record(
            actor=request.user,
            org=next(o for o in orgs if o.code == data["org"]),
            year=report.year,
            step=data["step"],
            date=data["date"],
            number=data["number"],
            note=data["note"],
        ),
    )
    if recorded:
        return redirect(reverse("plans:page", args=[report.org.code, report.year]) + "#cycle")
    return _render(request, report, cycle_form=form)


def stats_page(request):
    """The 党内统计 tables of an org and year in the user's subtree (?org=CODE&year=YYYY), with pickers;
    &format=xlsx downloads the workbook."""
    orgs = [
        o
        for o in org_list_for_user(request.user).order_by("path")
        if user_roles_at(request.user, o) & PLAN_READERS
    ]
    if not orgs:
        raise PermissionDenied
    code = request.GET.get("org") or orgs[0].code
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    org = plan_org_for_user(request.user, code)
    stats = stats_build(org, _year(year), today=timezone.localdate())
    if request.GET.get("format") == "xlsx":
        audit_record(
            actor=request.user, action="plans.stats_download", org=org, data={"org": org.code, "year": year}
        )
        response = HttpResponse(stats_xlsx(stats), content_type=XLSX)
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=stats.filename
        )
        return response
    this_year = timezone.localdate().year
    context = {"stats": stats, "orgs": orgs, "years": range(this_year, MIN_YEAR + 14, -1)}
    return render(request, "plans/stats.html", context)
