"""The shape of a step's `details` (interchange.md), checked alike at entry, in the API and on import."""

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from fazhan.procedure.definition import (
    CHOICE_LABELS,
    DETAIL_LABELS,
    FIRST_DAY,
    LAST_DAY,
    STEPS_BY_CODE,
    Detail,
)


@dataclass(frozen=True)
class FlagList:
    """The items of a flags detail that a wing keeps as data, per org (the negative list of S10, notice 四:
    training.selectors): `items_of(org)` the (key, label) an org's step offers, `label_of(key)` the label of
    any item a record holds (None: unknown). Registered in the wing's AppConfig.ready(): the procedure
    imports no wing. A detail without one offers its declared choices."""

    items_of: Callable[[Any], Sequence[tuple[str, str]]]
    label_of: Callable[[str], str | None]


FLAG_LISTS: dict[str, FlagList] = {}


def flag_list_register(key: str, flag_list: FlagList) -> None:
    FLAG_LISTS[key] = flag_list


def flag_choices(key: str, detail: Detail, org: Any) -> list[tuple[str, Any]]:
    """The items a flags detail offers for a step of a person of `org` (None: no org known)."""
    if key in FLAG_LISTS:
        return list(FLAG_LISTS[key].items_of(org))
    return [(c, CHOICE_LABELS.get(c, c)) for c in detail.choices]


def flag_label(key: str, item: str) -> str:
    """How an item a record holds reads: its label in the wing's lists, else the declared one, else itself."""
    label = FLAG_LISTS[key].label_of(item) if key in FLAG_LISTS else None
    return str(label or CHOICE_LABELS.get(item, item))


def _date_range_error() -> str:
    return _("日期应在 %(first)s 至 %(last)s 之间") % {"first": FIRST_DAY, "last": LAST_DAY}


def _shape_error(spec: Detail, value: Any) -> str | None:
    if spec.kind in ("pids", "orgs"):
        ok = isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
        return None if ok else _("应为编号列表")
    if spec.kind in ("org", "form", "text"):
        return None if isinstance(value, str) else _("应为文本")
    if spec.kind == "bool":
        return None if isinstance(value, bool) else _("应为是或否")
    if spec.kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= spec.maximum
        return None if ok else _("应为0至%(max)d之间的整数") % {"max": spec.maximum}
    if spec.kind == "date":
        try:
            day = datetime.date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            day = None
        if day is None:
            return _("应为日期（YYYY-MM-DD）")
        return None if FIRST_DAY <= day <= LAST_DAY else _date_range_error()
    if spec.kind == "choice":
        return None if value in spec.choices else _("不在可选值内：%(c)s") % {"c": "、".join(spec.choices)}
    if spec.kind == "choices":
        ok = isinstance(value, list) and all(v in spec.choices for v in value)
        return None if ok else _("不在可选值内：%(c)s") % {"c": "、".join(spec.choices)}
    if spec.kind == "flags":
        ok = isinstance(value, dict) and all(isinstance(v, bool) for v in value.values())
        return None if ok else _("应为各项是否适用")
    raise LookupError(spec.kind)


def details_errors(step: str, details: Mapping[str, Any]) -> dict[str, str]:
    """{key: problem} for every malformed, unknown or missing key of a step's details."""
    specs = STEPS_BY_CODE[step].details
    errors: dict[str, str] = {}
    for key, value in details.items():
        spec = specs.get(key)
        if spec is None:
            errors[key] = _("该步骤没有此项内容")
        elif value is None or value == "" or value == []:
            continue
        elif (problem := _shape_error(spec, value)) is not None:
            errors[key] = problem
    for key, spec in specs.items():
        if spec.required and details.get(key) in (None, "", []):
            errors[key] = _("必填")
    return errors


def details_clean(step: str, details: Mapping[str, Any]) -> dict[str, Any]:
    """Drop empty values, so that an absent item and an empty one read the same."""
    return {k: v for k, v in details.items() if v not in (None, "", [])}


def details_display(step: str, details: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs of a record's details in Chinese, for the timeline and the printed record."""
    specs = STEPS_BY_CODE[step].details
    out = []
    for key, value in details.items():
        kind = specs[key].kind if key in specs else "text"
        if kind in ("choices", "pids", "orgs") and isinstance(value, list):
            shown = "、".join(str(CHOICE_LABELS.get(v, v)) for v in value)
        elif kind == "flags" and isinstance(value, dict):
            shown = "、".join(flag_label(key, k) for k, v in value.items() if v) or _("无")
        elif kind == "bool":
            shown = _("是") if value else _("否")
        else:
            shown = str(CHOICE_LABELS.get(value, value)) if isinstance(value, str) else str(value)
        label = str(DETAIL_LABELS.get(key, key)).split("（")[0]
        out.append((label, shown))
    return out
