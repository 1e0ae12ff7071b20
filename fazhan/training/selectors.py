"""Reads of the training wing: the attendance the rules read (TRN-STAFF, as CaseFacts.staff_training), the
untrained report (one selector feeds the page, the workbook and the console), the sessions a user may see,
and each org's negative list (负面清单), inherited down the tree."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from fazhan.accounts.selectors import user_scope_q
from fazhan.organizations.models import Org, OrgKind
from fazhan.people.models import Person, PersonRole
from fazhan.procedure.definition import CHOICE_LABELS, NEGATIVE_LIST, STAFF_DETAILS, STEPS_BY_CODE, limits
from fazhan.procedure.models import StepRecord
from fazhan.procedure.rules.staff import counts_from
from fazhan.training.models import Attendance, NegativeItem, StaffRole, TrainingSession

# --- what the rules read (TRN-STAFF) ------------------------------------------------------------------------


def _staff_rows(pids: set[str]) -> dict[str, dict]:
    """Per pid of these people: pid, name and the sessions attended (date, role, session id, topic), in one
    query (the person page's budget counts it)."""
    if not pids:
        return {}
    out: dict[str, dict] = {}
    rows = (
        Person.objects.filter(pid__in=pids)
        .order_by("pid", "trainings__session__date", "trainings__session_id")
        .values_list(
            "pid",
            "name",
            "trainings__session__date",
            "trainings__role",
            "trainings__session_id",
            "trainings__session__topic",
        )
    )
    for pid, name, date, role, session, topic in rows:
        row = out.setdefault(pid, {"pid": pid, "name": name, "sessions": []})
        if session is not None:
            row["sessions"].append({"date": date, "role": role, "session": session, "topic": topic})
    return {pid: {**row, "sessions": tuple(row["sessions"])} for pid, row in out.items()}


def staff_facts_for_person(person: Person, named: set[str]) -> list[dict]:
    """The people one person's steps name, each with the trainings they attended (not the person's own)."""
    rows = _staff_rows(named)
    return [rows[pid] for pid in sorted(rows)]


def staff_facts_of_named(named: set[str], as_of: datetime.date) -> dict[str, list[dict]]:
    """The same for every person the steps of a subtree name, by pid (the whole-tree loader)."""
    return {pid: [row] for pid, row in _staff_rows(named).items()}


def staff_facts_by_person(person_ids, as_of: datetime.date) -> dict[int, list[dict]]:
    """Unused by the loader (the rows are the named people's: staff_facts_of_named); here for the contract."""
    return {}


# --- sessions -----------------------------------------------------------------------------------------------


def session_list(user) -> QuerySet[TrainingSession]:
    return (
        TrainingSession.objects.filter(user_scope_q(user, "org__path"))
        .select_related("org")
        .prefetch_related(Prefetch("attendance", queryset=Attendance.objects.select_related("person")))
    )


def session_get_for_user(user, pk: int) -> TrainingSession:
    return get_object_or_404(session_list(user), pk=pk)


# --- the untrained report -----------------------------------------------------------------------------------

ROLE_ORDER = (StaffRole.BRANCH_SECRETARY, StaffRole.CONTACT, StaffRole.INTRODUCER)


@dataclass
class StaffLine:
    """One person in one role in one org, and whether they are trained as of the report's day."""

    org: Org
    role: str
    pid: str
    name: str
    last_trained: datetime.date | None
    cases: list[str] = field(default_factory=list)  # the names of the persons they are named for

    @property
    def role_label(self) -> str:
        return str(StaffRole(self.role).label)


@dataclass
class OrgLine:
    org: Org
    total: dict[str, int]
    untrained: dict[str, int]

    @property
    def untrained_all(self) -> int:
        return sum(self.untrained.values())


@dataclass
class UntrainedReport:
    as_of: datetime.date
    counts_from: datetime.date | None  # None: any earlier training counts
    orgs: list[OrgLine]
    untrained: list[StaffLine]  # each untrained person in each role, by org path, role, pid


def _open_staff(orgs: QuerySet[Org]) -> dict[tuple[int, str, str], list[str]]:
    """(org id, role, pid) → names of the persons of these orgs' open cases whose live S05/S09 names them."""
    steps = [s.code for s in STEPS_BY_CODE.values() if set(s.details) & set(STAFF_DETAILS)]
    out: dict[tuple[int, str, str], list[str]] = defaultdict(list)
    records = (
        StepRecord.objects.filter(
            step__in=steps,
            superseded_by__isnull=True,
            case__closed_on__isnull=True,
            case__person__org__in=orgs,
        )
        .order_by("case__person__pid", "date", "id")
        .values_list("case__person__org_id", "case__person__name", "step", "details")
    )
    for org_id, name, step, details in records:
        for key, role in STAFF_DETAILS.items():
            if key not in STEPS_BY_CODE[step].details:
                continue
            for pid in details.get(key) or []:
                if isinstance(pid, str) and name not in out[(org_id, role, pid)]:
                    out[(org_id, role, pid)].append(name)
    return out


def untrained_report(user, *, as_of: datetime.date | None = None) -> UntrainedReport:
    """Per branch in the user's subtrees: its branch secretaries (PersonRole) and the contacts and introducers
    its open cases' live steps name, how many there are and how many are untrained on `as_of` — no training
    attended by then that counts (TRN-STAFF's reading, Limits.staff_training_years)."""
    day = as_of or timezone.localdate()
    since = counts_from(day, limits().staff_training_years)
    orgs = Org.objects.filter(user_scope_q(user, "path")).exclude(
        kind__in=[OrgKind.DISTRICT_COMMITTEE, OrgKind.COMMITTEE]
    )
    by_id = {o.pk: o for o in orgs}
    named: dict[tuple[int, str, str], list[str]] = {
        (org_id, StaffRole.BRANCH_SECRETARY, pid): []
        for org_id, pid in PersonRole.objects.filter(
            role="branch_secretary", person__org__in=orgs
        ).values_list("person__org_id", "person__pid")
    }
    named.update(_open_staff(orgs))
    pids = {pid for _org, _role, pid in named}
    names = dict(Person.objects.filter(pid__in=pids).values_list("pid", "name"))
    attended = Attendance.objects.filter(person__pid__in=pids, session__date__lte=day)
    if since is not None:
        attended = attended.filter(session__date__gte=since)
    last: dict[str, datetime.date] = {}
    for pid, date in attended.values_list("person__pid", "session__date"):
        last[pid] = max(last.get(pid, date), date)
    lines = sorted(
        (
            StaffLine(by_id[org_id], role, pid, names.get(pid, pid), last.get(pid), cases)
            for (org_id, role, pid), cases in named.items()
        ),
        key=lambda s: (s.org.path, ROLE_ORDER.index(StaffRole(s.role)), s.pid),
    )
    totals: dict[int, dict[str, int]] = {o.pk: dict.fromkeys(ROLE_ORDER, 0) for o in orgs}
    untrained: dict[int, dict[str, int]] = {o.pk: dict.fromkeys(ROLE_ORDER, 0) for o in orgs}
    for line in lines:
        totals[line.org.pk][StaffRole(line.role)] += 1
        if line.last_trained is None:
            untrained[line.org.pk][StaffRole(line.role)] += 1
    return UntrainedReport(
        as_of=day,
        counts_from=since,
        orgs=[OrgLine(o, totals[o.pk], untrained[o.pk]) for o in sorted(orgs, key=lambda o: o.path)],
        untrained=[line for line in lines if line.last_trained is None],
    )


# --- the negative list (负面清单, notice 四) -----------------------------------------------------------

# The notice's items (通知四, 政治上不合格的具体清单) as the procedure declares them for S10: the list
# of an org with none of its own and no ancestor with one.
NOTICE_ITEMS: tuple[tuple[str, str], ...] = tuple((k, str(CHOICE_LABELS[k])) for k in NEGATIVE_LIST)


@dataclass(frozen=True)
class NegativeList:
    items: tuple[tuple[str, str], ...]
    source: Org | None  # the org whose list it is (the org itself or an ancestor); None: the notice's


def negative_list_of(org: Org) -> NegativeList:
    """The org's negative list: its own items, else its nearest ancestor's, else the notice's."""
    codes = [c for c in org.path.strip("/").split("/") if c]
    items = NegativeItem.objects.filter(org__code__in=codes).select_related("org")
    by_org: dict[str, list[NegativeItem]] = defaultdict(list)
    for item in items:
        by_org[item.org.code].append(item)
    for code in reversed(codes):
        if by_org.get(code):
            own = sorted(by_org[code], key=lambda i: (i.position, i.pk))
            return NegativeList(tuple((i.key, i.label) for i in own), own[0].org)
    return NegativeList(NOTICE_ITEMS, None)


def negative_keyed(org: Org, lines: list[str]) -> list[tuple[str, str]]:
    """Each line with a key: the one an item of that text already has in the org's list (or the notice's), so
    records that ticked it keep reading it; a new item the next free <org code>-<n>, unique in the tree (a
    record's ticked keys read their labels wherever they are shown: negative_label)."""
    known = {label: key for key, label in negative_list_of(org).items}
    taken = set(NegativeItem.objects.filter(key__startswith=f"{org.code}-").values_list("key", flat=True))
    out: list[tuple[str, str]] = []
    used: set[str] = set()
    n = 1
    for line in lines:
        key = known.get(line)
        if key is None or key in used:
            while f"{org.code}-{n}" in used | taken | set(known.values()):
                n += 1
            key = f"{org.code}-{n}"
        used.add(key)
        out.append((key, line))
    return out


def negative_items_of(org: Org | None) -> tuple[tuple[str, str], ...]:
    """The items S10's negative-list check offers for a person of `org` (procedure.details.FlagList)."""
    return negative_list_of(org).items if org is not None else NOTICE_ITEMS


def negative_label(key: str) -> str | None:
    """The label of an item a record holds: the notice's as declared, else the one an org's list gives it."""
    if key in CHOICE_LABELS:
        return None  # the declared label (procedure.details.flag_label)
    return NegativeItem.objects.filter(key=key).values_list("label", flat=True).first()
