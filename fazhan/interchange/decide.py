"""What an import would change: each checked record is matched with the database by its key and marked
create, update or same; steps that changed become new records superseding the old ones; the stage of each
case and the membership its admission implies follow from the live steps. A person's identity (name, ID
number, birth date) and place (org) are never changed by an import: a differing value is a problem naming
the person it collides with, and an org changes only with a transfer record (interchange.md, Keys). Every
update and correction is described field by field (diff.Change) for the preview."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext as _

from fazhan.auditlog.registry import json_stored
from fazhan.interchange.canon import person_row, recorded_by_label, step_id_parse
from fazhan.interchange.diff import (
    CREATE,
    RECORD_LABELS,
    Change,
    field_changes,
    shown,
    step_changes,
    step_label,
)
from fazhan.interchange.models import NoticeKey, StepKey
from fazhan.interchange.plan import Item, Plan
from fazhan.interchange.reader import Problem
from fazhan.interchange.registers import REGISTERS, REGISTERS_BY_KIND, Register
from fazhan.notices.models import Notice, NoticeFeedback
from fazhan.people.models import Person, PersonRole, Transfer
from fazhan.prereview.models import NumberedForm
from fazhan.procedure.definition import STEPS_BY_CODE, Anchor, CaseStage, limits
from fazhan.procedure.engine import Rec
from fazhan.procedure.models import Case, ExitReason, StepRecord
from fazhan.procedure.rules.outcome import case_outcome
from fazhan.procedure.services import NOTE_CANCELLED

NEW_BASE = 1 << 60  # order of records about to be created: after every stored one
CREATED_SHOWN = 200  # the preview lists the first records a file creates, and counts the rest
NO_MEMBERSHIP: tuple[str, Any, Any] = ("", None, None)

ERR_IDENTITY = "与已登记的%(who)s%(what)s不同：导入不修改姓名、身份证号和出生日期，请在人员页面更正并说明原因"
ERR_ORG = "与%(who)s已登记的所在党组织（%(org)s）不同：组织关系的变动须以转接记录（transfer）导入"
ERR_ORG_ELSEWHERE = "该人员已在另一党组织登记：组织关系的变动须以转接记录（transfer）导入"
NOTE_MEMBERSHIP = "党员身份由发展档案的步骤决定（%(derived)s），文件中的党员身份（%(given)s）未导入"
LEDGER_HELD = ("contacts", "introducers", "form_number")  # the details a ledger row holds
IDENTITY_FIELDS = {"name": "姓名", "id_number": "身份证号"}
MEMBERSHIP_FIELDS = ("party_status", "joined_on", "full_since")


@dataclass(slots=True)
class DbStep:
    pk: int
    case_id: int
    pid: str
    step: str
    date: datetime.date
    details: dict[str, Any]
    recorded_at: datetime.datetime | None
    recorded_by: str
    supersedes: int | None
    reason: str
    from_ledger: bool = False
    date_inferred: bool = False
    key: str = ""
    successor: int | None = None

    def passed(self) -> bool:
        rule = STEPS_BY_CODE[self.step].passing
        return rule is None or self.details.get(rule[0]) in rule[1]

    def as_row(self) -> dict[str, Any]:
        return {"date": self.date, "details": self.details, "date_inferred": self.date_inferred}


@dataclass
class CaseChange:
    pid: str
    case: Case | None  # None: to be created
    opened_on: datetime.date
    stage: str
    closed_on: datetime.date | None = None
    exit_reason: str = ""
    exit_note: str = ""
    action: str = "same"


@dataclass
class Decisions:
    """What the writer needs beyond the items' own actions."""

    step_target: dict[int, Any] = field(
        default_factory=dict
    )  # id(item) → DbStep pk or the Item it supersedes
    step_keys: dict[str, Any] = field(default_factory=dict)  # key → Item (new) or pk (existing, unkeyed)
    cases: dict[str, CaseChange] = field(default_factory=dict)
    members: dict[str, tuple[str, Any, Any]] = field(default_factory=dict)  # pid → status, joined, full_since
    roles: dict[str, list[str]] = field(default_factory=dict)
    notice_keys: dict[str, Any] = field(default_factory=dict)  # key → Item (new) or notice pk


def _same_step(row: dict[str, Any], db: DbStep, *, ledger: bool) -> bool:
    if ledger:  # a ledger holds the date, and for a few steps the people or the form number
        return (row["date"], row["date_inferred"]) == (db.date, db.date_inferred) and all(
            db.details.get(k) == row["details"][k] for k in LEDGER_HELD if k in row["details"]
        )
    return (
        row["date"] == db.date
        and row["details"] == db.details
        and row["reason"] == db.reason
        and row["recorded_at"] == db.recorded_at
        and row["recorded_by"] == db.recorded_by
        and (row["from_ledger"], row["date_inferred"]) == (db.from_ledger, db.date_inferred)
    )


def _chunks(values, size=900):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


# The stored steps are read as the driver hands them over and turned here into what the ORM's converters
# would give (two fifths of a re-import's time went to those converters, a value at a time); the tests
# hold the result to the ORM's (tests/interchange/test_import_reading.py).


def _raw(queryset) -> Iterable[tuple]:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(2000):
            yield from batch


def _date_stored(value: Any) -> datetime.date:
    """SQLite holds a date as its text; PostgreSQL hands over the date."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _moment_stored(value: Any) -> datetime.datetime | None:
    """SQLite holds a moment as UTC text without its zone; PostgreSQL hands over an aware datetime."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value


def _load_steps(pids: set[str]) -> dict[str, list[DbStep]]:
    users = {
        pk: (login, pid or "")
        for pk, login, pid in get_user_model().objects.values_list("pk", "username", "person__pid")
    }
    out: dict[str, list[DbStep]] = defaultdict(list)
    by_pk: dict[int, DbStep] = {}
    fields = ["pk", "case_id", "case__person__pid", "step", "date", "details", "recorded_at"]
    fields += [
        "recorded_by_id",
        "recorded_by_label",
        "supersedes_id",
        "reason",
        "from_ledger",
        "date_inferred",
    ]
    for chunk in _chunks(pids):
        rows = StepRecord.objects.filter(case__person__pid__in=chunk).order_by("pk").values_list(*fields)
        for pk, case_id, pid, step, date, details, at, by_id, label, sup, reason, ledger, inferred in _raw(
            rows
        ):
            date, details, at = _date_stored(date), json_stored(details), _moment_stored(at)
            ledger, inferred = bool(ledger), bool(inferred)
            by = recorded_by_label(label, by_id, users)
            record = DbStep(pk, case_id, pid, step, date, details, at, by, sup, reason, ledger, inferred)
            out[pid].append(record)
            by_pk[pk] = record
        keys = StepKey.objects.filter(record__case__person__pid__in=chunk).values_list("record_id", "key")
        for record_id, key in keys:
            by_pk[record_id].key = key
    for record in by_pk.values():
        if record.supersedes in by_pk:
            by_pk[record.supersedes].successor = record.pk
    return out


def decide_all(plan: Plan) -> None:
    d = Decisions()
    plan.decisions = d
    _decide_orgs(plan)
    step_pids = {i.row["pid"] for i in plan.items["step"]} | {i.row["pid"] for i in plan.items["exit"]}
    step_pids |= {i.row["pid"] for i in plan.items["person"] if i.obj is not None}
    db_steps = _load_steps(step_pids)
    new_by_pid = _decide_steps(plan, d, db_steps)
    plan.progress(_("已比对步骤记录"))
    _decide_cases(plan, d, db_steps, new_by_pid)
    _decide_persons(plan, d)
    _decide_simple(plan)
    _decide_notices(plan, d)
    _created(plan)


def _decide_orgs(plan: Plan) -> None:
    for item in plan.items["org"]:
        org = item.obj
        if org is None:
            item.action = "create"
            continue
        current = {"name": org.name, "category": org.category, "election_dates": list(org.election_dates)}
        wanted = {k: item.row[k] for k in current}
        item.action = "same" if current == wanted else "update"
        if item.action == "update":
            label = f"{RECORD_LABELS['org']} {org.name}（{org.code}）"
            plan.changes += field_changes(item.source, label, current, wanted, current)


def _natural_index(records: list[DbStep]) -> dict[tuple, list[DbStep]]:
    index: dict[tuple, list[DbStep]] = defaultdict(list)
    for r in records:
        index[(r.step, r.date)].append(r)
    return index


def _head(record: DbStep, by_pk: dict[int, DbStep]) -> DbStep:
    while record.successor is not None:
        record = by_pk[record.successor]
    return record


def _decide_steps(plan: Plan, d: Decisions, db_steps: dict[str, list[DbStep]]) -> dict[str, list[Item]]:
    by_pk = {r.pk: r for records in db_steps.values() for r in records}
    by_key = {r.key: r for r in by_pk.values() if r.key}
    wanted_keys = {i.row["id"] for i in plan.items["step"] if i.row["id"]}
    wanted_keys |= {i.row["supersedes"] for i in plan.items["step"] if i.row["supersedes"]}
    for chunk in _chunks(wanted_keys - set(by_key)):
        for key, pid in StepKey.objects.filter(key__in=chunk).values_list("key", "record__case__person__pid"):
            by_key.setdefault(key, DbStep(-1, 0, pid, "", datetime.date.min, {}, None, "", None, ""))
    natural = {pid: _natural_index(records) for pid, records in db_steps.items()}
    counter: dict[tuple, int] = defaultdict(int)
    file_ids: dict[str, Item] = {}
    matched: dict[int, DbStep] = {}  # id(item) → the stored record it is
    new_by_pid: dict[str, list[Item]] = defaultdict(list)
    targeted: dict[int, int] = {}  # stored pk superseded by this import → line
    for item in plan.items["step"]:
        row = item.row
        counter[(row["pid"], row["step"], row["date"])] += 1
        n = counter[(row["pid"], row["step"], row["date"])]
        if row["id"]:
            file_ids[row["id"]] = item
        match = _match(item, n, by_key, natural, db_steps)
        if match is not None and match.pk == -1:
            plan.problems.append(item.source.problem("id", _("该编号已用于另一人员的记录")))
            continue
        if match is not None and item.source.ledger and row["date_inferred"] and not match.date_inferred:
            # An inferred date never supersedes a recorded one (interchange.md, Excel ledgers); an inferred
            # one follows the step it was taken from.
            row["date"], row["date_inferred"] = match.date, False
        if match is not None and _same_step(row, match, ledger=item.source.ledger):
            item.action, item.obj = "same", match.pk
            matched[id(item)] = match
            if row["id"] and not match.key:
                d.step_keys[row["id"]] = match.pk
            continue
        item.action = "create"
        new_by_pid[row["pid"]].append(item)
        if match is not None:
            head = _head(match, by_pk)
            if item.source.ledger:
                # A ledger corrects what its row holds (the date, the people, the form number) and keeps the
                # rest of the record it corrects: its talkers, votes, reviewer are no part of a ledger row.
                held = {k: v for k, v in row["details"].items() if k in LEDGER_HELD}
                row["details"] = {**head.details, **held}
                row["from_ledger"] = head.from_ledger
            d.step_target[id(item)] = head.pk
            targeted[head.pk] = item.source.line
            if not row["reason"]:
                row["reason"] = _("导入的记录与已登记的不同")
            if match.key and match.key == row["id"]:
                d.step_keys[row["id"]] = item  # the key moves to the new record
            plan.changes += step_changes(item.source, _step_record_label(plan, row), head.as_row(), row)
        if row["id"] and row["id"] not in d.step_keys and row["id"] not in by_key:
            d.step_keys[row["id"]] = item
    for item in plan.items["step"]:
        if item.action != "create" or id(item) in d.step_target or not item.row["supersedes"]:
            continue
        target = _resolve_supersedes(item.row["supersedes"], file_ids, by_key, natural, matched)
        if target is None:
            plan.problems.append(
                item.source.problem(
                    "supersedes", _("找不到被更正的记录：%(id)s") % {"id": item.row["supersedes"]}
                )
            )
            continue
        if isinstance(target, DbStep):
            if target.successor is not None or target.pk in targeted:
                plan.problems.append(
                    item.source.problem(
                        "supersedes", _("该记录已被更正过：%(id)s") % {"id": item.row["supersedes"]}
                    )
                )
                continue
            targeted[target.pk] = item.source.line
            d.step_target[id(item)] = target.pk
            plan.changes += step_changes(
                item.source, _step_record_label(plan, item.row), target.as_row(), item.row
            )
        else:
            if any(t is target for t in d.step_target.values()):
                plan.problems.append(
                    item.source.problem(
                        "supersedes", _("该记录已被更正过：%(id)s") % {"id": item.row["supersedes"]}
                    )
                )
                continue
            d.step_target[id(item)] = target
    return new_by_pid


def _step_record_label(plan: Plan, row: dict[str, Any]) -> str:
    return step_label(row["pid"], plan.person_name(row["pid"]), row["step"])


def _match(item, n, by_key, natural, db_steps) -> DbStep | None:
    row = item.row
    if row["id"] and row["id"] in by_key:
        found = by_key[row["id"]]
        return (
            found if found.pid == row["pid"] else DbStep(-1, 0, "", "", row["date"], {}, None, "", None, "")
        )
    if item.source.ledger:
        live = [r for r in db_steps.get(row["pid"], []) if r.step == row["step"] and r.successor is None]
        passing = sorted((r for r in live if r.passed()), key=lambda r: (r.date, r.pk))
        return passing[0] if passing else None
    candidates = natural.get(row["pid"], {}).get((row["step"], row["date"]), [])
    return candidates[n - 1] if len(candidates) >= n else None


def _resolve_supersedes(value, file_ids, by_key, natural, matched):
    if value in file_ids:
        item = file_ids[value]
        return matched.get(id(item)) if item.action == "same" else item
    if value in by_key and by_key[value].pk != -1:
        return by_key[value]
    parsed = step_id_parse(value)
    if parsed is not None:
        pid, step, date, n = parsed
        candidates = natural.get(pid, {}).get((step, date), [])
        if len(candidates) >= n:
            return candidates[n - 1]
    return None


def _decide_cases(plan: Plan, d: Decisions, db_steps, new_by_pid) -> None:
    exits = {i.row["pid"]: i for i in plan.items["exit"]}
    pids = set(new_by_pid) | set(exits) | set(db_steps)
    cases: dict[str, Case] = {}
    for chunk in _chunks(pids):
        for stored_case in (
            Case.objects.filter(person__pid__in=chunk).select_related("person").order_by("opened_on", "pk")
        ):
            cases[stored_case.person.pid] = stored_case  # the latest case of each person
    superseded_now = {t for t in d.step_target.values() if isinstance(t, int)}
    superseded_new = {id(t) for t in d.step_target.values() if not isinstance(t, int)}
    limit_values = limits()
    for pid in pids:
        stored = [r for r in db_steps.get(pid, []) if r.successor is None and r.pk not in superseded_now]
        new = [i for i in new_by_pid.get(pid, []) if id(i) not in superseded_new]
        if not stored and not new and pid not in exits:
            continue
        recs = [Rec(r.pk, r.step, r.date, r.details) for r in stored]
        recs += [Rec(NEW_BASE + k, i.row["step"], i.row["date"], i.row["details"]) for k, i in enumerate(new)]
        recs.sort(key=lambda r: (r.date, r.id))
        outcome = case_outcome(recs, limits=limit_values)
        stage = outcome.stage
        d.members[pid] = outcome.membership
        case: Case | None = cases.get(pid)
        all_dates = [r.date for r in recs]
        first = next((r.date for r in recs if r.step == Anchor.APPLICATION), None) or (
            min(all_dates) if all_dates else None
        )
        change = CaseChange(pid, case, case.opened_on if case else (first or plan.today), stage)
        if case is not None:
            change.closed_on, change.exit_reason, change.exit_note = (
                case.closed_on,
                case.exit_reason,
                case.exit_note,
            )
        if outcome.disqualified is not None and change.closed_on is None:
            # B0.3: an approved cancellation closes the case, as live entry closes it
            change.closed_on, change.exit_reason = outcome.disqualified.date, ExitReason.DISQUALIFIED
            change.exit_note = _(NOTE_CANCELLED)
        exit_item = exits.get(pid)
        if exit_item is not None:
            row = exit_item.row
            if case is not None and (case.closed_on, case.exit_reason, case.exit_note) == (
                row["date"],
                row["reason"],
                row["note"],
            ):
                exit_item.action = "same"
            else:
                exit_item.action = "update" if case is not None and case.closed_on else "create"
            change.closed_on, change.exit_reason, change.exit_note = row["date"], row["reason"], row["note"]
            if change.case is None and first is None:
                change.opened_on = row["date"]
            if row["reason"] in (ExitReason.INVALIDATED, ExitReason.DISQUALIFIED):
                d.members[pid] = NO_MEMBERSHIP
            if exit_item.action == "update" and case is not None:
                old = {
                    "closed_on": case.closed_on,
                    "exit_reason": case.exit_reason,
                    "exit_note": case.exit_note,
                }
                new_values = {
                    "closed_on": row["date"],
                    "exit_reason": row["reason"],
                    "exit_note": row["note"],
                }
                label = f"{RECORD_LABELS['case']} {plan.person_name(pid)}（{pid}）"
                plan.changes += field_changes(exit_item.source, label, old, new_values, old)
        if change.closed_on is not None:
            change.stage = CaseStage.EXITED
        if case is None:
            change.action = "create"
        elif (case.stage, case.closed_on, case.exit_reason, case.exit_note) != (
            change.stage,
            change.closed_on,
            change.exit_reason,
            change.exit_note,
        ):
            change.action = "update"
            if case.stage != change.stage:
                source = (
                    exit_item.source
                    if exit_item
                    else new_by_pid[pid][0].source
                    if new_by_pid.get(pid)
                    else None
                )
                if source is not None:
                    label = f"{RECORD_LABELS['case']} {plan.person_name(pid)}（{pid}）"
                    plan.changes += field_changes(
                        source, label, {"stage": case.stage}, {"stage": change.stage}, ("stage",)
                    )
        d.cases[pid] = change


def _latest_transfers(plan: Plan, pids: list[str]) -> dict[str, str]:
    """pid → the org the person's latest transfer moved them to (in the file, else in the database)."""
    latest: dict[str, tuple[datetime.date, str]] = {}
    for chunk in _chunks(pids):
        for pid, date, to in Transfer.objects.filter(person__pid__in=chunk).values_list(
            "person__pid", "date", "to_org__code"
        ):
            if pid not in latest or date >= latest[pid][0]:
                latest[pid] = (date, to)
    for item in plan.items["transfer"]:
        pid, date = item.key
        if pid in latest and date < latest[pid][0]:
            continue
        latest[pid] = (date, item.row["to"])
    return {pid: to for pid, (_date, to) in latest.items()}


def _decide_persons(plan: Plan, d: Decisions) -> None:
    roles: dict[str, list[str]] = defaultdict(list)
    existing = [i for i in plan.items["person"] if i.obj is not None]
    pids = [i.row["pid"] for i in existing]
    for chunk in _chunks(pids):
        for pid, role in PersonRole.objects.filter(person__pid__in=chunk).values_list("person__pid", "role"):
            roles[pid].append(role)
    moved = [i.row["pid"] for i in existing if i.obj.org.code != i.row["org"]]
    transferred_to = _latest_transfers(plan, moved) if moved else {}
    for item in plan.items["person"]:
        row, pid = item.row, item.row["pid"]
        if pid in d.members:  # a person with a case: membership follows from its steps
            derived = d.members.pop(pid)
            given = tuple(row[k] for k in MEMBERSHIP_FIELDS)
            if given != derived and given != NO_MEMBERSHIP and item.source.unit == "line":
                plan.notes.append(
                    Problem(
                        item.source.line,
                        "party_status",
                        _(NOTE_MEMBERSHIP)
                        % {
                            "derived": shown(derived[0], "party_status"),
                            "given": shown(given[0], "party_status"),
                        },
                    )
                )
            row["party_status"], row["joined_on"], row["full_since"] = derived
        if item.obj is None:
            item.action = "create"
            continue
        person: Person = item.obj
        if not _identity_kept(plan, item, person, transferred_to):
            continue
        current = person_row(person, roles[pid])
        item.action = "same" if current == row else "update"
        if item.action == "update":
            label = f"{RECORD_LABELS['person']} {person.name}（{pid}）"
            plan.changes += field_changes(item.source, label, current, row, current)
    # Persons not in the file whose membership the imported steps change.
    for pid, membership in list(d.members.items()):
        stored = plan.db_persons.get(pid)
        if stored is None or (stored.party_status, stored.joined_on, stored.full_since) == membership:
            d.members.pop(pid)
            continue
        source = plan.first_source_of(pid)
        if source is not None:
            label = f"{RECORD_LABELS['person']} {stored.name}（{pid}）"
            old = dict(
                zip(
                    MEMBERSHIP_FIELDS, (stored.party_status, stored.joined_on, stored.full_since), strict=True
                )
            )
            new = dict(zip(MEMBERSHIP_FIELDS, membership, strict=True))
            plan.changes += field_changes(source, label, old, new, MEMBERSHIP_FIELDS)


def _identity_kept(plan: Plan, item: Item, person: Person, transferred_to: dict[str, str]) -> bool:
    """An import never changes who a person is, nor where they are but by a transfer record: a differing
    value is a problem naming the person it collides with (interchange.md, Keys)."""
    row, ok = item.row, True
    who = plan.who(person)
    for key, label in IDENTITY_FIELDS.items():
        if getattr(person, key) != row[key]:
            item_field = key
            plan.problems.append(
                item.source.problem(item_field, _(ERR_IDENTITY) % {"who": who, "what": label})
            )
            ok = False
    if person.org.code != row["org"] and transferred_to.get(person.pid) != row["org"]:
        if plan.sees(person.org.path):
            text = _(ERR_ORG) % {"who": who, "org": person.org.name}
        else:
            text = _(ERR_ORG_ELSEWHERE)
        plan.problems.append(item.source.problem("org", text))
        ok = False
    return ok


def _decide_simple(plan: Plan) -> None:
    """Transfers, kinship, discipline, plans, form receipts, forms and archive reviews: matched by key,
    updated in place."""
    pids = set(plan.file_pids) | set(plan.db_persons)

    def stored(register: Register, rows) -> dict[tuple, tuple[int, tuple]]:
        keys = len(register.key)
        return {tuple(values[:keys]): (pk, tuple(values[keys:])) for pk, *values in rows}

    def settle(register: Register, found, values_of):
        names = list(register.row.values())
        for item in plan.items[register.kind]:
            match = found.get(item.key)
            if match is None:
                item.action = "create"
                continue
            item.obj = match[0]
            wanted = values_of(item.row)
            item.action = "same" if match[1] == wanted else "update"
            if item.action == "update":
                label = f"{RECORD_LABELS[register.kind]} {'/'.join(shown(k) for k in item.key)}"
                old = dict(zip(names, match[1], strict=False))
                new = dict(zip(names, wanted, strict=False))
                plan.changes += field_changes(item.source, label, old, new, names)

    for register in REGISTERS:
        if register.kind == "form":
            continue  # by number, with the form it replaces: below
        rows = register.model._default_manager.values_list("pk", *register.key_lookups, *register.row_lookups)
        if register.by_person:
            chunks = [rows.filter(**{f"{register.key_lookups[0]}__in": chunk}) for chunk in _chunks(pids)]
        else:
            chunks = [rows]
        settle(register, stored(register, (r for chunk in chunks for r in chunk)), register.row_values)
    numbers = [i.key[0] for i in plan.items["form"]]
    numbers += [i.row["replaces"] for i in plan.items["form"] if i.row["replaces"]]
    form = REGISTERS_BY_KIND["form"]
    forms = {}
    for chunk in _chunks(set(numbers)):
        rows = NumberedForm.objects.filter(number__in=chunk).values_list(
            "pk", *form.key_lookups, *form.row_lookups, "replaces__number"
        )
        forms.update(stored(form, rows))
    file_numbers = {i.key[0] for i in plan.items["form"]}
    for item in plan.items["form"]:
        replaces = item.row["replaces"]
        if replaces and replaces not in file_numbers and (replaces,) not in forms:
            plan.problems.append(item.source.problem("replaces", _("找不到志愿书：%(n)s") % {"n": replaces}))
    form_with_replaces = form._replace(row={**form.row, "replaces": "replaces"})
    settle(form_with_replaces, forms, lambda r: (*form.row_values(r), r["replaces"]))


def _decide_notices(plan: Plan, d: Decisions) -> None:
    """Notices by their key (the file's id, kept in NoticeKey; an export's N<pk> in the same database), their
    reports by (notice, person, received_on, n-th)."""
    keys = {i.key[0] for i in plan.items["notice"]}
    by_key: dict[str, Notice] = {}
    for chunk in _chunks(keys):
        for k in NoticeKey.objects.filter(key__in=chunk).select_related("notice"):
            by_key[k.key] = k.notice
    bare = {int(k[1:]): k for k in keys - set(by_key) if k[:1] == "N" and k[1:].isdigit()}
    for stored in Notice.objects.filter(pk__in=list(bare), interchange_key__isnull=True):
        by_key[bare[stored.pk]] = stored
    for item in plan.items["notice"]:
        notice = by_key.get(item.key[0])
        if notice is None:
            item.action = "create"
            d.notice_keys[item.key[0]] = item
            continue
        item.obj = notice
        d.notice_keys[item.key[0]] = notice.pk
        current = plan.notice_row(notice)
        wanted = {k: item.row[k] for k in current}
        item.action = "same" if current == wanted else "update"
        if item.action == "update":
            label = f"{RECORD_LABELS['notice']} {item.key[0]}"
            plan.changes += field_changes(item.source, label, current, wanted, current)
    reports: dict[tuple, list[NoticeFeedback]] = defaultdict(list)
    notice_pks = [v for v in d.notice_keys.values() if isinstance(v, int)]
    for feedback in NoticeFeedback.objects.filter(notice__in=notice_pks).select_related(
        "entry__case__person"
    ):
        pid = feedback.entry.case.person.pid if feedback.entry else ""
        reports[(feedback.notice_id, pid, feedback.received_on)].append(feedback)
    for item in plan.items["notice_report"]:
        notice_key, pid, received_on, n = item.key
        target = d.notice_keys.get(notice_key)
        if target is None:
            plan.problems.append(item.source.problem("notice", _("找不到公示：%(id)s") % {"id": notice_key}))
            continue
        matches = reports.get((target, pid, received_on), []) if isinstance(target, int) else []
        if len(matches) < n:
            item.action = "create"
            continue
        feedback = matches[n - 1]
        item.obj = feedback
        current = {
            "channel": feedback.channel,
            "finding": feedback.finding,
            "concluded_on": feedback.verified_on,
        }
        wanted = {k: item.row[k] for k in current}
        item.action = "same" if current == wanted else "update"
        if item.action == "update":
            label = f"{RECORD_LABELS['notice_report']} {notice_key}/{pid}/{received_on}"
            plan.changes += field_changes(item.source, label, current, wanted, current)


def _created(plan: Plan) -> None:
    """The records the file creates, for the preview: the first CREATED_SHOWN of them."""
    for kind, items in plan.items.items():
        for item in items:
            if item.action != "create":
                continue
            if len(plan.created) >= CREATED_SHOWN:
                return
            plan.created.append(
                Change(item.source.line, item.source.unit, plan.record_label(kind, item), CREATE)
            )
