"""The streamed export (issue 16 item 4): the same lines as the export that builds every record in memory,
byte for byte apart from the header's time, for the whole database, a subtree and a masked reader; and
`fazhan export` writes it in memory that does not grow with the district."""

import datetime
import json
import os
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection

from fazhan.demo.sample import sample_records
from fazhan.interchange.selectors import interchange_export, interchange_export_streamed, interchange_lines
from fazhan.organizations.models import Org
from fazhan.people.services import person_create
from tests.interchange.conftest import run, write_jsonl
from tests.interchange.test_jsonl import _registers
from tests.peak import run_measured


def _both(**kwargs) -> tuple[list[str], list[str]]:
    whole = list(interchange_lines(interchange_export(**kwargs)))
    streamed = list(interchange_lines(interchange_export_streamed(**kwargs)))
    assert json.loads(whole[0])["type"] == json.loads(streamed[0])["type"] == "header"
    return whole[1:], streamed[1:]


def test_the_streamed_export_writes_the_same_lines_as_the_whole_one(pw, base_records, tmp_path):
    from fazhan.people.services import discipline_record, kinship_declare
    from fazhan.procedure.services import step_correct
    from tests.procedure.conftest import walk

    done = walk(pw, "S25")
    step_correct(actor=None, record=done["S02"][0], date=done["S02"][0].date, details={}, reason="谈话人录错")
    kinship_declare(actor=None, a=pw.p1, b=pw.m1, relation="parent")
    discipline_record(actor=None, person=pw.p2, kind="investigation", date_from=datetime.date(2019, 1, 1))
    _registers(pw)
    # Keyed records from a file, one of them changed by a second file (a keyed record superseding another).
    base_records[-1] |= {"id": "st-1"}
    assert run("import", str(write_jsonl(tmp_path / "a.jsonl", base_records)))[0] == 0
    base_records[-1] |= {"date": "2018-01-25"}
    assert run("import", str(write_jsonl(tmp_path / "b.jsonl", base_records)))[0] == 0
    assert run("import", str(write_jsonl(tmp_path / "district.jsonl", sample_records(persons=200))))[0] == 0

    whole, streamed = _both()
    records = [json.loads(line) for line in whole]
    assert {r["type"] for r in records} >= {"org", "person", "step", "plan", "form", "kin", "exit"}
    assert sum(1 for r in records if r.get("supersedes")) >= 2
    assert any(r.get("id") == "st-1" for r in records)
    assert len(records) > 1000
    assert streamed == whole

    township = Org.objects.get(code="SZQ-LH")
    whole, streamed = _both(root=township, mask=lambda person: person.pid != pw.p1.pid)
    assert any("*" in json.loads(line).get("id_number", "") for line in whole)
    assert streamed == whole


def test_fazhan_export_keeps_its_memory_flat_as_the_district_grows(transactional_db, tmp_path):
    """The peak resident memory of `fazhan export` over 1,000 persons and 30,000 step records is within a
    few MB of that over 100: the records are written as they are read (building them all in memory
    first took about 55 MB more for the larger one)."""
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        url = (
            f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    fazhan = str(Path(sys.executable).with_name("fazhan"))

    def load(persons: int) -> None:
        path = write_jsonl(tmp_path / f"sample{persons}.jsonl", sample_records(persons=persons))
        assert run("import", str(path))[0] == 0

    def export() -> tuple[float, int]:
        out = tmp_path / "all.jsonl"
        status, _seconds, peak, _out, err = run_measured(
            [fazhan, "export", str(out)], env=os.environ | {"DATABASE_URL": url}
        )
        assert status == 0, err[-2000:]
        return peak, out.stat().st_size

    load(100)
    small, small_size = export()
    load(1000)
    large, large_size = export()
    assert large_size > 8 * small_size
    assert large - small < 25, (small, large)


def test_a_subtree_export_carries_the_outside_persons_and_forms_it_names_as_the_whole_one_does(pw):
    """A township's export names a person of another township (a kin, a form's holder) and a chain of forms
    that leaves the township (the township's form replaces one of the other's, which replaces a third): the
    streamed export finds them without a list of the township's persons, and writes them where the export
    that builds everything in memory does."""
    from fazhan.people.models import Kinship
    from fazhan.prereview.models import NumberedForm
    from tests.conftest import make_id_number, person_data

    far = person_create(
        actor=None,
        pid="P0900",
        id_number=make_id_number(datetime.date(1990, 2, 1), 31),
        data=person_data(pw.branch_yx, name="王五"),
    )
    Kinship.objects.create(a=pw.p1, b=far, relation="parent")
    day = datetime.date(2020, 3, 1)
    oldest = NumberedForm.objects.create(
        number="SZQ2020-0007", person=far, issued_on=day, issued_by=pw.branch_yx, status="voided"
    )
    older = NumberedForm.objects.create(
        number="SZQ2020-0008",
        person=far,
        issued_on=day,
        issued_by=pw.branch_yx,
        status="voided",
        replaces=oldest,
    )
    NumberedForm.objects.create(
        number="SZQ2020-0009", person=pw.p2, issued_on=day, issued_by=pw.district, replaces=older
    )
    NumberedForm.objects.create(number="SZQ2020-0001", person=far, issued_on=day, issued_by=pw.branch_yx)

    whole, streamed = _both(root=pw.township)
    records = [json.loads(line) for line in whole]
    assert [r["id"] for r in records if r["type"] == "person" and r["org"] == "SZQ-YX-01"] == ["P0900"]
    forms = [(r["number"], r.get("replaces")) for r in records if r["type"] == "form"]
    assert forms == [
        ("SZQ2020-0007", None),
        ("SZQ2020-0008", "SZQ2020-0007"),
        ("SZQ2020-0009", "SZQ2020-0008"),
    ]
    assert {r["code"] for r in records if r["type"] == "org"} >= {"SZQ-YX", "SZQ-YX-01"}
    assert streamed == whole
