"""person_create / person_update: identity checks, uniqueness, tags, membership, pid, audit trail."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError

from fazhan.auditlog.models import AuditEvent
from fazhan.people.choices import PartyStatus
from fazhan.people.identity import id_tail_key
from fazhan.people.models import Person
from fazhan.people.services import person_create, person_update
from tests.conftest import ID_1949_FEMALE_X, ID_1960_MALE, ID_1998_MALE, make_id_number, person_data

NEW_ID = make_id_number(datetime.date(2000, 8, 8), 51)  # male, 2000-08-08


def error_keys(exc_info) -> set[str]:
    return set(exc_info.value.message_dict)


def test_it_creates_a_person_with_gender_and_birth_date_from_the_id_number(world):
    person = person_create(actor=None, id_number=NEW_ID, data=person_data(world.branch1, name="钱七"))
    person.refresh_from_db()
    assert (person.gender, person.birth_date) == ("M", datetime.date(2000, 8, 8))
    assert (person.id_number, person.id_tail_key, person.name_initials) == (
        NEW_ID,
        id_tail_key(NEW_ID[-4:]),
        "qq",
    )


def test_it_accepts_gender_and_birth_date_that_agree(world):
    person = person_create(
        actor=None,
        id_number=NEW_ID,
        gender="M",
        birth_date=datetime.date(2000, 8, 8),
        data=person_data(world.branch1, name="钱七"),
    )
    assert person.pk is not None


def test_a_gender_disagreeing_with_the_id_number_is_refused_at_gender(world):
    before = Person.objects.count()
    with pytest.raises(ValidationError) as exc:
        person_create(actor=None, id_number=NEW_ID, gender="F", data=person_data(world.branch1))
    assert error_keys(exc) == {"gender"}
    assert "男" in exc.value.message_dict["gender"][0]
    assert Person.objects.count() == before


def test_a_birth_date_disagreeing_with_the_id_number_is_refused_at_birth_date(world):
    before = Person.objects.count()
    with pytest.raises(ValidationError) as exc:
        person_create(
            actor=None,
            id_number=NEW_ID,
            birth_date=datetime.date(2000, 8, 9),
            data=person_data(world.branch1),
        )
    assert error_keys(exc) == {"birth_date"}
    assert "2000-08-08" in exc.value.message_dict["birth_date"][0]
    assert Person.objects.count() == before


def test_both_disagreements_are_reported_together(world):
    with pytest.raises(ValidationError) as exc:
        person_create(
            actor=None,
            id_number=NEW_ID,
            gender="F",
            birth_date=datetime.date(1999, 1, 1),
            data=person_data(world.branch1),
        )
    assert error_keys(exc) == {"gender", "birth_date"}


def test_an_invalid_id_number_is_refused_at_id_number(world):
    with pytest.raises(ValidationError) as exc:
        person_create(actor=None, id_number="511002199803041216", data=person_data(world.branch1))
    assert error_keys(exc) == {"id_number"}
    assert "校验码" in exc.value.message_dict["id_number"][0]


@pytest.mark.parametrize(
    "variant",
    [ID_1998_MALE, " 511002199803041215 ", "511002980304121"],  # same, padded, legacy 15-digit form
)
def test_a_duplicate_id_number_is_refused_and_nothing_is_created(world, variant):
    before_people, before_events = Person.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        person_create(actor=None, id_number=variant, data=person_data(world.branch2, name="冒名"))
    assert error_keys(exc) == {"id_number"}
    assert "P0001" in exc.value.message_dict["id_number"][0]
    assert (Person.objects.count(), AuditEvent.objects.count()) == (before_people, before_events)


def test_a_duplicate_differing_only_by_lowercase_x_is_refused(world):
    person_create(actor=None, id_number=ID_1949_FEMALE_X, data=person_data(world.branch1, name="孙八"))
    with pytest.raises(ValidationError) as exc:
        person_create(actor=None, id_number=ID_1949_FEMALE_X.lower(), data=person_data(world.branch1))
    assert error_keys(exc) == {"id_number"}


def test_updating_to_another_persons_id_number_is_refused_and_nothing_changes(world):
    events_before = AuditEvent.objects.count()
    p2_number = world.p2.id_number
    with pytest.raises(ValidationError) as exc:
        person_update(
            actor=None,
            person=Person.objects.get(pk=world.p2.pk),
            id_number=ID_1960_MALE,
            data=person_data(world.branch2, name="改名"),
        )
    assert error_keys(exc) == {"id_number"}
    assert "M0001" in exc.value.message_dict["id_number"][0]
    p2 = Person.objects.get(pk=world.p2.pk)
    assert (p2.name, p2.id_number) == ("李四", p2_number)
    assert AuditEvent.objects.count() == events_before


def test_a_person_keeps_their_own_id_number_on_update(world):
    person = person_update(
        actor=None,
        person=Person.objects.get(pk=world.p1.pk),
        id_number=ID_1998_MALE,
        data=person_data(world.branch1, name="张三丰"),
    )
    person.refresh_from_db()
    assert (person.name, person.name_initials, person.pid) == ("张三丰", "zsf", "P0001")


def test_an_unknown_tag_is_refused_and_nothing_is_created(world):
    before = Person.objects.count()
    with pytest.raises(ValidationError) as exc:
        person_create(
            actor=None, id_number=NEW_ID, data=person_data(world.branch1, tags=["青年农民", "外星人"])
        )
    assert error_keys(exc) == {"tags"}
    assert "外星人" in exc.value.message_dict["tags"][0]
    assert Person.objects.count() == before


def test_an_unknown_tag_is_refused_on_update(world):
    with pytest.raises(ValidationError) as exc:
        person_update(
            actor=None,
            person=Person.objects.get(pk=world.p1.pk),
            id_number=ID_1998_MALE,
            data=person_data(world.branch1, tags=["外星人"]),
        )
    assert error_keys(exc) == {"tags"}
    assert Person.objects.get(pk=world.p1.pk).tags == []


def test_known_tags_are_kept(world):
    person = person_create(
        actor=None, id_number=NEW_ID, data=person_data(world.branch1, tags=["青年农民", "返乡创业"])
    )
    assert Person.objects.get(pk=person.pk).tags == ["青年农民", "返乡创业"]


@pytest.mark.parametrize("status", [PartyStatus.PROBATIONARY, PartyStatus.FULL])
def test_a_member_without_joined_on_is_refused(world, status):
    before = Person.objects.count()
    with pytest.raises(ValidationError) as exc:
        person_create(
            actor=None, id_number=NEW_ID, data=person_data(world.branch1, party_status=status, joined_on=None)
        )
    assert error_keys(exc) == {"joined_on"}
    assert Person.objects.count() == before


def test_a_candidate_must_belong_to_a_branch(world):
    with pytest.raises(ValidationError) as exc:
        person_create(actor=None, id_number=NEW_ID, data=person_data(world.township))
    assert error_keys(exc) == {"org"}


def test_a_pid_is_assigned_as_the_next_p_number(world):
    first = person_create(actor=None, id_number=NEW_ID, data=person_data(world.branch1, name="钱七"))
    second = person_create(
        actor=None,
        id_number=make_id_number(datetime.date(2001, 1, 1), 62),
        data=person_data(world.branch1, name="孙八"),
    )
    assert (first.pid, second.pid) == ("P0005", "P0006")  # P0001–P0004 exist; M0001 is not a P number


def test_the_next_pid_counts_numerically_not_alphabetically(world):
    person_create(actor=None, pid="P9999", id_number=NEW_ID, data=person_data(world.branch1, name="钱七"))
    person = person_create(
        actor=None,
        id_number=make_id_number(datetime.date(2001, 1, 1), 62),
        data=person_data(world.branch1, name="孙八"),
    )
    assert person.pid == "P10000"


def test_a_given_pid_already_taken_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        person_create(actor=None, pid="P0001", id_number=NEW_ID, data=person_data(world.branch1))
    assert "pid" in exc.value.message_dict or "id_number" in exc.value.message_dict
    assert Person.objects.filter(pid="P0001").count() == 1


def test_person_create_writes_an_audit_event(world):
    actor = world.users["sec1"]
    person = person_create(actor=actor, id_number=NEW_ID, data=person_data(world.branch1, name="钱七"))
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.actor, event.target_type, event.target_id) == (
        "person.create",
        actor,
        "people.person",
        str(person.pk),
    )
    assert event.org_path == world.branch1.path
    assert event.data == {"pid": person.pid}


def test_person_update_writes_an_audit_event_with_the_changed_fields(world):
    actor = world.users["sec1"]
    person_update(
        actor=actor,
        person=Person.objects.get(pk=world.p1.pk),
        id_number=ID_1998_MALE,
        data=person_data(world.branch1, name="张三丰", phone="13800009999"),
    )
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.actor, event.target_id) == ("person.update", actor, str(world.p1.pk))
    assert event.data == {"changed": ["name", "phone"]}


def test_the_audit_hash_chain_links_every_event_to_the_one_before(world):
    person = person_create(actor=None, id_number=NEW_ID, data=person_data(world.branch1, name="钱七"))
    person_update(
        actor=world.users["sec1"],
        person=Person.objects.get(pk=person.pk),
        id_number=NEW_ID,
        data=person_data(world.branch1, name="钱七七"),
    )
    events = list(AuditEvent.objects.order_by("id"))
    assert len(events) > 20  # the world's orgs, users, roles and persons, then these two
    assert events[0].prev_hash == ""
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    assert len({e.hash for e in events}) == len(events)
    assert [e.action for e in events[-2:]] == ["person.create", "person.update"]
