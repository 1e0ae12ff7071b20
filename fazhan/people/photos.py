"""A person's photo: checked by its content, re-encoded, kept beside the person, and in the trail by its
digest only."""

import hashlib
import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from fazhan.accounts.models import EDIT_ROLES
from fazhan.accounts.selectors import user_roles_at
from fazhan.auditlog.services import audit_record
from fazhan.people.models import Person, PersonPhoto

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_FORMATS = {"JPEG", "PNG"}
# A 2-inch ID photo (35 × 49 mm) at 300 dpi.
PHOTO_SIZE = (413, 579)
ERR_PHOTO_TYPE = "照片须为 JPG 或 PNG 图片。"
ERR_PHOTO_SIZE = "照片文件过大（最大 5 MB）。"
ERR_PHOTO_ROLE = "您无权修改该人员的信息。"


def _may_edit(actor, person: Person) -> None:
    if actor is not None and not user_roles_at(actor, person.org) & EDIT_ROLES:
        raise PermissionDenied(_(ERR_PHOTO_ROLE))


def photo_normalize(content: bytes) -> bytes:
    """The picture alone, as a JPEG no larger than PHOTO_SIZE; a file that is no JPG or PNG is refused."""
    if len(content) > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": _(ERR_PHOTO_SIZE)})
    try:
        with Image.open(io.BytesIO(content)) as probe:
            if probe.format not in PHOTO_FORMATS:
                raise ValidationError({"photo": _(ERR_PHOTO_TYPE)})
            probe.verify()
        with Image.open(io.BytesIO(content)) as image:
            picture = image.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError({"photo": _(ERR_PHOTO_TYPE)}) from None
    picture.thumbnail(PHOTO_SIZE)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=88)
    return out.getvalue()


@transaction.atomic
def person_photo_set(*, actor, person: Person, content: bytes) -> PersonPhoto:
    _may_edit(actor, person)
    image = photo_normalize(content)
    digest = hashlib.sha256(image).hexdigest()
    photo, _created = PersonPhoto.objects.update_or_create(
        person=person, defaults={"image": image, "sha256": digest, "uploaded_by": actor}
    )
    audit_record(
        actor=actor, action="person.photo_set", target=person, org=person.org, data={"sha256": digest}
    )
    return photo


@transaction.atomic
def person_photo_remove(*, actor, person: Person) -> None:
    _may_edit(actor, person)
    removed, _kinds = PersonPhoto.objects.filter(person=person).delete()
    if removed:
        audit_record(actor=actor, action="person.photo_remove", target=person, org=person.org, data={})


def person_photo_bytes(person: Person) -> bytes | None:
    photo = PersonPhoto.objects.filter(person=person).only("image").first()
    return bytes(photo.image) if photo else None
