"""The official calendar in tests: a made-up arrangement for 2027 (the real one is the State Council's), and
the process's copy of the table put back after each test, whose load its transaction rolled back."""

import pytest

from fazhan.core.calendar import calendar_refresh
from fazhan.holidays.services import calendar_load

# 2027 as an arrangement might have it: the statutory days (元旦 1-1; 除夕 2-5, 春节 2-6..8; 清明 4-5; 劳动节
# 5-1..2; 端午 6-9; 中秋 9-15; 国庆 10-1..3), bridged and with make-up Saturdays and Sundays.
ARRANGEMENT_2027 = """date,kind
2027-01-01,holiday
2027-01-02,holiday
2027-01-03,holiday
2027-02-05,holiday
2027-02-06,holiday
2027-02-07,holiday
2027-02-08,holiday
2027-02-09,holiday
2027-02-10,holiday
2027-02-11,holiday
2027-02-12,holiday
2027-02-20,workday
2027-04-03,holiday
2027-04-04,holiday
2027-04-05,holiday
2027-05-01,holiday
2027-05-02,holiday
2027-05-03,holiday
2027-05-04,holiday
2027-05-05,holiday
2027-05-08,workday
2027-06-09,holiday
2027-09-15,holiday
2027-09-26,workday
2027-10-01,holiday
2027-10-02,holiday
2027-10-03,holiday
2027-10-04,holiday
2027-10-05,holiday
2027-10-06,holiday
2027-10-07,holiday
2027-10-09,workday
"""


@pytest.fixture(autouse=True)
def calendar_as_committed(request, django_db_blocker):
    """A load inside a test lives in the test's transaction, which is rolled back after it; this process's
    copy of the table must not keep it for the tests that follow."""
    yield
    if {"db", "transactional_db"} & set(request.fixturenames):
        with django_db_blocker.unblock():
            calendar_refresh()


@pytest.fixture
def load_2027(django_capture_on_commit_callbacks):
    """Load a 2027 file as the page and the command do, its on-commit refresh of the copy included."""

    def load(text: str = ARRANGEMENT_2027, *, actor=None):
        with django_capture_on_commit_callbacks(execute=True):
            return calendar_load(actor=actor, data=text.encode(), filename="2027.csv")

    return load
