"""Import and export from the pages: upload, preview, confirm; the user's subtree only; masked exports."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from fazhan.interchange.models import ImportUpload
from fazhan.jobs.models import Job, JobKind
from fazhan.people.models import Person
from tests.conftest import ID_1998_MALE
from tests.interchange.conftest import snapshot


def upload(client, records, name="records.jsonl"):
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    return client.post("/interchange/", {"file": SimpleUploadedFile(name, body)})


def test_a_township_organizer_uploads_previews_and_confirms(client_for, base_records):
    client = client_for("lh_organizer")
    response = upload(client, base_records)
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert "确认导入" in preview.content.decode()
    assert not Person.objects.filter(pid="P0901").exists()  # the preview writes nothing

    confirmed = client.post(response["Location"] + "confirm/")

    # The import runs on the job's thread (tests/jobs: it imports, once only, or fails naming the problems).
    job = Job.objects.get()
    assert confirmed.status_code == 302
    assert confirmed["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.params["upload"]) == (JobKind.IMPORT, ImportUpload.objects.get().pk)


def test_a_file_touching_orgs_outside_the_users_subtree_is_refused_by_line(client_for, base_records):
    client = client_for("yx_organizer")
    response = upload(client, base_records)
    before = snapshot()
    preview = client.get(response["Location"]).content.decode()
    assert "line 2: code: 超出您的管辖范围：SZQ-LH-09" in preview
    assert "line 3: org: 超出您的管辖范围：SZQ-LH-09" in preview
    assert snapshot() == before  # the preview writes nothing (the confirmed import fails: tests/jobs)


def test_problems_are_listed_in_the_preview(client_for, base_records):
    client = client_for("lh_organizer")
    base_records[3]["education"] = "博士"
    preview = client.get(upload(client, base_records)["Location"]).content.decode()
    assert "line 4: education: 不在可选值内：博士（可选：研究生、大学本科、大学专科" in preview
    assert "确认导入" not in preview


def test_a_branch_secretary_may_not_import_and_sees_no_menu_entry(client_for, base_records):
    client = client_for("sec1")
    assert upload(client, base_records).status_code == 403
    assert "数据交换" not in client.get("/").content.decode()
    assert "数据交换" in client_for("lh_organizer").get("/").content.decode()


def test_an_upload_of_another_user_is_not_found(client_for, base_records):
    location = upload(client_for("lh_organizer"), base_records)["Location"]
    assert client_for("district").get(location).status_code == 404


def test_web_exports_mask_id_numbers_unless_the_role_sees_them(client_for, world):
    clear = client_for("lh_organizer").get("/interchange/export/?format=jsonl").content.decode()
    masked = client_for("sec1").get("/interchange/export/?format=jsonl").content.decode()
    assert ID_1998_MALE in clear
    assert ID_1998_MALE not in masked
    assert "5110**********1215" in masked
    assert client_for("sec1").get("/interchange/export/?format=jsonl&org=SZQ-YX").status_code == 404


def test_the_ledger_rosters_and_template_download_as_excel(client_for, world):
    client = client_for("lh_organizer")
    for kind in ("xlsx", "applicants", "activists", "targets", "template"):
        response = client.get(f"/interchange/export/?format={kind}")
        assert response.status_code == 200
        assert response.getvalue()[:2] == b"PK"  # a zip: an .xlsx workbook (the ledger and rosters streamed)


def test_moving_a_person_in_from_outside_the_subtree_is_refused(client_for, world):
    record = {"type": "person", "id": "P0004", "name": "赵六", "id_number": world.p_yx.id_number}
    record |= {"org": "SZQ-LH-01", "education": "大学专科", "occupation": "农牧渔民", "phone": "13800001234"}
    preview = client_for("lh_organizer").get(upload(client_for("lh_organizer"), [record])["Location"])
    text = preview.content.decode()
    assert "line 1: org: 该人员已在另一党组织登记：组织关系的变动须以转接记录（transfer）导入" in text
    assert world.p_yx.name not in text  # who holds the number outside the importer's subtree is not told
    assert "SZQ-YX" not in text  # nor where


def test_a_file_that_is_no_workbook_is_a_problem_in_the_preview(client_for, world):
    client = client_for("lh_organizer")
    response = client.post("/interchange/", {"file": SimpleUploadedFile("台账.xlsx", b"\x00\xffnot a zip")})
    preview = client.get(response["Location"]).content.decode()
    assert "第1行：文件：不是可读的 Excel 或 WPS 表格文件（.xlsx、.xls、.et、.ods）" in preview
    bad = client.post("/interchange/", {"file": SimpleUploadedFile("x.csv", b"a,b")})
    assert "只能导入" in bad.content.decode()


def test_the_preview_says_what_changes_from_what_to_what_and_what_the_rules_will_find(client_for, world):
    client = client_for("lh_organizer")
    export = client.get("/interchange/export/?format=jsonl").content.decode().splitlines()
    records = [json.loads(line) for line in export]
    for record in records:
        if record["type"] == "person" and record["id"] == "P0001":
            record["education"] = "高中"
    records.append({"type": "step", "person": "P0001", "step": "S01", "date": "2016-03-01"})
    records.append({"type": "step", "person": "P0001", "step": "S02", "date": "2016-06-01"})
    before = snapshot()

    preview = client.get(upload(client, records)["Location"]).content.decode()

    assert "<td>修改</td><td>人员 张三（P0001）</td><td>学历</td><td>大学专科</td><td>高中</td>" in preview
    assert 'id="import-findings"' in preview
    assert 'data-rule="APP-TALK"' in preview  # the talk three months after the application
    assert "确认导入" in preview
    assert snapshot() == before


def test_the_person_page_marks_imported_records_and_what_the_rules_find_on_them(client_for, world, tmp_path):
    from tests.interchange.conftest import run, write_jsonl

    records = [
        {"type": "step", "person": "P0001", "step": "S01", "date": "2020-01-02"},
        {
            "type": "step",
            "person": "P0001",
            "step": "S02",
            "date": "2020-02-25",
            "details": {"talkers": ["M0001"]},
        },
    ]
    assert run("import", str(write_jsonl(tmp_path / "late.jsonl", records)))[0] == 0
    page = client_for("sec1").get("/people/P0001/").content.decode()
    talk = page[page.index('data-step="S02"') :].split("</tr>")[0]
    assert '<span class="imported"' in talk
    assert "APP-TALK" in talk
