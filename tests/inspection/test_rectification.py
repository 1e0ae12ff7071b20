"""A finding's rectification moves through declared transitions (inspection.services.FINDING_MOVES): the org
explains and corrects, the inspector and the district's reviewers assign and verify, and a verified finding
is reopened only by a new run. Each move is in the trail; the finding page offers only the moves the user
may make, and the service refuses any other whoever posts it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fazhan.auditlog.models import AuditEvent
from fazhan.inspection.models import Finding, FindingStatus
from fazhan.inspection.services import (
    FINDING_ACTORS,
    FINDING_MOVES,
    finding_actions,
    finding_assign,
    finding_explain,
    finding_verify,
)
from fazhan.procedure.models import StepRecord
from tests.inspection.test_pages import late_talk, start


@pytest.fixture
def found(pw):
    """A tracking run's APP-TALK finding on 张三's late talk, in 高桥村."""
    late_talk(pw)
    start(pw)
    pw.finding = Finding.objects.get(rule="APP-TALK")
    return pw


def explained(w, text="谈话记录日期抄错，原始记录为第20天") -> Finding:
    return finding_explain(actor=w.users["sec1"], finding=w.finding, explanation=text)


def test_every_declared_move_is_someones_and_leads_to_a_status():
    statuses = set(FindingStatus.values)
    for status, moves in FINDING_MOVES.items():
        assert status in statuses
        for action, target in moves.items():
            assert target in statuses
            assert action in FINDING_ACTORS or action in ("close", "reopen")
    assert FINDING_MOVES[FindingStatus.CLOSED] == {}
    assert set(FINDING_MOVES[FindingStatus.VERIFIED]) == {"reopen", "close"}


def test_the_inspector_cannot_write_the_orgs_explanation(found):
    with pytest.raises(PermissionDenied):
        finding_explain(actor=found.users["inspector_lh"], finding=found.finding, explanation="代为说明")
    found.finding.refresh_from_db()
    assert (found.finding.status, found.finding.explanation) == (FindingStatus.OPEN, "")


def test_the_org_cannot_assign_or_verify_its_own_finding(found):
    explained(found)
    for actor in ("sec1", "lh_organizer"):
        with pytest.raises(PermissionDenied):
            finding_verify(actor=found.users[actor], finding=found.finding)
        with pytest.raises(PermissionDenied):
            finding_assign(actor=found.users[actor], finding=found.finding, assignee=found.users["sec1"])
    assert Finding.objects.get(pk=found.finding.pk).status == FindingStatus.EXPLAINED


def test_a_verified_finding_takes_no_later_explanation(found):
    explained(found, "原说明")
    finding_verify(actor=found.users["district"], finding=found.finding, note="属实")
    with pytest.raises(ValidationError) as refused:
        explained(found, "新说明")
    assert "已核实" in refused.value.message_dict["status"][0]
    found.finding.refresh_from_db()
    assert (found.finding.status, found.finding.explanation) == (FindingStatus.VERIFIED, "原说明")


def test_nothing_is_verified_before_the_org_explains_or_corrects(found):
    with pytest.raises(ValidationError) as refused:
        finding_verify(actor=found.users["inspector_lh"], finding=found.finding)
    assert "status" in refused.value.message_dict


def test_each_move_is_in_the_trail_with_the_status_it_reached(found):
    finding_assign(actor=found.users["inspector_lh"], finding=found.finding, assignee=found.users["sec1"])
    explained(found)
    finding_verify(actor=found.users["district"], finding=found.finding)
    events = AuditEvent.objects.filter(target_id=str(found.finding.pk), action__startswith="finding.")
    assert [(e.action, e.data["status"]) for e in events.order_by("pk")] == [
        ("finding.assigned", "assigned"),
        ("finding.explained", "explained"),
        ("finding.verified", "verified"),
    ]


def test_a_run_keeps_an_accepted_explanation_and_reopens_a_verified_finding_that_changed(found):
    explained(found)
    finding_verify(actor=found.users["district"], finding=found.finding)
    start(found)  # found again as it was: the accepted explanation stands
    assert Finding.objects.get(pk=found.finding.pk).status == FindingStatus.VERIFIED
    Finding.objects.filter(pk=found.finding.pk).update(message="另一说法")  # what the run finds has moved
    start(found)
    finding = Finding.objects.get(pk=found.finding.pk)
    assert finding.status == FindingStatus.OPEN
    assert finding.events.last().action == "reopened"
    assert AuditEvent.objects.filter(action="inspection.run").latest("pk").data["reopened"] == 1


def test_the_finding_page_offers_each_role_only_its_moves(found, client_for):
    url = f"/inspection/findings/{found.finding.pk}/"
    assert finding_actions(found.users["sec1"], found.finding) == ["explain", "correct"]
    assert finding_actions(found.users["inspector_lh"], found.finding) == ["assign"]
    secretary = client_for("sec1").get(url).content.decode()
    assert 'id="explain"' in secretary
    assert 'id="correct"' in secretary
    assert 'id="assign"' not in secretary
    assert 'id="verify"' not in secretary
    inspector = client_for("inspector_lh").get(url).content.decode()
    assert 'id="assign"' in inspector
    assert 'id="explain"' not in inspector
    assert 'id="correct"' not in inspector
    explained(found)
    verified = client_for("district").post(url, {"action": "verify", "note": ""})
    assert verified.status_code == 302
    page = client_for("sec1").get(url).content.decode()
    assert 'id="explain"' not in page
    assert 'id="no-actions"' in page


def test_an_explanation_posted_by_the_inspector_is_refused_on_its_form(found, client_for):
    url = f"/inspection/findings/{found.finding.pk}/"
    response = client_for("inspector_lh").post(url, {"action": "explain", "explanation": "代为说明"})
    assert response.status_code == 200
    assert "所在党组织" in str(response.context["explain"].non_field_errors())
    assert Finding.objects.get(pk=found.finding.pk).explanation == ""


def test_the_inspector_cannot_correct_the_record_either(found, client_for):
    response = client_for("inspector_lh").post(
        f"/inspection/findings/{found.finding.pk}/correct/",
        {"date": "2020-03-20", "d_talkers": [found.members[0].pid], "reason": "改期"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not StepRecord.objects.filter(supersedes_id=found.finding.record_id).exists()


def test_a_finding_assigned_to_a_branch_secretary_is_on_their_to_do_list_until_they_explain(
    found, client_for
):
    client = client_for("sec1")
    assert 'id="assigned-findings"' not in client.get("/todo/").content.decode()
    finding_assign(actor=found.users["inspector_lh"], finding=found.finding, assignee=found.users["sec1"])
    page = client.get("/todo/").content.decode()
    assert f'data-finding="{found.finding.pk}"' in page
    assert "收到申请后一个月内派人谈话" in page  # the rule by its name
    assert "APP-TALK" not in page
    assert f'href="/inspection/findings/{found.finding.pk}/"' in page
    assert 'id="assigned-findings"' not in client_for("sec2").get("/todo/").content.decode()
    explained(found)
    assert f'data-finding="{found.finding.pk}"' not in client.get("/todo/").content.decode()
