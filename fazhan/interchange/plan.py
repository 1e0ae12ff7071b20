"""The types an import's steps share: a checked record (Item) and what deciding, judging and writing need of
the plan that holds them (Plan). services.ImportPlan builds the plan; decide, judge and write take any Plan,
so the import's modules form a tree (services → decide / judge / write → plan) instead of a circle."""

import datetime
from dataclasses import dataclass
from typing import Any, Protocol

from fazhan.interchange.diff import Change
from fazhan.interchange.reader import Problem, Source
from fazhan.notices.models import Notice
from fazhan.organizations.models import Org
from fazhan.people.models import Person


@dataclass(slots=True)
class Item:
    """One checked record: its canonical values, and what importing it would do."""

    type: str
    source: Source
    key: tuple
    row: dict[str, Any]
    action: str = "same"  # create | update | same
    obj: Any = None
    path: str = ""  # the org path it touches, for the scope check


class Plan(Protocol):
    """What an import decided before it writes (services.ImportPlan), as decide, judge and write read it."""

    items: dict[str, list[Item]]
    problems: list[Problem]
    notes: list[Problem]
    changes: list[Change]
    created: list[Change]
    db_orgs: dict[str, Org]
    db_persons: dict[str, Person]
    file_pids: dict[str, Source]
    decisions: Any
    today: datetime.date
    progress: Any

    def person_name(self, pid: str) -> str: ...

    def who(self, person: Person) -> str: ...

    def first_source_of(self, pid: str) -> Source | None: ...

    def record_label(self, kind: str, item: Item) -> str: ...

    def notice_row(self, notice: Notice) -> dict[str, Any]: ...

    def sees(self, path: str) -> bool: ...
