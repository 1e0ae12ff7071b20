import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fazhan.procedure.models import StepRecord
from fazhan.procedure.services import case_record_step
from tests.procedure.conftest import day, walk


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/people/P0001/")
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_person_page_renders_sixty_step_records_in_a_bounded_number_of_queries(pw, client_for):
    walk(pw)
    client = client_for("sec1")
    few = _page_queries(client)
    for k in range(60 - StepRecord.objects.count()):
        case_record_step(
            actor=None,
            case=pw.case,
            step="S21",
            date=day(700) + datetime.timedelta(days=k),
            details={"kind": "thought_report"},
        )
    assert StepRecord.objects.filter(case=pw.case).count() == 60
    many = _page_queries(client)
    assert many == few  # no query per record
    # identity, case facts with the registers the rules read, the files, forms, calendar, and two for the step
    # forms' section (paperwork), the notices' reports (PUB-OBJECTION), the named people's trainings
    # (TRN-STAFF, one query), the floating records (POL-DONE, one); PostgreSQL's trail write takes one query
    # more (its advisory lock), and the person's floating records shown on the page (one)
    assert many <= 40  # and one for the photo


def test_the_person_page_reads_the_persons_sealed_fields_once_and_nobody_elses(pw, client_for):
    """The person is read once (each case holds that one, not a copy with its own decryption), and the
    members the steps name are read without their sealed fields, which no rule reads."""
    walk(pw)
    client = client_for("lh_organizer")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/people/P0001/")
    assert response.status_code == 200
    sealed = [q["sql"] for q in captured.captured_queries if '"people_person"."id_number"' in q["sql"]]
    assert len(sealed) == 1, sealed
    assert '"people_person"."pid" = ' in sealed[0]
    # the budget above, and the access to the ID number the organizer sees written to the trail (on
    # PostgreSQL with its advisory lock)
    assert len(captured.captured_queries) <= 41
