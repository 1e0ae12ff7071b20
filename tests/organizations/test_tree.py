"""The org tree: materialized path, one-query subtree, allowed parent kinds."""

import pytest
from django.core.exceptions import ValidationError

from fazhan.organizations.models import Org, OrgCategory, OrgKind
from fazhan.organizations.selectors import org_ancestors, org_get_for_user, org_subtree
from fazhan.organizations.services import org_create


def codes(orgs) -> list[str]:
    return [o.code for o in orgs]


def test_the_subtree_is_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        result = codes(org_subtree(world.township))
    assert result == ["SZQ-LH", "SZQ-LH-01", "SZQ-LH-02", "SZQ-LH-03", "SZQ-LH-03-1"]


@pytest.mark.parametrize(
    ("attr", "expected"),
    [
        ("general", ["SZQ-LH-03", "SZQ-LH-03-1"]),
        ("branch1", ["SZQ-LH-01"]),
        ("township2", ["SZQ-YX", "SZQ-YX-01"]),
    ],
)
def test_the_subtree_holds_the_org_and_everything_below(world, attr, expected):
    assert codes(org_subtree(getattr(world, attr))) == expected


def test_the_whole_tree_is_the_districts_subtree(world):
    assert set(codes(org_subtree(world.district))) == set(Org.objects.values_list("code", flat=True))


def test_a_sibling_whose_code_extends_another_is_not_in_its_subtree(world):
    org_create(
        actor=None,
        code="SZQ-LH2",
        name="中共某镇委员会",
        kind=OrgKind.COMMITTEE,
        category=OrgCategory.TOWNSHIP,
        parent=world.district,
    )
    assert "SZQ-LH2" not in codes(org_subtree(world.township))


@pytest.mark.parametrize(
    ("attr", "path", "depth"),
    [
        ("district", "/SZQ/", 0),
        ("township", "/SZQ/SZQ-LH/", 1),
        ("branch1", "/SZQ/SZQ-LH/SZQ-LH-01/", 2),
        ("general", "/SZQ/SZQ-LH/SZQ-LH-03/", 2),
        ("branch3", "/SZQ/SZQ-LH/SZQ-LH-03/SZQ-LH-03-1/", 3),
    ],
)
def test_path_and_depth_follow_the_parents(world, attr, path, depth):
    org = Org.objects.get(pk=getattr(world, attr).pk)
    assert (org.path, org.depth) == (path, depth)


def test_ancestors_run_from_the_top(world):
    assert codes(org_ancestors(world.branch3)) == ["SZQ", "SZQ-LH", "SZQ-LH-03", "SZQ-LH-03-1"]


@pytest.mark.parametrize(
    ("kind", "parent_attr"),
    [
        (OrgKind.BRANCH, "district"),
        (OrgKind.TEMPORARY_BRANCH, "district"),
        (OrgKind.GENERAL_BRANCH, "district"),
        (OrgKind.BRANCH, "branch1"),
        (OrgKind.GENERAL_BRANCH, "general"),
        (OrgKind.COMMITTEE, "branch1"),
        (OrgKind.DISTRICT_COMMITTEE, "township"),
    ],
)
def test_an_org_under_a_parent_of_the_wrong_kind_is_refused_at_parent(world, kind, parent_attr):
    before = Org.objects.count()
    with pytest.raises(ValidationError) as exc:
        org_create(actor=None, code="NEW-1", name="新组织", kind=kind, parent=getattr(world, parent_attr))
    assert set(exc.value.message_dict) == {"parent"}
    assert Org.objects.count() == before


def test_a_branch_needs_a_parent(world):
    with pytest.raises(ValidationError) as exc:
        org_create(actor=None, code="NEW-1", name="新支部", kind=OrgKind.BRANCH)
    assert set(exc.value.message_dict) == {"parent"}


def test_a_branch_under_a_general_branch_is_allowed(world):
    org = org_create(
        actor=None,
        code="SZQ-LH-03-2",
        name="中共罗汉镇中心学校后勤支部委员会",
        kind=OrgKind.BRANCH,
        parent=world.general,
    )
    assert (org.path, org.depth) == ("/SZQ/SZQ-LH/SZQ-LH-03/SZQ-LH-03-2/", 3)


@pytest.mark.parametrize("code", ["bad code", "SZQ/LH", "-SZQ", "罗汉"])
def test_an_org_code_with_forbidden_characters_is_refused(world, code):
    with pytest.raises(ValidationError) as exc:
        org_create(actor=None, code=code, name="新支部", kind=OrgKind.BRANCH, parent=world.township)
    assert "code" in exc.value.message_dict


def test_a_duplicate_org_code_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        org_create(actor=None, code="SZQ-LH-01", name="重复", kind=OrgKind.BRANCH, parent=world.township)
    assert "code" in exc.value.message_dict


def test_org_get_for_user_reaches_down_through_a_general_branch(world):
    assert org_get_for_user(world.users["lh_organizer"], "SZQ-LH-03-1") == world.branch3
