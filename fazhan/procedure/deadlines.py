"""Per case, what is next: from when each step is allowed, by when it is due, and for whom (issue 12).

Every date comes from the time limits declared in definition.TIME_LIMITS, measured from the same starts the
rules measure from (the cultivation clock a transfer without materials restarts, the probation end with its
extensions); a deadline is overdue only where its rule, run on the same facts, says so. The to-do list, the
notice candidates, the pre-review candidates and `fazhan remind` read these, so they cannot disagree with the
rules."""

import datetime
from dataclasses import dataclass

from fazhan.core.calendar import add_months
from fazhan.procedure.definition import (
    DISTRICT,
    STEPS_BY_CODE,
    TIME_LIMITS_BY_ID,
    TOWNSHIP,
    Anchor,
)
from fazhan.procedure.engine import CaseFacts, evaluate
from fazhan.procedure.rules.forms import ACTIVE, district_passes
from fazhan.procedure.rules.notice2018 import archive_review_due
from fazhan.procedure.rules.probation import probation_end
from fazhan.procedure.rules.targets import cultivation_start
from fazhan.procedure.rules.windows import empty_windows

# The rules that say a conversion meeting is overdue: CNV-MEETING before the 2018 notice, CNV-ONTIME from it,
# CNV-TRANSFER for a member transferred in during probation.
_CONVERSION_OVERDUE = ("CNV-MEETING", "CNV-ONTIME", "CNV-TRANSFER")


class Countdown:
    """Days left to a due day, and days past it: the one count the to-do list and the pre-review queue show
    (issue 12: one clock). Mixed into a class with a `due` and a `today` date."""

    due: datetime.date
    today: datetime.date

    @property
    def days_left(self) -> int:
        return (self.due - self.today).days

    @property
    def days_overdue(self) -> int:
        return -self.days_left


@dataclass(frozen=True)
class Deadline:
    kind: str  # what the item is (todo.KINDS)
    step: str  # the step that settles it
    allowed_from: datetime.date | None  # the step is lawful from this day (None: from now)
    due_by: datetime.date | None  # and due by this day (None: no limit)
    roles: tuple[str, ...]  # who settles it
    limit: str = ""  # the declared time limit (TIME_LIMITS_BY_ID) it comes from; "" for "promptly"
    overdue: bool = False  # its rule reports it overdue on the facts' as-of day
    since: str = ""  # the declared limit `allowed_from` comes from, where not `limit` (TGT-NOTICE's 公示)
    barred_by: str = ""  # a declared BARS limit whose rule reports the step if taken (PRE-LEAVE)

    @property
    def date(self) -> datetime.date:
        """The day the list sorts and shows it by: its due date, else the day it becomes allowed."""
        day = self.due_by or self.allowed_from
        assert day is not None
        return day

    @property
    def allowed_only(self) -> bool:
        """A step that may be taken from a date, with no deadline (可办理, never overdue)."""
        return self.due_by is None


def _months(limit_id: str, facts: CaseFacts) -> int:
    return TIME_LIMITS_BY_ID[limit_id].months(facts.limits)


def _rule_overdue(facts: CaseFacts, rules: tuple[str, ...], step: str, due: datetime.date | None) -> bool:
    """Whether one of `rules` reports `step` as not done in time (a finding on no record, B0.4) on these
    facts; for a window, the finding names that window."""
    if due is None or facts.as_of <= due:
        return False
    for f in evaluate(facts, rules=rules):
        if f.step != step:
            continue
        window = f.evidence.get("window")
        if window is not None:
            if window[1] == due.isoformat():
                return True
        elif f.record is None:
            return True
    return False


def _window(facts: CaseFacts, limit_id: str, start: datetime.date) -> Deadline | None:
    """The first window from `start` lacking a record of the limit's kind, ended or under way."""
    limit = TIME_LIMITS_BY_ID[limit_id]
    months = limit.months(facts.limits)
    horizon = add_months(facts.as_of, months)
    records = list(facts.all(Anchor.CULTIVATION)) + list(facts.all(Anchor.PROBATION_EDUCATION))
    for first, last in empty_windows(records, kind=limit.kind, start=start, end=horizon, months=months):
        overdue = _rule_overdue(facts, (limit.rule_id,), limit.step, last)
        roles = STEPS_BY_CODE[limit.step].actors
        return Deadline(limit.kind, limit.step, first, last, roles, limit_id, overdue)
    return None


def deadlines(facts: CaseFacts) -> list[Deadline]:
    """The open deadlines of one case on its facts' as-of day. An exit (closed case) has none."""
    if facts.exited_on is not None:
        return []
    A, out = Anchor, []

    def add(kind, step, allowed, due, *, roles=None, limit="", rules=()) -> None:
        overdue = _rule_overdue(
            facts, rules or ((TIME_LIMITS_BY_ID[limit].rule_id,) if limit else ()), step, due
        )
        out.append(Deadline(kind, step, allowed, due, roles or STEPS_BY_CODE[step].actors, limit, overdue))

    def promptly(day: datetime.date) -> datetime.date:
        return add_months(day, facts.limits.promptly_months)

    application, talk = facts.first(A.APPLICATION), facts.first(A.TALK)
    if application and not talk:
        add(
            "talk",
            A.TALK,
            application.date,
            add_months(application.date, _months("APP-TALK", facts)),
            limit="APP-TALK",
        )
    activist, target = facts.first(A.ACTIVIST), facts.first(A.TARGET)
    if activist and not facts.all(A.ACTIVIST_FILING):
        add("activist_filing", A.ACTIVIST_FILING, activist.date, promptly(activist.date))
    if activist and not target:
        start = cultivation_start(facts) or activist.date
        add("target_ready", A.TARGET, add_months(start, _months("TGT-1YEAR", facts)), None, limit="TGT-1YEAR")
        for limit_id in ("ACT-HALFYEAR", "ACT-REPORT"):
            if (window := _window(facts, limit_id, activist.date)) is not None:
                out.append(window)
    if target and not facts.all(A.TARGET_FILING):
        allowed, since = _after_publicity(target)
        out.append(
            Deadline(
                "target_filing",
                A.TARGET_FILING,
                allowed,
                promptly(target.date),
                STEPS_BY_CODE[A.TARGET_FILING].actors,
                since=since,
            )
        )
    reviewed = facts.all(A.COMMITTEE_REVIEW)
    if reviewed and not facts.first(A.PREREVIEW):
        add("prereview", A.PREREVIEW, reviewed[-1].date, promptly(reviewed[-1].date), roles=TOWNSHIP)
    township_pass = next((r for r in facts.all(A.PREREVIEW) if r.passed()), None)
    district = district_passes(facts)
    if township_pass and facts.limits.district_prereview and not district:
        add(
            "district_prereview",
            A.PREREVIEW,
            township_pass.date,
            promptly(township_pass.date),
            roles=DISTRICT,
        )
    if district and not facts.all(A.FORM) and not _form_standing(facts):
        add("form_issue", A.FORM, district[0].date, promptly(district[0].date), roles=DISTRICT)
    meeting = facts.first(A.BRANCH_MEETING)
    passes = [r for r in facts.all(A.PREREVIEW) if r.passed()]
    if passes and facts.all(A.FORM) and meeting is None:
        due = add_months(passes[-1].date, _months("ACC-AFTER-PRE", facts))
        overdue = _rule_overdue(facts, ("ACC-AFTER-PRE",), A.BRANCH_MEETING, due)
        limit = "ACC-AFTER-PRE"
        # [P] the political review's conclusion must not be older than its months at the meeting (POL-DONE):
        # where it expires first, that is the meeting's last day (the rule warns on a later meeting)
        review = facts.first(A.POLITICAL_REVIEW)
        if review is not None and (stale := add_months(review.date, _months("POL-DONE", facts))) < due:
            due, limit = stale, "POL-DONE"
        roles = STEPS_BY_CODE[A.BRANCH_MEETING].actors
        barred = "PRE-LEAVE" if evaluate(facts, rules=("PRE-LEAVE",)) else ""
        out.append(
            Deadline(
                "branch_meeting",
                A.BRANCH_MEETING,
                facts.all(A.FORM)[-1].date,
                due,
                roles,
                limit,
                overdue,
                barred_by=barred,
            )
        )
    if meeting and not facts.all(A.APPROVAL):
        due = add_months(meeting.date, _months("APV-TIME", facts))
        if not facts.all(A.COMMITTEE_TALK):
            add("committee_talk", A.COMMITTEE_TALK, meeting.date, due)
        add("approval", A.APPROVAL, meeting.date, due, limit="APV-TIME")
    approval = facts.first(A.APPROVAL)
    if approval and not facts.all(A.APPROVAL_FILING):
        due = add_months(approval.date, _months("APV-FILE", facts))
        # the township files it, the district receives it (备案 of approvals)
        roles = (*TOWNSHIP, *DISTRICT)
        add("approval_filing", A.APPROVAL_FILING, approval.date, due, roles=roles, limit="APV-FILE")
    if approval and not facts.all(A.CONVERSION_MEETING) and (end := probation_end(facts)) is not None:
        due = add_months(end, _months("CNV-MEETING", facts))
        add(
            "probation_ending", A.CONVERSION_MEETING, end, due, limit="CNV-MEETING", rules=_CONVERSION_OVERDUE
        )
    rounds = facts.all(A.CONVERSION_MEETING)
    if rounds and rounds[-1].details.get("decision") == "convert" and not facts.all(A.CONVERSION_APPROVAL):
        due = add_months(rounds[-1].date, _months("CNV-APV-TIME", facts))
        add("conversion_approval", A.CONVERSION_APPROVAL, rounds[-1].date, due, limit="CNV-APV-TIME")
    arc = archive_review_due(facts)
    if arc is not None and not any(str(r["date"]) >= arc[0].date.isoformat() for r in facts.archive_reviews):
        add("archive_review", A.ARCHIVE, arc[0].date, arc[1], roles=TOWNSHIP, rules=("ARC-REVIEW",))
    return out


def earliest_of(facts: CaseFacts, step: str) -> datetime.date | None:
    """The day `step` becomes allowed by its declared time limit, where one bounds it from below and its
    clock has started (the notice candidates: a target a year after the cultivation clock)."""
    return next((d.allowed_from for d in deadlines(facts) if d.step == step and d.allowed_only), None)


def _after_publicity(target) -> tuple[datetime.date, str]:
    """The day the target's filing (S08) is allowed from: the day after the 公示 recorded with the decision
    ended (TGT-NOTICE), else the decision's day. A 公示 too short is the decision's own finding (TGT-NOTICE on
    S07), which no filing date cures."""
    end = target.details.get("publicity_to")
    try:
        last = datetime.date.fromisoformat(end) if isinstance(end, str) else None
    except ValueError:
        last = None
    if last is None or last < target.date:
        return target.date, ""
    return last + datetime.timedelta(days=1), "TGT-NOTICE"


def _form_standing(facts: CaseFacts) -> bool:
    return any(f["issued_to"] == facts.person_pid and f["status"] in ACTIVE for f in facts.forms)
