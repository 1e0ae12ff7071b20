"""What a case's records make of it (procedure.md B0.3): its stage, the person's membership, and whether the
records close the case — the one reading that step entry, the importer, the plans, the archive register, the
inspection and synth share.

Applicant from S01, activist from S03, development target from S07, probationary from the approving S17.
Then the conversion goes by rounds: a branch meeting on the conversion (S23) and the committee's decision on
it (the first S24 after it, before the next S23). An approved round that decided `convert` makes a full
member; one that decided `extend` keeps the member probationary with the probation end moved by its months,
and a new round follows; one that decided `cancel` closes the case (exit `disqualified`) and clears the
membership. A rejected S24 undoes its round: the case stands as its S22 left it, for a new S23.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from fazhan.core.calendar import add_months
from fazhan.procedure.definition import STAGE_ENTRY, STEPS_BY_CODE, Anchor, CaseStage, Limits
from fazhan.procedure.definition import limits as deployment_limits


class Record(Protocol):
    """A step record as the outcome reads it: an engine.Rec, or a procedure.models.StepRecord."""

    @property
    def step(self) -> str: ...

    @property
    def date(self) -> datetime.date: ...

    @property
    def details(self) -> Mapping[str, Any]: ...


R = TypeVar("R", bound=Record)


def passed(record: Record) -> bool:
    """engine.Rec.passed for any record: a step with a result passes when its result is a passing one."""
    rule = STEPS_BY_CODE[record.step].passing
    return rule is None or record.details.get(rule[0]) in rule[1]


@dataclass(frozen=True)
class Round(Generic[R]):
    """One conversion round: the branch meeting (S23) and the committee's decision on it, if any yet."""

    meeting: R
    decision: R | None = None

    @property
    def outcome(self) -> Any:
        return self.meeting.details.get("decision")

    @property
    def approved(self) -> bool:
        return self.decision is not None and passed(self.decision)

    @property
    def rejected(self) -> bool:
        return self.decision is not None and not passed(self.decision)

    def extension(self) -> int:
        """The months this round adds to probation: an `extend` decision's int extend_months (none given
        reads as 0, which CNV-OUTCOME reports), unless the committee rejected it."""
        months = self.meeting.details.get("extend_months")
        if self.outcome != "extend" or self.rejected or not isinstance(months, int):
            return 0
        return months


def conversion_rounds(records: Iterable[R]) -> list[Round[R]]:
    """The rounds of a case's records (in record order): each S23 with the first S24 after it and before the
    next S23. A second S24 on the same S23 decides nothing here (CNV-APV-TIME reads it as a reconsideration);
    an S24 before any S23 belongs to no round (CNV-OUTCOME reports it)."""
    rounds: list[Round[R]] = []
    for r in records:
        if r.step == Anchor.CONVERSION_MEETING:
            rounds.append(Round(r))
        elif r.step == Anchor.CONVERSION_APPROVAL and rounds and rounds[-1].decision is None:
            rounds[-1] = Round(rounds[-1].meeting, r)
    return rounds


@dataclass(frozen=True)
class Outcome(Generic[R]):
    stage: str
    joined_on: datetime.date | None = None  # 党籍: the branch meeting (S15)
    full_since: datetime.date | None = None  # 党龄: the end of probation, extensions included
    converted: R | None = None  # the S24 that approved a `convert` round
    disqualified: R | None = None  # the S24 that approved a `cancel` round: the case closes

    @property
    def party_status(self) -> str:
        return {CaseStage.PROBATIONARY: "probationary", CaseStage.FULL: "full"}.get(self.stage, "")

    @property
    def membership(self) -> tuple[str, datetime.date | None, datetime.date | None]:
        """(party_status, joined_on, full_since) as the case makes them: none before the approval or after a
        cancellation."""
        if self.stage == CaseStage.PROBATIONARY:
            return "probationary", self.joined_on, None
        if self.stage == CaseStage.FULL:
            return "full", self.joined_on, self.full_since
        return "", None, None


def case_outcome(records: Sequence[R], *, limits: Limits | None = None) -> Outcome[R]:
    """The outcome of a case's live records, in record order (date, then entry); `limits` give the probation's
    months (the deployment's by default)."""
    stage = CaseStage.APPLICANT
    for entered, step, required in STAGE_ENTRY:
        if any(r.step == step and (required is None or passed(r)) for r in records):
            stage = entered
            break
    if stage != CaseStage.PROBATIONARY:
        return Outcome(stage)
    meeting = next((r.date for r in records if r.step == Anchor.BRANCH_MEETING), None)
    if meeting is None:  # history with no branch meeting (SEQ-ORDER's skip): 党籍 from the approval itself
        meeting = next((r.date for r in records if r.step == Anchor.APPROVAL and passed(r)), None)
    months = (limits or deployment_limits()).probation_months
    extended = 0
    for round_ in conversion_rounds(records):
        if not round_.approved:
            continue
        if round_.outcome == "convert":
            end = add_months(meeting, months + extended) if meeting else None
            return Outcome(CaseStage.FULL, meeting, end, converted=round_.decision)
        if round_.outcome == "cancel":
            return Outcome(CaseStage.EXITED, disqualified=round_.decision)
        extended += round_.extension()
    return Outcome(CaseStage.PROBATIONARY, meeting)
