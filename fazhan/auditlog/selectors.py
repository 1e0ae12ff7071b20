"""Reading the trail: checking its chain and the records it seals, and the events a user may see."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Max, Q, QuerySet

from fazhan.auditlog.models import AuditEvent, AuditSeal
from fazhan.auditlog.registry import GONE, all_digests, describe, seal_root, sealed_models, trail_key
from fazhan.auditlog.services import event_hash
from fazhan.core.roles import Role, user_assignments

# What the system administrator sees: accounts, roles and logins, never case content (product.md).
ACCOUNT_ACTION_PREFIXES = ("user.", "role.", "login.", "password.", "otp.", "backup.", "restore.", "trail.")
# Roles that read the trail of their subtree.
TRAIL_ROLES = frozenset({Role.INSPECTOR, Role.DISTRICT_REVIEWER})

_FIELDS = (
    "id",
    "at",
    "actor_id",
    "action",
    "target_type",
    "target_id",
    "org_path",
    "data",
    "digest",
    "seal",
    "prev_hash",
    "hash",
)
# The record problems a check keeps to show (it counts them all).
PROBLEMS_SHOWN = 20


@dataclass(frozen=True)
class TrailBreak:
    event_id: int
    reason: str


@dataclass(frozen=True)
class RecordProblem:
    """A registered row that is not as the trail last sealed it: `changed` (its fields differ from the
    last digest), `unsealed` (the trail holds no digest for it) or `removed` (a digest, and no row)."""

    what: str  # the model, id and what a reader knows it by (auditlog.registry.describe)
    kind: str
    event_id: int | None  # the event holding the last digest, if any

    @property
    def text(self) -> str:
        event = f"event #{self.event_id}" if self.event_id is not None else "no event"
        return {
            "changed": f"{self.what} does not match the last digest the trail holds for it ({event}): "
            "changed behind the application's back",
            "unsealed": f"{self.what}: the trail holds no digest for it: "
            "written behind the application's back",
            "removed": f"{self.what}: the trail holds its digest ({event}) but the row is gone",
        }[self.kind]


@dataclass(frozen=True)
class TrailCheck:
    count: int
    broken: TrailBreak | None
    records: int = 0  # registered rows checked against the trail
    problems: tuple[RecordProblem, ...] = ()  # the first PROBLEMS_SHOWN
    problem_count: int = 0

    @property
    def ok(self) -> bool:
        return self.broken is None and self.problem_count == 0


def _hex(text: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:
        return b"!"  # equal to no digest


class _Walk:
    """One pass over the chain, the seal rows merged in by event id; what it learns of every registered
    record is the last digest the trail holds for it."""

    def __init__(self, chunk_size: int, progress: Callable[[str], None] | None):
        self.chunk_size, self.progress = chunk_size, progress
        self.latest: dict[str, dict[int, bytes]] = {s.label: {} for s in sealed_models()}
        self.seals = (
            AuditSeal.objects.order_by("event_id", "id")
            .values_list("event_id", "model", "target_id", "digest")
            .iterator(chunk_size=chunk_size)
        )
        self.pending = next(self.seals, None)
        self.count = 0

    def run(self) -> TrailBreak | None:
        prev, prev_id = "", None
        key = trail_key()
        rows = AuditEvent.objects.order_by("id").values_list(*_FIELDS).iterator(chunk_size=self.chunk_size)
        for event_id, at, actor_id, action, t_type, t_id, org, data, digest, seal, prev_hash, stored in rows:
            if prev_hash != prev:
                after = f"#{prev_id}" if prev_id is not None else "—"
                return TrailBreak(event_id, f"prev_hash does not match the event before it ({after})")
            computed = event_hash(
                prev_hash,
                at=at,
                actor_id=actor_id,
                action=action,
                target_type=t_type,
                target_id=t_id,
                org_path=org,
                data=data,
                digest=digest,
                seal=seal,
                key=key,
            )
            if computed != stored:
                return TrailBreak(event_id, "content does not match its hash")
            broken = self.seals_of(event_id, seal)
            if broken is not None:
                return broken
            if digest and t_type in self.latest:
                self.latest[t_type][int(t_id)] = _hex(digest)
            prev, prev_id = stored, event_id
            self.count += 1
            if self.progress is not None and self.count % 100_000 == 0:
                self.progress(f"{self.count} events checked")
        if self.pending is not None:
            return TrailBreak(self.pending[0], "a sealed record of an event the trail does not hold")
        return None

    def seals_of(self, event_id: int, seal: str) -> TrailBreak | None:
        if self.pending is not None and self.pending[0] < event_id:
            return TrailBreak(self.pending[0], "a sealed record of an event the trail does not hold")
        leaves = []
        while self.pending is not None and self.pending[0] == event_id:
            leaves.append(self.pending[1:])
            self.pending = next(self.seals, None)
        if not seal and not leaves:
            return None
        if not seal:
            return TrailBreak(event_id, "sealed records its hash does not cover")
        if seal_root(leaves) != seal:
            return TrailBreak(event_id, "its sealed records do not match its seal")
        for label, pk, digest in leaves:
            if label in self.latest:
                self.latest[label][pk] = _hex(digest)
        return None


def _last_sealed_by(label: str, pk: int) -> int | None:
    own = AuditEvent.objects.filter(target_type=label, target_id=str(pk)).exclude(digest="")
    ids = [
        own.aggregate(last=Max("id"))["last"],
        AuditSeal.objects.filter(model=label, target_id=pk).aggregate(last=Max("event_id"))["last"],
    ]
    return max((i for i in ids if i is not None), default=None)


def _records_check(latest: dict[str, dict[int, bytes]], progress) -> tuple[int, list[tuple], int]:
    """Every registered row's digest now against the last one the trail holds for it (a row sealed as gone
    must be gone)."""
    key = trail_key()
    gone = bytes.fromhex(GONE)
    found: list[tuple] = []
    total = checked = 0
    for sealed in sealed_models():
        held = latest.get(sealed.label, {})
        for pk, digest in all_digests(sealed, key):
            checked += 1
            want = held.pop(pk, None)
            if want == digest:
                continue
            total += 1
            if len(found) < PROBLEMS_SHOWN:
                found.append((sealed, pk, "unsealed" if want is None or want == gone else "changed"))
        for pk in sorted(held):
            if held[pk] == gone:
                continue
            total += 1
            if len(found) < PROBLEMS_SHOWN:
                found.append((sealed, pk, "removed"))
        if progress is not None:
            progress(f"{checked} records checked ({sealed.label})")
    return checked, found, total


def trail_verify(
    *, chunk_size: int = 5000, progress: Callable[[str], None] | None = None, records: bool = True
) -> TrailCheck:
    """Walk the chain from the first event to the last and stop at the first link that does not hold;
    then check that every row of every registered model matches the last digest the trail holds for it.

    Rows come as tuples through a streaming cursor (no model instances), so a million events are one pass
    with constant memory. An edited event fails its own hash; a removed one fails the next event's
    prev_hash; a sealed record added, edited or removed fails its event's seal. A record changed, inserted
    or deleted behind the application's back fails its digest (the key is not in the database).
    """
    walk = _Walk(chunk_size, progress)
    broken = walk.run()
    if broken is not None or not records:
        return TrailCheck(walk.count, broken)
    checked, found, total = _records_check(walk.latest, progress)
    problems = tuple(
        RecordProblem(
            describe(sealed, pk), kind, _last_sealed_by(sealed.label, pk) if kind != "unsealed" else None
        )
        for sealed, pk, kind in found
    )
    return TrailCheck(walk.count, None, checked, problems, total)


def trail_paths_for_user(user) -> list[str]:
    """Org paths whose events this user may read as an inspector or district reviewer."""
    paths = sorted({a.org.path for a in user_assignments(user) if a.role in TRAIL_ROLES})
    return [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]


def user_reads_account_trail(user) -> bool:
    """The audit administrator keeps and reads the whole trail (三员); the system and security
    administrators read none of it, their own acts included."""
    return any(a.role == Role.AUDITADMIN for a in user_assignments(user))


def user_reads_trail(user) -> bool:
    return bool(trail_paths_for_user(user)) or user_reads_account_trail(user)


def _account_q() -> Q:
    q = Q(pk__in=[])
    for prefix in ACCOUNT_ACTION_PREFIXES:
        q |= Q(action__startswith=prefix)
    return q


def trail_for_user(
    user,
    *,
    action: str = "",
    actor: str = "",
    target: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    tz: datetime.tzinfo | None = None,
) -> QuerySet[AuditEvent]:
    """The events `user` may read, newest first: an inspector's or district reviewer's subtree (every
    action, personal-data views included), and for the audit administrator every event."""
    scope = Q(pk__in=[])
    for path in trail_paths_for_user(user):
        scope |= Q(org_path__startswith=path)
    if user_reads_account_trail(user):
        scope = Q()
    events = AuditEvent.objects.filter(scope)
    if action:
        events = events.filter(action__startswith=action)
    if actor:
        events = events.filter(Q(actor__username=actor) | Q(actor__full_name=actor))
    if target:
        kind, _, key = target.rpartition(":")
        events = events.filter(target_type=kind, target_id=key) if kind else events.filter(target_id=target)
    if date_from:
        start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=tz)
        events = events.filter(at__gte=start)
    if date_to:
        end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        events = events.filter(at__lt=end)
    return events.select_related("actor").order_by("-id")
