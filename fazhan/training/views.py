"""The training pages: the sessions and their entry, the untrained report (page and workbook), and each org's
negative list. Thin: scope, validate, one service, render."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from fazhan.accounts.selectors import user_scope_q
from fazhan.core.excel import xlsx_response
from fazhan.core.forms import form_to_service
from fazhan.organizations.models import Org, OrgKind
from fazhan.training.forms import ROLE_FIELDS, NegativeListForm, SessionForm
from fazhan.training.reports import untrained_tables
from fazhan.training.selectors import (
    ROLE_ORDER,
    negative_keyed,
    negative_list_of,
    session_get_for_user,
    session_list,
    untrained_report,
)
from fazhan.training.services import (
    negative_list_inherit,
    negative_list_set,
    session_create,
    session_delete,
    session_update,
    training_may_manage,
)

SESSIONS_SHOWN = 200


def _managed_orgs(user) -> list[Org]:
    """The committees (district, townships) the user may record trainings for."""
    orgs = Org.objects.filter(
        user_scope_q(user, "path"), kind__in=[OrgKind.DISTRICT_COMMITTEE, OrgKind.COMMITTEE]
    )
    return [o for o in orgs if training_may_manage(user, o)]


def _render_sessions(request, form: SessionForm | None):
    sessions = list(session_list(request.user)[:SESSIONS_SHOWN])
    managed = {o.pk for o in _managed_orgs(request.user)}
    for s in sessions:
        s.may_manage = s.org_id in managed  # type: ignore[attr-defined]
    return render(request, "training/sessions.html", {"sessions": sessions, "form": form})


def session_page(request):
    orgs = _managed_orgs(request.user)
    return _render_sessions(request, SessionForm(orgs=orgs) if orgs else None)


@require_POST
def session_create_view(request):
    orgs = _managed_orgs(request.user)
    if not orgs:
        raise PermissionDenied
    form = SessionForm(request.POST, orgs=orgs)
    created = form_to_service(
        form,
        lambda data: session_create(
            actor=request.user,
            org=next(o for o in orgs if o.code == data["org"]),
            topic=data["topic"],
            date=data["date"],
            hours=data["hours"],
            attendance=form.attendance(),
        ),
        field_for=lambda name: "d_secretaries" if name == "attendance" else name,
    )
    if created:
        return redirect(reverse("training:sessions") + f"#session-{created.pk}")
    return _render_sessions(request, form)


def _managed_session(request, pk: int):
    """A session in the user's subtree (404 outside it) that they may correct (403 otherwise)."""
    session = session_get_for_user(request.user, pk)
    if not training_may_manage(request.user, session.org):
        raise PermissionDenied
    return session


def session_edit_view(request, pk: int):
    """Correct a session (GET: the form as it stands; POST: the correction through session_update)."""
    session = _managed_session(request, pk)
    if request.method != "POST":
        picked: dict[str, list[str]] = {role: [] for _name, role in ROLE_FIELDS}
        for a in session.attendance.all():
            picked[a.role].append(a.person.pid)
        initial = {
            "org": session.org.code,
            "topic": session.topic,
            "date": session.date,
            "hours": session.hours,
        }
        initial |= {name: picked[role] for name, role in ROLE_FIELDS}
        form = SessionForm(orgs=[session.org], initial=initial)
        return render(request, "training/session_edit.html", {"session": session, "form": form})
    form = SessionForm(request.POST, orgs=[session.org])
    done = form_to_service(
        form,
        lambda data: session_update(
            actor=request.user,
            session=session,
            topic=data["topic"],
            date=data["date"],
            hours=data["hours"],
            attendance=form.attendance(),
        ),
        field_for=lambda name: "d_secretaries" if name == "attendance" else name,
    )
    if done:
        return redirect(reverse("training:sessions") + f"#session-{session.pk}")
    return render(request, "training/session_edit.html", {"session": session, "form": form})


@require_POST
def session_delete_view(request, pk: int):
    session_delete(actor=request.user, session=_managed_session(request, pk))
    return redirect("training:sessions")


def untrained_page(request):
    report = untrained_report(request.user)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(filename="业务培训未参训人员.xlsx", tables=untrained_tables(report))
    return render(request, "training/untrained.html", {"report": report, "roles": ROLE_ORDER})


def _org_for_user(user, code: str) -> Org:
    return get_object_or_404(Org.objects.filter(user_scope_q(user, "path")), code=code)


def _render_negative(request, org: Org, form: NegativeListForm | None = None):
    listed = negative_list_of(org)
    may = training_may_manage(request.user, org)
    if may and form is None:
        form = NegativeListForm(initial={"items": "\n".join(label for _key, label in listed.items)})
    return render(
        request,
        "training/negative.html",
        {
            "org": org,
            "listed": listed,
            "form": form if may else None,
            "own": listed.source == org,
            "children": Org.objects.filter(user_scope_q(request.user, "path"), parent=org).order_by("path"),
        },
    )


def negative_page(request, code: str):
    return _render_negative(request, _org_for_user(request.user, code))


def negative_index(request):
    orgs = Org.objects.filter(user_scope_q(request.user, "path")).order_by("depth", "path")
    top = orgs.first()
    if top is None:
        raise PermissionDenied
    return redirect("training:negative", code=top.code)


@require_POST
def negative_set_view(request, code: str):
    org = _org_for_user(request.user, code)
    if not training_may_manage(request.user, org):
        raise PermissionDenied
    if request.POST.get("inherit"):
        negative_list_inherit(actor=request.user, org=org)
        return redirect("training:negative", code=org.code)
    form = NegativeListForm(request.POST)
    saved = form_to_service(
        form,
        lambda data: (
            negative_list_set(actor=request.user, org=org, items=negative_keyed(org, form.lines())) or True
        ),
    )
    if saved:
        return redirect("training:negative", code=org.code)
    return _render_negative(request, org, form)
