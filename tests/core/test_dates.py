"""One Chinese date formatter (core/dates.py) for every document, export, printed table and rule message."""

import datetime
import re
from pathlib import Path

from fazhan.core.dates import date_cn
from fazhan.core.excel import shown
from fazhan.procedure.engine import Finding, refusal_text

ROOT = Path(__file__).resolve().parents[2] / "fazhan"
# An f-string that spells out 年/月/日 from a date's parts: a copy of date_cn.
COPY = re.compile(r"\{[^{}]*\.year\}年\{[^{}]*\.month\}月\{[^{}]*\.day\}日")


def test_date_cn_writes_no_leading_zero_and_nothing_for_no_date():
    assert date_cn(datetime.date(2018, 3, 1)) == "2018年3月1日"
    assert date_cn(datetime.date(2021, 12, 25)) == "2021年12月25日"
    assert date_cn(None) == ""


def test_a_spreadsheet_cell_and_a_rule_message_write_the_date_the_same_way():
    assert shown(datetime.date(2022, 1, 4)) == "2022年1月4日"
    assert shown(datetime.datetime(2022, 1, 4, 9, 5)) == "2022年1月4日 09:05"
    refusal = Finding("SEQ-ORDER", "block", "前置步骤未完成", earliest=datetime.date(2022, 1, 4))
    assert "最早可于2022年1月4日办理" in refusal_text(refusal)


def test_no_module_keeps_its_own_copy_of_the_formatter():
    copies = [
        f"{path.relative_to(ROOT.parent)}:{n}"
        for path in sorted(ROOT.rglob("*.py"))
        if path.name != "dates.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if COPY.search(line)
    ]
    assert not copies, "Chinese dates written by hand instead of core.dates.date_cn:\n" + "\n".join(copies)
    assert COPY.search('f"{day.year}年{day.month}月{day.day}日"')  # the pattern finds a copy
