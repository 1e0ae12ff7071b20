"""The canonical world with a floating-member party org of 罗汉镇 in 东莞, and the procedure world
(tests/procedure/conftest.py) walked to the political review."""

import pytest

from fazhan.organizations.models import OrgCategory, OrgKind
from fazhan.organizations.services import org_create
from tests.procedure.conftest import day, next_offset, pw, walk  # noqa: F401  (the procedure world)

REVIEW_DAY = day(next_offset("S10"))  # 2021-08-24, the political review's day on the legal path
HOME = "中共罗汉镇高桥村支部委员会"
THERE = "中共罗汉镇驻东莞流动党员支部委员会"


@pytest.fixture
def fo(world):
    """The world and 罗汉镇's floating-member branch in 东莞 (SZQ-LH-LD)."""
    world.floating_org = org_create(
        actor=None,
        code="SZQ-LH-LD",
        name=THERE,
        kind=OrgKind.BRANCH,
        category=OrgCategory.FLOATING,
        parent=world.township,
    )
    return world


@pytest.fixture
def fw(fo, pw):  # noqa: F811
    """张三 walked to his introducers (S09, the review comes next), beside the floating-member branch."""
    walk(pw, "S09")
    return pw
