"""What the demo township's reserve plans and cycle must be, so the reserve page and the to-do warning have
something to show: every reserve binds as the services bind it, a village holds an activist, and the cycle's
acts are dated in their months and signed by the demo's users. Checked by the demo's own test
(tests/test_demo_and_commands.py), which builds the demo once: a second build costs a minute and a half."""

import datetime

from fazhan.accounts.models import User
from fazhan.organizations.models import Org, OrgCategory
from fazhan.plans.models import CycleAct, CycleStep, Reserve, ReserveEntry
from fazhan.plans.selectors import reserve_children, reserves_below_for_user


def assert_demo_reserves(today: datetime.date) -> None:
    """The demo built on `today` (in November, after the 15th) has this year's and next year's reserves,
    this year's cycle, next year's first requests, and a branch under its reserve."""
    township = Org.objects.get(code="SZQ-LH")
    for year in (today.year, today.year + 1):
        top = Reserve.objects.get(org=township, year=year)
        below = reserve_children(top)
        assert len(below) >= 20
        for attr in ("applicants", "activists", "targets"):
            assert sum(getattr(r, attr) for r in below) <= getattr(top, attr)
        assert all(r.activists >= 1 for r in below if r.org.category == OrgCategory.VILLAGE)
    assert ReserveEntry.objects.filter(year=today.year).count() >= 5
    acts = CycleAct.objects.filter(year=today.year)
    requests = acts.filter(step=CycleStep.REQUEST)
    assert requests.count() >= 20
    assert {a.date for a in requests} == {datetime.date(today.year - 1, 11, 15)}
    assert acts.get(step=CycleStep.GUIDE, org=township).actor.username == "district_reviewer"
    assert acts.get(step=CycleStep.DIVISION, org=township).date == datetime.date(today.year, 3, 5)
    assert CycleAct.objects.filter(year=today.year + 1, step=CycleStep.REQUEST).count() == 2
    warned = reserves_below_for_user(User.objects.get(username="township_organizer"), today=today)
    assert len(warned) >= 1
    assert all(w.below for w in warned)
