"""Writing a checked import in bulk (bulk_create / bulk_update, COPY or staged INSERT … SELECT for the step
records), parents before children. write_prepare builds what needs no lock (the keys of the new persons,
cases and step records, the step rows staged, their trail events) before the write transaction begins;
write_all, inside the transaction of services.interchange_import, writes the rest and returns the audit
events of the records it changed."""

import datetime
import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils.translation import gettext as _

from fazhan.auditlog.services import TrailBatch
from fazhan.core.pinyin import pinyin_initials
from fazhan.interchange.bulk import Staged, ids_reserve, preparer
from fazhan.interchange.models import NoticeKey, StepKey
from fazhan.interchange.plan import Item, Plan
from fazhan.interchange.registers import REGISTERS, Register
from fazhan.notices.models import EntryResult, Notice, NoticeFeedback, NoticeState
from fazhan.notices.services import notice_conclusion, notice_entry_build
from fazhan.organizations.models import Org
from fazhan.people.identity import person_set_identity
from fazhan.people.idnumber import id_number_parse
from fazhan.people.models import Person, PersonRole
from fazhan.people.services import PERSON_FIELDS
from fazhan.prereview.models import FormReceipt, NumberedForm
from fazhan.procedure.definition import limits
from fazhan.procedure.models import Case, StepRecord
from fazhan.procedure.rules.targets import publicity_days

Event = tuple[str, models.Model | tuple[str, Any] | None, str, dict[str, Any]]
BATCH = 2000


STEP_FIELDS = ["id", "case", "step", "date", "details", "recorded_at", "recorded_by", "recorded_by_label"]
STEP_FIELDS += ["supersedes", "reason", "from_ledger", "date_inferred"]


class Prepared:
    """What an import builds before it takes the write lock: the persons it creates (keys reserved, values
    set, an org the same file creates still to be linked), the keys of its new cases, and its step records
    staged (bulk.Staged) with their trail events."""

    def __init__(self) -> None:
        self.persons: list[tuple[Item, Person]] = []
        self.late_orgs: list[tuple[Person, str, str]] = []  # (person, field, org code) the file creates
        self.case_ids: dict[str, int] = {}
        self.org_ids: dict[str, int] = {}  # the keys reserved for the orgs the file creates, by code
        self.person_rows: Staged | None = None  # the new persons' rows, staged
        self.cases: dict[str, Case] = {}  # the new cases, by pid
        self.case_rows: Staged | None = None
        self.steps: Staged | None = None
        # per new step record (its key, line, step, date, org path): its trail event, built when asked
        # (step_events), not held as a few hundred thousand events at once
        self.step_facts: list[tuple[int, int, str, datetime.date, str]] = []
        self.digests: dict[tuple[str, str], str] = {}  # the trail's digests of the staged rows
        self.trail: TrailBatch | None = None  # step_events() built for the trail (the caller sets it)

    def step_events(self) -> Iterator[Event]:
        """The new step records' trail events, one at a time (an import's hundreds of thousands)."""
        for pk, line, step, date, path in self.step_facts:
            data = {"line": line, "step": step, "date": date.isoformat()}
            yield ("interchange.step.create", ("procedure.steprecord", pk), path, data)

    def drop(self) -> None:
        for staged in (self.person_rows, self.case_rows, self.steps):
            if staged is not None:
                staged.drop()


class _Writer:
    def __init__(self, plan: Plan, progress: Callable[[str], None], prepared: Prepared | None = None):
        self.plan, self.d, self.progress = plan, plan.decisions, progress
        self.orgs: dict[str, Org] = dict(plan.db_orgs)
        self.persons: dict[str, Person] = dict(plan.db_persons)
        self.events: list[Event] = []
        self.prepared = prepared or Prepared()

    def event(self, item: Item, target: models.Model, path: str) -> None:
        data = {"line": item.source.line, "key": [str(k) for k in item.key]}
        self.events.append((f"interchange.{item.type}.{item.action}", target, path, data))

    def changed(self, kind: str, action: str) -> list[Item]:
        return [i for i in self.plan.items[kind] if i.action == action]

    # --- orgs and persons -------------------------------------------------------------------------------
    def orgs_write(self) -> None:
        created = sorted(self.changed("org", "create"), key=lambda i: i.path.count("/"))
        for item in created:
            row = item.row
            parent = self.orgs[row["parent"]] if row["parent"] else None
            org = Org.objects.create(
                pk=self.prepared.org_ids.get(row["code"]),
                code=row["code"],
                name=row["name"],
                kind=row["kind"],
                category=row["category"],
                election_dates=row["election_dates"],
                parent=parent,
                path=item.path,
                depth=item.path.count("/") - 2,
            )
            self.orgs[org.code] = org
            self.event(item, org, org.path)
        updated = []
        for item in self.changed("org", "update"):
            org = item.obj
            org.name, org.category, org.election_dates = (
                item.row["name"],
                item.row["category"],
                item.row["election_dates"],
            )
            updated.append(org)
            self.event(item, org, org.path)
        Org.objects.bulk_update(updated, ["name", "category", "election_dates"])

    def _person_apply(self, person: Person, row: dict[str, Any], late: list | None = None) -> None:
        for key in PERSON_FIELDS:
            value = row[key]
            if late is not None and value and key in ("org", "work_unit_org") and value not in self.orgs:
                late.append((person, key, value))  # an org of this file, created inside the transaction
                continue
            setattr(person, key, self._resolved(Person, key, value))
        parsed = id_number_parse(row["id_number"])
        person_set_identity(person, parsed)
        person.name_initials = pinyin_initials(person.name)

    def persons_prepare(self) -> None:
        """The new persons with their keys: building them (the ID number's keys and cipher, the name's
        initials) is the costly part, and reads nothing another writer changes. Their rows are staged
        (bulk.Staged) with their membership, an org the same file creates named by the key reserved for
        it; so are the rows of the new cases."""
        orgs = self.changed("org", "create")
        codes = [i.row["code"] for i in orgs]
        self.prepared.org_ids = dict(zip(codes, ids_reserve(Org, len(codes)), strict=True))
        items = self.changed("person", "create")
        for item, pk in zip(items, ids_reserve(Person, len(items)), strict=True):
            person = Person(pk=pk, pid=item.row["pid"])
            self._person_apply(person, item.row, self.prepared.late_orgs)
            if person.pid in self.d.members:  # a new member's membership goes in with the row
                person.party_status, person.joined_on, person.full_since = self.d.members[person.pid]
            self.prepared.persons.append((item, person))
        for person, key, code in self.prepared.late_orgs:
            setattr(person, f"{key}_id", self.prepared.org_ids[code])  # the object itself under the lock
        self.prepared.person_rows = _staged_instances(Person, [p for _, p in self.prepared.persons])
        new = {pid: change for pid, change in self.d.cases.items() if change.case is None}
        self.prepared.case_ids = dict(zip(new, ids_reserve(Case, len(new)), strict=True))
        by_pid = {person.pid: person for _, person in self.prepared.persons}
        for pid, change in new.items():
            person = by_pid.get(pid) or self.persons[pid]
            case = Case(pk=self.prepared.case_ids[pid], person=person, opened_on=change.opened_on)
            case.stage, case.closed_on = change.stage, change.closed_on
            case.exit_reason, case.exit_note = change.exit_reason, change.exit_note
            self.prepared.cases[pid] = case
        self.prepared.case_rows = _staged_instances(Case, list(self.prepared.cases.values()))
        for staged, model in ((self.prepared.person_rows, Person), (self.prepared.case_rows, Case)):
            self.prepared.digests |= staged.digests(model)

    def persons_write(self) -> None:
        created = self.prepared.persons
        for person, key, code in self.prepared.late_orgs:
            setattr(person, key, self.orgs[code])  # the org just created, under the key reserved for it
        new = {person.pid for _, person in created}
        if self.prepared.person_rows is not None:
            self.prepared.person_rows.put()
        _saved(p for _, p in created)
        for item, person in created:
            self.persons[person.pid] = person
            self.event(item, person, person.org.path)
        updated = []
        for item in self.changed("person", "update"):
            person = item.obj
            self._person_apply(person, item.row)
            updated.append(person)
            self.event(item, person, person.org.path)
        for pid, (status, joined, full_since) in self.d.members.items():
            person = self.persons[pid]
            if pid not in new:
                person.party_status, person.joined_on, person.full_since = status, joined, full_since
                updated.append(person)
            self.events.append(
                ("interchange.person.membership", person, person.org.path, {"party_status": status})
            )
        fields = [
            *PERSON_FIELDS,
            "name_initials",
            "id_number",
            "id_number_key",
            "id_number_valid",
            "id_tail_key",
            "gender",
            "birth_date",
            "birth_month",
        ]
        Person.objects.bulk_update(updated, fields, batch_size=500)
        touched = [i for i in self.plan.items["person"] if i.action != "same"]
        PersonRole.objects.filter(
            person__pid__in=[i.row["pid"] for i in touched if i.action == "update"]
        ).delete()
        PersonRole.objects.bulk_create(
            [PersonRole(person=self.persons[i.row["pid"]], role=r) for i in touched for r in i.row["roles"]],
            batch_size=BATCH,
        )
        self.progress(_("已写入人员：新增 %(c)d，修改 %(u)d") % {"c": len(created), "u": len(updated)})

    # --- cases and steps --------------------------------------------------------------------------------
    def cases_write(self) -> dict[str, Case]:
        cases: dict[str, Case] = {}
        new, updated = [], []
        for pid, change in self.d.cases.items():
            if change.case is None:
                case = self.prepared.cases[pid]
                case.person = self.persons[pid]  # the same row; an existing person as the writer holds it
                new.append(case)
            else:
                case = change.case
                case.stage, case.closed_on = change.stage, change.closed_on
                case.exit_reason, case.exit_note = change.exit_reason, change.exit_note
                if change.action == "update":
                    case.version += 1
                    updated.append(case)
            cases[pid] = case
        if self.prepared.case_rows is not None:
            self.prepared.case_rows.put()
        _saved(new)
        Case.objects.bulk_update(updated, ["stage", "closed_on", "exit_reason", "exit_note", "version"])
        for case in new + updated:
            self.events.append(("interchange.case.stage", case, case.person.org.path, {"stage": case.stage}))
        return cases

    def steps_prepare(self) -> None:
        """The step records as rows with their keys, staged (bulk.Staged) a chunk at a time, and their
        trail events. A record that supersedes another of the same file names it by its reserved key."""
        users = dict(get_user_model().objects.values_list("username", "pk"))
        date_of, details_of, moment_of = (preparer(StepRecord, f) for f in ("date", "details", "recorded_at"))
        moment_of = functools.lru_cache(maxsize=4096)(moment_of)  # a file's records share their entry times
        items = self.changed("step", "create")
        ids = ids_reserve(StepRecord, len(items))
        for item, pk in zip(items, ids, strict=True):
            item.obj = pk
        case_of = {pid: change.case.pk for pid, change in self.d.cases.items() if change.case is not None}
        case_of |= self.prepared.case_ids
        staged = self.prepared.steps = Staged(StepRecord, STEP_FIELDS)
        for start in range(0, len(items), BATCH):
            rows = []
            for item in items[start : start + BATCH]:
                row, target = item.row, self.d.step_target.get(id(item))
                label = row["recorded_by"]
                login = label[5:] if label.startswith("user:") else None
                rows.append(
                    [
                        item.obj,
                        case_of[row["pid"]],
                        row["step"],
                        date_of(row["date"]),
                        details_of(row["details"]),
                        moment_of(row["recorded_at"]),
                        users.get(login) if login else None,
                        label,
                        target if isinstance(target, int) else (target.obj if target else None),
                        row["reason"],
                        row["from_ledger"],
                        row["date_inferred"],
                    ]
                )
                self.prepared.step_facts.append(
                    (item.obj, item.source.line, row["step"], row["date"], item.path)
                )
            staged.add(rows)
            self.progress(_("已暂存步骤记录 %(n)d 条") % {"n": staged.count})
        self.prepared.digests = staged.digests(StepRecord)

    def steps_write(self) -> None:
        if self.prepared.steps is not None:
            self.prepared.steps.put()
            if self.prepared.trail is None:  # else the caller writes them, built before the lock
                self.events.extend(self.prepared.step_events())
            self.progress(_("已写入步骤记录 %(n)d 条") % {"n": self.prepared.steps.count})
        self._keys_write()

    def _keys_write(self) -> None:
        wanted = {key: (v.obj if not isinstance(v, int) else v) for key, v in self.d.step_keys.items()}
        existing = {k.key: k for k in StepKey.objects.filter(key__in=list(wanted))} if wanted else {}
        moved = []
        for key, record_id in wanted.items():
            if key in existing:
                existing[key].record_id = record_id
                moved.append(existing[key])
        StepKey.objects.bulk_update(moved, ["record"])
        StepKey.objects.bulk_create(
            [StepKey(key=k, record_id=r) for k, r in wanted.items() if k not in existing], batch_size=BATCH
        )

    # --- the registers ----------------------------------------------------------------------------------
    def registers_write(self) -> None:
        for register in REGISTERS:
            self._register_write(register)
        self._form_links_write()
        self._form_receipts_link()

    def _register_write(self, register: Register) -> None:
        model = register.model

        def build(item: Item, **pk) -> models.Model:
            values = dict(zip(register.key, item.key, strict=True))
            values |= {field: item.row[name] for field, name in register.row.items()}
            return model(**pk, **{field: self._resolved(model, field, v) for field, v in values.items()})

        created = [(i, build(i)) for i in self.changed(register.kind, "create")]
        model._default_manager.bulk_create([o for _, o in created], batch_size=BATCH)
        updated = [(i, build(i, pk=i.obj)) for i in self.changed(register.kind, "update")]
        if updated and register.row:
            model._default_manager.bulk_update([o for _, o in updated], list(register.row))
        for item, obj in created + updated:
            self.event(item, obj, item.path)

    def _resolved(self, model: type[models.Model], field: str, value: Any) -> Any:
        """A record names a person by pid and an org by code; the model holds the object (None for none)."""
        related = model._meta.get_field(field).related_model
        if related is None:
            return value
        by_name: dict[Any, dict[str, Any]] = {Person: self.persons, Org: self.orgs}
        return by_name[related][value] if value else None

    def _form_links_write(self) -> None:
        """A numbered form's `replaces` names another form, which may be in the same file: linked last."""
        with_replaces = [i for i in self.plan.items["form"] if i.action != "same"]
        numbers = {i.key[0] for i in with_replaces} | {
            i.row["replaces"] for i in with_replaces if i.row["replaces"]
        }
        pks = dict(NumberedForm.objects.filter(number__in=numbers).values_list("number", "pk"))
        links = [
            NumberedForm(
                pk=pks[i.key[0]], replaces_id=pks.get(i.row["replaces"]) if i.row["replaces"] else None
            )
            for i in with_replaces
        ]
        NumberedForm.objects.bulk_update(links, ["replaces"])

    def _form_receipts_link(self) -> None:
        """The forms of a receipt the file brings in belong to it, by their serial (FormReceipt.number)."""
        for item in self.plan.items["form_range"]:
            if item.action == "same":
                continue
            receipt = FormReceipt.objects.get(pk=item.obj) if isinstance(item.obj, int) else item.obj
            if receipt is None:
                receipt = FormReceipt.objects.get(year=item.key[0], prefix=item.key[1], first=item.key[2])
            serials = {receipt.number(n): n for n in range(receipt.first, receipt.last + 1)}
            forms = list(NumberedForm.objects.filter(number__in=list(serials), receipt__isnull=True))
            for form in forms:
                form.receipt, form.serial = receipt, serials[form.number]
            NumberedForm.objects.bulk_update(forms, ["receipt", "serial"])

    # --- notices ----------------------------------------------------------------------------------------
    def notices_write(self, cases: dict[str, Case]) -> None:
        """Notices with their candidates, and the public's reports with their outcomes (not their text,
        which interchange.md keeps in the deployment)."""
        by_key: dict[str, Notice] = {}
        for item in self.plan.items["notice"]:
            row, key = item.row, item.key[0]
            if item.action == "same":
                by_key[key] = Notice.objects.get(pk=item.obj.pk)
                continue
            notice = item.obj or Notice(org=self.orgs[row["org"]], kind=row["kind"], created_by=None)
            days, _enough = publicity_days(row["from"], row["to"], limits())
            notice.org, notice.kind = self.orgs[row["org"]], row["kind"]
            notice.starts_on, notice.ends_on = row["from"], row["to"]
            notice.working_days, notice.provisional = days.count, days.provisional
            notice.contact = row["contact"]
            notice.closed_on = row["closed_on"]
            notice.state = NoticeState.CLOSED if row["closed_on"] else NoticeState.OPEN
            notice.save()
            if item.obj is None:
                NoticeKey.objects.create(key=key, notice=notice)
            self._entries_write(item, notice, row["candidates"], cases)
            by_key[key] = notice
            self.event(item, notice, notice.org.path)
        for item in self.plan.items["notice_report"]:
            if item.action == "same":
                continue
            notice = by_key.get(item.key[0]) or notice_for_key(item.key[0])
            row = item.row
            feedback = item.obj or NoticeFeedback(
                notice=notice,
                entry=notice.entries.filter(case__person__pid=row["pid"]).first() if row["pid"] else None,
                received_on=item.key[2],
                summary=_("（由数据交换文件导入：反映内容不随文件交换）"),
            )
            feedback.channel, feedback.finding, feedback.verified_on = (
                row["channel"],
                row["finding"],
                row["concluded_on"],
            )
            feedback.save()
            self.event(item, feedback, notice.org.path)  # the report's event seals it (trail: its digest)
        for notice in by_key.values():
            if notice.state == NoticeState.CLOSED and not notice.conclusion:
                feedback = list(notice.feedback.all())
                withheld = list(notice.entries.filter(result=EntryResult.WITHHELD))
                notice.conclusion = notice_conclusion(notice, feedback, withheld)
                notice.save(update_fields=["conclusion"])

    def _entries_write(
        self, item: Item, notice: Notice, candidates: list[dict[str, Any]], cases: dict[str, Case]
    ) -> None:
        entries = {e.case.person.pid: e for e in notice.entries.select_related("case__person")}
        for c in candidates:
            entry = entries.get(c["person"])
            if entry is None:
                case = notice_case(self.persons[c["person"]], notice.starts_on) or cases.get(c["person"])
                if case is None:
                    continue
                entry = notice_entry_build(notice, case)
            entry.result = c["outcome"]
            entry.save()
            self.event(item, entry, notice.org.path)  # each entry the line wrote, sealed by its own event


def _staged_instances(model: type[models.Model], objects: list[models.Model]) -> Staged:
    """The rows of unsaved instances with their keys set, staged (bulk.Staged) as bulk_create would write
    them: each concrete field's pre_save (a default moment) and database value (a sealed field's cipher)."""
    real = connections[DEFAULT_DB_ALIAS]  # not the proxy: asked once per value
    fields = list(model._meta.local_concrete_fields)
    staged = Staged(model, [f.name for f in fields])
    for start in range(0, len(objects), BATCH):
        staged.add(
            [
                [f.get_db_prep_save(f.pre_save(o, True), real) for f in fields]
                for o in objects[start : start + BATCH]
            ]
        )
    return staged


def _saved(objects: Iterable[models.Model]) -> None:
    """Instances whose rows a Staged put in: saved, as bulk_create leaves them."""
    for obj in objects:
        obj._state.adding, obj._state.db = False, DEFAULT_DB_ALIAS


def notice_for_key(key: str) -> Notice:
    found = NoticeKey.objects.filter(key=key).select_related("notice").first()
    return found.notice if found else Notice.objects.get(pk=int(key[1:]))


def notice_case(person: Person, day) -> Case | None:
    """The case a notice of `day` named the person in: their latest case opened by then."""
    return person.cases.filter(opened_on__lte=day).order_by("-opened_on", "-pk").first()


def write_prepare(plan: Plan, *, progress: Callable[[str], None]) -> Prepared:
    """Build and stage what an import writes that needs no lock (Prepared), before write_all. The caller
    drops it (Prepared.drop) once the import is done or has failed."""
    writer = _Writer(plan, progress)
    try:
        writer.persons_prepare()
        writer.steps_prepare()
    except BaseException:
        writer.prepared.drop()
        raise
    progress(
        _("已暂存步骤记录 %(n)d 条") % {"n": writer.prepared.steps.count if writer.prepared.steps else 0}
    )
    return writer.prepared


def write_all(
    plan: Plan, *, progress: Callable[[str], None], prepared: Prepared | None = None
) -> list[Event]:
    """Write the checked import; `prepared` is write_prepare's for this plan (made here if not given)."""
    own = prepared is None
    prepared = prepared or write_prepare(plan, progress=progress)
    try:
        writer = _Writer(plan, progress, prepared)
        writer.orgs_write()
        writer.persons_write()
        cases = writer.cases_write()
        writer.steps_write()
        writer.registers_write()
        writer.notices_write(cases)
        return writer.events
    finally:
        if own:
            prepared.drop()
