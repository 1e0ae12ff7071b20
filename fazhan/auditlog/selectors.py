"""Reading the trail: checking its chain, and the events a user may see."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from fazhan.accounts.models import Role
from fazhan.accounts.selectors import user_assignments
from fazhan.auditlog.models import AuditEvent
from fazhan.auditlog.services import event_hash

# What the system administrator sees: accounts, roles and logins, never case content (product.md).
ACCOUNT_ACTION_PREFIXES = ("user.", "role.", "login.", "otp.", "backup.", "restore.")
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
    "prev_hash",
    "hash",
)


@dataclass(frozen=True)
class TrailBreak:
    event_id: int
    reason: str


@dataclass(frozen=True)
class TrailCheck:
    count: int
    broken: TrailBreak | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def trail_verify(*, chunk_size: int = 5000, progress: Callable[[int], None] | None = None) -> TrailCheck:
    """Walk the chain from the first event to the last and stop at the first link that does not hold.

    Rows come as tuples through a streaming cursor (no model instances), so a million events are one pass
    with constant memory. An edited row fails its own hash; a removed row fails the next row's prev_hash.
    """
    prev = ""
    prev_id: int | None = None
    count = 0
    rows = AuditEvent.objects.order_by("id").values_list(*_FIELDS).iterator(chunk_size=chunk_size)
    for event_id, at, actor_id, action, target_type, target_id, org_path, data, prev_hash, stored in rows:
        if prev_hash != prev:
            after = f"#{prev_id}" if prev_id is not None else "—"
            return TrailCheck(
                count, TrailBreak(event_id, f"prev_hash does not match the event before it ({after})")
            )
        computed = event_hash(
            prev_hash,
            at=at,
            actor_id=actor_id,
            action=action,
            target_type=target_type,
            target_id=target_id,
            org_path=org_path,
            data=data,
        )
        if computed != stored:
            return TrailCheck(count, TrailBreak(event_id, "content does not match its hash"))
        prev, prev_id = stored, event_id
        count += 1
        if progress is not None and count % 100_000 == 0:
            progress(count)
    return TrailCheck(count, None)


def trail_paths_for_user(user) -> list[str]:
    """Org paths whose events this user may read as an inspector or district reviewer."""
    paths = sorted({a.org.path for a in user_assignments(user) if a.role in TRAIL_ROLES})
    return [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]


def user_reads_account_trail(user) -> bool:
    return any(a.role == Role.SYSADMIN for a in user_assignments(user))


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
    action, personal-data views included), and for the system administrator the account events only."""
    scope = Q(pk__in=[])
    for path in trail_paths_for_user(user):
        scope |= Q(org_path__startswith=path)
    if user_reads_account_trail(user):
        scope |= _account_q()
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
