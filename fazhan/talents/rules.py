"""The key-talent checks (重点人才, 《2018年发展党员指导性计划》通知 五 高知识群体): pure functions
over dates and numbers, each with a stable id. The services refuse by them; the pages and
`fazhan talents coverage` count by them; tests/talents/ holds each both ways.

- TAL-MARK   a unit or a person is marked once at a time, from a date not after today; unmarked on or after
             the day it was marked.
- TAL-PLAN   单列计划: the places reserved for key persons are entered by the roles that set the quota, for an
             org that has a plan for the year, and never exceed that plan's quota.
- TAL-LEADER the leader (党员领导干部) is a full member on the day the link starts, not the key person, and
             the key person is marked on that day; one current link per pair (一对一、多对一 both
             allowed).
- TAL-CONTACT a contact is dated within the leader's link to the key person, and not after today.
- TAL-COVER  a key person is covered on a day when a link is current that day and a contact is dated within
             the last quarter: the three calendar months up to that day (from the same day number three
             months before, clamped to the month's end, to the day itself, both included).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString

from fazhan.core.calendar import add_months

NOTICE_5 = "《2018年发展党员指导性计划》通知 五"
RULES = {
    "TAL-MARK": "重点单位、重点培养对象的确定与取消",
    "TAL-PLAN": "高知识群体单列计划",
    "TAL-LEADER": "党员领导干部“一对一”“多对一”联系",
    "TAL-CONTACT": "联系服务记录",
    "TAL-COVER": "联系覆盖（近一个季度）",
}
QUARTER_MONTHS = 3


def cite(rule: str) -> SafeString:
    """How a refusal ends: the rule by its Chinese title and its source, the id small beside them for
    whoever looks it up (（“高知识群体单列计划”，《…》通知 五 <small class="rule-id">TAL-PLAN</small>）), as
    the pages show every rule. HTML: a refusal that cites it is built escaped (services.refusal)."""
    return format_html('（“{}”，{} <small class="muted rule-id">{}</small>）', RULES[rule], NOTICE_5, rule)


def quarter_start(day: datetime.date) -> datetime.date:
    """The first day of the last quarter up to `day` (TAL-COVER)."""
    return add_months(day, -QUARTER_MONTHS)


def current(since: datetime.date, until: datetime.date | None, day: datetime.date) -> bool:
    """A mark or a link dated `since`..`until` (open when None) holds on `day`."""
    return since <= day and (until is None or day <= until)


def plan_line_fits(reserved: int, quota: int | None) -> bool:
    """TAL-PLAN: the reserved places fit within the year's quota (no quota: nothing fits)."""
    return quota is not None and 0 <= reserved <= quota


@dataclass(frozen=True)
class LinkDates:
    start: datetime.date
    end: datetime.date | None


def covered(
    links: Iterable[LinkDates], contacts: Iterable[datetime.date], day: datetime.date
) -> tuple[bool, bool]:
    """TAL-COVER: (a link is current on `day`, a contact is dated within the last quarter up to `day`)."""
    has_leader = any(current(link.start, link.end, day) for link in links)
    first = quarter_start(day)
    has_contact = any(first <= d <= day for d in contacts)
    return has_leader, has_contact
