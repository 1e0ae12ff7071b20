"""Fixtures of the inspection tests: the procedure's walked case (pw, walk) and, for the org-level rules,
small trees of cases written as facts (what the loader would hand the rules), so each rule is seen on
exactly the records it judges."""

import datetime
from collections.abc import Iterable
from typing import Any

from fazhan.procedure.definition import Limits
from fazhan.procedure.engine import CaseFacts, OrgFacts, Rec
from fazhan.procedure.rules.counting import PersonRow
from fazhan.procedure.rules.notice2018 import OrgRow, TreeFacts
from tests.procedure.conftest import pw, walk  # noqa: F401  (fixtures and helpers of the walked case)

D = datetime.date

ORGS = {
    "SZQ": OrgRow("SZQ", "district_committee", "", "/SZQ/"),
    "SZQ-LH": OrgRow("SZQ-LH", "committee", "township", "/SZQ/SZQ-LH/"),
    "SZQ-LH-01": OrgRow("SZQ-LH-01", "branch", "village", "/SZQ/SZQ-LH/SZQ-LH-01/", (D(2018, 10, 15),)),
    "SZQ-LH-02": OrgRow("SZQ-LH-02", "branch", "village", "/SZQ/SZQ-LH/SZQ-LH-02/"),
    "SZQ-LH-17": OrgRow("SZQ-LH-17", "branch", "community", "/SZQ/SZQ-LH/SZQ-LH-17/"),
}
ORG_FACTS = {o.code: OrgFacts(o.code, o.kind, o.path, 8) for o in ORGS.values()}
_ids = iter(range(1, 10**6))
JAN_2020 = D(2020, 1, 10)


def case(
    pid: str,
    org: str = "SZQ-LH-01",
    steps: Iterable[tuple[str, datetime.date, dict[str, Any]] | tuple[str, datetime.date]] = (),
    *,
    as_of: datetime.date = JAN_2020,
    limits: Limits | None = None,
    **extra: Any,
) -> CaseFacts:
    """A case in `org` with these step records (step, date[, details]); S17/S24 approve by default."""
    records = []
    for item in steps:
        step, day = item[0], item[1]
        details = item[2] if len(item) > 2 else {}  # type: ignore[misc]
        if step in ("S17", "S24") and "result" not in details:
            details = {**details, "result": "approved"}
        records.append(Rec(next(_ids), step, day, details))
    records.sort(key=lambda r: (r.date, r.id))
    return CaseFacts(
        person_pid=pid,
        birth_date=extra.pop("birth_date", D(1995, 5, 5)),
        floating=False,
        branch=ORG_FACTS[org],
        records=tuple(records),
        limits=limits or Limits(),
        as_of=as_of,
        orgs=ORG_FACTS,
        **extra,
    )


def applicant(pid: str, org: str = "SZQ-LH-01", **kw: Any) -> CaseFacts:
    return case(pid, org, [("S01", D(2019, 9, 1))], **kw)


def activist(pid: str, org: str = "SZQ-LH-01", **kw: Any) -> CaseFacts:
    return case(pid, org, [("S01", D(2018, 9, 1)), ("S03", D(2019, 1, 1))], **kw)


def target(pid: str, org: str = "SZQ-LH-01", **kw: Any) -> CaseFacts:
    return case(pid, org, [("S01", D(2017, 9, 1)), ("S03", D(2018, 1, 1)), ("S07", D(2019, 3, 1))], **kw)


def admitted(pid: str, approved: datetime.date, org: str = "SZQ-LH-01", **kw: Any) -> CaseFacts:
    """Application two and a half years before the approval, activist and target well after their minimum."""
    steps = [
        ("S01", approved - datetime.timedelta(days=900)),
        ("S03", approved - datetime.timedelta(days=760)),
        ("S07", approved - datetime.timedelta(days=300)),
        ("S15", approved - datetime.timedelta(days=30)),
        ("S17", approved, kw.pop("approval", {})),
    ]
    return case(pid, org, steps, **kw)


def person(pid: str, **kw: Any) -> PersonRow:
    data = {"gender": "M", "education": "高中", "occupation": "工人", "birth_date": D(1990, 1, 1), "tags": ()}
    data.update(kw)
    return PersonRow(pid, **data)


def tree(
    cases: list[CaseFacts],
    *,
    as_of: datetime.date = JAN_2020,
    plans: dict | None = None,
    people: dict | None = None,
    committees: dict | None = None,
    limits: Limits | None = None,
    root: str = "/SZQ/",
) -> TreeFacts:
    return TreeFacts(
        as_of=as_of,
        limits=limits or Limits(),
        root_path=root,
        orgs=ORGS,
        cases=[c.until(as_of) for c in cases],
        people=people or {c.person_pid: person(c.person_pid) for c in cases},
        plans=plans or {},
        committees=committees or {},
    )
