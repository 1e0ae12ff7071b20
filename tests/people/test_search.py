"""person_search (name, pinyin initials, ID tail, full ID) and person_list_for_user (scope)."""

import pytest

from fazhan.people.models import Person
from fazhan.people.selectors import person_list_for_user, person_search
from fazhan.people.services import person_create
from tests.conftest import ID_1949_FEMALE_X, ID_1998_MALE, person_data


def pids(qs) -> set[str]:
    return set(qs.values_list("pid", flat=True))


@pytest.fixture
def with_x(world):
    """A person whose ID number ends in X (孙八, branch 2)."""
    return person_create(actor=None, id_number=ID_1949_FEMALE_X, data=person_data(world.branch2, name="孙八"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [("张", {"P0001"}), ("张三", {"P0001"}), ("三", {"P0001"}), ("建国", {"M0001"}), ("赵六", {"P0004"})],
)
def test_it_finds_by_a_name_substring(world, query, expected):
    assert pids(person_search(Person.objects.all(), query)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [("zs", {"P0001"}), ("ZS", {"P0001"}), ("z", {"P0001", "P0004"}), ("gjg", {"M0001"}), ("ls", {"P0002"})],
)
def test_it_finds_by_pinyin_initials(world, query, expected):
    assert pids(person_search(Person.objects.all(), query)) == expected


@pytest.mark.parametrize("query", ["1215", " 1215 "])
def test_it_finds_by_the_tail_of_the_id_number(world, query):
    assert pids(person_search(Person.objects.all(), query)) == {"P0001"}


@pytest.mark.parametrize("query", ["215", "15", "5"])
def test_a_shorter_tail_finds_nobody_the_database_holds_only_the_tails_digest(world, query):
    assert pids(person_search(Person.objects.all(), query)) == set()


def test_it_finds_by_the_full_id_number(world):
    assert pids(person_search(Person.objects.all(), ID_1998_MALE)) == {"P0001"}


def test_a_full_id_number_not_on_record_finds_nobody(world):
    assert pids(person_search(Person.objects.all(), "511002199803041216")) == set()  # wrong check digit


@pytest.mark.parametrize("query", ["002x", "002X"])
def test_the_x_of_a_tail_matches_in_either_case(world, with_x, query):
    assert pids(person_search(Person.objects.all(), query)) == {with_x.pid}


@pytest.mark.parametrize("query", [ID_1949_FEMALE_X, ID_1949_FEMALE_X.lower()])
def test_a_full_id_number_with_x_matches_in_either_case(world, with_x, query):
    assert pids(person_search(Person.objects.all(), query)) == {with_x.pid}


@pytest.mark.parametrize("query", ["P0003", "p0003"])
def test_it_finds_by_pid(world, query):
    assert pids(person_search(Person.objects.all(), query)) == {"P0003"}


@pytest.mark.parametrize("query", ["", "   "])
def test_an_empty_query_keeps_everyone(world, query):
    assert pids(person_search(Person.objects.all(), query)) == pids(Person.objects.all())


@pytest.mark.parametrize("query", ["钱", "qq", "9999", "' OR 1=1 --", "%", "_", "😀"])
def test_an_unmatched_query_finds_nobody(world, query):
    assert pids(person_search(Person.objects.all(), query)) == set()


def test_the_search_stays_inside_the_queryset_it_is_given(world):
    assert pids(person_search(person_list_for_user(world.users["yx_organizer"]), "zs")) == set()
    assert pids(person_search(person_list_for_user(world.users["sec2"]), "1215")) == set()


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("sec1", {"P0001", "M0001"}),
        ("org1", {"P0001", "M0001"}),
        ("sec2", {"P0002"}),
        ("lh_organizer", {"P0001", "P0002", "P0003", "M0001"}),
        ("lh_approver", {"P0001", "P0002", "P0003", "M0001"}),
        ("inspector_lh", {"P0001", "P0002", "P0003", "M0001"}),
        ("yx_organizer", {"P0004"}),
        ("district", {"P0001", "P0002", "P0003", "P0004", "M0001"}),
        ("admin", set()),
    ],
)
def test_the_person_list_holds_only_the_users_subtree(world, username, expected):
    assert pids(person_list_for_user(world.users[username])) == expected


def test_an_anonymous_user_sees_nobody(world):
    from django.contrib.auth.models import AnonymousUser

    assert pids(person_list_for_user(AnonymousUser())) == set()
