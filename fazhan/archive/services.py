"""Writes of the archive: attachments (added, superseded, never deleted), archive reviews (never edited)."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.accounts.selectors import user_roles_at
from fazhan.archive.blobs import blob_store, file_head, file_kind
from fazhan.archive.models import ArchiveReview, Attachment
from fazhan.archive.selectors import (
    completeness_missing,
    person_completeness,
    person_conversion_date,
    reviewing_committee,
)
from fazhan.auditlog.services import audit_record
from fazhan.people.models import Person
from fazhan.procedure.definition import BRANCH, MATERIALS, STEPS_BY_CODE, TOWNSHIP
from fazhan.procedure.models import StepRecord

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

ERR_TYPE = "只能上传 PDF、JPG 或 PNG 文件（按文件内容判断，不看扩展名）。"
ERR_SIZE = "文件不能超过 %(mb)s MB。"
ERR_EMPTY = "文件为空。"
ERR_MATERIAL = "步骤“%(step)s”不产生材料“%(material)s”。"
ERR_UPLOAD_ROLE = "您的角色不能为该人员上传材料。"
ERR_REASON = "替换附件须说明原因。"
ERR_ALREADY_SUPERSEDED = "该附件已被替换，请替换最新的附件。"
ERR_REVIEW_ROLE = "只有镇党委组织委员或审批人可以审核档案。"
ERR_NOT_CONVERTED = "该人员尚未转正（第24步未批准），不能进行档案审核。"
ERR_REVIEW_FUTURE = "审核日期不能晚于今天。"
ERR_REVIEW_BEFORE = "审核日期不能早于转正批准日期（%(date)s）。"
ERR_REVIEW_SAME_DAY = "该人员在这一天已有档案审核记录；审核记录不能修改，请以新的日期重新审核。"
ERR_UNKNOWN_MATERIAL = "未知的材料代码：%(codes)s。"

UPLOAD_ROLES = frozenset(BRANCH + TOWNSHIP)
REVIEW_ROLES = frozenset(TOWNSHIP)


def attachment_max_bytes() -> int:
    return int(getattr(settings, "FAZHAN_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def user_may_upload(user, person: Person) -> bool:
    return bool(user_roles_at(user, person.org) & UPLOAD_ROLES)


def user_may_review(user, person: Person) -> bool:
    return bool(user_roles_at(user, person.org) & REVIEW_ROLES)


def _check_file(upload: File) -> str:
    """The file's kind from its content; a field error on `file` for anything else."""
    limit = attachment_max_bytes()
    if not upload.size:
        raise ValidationError({"file": _(ERR_EMPTY)})
    if upload.size > limit:
        raise ValidationError({"file": _(ERR_SIZE) % {"mb": round(limit / 1024 / 1024, 1)}})
    kind = file_kind(file_head(upload))
    if kind is None:
        raise ValidationError({"file": _(ERR_TYPE)})
    return kind


def _printable(name: str) -> str:
    return "".join(c for c in name if c.isprintable())


def _create(
    *, actor, record: StepRecord, material: str, upload: File, supersedes: Attachment | None, reason: str
) -> Attachment:
    kind = _check_file(upload)
    sha256 = blob_store(
        upload
    )  # a blob left by a rolled-back transaction is harmless: same content, same name
    attachment = Attachment.objects.create(
        record=record,
        material=material,
        original_name=_printable(upload.name or "")[-255:].rsplit("/", 1)[-1],
        kind=kind,
        size=upload.size or 0,
        sha256=sha256,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
        uploaded_at=timezone.now(),
        supersedes=supersedes,
        reason=reason,
    )
    audit_record(
        actor=actor,
        action="attachment.supersede" if supersedes else "attachment.add",
        target=attachment,
        org=record.case.person.org,
        data={
            "person": record.case.person.pid,
            "record": record.pk,
            "step": record.step,
            "material": material,
            "sha256": sha256,
            "size": attachment.size,
            "name": attachment.original_name,
            "supersedes": getattr(supersedes, "pk", None),
            "reason": reason,
        },
    )
    return attachment


def _check_uploader(actor, person: Person) -> None:
    if actor is not None and not user_may_upload(actor, person):
        raise PermissionDenied(_(ERR_UPLOAD_ROLE))


@transaction.atomic
def attachment_add(*, actor, record: StepRecord, material: str, upload: File) -> Attachment:
    """Attach a scan to a step record as one of the materials that step produces (definition.Step.documents);
    the type is checked by content and the size by FAZHAN_ATTACHMENT_MAX_BYTES."""
    record = StepRecord.objects.select_related("case__person__org").get(pk=record.pk)
    _check_uploader(actor, record.case.person)
    step = STEPS_BY_CODE[record.step]
    if material not in step.documents:
        raise ValidationError(
            {
                "material": _(ERR_MATERIAL)
                % {"step": f"{step.number}. {step.name}", "material": MATERIALS.get(material, material)}
            }
        )
    return _create(actor=actor, record=record, material=material, upload=upload, supersedes=None, reason="")


@transaction.atomic
def attachment_supersede(*, actor, attachment: Attachment, upload: File, reason: str) -> Attachment:
    """Nothing is deleted: a wrong or poor scan is replaced by a later attachment naming it, with a reason."""
    attachment = (
        Attachment.objects.select_for_update()
        .select_related("record__case__person__org")
        .get(pk=attachment.pk)
    )
    _check_uploader(actor, attachment.record.case.person)
    if not reason.strip():
        raise ValidationError({"reason": _(ERR_REASON)})
    if Attachment.objects.filter(supersedes=attachment).exists():
        raise ValidationError({"reason": _(ERR_ALREADY_SUPERSEDED)})
    return _create(
        actor=actor,
        record=attachment.record,
        material=attachment.material,
        upload=upload,
        supersedes=attachment,
        reason=reason.strip(),
    )


def _missing_codes(missing: list[str]) -> list[str]:
    unknown = [code for code in missing if code not in MATERIALS]
    if unknown:
        raise ValidationError({"missing": _(ERR_UNKNOWN_MATERIAL) % {"codes": "、".join(unknown)}})
    return [code for code in MATERIALS if code in set(missing)]


@transaction.atomic
def archive_review_record(
    *,
    actor,
    person: Person,
    date: datetime.date,
    missing: list[str] | None = None,
    location: str = "",
) -> ArchiveReview:
    """The township's sign-off of a converted member's file against the checklist (ARC-REVIEW's record).
    `missing` defaults to what the completeness matrix finds missing. A review is never edited: a later
    one supersedes it by date."""
    if actor is not None and not user_may_review(actor, person):
        raise PermissionDenied(_(ERR_REVIEW_ROLE))
    converted_on = person_conversion_date(person)
    if converted_on is None:
        raise ValidationError({"person": _(ERR_NOT_CONVERTED)})
    if date > timezone.localdate():
        raise ValidationError({"date": _(ERR_REVIEW_FUTURE)})
    if date < converted_on:
        raise ValidationError({"date": _(ERR_REVIEW_BEFORE) % {"date": converted_on.isoformat()}})
    codes = _missing_codes(
        completeness_missing(person_completeness(person)) if missing is None else list(missing)
    )
    Person.objects.select_for_update().filter(pk=person.pk).first()  # one reviewer of a file at a time
    if ArchiveReview.objects.filter(person=person, date=date).exists():
        raise ValidationError({"date": _(ERR_REVIEW_SAME_DAY)})
    review = ArchiveReview.objects.create(
        person=person,
        date=date,
        reviewer=reviewing_committee(person),
        missing=codes,
        location=location.strip(),
        reviewed_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="archive.review",
        target=review,
        org=person.org,
        data={
            "person": person.pid,
            "date": date.isoformat(),
            "reviewer": review.reviewer.code,
            "missing": codes,
            "location": review.location,
        },
    )
    return review


def archive_log_download(*, actor, person: Person, what: str, data: dict | None = None) -> None:
    """Every download of a person's file (one attachment, the ZIP, the record table) is in the trail."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=f"archive.download.{what}",
            target=person,
            org=person.org,
            data={"person": person.pid, **(data or {})},
        )
