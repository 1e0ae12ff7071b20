"""A person's optional photo for the 全程纪实表: checked by content and re-encoded (nothing of the original
file kept beside the picture), shown and changed only inside the user's scope, in the trail by digest, and
placed in the 纪实表 when there is one."""

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fazhan.auditlog.models import AuditEvent
from fazhan.paperwork.declarations import FORMS_BY_CODE
from fazhan.paperwork.services import form_print
from fazhan.people.models import PersonPhoto
from fazhan.people.photos import person_photo_set


def picture(fmt: str = "PNG", size=(800, 1000)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    extra = {}
    if fmt == "JPEG":
        exif = Image.Exif()
        exif[0x010F] = "SecretCamera"  # Make
        extra["exif"] = exif
    image.save(out, format=fmt, **extra)
    return out.getvalue()


def test_a_photo_is_reencoded_as_a_bounded_jpeg_without_the_originals_metadata(world):
    original = picture("JPEG")
    assert b"SecretCamera" in original
    photo = person_photo_set(actor=world.users["sec1"], person=world.p1, content=original)
    stored = bytes(photo.image)
    assert stored.startswith(b"\xff\xd8")
    assert b"SecretCamera" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.width <= 413
        assert image.height <= 579
    event = AuditEvent.objects.filter(action="person.photo_set").latest("pk")
    assert event.data == {"sha256": photo.sha256}


@pytest.mark.parametrize("content", [b"not an image", b"GIF89a" + b"\x00" * 20, picture("GIF")])
def test_what_is_no_jpg_or_png_is_refused_at_the_photo_field(world, content):
    with pytest.raises(ValidationError) as refused:
        person_photo_set(actor=world.users["sec1"], person=world.p1, content=content)
    assert "JPG 或 PNG" in refused.value.message_dict["photo"][0]
    assert not PersonPhoto.objects.exists()


def test_a_user_of_another_branch_may_not_set_the_photo(world):
    with pytest.raises(PermissionDenied):
        person_photo_set(actor=world.users["sec2"], person=world.p1, content=picture())
    assert not PersonPhoto.objects.exists()


def test_the_person_page_uploads_shows_and_removes_the_photo(world, client_for):
    client = client_for("sec1")
    upload = SimpleUploadedFile("photo.png", picture(), content_type="image/png")
    response = client.post("/people/P0001/photo/upload/", {"photo": upload})
    assert response.status_code == 302
    page = client.get("/people/P0001/").content.decode()
    assert 'src="/people/P0001/photo/"' in page
    shown = client.get("/people/P0001/photo/")
    assert shown["Content-Type"] == "image/jpeg"
    assert "no-store" in shown["Cache-Control"]
    viewed = AuditEvent.objects.filter(action="person.personal_data_viewed").latest("pk")
    assert viewed.data == {"fields": ["photo"]}
    assert client_for("sec2").get("/people/P0001/photo/").status_code == 404
    bad = client.post(
        "/people/P0001/photo/upload/",
        {"photo": SimpleUploadedFile("x.png", b"junk", content_type="image/png")},
    )
    assert bad.status_code == 200
    assert "JPG 或 PNG" in bad.content.decode()
    assert client.post("/people/P0001/photo/upload/", {"remove": "1"}).status_code == 302
    assert client.get("/people/P0001/photo/").status_code == 404
    assert AuditEvent.objects.filter(action="person.photo_remove").exists()


def _media(docx: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return [n for n in archive.namelist() if n.startswith("word/media/")]


def test_the_record_table_carries_the_photo_when_there_is_one(world):
    form = FORMS_BY_CODE["record_table"]
    assert _media(form_print(actor=None, form=form, person=world.p1, fmt="docx")) == []
    person_photo_set(actor=None, person=world.p1, content=picture())
    media = _media(form_print(actor=None, form=form, person=world.p1, fmt="docx"))
    assert len(media) == 1
