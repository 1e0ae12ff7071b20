"""Rules of probation and conversion (procedure.md B.28a–36).

Every date here is read as B0.2 says: the branch meeting is S15, the probation end is `probation_end`
(PRB-DATES), and an S23 is judged against the probation end as it stood before it, so a second conversion
meeting after an extension is judged against the extended end, the first against the original one. The
conversion goes by rounds (B0.3, rules/outcome.py): an S23 and the committee's S24 on it; a rejected S24
undoes its round, an approved extension opens a new one, and the conversion is the S24 approving a `convert`.
"""

import datetime
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from django.utils.translation import gettext as _

from fazhan.core.calendar import add_months
from fazhan.procedure.definition import ARCHIVE_CORE, MATERIALS, STEPS_BY_CODE, Anchor, limit_months
from fazhan.procedure.engine import CaseFacts, Finding, Rec, check, finding, in_force, overdue
from fazhan.procedure.rules.ledger import window_in_ledger
from fazhan.procedure.rules.order import skip_findings
from fazhan.procedure.rules.outcome import case_outcome, conversion_rounds
from fazhan.procedure.rules.windows import empty_windows

# The step record that stands for each core document of the archive (B0.8); `facts.first` reads the passing
# record, so the political review counts only with result = pass.
ARCHIVE_CORE_STEPS = {
    "application": Anchor.APPLICATION,
    "volunteer_form": Anchor.FORM,
    "political_review": Anchor.POLITICAL_REVIEW,
    "conversion_application": Anchor.CONVERSION_APPLICATION,
    "cultivation_records": Anchor.CULTIVATION,
}


def probation_end(facts: CaseFacts) -> datetime.date | None:
    """PRB-DATES: add_months(branch meeting S15, probation months + the months of every extension decided by
    an S23 that the committee has not rejected (B0.3: a rejected S24 undoes its round). Every such extension
    counts — a second one is CNV-OUTCOME's finding, but it is still what the branch decided. None before the
    branch meeting."""
    meeting = facts.date_of(Anchor.BRANCH_MEETING)
    if meeting is None:
        return None
    extension = sum(r.extension() for r in conversion_rounds(facts.records))
    return add_months(meeting, limit_months("PRB-DATES", facts.limits) + extension)


def _before(facts: CaseFacts, record: Rec) -> CaseFacts:
    """The record as it stood just before `record` (in the record's order: date, then entry)."""
    return replace(facts, records=facts.records[: facts.records.index(record)])


def end_before(facts: CaseFacts, record: Rec) -> datetime.date | None:
    """The probation end `record` is judged against: extensions decided before it, not by it or after it."""
    return probation_end(_before(facts, record))


def _probation_stop(facts: CaseFacts, end: datetime.date) -> datetime.date:
    """Where the probation clocks stop: its end, the as-of date, an exit, or a cancellation."""
    stops = [end, facts.as_of]
    if facts.exited_on:
        stops.append(facts.exited_on)
    stops.extend(
        r.date for r in facts.all(Anchor.CONVERSION_MEETING) if r.details.get("decision") == "cancel"
    )
    return min(stops)


@check("PRB-DATES")
def prb_dates(facts: CaseFacts) -> Iterator[Finding]:
    """A derivation, no finding (procedure.md B.29: "a derivation, no finding"): it only computes the
    probation end, which `probation_end` exposes to the other rules and pages. Registered so that the
    catalogue has an implementation for every id."""
    yield from ()


def empty_probation_windows(facts: CaseFacts) -> Iterator[tuple[str, datetime.date, datetime.date]]:
    """(kind, first day, last day) of every window of an approved member's probation, from the branch meeting
    to where its clocks stop, holding no continued-education record (S21) of its kind: examinations by the
    half year, thought reports by the quarter."""
    end = probation_end(facts)
    meeting = facts.first(Anchor.BRANCH_MEETING)
    if end is None or meeting is None or facts.first(Anchor.APPROVAL) is None:
        return
    stop = _probation_stop(facts, end)
    education = facts.all(Anchor.PROBATION_EDUCATION)
    limits = facts.limits
    for kind, months in (
        ("examination", limit_months("PRB-EXAM", limits)),
        ("thought_report", limit_months("PRB-REPORT", limits)),
    ):
        for first, last in empty_windows(education, kind=kind, start=meeting.date, end=stop, months=months):
            yield kind, first, last


@check("PRB-EXAM")
def prb_exam(facts: CaseFacts) -> Iterator[Finding]:
    """[P] During probation, an examination (S21 kind examination) in every half year and a thought report
    in every quarter, in windows from the branch meeting (B0.5). Only windows that ended by the probation end
    (or the as-of date, an exit, a cancellation) are judged; one that ran within a migrated ledger's time,
    which cannot hold S21, is LEDGER-GAP's (B0.10). A missing window is reported on the conversion meeting
    held after it, if there is one (the later step that exists without it, B0.4)."""
    messages = {
        "examination": _("%(from)s 至 %(to)s 的半年内没有预备期考察"),
        "thought_report": _("%(from)s 至 %(to)s 的季度内没有思想汇报"),
    }
    for kind, first, last in empty_probation_windows(facts):
        if window_in_ledger(facts, Anchor.PROBATION_EDUCATION, last):
            continue
        later = next((r for r in facts.all(Anchor.CONVERSION_MEETING) if r.date > last), None)
        yield finding(
            "PRB-EXAM",
            messages[kind] % {"from": first, "to": last},
            step=Anchor.PROBATION_EDUCATION,
            record=later.id if later else None,
            evidence={"kind": kind, "window": [first.isoformat(), last.isoformat()]},
        )


@check("PRB-OATH")
def prb_oath(facts: CaseFacts) -> Iterator[Finding]:
    """The oath (S20) is taken during probation. ERROR when there is none at the probation end: overdue by the
    as-of date, or a conversion meeting or approval (S23, S24) exists without it — SEQ-ORDER does not cover
    this, S20 has only S17 before it. [P] WARN when the oath is dated on or after the probation end, or before
    the approval (S17 approved) while an earlier S17 record exists (with none, APV-AUTH reports the skip,
    B0.7)."""
    approval, end = facts.first(Anchor.APPROVAL), probation_end(facts)
    if approval is None or end is None:
        return
    evidence = {"approval": approval.date.isoformat(), "probation_end": end.isoformat()}
    oaths = facts.all(Anchor.OATH)
    if not oaths:
        later = next(
            (r for r in facts.records if r.step in (Anchor.CONVERSION_MEETING, Anchor.CONVERSION_APPROVAL)),
            None,
        )
        if later is not None:
            yield finding(
                "PRB-OATH",
                _("未进行入党宣誓即讨论或审批转正"),
                step=later.step,
                record=later.id,
                evidence={**evidence, later.step: later.date.isoformat()},
            )
        elif overdue(facts, end):
            yield finding(
                "PRB-OATH",
                _("预备期已满（%(d)s）仍未进行入党宣誓") % {"d": end},
                step=Anchor.OATH,
                evidence=evidence,
            )
        return
    for oath in oaths:
        end_then = end_before(facts, oath) or end
        if oath.date >= end_then:
            yield finding(
                "PRB-OATH",
                _("入党宣誓应在预备期内（预备期至 %(d)s）") % {"d": end_then},
                severity="WARN",
                step=Anchor.OATH,
                record=oath.id,
                evidence={**evidence, "probation_end": end_then.isoformat(), "oath": oath.date.isoformat()},
            )
        elif oath.date < approval.date and any(r.date <= oath.date for r in facts.all(Anchor.APPROVAL)):
            yield finding(
                "PRB-OATH",
                _("入党宣誓早于上级党委审批（%(d)s）") % {"d": approval.date},
                severity="WARN",
                step=Anchor.OATH,
                record=oath.id,
                earliest=approval.date,
                evidence={**evidence, "oath": oath.date.isoformat()},
            )


def openings(facts: CaseFacts) -> tuple[list[Rec], bool]:
    """The conversion meetings (S23) that open a round — the first, and each after an extension the committee
    has not rejected — and whether a round is open after the last meeting (none yet, or an extension). A
    meeting after a rejected S24 discusses the same round again (B0.3)."""
    opening, opens = [], True
    for round_ in conversion_rounds(facts.records):
        if opens:
            opening.append(round_.meeting)
        opens = round_.outcome == "extend" and not round_.rejected
    return opening, opens  # type: ignore[return-value]


def late_openings(
    facts: CaseFacts, *, months: int, ended: Callable[[datetime.date], bool]
) -> Iterator[tuple[Rec | None, datetime.date, datetime.date]]:
    """(meeting, probation end, deadline) of each round of an approved member whose probation end (as it stood
    before the meeting) satisfies `ended` and whose opening meeting is later than `months` after that end —
    with meeting None for an open round past the deadline by the as-of date (overdue)."""
    approval, end = facts.first(Anchor.APPROVAL), probation_end(facts)
    if approval is None or end is None:
        return
    opening, still_open = openings(facts)
    for meeting in opening:
        end_then = end_before(facts, meeting) or end
        deadline = add_months(end_then, months)
        if meeting.date > deadline and ended(end_then):
            yield meeting, end_then, deadline
    deadline = add_months(end, months)
    if still_open and ended(end) and overdue(facts, deadline):
        yield None, end, deadline


@check("CNV-APPLY")
def cnv_apply(facts: CaseFacts) -> Iterator[Finding]:
    """A written conversion application (the S22 record, B0.8) exists: no S22 at all while a conversion
    meeting (S23) is on record is a skip (B0.7), BLOCK on each meeting — as APP-WRITTEN is for S01. After an
    approved extension the member applies again (B0.3: a new round): a meeting opening that round with no S22
    since the meeting that extended is BLOCK too. An S22 dated after the S23 is SEQ-ORDER's.

    [P] "About one week before expiry" (WARN): the application is expected `conversion_apply_days_before` days
    before the probation end; it is flagged when it is later than the end, or earlier than
    add_months(end, -conversion_meeting_months) — so early that the meeting cannot both follow the application
    within conversion_meeting_months ([P] of CNV-MEETING) and not precede the end."""
    yield from skip_findings(facts, Anchor.CONVERSION_APPLICATION)
    rounds = conversion_rounds(facts.records)
    for previous, current in itertools.pairwise(rounds):
        if previous.outcome != "extend" or not previous.approved:
            continue
        since, meeting = facts.records.index(previous.meeting), current.meeting
        if not any(
            r.step == Anchor.CONVERSION_APPLICATION and r.date <= meeting.date
            for r in facts.records[since : facts.records.index(meeting)]
        ):
            yield finding(
                "CNV-APPLY",
                _("延长预备期后没有新的书面转正申请（延长的决定：%(d)s）") % {"d": previous.meeting.date},
                step=Anchor.CONVERSION_MEETING,
                record=meeting.id,
                evidence={
                    "extended_on": previous.meeting.date.isoformat(),
                    "meeting": meeting.date.isoformat(),
                },
            )
    for application in facts.all(Anchor.CONVERSION_APPLICATION):
        end = end_before(facts, application)
        if end is None:
            continue
        expected = end - datetime.timedelta(days=facts.limits.conversion_apply_days_before)
        too_early = add_months(end, -facts.limits.conversion_meeting_months)
        evidence = {
            "application": application.date.isoformat(),
            "probation_end": end.isoformat(),
            "expected": expected.isoformat(),
        }
        if application.date < too_early:
            yield finding(
                "CNV-APPLY",
                _("转正申请过早（预备期至 %(end)s，一般应于 %(d)s 前后提出）") % {"end": end, "d": expected},
                severity="WARN",
                step=Anchor.CONVERSION_APPLICATION,
                record=application.id,
                earliest=too_early,
                evidence=evidence,
            )
        elif application.date > end:
            yield finding(
                "CNV-APPLY",
                _("转正申请晚于预备期满（%(end)s）") % {"end": end},
                severity="WARN",
                step=Anchor.CONVERSION_APPLICATION,
                record=application.id,
                evidence=evidence,
            )


def before_ontime(day: datetime.date) -> bool:
    """A probation that ended before CNV-ONTIME came into force (rule 32)."""
    return not in_force("CNV-ONTIME", day)


@check("CNV-MEETING")
def cnv_meeting(facts: CaseFacts) -> Iterator[Finding]:
    """No early conversion: a conversion meeting (S23) before the probation end, as it stood before the
    meeting, is flagged with the end as the earliest date. A cancellation may be decided during probation
    (Art.32), so it is not judged. Held promptly at expiry (rule 32): for a probation that ended before
    CNV-ONTIME's start date, a round opened more than conversion_meeting_months after the end, or not by then
    (overdue), is reported here, since the 细则's 及时 binds from 2014; from that date lateness is
    CNV-ONTIME's, and a transferred-in member's deferral CNV-TRANSFER's. Quorum and majority are ACC-QUORUM's
    and ACC-MAJORITY's (B0.7)."""
    for meeting in facts.all(Anchor.CONVERSION_MEETING):
        end = end_before(facts, meeting)
        if end is None or meeting.details.get("decision") == "cancel" or meeting.date >= end:
            continue
        yield finding(
            "CNV-MEETING",
            _("预备期未满（至 %(d)s）即讨论转正") % {"d": end},
            step=Anchor.CONVERSION_MEETING,
            record=meeting.id,
            earliest=end,
            evidence={"meeting": meeting.date.isoformat(), "probation_end": end.isoformat()},
        )
    if transferred_in_probation(facts):
        return
    months = limit_months("CNV-MEETING", facts.limits)
    for late, end, deadline in late_openings(facts, months=months, ended=before_ontime):
        evidence = {"probation_end": end.isoformat(), "deadline": deadline.isoformat()}
        if late is None:
            yield finding(
                "CNV-MEETING",
                _("预备期满（%(end)s）已超过%(n)d个月仍未讨论转正") % {"end": end, "n": months},
                step=Anchor.CONVERSION_MEETING,
                evidence=evidence,
            )
        else:
            yield finding(
                "CNV-MEETING",
                _("预备期满（%(end)s）后超过%(n)d个月才讨论转正（应在 %(d)s 前）")
                % {"end": end, "n": months, "d": deadline},
                step=Anchor.CONVERSION_MEETING,
                record=late.id,
                evidence={**evidence, "meeting": late.date.isoformat()},
            )


@check("CNV-OUTCOME")
def cnv_outcome(facts: CaseFacts) -> Iterator[Finding]:
    """The outcome is convert, extend or cancel; an extension gives its months, between extension_min_months
    and extension_max_months inclusive, and happens at most once in the case (one the committee rejected did
    not happen, B0.3). Every outcome needs a branch meeting's vote: a committee decision (S24) with no S23 at
    all is a skip (B0.7)."""
    yield from skip_findings(facts, Anchor.CONVERSION_MEETING)
    low, high = facts.limits.extension_min_months, facts.limits.extension_max_months
    outcomes = STEPS_BY_CODE[Anchor.CONVERSION_MEETING].details["decision"].choices
    rejected = {id(r.meeting) for r in conversion_rounds(facts.records) if r.rejected}
    extended: Rec | None = None
    for meeting in facts.all(Anchor.CONVERSION_MEETING):
        decision = meeting.details.get("decision")
        months = meeting.details.get("extend_months")
        evidence = {"decision": decision, "extend_months": months, "meeting": meeting.date.isoformat()}
        if decision not in outcomes:
            yield finding(
                "CNV-OUTCOME",
                _("转正讨论结果须为按期转正、延长预备期或取消预备党员资格"),
                step=Anchor.CONVERSION_MEETING,
                record=meeting.id,
                evidence=evidence,
            )
            continue
        if decision != "extend":
            continue
        if extended is not None:
            yield finding(
                "CNV-OUTCOME",
                _("预备期只能延长一次（已于 %(d)s 延长）") % {"d": extended.date},
                step=Anchor.CONVERSION_MEETING,
                record=meeting.id,
                evidence={**evidence, "extended_on": extended.date.isoformat()},
            )
        elif id(meeting) not in rejected:
            extended = meeting
        if not isinstance(months, int):
            yield finding(
                "CNV-OUTCOME",
                _("延长预备期须写明延长的月数"),
                step=Anchor.CONVERSION_MEETING,
                record=meeting.id,
                evidence=evidence,
            )
        elif not low <= months <= high:
            yield finding(
                "CNV-OUTCOME",
                _("延长预备期应为%(low)d至%(high)d个月（现为%(n)d个月）")
                % {"low": low, "high": high, "n": months},
                step=Anchor.CONVERSION_MEETING,
                record=meeting.id,
                evidence=evidence,
            )


@check("CNV-APV-TIME")
def cnv_apv_time(facts: CaseFacts) -> Iterator[Finding]:
    """The committee decides (S24, approved or rejected) within conversion_approval_months of the branch
    resolution it decides on — the latest S23 on or before it. Only the first S24 on each resolution is
    judged (a later one is a reconsideration); a resolution with none past the deadline is overdue."""
    months = limit_months("CNV-APV-TIME", facts.limits)
    decided: dict[int, Rec] = {}
    for decision in facts.all(Anchor.CONVERSION_APPROVAL):
        resolution = next(
            (r for r in reversed(facts.all(Anchor.CONVERSION_MEETING)) if r.date <= decision.date), None
        )
        if resolution is not None and resolution.id not in decided:
            decided[resolution.id] = decision
    for resolution in facts.all(Anchor.CONVERSION_MEETING):
        deadline = add_months(resolution.date, months)
        evidence = {"resolution": resolution.date.isoformat(), "deadline": deadline.isoformat()}
        approval = decided.get(resolution.id)
        if approval is not None and approval.date > deadline:
            yield finding(
                "CNV-APV-TIME",
                _("转正审批晚于支部大会决议后%(n)d个月（应在 %(d)s 前）") % {"n": months, "d": deadline},
                step=Anchor.CONVERSION_APPROVAL,
                record=approval.id,
                evidence={**evidence, "approval": approval.date.isoformat()},
            )
        elif approval is None and overdue(facts, deadline):
            yield finding(
                "CNV-APV-TIME",
                _("支部大会决议已超过%(n)d个月仍未审批转正（应在 %(d)s 前）") % {"n": months, "d": deadline},
                step=Anchor.CONVERSION_APPROVAL,
                evidence=evidence,
            )


def conversion_of(facts: CaseFacts) -> Rec | None:
    """The conversion: the S24 that approved a `convert` round (B0.3), None before it."""
    return case_outcome(facts.records, limits=facts.limits).converted


def moves_in_probation(facts: CaseFacts, transfers: Iterable[Mapping[str, Any]]) -> list[datetime.date]:
    """The dates of the transfers from the approval (S17) until the conversion (Art.35)."""
    approval, converted = facts.first(Anchor.APPROVAL), conversion_of(facts)
    if approval is None:
        return []
    dates = [datetime.date.fromisoformat(str(t["date"])) for t in transfers]
    return [d for d in dates if approval.date <= d and (converted is None or d < converted.date)]


def transferred_in_probation(facts: CaseFacts) -> bool:
    """A move (dated on or before the as-of date) between the approval and the conversion: CNV-TRANSFER's
    case, whose deferral neither CNV-ONTIME nor CNV-MEETING judges."""
    return bool(
        moves_in_probation(facts, (t for t in facts.transfers if str(t["date"]) <= facts.as_of.isoformat()))
    )


@check("CNV-TRANSFER")
def cnv_transfer(facts: CaseFacts) -> Iterator[Finding]:
    """A probationary member transferred in (a transfer dated from the approval S17 until the conversion):
    the conversion discussion may be deferred at most transfer_deferral_months after the probation end. The
    meeting judged is the one that opens each round (the first S23, or one after an extension the committee
    has not rejected); late, or none past the deadline (overdue), is flagged. Without a transfer, lateness is
    CNV-ONTIME's (or, for a probation ended before it came into force, CNV-MEETING's)."""
    moves = moves_in_probation(facts, facts.transfers)
    if not moves:
        return
    months = facts.limits.transfer_deferral_months
    evidence = {"transfers": [d.isoformat() for d in moves]}
    for meeting, end, deadline in late_openings(facts, months=months, ended=lambda _day: True):
        dates = {"probation_end": end.isoformat(), "deadline": deadline.isoformat()}
        if meeting is None:
            yield finding(
                "CNV-TRANSFER",
                _("转入的预备党员预备期满（%(end)s）已超过%(n)d个月仍未讨论转正") % {"end": end, "n": months},
                step=Anchor.CONVERSION_MEETING,
                evidence={**evidence, **dates},
            )
        else:
            yield finding(
                "CNV-TRANSFER",
                _("转入的预备党员转正讨论推迟超过%(n)d个月（应在 %(d)s 前）") % {"n": months, "d": deadline},
                step=Anchor.CONVERSION_MEETING,
                record=meeting.id,
                evidence={**evidence, **dates, "meeting": meeting.date.isoformat()},
            )


@check("ARC-FILE")
def arc_file(facts: CaseFacts) -> Iterator[Finding]:
    """The five core documents of Art.37 (ARCHIVE_CORE) are on record when the file is archived (S25), each
    represented by its step record (B0.8): the application S01, the form S14, a passing political review S10,
    the conversion application S22 and at least one cultivation record S06. That the archive follows the
    approved conversion is SEQ-ORDER's (S25 ← S24 approved); whether scans are attached is not judged here."""
    for archive in facts.all(Anchor.ARCHIVE):
        held = facts.until(archive.date)
        missing = [doc for doc in ARCHIVE_CORE if held.first(ARCHIVE_CORE_STEPS[doc]) is None]
        if missing:
            yield finding(
                "ARC-FILE",
                _("归档材料不全，缺少：%(m)s") % {"m": "、".join(str(MATERIALS[doc]) for doc in missing)},
                step=Anchor.ARCHIVE,
                record=archive.id,
                evidence={"missing": missing},
            )
