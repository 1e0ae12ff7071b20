import re

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fazhan.accounts.selectors import user_sees_id_number
from fazhan.archive.blobs import CONTENT_TYPES, blob_path
from fazhan.archive.files import person_zip
from fazhan.archive.forms import ArchiveReviewForm, AttachmentForm, SupersedeForm, attachment_slots
from fazhan.archive.record_table import record_table, record_table_docx, record_table_pdf
from fazhan.archive.selectors import (
    archive_register,
    attachment_get_for_user,
    completeness,
    completeness_missing,
    person_attachments,
    person_conversion_date,
    person_reviews,
    person_step_records,
    register_orgs_for_user,
)
from fazhan.archive.services import (
    archive_log_download,
    archive_review_record,
    attachment_add,
    attachment_supersede,
    user_may_review,
    user_may_upload,
)
from fazhan.core.converters import OrgCodeConverter
from fazhan.core.dates import date_cn
from fazhan.core.excel import xlsx_response
from fazhan.core.forms import form_to_service
from fazhan.core.masking import mask_id_number
from fazhan.organizations.selectors import org_get_for_user
from fazhan.people.models import Person
from fazhan.people.selectors import person_get_for_user
from fazhan.people.services import person_log_personal_access

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def person_files_context(request, person: Person, *, form=None, supersede=None) -> dict:
    """The files section of the person page (and of its own page): the completeness matrix, the attachments,
    the upload form. Two queries, whatever the number of records."""
    records = person_step_records(person)
    attachments = person_attachments(person)
    rows = completeness(records, attachments)
    return {
        "matrix": rows,
        "missing": completeness_missing(rows),
        "attachments": attachments,
        "records": records,
        "can_upload": user_may_upload(request.user, person),
        "form": form or AttachmentForm(slots=attachment_slots(records)),
        "supersede": supersede,
    }


def _files_page(request, person: Person, *, status: int = 200, review_form=None, **panel) -> HttpResponse:
    files = person_files_context(request, person, **panel)
    may_review = user_may_review(request.user, person) and person_conversion_date(person) is not None
    context = {
        "person": person,
        "files": files,
        "reviews": person_reviews(person),
        "review_form": review_form or (ArchiveReviewForm.prefilled(files["missing"]) if may_review else None),
    }
    return render(request, "archive/person_files.html", context, status=status)


def person_files(request, pid: str):
    return _files_page(request, person_get_for_user(request.user, pid))


def _uploader_person(request, pid: str) -> Person:
    person = person_get_for_user(request.user, pid)
    if not user_may_upload(request.user, person):
        raise PermissionDenied
    return person


def _after_upload(person: Person):
    return redirect(reverse("people:detail", args=[person.pid]) + "#files")


@require_POST
def person_attach(request, pid: str):
    person = _uploader_person(request, pid)
    records = person_step_records(person)
    form = AttachmentForm(request.POST, request.FILES, slots=attachment_slots(records))

    def attach(data):
        pk, material = form.record_and_material()
        record = next(r for r in records if r.pk == pk)
        return attachment_add(actor=request.user, record=record, material=material, upload=data["file"])

    # what the service refuses beside the file itself is the slot chosen: its record and material
    if form_to_service(form, attach, field_for=lambda name: "file" if name == "file" else "slot"):
        return _after_upload(person)
    return _files_page(request, person, status=400, form=form)


@require_POST
def attachment_supersede_view(request, pk: int):
    attachment = attachment_get_for_user(request.user, pk)
    person = _uploader_person(request, attachment.record.case.person.pid)
    form = SupersedeForm(request.POST, request.FILES)
    superseding = form_to_service(
        form,
        lambda data: attachment_supersede(
            actor=request.user, attachment=attachment, upload=data["file"], reason=data["reason"]
        ),
    )
    if superseding:
        return _after_upload(person)
    return _files_page(request, person, status=400, supersede={"pk": attachment.pk, "form": form})


def attachment_download(request, pk: int):
    attachment = attachment_get_for_user(request.user, pk)
    person = attachment.record.case.person
    path = blob_path(attachment.sha256)
    if not path.exists():
        raise Http404
    archive_log_download(
        actor=request.user, person=person, what="attachment", data={"attachment": attachment.pk}
    )
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=attachment.original_name or f"{attachment.material}.{attachment.kind}",
        content_type=CONTENT_TYPES[attachment.kind],
    )


def person_zip_download(request, pid: str):
    person = person_get_for_user(request.user, pid)
    attachments = person_attachments(person)
    archive_log_download(actor=request.user, person=person, what="zip", data={"files": len(attachments)})
    return FileResponse(
        person_zip(attachments),
        as_attachment=True,
        filename=f"{person.pid}-{person.name}-档案.zip",
        content_type="application/zip",
    )


def _record_table(request, pid: str):
    person = person_get_for_user(request.user, pid)
    if user_sees_id_number(request.user, person.org):
        id_number = person.id_number
        person_log_personal_access(actor=request.user, person=person, fields=["id_number"])
    else:
        id_number = mask_id_number(person.id_number)
    table = record_table(
        person,
        id_number=id_number,
        records=person_step_records(person),
        attachments=person_attachments(person),
    )
    table.printed_on = date_cn(timezone.localdate())
    return person, table


def record_table_pdf_view(request, pid: str):
    person, table = _record_table(request, pid)
    archive_log_download(actor=request.user, person=person, what="record_pdf")
    response = HttpResponse(record_table_pdf(table), content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{person.pid}-record.pdf"
    return response


def record_table_docx_view(request, pid: str):
    person, table = _record_table(request, pid)
    archive_log_download(actor=request.user, person=person, what="record_docx")
    response = HttpResponse(record_table_docx(table), content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{person.pid}-record.docx"
    return response


@require_POST
def person_review(request, pid: str):
    person = person_get_for_user(request.user, pid)
    if not user_may_review(request.user, person):
        raise PermissionDenied
    form = ArchiveReviewForm(request.POST)
    if form_to_service(form, lambda data: archive_review_record(actor=request.user, person=person, **data)):
        return redirect("archive:person", pid=person.pid)
    return _files_page(request, person, status=400, review_form=form)


REGISTER_HEADERS = (
    "姓名",
    "人员编号",
    "所在党支部",
    "转正日期",
    "最近审核日期",
    "审核单位",
    "审核人",
    "缺少材料",
    "存放位置",
)


def _register_rows(rows):
    for r in rows:
        review = r.review
        yield (
            r.person.name,
            r.person.pid,
            r.person.org.name,
            r.converted_on,
            review.date if review else None,
            review.reviewer.name if review else "",
            str(review.reviewed_by or "") if review else "",
            "、".join(r.missing_labels) if review else _("未审核"),
            review.location if review else "",
        )


def register(request):
    """The archive register of a committee's subtree: each converted member's file and its latest review;
    ?unreviewed=1 keeps the files never reviewed, ?format=xlsx downloads the same rows."""
    orgs = list(register_orgs_for_user(request.user))
    code = request.GET.get("org") or (orgs[0].code if orgs else "")
    if not re.fullmatch(
        OrgCodeConverter.regex, code
    ):  # nothing else reaches a query (a NUL 500s on PostgreSQL)
        raise Http404
    org = org_get_for_user(request.user, code)
    unreviewed = request.GET.get("unreviewed") == "1"
    rows = archive_register(request.user, org, unreviewed=unreviewed)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            filename=f"档案审核登记-{org.name}-{timezone.localdate().isoformat()}.xlsx",
            title=f"{org.name}档案审核登记",
            headers=[_(h) for h in REGISTER_HEADERS],
            rows=_register_rows(rows),
        )
    return render(
        request,
        "archive/register.html",
        {"org": org, "orgs": orgs, "rows": rows, "unreviewed": unreviewed},
    )
