"""The editions of the 细则 as data (procedure.md G, Editions), and how a rule's article is cited to users.

The definition writes articles as the 2014 细则 numbers them (`Art.24`, ranges `Art.5–6`, lists `Art.15,19`,
[P] for provincial practice), the Party Constitution as `党章 Art.N` and the 2018 notice as `通知一`…`通知七`.
Users read the citation of the edition in force on the step's date: 《细则》（2014）第二十四条.

The revised 细则 was issued on 2026-05-18; its text is not available to this project yet, so it holds no
articles here (`has_text` False) and the 2014 rules — and their citations — apply to every date, before and
after 2026-05-18, until its text is entered. Entering it is data: set `has_text`, give `renumbered` the 2014
article → 2026 article map, and steps dated from 2026-05-18 cite the new numbers.
"""

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils import timezone


@dataclass(frozen=True)
class Edition:
    id: str
    title: str
    short: str  # how a citation names it
    in_force_from: datetime.date
    has_text: bool = True
    renumbered: Mapping[int, int] = field(default_factory=dict)  # 2014 article → this edition's


EDITIONS = (
    Edition(
        "2014",
        "《中国共产党发展党员工作细则》（中办发〔2014〕33号）",
        "《细则》（2014）",
        datetime.date(2014, 5, 28),
    ),
    Edition(
        "2026",
        "《中国共产党发展党员工作细则》（2026年修订）",
        "《细则》（2026）",
        datetime.date(2026, 5, 18),
        has_text=False,  # text not yet available: the 2014 articles apply to every date
    ),
)
EDITIONS_BY_ID = {e.id: e for e in EDITIONS}

DIGITS = "零一二三四五六七八九"
CONSTITUTION = "《中国共产党章程》"
NOTICE = "2018年发展党员工作通知"
OTHER_SOURCES = {
    "25-step chart": "发展党员工作流程（25个步骤）",
    "B0.10 台账迁移": "台账迁移规定",
}
PROVINCIAL = "（地方实践）"


def chinese_number(n: int) -> str:
    """1..99 as written in article numbers: 五, 十三, 二十四."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else DIGITS[tens] + "十")
    return head + (DIGITS[ones] if ones else "")


def edition_on(day: datetime.date | None) -> Edition:
    """The edition whose articles apply on `day`: the latest in force by then that has its text; the 2014
    edition for every date before it and for any date while no later text is at hand."""
    with_text = [e for e in EDITIONS if e.has_text]
    if day is None:
        day = timezone.localdate()
    in_force = [e for e in with_text if e.in_force_from <= day]
    return in_force[-1] if in_force else with_text[0]


def _articles(spec: str, edition: Edition) -> str:
    """`5–6` → 第五至六条, `15,19` → 第十五条、第十九条, `23,25–26` → 第二十三条、第二十五至二十六条."""
    parts = []
    for piece in spec.split(","):
        bounds = [edition.renumbered.get(int(n), int(n)) for n in re.split("[–-]", piece.strip())]
        parts.append("第" + "至".join(chinese_number(n) for n in bounds) + "条")
    return "、".join(parts)


def citation(article: str, on_date: datetime.date | None = None) -> str:
    """The Chinese citation of a definition's article, in the edition in force on `on_date` (or today)."""
    article = article.strip()
    if not article:
        return ""
    if article in OTHER_SOURCES:
        return OTHER_SOURCES[article]
    provincial = article.endswith("[P]")
    core = article.removesuffix("[P]").strip()
    if core.startswith("通知"):
        text = f"{NOTICE}第{core.removeprefix('通知')}部分"
    elif core.startswith("党章 Art."):
        text = CONSTITUTION + _articles(core.removeprefix("党章 Art."), EDITIONS_BY_ID["2014"])
    elif core.startswith("Art."):
        edition = edition_on(on_date)
        text = edition.short + _articles(core.removeprefix("Art."), edition)
    else:
        text = core
    return text + (PROVINCIAL if provincial else "")
