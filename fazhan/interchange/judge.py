"""The findings a file's records would raise where they land, for the preview (issue: imported history is
judged where it lands). The checked import is written inside a savepoint, the inspection runs over the
subtree it touches with the very rule functions of a run, the savepoint is rolled back; what the run finds
there on the file's persons that it did not find before is told per rule, most severe first, with the lines
that brought it."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from fazhan.inspection.run import Issue, inspect
from fazhan.interchange.plan import Plan
from fazhan.interchange.write import write_all
from fazhan.organizations.models import Org
from fazhan.procedure.definition import RULES_BY_ID, SEVERITY_RANK

PLACES_SHOWN = 20  # lines shown per rule; the rest are counted


@dataclass
class FileFinding:
    """One rule the file's records would break: how often, and where (line, unit, person, message)."""

    rule: str
    severity: str
    title: str
    count: int = 0
    places: list[tuple[int, str, str, str]] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.places)


class _RolledBack(Exception):
    pass


def _root_of(plan: Plan) -> Org | None:
    """The lowest org above every person the file touches (None: the whole tree)."""
    paths = [
        i.path for kind in ("person", "step", "exit", "transfer") for i in plan.items.get(kind, []) if i.path
    ]
    if not paths:
        return None
    codes = paths[0].strip("/").split("/")
    for path in paths[1:]:
        other = path.strip("/").split("/")
        n = 0
        while n < min(len(codes), len(other)) and codes[n] == other[n]:
            n += 1
        codes = codes[:n]
    while codes:
        org = Org.objects.filter(code=codes[-1]).first()
        if org is not None:
            return org
        codes.pop()  # an org the file itself creates
    return None


def file_findings(plan: Plan, *, as_of: datetime.date) -> list[FileFinding]:
    """What importing the checked `plan` would raise, without writing anything."""
    root = _root_of(plan)
    touched = {i.row["pid"] for kind in ("person", "step", "exit") for i in plan.items.get(kind, [])}
    before = {i.key for i in inspect(root=root, as_of=as_of).issues if i.person in touched}
    after: list[Issue] = []
    lines: dict[int, tuple[int, str]] = {}
    try:
        with transaction.atomic():
            write_all(plan, progress=lambda message: None)
            after = [
                i
                for i in inspect(root=root, as_of=as_of).issues
                if i.person in touched and i.key not in before
            ]
            lines = {item.obj: (item.source.line, item.source.unit) for item in plan.items.get("step", [])}
            raise _RolledBack
    except _RolledBack:
        pass
    people = {i.row["pid"]: (i.source.line, i.source.unit) for i in plan.items.get("person", [])}
    names = {pid: plan.person_name(pid) for pid in touched}
    out: dict[str, FileFinding] = {}
    for issue in after:
        rule = RULES_BY_ID[issue.rule]
        found = out.setdefault(issue.rule, FileFinding(issue.rule, issue.severity, str(rule.title)))
        found.count += 1
        if SEVERITY_RANK[issue.severity] > SEVERITY_RANK[found.severity]:
            found.severity = issue.severity
        if len(found.places) < PLACES_SHOWN:
            line, unit = lines.get(issue.record or -1) or people.get(issue.person or "") or (0, "line")
            who = f"{names.get(issue.person or '', '')}（{issue.person}）" if issue.person else ""
            found.places.append((line, unit, who, issue.message))
    ordered = sorted(out.values(), key=lambda f: (-SEVERITY_RANK[f.severity], -f.count, f.rule))
    for f in ordered:
        f.places.sort()
    return ordered


def findings_by_severity(findings: list[FileFinding]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for f in findings:
        counts[f.severity] += f.count
    return dict(counts)
