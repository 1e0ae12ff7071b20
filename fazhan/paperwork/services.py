"""The writers and the printers of the paperwork wing. A replaced template is checked at upload (a DOCX, its
size, only declared names, a trial fill in the sandbox) and audited; every print is an event of the trail,
since a form carries a person's personal data."""

import hashlib
import io
import subprocess
import tempfile
import zipfile
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from jinja2 import TemplateError
from jinja2.exceptions import SecurityError

from fazhan.accounts.selectors import user_sees_id_number
from fazhan.auditlog.services import audit_record
from fazhan.core.masking import mask_id_number
from fazhan.core.office import OfficeError, is_docx
from fazhan.organizations.models import Org
from fazhan.paperwork.declarations import Form
from fazhan.paperwork.models import FormTemplate
from fazhan.paperwork.record import facts, person_record
from fazhan.paperwork.rendering import fill_docx, fill_pdf, form_context, template_names
from fazhan.paperwork.selectors import template_active, template_bytes, user_may_replace_templates
from fazhan.people.models import Person

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024

ERR_NOT_DOCX = "模板文件须为 Word 文档（.docx），该文件不是。"
ERR_TOO_LARGE = "模板文件不得超过 5 MB。"
ERR_UNKNOWN_NAMES = "模板使用了本表格未声明的字段：%(names)s。本表格可用的字段：%(allowed)s。"
ERR_SYNTAX = "模板的占位符写法有误，无法填写：%(error)s"
ERR_UNSAFE = "模板试图访问不允许的内容，已拒绝。"
ERR_NO_RIGHT = "只有区委组织部审核人可以替换本区的表格模板。"
ERR_NOTHING_TO_REVERT = "该表格正在使用系统默认模板，无需恢复。"
ERR_CONVERT = "文档转换为 PDF 失败，请下载 DOCX 版本：%(error)s"

PRINT_FORMATS = ("docx", "pdf")

ACTION_UPLOADED = "paperwork.template_uploaded"
ACTION_REVERTED = "paperwork.template_reverted"
ACTION_PRINTED = "paperwork.printed"


def _check_template(form: Form, content: bytes) -> None:
    if len(content) > MAX_TEMPLATE_BYTES:
        raise ValidationError({"file": ERR_TOO_LARGE})
    if not is_docx(content):
        raise ValidationError({"file": ERR_NOT_DOCX})
    try:
        unknown = template_names(content) - form.fields
    except TemplateError as error:
        raise ValidationError({"file": ERR_SYNTAX % {"error": error}}) from None
    except Exception:  # a broken DOCX part (python-docx or lxml): the same refusal as a non-DOCX
        raise ValidationError({"file": ERR_NOT_DOCX}) from None
    if unknown:
        raise ValidationError(
            {
                "file": ERR_UNKNOWN_NAMES
                % {"names": "、".join(sorted(unknown)), "allowed": "、".join(sorted(form.fields))}
            }
        )
    try:  # what only a fill shows: an attribute the sandbox forbids, a filter that does not exist
        fill_docx(content, dict.fromkeys(form.fields, ""), strict=True)
    except SecurityError:
        raise ValidationError({"file": ERR_UNSAFE}) from None
    except TemplateError as error:
        raise ValidationError({"file": ERR_SYNTAX % {"error": error}}) from None
    except Exception as error:  # `{{ name() }}` and the like: what Jinja hands on from Python
        raise ValidationError({"file": ERR_SYNTAX % {"error": type(error).__name__}}) from None


def template_upload(*, actor, form: Form, org: Org, filename: str, content: bytes) -> FormTemplate:
    """The district's own template for `form`, in force from now for every org below it; the one it
    replaces is kept, inactive."""
    if not user_may_replace_templates(actor, org):
        raise PermissionDenied(ERR_NO_RIGHT)
    _check_template(form, content)
    with transaction.atomic():
        previous = template_active(form, org)
        FormTemplate.objects.filter(form=form.code, org=org, active=True).update(active=False)
        upload = FormTemplate.objects.create(
            form=form.code,
            org=org,
            filename=filename[:200],
            content=content,
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
            uploaded_by=actor,
            uploaded_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=ACTION_UPLOADED,
            target=upload,
            org=org,
            data={
                "form": form.code,
                "filename": upload.filename,
                "replaces": previous.pk if previous else None,
            },
        )
    return upload


def template_revert(*, actor, form: Form, org: Org) -> None:
    """Back to the project's default: the district's upload is deactivated, never deleted."""
    if not user_may_replace_templates(actor, org):
        raise PermissionDenied(ERR_NO_RIGHT)
    with transaction.atomic():
        upload = FormTemplate.objects.select_for_update().filter(form=form.code, org=org, active=True).first()
        if upload is None:
            raise ValidationError(ERR_NOTHING_TO_REVERT)
        upload.active = False
        upload.save(update_fields=["active"])
        audit_record(actor=actor, action=ACTION_REVERTED, target=upload, org=org, data={"form": form.code})


def _id_number_for(actor, person: Person) -> tuple[str, bool]:
    if actor is not None and user_sees_id_number(actor, person.org):
        return person.id_number, True
    return mask_id_number(person.id_number), False


def _filled(actor, form: Form, person: Person, fmt: str, *, batch: str = "") -> bytes:
    id_number, clear = _id_number_for(actor, person)
    context = form_context(form, facts(person_record(person, id_number=id_number)))
    template = template_bytes(form, person.org)
    try:
        content = fill_pdf(template, context) if fmt == "pdf" else fill_docx(template, context)
    except OfficeError as error:
        raise ValidationError(ERR_CONVERT % {"error": error}) from None
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=ACTION_PRINTED,
            target=person,
            org=person.org,
            data={
                "person": person.pid,
                "form": form.code,
                "format": fmt,
                "id_number_clear": clear,
                **({"batch": batch} if batch else {}),
            },
        )
    return content


def form_print(*, actor, form: Form, person: Person, fmt: str) -> bytes:
    """One form filled from one person's record, as DOCX or as its PDF. The caller has scoped the person
    (person_get_for_user); the ID number is clear only for a role that may read it."""
    if fmt not in PRINT_FORMATS:
        raise ValidationError({"format": "格式须为 docx 或 pdf。"})
    return _filled(actor, form, person, fmt)


def form_print_batch(*, actor, form: Form, persons: list[Person], fmt: str, batch: str) -> bytes:
    """One form for every person of a list: one PDF (the pages of each, in order; pdfunite) or a ZIP of
    DOCX files named by person."""
    if not persons:
        raise ValidationError("名单中没有人员，无可打印的表格。")
    if fmt == "pdf":
        pdfs = [_filled(actor, form, p, "pdf", batch=batch) for p in persons]
        return pdf_merge(pdfs)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for k, person in enumerate(persons, 1):
            archive.writestr(
                f"{k:03d}-{person.name}-{form.title}.docx", _filled(actor, form, person, "docx", batch=batch)
            )
    return out.getvalue()


def pdf_merge(pdfs: list[bytes]) -> bytes:
    if len(pdfs) == 1:
        return pdfs[0]
    with tempfile.TemporaryDirectory(prefix="fazhan-unite-") as work:
        folder = Path(work)
        names = []
        for k, pdf in enumerate(pdfs):
            path = folder / f"{k:04d}.pdf"
            path.write_bytes(pdf)
            names.append(str(path))
        target = folder / "all.pdf"
        subprocess.run(["pdfunite", *names, str(target)], check=True, capture_output=True)
        return target.read_bytes()
