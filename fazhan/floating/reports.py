"""The migrant-worker report (notice 五: the inflow org develops members among the migrant workers flowing
in), one table for the page and the download."""

import datetime

from django.utils.translation import gettext as _

from fazhan.core.dates import date_cn
from fazhan.core.excel import Table
from fazhan.floating.selectors import MigrantRow
from fazhan.procedure.definition import CaseStage

HEADERS = (
    "党组织",
    "流入农民工",
    "入党申请人",
    "入党积极分子",
    "发展对象",
    "进入发展程序合计",
    "预备党员",
    "党员",
)


def migrant_table(rows: list[MigrantRow], day: datetime.date) -> Table:
    """Per inflow org and in total: the migrant workers flowing in on `day`, those in the pool by stage and
    together, the probationary members developed among them, and the members."""
    body = []
    totals = [0] * (len(HEADERS) - 1)
    for row in rows:
        s = row.stages
        numbers = [
            row.workers,
            s[CaseStage.APPLICANT],
            s[CaseStage.ACTIVIST],
            s[CaseStage.TARGET],
            row.in_procedure,
            s[CaseStage.PROBATIONARY],
            s[CaseStage.FULL],
        ]
        totals = [a + b for a, b in zip(totals, numbers, strict=True)]
        body.append([row.org.name, *numbers])
    if rows:
        body.append([_("合计"), *totals])
    return Table(
        title=_("流入农民工发展党员情况（截至%(day)s）") % {"day": date_cn(day)},
        headers=[_(h) for h in HEADERS],
        rows=body,
        sheet=_("流入农民工"),
    )
