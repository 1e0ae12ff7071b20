"""Files on disk and the commands run on them, as an operator would."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from fazhan.auditlog.models import AuditEvent
from fazhan.interchange.models import StepKey
from fazhan.organizations.models import Org
from fazhan.people.models import DisciplineRecord, Kinship, Person, PersonRole, Transfer
from fazhan.plans.models import Plan
from fazhan.prereview.models import NumberedForm
from fazhan.procedure.models import Case, StepRecord

MODELS = (Org, Person, PersonRole, Kinship, DisciplineRecord, Transfer, Case, StepRecord, StepKey, Plan)
MODELS += (NumberedForm,)


def write_jsonl(path: Path, records: list) -> Path:
    """Records as lines; a str is written as it is (for planting malformed lines)."""
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write((record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)) + "\n")
    return path


def run(*args) -> tuple[int, str]:
    """Run a fazhan command; (exit status, standard output)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def snapshot() -> dict[str, list]:
    """Every row of every model an import writes, as values: two equal snapshots mean nothing changed."""
    state = {m.__name__: sorted(map(repr, m.objects.order_by("pk").values())) for m in MODELS}
    # besides the import's own event, a check's look-up by number (people.services.id_number_lookups_import)
    events = AuditEvent.objects.exclude(action="interchange.import").exclude(
        action__startswith="person.id_lookup"
    )
    state["audit"] = [events.count()]
    return state


def export_records(tmp_path: Path, name: str, *args) -> list[dict]:
    path = tmp_path / name
    status, _ = run("export", str(path), *args)
    assert status == 0
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def base_records(world):
    """A small valid file over the canonical world: a new branch, two members, a candidate with steps."""
    return [
        {"type": "header", "format": "fazhan-record", "version": 1, "profile": "shizhongqu-2018"},
        {"type": "org", "code": "SZQ-LH-09", "name": "中共罗汉镇新村支部委员会", "parent": "SZQ-LH"}
        | {"kind": "branch", "category": "village"},
        {
            "type": "person",
            "id": "M0901",
            "name": "钱一",
            "id_number": "511002196803041211",
            "org": "SZQ-LH-09",
        }
        | {"party_status": "full", "joined_on": "1995-07-01", "roles": ["branch_secretary"]},
        {
            "type": "person",
            "id": "P0901",
            "name": "孙二",
            "id_number": "511002199901011212",
            "org": "SZQ-LH-09",
        }
        | {"education": "高中", "occupation": "农牧渔民", "tags": ["青年农民"]},
        {"type": "step", "person": "P0901", "step": "S01", "date": "2018-01-02", "details": {}},
        {"type": "step", "person": "P0901", "step": "S02", "date": "2018-01-20"}
        | {"details": {"talkers": ["M0901"]}, "recorded_by": "M0901"},
    ]


from tests.procedure.conftest import pw  # noqa: E402, F401  (a case walked along the legal path)
