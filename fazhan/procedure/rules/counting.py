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
from fazhan.procedure.rules.outcome import case_outcome

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
