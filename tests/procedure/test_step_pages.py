"""The step entry page: a detail the service refuses comes back at that detail's field, nothing recorded."""

from fazhan.procedure.models import StepRecord
from tests.procedure.conftest import day, legal_details, walk


def test_a_detail_the_service_refuses_is_said_at_its_field(pw, client_for):
    walk(pw, "S06")
    details = legal_details("S07", 0, pw)
    data = {
        "step": "S07",
        "date": day(500).isoformat(),
        "d_opinions_heard": details["opinions_heard"],
        "d_publicity_from": "1900-01-01",  # a date the form takes and the service does not (FIRST_DAY)
        "d_publicity_to": details["publicity_to"],
    }
    response = client_for("sec1").post(f"/cases/{pw.case.pk}/step/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "1921-07-01" in " ".join(form.errors["d_publicity_from"])
    assert not form.non_field_errors()
    assert not StepRecord.objects.filter(step="S07").exists()


def test_the_correction_page_shows_the_record_as_it_stands_and_a_correction_supersedes_it(pw, client_for):
    talk = walk(pw, "S02")["S02"][0]
    client = client_for("sec1")
    page = client.get(f"/records/{talk.pk}/correct/")
    assert page.context["form"]["d_talkers"].value() == [pw.members[0].pid]  # the picker's ticked persons
    assert page.context["form"]["date"].value() == talk.date
    data = {"date": day(20).isoformat(), "d_talkers": pw.members[0].pid, "reason": "日期抄错"}
    response = client.post(f"/records/{talk.pk}/correct/", data)
    assert (response.status_code, response["Location"]) == (302, "/people/P0001/#timeline")
    assert StepRecord.objects.get(supersedes=talk).date == day(20)


def test_a_refused_correction_comes_back_with_the_error_at_its_field(pw, client_for):
    talk = walk(pw, "S02")["S02"][0]
    data = {"date": "2099-01-01", "d_talkers": pw.members[0].pid, "reason": "日期抄错"}
    response = client_for("sec1").post(f"/records/{talk.pk}/correct/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["date"]
    assert not form.non_field_errors()
    assert not StepRecord.objects.filter(supersedes=talk).exists()


def test_the_timeline_names_an_overdue_rule_by_its_chinese_title_the_id_after_it_in_small_text(
    pw, client_for
):
    """Users read Chinese (issue 12): the overdue talk is shown as APP-TALK's title, its message, then
    the rule id in small text — never the id in place of the title."""
    walk(pw, "S01")  # an application in 2020 and no talk: APP-TALK overdue today
    page = client_for("sec1").get(f"/people/{pw.p1.pid}/").content.decode()
    row = page[page.index('data-step="S02"') :]
    row = row[: row.index("</tr>")]
    assert '<span class="finding error">收到申请后一个月内派人谈话</span>' in row
    assert row.index("收到申请后一个月内派人谈话") < row.index(
        '<small class="muted rule-id">APP-TALK</small>'
    )
    assert ">APP-TALK<" not in row.replace('rule-id">APP-TALK<', "")
