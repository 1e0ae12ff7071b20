import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from fazhan.accounts.selectors import user_assignments, user_roles_at
from fazhan.auditlog.services import audit_record
from fazhan.core.dates import date_cn
from fazhan.core.excel import XLSX, Table, xlsx_response
from fazhan.core.forms import form_to_service
from fazhan.organizations.models import Org
from fazhan.organizations.selectors import org_list_for_user
from fazhan.plans.forms import CycleForm, PlanAllocateForm, ReserveForm, TakeInForm
from fazhan.plans.models import CycleStep
from fazhan.plans.selectors import (
    PLAN_READERS,
    RESERVE_READERS,
    PlanReport,
    cycle_rows,
    org_children,
    plan_org_for_user,
    plan_panels,
    plan_report,
    reserve_candidates,
    reserve_entry_get,
    reserve_org_for_user,
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


def reserve_index(request):
    """The reserve page of the user's highest org that keeps one (a branch keeps its own), for next year
    once the requests' month has come, else for this year."""
    tops = [a.org for a in user_assignments(request.user) if a.role in RESERVE_READERS]
    if not tops:
        raise PermissionDenied
    top = min(tops, key=lambda o: o.depth)
    today = timezone.localdate()
    year = today.year + 1 if today.month >= cycle_months()[CycleStep.REQUEST] else today.year
    return redirect("plans:reserve", code=top.code, year=year)


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


def _render(request, report: PlanReport, form: PlanAllocateForm | None = None):
    orgs = _allocatable(request.user, report)
    if form is None and orgs:
        initial = {"org": orgs[0].code}
        form = PlanAllocateForm(orgs=orgs, initial=initial)
    return render(
        request,
        "plans/plan.html",
        {
            "report": report,
            "form": form,
            "years": range(report.year - 2, report.year + 2),
            "panels": plan_panels(report.org, report.year, today=timezone.localdate(), user=request.user),
            **_reserve_tables(report.org, report.year),
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


# The reserve plan's own page (储量计划): its tables are the plan page's too; its forms are here, where a
# branch, which keeps no quota page, enters its cases and its request.


def _reserve_tables(org: Org, year: int) -> dict:
    months = cycle_months()
    return {
        "reserve": reserve_report(org, year, today=timezone.localdate()),
        "cycle": cycle_rows(org, year),
        "request_month": months[CycleStep.REQUEST],
        "guide_month": months[CycleStep.GUIDE],
    }


def _reserve_org(request, code: str, year: int) -> tuple[Org, int, list[Org]]:
    """The org of the reserve page, the year, and the org with those directly below it."""
    org = reserve_org_for_user(request.user, code)
    return org, _year(year), [org, *org_children(org)]


def _take_in_cases(user, org: Org, year: int) -> list[Case]:
    return [c for c in reserve_candidates(org, year) if reserve_may_take_in(user, c.person.org)]


def _cycle_orgs(user, orgs: list[Org]) -> list[Org]:
    return [o for o in orgs if any(cycle_may_act(user, o, step) for step in CycleStep.values)]


def _render_reserve(request, org: Org, year: int, orgs: list[Org], **forms):
    today = timezone.localdate()
    planners = [o for o in orgs if plan_may_allocate(request.user, o)]
    if "reserve_form" not in forms and planners:
        forms["reserve_form"] = ReserveForm(
            orgs=planners, initial={"org": planners[0].code, "young_farmers": 0}
        )
    if "take_in_form" not in forms:
        cases = _take_in_cases(request.user, org, year)
        if cases:
            forms["take_in_form"] = TakeInForm(cases=cases, initial={"date": today})
    cycle_orgs = _cycle_orgs(request.user, orgs)
    if "cycle_form" not in forms and cycle_orgs:
        forms["cycle_form"] = CycleForm(orgs=cycle_orgs, initial={"org": cycle_orgs[0].code, "date": today})
    return render(
        request,
        "plans/reserve.html",
        {
            "org": org,
            "year": year,
            "years": range(year - 2, year + 2),
            "keeps_plan": bool(user_roles_at(request.user, org) & PLAN_READERS),
            "may_take_out": reserve_may_take_in(request.user, org),
            **_reserve_tables(org, year),
            **forms,
        },
    )


def _back(org: Org, year: int, anchor: str):
    return redirect(reverse("plans:reserve", args=[org.code, year]) + anchor)


def _reserve_xlsx_tables(org: Org, year: int) -> list[Table]:
    """The reserve page as three tables, one sheet each: the reserve against the pool month by month (and
    the young farmers), the cases taken into the plan, and where each org stands in the cycle."""
    data = _reserve_tables(org, year)
    report, cycle = data["reserve"], data["cycle"]
    columns = [
        f"{m.day.month}月末"
        if (m.day + datetime.timedelta(days=1)).day == 1
        else f"{m.day.month}月{m.day.day}日"
        for m in report.months
    ]
    headers = ("阶段", "储量计划", *(columns or ["现有"]))
    rows: list[tuple] = [(str(label), planned, *counts) for _stage, label, planned, counts in report.rows()]
    planned_farmers = report.reserve.young_farmers if report.reserve else None
    rows.append(("青年农民党员（已发展）", planned_farmers, report.young_farmers, *[""] * (len(headers) - 3)))
    entries = [
        (
            e.entry.case.person.name,
            e.entry.case.person.pid,
            e.org.name,
            date_cn(e.entry.taken_on),
            str(e.stage_label),
        )
        for e in report.entries
    ]

    def act(a) -> str:
        if a is None:
            return ""
        return date_cn(a.date) + (f"（{a.number} 名）" if a.number is not None else "")

    steps = [(r.org.name, *(act(a) for a in r.ordered), str(r.state)) for r in cycle]
    name = org.name
    return [
        Table(f"{name}{year}年度发展党员储量计划执行情况", headers, rows, sheet="储量计划"),
        Table(
            f"{name}{year}年度纳入计划人员",
            ("姓名", "人员编号", "现所在党组织", "纳入日期", "现阶段"),
            entries,
            sheet="纳入计划人员",
        ),
        Table(
            f"{name}{year}年度计划工作进度",
            ("党组织", "提出需求", "指导性计划", "分解下达", "进度"),
            steps,
            sheet="工作进度",
        ),
    ]


def reserve_page(request, code: str, year: int):
    """An org's reserve plan for a year against its pool, the cases taken in, and the cycle; ?format=xlsx
    downloads the same tables."""
    org, year, orgs = _reserve_org(request, code, year)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            filename=f"{org.name}{year}年度储量计划.xlsx", tables=_reserve_xlsx_tables(org, year)
        )
    return _render_reserve(request, org, year, orgs)


@require_POST
def reserve_set_view(request, code: str, year: int):
    org, year, orgs = _reserve_org(request, code, year)
    planners = [o for o in orgs if plan_may_allocate(request.user, o)]
    if not planners:
        raise PermissionDenied
    form = ReserveForm(request.POST, orgs=planners)
    saved = form_to_service(
        form,
        lambda data: reserve_set(
            actor=request.user,
            org=next(o for o in planners if o.code == data["org"]),
            year=year,
            applicants=data["applicants"],
            activists=data["activists"],
            targets=data["targets"],
            young_farmers=data["young_farmers"] or 0,
        ),
    )
    if saved:
        return _back(org, year, "#reserve")
    return _render_reserve(request, org, year, orgs, reserve_form=form)


@require_POST
def reserve_take_in_view(request, code: str, year: int):
    org, year, orgs = _reserve_org(request, code, year)
    cases = _take_in_cases(request.user, org, year)
    if not cases:
        raise PermissionDenied
    form = TakeInForm(request.POST, cases=cases)
    taken = form_to_service(
        form,
        lambda data: reserve_take_in(
            actor=request.user,
            case=next(c for c in cases if str(c.pk) == data["case"]),
            year=year,
            date=data["date"],
        ),
    )
    if taken:
        return _back(org, year, "#reserve-entries")
    return _render_reserve(request, org, year, orgs, take_in_form=form)


@require_POST
def reserve_take_out_view(request, code: str, year: int, pk: int):
    org, year, _orgs = _reserve_org(request, code, year)
    entry = reserve_entry_get(org, year, pk)
    if entry is None:
        raise Http404
    reserve_take_out(actor=request.user, entry=entry)
    return _back(org, year, "#reserve-entries")


@require_POST
def cycle_record_view(request, code: str, year: int):
    org, year, orgs = _reserve_org(request, code, year)
    cycle_orgs = _cycle_orgs(request.user, orgs)
    if not cycle_orgs:
        raise PermissionDenied
    form = CycleForm(request.POST, orgs=cycle_orgs)
    recorded = form_to_service(
        form,
        lambda data: cycle_record(
            actor=request.user,
            org=next(o for o in cycle_orgs if o.code == data["org"]),
            year=year,
            step=data["step"],
            date=data["date"],
            number=data["number"],
            note=data["note"],
        ),
    )
    if recorded:
        return _back(org, year, "#cycle")
    return _render_reserve(request, org, year, orgs, cycle_form=form)


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
