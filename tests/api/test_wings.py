"""The API beyond persons and cases: inspection runs and findings with their rectification moves, plans and
quotas, the form register, pre-review batches and notices — each scoped, refused and masked as its page is,
every operation in the OpenAPI description."""

import datetime

import pytest

from fazhan.api.services import apitoken_create
from fazhan.auditlog.models import AuditEvent
from fazhan.inspection.models import Finding
from fazhan.notices.services import notice_feedback_record, notice_public_submit
from fazhan.prereview.services import form_issue, prereview_batch_submit, prereview_item_decide
from fazhan.procedure.models import StepRecord
from tests.api.conftest import ApiClient
from tests.inspection.test_pages import late_talk, start
from tests.notices.conftest import activist, publish  # noqa: F401  (fixture)
from tests.prereview.test_batches import TOWNSHIP_PASS
from tests.procedure.conftest import day, legal_details, walk

NEW_PATHS = {
    "/api/v1/runs": ["get"],
    "/api/v1/runs/{run_id}": ["get"],
    "/api/v1/runs/{run_id}/findings": ["get"],
    "/api/v1/findings/{finding_id}": ["get"],
    "/api/v1/findings/{finding_id}/assign": ["post"],
    "/api/v1/findings/{finding_id}/explain": ["post"],
    "/api/v1/findings/{finding_id}/verify": ["post"],
    "/api/v1/findings/{finding_id}/correct": ["post"],
    "/api/v1/plans": ["get"],
    "/api/v1/plans/{code}/{year}": ["get", "put"],
    "/api/v1/forms": ["get"],
    "/api/v1/forms/reconcile/{year}": ["get"],
    "/api/v1/prereview/batches": ["get"],
    "/api/v1/prereview/batches/{batch_id}": ["get"],
    "/api/v1/notices": ["get"],
    "/api/v1/notices/{notice_id}": ["get"],
}


def test_every_new_operation_is_in_the_openapi_description_with_its_shapes(world, api_for):
    served = api_for("lh_organizer").get("/api/v1/openapi.json").json()
    components = served["components"]["schemas"]
    for path, methods in NEW_PATHS.items():
        assert path in served["paths"], path
        for method in methods:
            operation = served["paths"][path][method]
            ok = next(code for code in operation["responses"] if code.startswith("2"))
            ref = operation["responses"][ok]["content"]["application/json"]["schema"]["$ref"]
            assert ref.rsplit("/", 1)[1] in components, (path, method)
            assert set(operation["responses"]) >= {"401", "403", "404", "422"}, (path, method)


# --- inspection --------------------------------------------------------------------------------------------


@pytest.fixture
def found(pw):
    """A tracking run's APP-TALK finding on 张三's talk 50 days after the application, in 高桥村."""
    late_talk(pw)
    pw.run = start(pw)
    pw.finding = Finding.objects.get(rule="APP-TALK")
    return pw


def test_runs_and_findings_are_read_within_the_users_subtree(found, api_for):
    runs = api_for("lh_organizer").get("/api/v1/runs").json()
    assert runs["count"] == 1
    assert runs["items"][0]["id"] == found.run.pk
    assert runs["items"][0]["org"] == "SZQ-LH"
    assert runs["items"][0]["tracks"] is True
    listed = api_for("sec1").get(f"/api/v1/runs/{found.run.pk}/findings", rule="APP-TALK").json()
    assert [(f["id"], f["rule"], f["org"], f["person"], f["status"]) for f in listed["items"]] == [
        (found.finding.pk, "APP-TALK", "SZQ-LH-01", "P0001", "open")
    ]
    # 二村's secretary sees the township's run, and none of 高桥村's findings in it
    theirs = api_for("sec2").get(f"/api/v1/runs/{found.run.pk}/findings").json()["items"]
    assert theirs  # 双河村's own (org-level) findings
    assert {f["org"] for f in theirs} == {"SZQ-LH-02"}
    assert api_for("sec2").get(f"/api/v1/findings/{found.finding.pk}").status_code == 404
    assert api_for("yx_organizer").get(f"/api/v1/runs/{found.run.pk}").status_code == 404
    assert api_for("admin").get(f"/api/v1/findings/{found.finding.pk}").status_code == 404
    bad = api_for("sec1").get(f"/api/v1/runs/{found.run.pk}/findings", status="gone")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "status"


def test_a_finding_offers_each_role_its_moves(found, api_for):
    url = f"/api/v1/findings/{found.finding.pk}"
    assert api_for("sec1").get(url).json()["actions"] == ["explain", "correct"]
    assert api_for("inspector_lh").get(url).json()["actions"] == ["assign"]
    detail = api_for("sec1").get(url).json()
    assert [e["action"] for e in detail["events"]] == ["found"]
    assert detail["record"] == StepRecord.objects.get(step="S02").pk


def test_the_rectification_moves_go_through_the_declared_transitions(found, api_for):
    url = f"/api/v1/findings/{found.finding.pk}"
    inspector, secretary = api_for("inspector_lh"), api_for("sec1")
    early = inspector.post(f"{url}/verify", {"note": "已核"})
    assert early.status_code == 422
    assert early.json()["errors"] == [
        {"field": "status", "message": "问题须先说明情况或更正记录，才能核实。"}
    ]
    not_theirs = inspector.post(f"{url}/explain", {"explanation": "代为说明"})
    assert not_theirs.status_code == 403
    assert not_theirs.json()["detail"] == "情况说明由问题所在党组织（支部、乡镇党委）填写。"
    nobody = inspector.post(f"{url}/assign", {"assignee": "nobody"})
    assert nobody.status_code == 422
    assert nobody.json()["errors"][0]["field"] == "assignee"
    assigned = inspector.post(f"{url}/assign", {"assignee": "sec1", "note": "请于月底前说明"})
    assert (assigned.status_code, assigned.json()["status"], assigned.json()["assignee"]) == (
        200,
        "assigned",
        "sec1",
    )
    explained = secretary.post(f"{url}/explain", {"explanation": "谈话记录日期抄错"})
    assert (explained.json()["status"], explained.json()["explanation"]) == ("explained", "谈话记录日期抄错")
    assert inspector.post(f"{url}/verify", {}).json()["status"] == "verified"
    again = secretary.post(f"{url}/explain", {"explanation": "补充说明"})
    assert again.status_code == 422
    assert again.json()["errors"][0]["message"] == "该问题已核实；只有新的检查再次发现它时才重新整改。"
    found.finding.refresh_from_db()
    assert (found.finding.status, found.finding.explanation) == ("verified", "谈话记录日期抄错")
    moves = AuditEvent.objects.filter(action__startswith="finding.").order_by("id")
    assert [e.action for e in moves] == ["finding.assigned", "finding.explained", "finding.verified"]


def test_a_correction_through_the_finding_supersedes_the_record_it_is_about(found, api_for):
    talk = StepRecord.objects.get(step="S02")
    body = {
        "date": day(20).isoformat(),
        "details": legal_details("S02", 0, found),
        "reason": "原始记录为第20天",
    }
    response = api_for("sec1").post(f"/api/v1/findings/{found.finding.pk}/correct", body)
    assert response.status_code == 201
    assert response.json()["supersedes"] == talk.pk
    assert response.json()["date"] == day(20).isoformat()
    found.finding.refresh_from_db()
    assert (found.finding.status, found.finding.correction_id) == ("corrected", response.json()["id"])
    refused = api_for("inspector_lh").post(f"/api/v1/findings/{found.finding.pk}/correct", body)
    assert refused.status_code == 403


def test_a_read_only_token_reads_findings_and_moves_none(found):
    _t, raw = apitoken_create(actor=None, user=found.users["sec1"], read_only=True)
    reader = ApiClient(raw)
    assert reader.get(f"/api/v1/findings/{found.finding.pk}").status_code == 200
    assert (
        reader.post(f"/api/v1/findings/{found.finding.pk}/explain", {"explanation": "x"}).status_code == 403
    )
    found.finding.refresh_from_db()
    assert found.finding.status == "open"


# --- plans -------------------------------------------------------------------------------------------------


def test_plans_are_set_by_the_roles_the_plan_page_allows_and_bound_by_the_plan_above(pw, api_for):
    district, township = api_for("district"), api_for("lh_organizer")
    assert district.client.put(
        "/api/v1/plans/SZQ/2026",
        '{"quota": 10}',
        content_type="application/json",
        headers=district._headers(),
    ).json() == {"org": "SZQ", "org_name": "中共市中区委员会", "year": 2026, "quota": 10, "groups": {}}

    def put(api, code, body):
        return api.client.put(
            f"/api/v1/plans/{code}/2026", body, content_type="application/json", headers=api._headers()
        )

    assert put(township, "SZQ-LH", '{"quota": 4}').status_code == 403  # the district passes it down
    assert put(district, "SZQ-LH", '{"quota": 4}').status_code == 200
    over = put(township, "SZQ-LH-01", '{"quota": 5}')  # more than 罗汉镇's 4
    assert over.status_code == 422
    assert over.json()["errors"][0]["field"] == "quota"
    assert put(township, "SZQ-LH-01", '{"quota": 3, "groups": {"women": 1}}').status_code == 200
    bad_group = put(township, "SZQ-LH-02", '{"quota": 1, "groups": {"aliens": 1}}')
    assert bad_group.status_code == 422
    assert bad_group.json()["errors"][0]["field"] == "groups"
    listed = township.get("/api/v1/plans", year=2026).json()
    assert [(p["org"], p["quota"]) for p in listed["items"]] == [("SZQ-LH", 4), ("SZQ-LH-01", 3)]
    assert [p["org"] for p in district.get("/api/v1/plans").json()["items"]] == ["SZQ", "SZQ-LH", "SZQ-LH-01"]
    report = township.get("/api/v1/plans/SZQ-LH/2026").json()
    assert (report["org"], report["year"], report["quota"]) == ("SZQ-LH", 2026, 4)
    assert [(c["code"], c["quota"]) for c in report["children"]][:2] == [
        ("SZQ-LH-01", 3),
        ("SZQ-LH-02", None),
    ]
    assert api_for("sec1").get("/api/v1/plans/SZQ-LH-01/2026").status_code == 403  # a branch keeps none
    assert api_for("sec1").get("/api/v1/plans/SZQ-LH/2026").status_code == 404  # above their subtree
    assert api_for("sec1").get("/api/v1/plans").json()["count"] == 0
    assert api_for("yx_organizer").get("/api/v1/plans/SZQ-LH/2026").status_code == 404


# --- the form register and pre-review ----------------------------------------------------------------------


def test_the_form_register_is_the_register_pages_own(pw, api_for):
    walk(pw, "S13")  # the district's pass on day 585 (PRE-DISTRICT)
    form_issue(actor=None, person=pw.p1, number="SZQ2021-0001", issued_on=day(600))  # 2021-10-23
    register = api_for("lh_organizer").get("/api/v1/forms").json()
    assert register["count"] == 1
    [item] = register["items"]
    assert (item["number"], item["status"], item["person"], item["org"]) == (
        "SZQ2021-0001",
        "issued",
        "P0001",
        "SZQ-LH-01",
    )
    assert register["status_counts"]["issued"] == 1
    assert api_for("lh_organizer").get("/api/v1/forms", status="used").json()["count"] == 0
    assert api_for("sec1").get("/api/v1/forms").status_code == 403  # a branch keeps no register
    assert api_for("yx_organizer").get("/api/v1/forms").json()["count"] == 0
    reconciled = api_for("district").get("/api/v1/forms/reconcile/2021").json()
    assert (reconciled["received"], reconciled["unreceived"], reconciled["balanced"]) == (
        0,
        ["SZQ2021-0001"],
        True,
    )
    assert api_for("lh_organizer").get("/api/v1/forms/reconcile/2021").status_code == 403


def test_a_batch_and_its_results(pw, api_for):
    walk(pw, until=TOWNSHIP_PASS)
    batch = prereview_batch_submit(
        actor=pw.users["lh_organizer"], township=pw.township, cases=[pw.case], submitted_on=day(576)
    )
    listed = api_for("district").get("/api/v1/prereview/batches").json()
    assert listed["count"] == 1
    assert (listed["items"][0]["id"], listed["items"][0]["township"], listed["items"][0]["pending"]) == (
        batch.pk,
        "SZQ-LH",
        1,
    )
    prereview_item_decide(
        actor=pw.users["district"], item=batch.items.get(), result="pass", reason="", decided_on=day(585)
    )
    detail = api_for("lh_organizer").get(f"/api/v1/prereview/batches/{batch.pk}").json()
    [person] = detail["people"]
    assert (person["person"], person["result"], person["result_label"], person["decided_on"]) == (
        "P0001",
        "pass",
        "合格",
        day(585).isoformat(),
    )
    assert person["record"] == StepRecord.objects.filter(step="S13").latest("id").pk
    assert detail["pending"] == 0
    assert api_for("yx_organizer").get(f"/api/v1/prereview/batches/{batch.pk}").status_code == 404
    assert api_for("sec1").get("/api/v1/prereview/batches").status_code == 403


# --- notices -----------------------------------------------------------------------------------------------

JUNE_3 = datetime.datetime(2021, 6, 3, 2, tzinfo=datetime.UTC)


def test_a_notice_its_outcomes_and_what_the_public_said_only_to_the_township(activist, api_for, time_machine):  # noqa: F811
    notice = publish(activist)
    time_machine.move_to(JUNE_3)
    entry = notice.entries.get()
    notice_public_submit(notice=notice, text="反映该同志占用集体土地。", address="203.0.113.7", entry=entry)
    notice_feedback_record(
        actor=activist.users["sec1"],
        notice=notice,
        received_on=datetime.date(2021, 6, 3),
        channel="phone",
        summary="来电称表现良好",
        entry=entry,
    )
    township = api_for("lh_organizer").get(f"/api/v1/notices/{notice.pk}").json()
    branch = api_for("sec1").get(f"/api/v1/notices/{notice.pk}").json()
    assert [(e["person"], e["name"], e["result"]) for e in township["entries"]] == [("P0001", "张三", "")]
    assert [(f["channel"], f["summary"]) for f in township["feedback"]] == [
        ("public", "反映该同志占用集体土地。"),
        ("phone", "来电称表现良好"),
    ]
    assert [(f["channel"], f["summary"]) for f in branch["feedback"]] == [
        ("public", None),
        ("phone", "来电称表现良好"),
    ]
    assert "占用集体土地" not in str(branch)
    reads = AuditEvent.objects.filter(action="notice.read", target_id=str(notice.pk))
    assert reads.count() == 2
    listed = api_for("sec1").get("/api/v1/notices").json()
    assert [(n["id"], n["kind"], n["candidates"], n["reports"]) for n in listed["items"]] == [
        (notice.pk, "target", 1, 2)
    ]
    assert api_for("sec2").get(f"/api/v1/notices/{notice.pk}").status_code == 404
    assert api_for("sec2").get("/api/v1/notices").json()["count"] == 0
