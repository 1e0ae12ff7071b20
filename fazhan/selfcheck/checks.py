"""The check the district's self-inspection task carries: the township hands its report in by the due date.

The 2018 notice (七、对发展党员工作开展检查) asks every base committee to inspect its development work since
2017-01-01 and report by the end of August. The district sets that as a task with a due date; a report
handed in after it is late (逾期), and one not handed in by then is overdue. Pure functions over dates: the
district's page, the to-do row and `fazhan selfcheck status` all ask these, so they cannot disagree."""

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    source: str


CHK_REPORT = Check(
    "CHK-REPORT",
    "乡镇党委按期上报发展党员工作自查报告",
    "2018年《通知》七：8月底前，各基层党（工）委要对2017年以来发展党员工作开展一次自查",
)

# The notice's 8月底: the default due date of a task set in `year`.
DUE_MONTH, DUE_DAY = 8, 31


def default_due(year: int) -> datetime.date:
    return datetime.date(year, DUE_MONTH, DUE_DAY)


def days_late(*, due_on: datetime.date, handed_in_on: datetime.date | None, today: datetime.date) -> int:
    """CHK-REPORT: how many days after the due date the report came (handed in) or has not come yet (not
    handed in, judged today); 0 when on time or not yet due."""
    day = handed_in_on or today
    return max((day - due_on).days, 0)
