"""The canonical form of each record, shared by export (what it writes) and import (what it compares), so that
an unchanged record always compares equal."""

import datetime
from typing import Any

from fazhan.people.choices import FOCUS_TAGS
from fazhan.people.models import Person
from fazhan.procedure.definition import MATERIALS

PLAN_GROUP_KEYS = frozenset([*FOCUS_TAGS, "women", "age_35_and_under", "college_and_above"])
ARCHIVE_MATERIALS = tuple(MATERIALS)


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
