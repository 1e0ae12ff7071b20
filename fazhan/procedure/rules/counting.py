"""The counts of procedure.md C and E, once: what PLAN-QUOTA, PLAN-GROUPS, POOL-RATIO, RES-VILLAGE, VIO-RUSH
and the plan page count, as pure functions over case facts (no database).

- An admission is the first approving S17 (B0.1) dated on or before the as-of date, counted for the org the
  person was in on the approval date (their branch then, after the transfers) and rolled up the tree: the
  approving committee is evidence, not the counting unit (procedure.md E).
- An invalidated admission (GEN-INVALID, rule 38) counts nowhere, whatever the as-of date: 一律不予承认 means
  it was never recognized, so PLAN-QUOTA, PLAN-GROUPS, VIO-RUSH and the plan page all leave it out.
- The pool is the stage of each case on the as-of date (B0.3), exclusive, for the org the person is in then;
  an exit ends the case.
- A focus group is counted from the person: women from the gender, 35岁及以下 from the age at approval,
  大专及以上 from the education, 少数民族 from the ethnicity (not 汉族), other focus tags from the tags.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fazhan.core.calendar import full_years
from fazhan.people.choices import COLLEGE_AND_ABOVE
from fazhan.procedure.definition import Anchor, CaseStage, Limits
from fazhan.procedure.engine import CaseFacts, Rec
from fazhan.procedure.rules.outcome import case_outcome, conversion_rounds

HAN = "汉族"
MINORITY = "少数民族"
POOL_STAGES = (CaseStage.APPLICANT, CaseStage.ACTIVIST, CaseStage.TARGET)


@dataclass(frozen=True)
class PersonRow:
    """What the statistics of procedure.md E count about a case's person."""

    pid: str
    gender: str
    education: str
    occupation: str
    birth_date: datetime.date
    tags: tuple[str, ...] = ()
    ethnicity: str = HAN
    front_line: bool = False  # 生产、工作一线


@dataclass(frozen=True)
class Approval:
    facts: CaseFacts
    record: Rec
    org: str  # the org the person was in on the approval date


def as_date(value: Any) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def transfers_until(facts: CaseFacts) -> list[Mapping[str, Any]]:
    """The person's transfers dated on or before the as-of date (B0.6), in date order."""
    moves = [t for t in facts.transfers if as_date(t["date"]) <= facts.as_of]
    return sorted(moves, key=lambda t: as_date(t["date"]))


def org_on(facts: CaseFacts, day: datetime.date) -> str:
    """The org the person was in on `day`: the branch they are in now, unless a later transfer moved them."""
    code = facts.branch.code
    for move in reversed(transfers_until(facts)):
        if as_date(move["date"]) > day:
            code = str(move["from"])
    return code


def stage_of(facts: CaseFacts) -> str:
    """The stage on the as-of date (B0.3, rules/outcome.py): an exit ends the case."""
    if facts.exited_on and facts.exited_on <= facts.as_of:
        return CaseStage.EXITED
    return case_outcome(facts.records, limits=facts.limits).stage


def admission_of(facts: CaseFacts) -> Approval | None:
    """The case's counted admission: its first approving S17 up to the as-of date, unless invalidated."""
    if facts.invalidated:
        return None
    record = facts.first(Anchor.APPROVAL)
    if record is None or record.date > facts.as_of:
        return None
    return Approval(facts, record, org_on(facts, record.date))


def admissions(cases: Iterable[CaseFacts]) -> list[Approval]:
    """Every counted admission of these cases, in date order."""
    found = (admission_of(facts) for facts in cases)
    return sorted((a for a in found if a is not None), key=lambda a: (a.record.date, a.facts.person_pid))


def path_codes(path: str) -> list[str]:
    """The org codes of a materialized path, from the top down (`/SZQ/SZQ-LH/` → SZQ, SZQ-LH)."""
    return [c for c in path.strip("/").split("/") if c]


def admissions_by_org_year(
    approvals: Iterable[Approval], paths: Mapping[str, str]
) -> dict[tuple[str, int], list[Approval]]:
    """Admissions rolled up the tree: each counts for its org and every org above it (`paths`: code → the
    org's path), by calendar year of the approval."""
    out: dict[tuple[str, int], list[Approval]] = defaultdict(list)
    for a in approvals:
        for code in path_codes(paths.get(a.org, "")):
            out[(code, a.record.date.year)].append(a)
    return out


def in_group(group: str, person: PersonRow | None, approved_on: datetime.date, limits: Limits) -> bool:
    """Whether an admitted person counts toward a focus group (interchange.md `plan` groups)."""
    if person is None:
        return False
    if group == "women":
        return person.gender == "F"
    if group == "age_35_and_under":
        return full_years(person.birth_date, approved_on) <= limits.young_farmer_age
    if group == "college_and_above":
        return person.education in COLLEGE_AND_ABOVE
    if group == MINORITY:
        return bool(person.ethnicity) and person.ethnicity != HAN
    return group in person.tags


def group_count(
    group: str, admitted: Iterable[Approval], people: Mapping[str, PersonRow], limits: Limits
) -> int:
    return sum(in_group(group, people.get(a.facts.person_pid), a.record.date, limits) for a in admitted)


def pools(cases: Iterable[CaseFacts], *, day: datetime.date | None = None) -> dict[str, Counter[str]]:
    """The stage of every case on `day` (its as-of date by default), counted for the org the person is in
    then (exclusive): the record as it stood that day (B0.6), the org from every transfer known."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for facts in cases:
        then = facts if day is None or day >= facts.as_of else facts.until(day)
        out[org_on(facts, then.as_of)][stage_of(then)] += 1
    return out


def pool_rolled_up(counts: Mapping[str, Counter[str]], paths: Mapping[str, str], code: str) -> Counter[str]:
    """The pool of `code` and every org below it."""
    prefix = paths.get(code)
    total: Counter[str] = Counter()
    if prefix is None:
        return total
    for org, stages in counts.items():
        if paths.get(org, "").startswith(prefix):
            total.update({s: n for s, n in stages.items() if s in POOL_STAGES})
    return total


def pool_reading(applicants: int, activists: int, targets: int, limits: Limits) -> tuple[int, int, int]:
    """The counts POOL-RATIO compares: exclusive (strict, the default), or each stage with everyone beyond it
    (the loose reading, a setting)."""
    if limits.pool_ratio_loose:
        return applicants + activists + targets, activists + targets, targets
    return applicants, activists, targets


def pool_ok(applicants: int, activists: int, targets: int, limits: Limits) -> bool:
    """6:3:1: applicants ≥ 2 × activists and activists ≥ 3 × targets, in the configured reading."""
    a, b, t = pool_reading(applicants, activists, targets, limits)
    return a >= limits.pool_applicants_per_activist * b and b >= limits.pool_activists_per_target * t


def village_reserves(counts: Mapping[str, Counter[str]], villages: Sequence[str]) -> dict[str, int]:
    """The activists of each village branch (RES-VILLAGE: at least one at all times)."""
    return {code: counts.get(code, Counter()).get(CaseStage.ACTIVIST, 0) for code in villages}


def entries(cases: Iterable[CaseFacts], step: str, first: datetime.date, last: datetime.date) -> Counter[str]:
    """The cases whose step (its first passing record, B0.1) falls in [first, last], for the org the person
    was in that day: the applications (S01), activists (S03) and targets (S07) of a period. An invalidated
    case counts nowhere (rule 38), as its admission does not."""
    out: Counter[str] = Counter()
    for facts in cases:
        record = None if facts.invalidated else facts.first(step)
        if record is not None and first <= record.date <= min(last, facts.as_of):
            out[org_on(facts, record.date)] += 1
    return out


class ConversionKind:
    """The columns of 第十三表 预备党员转正情况 (procedure.md E): each approved conversion round by its
    outcome."""

    ON_TIME = "on_time"  # converted at the first round (按期转正)
    AFTER_EXTENSION = "after_extension"  # converted after an extended probation
    EXTENDED = "extended"  # the probation extended (延长预备期)
    CANCELLED = "cancelled"  # 取消预备党员资格


@dataclass(frozen=True)
class Conversion:
    facts: CaseFacts
    record: Rec  # the approving S24 of the round
    kind: str
    org: str  # the org the person was in on the approval date


def conversions_of(facts: CaseFacts) -> list[Conversion]:
    """The approved conversion rounds of a case up to its as-of date (rules/outcome.conversion_rounds),
    counted at the approving S24 like an admission at its S17; an invalidated case counts nowhere."""
    if facts.invalidated:
        return []
    out: list[Conversion] = []
    extended = False
    for round_ in conversion_rounds(facts.records):
        decision = round_.decision
        if decision is None or not round_.approved or decision.date > facts.as_of:
            continue
        if round_.outcome == "convert":
            kind = ConversionKind.AFTER_EXTENSION if extended else ConversionKind.ON_TIME
        elif round_.outcome == "extend":
            kind, extended = ConversionKind.EXTENDED, True
        elif round_.outcome == "cancel":
            kind = ConversionKind.CANCELLED
        else:
            continue
        out.append(Conversion(facts, decision, kind, org_on(facts, decision.date)))
        if kind != ConversionKind.EXTENDED:
            break  # a conversion or a cancellation ends the probation
    return out


def conversions(cases: Iterable[CaseFacts]) -> list[Conversion]:
    """Every counted conversion decision of these cases, in date order."""
    found = [c for facts in cases for c in conversions_of(facts)]
    return sorted(found, key=lambda c: (c.record.date, c.facts.person_pid))


def by_org_year(rows: Iterable[Any], paths: Mapping[str, str]) -> dict[tuple[str, int], list[Any]]:
    """Counted rows (admissions or conversions) rolled up the tree by the calendar year of their record."""
    out: dict[tuple[str, int], list[Any]] = defaultdict(list)
    for row in rows:
        for code in path_codes(paths.get(row.org, "")):
            out[(code, row.record.date.year)].append(row)
    return out


# The age bands of the annual tables for new members (procedure.md E: the headline 35岁及以下, and the
# bands of the bulletins), as (label, lowest age, highest age) at the approval date.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("25岁及以下", 0, 25),
    ("26至30岁", 26, 30),
    ("31至35岁", 31, 35),
    ("36至40岁", 36, 40),
    ("41至45岁", 41, 45),
    ("46至50岁", 46, 50),
    ("51至55岁", 51, 55),
    ("56至60岁", 56, 60),
    ("61岁及以上", 61, 200),
)


def age_band(person: PersonRow, day: datetime.date) -> str:
    age = full_years(person.birth_date, day)
    return next(label for label, low, high in AGE_BANDS if low <= age <= high)
