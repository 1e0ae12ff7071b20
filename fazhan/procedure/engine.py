"""The rule engine: pure functions over one case's facts (procedure.md B0).

A rule reads `CaseFacts` and yields `Finding`s. The same functions serve step entry (a BLOCK finding on the
record being entered refuses it), the person page's procedure calendar (the `earliest` date a timing rule
reports) and, in the inspection, every case of the tree.
"""

import datetime
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils import timezone

from fazhan.core.calendar import add_months
from fazhan.core.dates import date_cn
from fazhan.procedure.definition import (
    RULES_BY_ID,
    SAMPLE_DETAILS,
    SEVERITY_RANK,
    STEPS,
    STEPS_BY_CODE,
    Limits,
)
from fazhan.procedure.editions import citation

NEW = -1  # the id of a record being entered, not yet saved


@dataclass(frozen=True)
class Rec:
    """A live step record as the rules see it (superseded records never reach a rule: B0.1)."""

    id: int
    step: str
    date: datetime.date
    details: Mapping[str, Any] = field(default_factory=dict)
    recorded_at: datetime.datetime | None = None
    supersedes: int | None = None  # the record this one corrects (VIO-BACKDATE reads when it was changed)
    from_ledger: bool = False  # created by an Excel ledger (procedure.md B0.10, LEDGER-GAP)
    date_inferred: bool = False  # its date taken from the step it follows (interchange.md, Excel ledgers)

    def passed(self) -> bool:
        rule = STEPS_BY_CODE[self.step].passing
        return rule is None or self.details.get(rule[0]) in rule[1]


def entered_on(record: Rec) -> datetime.date | None:
    """The local day a record was entered (settings.TIME_ZONE, the deployment's day); None for a record with
    no entry time (a migrated ledger's)."""
    at = record.recorded_at
    if at is None:
        return None
    return at.astimezone(_local_zone()).date() if timezone.is_aware(at) else at.date()


@functools.cache
def _local_zone() -> datetime.tzinfo:
    return timezone.get_default_timezone()


@dataclass(frozen=True)
class MemberFacts:
    """What rules need to know of a contact, introducer or talker."""

    pid: str
    party_status: str  # "" | probationary | full
    joined_on: datetime.date | None = None
    full_since: datetime.date | None = None
    party_probation: tuple[tuple[datetime.date, datetime.date | None], ...] = ()  # (from, rights restored on)
    org_code: str = ""

    def full_member_on(self, day: datetime.date) -> bool:
        if self.party_status != "full":
            return False
        since = self.full_since or (add_months(self.joined_on, 12) if self.joined_on else None)
        return since is None or since <= day

    def rights_restricted_on(self, day: datetime.date) -> bool:
        return any(
            start <= day and (restored is None or day < restored) for start, restored in self.party_probation
        )


@dataclass(frozen=True)
class OrgFacts:
    code: str
    kind: str
    path: str
    full_members: int = 0

    def is_above(self, other: "OrgFacts") -> bool:
        return other.path.startswith(self.path) and other.path != self.path


@dataclass(frozen=True)
class CaseFacts:
    person_pid: str
    birth_date: datetime.date
    floating: bool
    branch: OrgFacts
    records: tuple[Rec, ...]
    limits: Limits
    as_of: datetime.date
    planned_departure: datetime.date | None = None
    resident_id_valid: bool = True  # ELIG-NAT: the ID number passes procedure.md F
    work_unit_org: str = ""
    members: Mapping[str, MemberFacts] = field(default_factory=dict)
    orgs: Mapping[str, OrgFacts] = field(default_factory=dict)
    forms: tuple[Mapping[str, Any], ...] = ()  # the form register's rows for this person
    transfers: tuple[Mapping[str, Any], ...] = ()
    exited_on: datetime.date | None = None
    # The admission was declared invalid (GEN-INVALID, rule 38): never recognized, so it counts nowhere,
    # whatever the as-of date (rules/counting.py); `until` keeps it.
    invalidated: bool = False
    # Registers the violation detectors (procedure.md D) read; loaded by the inspection (optional, additive).
    kin: Mapping[str, str] = field(default_factory=dict)  # pid of a declared close relative → relation
    discipline: tuple[Mapping[str, Any], ...] = ()  # the person's own register: kind, from, to
    branch_secretaries: tuple[str, ...] = ()  # pids of the secretary of the person's branch
    archive_reviews: tuple[Mapping[str, Any], ...] = ()  # date, reviewer (org code), missing (ARC-REVIEW)
    # Who the live S13, S14 and S15 records were about when written (FORM-MATCH): record id, the person's
    # name and the keyed digest of their ID number; a record being entered (NEW) is about the person now.
    identities: tuple[Mapping[str, Any], ...] = ()
    # What the public reported on a 公示 about the person (PUB-OBJECTION), from the notices wing: id,
    # received_on, verified_on (None until a finding is recorded), the notice's label, the name reported on.
    notice_feedback: tuple[Mapping[str, Any], ...] = ()
    # The person's records of flowing out of or into the district (POL-DONE's floating clause), from the
    # floating wing: id, direction (out | in), since, until (None while open), and the 户籍 (home) and
    # residence orgs whose opinions the political review needs: each an org code where the org is in the
    # tree, else "" with its name.
    floating_records: tuple[Mapping[str, Any], ...] = ()
    # The people the steps name and the trainings each attended (TRN-STAFF), from the training wing: one row
    # per person, pid, name and `sessions` (each date, role attended as, session id, topic).
    staff_training: tuple[Mapping[str, Any], ...] = ()

    # --- reading the record as B0 says ---------------------------------------------------------------------
    def all(self, step: str) -> list[Rec]:
        return [r for r in self.records if r.step == step]

    def first(self, step: str) -> Rec | None:
        """The record that made the step happen: its first record with a passing result (B0.1)."""
        return next((r for r in self.records if r.step == step and r.passed()), None)

    def date_of(self, step: str) -> datetime.date | None:
        record = self.first(step)
        return record.date if record else None

    def until(self, day: datetime.date) -> "CaseFacts":
        """The record as it stood on `day` (B0.6): steps, exits, transfers, discipline, archive reviews and
        notice reports dated after it are ignored; clocks run to it; the branch is the one the person belonged
        to that day (the origin of the first transfer after it)."""
        later = [t for t in self.transfers if str(t["date"]) > day.isoformat()]
        then = min(later, key=lambda t: str(t["date"]))["from"] if later else None
        return replace(
            self,
            branch=self.orgs.get(then, self.branch) if then else self.branch,
            records=tuple(r for r in self.records if r.date <= day),
            as_of=day,
            exited_on=self.exited_on if self.exited_on and self.exited_on <= day else None,
            transfers=tuple(t for t in self.transfers if str(t["date"]) <= day.isoformat()),
            discipline=tuple(d for d in self.discipline if d["from"] <= day),
            archive_reviews=tuple(a for a in self.archive_reviews if a["date"] <= day),
            notice_feedback=tuple(f for f in self.notice_feedback if f["received_on"] <= day),
            floating_records=tuple(f for f in self.floating_records if f["since"] <= day),
            staff_training=tuple(
                {**t, "sessions": tuple(s for s in t["sessions"] if s["date"] <= day)}
                for t in self.staff_training
            ),
        )

    def with_record(self, record: Rec) -> "CaseFacts":
        ordered = sorted((*self.records, record), key=lambda r: (r.date, r.id if r.id != NEW else 1 << 62))
        return replace(self, records=tuple(ordered), as_of=max(self.as_of, record.date))


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    step: str = ""
    record: int | None = None  # the record that breaks the rule (NEW for one being entered)
    earliest: datetime.date | None = None  # the first date on which the step becomes possible
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @property
    def article(self) -> str:
        return RULES_BY_ID[self.rule].article

    def citation(self, on_date: datetime.date | None = None) -> str:
        """The article in the edition of the 细则 in force on `on_date` (the step's date), in Chinese."""
        return citation(self.article, on_date)


def refusal_text(f: Finding, on_date: datetime.date | None = None) -> str:
    """How a refusal reads, in Chinese first: what is wrong, the rule by its name and its article (the edition
    in force on the step's date), the rule's id beside them for whoever looks it up, and from when the step
    becomes possible."""
    from django.utils.translation import gettext as _

    rule = RULES_BY_ID[f.rule]
    text = _("%(message)s——%(title)s（%(article)s，规则 %(rule)s）") % {
        "message": f.message,
        "title": rule.title,
        "article": f.citation(on_date),
        "rule": f.rule,
    }
    if f.earliest:
        text += _("；最早可于%(date)s办理") % {"date": date_cn(f.earliest)}
    return text


Check = Callable[[CaseFacts], Iterable[Finding]]
CHECKS: dict[str, Check] = {}


def check(rule_id: str) -> Callable[[Check], Check]:
    """Register the one function that implements a rule of the catalogue."""

    def register(fn: Check) -> Check:
        if rule_id not in RULES_BY_ID:
            raise LookupError(f"{fn.__qualname__}: rule {rule_id} is not in procedure/definition.py")
        if rule_id in CHECKS:
            raise LookupError(
                f"rule {rule_id} is implemented twice: {CHECKS[rule_id].__qualname__}, {fn.__qualname__}"
            )
        CHECKS[rule_id] = fn
        return fn

    return register


def finding(rule_id: str, message: str, *, severity: str | None = None, **kwargs: Any) -> Finding:
    return Finding(
        rule=rule_id, severity=severity or RULES_BY_ID[rule_id].severity, message=message, **kwargs
    )


def in_force(rule_id: str, day: datetime.date) -> bool:
    """A rule applies to a step by the date of that step (procedure.md G): a rule with `since` judges only
    steps on or after it."""
    since = RULES_BY_ID[rule_id].since
    return not since or day >= datetime.date.fromisoformat(since)


def evaluate(facts: CaseFacts, *, rules: Iterable[str] | None = None) -> list[Finding]:
    """Every finding of the (given) rules on this case, in the catalogue's order (the rule modules register
    their checks when the procedure app is ready: ProcedureConfig.ready())."""
    wanted = CHECKS.keys() if rules is None else rules
    out: list[Finding] = []
    for rule_id in wanted:
        out.extend(CHECKS[rule_id](facts))
    return out


def evaluate_entry(facts: CaseFacts, record: Rec) -> list[Finding]:
    """The findings a new record would bring on itself, most severe first."""
    after = facts.with_record(record)
    own = [f for f in evaluate(after) if f.record == NEW]
    return sorted(own, key=lambda f: -SEVERITY_RANK[f.severity])


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "BLOCK"]


def earliest_date(
    facts: CaseFacts,
    step: str,
    *,
    details: Mapping[str, Any] | None = None,
    not_before: datetime.date,
    lawful: bool = False,
) -> tuple[datetime.date, list[Finding]]:
    """The first date on or after `not_before` that every timing rule allows for `step` — BLOCK rules only,
    or with `lawful` every rule that names an earliest date (an ERROR is allowed but not compliant) — and the
    findings no date cures (a missing prerequisite, bad details) on that date."""
    day, untimed = not_before, []
    for _ in range(12):  # each round moves to a later `earliest`; the limits converge in a few
        found = evaluate_entry(facts, Rec(NEW, step, day, details or {}))
        found = found if lawful else blocking(found)
        timed = [f.earliest for f in found if f.earliest and f.earliest > day]
        untimed = [f for f in found if not (f.earliest and f.earliest > day)]
        if not timed:
            break
        day = max(timed)
    return day, untimed


def procedure_calendar(facts: CaseFacts, *, today: datetime.date) -> dict[str, datetime.date]:
    """For every step not yet done: the earliest date it can legally happen if each step before it happens
    as early as it can (product.md's procedure calendar). It answers "when", so details are assumed sound."""
    plan: dict[str, datetime.date] = {}
    assumed = facts
    for n, step in enumerate(STEPS, start=2):
        if facts.first(step.code) is not None:
            continue
        base = max([today, *(plan[p] for p in step.prerequisites if p in plan)])
        sample = SAMPLE_DETAILS.get(step.code, {})
        day, _ = earliest_date(assumed, step.code, details=sample, not_before=base, lawful=True)
        plan[step.code] = day
        assumed = assumed.with_record(Rec(NEW - n, step.code, day, sample))
    return plan


def records_after(records: Iterable[Rec], day: datetime.date) -> Iterator[Rec]:
    return (r for r in records if r.date > day)


def overdue(facts: CaseFacts, deadline: datetime.date) -> bool:
    """A deadline passed by the as-of date, while the case is still open (B0.4; an exit stops the clocks)."""
    if facts.exited_on and facts.exited_on <= deadline:
        return False
    return facts.as_of > deadline
