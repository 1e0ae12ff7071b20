"""Export of the record interchange format: a subtree's complete record, with the outside persons and orgs it
refers to, in an order fixed by the data so that two exports of the same records are identical."""

import datetime
import heapq
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import orjson
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast, Collate
from django.utils import timezone

from fazhan.accounts.models import Role
from fazhan.accounts.selectors import user_assignments
from fazhan.archive.models import ArchiveReview
from fazhan.interchange.canon import compact, iso, person_export_record, recorded_by_label, step_id_natural
from fazhan.interchange.files import Parsed, file_sources
from fazhan.interchange.models import ImportUpload, StepKey
from fazhan.notices.models import Notice, NoticeFeedback
from fazhan.organizations.models import Org
from fazhan.people.models import DisciplineRecord, Kinship, Person, PersonRole, Transfer
from fazhan.plans.models import Plan
from fazhan.prereview.models import FormReceipt, NumberedForm
from fazhan.procedure.definition import STEPS_BY_CODE
from fazhan.procedure.models import Case, StepRecord

PROFILE = "shizhongqu-2018"
# Township organizers and the district above them move records in (issue 4).
IMPORT_ROLES = frozenset({Role.TOWNSHIP_ORGANIZER, Role.DISTRICT_REVIEWER})


def user_import_paths(user) -> list[str]:
    """The subtrees the user may import into (empty: the user may not import)."""
    paths = sorted({a.org.path for a in user_assignments(user) if a.role in IMPORT_ROLES})
    return [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]


def upload_sources(upload: ImportUpload) -> Parsed:
    """The records of a stored upload, read as its name says (the ledger workbook or JSON Lines)."""
    return file_sources(upload.filename, bytes(upload.content), scope=user_import_paths(upload.user))


class _Export:
    def __init__(self, root: Org | None, mask: Callable[[Person], bool] | None):
        self.root, self.mask = root, mask
        self.org_codes: set[str] = set()
        self.extra_pids: set[str] = set()
        scope = Q(path__startswith=root.path) if root else Q()
        self.subtree = list(Org.objects.filter(scope).order_by("path"))
        self.org_codes = {o.code for o in self.subtree}
        path_q = Q(org__path__startswith=root.path) if root else Q()
        self.persons = list(
            Person.objects.filter(path_q).select_related("org", "work_unit_org").order_by("org__path", "pid")
        )
        self.pids = {p.pid for p in self.persons}

    def in_subtree(self, person: str) -> Q:
        """The rows whose `person` (a relation to Person) is a person of the subtree: a condition on the
        path, not a list of the subtree's person ids (which grows with it and, at a province's size, passes
        SQLite's limit of parameters)."""
        if self.root is None:
            return Q(**{f"{person}__isnull": False})
        return Q(**{f"{person}__org__path__startswith": self.root.path})

    def org_records(self) -> list[dict[str, Any]]:
        """The orgs the records name and the orgs above them (without a root: every org, which is what the
        names come to)."""
        orgs = Org.objects.select_related("parent").order_by("path")
        if self.root is not None:
            wanted: set[str] = set()
            for org in Org.objects.filter(code__in=self.org_codes).only("path"):
                wanted.update(c for c in org.path.strip("/").split("/") if c)
            orgs = orgs.filter(code__in=wanted)
        return [
            compact(
                {
                    "type": "org",
                    "code": o.code,
                    "name": o.name,
                    "parent": o.parent.code if o.parent else None,
                    "kind": o.kind,
                    "category": o.category,
                    "election_dates": list(o.election_dates),
                },
                keep=("parent",),
            )
            for o in orgs
        ]

    def person_record(self, p: Person, roles: list[str]) -> dict[str, Any]:
        return person_export_record(p, roles, masked=self.mask is not None and self.mask(p))

    def step_records(self) -> list[dict[str, Any]]:
        users = self.users()
        # The person's pid alone, not the person (whose ID number each row would decrypt).
        scope = Q(case__person__org__path__startswith=self.root.path) if self.root else Q()
        records = list(
            StepRecord.objects.filter(scope)
            .annotate(pid=F("case__person__pid"))
            .order_by("case__person__org__path", "case__person__pid", "date", "pk")
        )
        keys = dict(StepKey.objects.filter(record__case__in=self.case_ids()).values_list("record_id", "key"))
        chained = {r.supersedes_id for r in records if r.supersedes_id} | {
            r.pk for r in records if r.supersedes_id
        }
        nth: dict[tuple, int] = defaultdict(int)
        ids: dict[int, str] = {}
        for r in sorted(records, key=lambda r: r.pk):
            nth[(r.pid, r.step, r.date)] += 1
            if r.pk in keys:
                ids[r.pk] = keys[r.pk]
            elif r.pk in chained:
                ids[r.pk] = step_id_natural(r.pid, r.step, r.date, nth[(r.pid, r.step, r.date)])
        out = []
        for r in records:
            by = recorded_by_label(r.recorded_by_label, r.recorded_by_id, users)
            if by and not by.startswith("user:"):
                self.extra_pids.add(by)
            self._note_refs(r.step, r.details)
            out.append(step_export_record(r, by, ids))
        return out

    def users(self) -> dict[int, tuple[str, str]]:
        return {
            pk: (login, pid or "")
            for pk, login, pid in get_user_model().objects.values_list("pk", "username", "person__pid")
        }

    def case_ids(self):
        scope = Q(person__org__path__startswith=self.root.path) if self.root else Q()
        return Case.objects.filter(scope).values("pk")

    def _note_refs(self, step: str, details: dict[str, Any]) -> None:
        for key, spec in STEPS_BY_CODE[step].details.items():
            value = details.get(key)
            if spec.kind == "pids" and isinstance(value, list):
                self.extra_pids.update(value)
            elif spec.kind == "orgs" and isinstance(value, list):
                self.org_codes.update(value)
            elif spec.kind == "org" and isinstance(value, str) and value:
                self.org_codes.add(value)

    def register_records(self) -> list[dict[str, Any]]:
        return list(self.registers())

    def registers(self) -> Iterator[dict[str, Any]]:
        """The registers (exits, transfers, kinship, discipline, plans, form ranges, forms, archive
        reviews), each kind in the order of its person (or org) and date, read in chunks in that order: the
        database sorts them as Python compares the ids (the C collation), so nothing is held to be sorted."""
        chunk = STREAM_CHUNK
        exits = Case.objects.filter(self.in_subtree("person"), closed_on__isnull=False)
        for pid, closed, reason, note in (
            exits.order_by(_ordered("person__pid"), "closed_on", "-opened_on", "pk")
            .values_list("person__pid", "closed_on", "exit_reason", "exit_note")
            .iterator(chunk_size=chunk)
        ):
            yield compact(
                {"type": "exit", "person": pid, "date": iso(closed), "reason": reason, "note": note}
            )
        transfers = Transfer.objects.filter(self.in_subtree("person")).order_by(
            _ordered("person__pid"), "date", "pk"
        )
        for pid, day, from_code, to_code, moved in transfers.values_list(
            "person__pid", "date", "from_org__code", "to_org__code", "materials_transferred"
        ).iterator(chunk_size=chunk):
            self.org_codes.update((from_code, to_code))
            yield {
                "type": "transfer",
                "person": pid,
                "date": day.isoformat(),
                "from": from_code,
                "to": to_code,
                "materials_transferred": moved,
            }
        kin = Kinship.objects.filter(self.in_subtree("a")).order_by(
            _ordered("a__pid"), _ordered("b__pid"), "pk"
        )
        for a, b, relation in kin.values_list("a__pid", "b__pid", "relation").iterator(chunk_size=chunk):
            self.extra_pids.add(b)
            yield {"type": "kin", "a": a, "b": b, "relation": relation}
        discipline = DisciplineRecord.objects.filter(self.in_subtree("person")).order_by(
            _ordered("person__pid"), "date_from", "pk"
        )
        for pid, day_from, day_to, kind, restored, note in discipline.values_list(
            "person__pid", "date_from", "date_to", "kind", "rights_restored_on", "note"
        ).iterator(chunk_size=chunk):
            record = {
                "type": "discipline",
                "person": pid,
                "from": day_from.isoformat(),
                "to": iso(day_to),
                "kind": kind,
                "rights_restored_on": iso(restored),
                "note": note,
            }
            yield compact(record, keep=("to",))
        plans = Plan.objects.filter(self.in_subtree_org("org")).order_by(_ordered("org__code"), "year", "pk")
        for code, year, quota, groups in plans.values_list("org__code", "year", "quota", "groups").iterator(
            chunk_size=chunk
        ):
            yield {"type": "plan", "org": code, "year": year, "quota": quota, "groups": groups}
        yield from self._receipts()
        yield from self._forms()
        reviews = ArchiveReview.objects.filter(self.in_subtree("person")).order_by(
            _ordered("person__pid"), "date", "pk"
        )
        for pid, day, reviewer, missing, location in reviews.values_list(
            "person__pid", "date", "reviewer__code", "missing", "location"
        ).iterator(chunk_size=chunk):
            self.org_codes.add(reviewer)
            review: dict[str, Any] = {
                "type": "archive_review",
                "person": pid,
                "date": day.isoformat(),
                "reviewer": reviewer,
                "missing": list(missing),
                "location": location,
            }
            yield compact(review, keep=("missing",))

    def in_subtree_org(self, org: str) -> Q:
        """The rows whose `org` (a relation to Org) is an org of the subtree."""
        return Q(**{f"{org}__path__startswith": self.root.path}) if self.root is not None else Q()

    def _receipts(self) -> Iterator[dict[str, Any]]:
        receipts = FormReceipt.objects.filter(self.in_subtree_org("org")).order_by("pk")
        for year, prefix, first, last, received, code, width in receipts.values_list(
            "year", "prefix", "first", "last", "received_on", "org__code", "width"
        ).iterator(chunk_size=STREAM_CHUNK):
            record = {
                "type": "form_range",
                "year": year,
                "prefix": prefix,
                "first": first,
                "last": last,
                "received_on": received.isoformat(),
                "by": code,
            }
            if width != DEFAULT_WIDTH:
                record["width"] = width
            yield record

    def notice_records(self) -> list[dict[str, Any]]:
        """The subtree's notices with their candidates' outcomes, and the outcome of each report (never what
        the public said: interchange.md keeps that in the deployment)."""
        notices = list(
            Notice.objects.filter(org__in=self.subtree)
            .select_related("org", "interchange_key")
            .prefetch_related("entries__case__person")
            .order_by("pk")
        )
        ids = {n.pk: notice_id(n) for n in notices}
        out: list[dict[str, Any]] = []
        for n in notices:
            candidates = sorted(
                ({"person": e.case.person.pid, "outcome": e.result} for e in n.entries.all()),
                key=lambda c: c["person"],
            )
            self.extra_pids.update(c["person"] for c in candidates)
            record = {
                "type": "notice",
                "id": ids[n.pk],
                "org": n.org.code,
                "kind": n.kind,
                "from": n.starts_on.isoformat(),
                "to": n.ends_on.isoformat(),
                "contact": n.contact,
                "candidates": [compact(c) for c in candidates],
                "closed_on": iso(n.closed_on),
            }
            out.append(compact(record, keep=("candidates",)))
        feedback = NoticeFeedback.objects.filter(notice__in=notices).select_related("entry__case__person")
        for f in feedback.order_by("notice_id", "received_on", "pk"):
            record = {
                "type": "notice_report",
                "notice": ids[f.notice_id],
                "person": f.entry.case.person.pid if f.entry else None,
                "received_on": f.received_on.isoformat(),
                "channel": CHANNEL_RECORDS.get(f.channel, f.channel),
                "finding": f.finding,
                "concluded_on": iso(f.verified_on),
            }
            out.append(compact(record))
        return out

    def _forms(self) -> Iterator[dict[str, Any]]:
        """The forms issued to the subtree's persons, by its orgs or from its receipts, and the forms they
        replace (those outside the three, which are few, read at once), in the order of their numbers."""
        named = self.in_subtree("person") | Q(issued_by__in=self.subtree) | Q(receipt__org__in=self.subtree)
        fields = ("number", "person__pid", "issued_on", "issued_by__code", "status", "void_reason")
        replaced = {
            pk
            for (pk,) in NumberedForm.objects.filter(named, replaces__isnull=False)
            .exclude(replaces__in=NumberedForm.objects.filter(named))
            .values_list("replaces_id")
            .iterator(chunk_size=STREAM_CHUNK)
        }
        extra: dict[int, tuple] = {}
        while replaced:
            rows = NumberedForm.objects.filter(pk__in=replaced).values_list("pk", "replaces_id", *fields)
            replaced = set()
            for pk, replaces, *row in rows:
                extra[pk] = (replaces, *row)
                if replaces and replaces not in extra:
                    replaced.add(replaces)
            if replaced:  # those of the three are read with them
                replaced -= set(
                    NumberedForm.objects.filter(named, pk__in=replaced).values_list("pk", flat=True)
                )
        numbers = {pk: row[1] for pk, row in extra.items()}
        missing = {row[0] for row in extra.values() if row[0] and row[0] not in numbers}
        numbers.update(NumberedForm.objects.filter(pk__in=missing).values_list("pk", "number"))
        outside = sorted(
            ((row[1], row[2], row[3], row[4], row[5], row[6], numbers.get(row[0])) for row in extra.values()),
            key=lambda row: row[0],
        )
        inside = (
            NumberedForm.objects.filter(named)
            .order_by(_ordered("number"))
            .values_list(*fields, "replaces__number")
            .iterator(chunk_size=STREAM_CHUNK)
        )
        for number, pid, issued_on, issued_by, status, void_reason, replaces in heapq.merge(
            inside, outside, key=lambda row: row[0]
        ):
            if pid:
                self.extra_pids.add(pid)
            if issued_by:
                self.org_codes.add(issued_by)
            record = {
                "type": "form",
                "number": number,
                "issued_to": pid,
                "issued_on": iso(issued_on),
                "issued_by": issued_by,
                "status": status,
                "void_reason": void_reason,
                "replaces": replaces,
            }
            yield compact(record)

    def person_records(self, persons: list[Person]) -> list[dict[str, Any]]:
        roles: dict[int, list[str]] = defaultdict(list)
        for person_id, role in PersonRole.objects.filter(person__in=persons).values_list("person_id", "role"):
            roles[person_id].append(role)
        for p in persons:
            self.org_codes.add(p.org.code)
            if p.work_unit_org:
                self.org_codes.add(p.work_unit_org.code)
        return [self.person_record(p, roles[p.pk]) for p in persons]


def _ordered(field: str) -> Collate:
    """`field` (text) ordered as Python compares strings, by code point: PostgreSQL's C collation,
    SQLite's BINARY (its default)."""
    return Collate(F(field), "C" if connection.vendor == "postgresql" else "BINARY")


DEFAULT_WIDTH = 4
# What the notices app calls a report's channel, and how interchange.md writes it.
# A report sent on the public page leaves as "web" (interchange.md has no channel of its own for it).
CHANNEL_RECORDS = {"phone": "call", "online": "web", "public": "web"}


def notice_id(notice: Notice) -> str:
    """The id a notice is exported with: the one a file gave it, else N and its number."""
    key = getattr(notice, "interchange_key", None)
    return key.key if key is not None else f"N{notice.pk:04d}"


def interchange_export(
    *, root: Org | None = None, mask: Callable[[Person], bool] | None = None
) -> list[dict]:
    """The records of `root`'s subtree (everything without a root), with the persons and orgs they name."""
    export = _Export(root, mask)
    steps = export.step_records()
    registers = export.register_records()
    notices = export.notice_records()
    persons = export.person_records(export.persons)
    outside_pids = export.extra_pids - export.pids
    outside = list(
        Person.objects.filter(pid__in=outside_pids).select_related("org", "work_unit_org").order_by("pid")
    )
    persons += export.person_records(outside)
    header = {
        "type": "header",
        "format": "fazhan-record",
        "version": 1,
        "exported_at": timezone.localtime().isoformat(timespec="seconds"),
        "profile": PROFILE,
    }
    return [header, *export.org_records(), *persons, *steps, *registers, *notices]


def step_export_record(r: StepRecord, by: str, ids: Mapping[int, str]) -> dict[str, Any]:
    """A stored step record as its line (`r.pid` annotated: the person's id, never the person)."""
    return _step_line(
        ids.get(r.pk),
        r.pid,  # type: ignore[attr-defined]
        r.step,
        r.date,
        ids.get(r.supersedes_id) if r.supersedes_id else None,
        r.reason,
        timezone.localtime(r.recorded_at).isoformat() if r.recorded_at else None,
        by,
        r.from_ledger,
        r.date_inferred,
        r.details,
    )


def _step_line(
    own_id: str | None,
    pid: str,
    step: str,
    date: datetime.date,
    supersedes: str | None,
    reason: str,
    recorded_at: str | None,
    by: str,
    from_ledger: bool,
    date_inferred: bool,
    details: dict[str, Any],
) -> dict[str, Any]:
    """A step record's line from its values: the one place both exports make it."""
    record = {
        "type": "step",
        "id": own_id,
        "person": pid,
        "step": step,
        "date": date.isoformat(),
        "supersedes": supersedes,
        "reason": reason,
        "recorded_at": recorded_at,
        "recorded_by": by,
        "from_ledger": from_ledger,
        "date_inferred": date_inferred,
        "details": dict(details),
    }
    return compact(record, keep=("details",))


STREAM_CHUNK = 2000
# The steps whose details name persons or orgs: the only ones whose details the streamed export reads before
# it writes the persons and orgs (a subtree's export carries the outside persons and orgs they name).
REF_KINDS = frozenset({"pids", "orgs", "org"})
REF_STEPS = sorted(
    code for code, d in STEPS_BY_CODE.items() if any(s.kind in REF_KINDS for s in d.details.values())
)


def _json(text: str | bytes | None) -> Any:
    """A JSON column read as its text (Cast to text: the JSONField's own decoding is the slow part of a
    step record's row), decoded as the field decodes it; orjson refuses what json reads (a number beyond 64
    bits, NaN), which the field would have read: json reads those."""
    if text is None:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


class _StreamedExport(_Export):
    """The same records as _Export, read in chunks and written as they are read: what it keeps in memory are
    compact keys (the org codes and outside person ids its records name, the ids of the step records that
    supersede or are superseded), never the records themselves (but the registers and notices, which are few
    beside the persons and their steps). Rows are read as values, not model instances (that and the
    decoding of the details were most of the export's time), and a person's fields the export does not
    write are not decrypted."""

    def __init__(self, root: Org | None, mask: Callable[[Person], bool] | None):
        self.root, self.mask = root, mask
        self.extra_pids: set[str] = set()
        scope = Q(path__startswith=root.path) if root else Q()
        self.subtree = list(Org.objects.filter(scope).order_by("path"))
        self.org_codes = {o.code for o in self.subtree}
        self.path_q = Q(org__path__startswith=root.path) if root else Q()
        self.step_q = Q(case__person__org__path__startswith=root.path) if root else Q()
        self.outside: set[str] = set()

    def keep_outside(self, pids: Iterable[str]) -> None:
        """Of the persons named, keep (in self.outside) those outside the subtree: the only ones the export
        must add (without a root there is no outside; the named ones are read back in chunks so that what
        is held is never more than a chunk beside the outside persons)."""
        if self.root is None:
            return
        wanted = sorted(set(pids) - self.outside)
        for start in range(0, len(wanted), STREAM_CHUNK):
            chunk = wanted[start : start + STREAM_CHUNK]
            self.outside.update(
                Person.objects.filter(pid__in=chunk)
                .exclude(org__path__startswith=self.root.path)
                .values_list("pid", flat=True)
            )

    def step_refs(self, users: dict[int, tuple[str, str]]) -> None:
        """The persons and orgs the step records name: who recorded them (the distinct labels and users,
        asked of the database) and the details of the steps that name persons or orgs (read in chunks)."""
        if self.root is None:
            return  # everything is exported: no person or org outside
        rows = StepRecord.objects.filter(self.step_q)
        for label, user_id in rows.values_list("recorded_by_label", "recorded_by_id").distinct():
            by = recorded_by_label(label, user_id, users)
            if by and not by.startswith("user:"):
                self.extra_pids.add(by)
        details = rows.filter(step__in=REF_STEPS).values_list("step", Cast("details", TextField()))
        for step, text in details.iterator(chunk_size=STREAM_CHUNK):
            self._note_refs(step, _json(text))
            if len(self.extra_pids) >= STREAM_CHUNK:
                self.keep_outside(self.extra_pids)
                self.extra_pids.clear()

    def person_refs(self, persons) -> None:
        if self.root is None:
            return
        codes = persons.values_list("org__code", "work_unit_org__code").distinct()
        for org_code, unit_code in codes.iterator(chunk_size=STREAM_CHUNK):
            self.org_codes.add(org_code)
            if unit_code:
                self.org_codes.add(unit_code)

    def persons_streamed(self, persons) -> Iterator[dict[str, Any]]:
        chunk: list[Person] = []
        read = persons.select_related("org", "work_unit_org").defer(*UNWRITTEN_PERSON_FIELDS)
        for person in read.iterator(chunk_size=STREAM_CHUNK):
            chunk.append(person)
            if len(chunk) == STREAM_CHUNK:
                yield from self.person_records(chunk)
                chunk = []
        if chunk:
            yield from self.person_records(chunk)

    def step_ids(self) -> dict[int, str]:
        """The ids of the records that need one and have no key of their own: those that supersede or are
        superseded get their natural key (person, step, date, n-th of that step on that date, by pk)."""
        chained: set[int] = set()
        for pk, supersedes in (
            StepRecord.objects.filter(self.step_q, supersedes__isnull=False)
            .values_list("pk", "supersedes_id")
            .iterator(chunk_size=STREAM_CHUNK)
        ):
            chained.update((pk, supersedes))
        if not chained:
            return {}
        keyed = set(StepKey.objects.filter(record__in=chained).values_list("record_id", flat=True))
        wanted = chained - keyed
        ids: dict[int, str] = {}
        triples = set()
        for pid, step, date in StepRecord.objects.filter(pk__in=wanted).values_list(
            "case__person__pid", "step", "date"
        ):
            triples.add((pid, step, date))
        nth: dict[tuple, int] = defaultdict(int)
        same = StepRecord.objects.filter(self.step_q, case__person__pid__in={t[0] for t in triples})
        for pk, pid, step, date in same.values_list("pk", "case__person__pid", "step", "date").order_by("pk"):
            nth[(pid, step, date)] += 1
            if pk in wanted:
                ids[pk] = step_id_natural(pid, step, date, nth[(pid, step, date)])
        return ids

    def steps_streamed(self, users: dict[int, tuple[str, str]]) -> Iterator[dict[str, Any]]:
        natural = self.step_ids()
        rows = (
            StepRecord.objects.filter(self.step_q)
            .order_by("case__person__org__path", "case__person__pid", "date", "pk")
            .values_list(
                "pk",
                "interchange_key__key",
                "case__person__pid",
                "step",
                "date",
                "supersedes_id",
                "reason",
                "recorded_at",
                "recorded_by_label",
                "recorded_by_id",
                "from_ledger",
                "date_inferred",
                Cast("details", TextField()),
            )
        )
        # The key of a superseded record is read with the record that supersedes it, which may come first.
        scope = Q(record__case__person__org__path__startswith=self.root.path) if self.root else Q()
        supersedes_keys = dict(
            StepKey.objects.filter(scope, record__superseded_by__isnull=False)
            .values_list("record_id", "key")
            .iterator(chunk_size=STREAM_CHUNK)
        )
        here = timezone.get_current_timezone()  # timezone.localtime's, asked once
        for (
            pk,
            key,
            pid,
            step,
            date,
            sid,
            reason,
            at,
            label,
            user_id,
            ledger,
            inferred,
            text,
        ) in rows.iterator(chunk_size=STREAM_CHUNK):
            if sid is None:
                supersedes = None
            elif sid in supersedes_keys:
                supersedes = supersedes_keys[sid]
            else:
                supersedes = natural.get(sid)
            yield _step_line(
                key or natural.get(pk),
                pid,
                step,
                date,
                supersedes,
                reason,
                at.astimezone(here).isoformat() if at else None,
                recorded_by_label(label, user_id, users),
                ledger,
                inferred,
                _json(text),
            )

    def records(self) -> Iterator[dict[str, Any]]:
        users = self.users()
        self.step_refs(users)
        if self.root is not None:
            for _record in self.registers():  # the persons and orgs they name; written last
                pass
        notices = self.notice_records()
        persons = Person.objects.filter(self.path_q).order_by("org__path", "pid")
        self.person_refs(persons)
        self.keep_outside(self.extra_pids)
        self.extra_pids.clear()
        outside = Person.objects.filter(pid__in=sorted(self.outside)).order_by("pid")
        self.person_refs(outside)
        yield _header()
        yield from self.org_records()
        yield from self.persons_streamed(persons)
        if self.outside:
            yield from self.persons_streamed(outside)
        yield from self.steps_streamed(users)
        self.extra_pids = self.org_codes = _Sink()  # what the registers name is written already
        yield from self.registers()
        yield from notices


class _Sink(set):
    """A set that keeps nothing: what the streamed export's last pass over the registers notes."""

    def add(self, _item: Any) -> None:
        pass

    def update(self, *_items: Iterable[Any]) -> None:
        pass


# What the person's line does not carry: not read (the sealed ones would be decrypted for nothing).
UNWRITTEN_PERSON_FIELDS = ("gender", "birth_date", "name_initials", "id_number_key", "id_tail_key")


def _header() -> dict[str, Any]:
    return {
        "type": "header",
        "format": "fazhan-record",
        "version": 1,
        "exported_at": timezone.localtime().isoformat(timespec="seconds"),
        "profile": PROFILE,
    }


def interchange_export_streamed(
    *, root: Org | None = None, mask: Callable[[Person], bool] | None = None
) -> Iterator[dict]:
    """The records of interchange_export, in the same order, read and yielded in chunks (constant memory
    but for compact keys): for `fazhan export` and the download of a whole district."""
    return _StreamedExport(root, mask).records()


# json.dumps(record, ensure_ascii=False) makes an encoder for each call: one, made once, writes the same.
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def interchange_lines(records: Iterable[dict]) -> Iterator[str]:
    encode = _ENCODE
    for record in records:
        yield encode(record) + "\n"
