"""What is due or overdue in a user's subtree (product.md: the to-do list), from the same record and limits
the rules read. Computed once per write to the record (procedure.due's stamp) and kept in the cache: one
query for the cases, one for their records when computed; the stamp, the cache and the rows' cases when
kept. After a step's writes (logged by their case, not by a new token) only the cases they could change
are computed again."""

import datetime
import functools
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhan.accounts.selectors import user_assignments, user_roles_at, user_scope_q
from fazhan.applicants.models import Submission
from fazhan.applicants.selectors import submissions_waiting_for_user
from fazhan.inspection.models import Finding, FindingStatus
from fazhan.notices.models import NOTICE_STEP, NoticeEntry, NoticeKind, NoticeState
from fazhan.notices.selectors import PUBLISH_ROLES, TOWNSHIP_ROLES, feedback_pending_for_cases
from fazhan.plans.selectors import ReserveShortfall, reserves_below_for_user
from fazhan.prereview.selectors import waiting_in_batch
from fazhan.procedure.deadlines import Countdown, deadlines
from fazhan.procedure.definition import BRANCH, STEPS_BY_CODE, TOWNSHIP
from fazhan.procedure.due import stamp_case_writes, stamp_state
from fazhan.procedure.engine import CaseFacts
from fazhan.procedure.loader import case_facts_many
from fazhan.procedure.models import Case, StepRecord
from fazhan.selfcheck.selectors import SelfCheckDue, selfchecks_due_for_user
from fazhan.talents.selectors import KeyRow, talents_uncovered_for_user

KINDS = {
    "talk": _("谈话"),
    "examination": _("积极分子半年考察"),
    "thought_report": _("思想汇报"),
    "target_ready": _("积极分子满一年，可确定为发展对象"),
    "activist_filing": _("入党积极分子报镇党委备案"),
    "target_filing": _("发展对象报镇党委备案"),
    "committee_talk": _("审批前镇党委派人谈话"),
    "branch_meeting": _("预审通过，待召开支部大会讨论接收"),
    "approval_filing": _("接收预备党员报区委组织部备案"),
    "archive_review": _("转正党员档案待镇党委审核"),
    "prereview": _("待镇党委预审"),
    "prereview_send": _("镇党委预审通过，待报区委组织部预审"),
    "district_prereview": _("待区委组织部预审"),
    "form_issue": _("待发放编号志愿书"),
    "approval": _("接收预备党员待镇党委审批"),
    "probation_ending": _("预备期将满"),
    "conversion_approval": _("转正待镇党委审批"),
    "notice_close": _("公示期满，待核实反映并办结"),
    "notice_objection": _("公示反映待核实"),
    "reserve_below": _("人员储备低于储量计划"),
    "applicant_submission": _("网上提交的入党申请，待支部受理"),
    "selfcheck_due": _("发展党员工作自查报告待上报"),
    "talent_uncovered": _("重点培养对象未落实联系（无联系领导干部或近一个季度无联系）"),
}


@dataclass(frozen=True)
class TodoItem(Countdown):
    kind: str
    case: Case
    step: str  # the step that settles the item
    due: datetime.date  # the day it is listed by: its due date, or the day it becomes allowed
    today: datetime.date
    actors: tuple[str, ...] = ()  # who settles it, where not the step's own actors
    allowed_from: datetime.date | None = None
    allowed_only: bool = False  # 可办理 from `due`: a step allowed from a date, with no deadline
    rule_overdue: bool = False  # its rule reports it overdue (procedure.deadlines)
    link: str = ""  # where it is done, when that is no step form (the report on its notice's page)
    barred_by: str = ""  # a rule that reports the step if taken now (PRE-LEAVE: the person leaves the unit)

    @property
    def settled_by(self) -> tuple[str, ...]:
        return self.actors or STEPS_BY_CODE[self.step].actors

    @property
    def label(self):
        return KINDS[self.kind]

    @property
    def overdue(self) -> bool:
        """逾期 only where a rule says so: a notice past its period (NOTICE-CLOSE's own clock) or a deadline
        whose rule reports it."""
        if self.kind == "notice_close":
            return self.due < self.today
        return self.rule_overdue

    @property
    def available(self) -> bool:
        """可办理: allowed from a day that has come, no deadline."""
        return self.allowed_only and self.due <= self.today

    @property
    def state(self) -> str:
        """The state column of /todo/ (procedure/todo.html) word for word: the export, `fazhan remind` and the
        daily digest say what the page says."""
        if self.overdue:
            return f"逾期 {self.days_overdue} 天"
        if self.allowed_only:
            if self.available:
                return f"可办理（自 {self.due.isoformat()} 起）"
            return f"自 {self.due.isoformat()} 起可办理"
        if self.days_left < 0:
            return f"已过 {self.days_overdue} 天"
        if self.days_left == 0:
            return "今天到期"
        return f"还有 {self.days_left} 天"

    @property
    def form_url(self) -> str:
        """The form that does it: the step entry on the person page, the notice, the pre-review batch, the
        form issue, the archive review."""
        pid = self.case.person.pid
        if self.link:
            return self.link
        if self.kind == "notice_close":
            return reverse("notices:list")
        if self.kind == "form_issue":
            return reverse("prereview:issue", args=[pid])
        if self.kind == "prereview_send":
            return reverse("prereview:batch_new")
        if self.kind == "district_prereview":
            return reverse("prereview:batches")
        if self.kind == "archive_review":
            return reverse("archive:review", args=[pid])
        # the person page opens the step's entry form (the timeline's picker, preselected)
        return reverse("people:detail", args=[pid]) + f"?step={self.step}#entry-{self.case.pk}"


def case_todo(case: Case, facts: CaseFacts, *, today: datetime.date) -> list[TodoItem]:
    """The case's deadlines (procedure.deadlines) as to-do items."""
    return [
        TodoItem(
            d.kind,
            case,
            d.step,
            d.date,
            today,
            d.roles,
            allowed_from=d.allowed_from,
            allowed_only=d.allowed_only,
            rule_overdue=d.overdue,
            barred_by=d.barred_by,
        )
        for d in deadlines(facts)
    ]


# Periodic items (a window's record) are listed by their due date only; every other item is listed from the
# day its step becomes allowed, however far its deadline (the committee's approvals waiting), or if due soon.
WINDOW_KINDS = frozenset({"examination", "thought_report"})


def listed(item: TodoItem, *, today: datetime.date, horizon: datetime.date) -> bool:
    if item.due <= horizon:
        return True
    return item.kind not in WINDOW_KINDS and item.allowed_from is not None and item.allowed_from <= today


def todo_for_user(user, *, today: datetime.date, within_days: int = 31) -> list[TodoItem]:
    """The work of the user's roles in their subtrees, soonest first: what is allowed now (可办理), due
    within `within_days`, or overdue. Each role sees the items its steps settle — the branch its own steps,
    the township approver the committee's talks and approvals, the district its pre-reviews, forms and the
    approvals filed with it; the township organizer oversees every step below the township."""
    return todo_items(todo_rows(user, today=today, within_days=within_days), today=today)


@dataclass(frozen=True)
class TodoRow:
    """One item of a to-do list as it is kept between requests: a TodoItem without its case."""

    case_id: int
    pid: str
    kind: str
    step: str
    due: datetime.date
    actors: tuple[str, ...]
    allowed_from: datetime.date | None
    allowed_only: bool
    rule_overdue: bool
    link: str
    barred_by: str

    def item(self, case: Case, today: datetime.date) -> TodoItem:
        return TodoItem(
            self.kind,
            case,
            self.step,
            self.due,
            today,
            self.actors,
            allowed_from=self.allowed_from,
            allowed_only=self.allowed_only,
            rule_overdue=self.rule_overdue,
            link=self.link,
            barred_by=self.barred_by,
        )

    def overdue_on(self, today: datetime.date) -> bool:
        """TodoItem.overdue, without the case."""
        return self.due < today if self.kind == "notice_close" else self.rule_overdue

    @property
    def label(self):
        return KINDS[self.kind]


def _row(item: TodoItem) -> TodoRow:
    return TodoRow(
        item.case.pk,
        item.case.person.pid,
        item.kind,
        item.step,
        item.due,
        item.actors,
        item.allowed_from,
        item.allowed_only,
        item.rule_overdue,
        item.link,
        item.barred_by,
    )


def todo_rows(user, *, today: datetime.date, within_days: int = 31) -> list[TodoRow]:
    """The user's to-do list without its cases, soonest first: computed once per write to the record
    (procedure.due's stamp), day and set of role assignments, and kept in the cache between requests. After
    a step's writes (procedure.due.stamp_case) only the cases they could change are computed again."""
    key = _cache_key(user, today=today, within_days=within_days)
    state = stamp_state()
    if state is None:
        return _sorted(_cases_rows(user, todo_cases(user), today=today, within_days=within_days))
    kept = cache.get(key)
    if kept is not None and kept[0] == state:
        return kept[1]
    cases = None
    if kept is not None and kept[0].token == state.token:
        cases = _brought_up(user, kept[0], cache.get(key + ":cases"), state, today, within_days)
    if cases is None:
        cases = _cases_rows(user, todo_cases(user), today=today, within_days=within_days)
    rows = _sorted(cases)
    cache.set_many({key: (state, rows), key + ":cases": (state, cases)}, TODO_KEPT_SECONDS)
    return rows


# What a case's rows are a function of beside its own record: the persons its facts name (their membership:
# the introducers, talkers and contacts, its branch's secretaries, its kin) and the orgs whose count of full
# members it reads (its branch, then and now).
@dataclass(frozen=True)
class CaseRows:
    rows: tuple[TodoRow, ...]
    pids: frozenset[str]
    orgs: frozenset[str]


def _case_deps(facts: CaseFacts) -> tuple[frozenset[str], frozenset[str]]:
    pids = {facts.person_pid, *facts.members, *facts.kin, *facts.branch_secretaries}
    pids.update(str(row.get("pid", "")) for row in facts.staff_training)
    orgs = {facts.branch.code, facts.work_unit_org}
    for transfer in facts.transfers:
        orgs.update(str(transfer.get(k, "")) for k in ("from", "to"))
    return frozenset(pids), frozenset(orgs - {""})


def _brought_up(
    user, state, kept: tuple | None, now, today: datetime.date, within_days: int
) -> dict[int, CaseRows] | None:
    """The kept cases with those the step writes since named computed again (and any case whose facts name
    their person or, where the person's membership was written, their org), or None where that cannot be
    told (the per-case part is gone or older than the list, or the log was dropped)."""
    if kept is None or kept[0] != state:
        return None
    writes = stamp_case_writes(now, since=state.seq)
    if writes is None:
        return None
    cases: dict[int, CaseRows] = kept[1]
    pids = {w.pid for w in writes}
    orgs = {w.org_code for w in writes if w.org_code}
    touched = {w.case_id for w in writes}
    touched.update(pk for pk, c in cases.items() if c.pids & pids or c.orgs & orgs)
    again = _cases_rows(user, todo_cases(user, among=touched), today=today, within_days=within_days)
    kept_cases = {pk: c for pk, c in cases.items() if pk not in touched}
    return {**kept_cases, **again}


def _sorted(cases: dict[int, CaseRows]) -> list[TodoRow]:
    """The rows soonest first; rows that sort alike stay in the order of their cases and, within a case, of
    its deadlines (the order a list computed whole has)."""
    rows = [r for pk in sorted(cases) for r in cases[pk].rows]
    return sorted(rows, key=lambda r: (r.due, r.pid, r.step))


# Sealed person fields the list never shows (it names a person by name and number): left unread, so a
# district's list decrypts nothing.
SEALED_PERSON_FIELDS = (
    *("person__id_number", "person__gender", "person__birth_date", "person__household_place"),
)


def todo_items(rows: list[TodoRow], *, today: datetime.date) -> list[TodoItem]:
    """The rows as to-do items, each with its case, person and org (one query)."""
    ids = {r.case_id for r in rows}
    cases = Case.objects.filter(pk__in=ids).select_related("person__org").defer(*SEALED_PERSON_FIELDS)
    by_id = {c.pk: c for c in cases}
    # a case deleted between reading the rows and reading the cases changed the stamp: the next request
    # computes the list anew, this one leaves the row out rather than fail
    return [r.item(by_id[r.case_id], today) for r in rows if r.case_id in by_id]


TODO_KEPT_SECONDS = 24 * 3600
# How a process serves, logs and keeps its keys: set apart by `fazhan serve` (FAZHAN_JOBS, the static
# manifest) from a command's process, and read by no rule. Every other FAZHAN_ setting is part of the key.
PROCESS_SETTINGS = frozenset(
    {"FAZHAN_JOBS", "FAZHAN_STATIC_MANIFEST", "FAZHAN_STATIC_COMPRESS", "FAZHAN_HTTPS", "FAZHAN_PROXY_COUNT"}
    | {"FAZHAN_LOG_DIR", "FAZHAN_LOG_DAYS", "FAZHAN_SQLITE_BUSY_TIMEOUT", "FAZHAN_SQLITE_SYNCHRONOUS"}
    | {"FAZHAN_ID_CIPHER_KEY", "FAZHAN_ID_LOOKUP_KEY", "FAZHAN_TRAIL_KEY", "FAZHAN_TRAIL_SIGNING_KEY"}
)


def _cache_key(user, *, today: datetime.date, within_days: int) -> str:
    """What the list is a function of beside the record (the write stamp, kept with it): the day it is
    computed for and the day it is (assignments in force), the user's assignments (their scope and roles),
    the settings and the code."""
    assignments = sorted((a.role, a.org.path) for a in user_assignments(user))
    settings_seen = sorted(
        (k, repr(getattr(settings, k)))
        for k in dir(settings)
        if k.startswith("FAZHAN_") and k not in PROCESS_SETTINGS
    )
    seen = (today, timezone.localdate(), within_days, assignments, settings_seen, code_fingerprint())
    return "todo:" + hashlib.sha256(repr(seen).encode()).hexdigest()


@functools.cache
def code_fingerprint() -> str:
    """The source of the project: a kept list is not read by code that did not compute it."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


# What a user with no branch or township role settles on the list (procedure.deadlines): the district's
# pre-review and the form to issue after the township's (both from an S13 record), the approvals filed with
# the district (from S17). Their other items are the branches' and the townships'; so such a user's list
# reads only the cases with one of these records (tests/desk/test_todo_kept.py holds the two lists equal
# and the steps a role above the townships acts on to these).
BELOW_DISTRICT = frozenset({*BRANCH, *TOWNSHIP})
ABOVE_TOWNSHIP_ANCHORS = ("S13", "S17")


def todo_cases(user, *, among: set[int] | None = None, whole: bool = False) -> list[Case]:
    """The open cases of the user's subtrees the list is computed over, by primary key: for a user with no
    branch or township role only those with a record its items follow from, unless `whole`."""
    cases = Case.objects.filter(user_scope_q(user, "person__org__path"), closed_on__isnull=True)
    if among is not None:
        cases = cases.filter(pk__in=sorted(among))
    if not whole and not {a.role for a in user_assignments(user)} & BELOW_DISTRICT:
        anchored = StepRecord.objects.filter(case=OuterRef("pk"), step__in=ABOVE_TOWNSHIP_ANCHORS)
        cases = cases.filter(Exists(anchored))
    return list(cases.select_related("person__org").order_by("pk"))


def todo_rows_over(user, cases: list[Case], *, today: datetime.date, within_days: int = 31) -> list[TodoRow]:
    """The list computed over these cases, nothing kept (the parity of the pre-filter)."""
    return _sorted(_cases_rows(user, cases, today=today, within_days=within_days))


def _cases_rows(user, cases: list[Case], *, today: datetime.date, within_days: int) -> dict[int, CaseRows]:
    """Each open case's listed rows for the user, with what they read beside the case's own record."""
    horizon = today + datetime.timedelta(days=within_days)
    noticed = _open_notices(cases, today=today)
    for case_pk, objections in _objections(cases, today=today).items():
        noticed.setdefault(case_pk, []).extend(objections)
    sent = set(waiting_in_batch().filter(case__in=cases))
    out: dict[int, CaseRows] = {}
    for case, facts in zip(cases, case_facts_many(cases, as_of=today), strict=True):
        roles = user_roles_at(user, case.person.org)
        oversees = "township_organizer" in roles
        rows = tuple(
            _row(item)
            for item in [*_batched(case_todo(case, facts, today=today), sent), *noticed.get(case.pk, ())]
            if listed(item, today=today, horizon=horizon) and (oversees or roles & set(item.settled_by))
        )
        out[case.pk] = CaseRows(rows, *_case_deps(facts))
    return out


# The township organizer sends the batch (prereview_batch_submit); the district decides what was sent.
SENDERS = ("township_organizer",)


def _batched(items: list[TodoItem], sent: set[int]) -> list[TodoItem]:
    """The district's pre-review (one deadline from the township's pass) is the township's to send until the
    case is in a batch waiting at the district, and the district's from then on."""
    return [
        replace(i, kind="prereview_send", actors=SENDERS)
        if i.kind == "district_prereview" and i.case.pk not in sent
        else i
        for i in items
    ]


def findings_assigned(user) -> list[Finding]:
    """The findings an inspector or the district assigned to this user to rectify, still waiting for their
    explanation or correction (FindingStatus.ASSIGNED), oldest first."""
    return list(
        Finding.objects.filter(assignee=user, status=FindingStatus.ASSIGNED, closed_run__isnull=True)
        .select_related("org", "person", "first_run")
        .order_by("first_run__as_of", "pk")
    )


def _open_notices(cases: list[Case], *, today: datetime.date) -> dict[int, list[TodoItem]]:
    """The public notices naming these cases that are still open: each is due for closing the day after its
    period ends, by those who publish notices."""
    out: dict[int, list[TodoItem]] = {}
    by_id = {c.pk: c for c in cases}
    for entry in NoticeEntry.objects.filter(case__in=cases, notice__state=NoticeState.OPEN).select_related(
        "notice"
    ):
        notice = entry.notice
        due = notice.ends_on + datetime.timedelta(days=1)
        step = NOTICE_STEP[NoticeKind(notice.kind)]
        out.setdefault(entry.case_id, []).append(
            TodoItem("notice_close", by_id[entry.case_id], step, due, today, tuple(sorted(PUBLISH_ROLES)))
        )
    return out


def _objections(cases: list[Case], *, today: datetime.date) -> dict[int, list[TodoItem]]:
    """What the public reported about these cases' people that nobody has looked into yet: each listed from
    the day it came in, for the township (PUB-OBJECTION holds the person's next step until its finding is
    recorded), linking to the report on its notice's page."""
    out: dict[int, list[TodoItem]] = {}
    by_id = {c.pk: c for c in cases}
    for f in feedback_pending_for_cases(cases):
        assert f.entry is not None  # feedback_pending_for_cases reads reports about a person only
        step = NOTICE_STEP[NoticeKind(f.notice.kind)]
        link = reverse("notices:detail", args=[f.notice_id]) + f"#feedback-{f.pk}"
        item = TodoItem(
            "notice_objection",
            by_id[f.entry.case_id],
            step,
            f.received_on,
            today,
            tuple(sorted(TOWNSHIP_ROLES)),
            link=link,
        )
        out.setdefault(f.entry.case_id, []).append(item)
    return out


def reserves_below(user, *, today: datetime.date) -> list[ReserveShortfall]:
    """The orgs of the user's branch or township roles whose pool today is under this year's reserve plan
    (RES-PLAN, notice 二: 储备发展，动态监管), listed as "reserve_below" items of the to-do page."""
    return reserves_below_for_user(user, today=today)


def submissions_waiting(user) -> list[Submission]:
    """The applications applicants sent from their phones in the user's subtrees that the branch has not yet
    accepted or returned, oldest first: listed as "applicant_submission" items of the to-do page."""
    return submissions_waiting_for_user(user)


def selfchecks_due(user, *, today: datetime.date) -> list[SelfCheckDue]:
    """The district's self-inspection tasks the user's township must hand its report in for (CHK-REPORT,
    notice 七: 8月底前), from 30 days before the due date until handed in; listed as "selfcheck_due" items of
    the to-do page, overdue once the due date has passed."""
    return selfchecks_due_for_user(user, today=today)


def talents_uncovered(user, *, today: datetime.date) -> list[KeyRow]:
    """The key persons of the user's orgs not covered today (TAL-COVER, notice 五: 一对一、多对一联系服务),
    listed as "talent_uncovered" items of the to-do page."""
    return talents_uncovered_for_user(user, today=today)
