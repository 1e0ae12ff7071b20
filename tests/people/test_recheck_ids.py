"""`fazhan recheckids`: the stored verdict of procedure.md F (what the inspection reads for ELIG-NAT) judged
again from the numbers themselves, so a stale verdict is mended and the pass is on the trail."""

import datetime
import io

from django.core.management import call_command

from fazhan.auditlog.models import AuditEvent
from fazhan.people.models import Person
from fazhan.people.services import person_create
from tests.conftest import make_id_number, person_data


def _person(world, seq: int) -> Person:
    return person_create(
        actor=None, id_number=make_id_number(datetime.date(1990, 5, 17), seq), data=person_data(world.branch1)
    )


def _recheck() -> str:
    out = io.StringIO()
    call_command("recheckids", stdout=out)
    return out.getvalue()


def test_recheckids_mends_a_stale_verdict_both_ways_and_logs_the_pass(world):
    good, stale_invalid, stale_valid = _person(world, 101), _person(world, 103), _person(world, 105)
    Person.objects.filter(pk=stale_invalid.pk).update(id_number_valid=False)  # valid number, stale False
    broken = make_id_number(datetime.date(1990, 5, 17), 105)[:-1] + "X"
    Person.objects.filter(pk=stale_valid.pk).update(id_number=broken)  # invalid number, stale True

    out = _recheck()

    verdicts = dict(Person.objects.values_list("pk", "id_number_valid"))
    assert verdicts[good.pk] is True
    assert verdicts[stale_invalid.pk] is True
    assert verdicts[stale_valid.pk] is False
    assert f"changed: {stale_invalid.pid}" in out
    assert f"changed: {stale_valid.pid}" in out
    assert f"changed: {good.pid}" not in out
    assert "2 verdicts changed" in out
    assert broken not in out  # pids only, never the numbers
    event = AuditEvent.objects.filter(action="person.recheck_id_numbers").get()
    assert (event.data["now_valid"], event.data["now_invalid"]) == (1, 1)

    assert "0 verdicts changed" in _recheck()  # nothing left to mend
    assert AuditEvent.objects.filter(action="person.recheck_id_numbers").count() == 2
