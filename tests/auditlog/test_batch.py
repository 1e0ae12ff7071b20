"""A bulk writer's events built before its write lock (auditlog.services.TrailBatch) hash exactly as the
verifier's recipe (event_hash) hashes the stored rows: the body is built in pieces around the event's time,
which is set under the lock, and the digest of a row the transaction writes is read then (issue 13 item 6)."""

import datetime

import pytest
from django.db import transaction

from fazhan.auditlog.models import AuditEvent
from fazhan.auditlog.selectors import trail_verify
from fazhan.auditlog.services import TrailBatch, audit_record, event_hash
from fazhan.people.models import Person

pytestmark = pytest.mark.django_db


def test_events_built_before_the_lock_chain_as_the_verifier_recomputes_them(world):
    audit_record(actor=None, action="test.before", data={"n": 1})
    head = AuditEvent.objects.order_by("-id").first()
    person = world.p1
    label, pk = "people.person", str(person.pk)
    tricky = {
        "text": '罗汉镇 "引号" \\ 换行\n',
        "nested": {"b": [1, 2.5, None, True], "a": {"日期": datetime.date(2019, 3, 1)}},
        "tuple": ("x", 3),
        "empty": {},
    }
    events = [
        ("test.bulk.one", person, person.org.path, tricky),  # its digest read under the lock
        ("test.bulk.two", None, "", {}),  # no target
        ("test.bulk.three", ("people.person", world.p2.pk), "/x/", {"line": 7}),  # its digest given
    ]
    batch = TrailBatch(actor=None, events=events, digests={("people.person", str(world.p2.pk)): "ab" * 32})
    assert len(batch) == 3
    with transaction.atomic():
        Person.objects.filter(pk=person.pk).update(phone="13800000000")  # after the batch was built
        assert batch.write() == 3
    rows = list(AuditEvent.objects.filter(id__gt=head.id).order_by("id"))
    assert [r.action for r in rows] == ["test.bulk.one", "test.bulk.two", "test.bulk.three"]
    assert rows[0].prev_hash == head.hash
    assert rows[1].digest == ""
    assert rows[2].digest == "ab" * 32
    assert (rows[0].target_type, rows[0].target_id) == (label, pk)
    assert rows[0].digest not in ("", "ab" * 32)  # the row as stored, read under the lock
    # As stored: the tuple a list, the date its text.
    assert rows[0].data["tuple"] == ["x", 3]
    assert rows[0].data["nested"]["a"] == {"日期": "2019-03-01"}
    previous = head.hash
    for row in rows:  # the verifier's recipe over the stored rows, one by one
        expected = event_hash(
            previous,
            at=row.at,
            actor_id=row.actor_id,
            action=row.action,
            target_type=row.target_type,
            target_id=row.target_id,
            org_path=row.org_path,
            data=row.data,
            digest=row.digest,
            seal=row.seal,
        )
        assert row.hash == expected
        previous = row.hash
    assert len({r.at for r in rows}) == 1
    assert rows[0].at >= head.at


def test_a_changed_event_body_no_longer_matches(world):
    """The fast path cannot agree with itself only: an event whose stored data differs fails the recipe."""
    audit_record(actor=None, action="test.before", data={})
    batch = TrailBatch(actor=None, events=[("test.bulk", None, "", {"n": 1})])
    with transaction.atomic():
        batch.write()
    row = AuditEvent.objects.order_by("-id").first()
    recomputed = event_hash(
        row.prev_hash,
        at=row.at,
        actor_id=row.actor_id,
        action=row.action,
        target_type="",
        target_id="",
        org_path="",
        data={"n": 2},
    )
    assert recomputed != row.hash
    assert trail_verify().ok
