import contextlib
from urllib.parse import quote

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fazhan.core.forms import ChineseForm, form_to_service
from fazhan.notices.selectors import notice_get_for_user
from fazhan.organizations.selectors import org_get_for_user
from fazhan.paperwork.declarations import FORMS, Form, form_by_name
from fazhan.paperwork.selectors import (
    STAGES,
    batch_persons_of_org,
    template_active,
    template_orgs_for_user,
    template_uploads,
)
from fazhan.paperwork.services import (
    MAX_TEMPLATE_BYTES,
    form_print,
    form_print_batch,
    template_revert,
    template_upload,
)
from fazhan.people.selectors import person_get_for_user, person_list_for_user
from fazhan.procedure.definition import CaseStage

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT_TYPES = {"docx": DOCX, "pdf": "application/pdf", "zip": "application/zip"}


def _form(code: str) -> Form:
    form = form_by_name(code)
    if form is None:
        raise Http404
    return form


def _download(content: bytes, filename: str, kind: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _printed(request, call, filename: str, kind: str) -> HttpResponse:
    try:
        content = call()
    except ValidationError as error:
        return render(request, "paperwork/refused.html", {"messages_": error.messages}, status=400)
    return _download(content, filename, kind)


def person_form(request, pid: str, code: str, fmt: str):
    """One form for one person, as DOCX or PDF (404 outside the user's subtree)."""
    person = person_get_for_user(request.user, pid)
    form = _form(code)
    return _printed(
        request,
        lambda: form_print(actor=request.user, form=form, person=person, fmt=fmt),
        f"{person.name}-{form.title}.{fmt}",
        fmt,
    )


class BatchForm(ChineseForm):
    form = forms.ChoiceField(label=gettext_lazy("表格"), choices=[(f.code, f.title) for f in FORMS])
    notice = forms.IntegerField(label=gettext_lazy("公示编号"), required=False, min_value=1)
    org = forms.CharField(label=gettext_lazy("组织代码"), required=False, max_length=40)
    stage = forms.ChoiceField(
        label=gettext_lazy("阶段"),
        required=False,
        choices=[("", "—"), *[(k, label) for k, label in CaseStage.CHOICES if k in STAGES]],
    )
    fmt = forms.ChoiceField(
        label=gettext_lazy("格式"),
        choices=[("pdf", gettext_lazy("合并为一个 PDF")), ("docx", gettext_lazy("DOCX 打包为 ZIP"))],
    )

    def clean(self):
        data = super().clean() or {}
        if not data.get("notice") and not (data.get("org") and data.get("stage")):
            raise ValidationError(_("请填写公示编号，或同时填写组织代码和阶段。"))
        return data


def _batch_persons(user, data) -> tuple[list, str]:
    if data.get("notice"):
        notice = notice_get_for_user(user, data["notice"])
        reach = set(person_list_for_user(user).values_list("pk", flat=True))
        entries = notice.entries.select_related("case__person__org").order_by("pk")
        return [e.case.person for e in entries if e.case.person.pk in reach], f"notice:{notice.pk}"
    org = org_get_for_user(user, data["org"].strip())
    return batch_persons_of_org(user, org, data["stage"]), f"org:{org.code}:{data['stage']}"


def batch(request):
    """One form for every person of a list: the candidates of a notice, or an org's persons at a stage."""
    form = BatchForm(request.GET or None)
    if request.GET and form.is_valid():
        data = form.cleaned_data
        chosen = _form(data["form"])
        persons, label = _batch_persons(request.user, data)
        kind = "pdf" if data["fmt"] == "pdf" else "zip"
        try:
            content = form_print_batch(
                actor=request.user, form=chosen, persons=persons, fmt=data["fmt"], batch=label
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            return _download(content, f"{chosen.title}-{len(persons)}人.{kind}", kind)
    return render(request, "paperwork/batch.html", {"form": form}, status=400 if form.errors else 200)


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("模板文件（.docx）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_TEMPLATE_BYTES:
            raise ValidationError(_("模板文件不得超过 5 MB。"))
        return upload


def _district(request):
    orgs = template_orgs_for_user(request.user)
    if not orgs:
        raise PermissionDenied
    return orgs[0]


def _templates_page(request, *, upload_form=None, failed: str = "", status: int = 200):
    org = _district(request)
    rows = []
    for f in FORMS:
        rows.append(
            {
                "form": f,
                "active": template_active(f, org),
                "fields": sorted(f.fields),
                "upload": upload_form if failed == f.code else UploadForm(),
            }
        )
    return render(
        request,
        "paperwork/templates.html",
        {"org": org, "rows": rows, "history": template_uploads(org)},
        status=status,
    )


def templates(request):
    return _templates_page(request)


def template_default(request, code: str):
    form = _form(code)
    return _download(form.default_template(), f"{form.title}-默认模板.docx", "docx")


def template_current(request, code: str):
    form = _form(code)
    org = _district(request)
    active = template_active(form, org)
    if active is None:
        return _download(form.default_template(), f"{form.title}-默认模板.docx", "docx")
    return _download(bytes(active.content), active.filename or f"{form.title}.docx", "docx")


@require_POST
def template_upload_view(request, code: str):
    form = _form(code)
    org = _district(request)
    upload = UploadForm(request.POST, request.FILES)

    def store(data):
        file = data["file"]
        return template_upload(
            actor=request.user, form=form, org=org, filename=file.name, content=file.read()
        )

    if form_to_service(upload, store):
        return redirect("paperwork:templates")
    return _templates_page(request, upload_form=upload, failed=form.code, status=400)


@require_POST
def template_revert_view(request, code: str):
    form = _form(code)
    org = _district(request)
    with contextlib.suppress(ValidationError):  # already on the default: nothing to undo
        template_revert(actor=request.user, form=form, org=org)
    return redirect("paperwork:templates")
