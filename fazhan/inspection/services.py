"""The writers of the inspection: a run and its findings, and the rectification of a finding.

A run as of today matches what it finds against the open findings of its subtree by their stable key: those
found again stay open (keeping their rectification state and history), new ones open, and those no longer
found are closed by the run. A correction is never an edit: it goes through procedure.services.step_correct,
which writes a new record superseding the old one.
"""

import datetime
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.accounts.selectors import user_roles_at
from fazhan.auditlog.services import audit_record
from fazhan.inspection.models import Finding, FindingEvent, FindingStatus, InspectionRun
from fazhan.inspection.run import Issue, Progress, Result, inspect
from fazhan.organizations.models import Org
from fazhan.people.models import Person
from fazhan.procedure.models import StepRecord
from fazhan.procedure.services import step_correct

# Who may start a run over an org's subtree (product.md: township organizer, district reviewer, inspector).
RUN_ROLES = frozenset({"township_organizer", "district_reviewer", "inspector"})

S = FindingStatus
# The rectification of a finding, declared (style.md: a dict of allowed moves per status field): for each
# status, the actions that may leave it and the status each leads to. `close` and `reopen` are a tracking
# run's: it closes what it no longer finds and reopens a verified finding it finds again changed. Nothing
# else moves a verified finding: a later explanation cannot reopen it or replace its text.
FINDING_MOVES: dict[str, dict[str, str]] = {
    S.OPEN: {"assign": S.ASSIGNED, "explain": S.EXPLAINED, "correct": S.CORRECTED, "close": S.CLOSED},
    S.ASSIGNED: {"assign": S.ASSIGNED, "explain": S.EXPLAINED, "correct": S.CORRECTED, "close": S.CLOSED},
    S.EXPLAINED: {
        **{"assign": S.ASSIGNED, "explain": S.EXPLAINED, "correct": S.CORRECTED},
        **{"verify": S.VERIFIED, "close": S.CLOSED},
    },
    S.CORRECTED: {
        **{"assign": S.ASSIGNED, "explain": S.EXPLAINED, "correct": S.CORRECTED},
        **{"verify": S.VERIFIED, "close": S.CLOSED},
    },
    S.VERIFIED: {"reopen": S.OPEN, "close": S.CLOSED},
    S.CLOSED: {},
}
# Who takes each action: the finding's org explains and corrects (the branch and township roles of that
# org); the inspector (督查) and the district's reviewers assign and verify; `close`, `reopen`: the run.
ORG_ROLES = frozenset({"branch_secretary", "branch_organizer", "township_organizer", "township_approver"})
SUPERVISOR_ROLES = frozenset({"inspector", "district_reviewer"})
FINDING_ACTORS: dict[str, frozenset[str]] = {
    "assign": SUPERVISOR_ROLES,
    "verify": SUPERVISOR_ROLES,
    "explain": ORG_ROLES,
    "correct": ORG_ROLES,
}
# The trail's and the history's name of each move.
FINDING_EVENTS = {
    "assign": "assigned",
    "explain": "explained",
    "correct": "corrected",
    "verify": "verified",
    "close": "closed",
    "reopen": "reopened",
}

ERR_RUN_ROLE = "您的角色不能对该组织发起检查。"
ERR_CLOSED = "该问题已关闭，无需整改。"
ERR_SNAPSHOT = "历史基准日的检查只作留存，不用于整改。"
ERR_EXPLANATION = "请填写情况说明。"
ERR_NOT_VERIFIABLE = "问题须先说明情况或更正记录，才能核实。"
ERR_NO_RECORD = "该问题不针对某条步骤记录，无法更正；请说明情况。"
ERR_ASSIGNEE = "整改责任人须在该组织范围内有角色。"
ERR_MOVE = "该问题现为“%(s)s”，不能%(a)s。"
ERR_VERIFIED = "该问题已核实；只有新的检查再次发现它时才重新整改。"
ERR_ROLE = {
    "assign": "只有督查员和区委组织部审核人可以交办整改。",
    "verify": "只有督查员和区委组织部审核人可以核实整改。",
    "explain": "情况说明由问题所在党组织（支部、乡镇党委）填写。",
    "correct": "更正记录由问题所在党组织（支部、乡镇党委）办理。",
}
ACTION_LABELS = {"assign": "交办", "explain": "说明情况", "correct": "更正记录", "verify": "核实"}


# The inspection imports nothing above it: an app that acts on a finding's history (the API's webhooks) is
# handed each batch of new history entries, inside the transaction that writes them (finding_events_register).
FindingEventsWritten = Callable[[list[FindingEvent]], None]
_EVENTS_WRITTEN: dict[str, FindingEventsWritten] = {}


def finding_events_register(name: str, hook: FindingEventsWritten) -> None:
    """An app's part of a finding's history being written (found, a move, closed or reopened by a run), run
    inside the writing transaction with the new entries, registered in its AppConfig.ready(). Registering a
    name again replaces its hook."""
    _EVENTS_WRITTEN[name] = hook


def _events_written(events: list[FindingEvent]) -> None:
    if events:
        for hook in _EVENTS_WRITTEN.values():
            hook(events)


def _whole_tree_root() -> Org:
    root = Org.objects.filter(parent__isnull=True).order_by("path").first()
    if root is None:
        raise ValidationError({"org": _("还没有任何党组织。")})
    return root


@transaction.atomic
def inspection_run(
    *,
    actor,
    org: Org | None,
    as_of: datetime.date,
    progress: Callable[[Progress], None] | None = None,
    result: Result | None = None,
) -> InspectionRun:
    """Run every rule over `org`'s subtree (the whole tree for None) and keep the findings (`result`: a run
    already made by run.inspect with the same org and date, to keep rather than run again)."""
    if actor is not None and not user_roles_at(actor, org or _whole_tree_root()) & RUN_ROLES:
        raise PermissionDenied(_(ERR_RUN_ROLE))
    result = result or inspect(root=org, as_of=as_of, progress=progress)
    scope = org or _whole_tree_root()
    run = InspectionRun.objects.create(
        org=scope,
        as_of=as_of,
        started_by=actor if getattr(actor, "pk", None) else None,
        cases=result.cases,
        records=result.records,
        found=len(result.issues),
        tracks=as_of >= timezone.localdate(),
    )
    opened, closed, reopened = _keep(run, scope, result)
    run.opened, run.closed, run.finished_at = opened, closed, timezone.now()
    run.save(update_fields=["opened", "closed", "finished_at"])
    audit_record(
        actor=actor,
        action="inspection.run",
        target=run,
        org=scope,
        data={
            "as_of": as_of.isoformat(),
            "found": len(result.issues),
            "opened": opened,
            "closed": closed,
            "reopened": reopened,
        },
    )
    return run


def _keep(run: InspectionRun, scope: Org, result: Result) -> tuple[int, int, int]:
    """Keep the run's findings: new ones open, those found again stay (a verified one whose finding moved is
    reopened), those no longer found close. Returns how many opened, closed and reopened."""
    orgs = dict(Org.objects.values_list("code", "pk"))
    persons = dict(Person.objects.filter(org__path__startswith=scope.path).values_list("pid", "pk"))
    for pid in {i.person for i in result.issues if i.person and i.person not in persons}:
        persons[pid] = Person.objects.values_list("pk", flat=True).get(pid=pid)  # moved out since
    current = {}
    if run.tracks:
        current = {
            f.key: f
            for f in Finding.objects.filter(
                closed_run__isnull=True, first_run__tracks=True, org__path__startswith=scope.path
            )
        }
    new, changed, seen = [], [], []
    for issue in result.issues:
        f = current.pop(issue.key, None)
        if f is None:
            new.append(_new(run, issue, orgs, persons))
            continue
        seen.append(f.pk)
        fresh = (issue.severity, issue.message, _json(issue.evidence), issue.record)
        if (f.severity, f.message, f.evidence, f.record_id) != fresh:
            f.severity, f.message, f.evidence, f.record_id = fresh
            changed.append(f)
    # Found again: every one gets this run as its last in one UPDATE a chunk; only those whose wording or
    # evidence moved are rewritten row by row (bulk_update's CASE over thousands of rows took seconds).
    Finding.objects.bulk_update(changed, ["severity", "message", "evidence", "record"], batch_size=500)
    for lo in range(0, len(seen), 900):
        Finding.objects.filter(pk__in=seen[lo : lo + 900]).update(last_run=run)
    created = Finding.objects.bulk_create(new, batch_size=500)
    if not run.tracks:
        return len(created), 0, 0
    events = [FindingEvent(finding=f, action="found", run=run) for f in created]
    for f in current.values():
        f.closed_run, f.status = run, FINDING_MOVES[f.status]["close"]
        events.append(FindingEvent(finding=f, action="closed", run=run, note=_("本次检查未再发现")))
    reopened = [f for f in changed if "reopen" in FINDING_MOVES[f.status]]
    for f in reopened:
        f.status = FINDING_MOVES[f.status]["reopen"]
        events.append(
            FindingEvent(finding=f, action="reopened", run=run, note=_("本次检查再次发现，且情况有变化"))
        )
    Finding.objects.bulk_update(list(current.values()), ["closed_run", "status"], batch_size=500)
    Finding.objects.bulk_update(reopened, ["status"], batch_size=500)
    _events_written(FindingEvent.objects.bulk_create(events, batch_size=500))
    return len(created), len(current), len(reopened)


def _json(evidence: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(evidence, ensure_ascii=False, default=str))


def _new(run: InspectionRun, issue: Issue, orgs: dict[str, int], persons: dict[str, int]) -> Finding:
    return Finding(
        key=issue.key,
        rule=issue.rule,
        severity=issue.severity,
        org_id=orgs[issue.org],
        person_id=persons.get(issue.person) if issue.person else None,
        step=issue.step,
        record_id=issue.record,
        message=issue.message,
        evidence=_json(issue.evidence),
        first_run=run,
        last_run=run,
        closed_run=None if run.tracks else run,
        status=FindingStatus.OPEN if run.tracks else FindingStatus.CLOSED,
    )


# --- rectification ----------------------------------------------------------------------------------------


def finding_actions(user, finding: Finding) -> list[str]:
    """The rectification actions `user` may take on `finding` now, in FINDING_MOVES' order (the finding
    page offers only these)."""
    if finding.closed_run_id is not None or not finding.first_run.tracks:
        return []
    roles = user_roles_at(user, finding.org)
    return [a for a in FINDING_MOVES[finding.status] if a in FINDING_ACTORS and roles & FINDING_ACTORS[a]]


def _locked(finding: Finding) -> Finding:
    return Finding.objects.select_for_update().select_related("first_run", "org").get(pk=finding.pk)


def _check_move(actor, finding: Finding, action: str) -> None:
    """The one check of a rectification move: the finding is open and tracked, the actor holds one of
    FINDING_ACTORS' roles on the finding's org, and FINDING_MOVES allows the action from its status."""
    if finding.closed_run_id is not None:
        raise ValidationError({"status": _(ERR_SNAPSHOT) if not finding.first_run.tracks else _(ERR_CLOSED)})
    if actor is not None and not user_roles_at(actor, finding.org) & FINDING_ACTORS[action]:
        raise PermissionDenied(_(ERR_ROLE[action]))
    if action not in FINDING_MOVES[finding.status]:
        if finding.status == FindingStatus.VERIFIED:
            raise ValidationError({"status": _(ERR_VERIFIED)})
        if action == "verify":
            raise ValidationError({"status": _(ERR_NOT_VERIFIABLE)})
        label = FindingStatus(finding.status).label
        raise ValidationError({"status": _(ERR_MOVE) % {"s": label, "a": _(ACTION_LABELS[action])}})


def _move(
    *, actor, finding: Finding, action: str, fields: dict[str, Any], note: str = "", data: dict | None = None
) -> Finding:
    """The one change of a finding's rectification status (checked by _check_move first), with what the
    action records beside it, its history entry and its audit event."""
    finding.status = FINDING_MOVES[finding.status][action]
    for name, value in fields.items():
        setattr(finding, name, value)
    finding.save(update_fields=["status", *fields])
    event = FINDING_EVENTS[action]
    entry = FindingEvent.objects.create(
        finding=finding, actor=actor if getattr(actor, "pk", None) else None, action=event, note=note
    )
    _events_written([entry])
    audit_record(
        actor=actor,
        action=f"finding.{event}",
        target=finding,
        org=finding.org,
        data={"rule": finding.rule, "note": note, "status": finding.status, **(data or {})},
    )
    return finding


@transaction.atomic
def finding_assign(*, actor, finding: Finding, assignee, note: str = "") -> Finding:
    finding = _locked(finding)
    _check_move(actor, finding, "assign")
    if not user_roles_at(assignee, finding.org):
        raise ValidationError({"assignee": _(ERR_ASSIGNEE)})
    return _move(
        actor=actor,
        finding=finding,
        action="assign",
        fields={"assignee": assignee},
        note=note,
        data={"assignee": assignee.username},
    )


@transaction.atomic
def finding_explain(*, actor, finding: Finding, explanation: str) -> Finding:
    """The org's own explanation (情况说明). Before verification a new one replaces the text (the history
    keeps each); a verified finding takes none."""
    finding = _locked(finding)
    _check_move(actor, finding, "explain")
    if not explanation.strip():
        raise ValidationError({"explanation": _(ERR_EXPLANATION)})
    text = explanation.strip()
    return _move(actor=actor, finding=finding, action="explain", fields={"explanation": text}, note=text)


def finding_record_to_correct(finding: Finding) -> StepRecord:
    """The live record the finding is about: the record itself, or the latest correction of it."""
    if finding.record_id is None:
        raise ValidationError({"record": _(ERR_NO_RECORD)})
    record = StepRecord.objects.get(pk=finding.record_id)
    while (later := StepRecord.objects.filter(supersedes=record).first()) is not None:
        record = later
    return record


@transaction.atomic
def finding_correct(
    *, actor, finding: Finding, date: datetime.date, details: dict[str, Any] | None, reason: str
) -> StepRecord:
    """Correct the record a finding is about through a correction record (never an edit); the next run
    closes the finding if the correction fixed it."""
    finding = _locked(finding)
    _check_move(actor, finding, "correct")
    record = finding_record_to_correct(finding)
    correction = step_correct(actor=actor, record=record, date=date, details=details, reason=reason)
    _move(
        actor=actor,
        finding=finding,
        action="correct",
        fields={"correction": correction},
        note=reason.strip(),
        data={"record": record.pk, "correction": correction.pk},
    )
    return correction


@transaction.atomic
def finding_verify(*, actor, finding: Finding, note: str = "") -> Finding:
    """A supervisor confirms the explanation or the correction. The finding stays open while a run still
    finds it (an accepted explanation keeps it verified); the next run closes it once it is fixed, or
    reopens it if what it finds has changed."""
    finding = _locked(finding)
    _check_move(actor, finding, "verify")
    return _move(actor=actor, finding=finding, action="verify", fields={}, note=note)


# The org's own two paragraphs of its self-inspection report (二、主要做法 and 五、下一步打算): written by the
# roles of the run's org, or the district's reviewer for the district's own run.
REPORT_TEXT_ROLES = frozenset({"township_organizer", "township_approver", "district_reviewer"})
REPORT_TEXT_MAX = 3000
ERR_REPORT_TEXT_ROLE = "只有本级党委组织委员、审批人或区委组织部审核人可以撰写自查报告。"
ERR_REPORT_TEXT_LONG = "不能超过 %(n)d 字（现 %(m)d 字）。"


@transaction.atomic
def run_report_text_save(*, actor, run: InspectionRun, practice: str, next_steps: str) -> InspectionRun:
    """Keep the org's 主要做法 and 下一步打算 with the run (the report prints them), each change in
    the trail."""
    if actor is not None and not user_roles_at(actor, run.org) & REPORT_TEXT_ROLES:
        raise PermissionDenied(_(ERR_REPORT_TEXT_ROLE))
    texts = {"report_practice": practice.strip(), "report_next_steps": next_steps.strip()}
    errors = {
        field.removeprefix("report_"): _(ERR_REPORT_TEXT_LONG) % {"n": REPORT_TEXT_MAX, "m": len(text)}
        for field, text in texts.items()
        if len(text) > REPORT_TEXT_MAX
    }
    if errors:
        raise ValidationError(errors)
    run = InspectionRun.objects.select_for_update().get(pk=run.pk)
    before = {field: getattr(run, field) for field in texts}
    if before == texts:
        return run
    for field, text in texts.items():
        setattr(run, field, text)
    run.save(update_fields=list(texts))
    audit_record(
        actor=actor,
        action="inspection.report_text",
        target=run,
        org=run.org,
        data={"run": run.pk, "changed": sorted(f for f in texts if before[f] != texts[f])},
    )
    return run
