"""The untrained report as a workbook: the same selector (training.selectors.untrained_report) feeds the page,
this download and `fazhan training untrained --xlsx`."""

from fazhan.core.dates import date_cn
from fazhan.core.excel import Table
from fazhan.training.selectors import ROLE_ORDER, UntrainedReport


def untrained_tables(report: UntrainedReport) -> list[Table]:
    labels = {"branch_secretary": "党组织书记", "contact": "培养联系人", "introducer": "入党介绍人"}
    headers = ["党组织"]
    for role in ROLE_ORDER:
        headers += [f"{labels[role]}（人）", "其中未参训（人）"]
    counts = [
        [line.org.name, *(n for role in ROLE_ORDER for n in (line.total[role], line.untrained[role]))]
        for line in report.orgs
    ]
    people = [[s.org.name, s.role_label, s.name, s.pid, "、".join(s.cases)] for s in report.untrained]
    return [
        Table(f"业务培训未参训人员统计（截至{date_cn(report.as_of)}）", headers, counts, sheet="未参训统计"),
        Table(
            "未参训人员名单",
            ["党组织", "身份", "姓名", "人员编号", "联系或介绍的对象"],
            people,
            sheet="未参训名单",
        ),
    ]
