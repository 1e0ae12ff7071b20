"""The JSON API: the pages' scoping, roles and masking, through the same services, behind bearer tokens."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fazhan.api.models import ApiToken
from fazhan.api.services import apitoken_revoke
from fazhan.auditlog.models import AuditEvent
from fazhan.people.models import Person
from fazhan.people.services import person_create
from fazhan.procedure.models import StepRecord
from fazhan.procedure.services import case_open, case_record_step
from tests.api.conftest import ApiClient
from tests.conftest import ID_1998_MALE, make_id_number, person_data
from tests.procedure.conftest import day, legal_details, walk

MASKED_P1 = "5110**********1215"
NEW_ID = make_id_number(datetime.date(2000, 8, 8), 51)


def viewed_events(person) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action="person.personal_data_viewed", target_id=str(person.pk)).order_by(
            "id"
        )
    )


# --- tokens ---


def test_a_request_without_a_token_is_401_in_json(world):
    response = ApiClient("").client.get("/api/v1/persons")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "令牌" in response.json()["detail"]


def test_an_unknown_token_is_401(world):
    assert ApiClient("fz_not-a-token").get("/api/v1/persons").status_code == 401


def test_a_revoked_token_is_401(world, token_for):
    raw = token_for("lh_organizer")
    api = ApiClient(raw)
    assert api.get("/api/v1/persons").status_code == 200
    apitoken_revoke(actor=None, token=ApiToken.objects.get(user=world.users["lh_organizer"]))
    assert api.get("/api/v1/persons").status_code == 401


def test_a_token_is_stored_only_as_its_hash(world, token_for):
    raw = token_for("sec1")
    stored = ApiToken.objects.get(user=world.users["sec1"])
    assert raw not in (stored.key_hash, stored.prefix)
    assert raw.startswith(stored.prefix)
    assert len(stored.key_hash) == 64


def test_the_apitoken_command_prints_a_working_token_once_and_revokes_it(world, capsys):
    call_command("apitoken", "lh_organizer", "--name", "统计脚本")
    raw = capsys.readouterr().out.strip()
    assert ApiClient(raw).get("/api/v1/me").json()["username"] == "lh_organizer"
    call_command("apitoken", "lh_organizer", "--list")
    listing = capsys.readouterr().out
    assert "统计脚本" in listing
    assert raw not in listing
    call_command("apitoken", "lh_organizer", "--revoke", raw[:10])
    assert ApiClient(raw).get("/api/v1/me").status_code == 401
    assert AuditEvent.objects.filter(action="apitoken.revoke").count() == 1


def test_the_token_page_shows_a_new_token_once_and_revokes_it(world, client_for):
    client = client_for("sec1")
    page = client.post("/api/tokens/", {"name": "档案对接"})
    token = ApiToken.objects.get(user=world.users["sec1"])
    raw = page.context["created"]
    assert raw.startswith(token.prefix)
    assert raw in page.content.decode()
    assert raw not in client.get("/api/tokens/").content.decode()
    assert ApiClient(raw).get("/api/v1/me").status_code == 200
    client.post(f"/api/tokens/{token.pk}/revoke/")
    assert ApiClient(raw).get("/api/v1/me").status_code == 401


def test_a_user_cannot_revoke_another_users_token(world, client_for, token_for):
    raw = token_for("sec2")
    token = ApiToken.objects.get(user=world.users["sec2"])
    assert client_for("sec1").post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiClient(raw).get("/api/v1/me").status_code == 200


def test_the_openapi_description_and_its_docs_page_are_served(world, client_for):
    spec = ApiClient("").client.get("/api/v1/openapi.json").json()
    assert "/api/v1/cases/{case_id}/steps" in spec["paths"]
    assert spec["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    assert ApiClient("").client.get("/api/v1/docs").status_code == 200


@pytest.mark.parametrize(
    ("move", "body", "summary"),
    [
        ("assign", "AssignIn", "交办整改（督查员、区委组织部审核人）"),
        ("explain", "ExplainIn", "说明情况（问题所在党组织）"),
        ("verify", "VerifyIn", "核实整改（督查员、区委组织部审核人；须先说明情况或更正记录）"),
    ],
)
def test_each_finding_move_keeps_its_operation_in_the_description(world, move, body, summary):
    spec = ApiClient("").client.get("/api/v1/openapi.json").json()
    operation = spec["paths"][f"/api/v1/findings/{{finding_id}}/{move}"]["post"]
    assert operation["operationId"] == f"fazhan_api_findings_finding_{move}_op"
    assert operation["summary"] == summary
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(f"/{body}")
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/FindingDetail"
    )
    assert [p["name"] for p in operation["parameters"]] == ["finding_id"]


# --- scoping ---


@pytest.mark.parametrize(
    ("username", "pid"),
    [("yx_organizer", "P0001"), ("sec2", "P0001"), ("sec1", "P0002"), ("lh_organizer", "P0004")],
)
def test_a_person_outside_the_users_subtree_is_404(api_for, username, pid):
    api = api_for(username)
    assert api.get(f"/api/v1/persons/{pid}").status_code == 404
    assert api.patch(f"/api/v1/persons/{pid}", {"name": "改名"}).status_code == 404
    assert not Person.objects.filter(name="改名").exists()


def test_a_case_and_its_records_outside_the_users_subtree_are_404(walked, api_for):
    api = api_for("yx_organizer")
    record = walked.records["S02"][0]
    assert api.get(f"/api/v1/cases/{walked.case.pk}").status_code == 404
    assert api.get(f"/api/v1/cases/{walked.case.pk}/steps").status_code == 404
    assert api.get(f"/api/v1/steps/{record.pk}").status_code == 404
    body = {"step": "S09", "date": day(520).isoformat(), "details": legal_details("S09", 0, walked)}
    assert api.post(f"/api/v1/cases/{walked.case.pk}/steps", body).status_code == 404
    assert api.get("/api/v1/cases").json()["count"] == 0
    assert api_for("lh_organizer").get("/api/v1/cases").json()["count"] == 1


def test_lists_hold_only_the_users_subtree(api_for):
    pids = {p["pid"] for p in api_for("sec1").get("/api/v1/persons").json()["items"]}
    assert pids == {"P0001", "M0001"}
    codes = [o["code"] for o in api_for("sec2").get("/api/v1/orgs").json()]
    assert codes == ["SZQ-LH-02"]


def test_the_system_administrator_reads_no_case_content(walked, api_for):
    api = api_for("admin")
    assert api.get("/api/v1/persons").json() == {"count": 0, "items": []}
    assert api.get("/api/v1/cases").json() == {"count": 0, "items": []}
    assert api.get("/api/v1/orgs").json() == []
    assert api.get("/api/v1/persons/P0001").status_code == 404
    assert api.get(f"/api/v1/cases/{walked.case.pk}").status_code == 404
    assert api.get(f"/api/v1/steps/{walked.records['S01'][0].pk}").status_code == 404


def test_person_search_reuses_the_pages_search(api_for):
    api = api_for("lh_organizer")
    assert [p["pid"] for p in api.get("/api/v1/persons", q="zs").json()["items"]] == ["P0001"]
    assert [p["pid"] for p in api.get("/api/v1/persons", q="1215").json()["items"]] == ["P0001"]
    assert api.get("/api/v1/persons", q="赵六").json()["count"] == 0  # 永兴镇: not in 罗汉镇's subtree


# --- masking ---


def test_a_list_masks_id_numbers_and_phones_whatever_the_role(world, api_for):
    row = next(
        p for p in api_for("lh_organizer").get("/api/v1/persons").json()["items"] if p["pid"] == "P0001"
    )
    assert (row["id_number"], row["phone"]) == (MASKED_P1, "138****1234")
    assert viewed_events(world.p1) == []


def test_a_township_organizer_sees_the_id_number_and_phone_in_clear_and_it_is_logged(world, api_for):
    body = api_for("lh_organizer").get("/api/v1/persons/P0001").json()
    assert (body["id_number"], body["id_number_masked"]) == (ID_1998_MALE, False)
    assert (body["phone"], body["phone_masked"]) == ("13800001234", False)
    (event,) = viewed_events(world.p1)
    assert event.actor == world.users["lh_organizer"]
    assert event.data["fields"] == ["id_number", "phone"]


def test_a_branch_secretary_sees_the_phone_but_not_the_id_number(world, api_for):
    body = api_for("sec1").get("/api/v1/persons/P0001").json()
    assert (body["id_number"], body["id_number_masked"]) == (MASKED_P1, True)
    assert body["phone"] == "13800001234"
    assert viewed_events(world.p1)[0].data["fields"] == ["phone"]


def test_an_inspector_sees_both_masked_and_nothing_is_logged(world, api_for):
    body = api_for("inspector_lh").get("/api/v1/persons/P0001").json()
    assert (body["id_number"], body["phone"]) == (MASKED_P1, "138****1234")
    assert viewed_events(world.p1) == []


# --- persons through the services ---


def person_body(**overrides) -> dict:
    body = {
        "id_number": NEW_ID,
        "name": "孙七",
        "org": "SZQ-LH-01",
        "education": "高中",
        "occupation": "工人",
        "tags": ["产业工人"],
        "phone": "13700001111",
    }
    body.update(overrides)
    return body


def test_a_branch_secretary_creates_a_person_through_the_service(world, api_for):
    response = api_for("sec1").post("/api/v1/persons", person_body())
    assert response.status_code == 201, response.content
    created = Person.objects.get(name="孙七")
    assert response.json()["pid"] == created.pid
    assert (created.gender, created.birth_date) == ("M", datetime.date(2000, 8, 8))
    assert AuditEvent.objects.filter(action="person.create", target_id=str(created.pk)).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": "511002200008080510"}, "id_number"),  # wrong check character
        ({"id_number": ID_1998_MALE}, "id_number"),  # already 张三's
        ({"gender": "F"}, "gender"),  # the ID number says male
        ({"org": "SZQ-LH"}, "org"),  # a candidate belongs to a branch
        ({"org": "SZQ-LH-02"}, "org"),  # outside 高桥村's subtree
        ({"education": "博士"}, "education"),
        ({"phone": "138-abc"}, "phone"),
        ({"name": ""}, "name"),
        ({"birth_date": "2000-02-30"}, "birth_date"),
        ({"tags": ["火星人"]}, "tags.0"),
        ({"org": None}, "org"),
    ],
)
def test_a_bad_person_is_422_naming_the_field_and_changes_nothing(world, api_for, overrides, field):
    before = Person.objects.count()
    response = api_for("sec1").post("/api/v1/persons", person_body(**overrides))
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert Person.objects.count() == before


def test_an_inspector_may_not_create_or_edit_a_person(world, api_for):
    api = api_for("inspector_lh")
    assert api.post("/api/v1/persons", person_body()).status_code == 403
    assert api.patch("/api/v1/persons/P0001", {"name": "改名"}).status_code == 403
    assert not Person.objects.filter(name__in=["孙七", "改名"]).exists()


def test_an_update_changes_only_the_fields_sent_and_keeps_the_id_number(world, api_for):
    response = api_for("sec1").patch("/api/v1/persons/P0001", {"residence": "高桥村3组", "floating": True})
    assert response.status_code == 200, response.content
    world.p1.refresh_from_db()
    assert (world.p1.residence, world.p1.floating, world.p1.id_number) == ("高桥村3组", True, ID_1998_MALE)
    assert world.p1.name == "张三"


def test_an_update_refusing_a_null_for_a_required_field_names_it(world, api_for):
    response = api_for("sec1").patch("/api/v1/persons/P0001", {"floating": None, "tags": None})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"floating", "tags"}


# --- steps through the procedure's service ---


def test_a_step_recorded_through_the_api_shows_on_the_case_and_the_person_page(walked, api_for, client_for):
    body = {"step": "S09", "date": day(520).isoformat(), "details": legal_details("S09", 0, walked)}
    response = api_for("sec1").post(f"/api/v1/cases/{walked.case.pk}/steps", body)
    assert response.status_code == 201, response.content
    record = StepRecord.objects.get(case=walked.case, step="S09")
    assert response.json()["id"] == record.pk
    assert record.recorded_by == walked.users["sec1"]
    case = api_for("lh_organizer").get(f"/api/v1/cases/{walked.case.pk}").json()
    assert [s["date"] for s in case["steps"] if s["step"] == "S09"] == [day(520).isoformat()]
    assert AuditEvent.objects.filter(action="step.record", target_id=str(record.pk)).exists()
    assert "S09" in client_for("sec1").get("/people/P0001/").content.decode()


def test_a_refused_step_returns_the_rule_id_article_and_earliest_date(pw, api_for):
    walk(pw, "S01")
    api = api_for("sec1")
    talk = {"step": "S02", "date": day(30).isoformat(), "details": legal_details("S02", 0, pw)}
    assert api.post(f"/api/v1/cases/{pw.case.pk}/steps", talk).status_code == 201
    early = {"step": "S03", "date": day(20).isoformat(), "details": legal_details("S03", 0, pw)}
    response = api.post(f"/api/v1/cases/{pw.case.pk}/steps", early)
    assert response.status_code == 422
    refusal = next(r for r in response.json()["refusals"] if r["rule"] == "SEQ-ORDER")
    assert refusal["earliest"] == day(30).isoformat()
    assert refusal["title"] == "步骤须在其前置步骤之后"
    assert "Art." not in refusal["article"]
    assert not StepRecord.objects.filter(case=pw.case, step="S03").exists()


def test_bad_details_are_422_naming_the_field(walked, api_for):
    body = {"step": "S09", "date": day(520).isoformat(), "details": {"introducers": "M0001"}}
    response = api_for("sec1").post(f"/api/v1/cases/{walked.case.pk}/steps", body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["details.introducers"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"step": "S99", "date": "2021-01-01"}, "step"),
        ({"step": "S09", "date": "2021-02-30"}, "date"),
        ({"step": "S09", "date": "1800-01-01"}, "date"),
        ({"step": "S09"}, "date"),
        ({"step": "S09", "date": "2021-01-01", "details": {"introducers": ["M\x000"]}}, "details"),
        ({"step": "S09", "date": "2021-01-01", "details": []}, "details"),
    ],
)
def test_a_malformed_step_is_422_naming_the_field(walked, api_for, body, field):
    response = api_for("sec1").post(f"/api/v1/cases/{walked.case.pk}/steps", body)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize(
    ("step", "details", "field"),
    [
        ("S07", {"publicity_from": "2021-01-01", "publicity_to": "9999-12-31"}, "details.publicity_to"),
        ("S23", {"decision": "extend", "extend_months": 100_000}, "details.extend_months"),
    ],
)
def test_details_whose_dates_the_rules_cannot_compute_are_422_not_500(walked, api_for, step, details, field):
    body = {"step": step, "date": day(500).isoformat(), "details": details}
    response = api_for("sec1").post(f"/api/v1/cases/{walked.case.pk}/steps", body)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    old = walked.records["S07"][0]
    fix = {"date": old.date.isoformat(), "details": details, "reason": "x"}
    if step == "S07":
        response = api_for("sec1").post(f"/api/v1/steps/{old.pk}/corrections", fix)
        assert response.status_code == 422
        assert field in [e["field"] for e in response.json()["errors"]]


def test_a_body_that_is_not_json_is_400(walked, api_for):
    response = api_for("sec1").post(f"/api/v1/cases/{walked.case.pk}/steps", "{not json")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_a_role_that_does_not_act_at_a_step_is_403(walked, api_for):
    body = {"step": "S09", "date": day(520).isoformat(), "details": legal_details("S09", 0, walked)}
    response = api_for("lh_organizer").post(f"/api/v1/cases/{walked.case.pk}/steps", body)
    assert response.status_code == 403
    assert "S09" in response.json()["detail"]
    assert not StepRecord.objects.filter(case=walked.case, step="S09").exists()


def test_a_step_on_a_closed_case_is_refused(world, api_for):
    case = case_open(actor=None, person=world.p1, opened_on=datetime.date(2020, 3, 2))
    case.closed_on = datetime.date(2020, 5, 1)
    case.save()
    body = {"step": "S01", "date": "2020-06-01"}
    response = api_for("sec1").post(f"/api/v1/cases/{case.pk}/steps", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "case"


def test_a_correction_supersedes_the_record_with_its_reason(walked, api_for):
    old = walked.records["S02"][0]
    body = {
        "date": day(20).isoformat(),
        "details": legal_details("S02", 0, walked),
        "reason": "会议记录抄错日期",
    }
    response = api_for("sec1").post(f"/api/v1/steps/{old.pk}/corrections", body)
    assert response.status_code == 201, response.content
    new = response.json()
    assert (new["supersedes"], new["reason"], new["date"]) == (
        old.pk,
        "会议记录抄错日期",
        day(20).isoformat(),
    )
    assert api_for("sec1").get(f"/api/v1/steps/{old.pk}").json()["superseded_by"] == new["id"]


def test_a_correction_without_a_reason_is_422_naming_it(walked, api_for):
    old = walked.records["S02"][0]
    body = {"date": day(20).isoformat(), "details": {}, "reason": ""}
    response = api_for("sec1").post(f"/api/v1/steps/{old.pk}/corrections", body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["reason"]


def test_an_unknown_api_url_is_404_in_json(world, api_for):
    response = api_for("sec1").get("/api/v1/no/such/thing\n")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


# --- query budgets: a page of results costs the same few queries whatever its length ---


def queries_for(api, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert api.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_person_list_costs_the_same_queries_for_five_or_fifteen_persons(world, api_for):
    api = api_for("lh_organizer")
    queries_for(api, "/api/v1/me")  # the token's once-an-hour "last used" write, out of the way
    few = queries_for(api, "/api/v1/persons")
    for k in range(10):
        person = person_create(
            actor=None,
            id_number=make_id_number(datetime.date(1990, 1, 1 + k), 201 + 2 * k),
            data=person_data(world.branch2, name=f"群众{k}"),
        )
        case_open(actor=None, person=person, opened_on=datetime.date(2020, 1, 1))
    assert queries_for(api, "/api/v1/persons") == few
    assert queries_for(api, "/api/v1/cases") <= few


def test_a_case_costs_the_same_queries_with_one_record_or_twenty(walked, api_for):
    api = api_for("lh_organizer")
    queries_for(api, "/api/v1/me")
    short_case = case_open(actor=None, person=walked.p2, opened_on=datetime.date(2020, 3, 2))
    case_record_step(actor=None, case=short_case, step="S01", date=datetime.date(2020, 3, 2))
    assert StepRecord.objects.filter(case=walked.case).count() > 10
    short = queries_for(api, f"/api/v1/cases/{short_case.pk}")
    assert queries_for(api, f"/api/v1/cases/{walked.case.pk}") == short


def test_the_administrator_revokes_a_users_token_in_the_admin_through_the_service(
    world, client_for, token_for
):
    raw = token_for("sec1")
    token = ApiToken.objects.get(user=world.users["sec1"])
    response = client_for("admin").post(
        "/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert response.status_code == 200
    assert ApiClient(raw).get("/api/v1/me").status_code == 401
    assert AuditEvent.objects.get(action="apitoken.revoke").actor == world.users["admin"]


def test_cases_filter_by_person_stage_and_open(walked, api_for):
    api = api_for("lh_organizer")
    closed = case_open(actor=None, person=walked.p2, opened_on=datetime.date(2020, 3, 2))
    closed.closed_on = datetime.date(2020, 6, 1)
    closed.save()
    assert [c["person"] for c in api.get("/api/v1/cases", person="P0001").json()["items"]] == ["P0001"]
    assert [c["id"] for c in api.get("/api/v1/cases", open="false").json()["items"]] == [closed.pk]
    assert [c["id"] for c in api.get("/api/v1/cases", stage="target").json()["items"]] == [walked.case.pk]
    people = api.get("/api/v1/persons", stage="target").json()["items"]
    assert [p["pid"] for p in people] == ["P0001"]
    assert people[0]["stage"] == "target"


def test_the_org_tree_under_one_org(api_for):
    codes = [o["code"] for o in api_for("lh_organizer").get("/api/v1/orgs", under="SZQ-LH-03").json()]
    assert codes == ["SZQ-LH-03", "SZQ-LH-03-1"]
    assert api_for("lh_organizer").get("/api/v1/orgs", under="SZQ-YX").status_code == 404


def test_shape_errors_are_in_chinese_and_name_the_field(walked, api_for):
    body = {"step": "S99", "details": [], "date": "2021-13-01"}
    errors = api_for("sec1").post(f"/api/v1/cases/{walked.case.pk}/steps", body).json()["errors"]
    by_field = {e["field"]: e["message"] for e in errors}
    assert by_field["step"].startswith("应为以下之一：")
    assert by_field["date"] == "应为日期（YYYY-MM-DD）"
    assert by_field["details"] == "应为对象（{...}）"
    assert api_for("sec1").get("/api/v1/persons", limit=0).json()["errors"] == [
        {"field": "limit", "message": "不小于1"}
    ]


@pytest.mark.parametrize("value", ["NaN", "Infinity"])
def test_a_number_json_cannot_hold_is_422(walked, api_for, value):
    body = '{"step": "S15", "date": "2021-01-01", "details": {"entitled": VALUE}}'.replace("VALUE", value)
    response = api_for("sec1").post(f"/api/v1/cases/{walked.case.pk}/steps", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "details"
