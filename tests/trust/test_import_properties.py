"""Random small JSON Lines imports with random rule breaks, through `fazhan import` as an operator runs it
(issue 13, item 7, second half). Whatever the file holds, the import keeps its invariants:

- a rule break is history, imported as it happened, and the next inspection run reports it: an applicant
  under 18 is ELIG-AGE, a talk later than a month after the application or an activist decision with no talk
  is APP-TALK (and a file without them raises neither);
- what import never changes does not change (interchange.md "Keys and repeated imports"): a line that renames,
  re-identifies or moves a person already registered is a line problem and the whole file writes nothing;
  the findings of earlier runs are neither closed, opened nor rewritten; importing the same file again
  changes nothing;
- the trail verifies after every import.

Each example runs in a savepoint rolled back at its end, on the canonical world.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fazhan.auditlog.selectors import trail_verify
from fazhan.inspection.models import Finding
from fazhan.inspection.services import inspection_run
from fazhan.people.identity import id_number_key
from fazhan.people.models import Person
from tests.conftest import make_id_number
from tests.interchange.conftest import run, snapshot, write_jsonl

APPLIED = datetime.date(2024, 3, 1)
TALK_DAYS = (3, 20, 45, 130)  # after the application; a month is the limit (APP-TALK)

applicant = st.fixed_dictionaries(
    {
        "minor": st.booleans(),  # 17 at the application: ELIG-AGE
        "applied": st.integers(0, 200),  # days after APPLIED
        "talk": st.one_of(st.none(), st.sampled_from(TALK_DAYS)),
        "activist": st.booleans(),  # an S03 eight months on
    }
)
# A line about a person already registered that import must refuse to apply.
attack = st.one_of(
    st.none(),
    st.none(),
    st.sampled_from(["rename", "renumber", "move", "rebirth"]),
)


def _applicant_records(n: int, a: dict) -> tuple[list[dict], set[str]]:
    pid = f"P{8000 + n}"
    applied = APPLIED + datetime.timedelta(days=a["applied"])
    born = applied.replace(year=applied.year - (17 if a["minor"] else 28)) - datetime.timedelta(days=10)
    person = {
        "type": "person",
        "id": pid,
        "name": f"随机{n}号",
        "id_number": make_id_number(born, 100 + 2 * n),
    }
    person |= {"org": "SZQ-LH-01", "education": "高中", "occupation": "农牧渔民"}
    records = [person, {"type": "step", "person": pid, "step": "S01", "date": applied.isoformat()}]
    expected = {"ELIG-AGE"} if a["minor"] else set()
    if a["talk"] is not None:
        talk = applied + datetime.timedelta(days=a["talk"])
        records.append(
            {"type": "step", "person": pid, "step": "S02", "date": talk.isoformat()}
            | {"details": {"talkers": ["M0001"]}}
        )
        if talk > _add_month(applied):
            expected.add("APP-TALK")
    if a["activist"]:
        records.append(
            {
                "type": "step",
                "person": pid,
                "step": "S03",
                "date": (applied + datetime.timedelta(days=240)).isoformat(),
            }
        )
        if a["talk"] is None:
            expected.add("APP-TALK")  # the activist decision with no talk on record: a skip
    elif a["talk"] is None and timezone.localdate() > _add_month(applied):
        expected.add("APP-TALK")  # overdue without a talk
    return records, expected


def _add_month(day: datetime.date) -> datetime.date:
    from fazhan.core.calendar import add_months

    return add_months(day, 1)


def _attack_record(kind: str, world) -> dict:
    p1 = world.p1
    record = {"type": "person", "id": p1.pid, "name": p1.name, "id_number": p1.id_number, "org": "SZQ-LH-01"}
    record |= {"education": p1.education, "occupation": p1.occupation, "phone": p1.phone}
    if kind == "rename":
        record["name"] = "改名者"
    elif kind == "renumber":
        record["id_number"] = make_id_number(datetime.date(1998, 3, 4), 999)
    elif kind == "move":
        record["org"] = "SZQ-LH-02"
    elif kind == "rebirth":
        record["birth_date"] = "1998-03-05"
    return record


def _identities() -> list[tuple]:
    return sorted(Person.objects.values_list("pid", "name", "id_number_key", "org_id", "party_status"))


def _findings() -> list[tuple]:
    return sorted(Finding.objects.values_list("pk", "status", "closed_run", "message", "last_run"))


@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(applicants=st.lists(applicant, min_size=1, max_size=3), attacked=attack)
def test_whatever_a_file_holds_an_import_keeps_its_invariants(world, tmp_path, applicants, attacked):
    with transaction.atomic():
        today = timezone.localdate()
        inspection_run(actor=None, org=world.township, as_of=today)
        findings_before = _findings()
        p1_key = world.p1.id_number_key
        records: list[dict] = []
        expected: dict[str, set[str]] = {}
        for n, a in enumerate(applicants):
            lines, breaks = _applicant_records(n, a)
            records += lines
            expected[lines[0]["id"]] = breaks
        if attacked:
            records.append(_attack_record(attacked, world))
        path = write_jsonl(tmp_path / "random.jsonl", records)
        before = snapshot()
        identities = _identities()

        status, out = run("import", str(path))

        assert trail_verify().ok
        assert _findings() == findings_before  # an import never closes, opens or rewrites a finding
        if attacked:
            assert status != 0, out
            assert snapshot() == before  # the whole file or nothing
            assert _identities() == identities
            assert (
                Person.objects.get(pid=world.p1.pid).id_number_key
                == p1_key
                == id_number_key(world.p1.id_number)
            )
        else:
            assert status == 0, out
            # the persons already registered keep name, number, org and membership
            assert [i for i in _identities() if not i[0].startswith("P8")] == identities
            after = snapshot()
            assert run("import", str(path))[0] == 0
            assert snapshot() == after  # the same file again changes nothing
            assert trail_verify().ok
            inspection_run(actor=None, org=world.township, as_of=today)
            for pid, breaks in expected.items():
                found = set(Finding.objects.filter(person__pid=pid).values_list("rule", flat=True))
                assert breaks <= found, (pid, breaks, found)
                assert not ({"ELIG-AGE", "APP-TALK"} - breaks) & found, (pid, breaks, found)
        transaction.set_rollback(True)
