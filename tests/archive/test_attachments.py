import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fazhan.archive.blobs import blob_path
from fazhan.archive.models import Attachment
from fazhan.archive.services import ERR_MATERIAL, ERR_REASON, ERR_TYPE, attachment_add, attachment_supersede
from fazhan.auditlog.models import AuditEvent
from tests.archive.conftest import EXE_BYTES, PDF_BYTES, jpg_bytes, png_bytes, upload
from tests.procedure.conftest import walk
from tests.userfacing import shown_text


def _blobs(media_root) -> list:
    root = media_root / "blobs"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_renamed_exe_is_refused_by_its_content_with_a_field_error(pw, media_root):
    s01 = walk(pw, "S01")["S01"][0]
    with pytest.raises(ValidationError) as refused:
        attachment_add(
            actor=pw.users["sec1"],
            record=s01,
            material="application",
            upload=upload(EXE_BYTES, "申请书.pdf", "application/pdf"),
        )
    assert refused.value.message_dict == {"file": [ERR_TYPE]}
    assert not Attachment.objects.exists()
    assert _blobs(media_root) == []


def test_a_text_file_named_png_is_refused(pw):
    s01 = walk(pw, "S01")["S01"][0]
    with pytest.raises(ValidationError) as refused:
        attachment_add(
            actor=pw.users["sec1"], record=s01, material="application", upload=upload(b"just text\n", "a.png")
        )
    assert "file" in refused.value.message_dict


@pytest.mark.parametrize(
    ("content", "kind"), [(PDF_BYTES, "pdf"), (png_bytes(), "png"), (jpg_bytes(), "jpg")]
)
def test_pdf_png_and_jpg_are_accepted_whatever_their_name(pw, content, kind):
    s01 = walk(pw, "S01")["S01"][0]
    a = attachment_add(
        actor=pw.users["sec1"],
        record=s01,
        material="application",
        upload=upload(content, "scan.bin", "application/octet-stream"),
    )
    assert a.kind == kind
    assert a.size == len(content)


def test_a_file_over_the_size_limit_is_refused(pw, settings):
    settings.FAZHAN_ATTACHMENT_MAX_BYTES = 100
    s01 = walk(pw, "S01")["S01"][0]
    with pytest.raises(ValidationError) as refused:
        attachment_add(actor=pw.users["sec1"], record=s01, material="application", upload=upload(png_bytes()))
    assert "file" in refused.value.message_dict
    assert not Attachment.objects.exists()


def test_the_same_content_is_stored_once_under_its_sha256(pw, media_root):
    done = walk(pw, "S02")
    content = png_bytes("red")
    first = attachment_add(
        actor=pw.users["sec1"], record=done["S01"][0], material="application", upload=upload(content, "a.png")
    )
    path = blob_path(first.sha256)
    inode, mtime = path.stat().st_ino, path.stat().st_mtime_ns
    second = attachment_add(
        actor=pw.users["org1"], record=done["S02"][0], material="talk_record", upload=upload(content, "b.png")
    )
    digest = hashlib.sha256(content).hexdigest()
    assert first.sha256 == second.sha256 == digest
    assert path == media_root / "blobs" / digest[:2] / digest[2:]
    assert _blobs(media_root) == [path]
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (inode, mtime)  # not written again
    assert path.read_bytes() == content
    assert Attachment.objects.count() == 2


def test_a_material_the_step_does_not_produce_is_refused_naming_the_field(pw):
    s01 = walk(pw, "S01")["S01"][0]
    with pytest.raises(ValidationError) as refused:
        attachment_add(actor=pw.users["sec1"], record=s01, material="approval", upload=upload(png_bytes()))
    assert list(refused.value.message_dict) == ["material"]
    assert ERR_MATERIAL.split("“")[0] in refused.value.messages[0]


@pytest.mark.parametrize("username", ["district", "inspector_lh", "sec2"])
def test_only_branch_and_township_roles_over_the_person_may_upload(pw, username):
    s01 = walk(pw, "S01")["S01"][0]
    with pytest.raises(PermissionDenied):
        attachment_add(
            actor=pw.users[username], record=s01, material="application", upload=upload(png_bytes())
        )


def test_a_township_organizer_may_upload_in_the_subtree(pw):
    s01 = walk(pw, "S01")["S01"][0]
    a = attachment_add(
        actor=pw.users["lh_organizer"], record=s01, material="application", upload=upload(png_bytes())
    )
    assert a.uploaded_by == pw.users["lh_organizer"]


def test_an_upload_writes_an_audit_event_with_its_hash(pw):
    s01 = walk(pw, "S01")["S01"][0]
    a = attachment_add(actor=pw.users["sec1"], record=s01, material="application", upload=upload(png_bytes()))
    event = AuditEvent.objects.get(action="attachment.add")
    assert event.target_id == str(a.pk)
    assert event.data["sha256"] == a.sha256
    assert event.actor == pw.users["sec1"]


def test_an_attachment_is_superseded_with_a_reason_and_never_deleted(pw):
    s01 = walk(pw, "S01")["S01"][0]
    old = attachment_add(
        actor=pw.users["sec1"], record=s01, material="application", upload=upload(png_bytes("white"))
    )
    with pytest.raises(ValidationError) as refused:
        attachment_supersede(
            actor=pw.users["sec1"], attachment=old, upload=upload(png_bytes("blue")), reason=" "
        )
    assert refused.value.message_dict == {"reason": [ERR_REASON]}
    new = attachment_supersede(
        actor=pw.users["sec1"], attachment=old, upload=upload(png_bytes("blue")), reason="扫描不清"
    )
    assert new.supersedes == old
    assert new.reason == "扫描不清"
    assert new.material == "application"
    assert Attachment.objects.count() == 2
    assert blob_path(old.sha256).exists()
    assert blob_path(new.sha256).exists()
    with pytest.raises(ValidationError):
        attachment_supersede(
            actor=pw.users["sec1"], attachment=old, upload=upload(png_bytes("red")), reason="再换"
        )
    assert AuditEvent.objects.filter(action="attachment.supersede").count() == 1


def test_the_upload_page_shows_a_type_error_at_the_file_field_and_keeps_nothing(pw, client_for, media_root):
    s01 = walk(pw, "S01")["S01"][0]
    response = client_for("sec1").post(
        "/archive/people/P0001/attach/",
        {"slot": f"{s01.pk}:application", "file": upload(EXE_BYTES, "scan.pdf", "application/pdf")},
    )
    assert response.status_code == 400
    html = response.content.decode()
    field = html.split('id="upload-field-file"')[1].split("</span>")[0]
    assert ERR_TYPE in field
    assert not Attachment.objects.exists()
    assert _blobs(media_root) == []


def test_the_upload_page_attaches_and_returns_to_the_person_page(pw, client_for):
    s01 = walk(pw, "S01")["S01"][0]
    response = client_for("sec1").post(
        "/archive/people/P0001/attach/", {"slot": f"{s01.pk}:application", "file": upload(png_bytes())}
    )
    assert response.status_code == 302
    assert response["Location"] == "/people/P0001/#files"
    assert Attachment.objects.get().record == s01
    page = client_for("sec1").get("/people/P0001/").content.decode()
    listed = page[page.index('data-attachment="') :]
    listed = listed[: listed.index("</tr>")]
    shown = shown_text(listed)
    assert "1. 递交入党申请书" in shown  # the step by number and name
    assert "入党申请书" in shown
    assert "S01" not in shown
    assert "application" not in shown  # the material's stored code


def test_an_inspector_cannot_post_an_upload(pw, client_for):
    s01 = walk(pw, "S01")["S01"][0]
    response = client_for("inspector_lh").post(
        "/archive/people/P0001/attach/", {"slot": f"{s01.pk}:application", "file": upload(png_bytes())}
    )
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_a_scan_is_replaced_from_the_page_only_with_a_reason(pw, client_for):
    s01 = walk(pw, "S01")["S01"][0]
    old = attachment_add(
        actor=pw.users["sec1"], record=s01, material="application", upload=upload(png_bytes())
    )
    client = client_for("sec1")
    url = f"/archive/attachments/{old.pk}/supersede/"
    response = client.post(url, {"file": upload(png_bytes("blue")), "reason": ""})
    assert response.status_code == 400
    assert Attachment.objects.count() == 1
    response = client.post(url, {"file": upload(png_bytes("blue")), "reason": "扫描不清"})
    assert response.status_code == 302
    assert Attachment.objects.get(supersedes=old).reason == "扫描不清"


def test_verifyfiles_finds_a_changed_or_missing_blob(pw):
    from django.core.management import CommandError, call_command

    done = walk(pw, "S02")
    a = attachment_add(
        actor=pw.users["sec1"], record=done["S01"][0], material="application", upload=upload(png_bytes())
    )
    b = attachment_add(
        actor=pw.users["sec1"], record=done["S02"][0], material="talk_record", upload=upload(png_bytes("red"))
    )
    call_command("verifyfiles")
    path = blob_path(a.sha256)
    path.chmod(0o644)
    path.write_bytes(b"tampered")
    blob_path(b.sha256).unlink()
    with pytest.raises(CommandError, match="2 of 2"):
        call_command("verifyfiles")
