"""Reading an interchange file into records with their line numbers, and the field checks every record type
shares. Nothing here touches the database."""

import contextlib
import datetime
import functools
import gc
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from django.utils.translation import gettext as _

ERR_REQUIRED = "必填"
ERR_UNKNOWN_KEY = "未知字段"
ERR_DATE = "应为真实日期（YYYY-MM-DD）"
ERR_TIMESTAMP = "应为带时区的时间（如 2018-03-02T09:30:00+08:00）"
ERR_BOOL = "应为 true 或 false"
ERR_TEXT = "应为文本"
ERR_INT = "应为不小于0的整数"
ERR_CHOICE = "不在可选值内：%(value)s"
ERR_CHOICE_ALLOWED = "不在可选值内：%(value)s（可选：%(allowed)s）"
ERR_LIST = "应为列表"
ERR_FUTURE = "日期不能晚于今天"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: `line N: field: reason` for a JSON Lines file (interchange.md: its
    fields are the format's keys), `第N行：列名：reason` for a workbook, whose reader is the clerk."""

    where: int
    field: str
    reason: str
    unit: str = "line"

    def __str__(self) -> str:
        if self.unit == "row":
            return f"{where_text(self.unit, self.where)}：{self.field}：{self.reason}"
        return f"{where_text(self.unit, self.where)}: {self.field}: {self.reason}"


def where_text(unit: str, where: int) -> str:
    """Where in the file: `line N` of a JSON Lines file (interchange.md), 第N行 of a workbook."""
    return f"第{where}行" if unit == "row" else f"{unit} {where}"


_NO_LABELS: Mapping[str, str] = {}


class Source:
    """One record as read, with where it came from. `labels` renames fields in problems (ledger columns).

    A JSON Lines step record (a district's file holds a million) keeps its line's bytes, not its parsed
    object: `data` parses them when asked (the same object each time while `pin`ned, during its check),
    so the file is never held as a few hundred thousand dicts (issue 16 item 3). A record built from a
    workbook holds its `data` itself."""

    __slots__ = ("_data", "_kind", "_text", "labels", "ledger", "line", "unit")

    def __init__(
        self,
        line: int,
        data: dict[str, Any] | None = None,
        unit: str = "line",
        labels: Mapping[str, str] | None = None,
        ledger: bool = False,  # a ledger's step: compare with the first passing record of the step, if any
        *,
        text: bytes | None = None,
        kind: str | None = None,
    ):
        self.line, self._data, self._text, self._kind = line, data, text, kind
        self.unit, self.labels, self.ledger = unit, _NO_LABELS if labels is None else labels, ledger

    @property
    def data(self) -> dict[str, Any]:
        if self._data is not None:
            return self._data
        if self._text is None:
            self._data = {}
            return self._data
        return _loads(self._text.decode())  # type: ignore[no-any-return]  # read once as an object before

    def pin(self) -> dict[str, Any]:
        """The record's object, kept until `unpin` (one parse for a whole check)."""
        self._data = self.data
        return self._data

    def unpin(self) -> None:
        if self._text is not None:
            self._data = None

    @property
    def type(self) -> str:
        if self._kind is not None:
            return self._kind
        return str(self.data.get("type", ""))

    def problem(self, key: str, reason: str) -> Problem:
        return Problem(self.line, self.labels.get(key, key), reason, self.unit)

    def __repr__(self) -> str:
        return f"Source({self.line}, {self.data!r}, {self.unit!r})"


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """A file's records are a few hundred thousand small objects that live until the import ends: the cyclic
    collector would walk them again and again for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


KEPT_AS_TEXT = "step"  # the record type a file holds by the hundred thousand: kept as its line (Source)
_LONG_DIGITS = re.compile(r"[0-9]{19}")


def _loads(text: str) -> Any:
    """A line's JSON value. orjson reads it several times faster than json and shares the strings of the keys
    it has seen (a file's records repeat the same few dozen keys hundreds of thousands of times); what orjson
    refuses and json takes (NaN, a number beyond 64 bits, a lone surrogate) and every error message are
    json's own, so a file reads exactly as before. A run of 19 digits or more may be an integer past 64 bits,
    which orjson would read as a float: such a line is json's."""
    if _LONG_DIGITS.search(text) is not None:
        return json.loads(text)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


@no_cyclic_gc()
def jsonl_sources(lines: Iterable[str]) -> tuple[list[Source], list[Problem]]:
    sources: list[Source] = []
    problems: list[Problem] = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            data = _loads(text)
        except ValueError as exc:
            problems.append(Problem(number, "json", _("不是有效的 JSON（%(e)s）") % {"e": exc}))
            continue
        if not isinstance(data, dict):
            problems.append(Problem(number, "json", _("每行应为一个 JSON 对象")))
            continue
        if data.get("type") == KEPT_AS_TEXT:
            sources.append(Source(number, text=text.encode(), kind=KEPT_AS_TEXT))
        else:
            sources.append(Source(number, data))
    return sources, problems


@functools.cache
def _known_keys(allowed: tuple[str, ...]) -> frozenset[str]:
    return frozenset(("type", *allowed))


class Fields:
    """Reads one record's fields, noting every problem instead of stopping at the first."""

    def __init__(self, source: Source, problems: list[Problem], *, allowed: Iterable[str]):
        self.source, self.data, self.problems = source, source.data, problems
        self.bad = False
        known = _known_keys(tuple(allowed))
        for key in self.data.keys() - known:
            self.fail(key, _(ERR_UNKNOWN_KEY))

    def fail(self, key: str, reason: str) -> None:
        self.bad = True
        self.problems.append(self.source.problem(key, reason))

    def present(self, key: str) -> bool:
        return self.data.get(key) not in (None, "", [])

    def _missing(self, key: str, required: bool) -> bool:
        if self.present(key):
            return False
        if required:
            self.fail(key, _(ERR_REQUIRED))
        return True

    def text(self, key: str, *, required: bool = False, max_length: int = 200) -> str:
        if self._missing(key, required):
            return ""
        value = self.data[key]
        if not isinstance(value, str):
            self.fail(key, _(ERR_TEXT))
            return ""
        if len(value) > max_length:
            self.fail(key, _("过长（最多%(n)d字）") % {"n": max_length})
        return value.strip()

    def date(
        self, key: str, *, required: bool = False, today: datetime.date | None = None
    ) -> datetime.date | None:
        if self._missing(key, required):
            return None
        value = self.data[key]
        try:
            day = datetime.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
        except ValueError:
            day = None
        if day is None:
            self.fail(key, _(ERR_DATE))
        elif today is not None and day > today:
            self.fail(key, _(ERR_FUTURE))
        return day

    def timestamp(self, key: str) -> datetime.datetime | None:
        if self._missing(key, False):
            return None
        value = self.data[key]
        try:
            moment = datetime.datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            self.fail(key, _(ERR_TIMESTAMP))
            return None
        return moment

    def boolean(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(key, _(ERR_BOOL))
            return default
        return value

    def integer(self, key: str, *, required: bool = False) -> int | None:
        if self._missing(key, required):
            return None
        value = self.data[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            self.fail(key, _(ERR_INT))
            return None
        return value

    def choice(self, key: str, values: Iterable[str], *, required: bool = False) -> str:
        if self._missing(key, required):
            return ""
        value, allowed = self.data[key], list(values)
        if not isinstance(value, str) or value not in allowed:
            self.fail(key, _(ERR_CHOICE_ALLOWED) % {"value": value, "allowed": "、".join(allowed)})
            return ""
        return str(value)

    def choices(self, key: str, values: Iterable[str]) -> list[str]:
        if self._missing(key, False):
            return []
        listed = list(values)
        value, allowed = self.data[key], set(listed)
        if not isinstance(value, list):
            self.fail(key, _(ERR_LIST))
            return []
        wrong = [v for v in value if not isinstance(v, str) or v not in allowed]
        if wrong:
            self.fail(
                key,
                _(ERR_CHOICE_ALLOWED) % {"value": "、".join(map(str, wrong)), "allowed": "、".join(listed)},
            )
            return []
        return list(value)
