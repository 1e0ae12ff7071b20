"""What an import would change: each checked record is matched with the database by its key and marked
create, update or same; steps that changed become new records superseding the old ones; the stage of each
case and the membership its admission implies follow from the live steps."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from fazhan.interchange.canon import person_row, recorded_by_label, step_id_parse
from fazhan.interchange.models import StepKey
from fazhan.interchange.registers import REGISTERS, REGISTERS_BY_KIND, Register
from fazhan.people.models import PersonRole
from fazhan.prereview.models import NumberedForm
from fazhan.procedure.definition import STEPS_BY_CODE, CaseStage, limits
from fazhan.procedure.engine import CaseFacts, OrgFacts, Rec
from fazhan.procedure.models import Case, ExitReason, StepRecord
from fazhan.procedure.services import case_stage_of, membership_from_stage

if TYPE_CHECKING:
    from fazhan.interchange.services import Item, _Plan

NEW_BASE = 1 << 60  # order of records about to be created: after every stored one


@dataclass
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
    key: str = ""
    successor: int | None = None

    def passed(self) -> bool:
        rule = STEPS_BY_CODE[self.step].passing
        return rule is None or self.details.get(rule[0]) in rule[1]


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


def _same_step(row: dict[str, Any], db: DbStep, *, ledger: bool) -> bool:
    if ledger:  # a ledger holds the date, and for a few steps the people or the form number
        named = ("contacts", "introducers", "form_number")
        return row["date"] == db.date and all(
            db.details.get(k) == row["details"][k] for k in named if k in row["details"]
        )
    return (
        row["date"] == db.date
        and row["details"] == db.details
        and row["reason"] == db.reason
        and row["recorded_at"] == db.recorded_at
        and row["recorded_by"] == db.recorded_by
    )


def _chunks(values, size=900):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _load_steps(pids: set[str]) -> dict[str, list[DbStep]]:
    users = {
        pk: (login, pid or "")
        for pk, login, pid in get_user_model().objects.values_list("pk", "username", "person__pid")
    }
    out: dict[str, list[DbStep]] = defaultdict(list)
    by_pk: dict[int, DbStep] = {}
    fields = ["pk", "case_id", "case__person__pid", "step", "date", "details", "recorded_at"]
    fields += ["recorded_by_id", "recorded_by_label", "supersedes_id", "reason"]
    for chunk in _chunks(pids):
        rows = StepRecord.objects.filter(case__person__pid__in=chunk).order_by("pk").values_list(*fields)
        for pk, case_id, pid, step, date, details, at, by_id, label, sup, reason in rows:
            by = recorded_by_label(label, by_id, users)
            record = DbStep(pk, case_id, pid, step, date, details, at, by, sup, reason)
            out[pid].append(record)
            by_pk[pk] = record
        keys = StepKey.objects.filter(record__case__person__pid__in=chunk).values_list("record_id", "key")
        for record_id, key in keys:
            by_pk[record_id].key = key
    for record in by_pk.values():
        if record.supersedes in by_pk:
            by_pk[record.supersedes].successor = record.pk
    return out


def decide_all(plan: "_Plan") -> None:
    d = Decisions()
    plan.decisions = d
    _decide_orgs(plan)
    step_pids = {i.row["pid"] for i in plan.items["step"]} | {i.row["pid"] for i in plan.items["exit"]}
    db_steps = _load_steps(step_pids)
    new_by_pid = _decide_steps(plan, d, db_steps)
    plan.progress(_("已比对步骤记录"))
    _decide_cases(plan, d, db_steps, new_by_pid)
    _decide_persons(plan, d)
    _decide_simple(plan)


def _decide_orgs(plan: "_Plan") -> None:
    for item in plan.items["org"]:
        org = item.obj
        if org is None:
            item.action = "create"
            continue
        current = {"name": org.name, "category": org.category, "election_dates": list(org.election_dates)}
        wanted = {k: item.row[k] for k in current}
        item.action = "same" if current == wanted else "update"


def _natural_index(records: list[DbStep]) -> dict[tuple, list[DbStep]]:
    index: dict[tuple, list[DbStep]] = defaultdict(list)
    for r in records:
        index[(r.step, r.date)].append(r)
    return index


def _head(record: DbStep, by_pk: dict[int, DbStep]) -> DbStep:
    while record.successor is not None:
        record = by_pk[record.successor]
    return record


def _decide_steps(plan: "_Plan", d: Decisions, db_steps: dict[str, list[DbStep]]) -> dict[str, list["Item"]]:
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
            d.step_target[id(item)] = head.pk
            targeted[head.pk] = item.source.line
            if not row["reason"]:
                row["reason"] = _("导入的记录与已登记的不同")
            if match.key and match.key == row["id"]:
                d.step_keys[row["id"]] = item  # the key moves to the new record
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


def _decide_cases(plan: "_Plan", d: Decisions, db_steps, new_by_pid) -> None:
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
        stage = case_stage_of(recs)  # type: ignore[arg-type]
        facts = CaseFacts(
            person_pid=pid,
            birth_date=datetime.date.min,
            floating=False,
            branch=OrgFacts("", "", ""),
            records=tuple(recs),
            limits=limit_values,
            as_of=plan.today,
        )
        membership = membership_from_stage(stage, facts)
        if membership is not None:
            d.members[pid] = membership
        case: Case | None = cases.get(pid)
        all_dates = [r.date for r in recs]
        first = facts.date_of("S01") or (min(all_dates) if all_dates else None)
        change = CaseChange(pid, case, case.opened_on if case else (first or plan.today), stage)
        if case is not None:
            change.closed_on, change.exit_reason, change.exit_note = (
                case.closed_on,
                case.exit_reason,
                case.exit_note,
            )
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
                d.members[pid] = ("", None, None)
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
        d.cases[pid] = change


def _decide_persons(plan: "_Plan", d: Decisions) -> None:
    roles: dict[str, list[str]] = defaultdict(list)
    pids = [i.row["pid"] for i in plan.items["person"] if i.obj is not None]
    for chunk in _chunks(pids):
        for pid, role in PersonRole.objects.filter(person__pid__in=chunk).values_list("person__pid", "role"):
            roles[pid].append(role)
    for item in plan.items["person"]:
        row = item.row
        if row["pid"] in d.members:
            row["party_status"], row["joined_on"], row["full_since"] = d.members.pop(row["pid"])
        if item.obj is None:
            item.action = "create"
        else:
            item.action = "same" if person_row(item.obj, roles[row["pid"]]) == row else "update"
    # Persons not in the file whose admission the imported steps imply.
    for pid, (status, joined, full_since) in list(d.members.items()):
        person = plan.db_persons.get(pid)
        if person is None or (person.party_status, person.joined_on, person.full_since) == (
            status,
            joined,
            full_since,
        ):
            d.members.pop(pid)


def _decide_simple(plan: "_Plan") -> None:
    """Transfers, kinship, discipline, plans, forms and archive reviews: matched by key, updated in place."""
    pids = set(plan.file_pids) | set(plan.db_persons)

    def stored(register: Register, rows) -> dict[tuple, tuple[int, tuple]]:
        keys = len(register.key)
        return {tuple(values[:keys]): (pk, tuple(values[keys:])) for pk, *values in rows}

    def settle(kind, found, values_of):
        for item in plan.items[kind]:
            match = found.get(item.key)
            if match is None:
                item.action = "create"
            else:
                item.obj = match[0]
                item.action = "same" if match[1] == values_of(item.row) else "update"

    for register in REGISTERS:
        if register.kind == "form":
            continue  # by number, with the form it replaces: below
        rows = register.model._default_manager.values_list("pk", *register.key_lookups, *register.row_lookups)
        if register.by_person:
            chunks = [rows.filter(**{f"{register.key_lookups[0]}__in": chunk}) for chunk in _chunks(pids)]
        else:
            chunks = [rows]
        settle(register.kind, stored(register, (r for chunk in chunks for r in chunk)), register.row_values)
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
    settle("form", forms, lambda r: (*form.row_values(r), r["replaces"]))
