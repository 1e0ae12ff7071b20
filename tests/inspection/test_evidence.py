"""Findings worth reading (issue 12, item 6): messages and evidence speak Chinese and name people by
name — 父母, 立案审查, 已核实, 无 — never `parent`, `under_investigation`, `verified` or `approval: None`;
the article is cited in the edition of the 细则 in force (《细则》（2014）第十三条), never `Art.13`."""

from fazhan.inspection.evidence import Names, evidence_rows
from fazhan.inspection.models import Finding
from fazhan.procedure.engine import CaseFacts
from fazhan.procedure.rules.violations import vio_discipline, vio_kin_role
from tests.inspection.conftest import D, case
from tests.inspection.test_pages import late_talk, start
from tests.userfacing import bare_codes


def test_codes_in_evidence_are_put_in_chinese_and_an_empty_value_is_said_as_none(pw):
    rows = dict(
        evidence_rows(
            {
                "relation": "parent",
                "kind": "investigation",
                "approval": None,
                "status": "verified",
                "relative": "M0001",
                "window": ["2020-01-01", "2021-12-31"],
                "loose": False,
            }
        )
    )
    assert rows["关系"] == "父母"
    assert rows["类别"] == "立案审查"
    assert rows["审批日期"] == "无"
    assert rows["status"] == "已核实"
    assert rows["亲属"] == f"{pw.m1.name}（M0001）"
    assert rows["期间"] == "2020-01-01 至 2021-12-31"
    assert rows["宽松口径"] == "否"


def test_a_message_names_people_orgs_and_steps_by_name(pw):
    names = Names(["M0001 SZQ-LH-01 S17"])
    assert names.text("M0001 SZQ-LH-01 S17") == f"{pw.m1.name}（M0001） {pw.branch1.name} 第17步 上级党委审批"


def test_the_kin_and_discipline_detectors_say_the_relation_and_the_kind_in_chinese():
    steps = [("S01", D(2018, 1, 1)), ("S02", D(2018, 1, 20), {"talkers": ["M1"]}), ("S03", D(2018, 5, 1))]
    kin = case("P1", steps=steps, kin={"M1": "parent"})
    [found] = list(vio_kin_role(kin))
    assert "（父母）" in found.message
    assert "parent" not in found.message
    disciplined: CaseFacts = case(
        "P2", steps=steps, discipline=({"kind": "investigation", "from": D(2018, 6, 1), "to": None},)
    )
    [found] = list(vio_discipline(disciplined))
    assert "立案审查" in found.message
    assert "investigation" not in found.message


def test_the_run_and_finding_pages_show_chinese_evidence_and_the_editions_citation(pw, client_for):
    late_talk(pw)
    run = start(pw)
    client = client_for("lh_organizer")
    page = client.get(f"/inspection/runs/{run.pk}/").content.decode()
    assert "《细则》（2014）第七条" in page
    assert "Art." not in page
    finding = Finding.objects.get(rule="APP-TALK")
    detail = client.get(f"/inspection/findings/{finding.pk}/").content.decode()
    assert "《细则》（2014）第七条" in detail
    assert "Art." not in detail
    for key in finding.evidence:
        assert f"依据 · {key}<" not in detail, key


def test_the_report_cites_the_edition(pw, client_for):
    late_talk(pw)
    run = start(pw)
    response = client_for("lh_organizer").get(f"/inspection/runs/{run.pk}/report/?format=html")
    page = response.content.decode()
    assert response.status_code == 200
    assert "《细则》（2014）第七条" in page
    assert "Art." not in page


def test_the_run_and_finding_pages_name_rules_and_severities_in_chinese(pw, client_for):
    late_talk(pw)
    run = start(pw)
    client = client_for("lh_organizer")
    page = client.get(f"/inspection/runs/{run.pk}/").content.decode()
    assert "收到申请后一个月内派人谈话" in page
    assert "一般" in page  # APP-TALK is an ERROR: 一般
    assert bare_codes(page) == []
    finding = Finding.objects.get(rule="APP-TALK")
    detail = client.get(f"/inspection/findings/{finding.pk}/").content.decode()
    assert "<h1>收到申请后一个月内派人谈话" in detail
    assert bare_codes(detail) == []
