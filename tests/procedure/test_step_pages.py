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
