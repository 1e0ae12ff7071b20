"""The types an import's steps share: a checked record (Item) and what deciding, judging and writing need of
the plan that holds them (Plan). services.ImportPlan builds the plan; decide, judge and write take any Plan,
so the import's modules form a tree (services → decide / judge / write → plan) instead of a circle."""

import datetime
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any, Protocol

from fazhan.interchange.diff import Change
from fazhan.interchange.reader import Problem, Source
from fazhan.notices.models import Notice
from fazhan.organizations.models import Org
from fazhan.people.models import Person

STEP_ROW_KEYS: tuple[str, ...] = (
    *("id", "pid", "step", "date", "details", "supersedes", "reason", "recorded_at", "recorded_by"),
    *("from_ledger", "date_inferred"),
)


class StepRow(MutableMapping[str, Any]):
    """A checked step's values (Item.row of a step), read and set by name like the dict of the other records:
    slots instead of a dict's table, a fifth of its size (a district's file holds a million step records,
    issue 16 item 3). Every key is always there; none can be added or taken away."""

    __slots__ = STEP_ROW_KEYS

    def __init__(self, **values: Any):
        if set(values) != set(STEP_ROW_KEYS):
            raise TypeError(f"a step row has exactly {STEP_ROW_KEYS}")
        for key, value in values.items():
            setattr(self, key, value)

    def __getitem__(self, key: str) -> Any:
        if key not in STEP_ROW_KEYS:
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        if key not in STEP_ROW_KEYS:
            raise KeyError(key)
        setattr(self, key, value)

    def __delitem__(self, key: str) -> None:
        raise TypeError("a step row keeps every key")

    def __iter__(self) -> Iterator[str]:
        return iter(STEP_ROW_KEYS)

    def __len__(self) -> int:
        return len(STEP_ROW_KEYS)

    def __repr__(self) -> str:
        return f"StepRow({dict(self)!r})"


@dataclass(slots=True)
class Item:
    """One checked record: its canonical values, and what importing it would do."""

    type: str
    source: Source
    key: tuple
    row: Any  # dict[str, Any]; a step's: StepRow, the same by name
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
