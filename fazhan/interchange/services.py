"""Import of the record interchange format (interchange.md): check the whole file, then write it in bulk in
one transaction, or write nothing and list every problem.

History that breaks the procedure is imported as it happened: only the shape of the data is checked (the same
validators as live entry: details.details_errors, people.idnumber, the code lists), never a rule of
procedure.md. Each record is matched by its key (interchange.md, "Keys and repeated imports"), so importing
the same file twice changes nothing; a changed step is entered as a new record that supersedes the old one.
"""

import datetime
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhan.auditlog.checkpoints import checkpoint_on_commit
from fazhan.auditlog.models import AuditEvent
from fazhan.auditlog.services import TrailBatch, audit_record, audit_record_many
from fazhan.core.calendar import add_months
from fazhan.interchange.canon import ARCHIVE_MATERIALS, PLAN_GROUP_KEYS
from fazhan.interchange.decide import decide_all
from fazhan.interchange.diff import RECORD_LABELS, Change, shown, step_label
from fazhan.interchange.judge import FileFinding, file_findings
from fazhan.interchange.models import NoticeKey
from fazhan.interchange.plan import Item, StepRow
from fazhan.interchange.reader import ERR_CHOICE, ERR_LIST, Fields, Problem, Source, no_cyclic_gc
from fazhan.interchange.write import Prepared, write_all, write_prepare
from fazhan.notices.models import FeedbackFinding, Notice
from fazhan.organizations.models import ALLOWED_PARENT_KINDS, ORG_CODE_VALIDATOR, Org, OrgCategory, OrgKind
from fazhan.people.choices import (
    ETHNICITIES,
    FOCUS_TAGS,
    DisciplineKind,
    Education,
    KinRelation,
    MemberRole,
    Occupation,
)
from fazhan.people.identity import id_number_key
from fazhan.people.idnumber import IdNumberError, id_number_parse
from fazhan.people.models import Person
from fazhan.people.services import id_number_lookups_import, work_started_error
from fazhan.prereview.models import FormStatus
from fazhan.procedure.definition import STEPS_BY_CODE
from fazhan.procedure.details import details_clean, details_errors
from fazhan.procedure.models import ExitReason

ERR_UNKNOWN_TYPE = "未知记录类型"
ERR_NO_ORG = "找不到组织：%(code)s（文件和数据库中都没有）"
ERR_NO_PERSON = "找不到人员：%(pid)s（文件和数据库中都没有）"
ERR_DUPLICATE = "与第 %(line)d 行的键重复"
ERR_ID_TAKEN = "该身份证号已登记在另一人员名下：%(who)s"
ERR_ID_ELSEWHERE = "该身份证号已在其他党组织登记"
ERR_OUT_OF_SCOPE = "超出您的管辖范围：%(code)s"
ERR_TWICE = "重复填写：%(names)s"
CHUNK = 900
NOTICE_KINDS = ("activist", "target", "admission", "conversion")
# interchange.md's channels of a report, and what the notices app calls them.
REPORT_CHANNELS = {"call": "phone", "letter": "letter", "visit": "visit", "web": "online", "other": "other"}

TYPES: tuple[str, ...] = ("header", "org", "person", "step", "exit", "transfer", "kin", "discipline", "plan")
TYPES += ("form_range", "form", "archive_review", "notice", "notice_report")

PERSON_KEYS = (
    *("id", "name", "id_number", "gender", "birth_date", "org", "ethnicity", "education", "occupation"),
    *("tags", "phone", "household_place", "residence", "floating", "front_line", "league_member"),
    *("work_unit", "position", "native_place", "work_started_on"),
    *("work_unit_org", "planned_departure", "party_status", "joined_on", "full_since", "roles"),
)


@dataclass
class ImportReport:
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: list[Problem] = field(default_factory=list)  # what the preview says beside the changes
    changes: list[Change] = field(default_factory=list)  # every update and correction, line by line
    created: list[Change] = field(default_factory=list)  # the records it creates (the first CREATED_SHOWN)
    findings: list[FileFinding] = field(default_factory=list)  # what the file's records would raise

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changed(self) -> int:
        return sum(c.get("create", 0) + c.get("update", 0) for c in self.counts.values())

    def summary(self) -> str:
        parts = [
            f"{kind}: +{c.get('create', 0)} ~{c.get('update', 0)} ={c.get('same', 0)}"
            for kind, c in self.counts.items()
        ]
        return "; ".join(parts) if parts else _("文件中没有记录")


def _details_kept(step: str, details: dict[str, Any]) -> dict[str, Any]:
    """A step's checked details as its record keeps them (details_clean): the file's own object where it has
    no empty value, which is nearly always (a district's file holds a million of them: one copy, not two)."""
    if not step:
        return {}
    if any(v is None or v == "" or v == [] for v in details.values()):
        return details_clean(step, details)
    return details


def _chunks(values: Iterable[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


class ImportPlan:
    """Everything one import decides before it writes: checked items, their actions, and the problems."""

    def __init__(self, sources: list[Source], *, scope: list[str] | None, progress: Callable[[str], None]):
        self.sources, self.scope, self.progress = sources, scope, progress
        self.actor = None  # who checks the file (its look-ups by number are theirs): interchange_check
        self.problems: list[Problem] = []
        self.today = timezone.localdate()
        self.items: dict[str, list[Item]] = defaultdict(list)
        self.by_type: dict[str, list[Source]] = defaultdict(list)
        for source in sources:
            kind = source.type
            if kind not in TYPES:
                self.problems.append(source.problem("type", _(ERR_UNKNOWN_TYPE) + f"：{kind or '—'}"))
            else:
                self.by_type[kind].append(source)
        self.db_orgs = {o.code: o for o in Org.objects.all()}
        self.file_orgs = {str(s.data.get("code")): s for s in self.by_type["org"] if s.data.get("code")}
        self.file_pids = {str(s.data.get("id")): s for s in self.by_type["person"] if s.data.get("id")}
        self.db_persons = self._load_persons()
        self.org_paths: dict[str, str] = {}
        self.decisions: Any = None
        self.notes: list[Problem] = []
        self.changes: list[Change] = []
        self.created: list[Change] = []
        self.file_notices = {
            str(s.data.get("id")): str(s.data.get("org")) for s in self.by_type["notice"] if s.data.get("id")
        }
        self.notice_paths: dict[str, str | None] = {}
        self.report_counts: dict[tuple, int] = defaultdict(int)
        self.shared: dict[Any, Any] = {}  # equal values of the checked records held once (check_step)

    # --- references -------------------------------------------------------------------------------------
    def _load_persons(self) -> dict[str, Person]:
        wanted: set[str] = set(self.file_pids)
        for kind in ("exit", "transfer", "discipline", "archive_review"):
            wanted.update(str(s.data.get("person")) for s in self.by_type[kind])
        for s in self.by_type["kin"]:
            wanted.update((str(s.data.get("a")), str(s.data.get("b"))))
        for s in self.by_type["form"]:
            wanted.add(str(s.data.get("issued_to")))
        for s in self.by_type["notice_report"]:
            wanted.add(str(s.data.get("person")))
        for s in self.by_type["notice"]:
            candidates = s.data.get("candidates")
            if isinstance(candidates, list):
                wanted.update(str(c.get("person")) for c in candidates if isinstance(c, dict))
        for s in self.by_type["step"]:
            data = s.data  # a step's line parsed once here: only the persons it names are kept
            wanted.add(str(data.get("person")))
            details = data.get("details")
            if isinstance(details, dict):
                for value in details.values():
                    if isinstance(value, list):
                        wanted.update(v for v in value if isinstance(v, str))
            if isinstance(data.get("recorded_by"), str):
                wanted.add(data["recorded_by"])
        found: dict[str, Person] = {}
        for chunk in _chunks(wanted):
            found.update((p.pid, p) for p in Person.objects.filter(pid__in=chunk).select_related("org"))
        return found

    def org_exists(self, code: str) -> bool:
        return code in self.file_orgs or code in self.db_orgs

    def person_exists(self, pid: str) -> bool:
        return pid in self.file_pids or pid in self.db_persons

    def org_ref(self, f: Fields, key: str, *, required: bool = False) -> str:
        code = f.text(key, required=required, max_length=40)
        if code and not self.org_exists(code):
            f.fail(key, _(ERR_NO_ORG) % {"code": code})
            return ""
        return code

    def person_ref(self, f: Fields, key: str, *, required: bool = False) -> str:
        pid = f.text(key, required=required, max_length=40)
        if pid and not self.person_exists(pid):
            f.fail(key, _(ERR_NO_PERSON) % {"pid": pid})
            return ""
        return pid

    def org_path(self, code: str, seen: frozenset[str] = frozenset()) -> str:
        """The materialized path the org has or will have ("" when its chain is broken)."""
        if code in self.org_paths:
            return self.org_paths[code]
        if code in self.file_orgs and code not in seen:
            parent = self.file_orgs[code].data.get("parent")
            if parent in (None, ""):
                path = f"/{code}/"
            else:
                above = self.org_path(str(parent), seen | {code})
                path = f"{above}{code}/" if above else ""
        elif code in self.db_orgs:
            path = self.db_orgs[code].path
        else:
            path = ""
        self.org_paths[code] = path
        return path

    def person_org_path(self, pid: str) -> str:
        source = self.file_pids.get(pid)
        if source is not None and isinstance(source.data.get("org"), str):
            return self.org_path(source.data["org"])
        person = self.db_persons.get(pid)
        return person.org.path if person else ""

    def add(self, item: Item, seen: dict[tuple, int]) -> None:
        first = seen.get((item.type, *item.key))
        if first is not None:
            self.problems.append(
                item.source.problem(self.key_field(item.type), _(ERR_DUPLICATE) % {"line": first})
            )
            return
        seen[(item.type, *item.key)] = item.source.line
        self.items[item.type].append(item)

    @staticmethod
    def key_field(kind: str) -> str:
        return {
            "org": "code",
            "person": "id",
            "form": "number",
            "plan": "year",
            "kin": "relation",
            "form_range": "first",
            "notice": "id",
            "notice_report": "received_on",
        }.get(kind, "date")

    # --- naming what an import touches, for its problems and its preview ---------------------------------
    def person_name(self, pid: str) -> str:
        source = self.file_pids.get(pid)
        if source is not None and isinstance(source.data.get("name"), str):
            return source.data["name"]
        person = self.db_persons.get(pid)
        return person.name if person else ""

    def who(self, person: Person) -> str:
        """A registered person as a problem names them: by name and id where the importer may see them."""
        return f"{person.name}（{person.pid}）" if self.sees(person.org.path) else _("另一党组织的人员")

    def first_source_of(self, pid: str) -> Source | None:
        """The line that brings news of a person: their own record, else their first step or exit."""
        if pid in self.file_pids:
            return self.file_pids[pid]
        for kind in ("step", "exit", "transfer"):
            for item in self.items.get(kind, []):
                if item.row.get("pid", item.key[0]) == pid:
                    return item.source
        return None

    def record_label(self, kind: str, item: Item) -> str:
        row = item.row
        if kind == "person":
            return f"{RECORD_LABELS['person']} {row['name']}（{row['pid']}）"
        if kind == "step":
            return step_label(row["pid"], self.person_name(row["pid"]), row["step"]) + f" {row['date']}"
        if kind == "org":
            return f"{RECORD_LABELS['org']} {row['name']}（{row['code']}）"
        return f"{RECORD_LABELS.get(kind, kind)} {'/'.join(shown(k) for k in item.key)}"

    @staticmethod
    def notice_row(notice: Notice) -> dict[str, Any]:
        """A stored notice as its record's values (what an import compares)."""
        candidates = [
            {"person": pid, "outcome": result}
            for pid, result in notice.entries.order_by("case__person__pid").values_list(
                "case__person__pid", "result"
            )
        ]
        return {
            "org": notice.org.code,
            "kind": notice.kind,
            "from": notice.starts_on,
            "to": notice.ends_on,
            "contact": notice.contact,
            "closed_on": notice.closed_on,
            "candidates": candidates,
        }

    # --- checking each type -----------------------------------------------------------------------------
    def run(self) -> None:
        seen: dict[tuple, int] = {}
        for s in self.by_type["header"]:
            self.check_header(s)
        for kind in TYPES[1:]:
            checker = getattr(self, f"check_{kind}")
            for s in self.by_type[kind]:
                s.pin()  # a step's line parsed once for its check, and let go after it
                try:
                    item = checker(s)
                finally:
                    s.unpin()
                if item is not None:
                    self.add(item, seen)
            if self.by_type[kind]:
                self.progress(_("已检查 %(kind)s：%(n)d 条") % {"kind": kind, "n": len(self.by_type[kind])})
        self.check_id_numbers()
        self.decide()
        self.check_scope()

    def check_header(self, s: Source) -> None:
        f = Fields(s, self.problems, allowed=("format", "version", "exported_at", "profile"))
        if s.data.get("format") not in (None, "fazhan-record"):
            f.fail("format", _("应为 fazhan-record"))
        if s.data.get("version") not in (None, 1):
            f.fail("version", _("不支持的版本：%(v)s") % {"v": s.data.get("version")})

    def check_org(self, s: Source) -> Item | None:
        f = Fields(s, self.problems, allowed=("code", "name", "parent", "kind", "category", "election_dates"))
        code = f.text("code", required=True, max_length=40)
        if code:
            try:
                ORG_CODE_VALIDATOR(code)
            except Exception:
                f.fail("code", _("组织代码只能包含字母、数字、-和_"))
        name = f.text("name", required=True, max_length=120)
        kind = f.choice("kind", OrgKind.values, required=True)
        category = f.choice("category", OrgCategory.values)
        parent = self.org_ref(f, "parent")
        dates = s.data.get("election_dates") or []
        if not isinstance(dates, list):
            f.fail("election_dates", _("应为日期列表"))
            dates = []
        for value in dates:
            try:
                datetime.date.fromisoformat(value)
            except (TypeError, ValueError):
                f.fail("election_dates", _("应为日期列表（YYYY-MM-DD）"))
                break
        if parent and code and not self.org_path(code):
            f.fail("parent", _("上级组织形成循环"))
        if kind and not f.bad:
            parent_kind = self._org_kind(parent) if parent else None
            if parent_kind not in ALLOWED_PARENT_KINDS[kind]:
                f.fail("parent", _("该类型的组织不能设在此上级组织之下"))
        existing = self.db_orgs.get(code)
        moved = existing is not None and (
            (existing.parent.code if existing.parent else "") != parent or existing.kind != kind
        )
        if moved and not f.bad:
            f.fail("parent", _("与已登记的上级组织或类型不同：导入不移动组织"))
        if f.bad:
            return None
        row = {
            "code": code,
            "name": name,
            "parent": parent or None,
            "kind": kind,
            "category": category,
            "election_dates": list(dates),
        }
        return Item("org", s, (code,), row, obj=existing, path=self.org_path(code))

    def _org_kind(self, code: str) -> str:
        if code in self.file_orgs:
            return str(self.file_orgs[code].data.get("kind", ""))
        return self.db_orgs[code].kind

    def check_person(self, s: Source) -> Item | None:
        f = Fields(s, self.problems, allowed=PERSON_KEYS)
        pid = f.text("id", required=True, max_length=40)
        name = f.text("name", required=True, max_length=60)
        raw_number = f.text("id_number", required=True, max_length=30)
        parsed = None
        if raw_number:
            try:
                parsed = id_number_parse(raw_number)
            except IdNumberError as exc:
                f.fail("id_number", str(exc))
        gender = s.data.get("gender")
        if parsed and isinstance(gender, str) and gender:
            given = {"男": "M", "女": "F"}.get(gender, gender)
            if given != parsed.gender:
                f.fail("gender", _("性别与身份证号不符"))
        birth = f.date("birth_date")
        if gender is not None and not isinstance(gender, str):
            f.fail("gender", _("应为 M、F、男 或 女"))
        if parsed and birth and birth != parsed.birth_date:
            f.fail("birth_date", _("出生日期与身份证号不符（身份证号为%(d)s）") % {"d": parsed.birth_date})
        org = self.org_ref(f, "org", required=True)
        status = f.choice("party_status", ("full", "probationary"))
        joined_on = f.date("joined_on", required=bool(status))
        full_since = f.date("full_since")
        started = f.date("work_started_on")
        if "full_since" not in s.data and status == "full" and joined_on:
            full_since = add_months(joined_on, 12)
        row = {
            "pid": pid,
            "name": name,
            "id_number": parsed.number if parsed else "",
            "org": org,
            "ethnicity": f.choice("ethnicity", ETHNICITIES) or "汉族",
            "education": f.choice("education", Education.values),
            "occupation": f.choice("occupation", Occupation.values),
            "tags": f.choices("tags", FOCUS_TAGS),
            "phone": f.text("phone", max_length=20),
            "household_place": f.text("household_place"),
            "residence": f.text("residence"),
            "work_unit": " ".join(f.text("work_unit").split()),
            "position": " ".join(f.text("position", max_length=100).split()),
            "native_place": " ".join(f.text("native_place", max_length=100).split()),
            "work_started_on": started,
            "floating": f.boolean("floating"),
            "front_line": f.boolean("front_line"),
            "league_member": f.boolean("league_member"),
            "work_unit_org": self.org_ref(f, "work_unit_org") or None,
            "planned_departure": f.date("planned_departure"),
            "party_status": status,
            "joined_on": joined_on,
            "full_since": full_since if status else None,
            "roles": sorted(f.choices("roles", MemberRole.values)),
        }
        work_error = work_started_error(started, parsed.birth_date if parsed else None, today=self.today)
        if work_error:  # the person service's own check: the import writes persons past it
            f.fail("work_started_on", work_error)
        if f.bad:
            return None
        return Item("person", s, (pid,), row, obj=self.db_persons.get(pid), path=self.org_path(org))

    def check_id_numbers(self) -> None:
        """An ID number may belong to one person id only, in the file and in the database."""
        by_key: dict[str, Item] = {}
        for item in list(self.items["person"]):
            key = id_number_key(item.row["id_number"])
            if key in by_key:
                self.problems.append(
                    item.source.problem("id_number", _(ERR_DUPLICATE) % {"line": by_key[key].source.line})
                )
                continue
            by_key[key] = item
        collisions: list[Problem] = []
        found, elsewhere = 0, []
        for chunk in _chunks(by_key):
            holders = Person.objects.filter(id_number_key__in=chunk)
            for pid, key, name, path in holders.values_list("pid", "id_number_key", "name", "org__path"):
                item = by_key[key]
                found += 1
                if not self.sees(path):
                    elsewhere.append(pid)
                if pid != item.row["pid"]:
                    collisions.append(item.source.problem("id_number", self.collision(pid, name, path)))
        try:
            # the look-up by number an import makes, audited and throttled as a page's (people.services)
            id_number_lookups_import(actor=self.actor, numbers=len(by_key), found=found, elsewhere=elsewhere)
        except ValidationError as refused:
            first = next(iter(by_key.values()))
            self.problems.append(first.source.problem("id_number", refused.message_dict["id_number"][0]))
            return
        self.problems.extend(collisions)

    def sees(self, path: str) -> bool:
        """Whether the importer may be told who holds a record at `path` (the command line sees all)."""
        return self.scope is None or any(path.startswith(s) for s in self.scope)

    def collision(self, pid: str, name: str, path: str) -> str:
        """The person an ID number is registered to, named only to an importer whose subtree holds them."""
        if self.sees(path):
            return _(ERR_ID_TAKEN) % {"who": f"{name}（{pid}）"}
        return _(ERR_ID_ELSEWHERE)

    def check_step(self, s: Source) -> Item | None:
        f = Fields(
            s,
            self.problems,
            allowed=(
                "id",
                "person",
                "step",
                "date",
                "supersedes",
                "reason",
                "recorded_at",
                "recorded_by",
                "details",
                "from_ledger",
                "date_inferred",
            ),
        )
        step_id = f.text("id", max_length=80)
        pid = self.person_ref(f, "person", required=True)
        step = f.choice("step", STEPS_BY_CODE, required=True)
        date = f.date("date", required=True, today=self.today)
        details = s.data.get("details") or {}
        if not isinstance(details, dict):
            f.fail("details", _("应为对象"))
            details = {}
        if step:
            for key, reason in details_errors(step, details).items():
                if not (s.ledger and reason == _("必填")):
                    f.fail(f"details.{key}", reason)
            self._check_detail_refs(f, step, details)
        recorded_by = f.text("recorded_by", max_length=80)
        if recorded_by and not recorded_by.startswith("user:") and not self.person_exists(recorded_by):
            f.fail("recorded_by", _(ERR_NO_PERSON) % {"pid": recorded_by})
        shared = self.shared  # a file names the same few persons, steps and moments again and again
        row = StepRow(
            id=step_id,
            pid=shared.setdefault(pid, pid),
            step=shared.setdefault(step, step),
            date=shared.setdefault(date, date),
            details=_details_kept(step, details),
            supersedes=f.text("supersedes", max_length=80),
            reason=f.text("reason"),
            recorded_at=self._moment(f),
            recorded_by=shared.setdefault(recorded_by, recorded_by),
            from_ledger=f.boolean("from_ledger"),
            date_inferred=f.boolean("date_inferred"),
        )
        if f.bad:
            return None
        step_key: tuple = ("id", step_id) if step_id else ("line", s.line)
        if s.ledger:
            step_key = ("ledger", pid, step)
        return Item("step", s, step_key, row, path=self.person_org_path(pid))

    def _moment(self, f: Fields) -> datetime.datetime | None:
        """The step's entry time, one object for each time the file writes alike (its own zone kept)."""
        text = f.data.get("recorded_at")
        if not isinstance(text, str):
            return f.timestamp("recorded_at")
        key = ("recorded_at", text)
        found = self.shared.get(key)
        if found is None:
            found = f.timestamp("recorded_at")  # a wrong one is told on every line that writes it
            if found is not None:
                self.shared[key] = found
        return found  # type: ignore[no-any-return]

    def _check_detail_refs(self, f: Fields, step: str, details: dict[str, Any]) -> None:
        for key, spec in STEPS_BY_CODE[step].details.items():
            value = details.get(key)
            if spec.kind in ("pids", "orgs") and isinstance(value, list):
                values = [v for v in value if isinstance(v, str)]
            elif spec.kind == "org" and isinstance(value, str) and value:
                values = [value]
            else:
                continue
            twice = sorted({v for v in values if values.count(v) > 1})
            if twice:
                f.fail(f"details.{key}", _(ERR_TWICE) % {"names": "、".join(twice)})
            exists = self.person_exists if spec.kind == "pids" else self.org_exists
            missing = [v for v in values if not exists(v)]
            if missing:
                message = ERR_NO_PERSON if spec.kind == "pids" else ERR_NO_ORG
                arg = {"pid": "、".join(missing), "code": "、".join(missing)}
                f.fail(f"details.{key}", _(message) % arg)

    def check_exit(self, s: Source) -> Item | None:
        f = Fields(s, self.problems, allowed=("person", "date", "reason", "note"))
        pid = self.person_ref(f, "person", required=True)
        date = f.date("date", required=True, today=self.today)
        reason = f.choice("reason", ExitReason.values, required=True)
        note = f.text("note")
        if f.bad:
            return None
        return Item("exit", s, (pid,), {"pid": pid, "date": date, "reason": reason, "note": note})

    def check_transfer(self, s: Source) -> Item | None:
        f = Fields(s, self.problems, allowed=("person", "date", "from", "to", "materials_transferred"))
        pid = self.person_ref(f, "person", required=True)
        date = f.date("date", required=True, today=self.today)
        row = {
            "from": self.org_ref(f, "from", required=True),
            "to": self.org_ref(f, "to", required=True),
            "materials_transferred": f.boolean("materials_transferred", True),
        }
        if f.bad:
            return None
        return Item("transfer", s, (pid, date), row, path=self.person_org_path(pid))

    def check_kin(self, s: Source) -> Item | None:
        f = Fields(s, self.problems, allowed=("a", "b", "relation"))
        a = self.person_ref(f, "a", required=True)
        b = self.person_ref(f, "b", required=True)
        relation = f.choice("relation", KinRelation.values, required=True)
        if a and a == b:
            f.fail("b", _("不能与本人登记亲属关系"))
        if f.bad:
            return None
        return Item("kin", s, (a, b, relation), {}, path=self.person_org_path(a))

    def check_discipline(self, s: Source) -> Item | None:
        allowed = ("person", "from", "to", "kind", "rights_restored_on", "note")
        f = Fields(s, self.problems, allowed=allowed)
        pid = self.person_ref(f, "person", required=True)
        date_from = f.date("from", required=True)
        kind = f.choice("kind", DisciplineKind.values, required=True)
        date_to = f.date("to")
        row = {"to": date_to, "rights_restored_on": f.date("rights_restored_on"), "note": f.text("note")}
        if date_from and date_to and date_to < date_from:
            f.fail("to", _("结束日期不能早于开始日期"))
        if f.bad:
            return None
        return Item("discipline", s, (pid, date_from, kind), row, path=self.person_org_path(pid))

    def check_plan(self, s: Source) -> Item | None:
        f = Fields(s, self.problems, allowed=("org", "year", "quota", "groups"))
        org = self.org_ref(f, "org", required=True)
        year = f.integer("year", required=True)
        if year is not None and not 1921 <= year <= 2200:
            f.fail("year", _("年度不合理"))
        quota = f.integer("quota", required=True)
        groups = s.data.get("groups") or {}
        if not isinstance(groups, dict):
            f.fail("groups", _("应为对象"))
            groups = {}
        for key, value in groups.items():
            if key not in PLAN_GROUP_KEYS:
                f.fail(f"groups.{key}", _(ERR_CHOICE) % {"value": key})
            elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
                f.fail(f"groups.{key}", _("应为不小于0的整数"))
        if f.bad:
            return None
        return Item("plan", s, (org, year), {"quota": quota, "groups": groups}, path=self.org_path(org))

    def check_form(self, s: Source) -> Item | None:
        allowed = ("number", "issued_to", "issued_on", "issued_by", "status", "void_reason", "replaces")
        f = Fields(s, self.problems, allowed=allowed)
        number = f.text("number", required=True, max_length=40)
        row: dict[str, Any] = {
            "issued_to": self.person_ref(f, "issued_to") or None,
            "issued_on": f.date("issued_on"),
            "issued_by": self.org_ref(f, "issued_by") or None,
            "status": f.choice("status", FormStatus.values) or FormStatus.IN_STOCK,
            "void_reason": f.text("void_reason"),
            "replaces": f.text("replaces", max_length=40) or None,
        }
        if row["status"] != FormStatus.IN_STOCK and not (row["issued_to"] and row["issued_on"]):
            f.fail("issued_to", _("已发放的志愿书须有领用人和发放日期"))
        if f.bad:
            return None
        holder = row["issued_to"]
        path = self.person_org_path(holder) if holder else self.org_path(row["issued_by"] or "")
        return Item("form", s, (number,), row, path=path)

    def check_archive_review(self, s: Source) -> Item | None:
        f = Fields(s, self.problems, allowed=("person", "date", "reviewer", "missing", "location"))
        pid = self.person_ref(f, "person", required=True)
        date = f.date("date", required=True, today=self.today)
        row = {
            "reviewer": self.org_ref(f, "reviewer", required=True),
            "missing": f.choices("missing", ARCHIVE_MATERIALS),
            "location": f.text("location"),
        }
        if f.bad:
            return None
        return Item("archive_review", s, (pid, date), row, path=self.person_org_path(pid))

    def check_form_range(self, s: Source) -> Item | None:
        allowed = ("year", "prefix", "first", "last", "received_on", "by", "width")
        f = Fields(s, self.problems, allowed=allowed)
        year = f.integer("year", required=True)
        prefix = f.text("prefix", required=True, max_length=30)
        first = f.integer("first", required=True)
        last = f.integer("last", required=True)
        width = f.integer("width")
        if width is None and not f.present("width"):
            width = 4
        if first is not None and last is not None and last < first:
            f.fail("last", _("终止号须不小于起始号"))
        if width is not None and not 1 <= width <= 8:
            f.fail("width", _("序号位数须在 1 至 8 之间"))
        row = {
            "last": last,
            "received_on": f.date("received_on", required=True, today=self.today),
            "by": self.org_ref(f, "by", required=True),
            "width": width,
        }
        if f.bad:
            return None
        return Item("form_range", s, (year, prefix, first), row, path=self.org_path(str(row["by"])))

    def check_notice(self, s: Source) -> Item | None:
        allowed = ("id", "org", "kind", "from", "to", "posted_at", "contact", "candidates", "closed_on")
        f = Fields(s, self.problems, allowed=allowed)
        key = f.text("id", required=True, max_length=80)
        org = self.org_ref(f, "org", required=True)
        kind = f.choice("kind", NOTICE_KINDS, required=True)
        if kind == "activist":
            f.fail("kind", _("本系统尚无入党积极分子公示"))
        start = f.date("from", required=True)
        end = f.date("to", required=True)
        if start and end and end < start:
            f.fail("to", _("结束日期不能早于开始日期"))
        candidates = []
        listed = s.data.get("candidates") or []
        if not isinstance(listed, list):
            f.fail("candidates", _(ERR_LIST))
            listed = []
        for n, c in enumerate(listed, start=1):
            if not isinstance(c, dict) or set(c) - {"person", "outcome"}:
                f.fail("candidates", _("第 %(n)d 项应为 {person, outcome}") % {"n": n})
                continue
            pid = c.get("person")
            if not isinstance(pid, str) or not self.person_exists(pid):
                f.fail("candidates", _(ERR_NO_PERSON) % {"pid": pid})
                continue
            outcome = c.get("outcome") or ""
            if outcome not in ("", "passed", "withheld"):
                f.fail("candidates", _(ERR_CHOICE) % {"value": outcome})
                continue
            candidates.append({"person": pid, "outcome": outcome})
        if f.present("posted_at"):
            self.notes.append(s.problem("posted_at", _("本系统尚不保存张贴地点，未导入")))
        row = {
            "org": org,
            "kind": kind,
            "from": start,
            "to": end,
            "contact": f.text("contact"),
            "closed_on": f.date("closed_on", today=self.today),
            "candidates": sorted(candidates, key=lambda c: c["person"]),
        }
        if f.bad:
            return None
        return Item("notice", s, (key,), row, path=self.org_path(org))

    def check_notice_report(self, s: Source) -> Item | None:
        allowed = ("notice", "person", "received_on", "channel", "finding", "concluded_on")
        f = Fields(s, self.problems, allowed=allowed)
        notice = f.text("notice", required=True, max_length=80)
        notice_path = self.notice_path(notice) if notice else ""
        if notice and notice_path is None:
            f.fail("notice", _("找不到公示：%(id)s") % {"id": notice})
        pid = self.person_ref(f, "person")
        received_on = f.date("received_on", required=True, today=self.today)
        channel = f.choice("channel", REPORT_CHANNELS, required=True)
        row = {
            "pid": pid,
            "channel": REPORT_CHANNELS.get(channel, ""),
            "finding": f.choice("finding", FeedbackFinding.values),
            "concluded_on": f.date("concluded_on", today=self.today),
        }
        if f.bad:
            return None
        key = (notice, pid, received_on)
        self.report_counts[key] += 1
        return Item("notice_report", s, (*key, self.report_counts[key]), row, path=notice_path or "")

    def notice_path(self, key: str) -> str | None:
        """The org path of the notice a report names: in the file, else stored (by its key, or an export's
        N<pk>); None when there is no such notice."""
        if key in self.file_notices:
            return self.org_path(self.file_notices[key])
        if key not in self.notice_paths:
            stored = NoticeKey.objects.filter(key=key).values_list("notice__org__path", flat=True).first()
            bare = key[1:] if key[:1] == "N" else ""
            if stored is None and bare.isdigit():
                found = Notice.objects.filter(pk=int(bare), interchange_key__isnull=True)
                stored = found.values_list("org__path", flat=True).first()
            self.notice_paths[key] = stored
        return self.notice_paths[key]

    # --- deciding what changes --------------------------------------------------------------------------
    def decide(self) -> None:
        decide_all(self)

    def check_scope(self) -> None:
        """From the web, every record the import would change must lie in the user's subtrees; a person
        moved in from outside them counts as outside."""
        if self.scope is None:
            return
        scope = self.scope
        for kind, items in self.items.items():
            for item in items:
                if item.action == "same":
                    continue
                paths = [item.path]
                if kind == "person" and item.obj is not None:
                    paths.append(item.obj.org.path)
                outside = next((p for p in paths if not p or not any(p.startswith(s) for s in scope)), None)
                if outside is None:
                    continue
                code = outside.strip("/").rsplit("/", 1)[-1] if outside else "—"
                field_name = {"org": "code", "person": "org", "plan": "org", "kin": "a"}.get(kind, "person")
                if kind == "person" and item.obj is not None and outside != item.path:
                    # registered outside the importer's subtrees (a ledger finds them by the ID number):
                    # where is theirs to know who may see the person, as the uniqueness check says it
                    self.problems.append(item.source.problem("id_number", _(ERR_ID_ELSEWHERE)))
                    continue
                self.problems.append(item.source.problem(field_name, _(ERR_OUT_OF_SCOPE) % {"code": code}))

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for kind in TYPES:
            for item in self.items.get(kind, []):
                out.setdefault(kind, {"create": 0, "update": 0, "same": 0})[item.action] += 1
        return out


def interchange_check(
    sources: list[Source],
    problems: list[Problem] | None = None,
    *,
    notes: list[Problem] | None = None,
    scope: list[str] | None = None,
    judge: bool = False,
    progress: Callable[[str], None] = lambda message: None,
    actor=None,
) -> tuple[ImportReport, "ImportPlan"]:
    """Check a file and decide what importing it would change, writing nothing (the web preview and
    `fazhan import --dry-run`): every problem, every update and correction field by field, the records it
    creates, and with `judge` the findings its records would raise where they land."""
    plan = ImportPlan(sources, scope=scope, progress=progress)
    plan.actor = actor
    plan.problems.extend(problems or [])
    plan.notes.extend(notes or [])
    plan.run()
    report = ImportReport(
        sorted(plan.problems, key=lambda p: (p.where, p.field)),
        plan.counts(),
        notes=sorted(plan.notes, key=lambda p: (p.where, p.field)),
        changes=sorted(plan.changes, key=lambda c: c.where),
        created=sorted(plan.created, key=lambda c: c.where),
    )
    if judge and report.ok:
        progress(_("正在按规则检查导入后的记录"))
        report.findings = file_findings(plan, as_of=plan.today)
    return report, plan


def _sqlite_roomy_cache() -> None:
    """SQLite's default page cache (2 MB) makes a write of a few hundred thousand rows into random-keyed
    indexes (the audit trail's hashes) spill to the WAL again and again; an import may use more memory."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")  # KiB: 256 MB at most, taken only as needed


# What an event of these kinds records changes nothing an import's check reads (logins, reads, jobs, exports).
HARMLESS_ACTIONS: tuple[str, ...] = (
    "login.",
    "logout",
    "otp.",
    "password.",
    "apitoken.",
    "job.",
    "inspection.",
    "notice.read",
)
HARMLESS_ACTIONS += ("interchange.export", "person.personal_data_viewed")
# Events whose target names one person's case: they touch only that person's records.
CASE_ACTIONS = frozenset({"step.record", "step.correct", "case.open", "case.exit"})


logger = logging.getLogger("fazhan.interchange")


class LockTimer:
    """How long the import held its write transaction (on SQLite the whole file's write lock, which a clerk's
    step entry waits on for at most the busy timeout): from BEGIN to COMMIT or ROLLBACK, said in the
    progress and logged (issue 13 item 6). `seconds` holds it afterwards."""

    def __init__(self, progress: Callable[[str], None]):
        self.progress, self.seconds, self.cpu = progress, 0.0, 0.0
        self.began = self.cpu_began = 0.0

    def __enter__(self) -> "LockTimer":
        self.began, self.cpu_began = time.monotonic(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        # the CPU this process used meanwhile says more than the wall clock on a machine others load
        self.seconds, self.cpu = time.monotonic() - self.began, time.process_time() - self.cpu_began
        logger.info("import held the write transaction for %.2f s (%.2f s of CPU)", self.seconds, self.cpu)
        self.progress(
            _("写入事务（写锁）持有 %(s).1f 秒（其中本进程 CPU %(c).1f 秒）")
            % {"s": self.seconds, "c": self.cpu}
        )


def _trail_head() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _written_since(head: int, plan: "ImportPlan") -> bool:
    """Whether anything committed since the check began could change what it decided. Every change is in the
    trail; a step entry or case event touches one person, and matters only when the file names that person
    (or brings a person of the same key). Anything else that writes is taken to matter."""
    cases: set[int] = set()
    records: set[int] = set()
    since = AuditEvent.objects.filter(id__gt=head).values_list("action", "target_type", "target_id")
    for action, target_type, target_id in since.iterator():
        if action.startswith(HARMLESS_ACTIONS):
            continue
        if action not in CASE_ACTIONS or not str(target_id).isdigit():
            return True
        if target_type == "procedure.steprecord":
            records.add(int(target_id))
        elif target_type == "procedure.case":
            cases.add(int(target_id))
        else:
            return True
    if not cases and not records:
        return False
    touched = Person.objects.filter(Q(cases__pk__in=cases) | Q(cases__steps__pk__in=records))
    named = set(plan.file_pids) | set(plan.db_persons)
    return any(pid in named for pid in touched.values_list("pid", flat=True).distinct())


@no_cyclic_gc()
def interchange_import(
    *,
    actor,
    sources: list[Source],
    problems: list[Problem] | None = None,
    notes: list[Problem] | None = None,
    scope: list[str] | None = None,
    filename: str = "",
    progress: Callable[[str], None] = lambda message: None,
    then: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Import a whole file or nothing: every problem is listed, and with any problem nothing is written.

    The file is checked before the write transaction begins, so on SQLite (where a transaction takes the one
    write lock at BEGIN) a clerk's step entry does not wait while a large file is checked; the bulk of what
    it writes (the new persons built, the step records with their reserved keys and trail digests) is then
    prepared and staged without the lock too (write.write_prepare, bulk.Staged), and the lock is held only
    while the staged rows are swapped in with the rest. If something the check read was changed meanwhile (the
    trail says what was written since), the file is checked again under the lock before anything is
    written. `then(report)` runs inside the write transaction once the records are written (the web job
    marks its upload imported there)."""
    head = _trail_head()
    report, plan = interchange_check(
        sources, problems, notes=notes, scope=scope, progress=progress, actor=actor
    )
    if not report.ok:
        return report
    first = write_prepare(plan, progress=progress)
    prepared: Prepared | None = first
    lock_timer = LockTimer(progress)
    try:
        # the step records' trail events, built before the lock (chained and inserted under it)
        first.trail = TrailBatch(actor=actor, events=first.step_events(), digests=first.digests)
        first.step_facts = []
        first.digests = {}  # the step records' (all it holds): the batch has them now
        progress(_("已准备审计记录 %(n)d 条") % {"n": len(first.trail)})
        with lock_timer, transaction.atomic():  # SQLite: BEGIN IMMEDIATE, the write lock until the commit
            progress(_("文件检查通过，正在写入"))
            if _written_since(head, plan):
                progress(_("检查期间有其他记录写入，正在重新检查"))
                if prepared is not None:
                    prepared.drop()  # built for the plan checked before: write_all builds it again
                prepared = None
                report, plan = interchange_check(
                    sources, problems, notes=notes, scope=scope, progress=progress, actor=actor
                )
                if not report.ok:
                    return report
            _sqlite_roomy_cache()
            events = write_all(plan, progress=progress, prepared=prepared)
            audit_record(
                actor=actor,
                action="interchange.import",
                data={"file": filename, "counts": report.counts, "changed": report.changed},
            )
            audit_record_many(actor=actor, events=events, digests=prepared.digests if prepared else None)
            if prepared is not None and prepared.trail is not None:
                prepared.trail.write()
            if then is not None:
                then(report)
            checkpoint_on_commit("import")  # the trail's head signed once the import has committed
    finally:
        if prepared is not None:
            prepared.drop()
    progress(_("导入完成"))
    return report
