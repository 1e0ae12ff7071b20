"""A notice over 张三 (P0001), walked to an activist of more than a year (the legal path up to step 6)."""

import datetime

import pytest

from fazhan.notices.models import NoticeKind
from fazhan.notices.services import notice_publish
from tests.core.conftest import calendar_as_committed, load_2027  # noqa: F401  (the calendar's copy)
from tests.procedure.conftest import pw, walk  # noqa: F401  (the procedure world)

JUNE_1 = datetime.date(2021, 6, 1)  # a Tuesday: five working days end on Monday 7 June
JUNE_7 = datetime.date(2021, 6, 7)
CONTACT = "来电 0832-1234567；来信来访 罗汉镇党委组织办"


@pytest.fixture
def activist(pw):  # noqa: F811
    walk(pw, "S06")
    pw.case.refresh_from_db()
    return pw


def publish(w, *, actor=None, cases=None, starts_on=JUNE_1, ends_on=None, kind=NoticeKind.TARGET, org=None):
    return notice_publish(
        actor=actor if actor is not None else w.users["sec1"],
        org=org or w.branch1,
        kind=kind,
        cases=cases if cases is not None else [w.case],
        starts_on=starts_on,
        ends_on=ends_on,
        contact=CONTACT,
    )
