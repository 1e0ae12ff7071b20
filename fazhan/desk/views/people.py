import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fazhan.accounts.models import EDIT_ROLES
from fazhan.accounts.selectors import user_roles, user_roles_at, user_sees_id_number, user_sees_phone
from fazhan.archive.views import person_files_context
from fazhan.core.forms import form_to_service
from fazhan.core.htmx import render_partial_or_page
from fazhan.core.masking import mask_id_number, mask_phone
from fazhan.floating.selectors import floating_list_for_person
from fazhan.notices.selectors import case_notice_entries
from fazhan.organizations.models import OrgKind
from fazhan.organizations.selectors import org_list_for_user
from fazhan.people.forms import (
    ApplyForm,
    DisciplineForm,
    ExitForm,
    KinshipForm,
    MemberRolesForm,
    PersonForm,
    PersonSearchForm,
    PhotoForm,
    TransferForm,
)
from fazhan.people.models import Person, PersonPhoto
from fazhan.people.photos import person_photo_bytes, person_photo_remove, person_photo_set
from fazhan.people.selectors import person_get_for_user, person_list_for_user, person_search
from fazhan.people.services import (
    MEMBERSHIP_ROLES,
    TRANSFER_ACTORS,
    discipline_record,
    kinship_declare,
    person_create,
    person_log_personal_access,
    person_set_roles,
    person_transfer,
    person_update,
)
from fazhan.prereview.forms import FormIssueForm, FormVoidForm
from fazhan.prereview.selectors import form_issued_to, form_list_for_person
from fazhan.procedure.definition import (
    BRANCH,
    DISTRICT,
    EXIT_ACTORS,
    STEPS,
    TOWNSHIP,
    CaseStage,
)
from fazhan.procedure.models import Case, ExitReason
from fazhan.procedure.selectors import case_facts
from fazhan.procedure.services import case_apply, case_exit
from fazhan.procedure.timeline import case_timeline, steps_recordable

CORRECT_ROLES = set(BRANCH + TOWNSHIP)


def _open_case_prefetch() -> Prefetch:
    return Prefetch("cases", queryset=Case.objects.filter(closed_on__isnull=True), to_attr="open_cases")


def _stage_label(person: Person) -> str:
    open_cases = getattr(person, "open_cases", [])
    return open_cases[0].get_stage_display() if open_cases else person.get_party_status_display()


def person_list(request):
    form = PersonSearchForm(request.GET or None)
    people = person_list_for_user(request.user)
    if form.is_valid():
        people = person_search(people, form.cleaned_data["q"])
        if form.cleaned_data["org"]:
            people = people.filter(org__code=form.cleaned_data["org"])
        if form.cleaned_data["stage"]:
            people = people.filter(cases__stage=form.cleaned_data["stage"], cases__closed_on__isnull=True)
    page = Paginator(people.prefetch_related(_open_case_prefetch()), 50).get_page(request.GET.get("page"))
    rows = [
        {
            "person": p,
            "id_number": mask_id_number(p.id_number),
            "phone": mask_phone(p.phone),
            "stage": _stage_label(p),
        }
        for p in page
    ]
    return render_partial_or_page(
        request,
        page="people/list.html",
        partial="people/_list_rows.html",
        context={
            "form": form,
            "page": page,
            "rows": rows,
            "stages": CaseStage.CHOICES[:-1],
            "can_create": bool(user_roles(request.user) & EDIT_ROLES),
        },
    )


PICK_FIELD = re.compile(r"^d_[a-z_]{1,30}$")
PICK_LIMIT = 10


def person_pick(request):
    """The step form's person picker (htmx): the members in the user's scope whose name, pinyin initials,
    number or ID tail match what was typed; ?pid= answers the ticked box that adds one of them."""
    field = request.GET.get("field", "")
    if not PICK_FIELD.match(field):
        raise Http404
    members = person_list_for_user(request.user).exclude(party_status="")
    if pid := request.GET.get("pid"):
        person = get_object_or_404(members, pid=pid)
        context = {"name": field, "pid": person.pid, "person_name": person.name}
        return render(request, "people/_person_chip.html", context)
    query = request.GET.get(f"q-{field}", "").strip()[:40]
    found = list(person_search(members, query)[:PICK_LIMIT]) if query else []
    return render(request, "people/_pick_results.html", {"found": found, "field": field, "query": query})


def detail_context(request, person: Person, **forms) -> dict:
    sees_id, sees_phone = (
        user_sees_id_number(request.user, person.org),
        user_sees_phone(request.user, person.org),
    )
    shown = [f for f, clear in (("id_number", sees_id), ("phone", sees_phone and person.phone)) if clear]
    if shown:
        person_log_personal_access(actor=request.user, person=person, fields=shown)
    # the person is read (and their sealed fields opened) once: each case holds this one, not a copy
    cases = list(person.cases.all())
    for case in cases:
        case.person = person
    roles = list(person.roles.all())
    return {
        "person": person,
        "id_number": person.id_number if sees_id else mask_id_number(person.id_number),
        "phone": person.phone if sees_phone else mask_phone(person.phone),
        "roles": roles,
        "kin": person.kin_declared.select_related("b"),
        "discipline": person.discipline_records.all(),
        "timeline": [_case_panel(request, case) for case in cases],
        "notice_entries": case_notice_entries(cases),
        "floating_records": floating_list_for_person(request.user, person),
        "files": person_files_context(request, person),
        "can_edit": bool(user_roles_at(request.user, person.org) & EDIT_ROLES),
        "has_photo": PersonPhoto.objects.filter(person=person).exists(),
        "photo_form": forms.get("photo_form") or PhotoForm(),
        "kin_form": forms.get("kin_form") or KinshipForm(),
        "discipline_form": forms.get("discipline_form") or DisciplineForm(),
        "roles_form": forms.get("roles_form") or MemberRolesForm(initial={"roles": [r.role for r in roles]}),
        **_case_action_forms(request, person, cases, forms),
    }


def _exit_reasons(user, person: Person) -> list[tuple[str, object]]:
    roles = user_roles_at(user, person.org)
    return [(value, label) for value, label in ExitReason.choices if roles & set(EXIT_ACTORS[value])]


def _transfer_orgs(user):
    return (
        org_list_for_user(user).filter(kind__in=[OrgKind.BRANCH, OrgKind.TEMPORARY_BRANCH]).order_by("path")
    )


def _case_action_forms(request, person: Person, cases: list[Case], forms: dict) -> dict:
    """The forms of what may happen to a case besides its steps: a move to another branch, its end, and the
    district's numbered form. Each offered only to the roles that may do it."""
    roles = user_roles_at(request.user, person.org)
    today = timezone.localdate()
    open_case = next((c for c in cases if c.closed_on is None and c.stage != CaseStage.FULL), None)
    out: dict = {"numbered_forms": form_list_for_person(person)}
    if roles & set(TRANSFER_ACTORS):
        out["transfer_form"] = forms.get("transfer_form") or TransferForm(
            orgs=_transfer_orgs(request.user).exclude(pk=person.org_id), initial={"date": today}
        )
    if "apply_form" in forms or (
        open_case is None and not person.party_status and roles & set(STEPS[0].actors)
    ):
        out["apply_form"] = forms.get("apply_form") or ApplyForm(initial={"date": today})
    reasons = _exit_reasons(request.user, person)
    if "exit_form" in forms or (open_case is not None and reasons):
        out["exit_form"] = forms.get("exit_form") or ExitForm(reasons=reasons, initial={"date": today})
    if open_case is not None and roles & set(DISTRICT):
        issued = form_issued_to(person)
        out["form_issue_form"] = forms.get("form_issue_form") or FormIssueForm(initial={"issued_on": today})
        if issued is not None:
            out["issued_form"] = issued
            out["form_void_form"] = forms.get("form_void_form") or FormVoidForm()
    return out


def _case_panel(request, case: Case) -> dict:
    facts = case_facts(case)
    return {
        "case": case,
        "rows": case_timeline(case, facts, today=timezone.localdate()),
        "recordable": steps_recordable(request.user, case, facts),
        "can_correct": bool(user_roles_at(request.user, case.person.org) & CORRECT_ROLES),
    }


def person_detail(request, pid: str):
    person = person_get_for_user(request.user, pid)
    return render(request, "people/detail.html", detail_context(request, person))


def _person_for_edit(request, pid: str) -> Person:
    person = person_get_for_user(request.user, pid)
    if not user_roles_at(request.user, person.org) & EDIT_ROLES:
        raise PermissionDenied
    return person


@require_POST
def person_kin_add(request, pid: str):
    person = _person_for_edit(request, pid)
    form = KinshipForm(request.POST)

    def declare(data):
        relative = person_list_for_user(request.user).filter(pid=data["relative"].strip()).first()
        if relative is None:
            raise ValidationError(_("未找到该人员编号，或不在您的管辖范围内。"))
        return kinship_declare(actor=request.user, a=person, b=relative, relation=data["relation"])

    if form_to_service(form, declare, field_for=lambda _name: "relative"):  # what it refuses is the relative
        return redirect("people:detail", pid=person.pid)
    return render(request, "people/detail.html", detail_context(request, person, kin_form=form))


@require_POST
def person_discipline_add(request, pid: str):
    person = _person_for_edit(request, pid)
    form = DisciplineForm(request.POST)
    if form_to_service(form, lambda data: discipline_record(actor=request.user, person=person, **data)):
        return redirect("people:detail", pid=person.pid)
    return render(request, "people/detail.html", detail_context(request, person, discipline_form=form))


@require_POST
def person_roles_set(request, pid: str):
    person = _person_for_edit(request, pid)
    form = MemberRolesForm(request.POST)
    if form.is_valid():
        if form.cleaned_data["roles"] and not person.is_member:
            form.add_error("roles", _("只有党员才能担任职务。"))
        else:
            person_set_roles(actor=request.user, person=person, roles=form.cleaned_data["roles"])
            return redirect("people:detail", pid=person.pid)
    return render(request, "people/detail.html", detail_context(request, person, roles_form=form))


def _editable_orgs(user):
    return org_list_for_user(user).order_by("path")


MEMBERSHIP_FROM_CASE = "由发展程序（审批、转正）确定"
MEMBERSHIP_TOWNSHIP = "未经本系统发展的党员由乡镇党委组织委员或审批人登记"


def _membership_editing(user, person: Person | None) -> str:
    """Whether the person form lets this user set a membership by hand ("editable"), else the reason shown
    beside the fields (people.services._check_membership refuses it either way)."""
    if person is not None and person.cases.exists():
        return _(MEMBERSHIP_FROM_CASE)
    if person is not None and not user_roles_at(user, person.org) & MEMBERSHIP_ROLES:
        return _(MEMBERSHIP_TOWNSHIP)
    if person is None and not user_roles(user) & MEMBERSHIP_ROLES:
        return _(MEMBERSHIP_TOWNSHIP)
    return "editable"


def person_create_view(request):
    if not user_roles(request.user) & EDIT_ROLES:
        raise PermissionDenied
    form = PersonForm(
        request.POST or None,
        orgs=_editable_orgs(request.user),
        membership=_membership_editing(request.user, None),
    )

    def create(data):
        if not user_roles_at(request.user, data["org"]) & EDIT_ROLES:
            raise ValidationError({"org": _("您无权在该组织登记人员。")})
        return person_create(
            actor=request.user,
            id_number=data["id_number"],
            data=form.person_data(),
            gender=data["gender"] or None,
            birth_date=data["birth_date"],
            membership_reason=form.membership_reason_given(),
        )

    if person := form_to_service(form, create):
        return redirect("people:detail", pid=person.pid)
    return render(request, "people/form.html", {"form": form, "person": None})


def person_edit(request, pid: str):
    person = _person_for_edit(request, pid)
    sees_id = user_sees_id_number(request.user, person.org)
    form = PersonForm(
        request.POST or None,
        orgs=_editable_orgs(request.user),
        initial=PersonForm.initial_for(person, show_id_number=sees_id),
        stored_id_number="" if sees_id else person.id_number,
        membership=_membership_editing(request.user, person),
    )
    if request.method == "GET":
        shown = [f for f, clear in (("id_number", sees_id), ("phone", person.phone)) if clear]
        if shown:  # an editor of the person's org is a role that sees the phone (PHONE_ROLES ⊇ EDIT_ROLES)
            person_log_personal_access(actor=request.user, person=person, fields=shown)
    updated = form_to_service(
        form,
        lambda data: person_update(
            actor=request.user,
            person=Person.objects.get(pk=person.pk),
            id_number=data["id_number"],
            data=form.person_data(),
            gender=data["gender"] or None,
            birth_date=data["birth_date"],
            membership_reason=form.membership_reason_given(),
        ),
    )
    if updated:
        return redirect("people:detail", pid=person.pid)
    return render(request, "people/form.html", {"form": form, "person": person})


@require_POST
def person_transfer_view(request, pid: str):
    person = person_get_for_user(request.user, pid)
    if not user_roles_at(request.user, person.org) & set(TRANSFER_ACTORS):
        raise PermissionDenied
    form = TransferForm(request.POST, orgs=_transfer_orgs(request.user))
    if form_to_service(form, lambda data: person_transfer(actor=request.user, person=person, **data)):
        return redirect("people:detail", pid=person.pid)
    return render(request, "people/detail.html", detail_context(request, person, transfer_form=form))


@require_POST
def case_exit_view(request, pid: str):
    person = person_get_for_user(request.user, pid)
    case = person.cases.filter(closed_on__isnull=True).first()
    reasons = _exit_reasons(request.user, person)
    if case is None or not reasons:
        raise PermissionDenied
    form = ExitForm(request.POST, reasons=reasons)
    if form_to_service(form, lambda data: case_exit(actor=request.user, case=case, **data)):
        return redirect("people:detail", pid=person.pid)
    return render(request, "people/detail.html", detail_context(request, person, exit_form=form))


@require_POST
def case_apply_view(request, pid: str):
    """The written application received: the case opens with its first step."""
    person = person_get_for_user(request.user, pid)
    if not user_roles_at(request.user, person.org) & set(STEPS[0].actors):
        raise PermissionDenied
    form = ApplyForm(request.POST)
    if form_to_service(form, lambda data: case_apply(actor=request.user, person=person, date=data["date"])):
        return redirect("people:detail", pid=person.pid)
    return render(request, "people/detail.html", detail_context(request, person, apply_form=form))


def person_photo(request, pid: str):
    """The person's photo, to those who may see the person; every showing is in the trail."""
    person = person_get_for_user(request.user, pid)
    image = person_photo_bytes(person)
    if image is None:
        raise Http404
    person_log_personal_access(actor=request.user, person=person, fields=["photo"])
    return HttpResponse(image, content_type="image/jpeg")  # the trust middleware marks it no-store


@require_POST
def person_photo_upload(request, pid: str):
    person = _person_for_edit(request, pid)
    if request.POST.get("remove"):
        person_photo_remove(actor=request.user, person=person)
        return redirect("people:detail", pid=person.pid)
    form = PhotoForm(request.POST, request.FILES)
    if form_to_service(
        form, lambda data: person_photo_set(actor=request.user, person=person, content=data["photo"].read())
    ):
        return redirect("people:detail", pid=person.pid)
    return render(request, "people/detail.html", detail_context(request, person, photo_form=form))
