import csv
import hashlib
import io
import zipfile

import pytest

from fazhan.archive.blobs import blob_path
from fazhan.archive.selectors import completeness_missing, person_completeness
from fazhan.archive.services import attachment_add, attachment_supersede
from fazhan.auditlog.models import AuditEvent
from fazhan.procedure.definition import ARCHIVE_CORE
from tests.archive.conftest import PDF_BYTES, jpg_bytes, png_bytes, upload
from tests.procedure.conftest import walk


def test_the_matrix_lists_what_the_steps_reached_produce(pw):
    walk(pw, "S06")
    rows = person_completeness(pw.p1)
    assert [r.code for r in rows] == [
        "application",
        "talk_record",
        "recommendation",
        "cultivation_records",
        "thought_reports",
    ]
    assert completeness_missing(rows) == [r.code for r in rows]
    assert [s.code for s in rows[3].steps] == ["S06"]


def test_an_attachment_turns_its_material_present(pw):
    s01 = walk(pw, "S03")["S01"][0]
    attachment_add(actor=pw.users["sec1"], record=s01, material="application", upload=upload(png_bytes()))
    missing = completeness_missing(person_completeness(pw.p1))
    assert missing == ["talk_record", "recommendation"]


def test_after_conversion_the_five_core_materials_are_required(pw):
    walk(pw)  # the whole legal path, S24 approved and S25
    rows = {r.code: r for r in person_completeness(pw.p1)}
    assert set(ARCHIVE_CORE) <= set(rows)
    assert all(rows[code].core for code in ARCHIVE_CORE)
    assert not rows["talk_record"].core


def test_the_person_page_shows_the_matrix(pw, client_for):
    s01 = walk(pw, "S02")["S01"][0]
    client = client_for("sec1")
    html = client.get("/people/P0001/").content.decode()
    assert 'class="missing" data-material="application"' in html
    attachment_add(actor=pw.users["sec1"], record=s01, material="application", upload=upload(png_bytes()))
    html = client.get("/people/P0001/").content.decode()
    assert 'class="present" data-material="application"' in html
    assert 'class="missing" data-material="talk_record"' in html


def _zip(client, pid="P0001") -> zipfile.ZipFile:
    response = client.get(f"/archive/people/{pid}/file.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_zip_holds_every_file_and_its_index_lists_each_with_its_hash(pw, client_for):
    done = walk(pw, "S03")
    sec1 = pw.users["sec1"]
    first = attachment_add(
        actor=sec1, record=done["S01"][0], material="application", upload=upload(png_bytes())
    )
    attachment_add(
        actor=sec1, record=done["S02"][0], material="talk_record", upload=upload(PDF_BYTES, "t.pdf")
    )
    attachment_add(actor=sec1, record=done["S03"][0], material="recommendation", upload=upload(jpg_bytes()))
    attachment_supersede(actor=sec1, attachment=first, upload=upload(png_bytes("black")), reason="重扫")

    archive = _zip(client_for("sec1"))
    index = list(csv.DictReader(io.StringIO(archive.read("index.csv").decode("utf-8-sig"))))
    files = sorted(n for n in archive.namelist() if n != "index.csv")
    assert sorted(row["文件"] for row in index) == files
    assert len(files) == 4  # the superseded scan is kept too
    for row in index:
        assert hashlib.sha256(archive.read(row["文件"])).hexdigest() == row["SHA-256"]
    by_material = {(row["材料代码"], row["状态"]): row for row in index}
    assert by_material[("application", "已替换")]["步骤"] == "S01"
    assert by_material[("application", "现行")]["替换原因"] == "重扫"
    assert by_material[("talk_record", "现行")]["日期"] == done["S02"][0].date.isoformat()
    assert by_material[("recommendation", "现行")]["步骤名称"] == "推荐和确定入党积极分子"


def test_a_zip_download_is_logged(pw, client_for):
    walk(pw, "S01")
    _zip(client_for("lh_organizer"))
    event = AuditEvent.objects.get(action="archive.download.zip")
    assert event.actor == pw.users["lh_organizer"]
    assert event.data["person"] == "P0001"


@pytest.mark.parametrize("username", ["yx_organizer", "sec2"])
@pytest.mark.parametrize(
    "url",
    [
        "/archive/people/P0001/",
        "/archive/people/P0001/file.zip",
        "/archive/people/P0001/record.pdf",
        "/archive/people/P0001/record.docx",
        "/archive/attachments/{pk}/",
    ],
)
def test_downloads_outside_the_users_subtree_are_404(pw, client_for, username, url):
    s01 = walk(pw, "S01")["S01"][0]
    a = attachment_add(actor=pw.users["sec1"], record=s01, material="application", upload=upload(png_bytes()))
    assert client_for(username).get(url.format(pk=a.pk)).status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="archive.download").exists()


def test_posts_outside_the_users_subtree_are_404(pw, client_for):
    s01 = walk(pw, "S01")["S01"][0]
    a = attachment_add(actor=pw.users["sec1"], record=s01, material="application", upload=upload(png_bytes()))
    client = client_for("yx_organizer")
    assert client.post(f"/archive/attachments/{a.pk}/supersede/", {"reason": "x"}).status_code == 404
    assert client.post("/archive/people/P0001/attach/", {}).status_code == 404
    assert client.post("/archive/people/P0001/review/", {}).status_code == 404


def test_an_attachment_downloads_with_its_content_and_is_logged(pw, client_for):
    s01 = walk(pw, "S01")["S01"][0]
    content = png_bytes("green")
    a = attachment_add(
        actor=pw.users["sec1"], record=s01, material="application", upload=upload(content, "申请书.png")
    )
    response = client_for("district").get(f"/archive/attachments/{a.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "image/png"
    assert AuditEvent.objects.filter(
        action="archive.download.attachment", actor=pw.users["district"]
    ).exists()


def test_a_blob_lost_from_the_disk_is_named_in_the_index_not_a_failed_download(pw, client_for):
    s01 = walk(pw, "S01")["S01"][0]
    a = attachment_add(actor=pw.users["sec1"], record=s01, material="application", upload=upload(png_bytes()))
    path = blob_path(a.sha256)
    path.chmod(0o644)
    path.unlink()
    archive = _zip(client_for("sec1"))
    index = list(csv.DictReader(io.StringIO(archive.read("index.csv").decode("utf-8-sig"))))
    assert index[0]["文件"].startswith("（文件缺失）")
    assert index[0]["SHA-256"] == a.sha256
    assert archive.namelist() == ["index.csv"]
