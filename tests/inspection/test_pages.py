"""The inspection pages: start a run, findings grouped by rule and by org with filters and evidence, a link to
the person, and the rectification of a finding (assign, explain, correct, verify), each inside the user's
subtree."""

import datetime

from fazhan.inspection.models import Finding, FindingStatus, InspectionRun
from fazhan.inspection.services import inspection_run
from fazhan.jobs.models import Job, JobKind
from fazhan.procedure.models import StepRecord
from fazhan.procedure.services import case_record_step
from tests.procedure.conftest import day, legal_details


def late_talk(w):
    case_record_step(actor=None, case=w.case, step="S01", date=day(0), details={})
    case_record_step(actor=None, case=w.case, step="S02", date=day(50), details=legal_details("S02", 0, w))


def post_run(client, w, org=None):
    return client.post(
        "/inspection/",
        {"org": (org or w.township).pk, "as_of": datetime.date.today().isoformat()},
    )


def start(w, username="lh_organizer"):
    """A run over the township as the page's job makes it, through the same service (the job's thread is
    tested in tests/jobs, which needs a transactional database)."""
    return inspection_run(actor=w.users[username], org=w.township, as_of=datetime.date.today())


def test_the_run_form_offers_the_top_of_the_users_subtree_first_and_no_empty_choice(pw, client_for):
    page = client_for("lh_organizer").get("/inspection/").content.decode()
    assert f'<option value="{pw.township.pk}" selected>' in page
    assert "---------" not in page


def test_the_run_form_sends_the_user_to_the_runs_job(pw, client_for):
    response = post_run(client_for("lh_organizer"), pw)
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.kind == JobKind.INSPECTION


def test_a_run_shows_findings_by_rule_and_org_with_the_person_link(pw, client_for):
    late_talk(pw)
    run = start(pw)
    page = client_for("lh_organizer").get(f"/inspection/runs/{run.pk}/").content.decode()
    assert 'id="by-rule"' in page
    assert 'id="by-org"' in page
    assert "APP-TALK" in page
    assert "/people/P0001/" in page
    assert "中共罗汉镇高桥村支部委员会" in page


def test_the_findings_filter_by_rule(pw, client_for):
    late_talk(pw)
    client = client_for("lh_organizer")
    run = start(pw)
    page = client.get(f"/inspection/runs/{run.pk}/?rule=APP-TALK").content.decode()
    table = page.split('id="findings"')[1]
    assert "APP-TALK" in table
    assert "VIO-BACKDATE" not in table
    assert "VIO-BACKDATE" in client.get(f"/inspection/runs/{run.pk}/").content.decode()


def test_a_branch_secretary_cannot_start_a_run_but_sees_their_branchs_findings(pw, client_for):
    late_talk(pw)
    run = start(pw)
    secretary = client_for("sec1")
    assert "开始检查" not in secretary.get("/inspection/").content.decode()
    assert post_run(secretary, pw, pw.branch1).status_code == 200  # the org is not among the choices
    assert InspectionRun.objects.count() == 1
    assert not Job.objects.exists()
    assert "APP-TALK" in secretary.get(f"/inspection/runs/{run.pk}/").content.decode()
    other = client_for("sec2")
    assert "APP-TALK" not in other.get(f"/inspection/runs/{run.pk}/").content.decode()


def test_a_finding_outside_the_users_subtree_is_404(pw, client_for):
    late_talk(pw)
    start(pw)
    finding = Finding.objects.filter(rule="APP-TALK").get()
    assert client_for("yx_organizer").get(f"/inspection/findings/{finding.pk}/").status_code == 404
    assert client_for("sec1").get(f"/inspection/findings/{finding.pk}/").status_code == 200


def test_rectification_through_the_pages_assign_explain_correct_verify(pw, client_for):
    late_talk(pw)
    inspector = client_for("inspector_lh")  # 督查: assigns and verifies; the branch explains and corrects
    start(pw)
    finding = Finding.objects.get(rule="APP-TALK")
    url = f"/inspection/findings/{finding.pk}/"
    assert "党组织派人谈话" in inspector.get(url).content.decode()
    assigned = inspector.post(url, {"action": "assign", "assignee": pw.users["sec1"].pk, "note": "请核对"})
    assert assigned.status_code == 302
    secretary = client_for("sec1")
    empty = secretary.post(url, {"action": "explain", "explanation": " "})
    assert "请填写情况说明" in empty.content.decode() or "这个字段是必填项" in empty.content.decode()
    correct = secretary.post(
        f"/inspection/findings/{finding.pk}/correct/",
        {"date": day(20).isoformat(), "d_talkers": pw.members[0].pid, "reason": "谈话记录日期抄错"},
    )
    assert correct.status_code == 302
    assert StepRecord.objects.filter(supersedes_id=finding.record_id, date=day(20)).exists()
    verified = client_for("district").post(url, {"action": "verify", "note": "已核对原始记录"})
    assert verified.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.VERIFIED
    assert [e.action for e in finding.events.all()] == ["found", "assigned", "corrected", "verified"]
    start(pw)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CLOSED


def test_the_nav_has_the_inspection_entry(pw, client_for):
    assert 'href="/inspection/"' in client_for("inspector_lh").get("/").content.decode()


def test_a_rectification_the_role_may_not_do_is_said_on_top_of_its_form(pw, client_for):
    late_talk(pw)
    start(pw)
    finding = Finding.objects.get(rule="APP-TALK")
    response = client_for("sec1").post(
        f"/inspection/findings/{finding.pk}/", {"action": "verify", "note": ""}
    )
    assert response.status_code == 200
    assert response.context["verify"].non_field_errors() == ["只有督查员和区委组织部审核人可以核实整改。"]
    finding.refresh_from_db()
    assert (finding.status, finding.events.count()) == (FindingStatus.OPEN, 1)


def test_a_refused_correction_is_said_at_the_field_it_is_about(pw, client_for):
    late_talk(pw)
    start(pw)
    finding = Finding.objects.get(rule="APP-TALK")
    response = client_for("sec1").post(
        f"/inspection/findings/{finding.pk}/correct/",
        {"date": "2099-01-01", "d_talkers": pw.members[0].pid, "reason": "谈话记录日期抄错"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["date"]
    assert not form.non_field_errors()
    assert not StepRecord.objects.filter(supersedes_id=finding.record_id).exists()
