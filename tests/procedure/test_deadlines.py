"""procedure.deadlines against the rules (issue 12): the transfer case of the issue, and parity on the synth
district — with transfers without materials and extended probations planted — between the to-do dates and
the rules' earliest and due dates, and between the notice candidates and the cases the rules allow."""

import datetime
from dataclasses import replace

from fazhan.core.calendar import add_months
from fazhan.desk.todo import todo_for_user
from fazhan.notices.models import NoticeKind
from fazhan.notices.selectors import notice_candidates
from fazhan.organizations.models import Org
from fazhan.people.models import Person, Transfer
from fazhan.people.services import person_transfer
from fazhan.procedure.checks import definition_problems
from fazhan.procedure.deadlines import deadlines
from fazhan.procedure.definition import DUE, TIME_LIMITS, TIME_LIMITS_BY_ID, WORKING_DAYS, Anchor
from fazhan.procedure.engine import NEW, Rec, evaluate, evaluate_entry
from fazhan.procedure.loader import case_facts_many
from fazhan.procedure.models import Case, StepRecord
from fazhan.procedure.selectors import case_facts
from tests.procedure.conftest import day, legal_details, walk

MOVED = datetime.date(2021, 1, 4)


def test_an_activist_moved_without_materials_is_listed_on_the_rules_date_not_a_year_after_activist(pw):
    """The issue's case: activist 2020-06-20, transferred without the materials on 2021-01-04. The person
    page's calendar (the rule) says 2022-01-04; so must the to-do list and the notice candidates."""
    walk(pw, "S06")
    assert StepRecord.objects.get(case=pw.case, step=Anchor.ACTIVIST).date == datetime.date(2020, 6, 20)
    person_transfer(
        actor=pw.users["lh_organizer"],
        person=pw.p1,
        to_org=pw.branch2,
        date=MOVED,
        materials_transferred=False,
    )
    today = datetime.date(2021, 12, 20)
    case = Case.objects.get(pk=pw.case.pk)
    found = evaluate_entry(case_facts(case, as_of=today), Rec(NEW, Anchor.TARGET, today, {}))
    assert next(f for f in found if f.rule == "TGT-1YEAR").earliest == datetime.date(2022, 1, 4)
    ready = [i for i in todo_for_user(pw.users["lh_organizer"], today=today) if i.kind == "target_ready"]
    assert [(i.due, i.allowed_only, i.overdue) for i in ready] == [(datetime.date(2022, 1, 4), True, False)]
    candidate = next(
        c for c in notice_candidates(pw.township, NoticeKind.TARGET, today=today) if c.case == case
    )
    assert candidate.ready_on == datetime.date(2022, 1, 4)  # not 2021-06-20


def test_every_time_limit_is_declared_with_its_edition_article_and_a_known_rule():
    assert {t.id for t in TIME_LIMITS} >= {
        "APP-TALK",
        "TGT-1YEAR",
        "APV-TIME",
        "ACT-HALFYEAR",
        "PRB-DATES",
        "TGT-NOTICE",
        "PRE-LEAVE",
        "POL-DONE",
    }
    assert all(t.edition == "2014" and t.article.startswith("Art.") for t in TIME_LIMITS)
    assert TIME_LIMITS_BY_ID["TGT-NOTICE"].unit == WORKING_DAYS
    assert not definition_problems()


def test_the_target_filing_is_allowed_the_day_after_the_publicity_ends_as_tgt_notice_says(pw, settings):
    """A 公示 running past the target decision (S07 on day 500, 公示 to day 505): the filing (S08) is allowed
    from day 506 — the rule reports a filing on day 505 and not on day 506 — and the working days the rule
    asks of the 公示 are TGT-NOTICE's declared count (a deployment's setting moves the verdict)."""
    s07 = {
        **legal_details("S07", 0, pw),
        "publicity_from": day(498).isoformat(),
        "publicity_to": day(505).isoformat(),
    }
    walk(pw, "S07", S07=s07)
    facts = case_facts(Case.objects.get(pk=pw.case.pk), as_of=day(502))
    filing = next(d for d in deadlines(facts) if d.kind == "target_filing")
    assert (filing.allowed_from, filing.since) == (day(506), "TGT-NOTICE")
    rules = lambda on: {f.rule for f in evaluate_entry(facts, Rec(NEW, Anchor.TARGET_FILING, on, {}))}  # noqa: E731
    assert "TGT-NOTICE" in rules(day(505))
    assert "TGT-NOTICE" not in rules(filing.allowed_from)
    assert not [f for f in evaluate(facts, rules=["TGT-NOTICE"]) if f.step == Anchor.TARGET]
    settings.FAZHAN_PROCEDURE = {"notice_working_days": 30}
    long_facts = case_facts(Case.objects.get(pk=pw.case.pk), as_of=day(502))
    assert [f.step for f in evaluate(long_facts, rules=["TGT-NOTICE"])] == [Anchor.TARGET]


def test_the_branch_meeting_is_due_before_the_political_review_goes_stale_as_pol_done_says(pw, settings):
    """POL-DONE [P]: the political review (day 540) no older than its months at the branch meeting. With two
    months declared, that comes before ACC-AFTER-PRE's month after the pass: the meeting's last day is the
    review's, a meeting that day passes the rule and one a day later is warned."""
    settings.FAZHAN_PROCEDURE = {"review_valid_months": 2}
    walk(pw, "S14")
    facts = case_facts(Case.objects.get(pk=pw.case.pk), as_of=day(592))
    meeting = next(d for d in deadlines(facts) if d.kind == "branch_meeting")
    assert (meeting.due_by, meeting.limit, meeting.overdue) == (add_months(day(540), 2), "POL-DONE", False)

    def stale(on: datetime.date) -> bool:
        found = evaluate_entry(facts, Rec(NEW, Anchor.BRANCH_MEETING, on, {}))
        return any(f.rule == "POL-DONE" and "meeting" in f.evidence for f in found)

    assert not stale(meeting.due_by)
    assert stale(meeting.due_by + datetime.timedelta(days=1))
    settings.FAZHAN_PROCEDURE = {}
    facts = case_facts(Case.objects.get(pk=pw.case.pk), as_of=day(592))
    assert next(d for d in deadlines(facts) if d.kind == "branch_meeting").limit == "ACC-AFTER-PRE"


def test_a_departure_within_pre_leaves_months_of_the_pass_marks_the_branch_meeting(pw, settings, client_for):
    """PRE-LEAVE: leaving the unit within 3 months of the committee's pass (day 575) stops the admission; the
    branch meeting's to-do row says so by the rule's title. A departure later than that, or a shorter
    declared limit, does not."""
    walk(pw, "S14")
    today = day(592)
    for leaving, months, barred in (
        (day(640), 3, "PRE-LEAVE"),
        (day(700), 3, ""),
        (day(640), 1, ""),
    ):
        settings.FAZHAN_PROCEDURE = {"leave_within_months": months}
        Person.objects.filter(pk=pw.p1.pk).update(planned_departure=leaving)
        facts = case_facts(Case.objects.get(pk=pw.case.pk), as_of=today)
        meeting = next(d for d in deadlines(facts) if d.kind == "branch_meeting")
        assert meeting.barred_by == barred, (leaving, months)
        assert bool(evaluate(facts, rules=["PRE-LEAVE"])) == bool(barred)
    settings.FAZHAN_PROCEDURE = {}
    Person.objects.filter(pk=pw.p1.pk).update(planned_departure=day(640))
    items = [i for i in todo_for_user(pw.users["sec1"], today=today) if i.kind == "branch_meeting"]
    assert [i.barred_by for i in items] == ["PRE-LEAVE"]
    page = client_for("sec1").get("/todo/").content.decode()
    assert "注意：预审时三个月内将离开工作单位的一般不办理接收" in page


def _plant_transfers_and_extensions(as_of: datetime.date) -> tuple[int, int]:
    """Every third activist not yet a target moved without materials half a year after the activist date
    (to a sibling branch); every fourth conversion meeting turned into a six-month extension."""
    moved = extended = 0
    activists = StepRecord.objects.filter(step=Anchor.ACTIVIST, superseded_by__isnull=True).order_by("pk")
    targets = set(StepRecord.objects.filter(step=Anchor.TARGET).values_list("case_id", flat=True))
    for n, rec in enumerate(activists.select_related("case__person__org")):
        person: Person = rec.case.person
        when = rec.date + datetime.timedelta(days=180)
        if rec.case_id in targets or n % 3 or when > as_of:
            continue
        sibling = Org.objects.filter(parent=person.org.parent, kind=person.org.kind).exclude(pk=person.org_id)
        if not sibling.exists():
            continue
        Transfer.objects.create(
            person=person, date=when, from_org=person.org, to_org=sibling.first(), materials_transferred=False
        )
        moved += 1
    for n, rec in enumerate(StepRecord.objects.filter(step=Anchor.CONVERSION_MEETING).order_by("pk")):
        if n % 4 == 0:
            rec.details = {**rec.details, "decision": "extend", "extend_months": 6}
            rec.save(update_fields=["details"])
            StepRecord.objects.filter(case=rec.case_id, step=Anchor.CONVERSION_APPROVAL).delete()
            extended += 1
    # every second target not yet filed had its 公示 run a week past the decision (TGT-NOTICE's filing day)
    filed = set(StepRecord.objects.filter(step=Anchor.TARGET_FILING).values_list("case_id", flat=True))
    unfiled = StepRecord.objects.filter(step=Anchor.TARGET, superseded_by__isnull=True).exclude(
        case__in=filed
    )
    for n, rec in enumerate(unfiled.order_by("pk")):
        if n % 2 == 0:
            end = rec.date + datetime.timedelta(days=7)
            rec.details = {**rec.details, "publicity_to": end.isoformat()}
            rec.save(update_fields=["details"])
    return moved, extended


def _reported(facts, rule: str, step: str, due: datetime.date) -> bool:
    """Whether the rule reports `step` as not done by `due` on the day after it."""
    later = replace(facts, as_of=due + datetime.timedelta(days=1))
    for f in evaluate(
        later, rules=[rule, *(["CNV-ONTIME", "CNV-TRANSFER"] if rule == "CNV-MEETING" else [])]
    ):
        window = f.evidence.get("window")
        if f.step == step and (window[1] == due.isoformat() if window else f.record is None):
            return True
    return False


def _entry_rules(facts, step: str, on: datetime.date, *, stale: bool = False) -> set[str]:
    """The rules a record of `step` on that day would be reported by (with `stale`, POL-DONE only for a
    review older than its months)."""
    found = evaluate_entry(facts, Rec(NEW, step, on, {}))
    return {f.rule for f in found if not stale or (f.rule == "POL-DONE" and "meeting" in f.evidence)}


def test_parity_on_the_synth_district_deadlines_equal_the_rules_dates(db):
    from fazhan.demo.synth import synth_build

    synth = synth_build(scale="township", cases=240)
    as_of = synth.as_of
    moved, extended = _plant_transfers_and_extensions(as_of)
    assert moved
    assert extended
    cases = list(Case.objects.filter(closed_on__isnull=True).select_related("person__org").order_by("pk"))
    bulk = case_facts_many(cases, as_of=as_of)
    checked = {"earliest": 0, "due": 0, "window": 0, "restarted": 0, "publicity": 0}
    allowed_targets = set()
    for case, many in zip(cases, bulk, strict=True):
        full = case_facts(case, as_of=as_of)
        assert deadlines(many) == deadlines(full), case.person.pid  # the bulk facts are the rules' facts
        for d in deadlines(full):
            limit = TIME_LIMITS_BY_ID.get(d.limit)
            if d.since == "TGT-NOTICE":  # the filing: reported the day before the 公示's end, not from it
                assert d.allowed_from is not None
                day_before = d.allowed_from - datetime.timedelta(days=1)
                assert "TGT-NOTICE" in _entry_rules(full, d.step, day_before), case.person.pid
                assert "TGT-NOTICE" not in _entry_rules(full, d.step, d.allowed_from), case.person.pid
                checked["publicity"] += 1
            if d.step == Anchor.TARGET:
                # the rule's own earliest date: refused the day before, allowed on the day
                before = evaluate_entry(
                    full, Rec(NEW, d.step, d.allowed_from - datetime.timedelta(days=1), {})
                )
                assert next(f for f in before if f.rule == "TGT-1YEAR").earliest == d.allowed_from
                on = evaluate_entry(full, Rec(NEW, d.step, d.allowed_from, {}))
                assert not [f for f in on if f.rule == "TGT-1YEAR"], case.person.pid
                checked["earliest"] += 1
                checked["restarted"] += bool(full.transfers)
                if d.allowed_from <= as_of:
                    allowed_targets.add(case.pk)
            elif (
                d.limit == "POL-DONE"
            ):  # the review goes stale: a meeting that day passes, the next is warned
                assert d.due_by is not None
                assert "POL-DONE" not in _entry_rules(full, d.step, d.due_by, stale=True)
                assert "POL-DONE" in _entry_rules(
                    full, d.step, d.due_by + datetime.timedelta(days=1), stale=True
                )
            elif (limit is not None and limit.bound == DUE) or d.kind == "archive_review":
                rule = limit.rule_id if limit else "ARC-REVIEW"
                assert _reported(full, rule, d.step, d.due_by), (case.person.pid, d)
                on_due = replace(full, as_of=d.due_by)
                assert not _reported(on_due, rule, d.step, d.due_by - datetime.timedelta(days=1)), d
                checked["due"] += 1
            elif limit is not None:  # a window: its last day is the end of an empty window the rule judges
                assert _reported(full, limit.rule_id, d.step, d.due_by), (case.person.pid, d)
                checked["window"] += 1
            if d.overdue:
                assert d.due_by is not None
                assert d.due_by < as_of
    print(checked)
    assert all(checked.values()), checked
    township = Org.objects.get(code="SZQ-T01")
    candidates = notice_candidates(township, NoticeKind.TARGET, today=as_of)
    assert candidates
    ready = {c.case.pk for c in candidates if c.ready_on and c.ready_on <= as_of}
    in_township = {c.pk for c in cases if c.person.org.path.startswith(township.path)}
    assert ready == allowed_targets & in_township & {c.case.pk for c in candidates}
    for c in candidates:
        entry = evaluate_entry(case_facts(c.case, as_of=as_of), Rec(NEW, Anchor.TARGET, as_of, {}))
        assert (c.case.pk in ready) == (not [f for f in entry if f.rule == "TGT-1YEAR"]), c.case.person.pid


def test_the_person_pages_calendar_gives_the_rules_date_and_the_deadline(pw, client_for):
    """The calendar of the transferred activist: the target decision from 2022-01-04, as TGT-1YEAR says."""
    walk(pw, "S06")
    person_transfer(
        actor=pw.users["lh_organizer"],
        person=pw.p1,
        to_org=pw.branch2,
        date=MOVED,
        materials_transferred=False,
    )
    from fazhan.procedure.timeline import case_timeline

    case = Case.objects.get(pk=pw.case.pk)
    today = datetime.date(2021, 12, 20)
    rows = {r.step.code: r for r in case_timeline(case, case_facts(case, as_of=today), today=today)}
    assert rows[Anchor.TARGET].earliest == datetime.date(2022, 1, 4)
    walk_talk = rows[Anchor.TARGET_FILING]
    assert walk_talk.due is None  # not yet: the target is not decided
