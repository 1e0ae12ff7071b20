"""Background jobs: a run or an import started from its page goes on a thread of the web process, reports its
progress on the job's page, and ends done with a link to what it produced, or failed with a message and
nothing written; a job whose process died shows as interrupted; a user sees the jobs of their subtree only.

The tests that run a job's thread need `transactional_db`: the thread's own connection cannot see rows of a
test wrapped in a transaction (and its on_commit never fires). They are few, as PostgreSQL empties every
table after each."""

import datetime
import json
import time
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from fazhan.accounts.models import RoleAssignment
from fazhan.auditlog.models import AuditEvent
from fazhan.core.dates import date_cn
from fazhan.inspection.jobs import ERR_RUN_GONE, inspection_progress_say, inspection_run_start, report_start
from fazhan.inspection.models import Finding, InspectionRun
from fazhan.inspection.run import Phase, Progress, inspect
from fazhan.inspection.services import ERR_RUN_ROLE, inspection_run
from fazhan.interchange.jobs import ERR_PROBLEMS
from fazhan.interchange.models import ImportUpload
from fazhan.jobs.models import Job, JobKind, JobState
from fazhan.jobs.runner import jobs_join
from fazhan.jobs.selectors import ERR_INTERRUPTED, job_get_for_user
from fazhan.jobs.services import job_start
from fazhan.people.models import Person
from fazhan.procedure.services import case_record_step
from tests.interchange.conftest import snapshot
from tests.procedure.conftest import day, legal_details

TODAY = datetime.date.today().isoformat()


def late_talk(w):
    case_record_step(actor=None, case=w.case, step="S01", date=day(0), details={})
    case_record_step(actor=None, case=w.case, step="S02", date=day(50), details=legal_details("S02", 0, w))


def finished(job_id: int, *, within: float = 60.0) -> Job:
    """The job once its thread has ended."""
    deadline = time.monotonic() + within
    while Job.objects.filter(pk=job_id, state__in=[JobState.QUEUED, JobState.RUNNING]).exists():
        assert time.monotonic() < deadline, f"job {job_id} still running after {within} s"
        time.sleep(0.1)
    jobs_join(within)
    return Job.objects.get(pk=job_id)


def job_id_of(response) -> int:
    assert response.status_code == 302
    assert response["Location"].startswith("/jobs/")
    return int(response["Location"].strip("/").split("/")[-1])


@pytest.fixture
def tw(transactional_db, pw):
    """The walked case's world in a database the job's thread can see."""
    return pw


# --- on the thread ----------------------------------------------------------------------------------------


def test_a_run_started_from_the_page_ends_done_and_links_its_findings(tw, client_for):
    late_talk(tw)
    client = client_for("lh_organizer")
    job_id = job_id_of(client.post("/inspection/", {"org": tw.township.pk, "as_of": TODAY}))

    job = finished(job_id)

    run = InspectionRun.objects.get()
    assert (job.state, job.error) == (JobState.DONE, "")
    assert job.result_url == f"/inspection/runs/{run.pk}/"
    assert job.message == f"共发现 {run.found} 个问题（新发现 {run.opened} 个，关闭 0 个）。"
    assert job.started_at is not None
    assert job.finished_at is not None
    assert job.started_at <= job.finished_at
    assert run.started_by == tw.users["lh_organizer"]
    assert Finding.objects.filter(rule="APP-TALK", first_run=run).exists()
    actions = list(
        AuditEvent.objects.filter(action__in=["job.start", "inspection.run"]).values_list("action")
    )
    assert actions == [("job.start",), ("inspection.run",)]
    page = client.get(f"/jobs/{job_id}/").content.decode()
    assert f'href="/inspection/runs/{run.pk}/"' in page
    assert "every 1s" not in page  # a finished job's page stops polling


def test_a_job_whose_work_raises_ends_failed_with_its_reason_and_writes_nothing(tw):
    late_talk(tw)
    organizer = tw.users["lh_organizer"]
    with transaction.atomic():  # the role is gone by the time the thread runs
        refused = inspection_run_start(actor=organizer, org=tw.township, as_of=datetime.date.today())
        RoleAssignment.objects.filter(user=organizer).delete()
    broken = job_start(
        actor=organizer, kind=JobKind.INSPECTION, org=tw.township, title="检查", params={"as_of": TODAY}
    )

    refused, broken = finished(refused.pk), finished(broken.pk)

    assert (refused.state, refused.error) == (JobState.FAILED, ERR_RUN_ROLE)
    assert broken.state == JobState.FAILED
    assert broken.error == "检查未能完成：程序出错（KeyError），详情已写入服务器日志；没有写入任何结果。"
    assert "Traceback" not in broken.error
    assert not InspectionRun.objects.exists()
    assert not Finding.objects.exists()
    assert not AuditEvent.objects.filter(action="inspection.run").exists()


def test_a_report_started_from_the_run_page_is_kept_on_its_job_for_download(
    tw, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    late_talk(tw)
    organizer = client_for("lh_organizer")
    run = inspection_run(actor=tw.users["lh_organizer"], org=tw.township, as_of=datetime.date.today())
    job_id = job_id_of(
        organizer.post(f"/inspection/runs/{run.pk}/", {"since": "2017-01-01", "format": "pdf"})
    )

    job = finished(job_id)

    assert (job.state, job.error) == (JobState.DONE, "")
    assert job.message == f"自查报告已生成：{run.found} 个问题。"
    assert job.output_name == f"{tw.township.name}自查报告（{date_cn(run.as_of)}）.pdf"
    stored = tmp_path / "media" / job.output.name
    assert stored.read_bytes().startswith(b"%PDF-")
    page = organizer.get(f"/jobs/{job_id}/").content.decode()
    assert f'href="/jobs/{job_id}/download/"' in page
    assert f'href="/inspection/runs/{run.pk}/"' in page
    download = organizer.get(f"/jobs/{job_id}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == stored.read_bytes()
    assert quote(job.output_name) in download["Content-Disposition"]  # filename*=utf-8''…
    assert AuditEvent.objects.filter(action="job.download", target_id=str(job_id)).count() == 1
    assert client_for("yx_organizer").get(f"/jobs/{job_id}/download/").status_code == 404

    docx = finished(
        job_id_of(organizer.post(f"/inspection/runs/{run.pk}/", {"since": "2017-01-01", "format": "docx"}))
    )
    assert docx.output_name.endswith(".docx")
    assert (tmp_path / "media" / docx.output.name).read_bytes().startswith(b"PK")


def test_a_report_job_whose_run_left_the_users_scope_fails_saying_so(tw, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    organizer = tw.users["lh_organizer"]
    run = inspection_run(actor=organizer, org=tw.township, as_of=datetime.date.today())
    with transaction.atomic():
        job = report_start(actor=organizer, run=run, fmt="pdf", since=datetime.date(2017, 1, 1))
        RoleAssignment.objects.filter(user=organizer).delete()

    job = finished(job.pk)

    assert (job.state, job.error) == (JobState.FAILED, ERR_RUN_GONE)
    assert not job.output
    assert not (tmp_path / "media").exists()


def test_an_import_with_problems_fails_naming_them_and_a_clean_one_imports_once(tw, client_for, base_records):
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in base_records).encode()
    outsider = client_for("yx_organizer")
    preview = outsider.post("/interchange/", {"file": SimpleUploadedFile("records.jsonl", body)})["Location"]
    before = snapshot()

    refused = finished(job_id_of(outsider.post(preview + "confirm/")))

    assert refused.state == JobState.FAILED
    assert refused.error.startswith(ERR_PROBLEMS.split("%")[0])
    assert "line 2: code: 超出您的管辖范围：SZQ-LH-09" in refused.error
    assert refused.result_url == "/interchange/"  # the file is deleted: upload it again, mended
    assert outsider.get(preview).status_code == 404
    after = snapshot()
    # the job's start and the deletion of the uploaded file, nothing else
    assert after.pop("audit") == [before.pop("audit")[0] + 2]
    assert after == before

    organizer = client_for("lh_organizer")
    preview = organizer.post("/interchange/", {"file": SimpleUploadedFile("records.jsonl", body)})["Location"]
    done = finished(job_id_of(organizer.post(preview + "confirm/")))

    assert (done.state, done.result_url) == (JobState.DONE, "/interchange/")
    assert done.message.startswith("已导入 records.jsonl：新增或修改")
    assert Person.objects.filter(pid="P0901").exists()
    imported = ImportUpload.objects.get(user=tw.users["lh_organizer"])
    assert imported.imported_at is not None
    assert (bytes(imported.content), imported.content_deleted_at is not None) == (b"", True)
    assert organizer.post(preview + "confirm/").status_code == 404  # imported once only
    assert AuditEvent.objects.filter(action="interchange.import").count() == 1


# --- on the request's side --------------------------------------------------------------------------------


def test_the_run_form_queues_a_job_and_sends_the_user_to_its_polling_page(pw, client_for):
    client = client_for("lh_organizer")
    job_id = job_id_of(client.post("/inspection/", {"org": pw.township.pk, "as_of": TODAY}))
    job = Job.objects.get(pk=job_id)
    assert (job.kind, job.state, job.org, job.started_by) == (
        JobKind.INSPECTION,
        JobState.QUEUED,
        pw.township,
        pw.users["lh_organizer"],
    )
    assert job.params == {"org": pw.township.pk, "as_of": TODAY}
    assert AuditEvent.objects.filter(action="job.start", target_id=str(job_id)).count() == 1
    page = client.get(f"/jobs/{job_id}/").content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert "排队中" in page
    partial = client.get(f"/jobs/{job_id}/", headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<section id="job-status"')


def test_a_running_job_with_no_sign_of_life_for_ten_minutes_shows_as_interrupted(world, client_for):
    organizer = world.users["lh_organizer"]
    quiet, stale = (
        job_start(actor=organizer, kind=JobKind.INSPECTION, org=world.township, title=t, params={"t": t})
        for t in ("quiet", "stale")
    )
    now = timezone.now()
    Job.objects.filter(pk=quiet.pk).update(
        state=JobState.RUNNING, progress_at=now - datetime.timedelta(minutes=9)
    )
    Job.objects.filter(pk=stale.pk).update(
        state=JobState.RUNNING, progress_at=now - datetime.timedelta(minutes=11)
    )

    assert job_get_for_user(organizer, quiet.pk).state == JobState.RUNNING
    shown = job_get_for_user(organizer, stale.pk)
    assert (shown.state, shown.error) == (JobState.FAILED, ERR_INTERRUPTED)
    assert Job.objects.get(pk=stale.pk).state == JobState.RUNNING  # read, never written
    page = client_for("lh_organizer").get(f"/jobs/{stale.pk}/").content.decode()
    assert "中断" in page
    assert "every 1s" not in page


def test_a_user_sees_the_jobs_of_their_subtree_only(world, client_for):
    job = job_start(
        actor=world.users["lh_organizer"],
        kind=JobKind.INSPECTION,
        org=world.township,
        title="罗汉镇检查",
        params={},
    )
    url = f"/jobs/{job.pk}/"
    for username in ("lh_organizer", "lh_approver", "inspector_lh", "district"):
        client = client_for(username)
        assert client.get(url).status_code == 200, username
        assert "罗汉镇检查" in client.get("/jobs/").content.decode(), username
    for username in ("yx_organizer", "sec1", "admin"):  # another township; a branch; no case content
        client = client_for(username)
        assert client.get(url).status_code == 404, username
        assert "罗汉镇检查" not in client.get("/jobs/").content.decode(), username


def test_the_jobs_list_is_reached_from_the_top_bar(world, client_for):
    assert 'href="/jobs/"' in client_for("sec1").get("/").content.decode()


def test_a_running_jobs_page_shows_its_count_as_a_bar(world, client_for):
    job = job_start(
        actor=world.users["lh_organizer"],
        kind=JobKind.INSPECTION,
        org=world.township,
        title="检查",
        params={},
    )
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, message="已判定 300/1000 份档案", done=300, total=1000
    )
    page = client_for("lh_organizer").get(f"/jobs/{job.pk}/").content.decode()
    assert '<progress id="job-bar" max="1000" value="300">30%</progress>' in page
    assert "已判定 300/1000 份档案" in page


def test_the_runs_progress_is_said_in_chinese_with_the_cases_judged_so_far():
    said = []
    day = datetime.date(2024, 5, 1)
    for p in (
        Progress(Phase.LOAD, day),
        Progress(Phase.SCREEN, day, cases=1000, records=15000),
        Progress(Phase.JUDGE, day, cases=1000, records=15000, done=300, total=1000),
        Progress(Phase.DONE, day, cases=1000, records=15000, findings=7),
    ):
        inspection_progress_say(lambda text, done=None, total=None: said.append((text, done, total)), p)
    assert said == [
        ("正在读取截至 2024-05-01 的档案…", None, None),
        ("共 1000 份档案、15000 条步骤记录；正在筛查…", None, None),
        ("已判定 300/1000 份档案", 300, 1000),
        ("共发现 7 个问题，正在保存…", None, None),
    ]


def test_a_run_reports_each_phase_in_order_with_its_counts(pw):
    late_talk(pw)
    seen: list[Progress] = []
    result = inspect(root=pw.township, as_of=datetime.date.today(), progress=seen.append)
    phases = [p.phase for p in seen]
    assert phases[0] == Phase.LOAD
    assert phases[-1] == Phase.DONE
    assert [Phase(p) for p in dict.fromkeys(phases)] == [
        Phase.LOAD,
        Phase.SCREEN,
        Phase.JUDGE,
        Phase.ORG,
        Phase.DONE,
    ]
    judged = [p for p in seen if p.phase == Phase.JUDGE]
    assert judged[0].done == 0
    assert judged[-1].done == judged[-1].total >= 1
    assert seen[-1].findings == len(result.issues)
    assert seen[-1].cases == result.cases


def test_the_same_work_asked_for_twice_while_it_runs_is_one_job(world, client_for, base_records):
    organizer = world.users["lh_organizer"]
    asked = {
        "actor": organizer,
        "kind": JobKind.INSPECTION,
        "org": world.township,
        "title": "检查",
        "params": {"a": 1},
    }
    first, again = job_start(**asked), job_start(**asked)
    assert again.pk == first.pk
    other = job_start(**{**asked, "params": {"a": 2}})
    assert other.pk != first.pk
    assert AuditEvent.objects.filter(action="job.start").count() == 2
    Job.objects.filter(pk=first.pk).update(state=JobState.DONE)
    assert job_start(**asked).pk not in (first.pk, other.pk)  # done: the work may be asked for again


def test_a_stale_job_of_the_same_work_is_marked_interrupted_and_the_work_starts_again(world):
    asked = {
        "actor": world.users["lh_organizer"],
        "kind": JobKind.INSPECTION,
        "org": world.township,
        "title": "检查",
        "params": {},
    }
    stale = job_start(**asked)
    Job.objects.filter(pk=stale.pk).update(
        state=JobState.RUNNING, progress_at=timezone.now() - datetime.timedelta(minutes=11)
    )
    fresh = job_start(**asked)
    assert fresh.pk != stale.pk
    stale.refresh_from_db()
    assert (stale.state, stale.error) == (JobState.FAILED, ERR_INTERRUPTED)


def test_the_database_holds_one_active_job_per_work(world):
    job = job_start(
        actor=None, kind=JobKind.INSPECTION, org=world.township, title="检查", params={"as_of": TODAY}
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(kind=job.kind, org=job.org, title="again", params=job.params, key=job.key)


def test_a_double_click_on_the_import_confirm_follows_the_one_job(world, client_for, base_records):
    client = client_for("lh_organizer")
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in base_records).encode()
    preview = client.post("/interchange/", {"file": SimpleUploadedFile("a.jsonl", body)})["Location"]
    first = job_id_of(client.post(preview + "confirm/"))
    second = job_id_of(client.post(preview + "confirm/"))
    assert first == second
    assert Job.objects.filter(kind=JobKind.IMPORT).count() == 1
