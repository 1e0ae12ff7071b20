"""The canonical form of each record, shared by export (what it writes) and import (what it compares), so that
an unchanged record always compares equal."""

import datetime
from typing import Any

from fazhan.core.masking import mask_id_number, mask_phone
from fazhan.people.choices import FOCUS_TAGS
from fazhan.people.models import Person
from fazhan.procedure.definition import MATERIALS

PLAN_GROUP_KEYS = frozenset([*FOCUS_TAGS, "women", "age_35_and_under", "college_and_above"])
ARCHIVE_MATERIALS = tuple(MATERIALS)


def iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def compact(record: dict[str, Any], keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """A record without its empty fields (a reader takes an absent field as empty), but those in `keep`."""
    return {k: v for k, v in record.items() if k in keep or v not in (None, "", [], {}, False)}


def person_row(person: Person, roles: list[str]) -> dict[str, Any]:
    return {
        "pid": person.pid,
        "name": person.name,
        "id_number": person.id_number,
        "org": person.org.code,
        "ethnicity": person.ethnicity,
        "education": person.education,
        "occupation": person.occupation,
        "tags": list(person.tags),
        "phone": person.phone,
        "household_place": person.household_place,
        "residence": person.residence,
        "work_unit": person.work_unit,
        "position": person.position,
        "native_place": person.native_place,
        "work_started_on": person.work_started_on,
        "floating": person.floating,
        "front_line": person.front_line,
        "league_member": person.league_member,
        "work_unit_org": person.work_unit_org.code if person.work_unit_org else None,
        "planned_departure": person.planned_departure,
        "party_status": person.party_status,
        "joined_on": person.joined_on,
        "full_since": person.full_since,
        "roles": sorted(roles),
    }


def person_export_record(p: Person, roles: list[str], *, masked: bool = False) -> dict[str, Any]:
    record = {
        "type": "person",
        "id": p.pid,
        "name": p.name,
        "id_number": mask_id_number(p.id_number) if masked else p.id_number,
        "org": p.org.code,
        "ethnicity": p.ethnicity,
        "education": p.education,
        "occupation": p.occupation,
        "tags": list(p.tags),
        "phone": mask_phone(p.phone) if masked else p.phone,
        "household_place": p.household_place,
        "residence": p.residence,
        "work_unit": p.work_unit,
        "position": p.position,
        "native_place": p.native_place,
        "work_started_on": iso(p.work_started_on),
        "floating": p.floating,
        "front_line": p.front_line,
        "league_member": p.league_member,
        "work_unit_org": p.work_unit_org.code if p.work_unit_org else None,
        "planned_departure": iso(p.planned_departure),
        "party_status": p.party_status,
        "joined_on": iso(p.joined_on),
        "full_since": iso(p.full_since),
        "roles": sorted(roles),
    }
    return compact(record, keep=("full_since",) if p.party_status == "full" else ())


def recorded_by_label(label: str, user_id: int | None, users: dict[int, tuple[str, str]]) -> str:
    """`recorded_by` of interchange.md: the label the import kept, else the user's person id, else
    `user:<login>`. `users` maps user id → (login, person id or "")."""
    if label:
        return label
    if user_id is None or user_id not in users:
        return ""
    login, pid = users[user_id]
    return pid or f"user:{login}"


def step_id_natural(pid: str, step: str, date: datetime.date, n: int) -> str:
    """The id export gives a record that has none but must be named (it supersedes or is superseded): its
    natural key, which an import into the same database resolves back to the same record."""
    return f"{pid}/{step}/{date.isoformat()}/{n}"


def step_id_parse(value: str) -> tuple[str, str, datetime.date, int] | None:
    parts = value.split("/")
    if len(parts) != 4:
        return None
    try:
        return parts[0], parts[1], datetime.date.fromisoformat(parts[2]), int(parts[3])
    except ValueError:
        return None
