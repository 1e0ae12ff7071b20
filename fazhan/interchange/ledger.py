"""The 发展党员工作台账 (interchange.md, Excel ledgers): one row per person, the dates of the main steps.

Import turns each row into a person record and the step records its dates imply (no `recorded_at`, marked
`from_ledger`), and hands them to the same importer as the JSON Lines format; problems read `row N: 列名:
reason`. The columns are found by their header (aliases allowed, any order, a title row above the header
allowed), so the rosters (花名册) that Fazhan writes import back as well: a roster is a ledger with fewer
columns. A step is dated only by its own column: where a ledger has no date of S05, S09 or S14 but names the
people or the form, the step takes the date of the step it follows (S03, S07, S13) and is marked
`date_inferred`. A ledger's step is matched with the person's first passing record of that step
(interchange/decide.py), so a changed date becomes a correction of it that the preview shows, and an inferred
date never supersedes a recorded one. Export writes the first passing record of each step, in the order of
COLUMNS, an inferred date left blank."""

import datetime
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from fazhan.core.excel import Table, workbook_bytes, workbook_write
from fazhan.core.masking import mask_id_number
from fazhan.interchange.canon import person_export_record
from fazhan.interchange.reader import Problem, Source, no_cyclic_gc
from fazhan.interchange.words import ALLOWED, allowed_text, standard
from fazhan.organizations.models import Org, OrgKind
from fazhan.people.identity import id_number_key
from fazhan.people.idnumber import IdNumberError, id_number_parse
from fazhan.people.models import Person, PersonRole
from fazhan.procedure.definition import STEPS_BY_CODE, Anchor, CaseStage
from fazhan.procedure.models import Case, StepRecord


class Column(NamedTuple):
    header: str
    what: str  # a step code for a date column, else a field of the row
    aliases: tuple[str, ...] = ()


# interchange.md's ledger layout, in its order; the aliases are headers clerks' own ledgers use.
COLUMNS = [
    Column("序号", "seq", ("编号",)),
    Column("姓名", "name", ("名字",)),
    Column("身份证号", "id_number", ("身份证号码", "公民身份号码", "身份证")),
    Column("性别", "gender"),
    Column("民族", "ethnicity"),
    Column("学历", "education", ("文化程度",)),
    Column("职业", "occupation"),
    Column("所在党支部(代码)", "org", ("所在党支部代码", "党支部代码", "支部代码")),
    Column(
        "所在党支部名称",
        "org_name",
        ("党支部名称", "支部名称", "所在党支部", "所在支部", "党支部", "所在党组织"),
    ),
    Column("工作单位及职务", "work_unit", ("工作单位", "单位及职务", "单位职务")),
    Column("籍贯", "native_place"),
    Column("参加工作时间", "work_started_on", ("参加工作日期",)),
    Column(
        "申请入党日期",
        "S01",
        (
            "递交入党申请书日期",
            "递交申请书日期",
            "入党申请日期",
            "申请日期",
            "提交入党申请书日期",
            "申请入党",
        ),
    ),
    Column("谈话日期", "S02", ("谈话时间",)),
    Column(
        "确定积极分子日期",
        "S03",
        (
            "确定入党积极分子日期",
            "确定为积极分子日期",
            "确定为入党积极分子日期",
            "列为入党积极分子日期",
            "入党积极分子确定日期",
        ),
    ),
    Column("培养联系人", "contacts", ("培养联系人姓名", "培养人")),
    Column("指定培养联系人日期", "S05", ("确定培养联系人日期",)),
    Column("确定发展对象日期", "S07", ("确定为发展对象日期", "列为发展对象日期", "发展对象确定日期")),
    Column("入党介绍人", "introducers", ("入党介绍人姓名", "介绍人")),
    Column("确定入党介绍人日期", "S09", ("指定入党介绍人日期",)),
    Column("政审日期", "S10", ("政治审查日期",)),
    Column("集中培训日期", "S11", ("培训日期",)),
    Column("预审日期", "S13", ("党委预审日期",)),
    Column("志愿书编号", "form_number", ("入党志愿书编号",)),
    Column("填写志愿书日期", "S14", ("填写入党志愿书日期",)),
    Column("支部大会日期", "S15", ("支部大会讨论日期", "接收预备党员日期")),
    Column("审批日期", "S17", ("党委审批日期", "批准入党日期", "接收预备党员审批日期")),
    Column("入党宣誓日期", "S20", ("宣誓日期",)),
    Column("转正申请日期", "S22", ("提出转正申请日期",)),
    Column("转正大会日期", "S23", ("讨论转正日期", "转正支部大会日期")),
    Column("转正审批日期", "S24", ("批准转正日期", "党委审批转正日期")),
    Column("备注", "note", ()),
]
HEADERS = [c.header for c in COLUMNS]
HEADER_OF = {c.what: c.header for c in COLUMNS}
DATE_STEPS = [c.what for c in COLUMNS if c.what in STEPS_BY_CODE]
REQUIRED = ("name", "id_number")  # and the branch, by its code or its name
# Steps the ledger names people or a form for: (details key, step, the step whose date it takes when the
# ledger has no date of its own).
NAMED_STEPS: list[tuple[str, str, str]] = [
    ("contacts", Anchor.CONTACTS, Anchor.ACTIVIST),
    ("introducers", Anchor.INTRODUCERS, Anchor.TARGET),
    ("form_number", Anchor.FORM, Anchor.PREREVIEW),
]
NAMED_STEP_CODES = {step for _, step, _ in NAMED_STEPS}
# 工作单位及职务 is one column of the ledger and two fields of the person: written "单位 职务", read back by
# splitting off the last word. An ideographic space marks the split where the unit itself holds a space, so
# that a re-import of the export changes nothing.
UNIT_POSITION_MARK = "\u3000"
PERSON_LABELS = {
    "work_unit": "工作单位及职务",
    "position": "工作单位及职务",
    "native_place": "籍贯",
    "work_started_on": "参加工作时间",
    "id": "身份证号",
    "name": "姓名",
    "id_number": "身份证号",
    "gender": "性别",
    "ethnicity": "民族",
    "education": "学历",
    "occupation": "职业",
    "org": "所在党支部(代码)",
}
_SEPARATORS = re.compile(r"[、,，;；\s]+")
_NAMED_PID = re.compile(r"^(.*?)[（(]([A-Za-z0-9_-]+)[)）]$")
_HEADER_SPACE = re.compile(r"\s+")
_WRITTEN_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
EXCEL_EPOCH = datetime.date(1899, 12, 30)  # Excel's day 0 (the 1900 date system, its leap-year bug included)
SERIALS = range(1, 2958466)  # Excel's serial days: 1900-01-01 to 9999-12-31
TITLE = "发展党员工作台账"
HEADER_SEARCH_ROWS = 10  # title rows or a note may stand above the header
CODED = ("gender", "ethnicity", "education", "occupation")
BRANCHES_LISTED = 20  # a refused branch name lists up to this many of the importer's branches
LEDGER_CHUNK = 2000  # persons whose rows are made at once on export (their step records read together)
UNWRITTEN_PERSON_FIELDS = ("birth_date", "household_place", "name_initials", "id_number_key", "id_tail_key")
ERR_DATE_CELL = "应为日期，如 2018-03-01、2018年3月1日、2018.3.1 或 2018/3/1"


def _normal(header: str) -> str:
    return _HEADER_SPACE.sub("", header).replace("（", "(").replace("）", ")")


def _spellings(column: Column) -> list[str]:
    """A column's header and aliases, each date column's also with 时间 for 日期 and the other way round."""
    names = [column.header, *column.aliases]
    if column.what in STEPS_BY_CODE or column.what == "work_started_on":
        names += [n[:-2] + "时间" for n in names if n.endswith("日期")]
        names += [n[:-2] + "日期" for n in names if n.endswith("时间")]
    return names


_BY_HEADER = {_normal(name): c.what for c in COLUMNS for name in _spellings(c)}


def _cell_date(value: Any) -> datetime.date | str | None:
    """A date cell as a date: a date cell, an Excel serial day number, or a date written as 2018-03-01,
    2018/3/1, 2018.3.1, 2018年3月1日 (spaces allowed) or 20180301; None when empty; the text itself when it is
    no date."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and int(value) in SERIALS:
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        return str(value)
    text = str(value).strip()
    match = _WRITTEN_DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match:
        try:
            return datetime.date(*map(int, match.groups()))
        except ValueError:
            return text
    return text


def unit_position_cell(work_unit: str, position: str) -> str:
    if position:
        return (
            f"{work_unit}{UNIT_POSITION_MARK}{position}" if work_unit else f"{UNIT_POSITION_MARK}{position}"
        )
    return f"{work_unit}{UNIT_POSITION_MARK}" if " " in work_unit else work_unit


def unit_position_split(text: str) -> tuple[str, str]:
    """(工作单位, 职务) of a 工作单位及职务 cell: "罗汉镇人民政府 科员" → ("罗汉镇人民政府", "科员")."""
    if UNIT_POSITION_MARK in text:
        unit, _mark, position = text.partition(UNIT_POSITION_MARK)
        return " ".join(unit.split()), " ".join(position.split())
    words = text.split()
    if len(words) < 2:
        return text.strip(), ""
    return " ".join(words[:-1]), words[-1]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        value = value.date()
    return str(value).strip()


def workbook_tables(content: bytes) -> list[tuple[str, list[list[Any]]]] | None:
    """Every sheet of a workbook as (name, rows of cell values): .xlsx, .xls (WPS's .et is one inside), .ods,
    known by their content, not their name; None when the content is no workbook."""
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheets = []
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            sheets.append((name, [list(r) for r in rows]))
    except Exception:  # calamine raises its own errors, and ValueError/OSError for what it cannot tell
        return None
    return sheets


class _Header(NamedTuple):
    rows: int  # the header's last row (1-based): the data start below it
    columns: list[str]  # the field each column holds ("" for a column Fazhan does not know)
    texts: list[str]  # each column's header as written


def _header_of(upper: list[Any], lower: list[Any] | None) -> tuple[list[str], list[str]]:
    """The fields a header row names, column by column. With a second row, the upper row groups the columns
    under it (a merged cell is read in its first column only, so a group is carried right): a column is named
    by its group and its own header together, else its own header, else the upper cell alone."""
    columns, texts, group = [], [], ""
    width = max(len(upper), len(lower or []))
    for j in range(width):
        up = _normal(_cell_text(upper[j])) if j < len(upper) else ""
        low = _normal(_cell_text(lower[j])) if lower is not None and j < len(lower) else ""
        if up:
            group = up
        candidates = [group + low, low] if low else [up]
        what = next((_BY_HEADER[c] for c in candidates if c in _BY_HEADER), "")
        columns.append(what)
        texts.append(low or up)
    return columns, texts


def _known(columns: list[str]) -> int:
    return len({c for c in columns if c})


def _find_header(rows: list[list[Any]]) -> _Header | None:
    """The header among the top rows: the first row naming the ID number column, or two rows together when
    the row under it names more columns with it (a two-row header)."""
    top = rows[:HEADER_SEARCH_ROWS]
    for i, row in enumerate(top):
        single = _header_of(row, None)
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        double = _header_of(row, nxt) if nxt is not None else ([], [])
        below = _header_of(nxt, None)[0] if nxt is not None else []
        if "id_number" in double[0] and _known(double[0]) > max(_known(single[0]), _known(below)):
            return _Header(i + 2, *double)
        if "id_number" in single[0]:
            return _Header(i + 1, *single)
    return None


class _LedgerReader:
    def __init__(self, scope: list[str] | None = None) -> None:
        self.sources: list[Source] = []
        self.problems: list[Problem] = []
        self.notes: list[Problem] = []
        self.names: dict[str, dict[str, set[str]]] = defaultdict(
            lambda: defaultdict(set)
        )  # org → name → pids
        self.db_names_loaded: set[str] = set()
        self.pending_refs: list[tuple[Source, str, str, str]] = []  # source, details key, org, cell text
        top = 0
        for pid in Person.objects.filter(pid__regex=r"^P[0-9]+$").values_list("pid", flat=True):
            top = max(top, int(pid[1:]))
        self.next_number = top + 1
        self.orgs = {o.code: o for o in Org.objects.all()}
        # An org written by its name: unique among the orgs the importer may import into.
        self.org_names: dict[str, list[Org]] = defaultdict(list)
        self.branches: list[Org] = []  # the branches a refused name is told of
        for org in sorted(self.orgs.values(), key=lambda o: o.path):
            if scope is None or any(org.path.startswith(p) for p in scope):
                for name in {org.name, org.name.removeprefix("中共")}:
                    self.org_names[_normal(name)].append(org)
                if org.kind in (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH):
                    self.branches.append(org)
        self.file_pids: dict[str, int] = {}  # pid → the row that named it first

    def problem(self, row: int, column: str, reason: str) -> None:
        self.problems.append(Problem(row, column, reason, "row"))

    def read(self, content: bytes) -> None:
        sheets = workbook_tables(content)
        if sheets is None:
            self.problem(1, _("文件"), _("不是可读的 Excel 或 WPS 表格文件（.xlsx、.xls、.et、.ods）"))
            return
        found = partial = (
            None  # the first sheet whose header has every required column, else the first header
        )
        for index, (name, rows) in enumerate(sheets):
            header = _find_header(rows)
            if header is None:
                continue
            if all(w in header.columns for w in REQUIRED) and (
                "org" in header.columns or "org_name" in header.columns
            ):
                found = (index, name, rows, header)
                break
            partial = partial or (index, name, rows, header)
        found = found or partial
        if found is None:
            self.problem(
                1,
                _("表头"),
                _("找不到表头（须有“身份证号”列）；列名可为：%(h)s") % {"h": "，".join(HEADERS)},
            )
            return
        index, name, rows, header = found
        if index > 0:
            self.notes.append(
                Problem(
                    header.rows, _("工作表"), _("读取工作表“%(s)s”，其余工作表未读取") % {"s": name}, "row"
                )
            )
        if not self.check_header(header):
            return
        columns = header.columns
        for number, values in enumerate(rows[header.rows :], start=header.rows + 1):
            cells = {what: v for what, v in zip(columns, values, strict=False) if what}
            if all(v in (None, "") for v in cells.values()):
                continue
            self.read_row(number, cells)
        self.resolve_refs()

    def check_header(self, header: _Header) -> bool:
        number, columns = header.rows, header.columns
        missing = [HEADER_OF[w] for w in REQUIRED if w not in columns]
        if "org" not in columns and "org_name" not in columns:
            missing.append(f"{HEADER_OF['org']}或{HEADER_OF['org_name']}")
        if missing:
            self.problem(number, _("表头"), _("缺少列：%(c)s") % {"c": "，".join(missing)})
            return False
        doubled = sorted({HEADER_OF[w] for w in columns if w and columns.count(w) > 1})
        if doubled:
            self.problem(number, _("表头"), _("列重复：%(c)s") % {"c": "，".join(doubled)})
            return False
        unknown = [t for t, w in zip(header.texts, columns, strict=True) if t and not w]
        if unknown:
            self.notes.append(
                Problem(number, _("表头"), _("未识别的列，未导入：%(c)s") % {"c": "，".join(unknown)}, "row")
            )
        return True

    def org_code(self, number: int, cells: dict[str, Any]) -> str:
        """The branch of a row: its code, or its name (in either column) when that names one org of the
        importer's subtree; the text as written when it names none (the importer refuses it)."""
        code, name = _cell_text(cells.get("org")), _cell_text(cells.get("org_name"))
        if code in self.orgs:
            return code
        written = code or name
        if not written:
            return ""
        column = HEADER_OF["org"] if code else HEADER_OF["org_name"]
        candidates = self.org_names.get(_normal(written), [])
        if len(candidates) == 1:
            return candidates[0].code
        if len(candidates) > 1:
            listed = "、".join(f"{o.name}（{o.code}）" for o in sorted(candidates, key=lambda o: o.path))
            self.problem(
                number, column, _("“%(n)s”对应多个党组织：%(c)s，请填写代码") % {"n": written, "c": listed}
            )
            return ""
        if not code:
            self.problem(number, column, self.no_such_org(written))
        return code  # a code the importer refuses as an unknown org

    def no_such_org(self, written: str) -> str:
        """The refusal of a branch name that names no org, with the branches that may be written."""
        shown = "、".join(f"{o.name}（{o.code}）" for o in self.branches[:BRANCHES_LISTED])
        if len(self.branches) > BRANCHES_LISTED:
            shown += _("等 %(n)d 个") % {"n": len(self.branches)}
        if not shown:
            return _("找不到名为“%(n)s”的党组织") % {"n": written}
        return _("找不到名为“%(n)s”的党组织（可填：%(b)s）") % {"n": written, "b": shown}

    def coded(self, number: int, cells: dict[str, Any], key: str) -> str | None:
        """A coded column's value in its code list (everyday words taken as words.WORDS says); refused with
        the allowed values listed."""
        text = _cell_text(cells.get(key))
        if not text:
            return None
        value = standard(key, text)
        if value is None:
            self.problem(
                number,
                HEADER_OF[key],
                _("不在可选值内：%(v)s（可选：%(a)s）") % {"v": text, "a": allowed_text(key)},
            )
        return value

    def committee_of(self, code: str) -> str:
        org = self.orgs.get(code)
        if org is None:
            return ""
        for ancestor in reversed([c for c in org.path.strip("/").split("/") if c]):
            if ancestor in self.orgs and self.orgs[ancestor].kind == OrgKind.COMMITTEE:
                return ancestor
        return ""

    def read_row(self, number: int, cells: dict[str, Any]) -> None:
        known = len(self.problems)
        org = self.org_code(number, cells)
        if len(self.problems) > known:
            # The branch is named by a name that names no org, or several: the row's problems are still
            # listed, but it yields no records (the importer would only repeat that the branch is missing).
            sources, refs = len(self.sources), len(self.pending_refs)
            self.read_person(number, cells, org)
            del self.sources[sources:], self.pending_refs[refs:]
            return
        self.read_person(number, cells, org)

    def read_person(self, number: int, cells: dict[str, Any], org: str) -> None:
        id_number = _cell_text(cells.get("id_number"))
        name = _cell_text(cells.get("name"))
        pid = self.person_id(id_number)
        if pid in self.file_pids:
            self.problem(
                number,
                HEADER_OF["id_number"],
                _("与第 %(line)d 行的身份证号重复") % {"line": self.file_pids[pid]},
            )
            return
        self.file_pids[pid] = number
        record: dict[str, Any] = {"type": "person", "id": pid}
        existing = Person.objects.filter(pid=pid).select_related("org", "work_unit_org").first()
        if existing is not None:
            roles = list(PersonRole.objects.filter(person=existing).values_list("role", flat=True))
            record = person_export_record(existing, roles)
        record |= {"name": name, "id_number": id_number, "org": org}
        for key in CODED:
            code = self.coded(number, cells, key)
            if code is not None:
                record[key] = code
        unit_cell = cells.get("work_unit")
        if unit_cell not in (None, ""):
            record["work_unit"], record["position"] = unit_position_split(str(unit_cell))
        if _cell_text(cells.get("native_place")):
            record["native_place"] = _cell_text(cells.get("native_place"))
        started = _cell_date(cells.get("work_started_on"))
        if isinstance(started, str):
            self.problem(number, HEADER_OF["work_started_on"], _(ERR_DATE_CELL))
        elif started is not None:
            record["work_started_on"] = started.isoformat()
        self.sources.append(Source(number, record, "row", PERSON_LABELS))
        if name and org:
            self.names[org][name].add(pid)
        dates: dict[str, datetime.date] = {}
        for step in DATE_STEPS:
            value = _cell_date(cells.get(step))
            if isinstance(value, str):
                self.problem(number, HEADER_OF[step], _(ERR_DATE_CELL))
            elif value is not None:
                dates[step] = value
        for step in DATE_STEPS:
            if step in dates and step not in NAMED_STEP_CODES:
                self.add_step(number, pid, step, dates[step], self.step_details(step, org), HEADER_OF[step])
        for key, step, follows in NAMED_STEPS:
            text = _cell_text(cells.get(key))
            day, inferred = dates.get(step), False
            if day is None and text:
                day, inferred = dates.get(follows), True
                if day is None:
                    needed = "或".join(f"“{HEADER_OF[c]}”" for c in (step, follows))
                    self.problem(number, HEADER_OF[key], _("须同时填写%(c)s") % {"c": needed})
                    continue
            if day is None:
                continue
            details = {key: text} if text else {}
            source = self.add_step(number, pid, step, day, details, HEADER_OF[step], inferred=inferred)
            if text and key != "form_number":
                self.pending_refs.append((source, key, org, text))

    def step_details(self, step: str, org: str) -> dict[str, Any]:
        committee = self.committee_of(org)
        return {
            "S10": {"result": "pass"},
            "S13": {"reviewer": committee, "result": "pass"},
            "S17": {"approver": committee, "result": "approved"},
            "S23": {"decision": "convert"},
            "S24": {"approver": committee, "result": "approved"},
        }.get(step, {})

    def add_step(
        self, number: int, pid: str, step: str, day, details: dict, column: str, *, inferred: bool = False
    ) -> Source:
        labels = {"date": column, "person": "姓名", "step": column}
        labels |= {f"details.{k}": HEADER_OF[k] for k, _s, _f in NAMED_STEPS}
        data = {"type": "step", "person": pid, "step": step, "date": day.isoformat(), "details": details}
        data["from_ledger"] = True
        if inferred:
            data["date_inferred"] = True
        source = Source(number, data, "row", labels, ledger=True)
        self.sources.append(source)
        return source

    def person_id(self, id_number: str) -> str:
        try:
            number = id_number_parse(id_number).number
        except IdNumberError:
            number = id_number
        holder = (
            Person.objects.filter(id_number_key=id_number_key(number)).values_list("pid", flat=True).first()
        )
        if holder:
            return holder
        pid = f"P{self.next_number:04d}"
        self.next_number += 1
        return pid

    def resolve_refs(self) -> None:
        """Contacts and introducers named by person id, by 姓名（编号）, or by name within the branch."""
        for source, key, org, text in self.pending_refs:
            pids = []
            for token in [t for t in _SEPARATORS.split(text) if t]:
                pid = self.resolve(token, org)
                if pid is None:
                    self.problem(source.line, HEADER_OF[key], self.unresolved(token, org))
                else:
                    pids.append(pid)
            source.data["details"][key] = pids

    def resolve(self, token: str, org: str) -> str | None:
        named = _NAMED_PID.match(token)
        if named:
            token = named.group(2)
        if Person.objects.filter(pid=token).exists() or any(token in p for p in self.names[org].values()):
            return token
        candidates = self.branch_names(org).get(token, set())
        return next(iter(candidates)) if len(candidates) == 1 else None

    def unresolved(self, token: str, org: str) -> str:
        if len(self.branch_names(org).get(token, set())) > 1:
            return _("本支部有多人名为“%(n)s”，请写人员编号") % {"n": token}
        return _("找不到本支部的人员：%(n)s") % {"n": token}

    def branch_names(self, org: str) -> dict[str, set[str]]:
        if org not in self.db_names_loaded:
            self.db_names_loaded.add(org)
            for name, pid in Person.objects.filter(org__code=org).values_list("name", "pid"):
                self.names[org][name].add(pid)
        return self.names[org]


@no_cyclic_gc()
def ledger_sources(
    content: bytes, *, scope: list[str] | None = None
) -> tuple[list[Source], list[Problem], list[Problem]]:
    """The records a ledger (or a roster) implies, the problems that refuse it, and the notes the preview
    shows beside them (columns not imported). `scope` (org paths) is where an org written by its name is
    looked for: the subtrees the importer may import into (None: every org)."""
    reader = _LedgerReader(scope)
    reader.read(content)
    return reader.sources, reader.problems, reader.notes


# --- export --------------------------------------------------------------------------------------------


def _first_passing(records: list[StepRecord]) -> dict[str, StepRecord]:
    first: dict[str, StepRecord] = {}
    for r in records:
        rule = STEPS_BY_CODE[r.step].passing
        if r.step not in first and (rule is None or r.details.get(rule[0]) in rule[1]):
            first[r.step] = r
    return first


def ledger_cases(root: Org | None, *, stages: tuple[str, ...] | None = None) -> Iterator[Case]:
    """One row per person: the person's latest case (an earlier, closed one is history the JSON Lines
    export carries). Read in chunks, in the order of the org tree and the person's id: a person's cases come
    together, so only the one person's are held."""
    # The row's person fields: a sealed field the row does not write is not decrypted (birth date, household).
    cases = Case.objects.select_related("person__org").defer(
        *(f"person__{f}" for f in UNWRITTEN_PERSON_FIELDS)
    )
    if root is not None:
        cases = cases.filter(person__org__path__startswith=root.path)
    if stages:
        cases = cases.filter(stage__in=stages, closed_on__isnull=True)
    latest: Case | None = None
    ordered = cases.order_by("person__org__path", "person__pid", "opened_on", "pk")
    for case in ordered.iterator(chunk_size=LEDGER_CHUNK):
        if latest is not None and case.person_id != latest.person_id:
            yield latest
        latest = case
    if latest is not None:
        yield latest


def _chunks(items: Iterable[Case], size: int) -> Iterator[list[Case]]:
    chunk: list[Case] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def ledger_rows(
    root: Org | None = None,
    *,
    mask: Callable[[Person], bool] | None = None,
    stages: tuple[str, ...] | None = None,
    chunk: int = LEDGER_CHUNK,
) -> Iterator[list[Any]]:
    """The ledger's rows, in COLUMNS' order, made `chunk` persons at a time (their step records and the
    names they cite read for the chunk alone): memory does not grow with the subtree."""
    seq = 0
    for cases in _chunks(ledger_cases(root, stages=stages), chunk):
        records: dict[int, list[StepRecord]] = defaultdict(list)
        live = StepRecord.objects.filter(case__in=[c.pk for c in cases], superseded_by__isnull=True).only(
            "case_id", "step", "date", "details", "date_inferred"
        )
        for r in live.order_by("date", "pk"):
            records[r.case_id].append(r)
        named = {
            p
            for rs in records.values()
            for r in rs
            for k in ("contacts", "introducers")
            for p in r.details.get(k, [])
        }
        names = dict(Person.objects.filter(pid__in=named).values_list("pid", "name"))
        for case in cases:
            seq += 1
            yield _ledger_row(seq, case, _first_passing(records[case.pk]), names, mask)


def _ledger_row(
    seq: int,
    case: Case,
    first: dict[str, StepRecord],
    names: dict[str, str],
    mask: Callable[[Person], bool] | None,
) -> list[Any]:
    person = case.person
    masked = mask is not None and mask(person)
    row: dict[str, Any] = {
        "seq": seq,
        "name": person.name,
        "id_number": mask_id_number(person.id_number) if masked else person.id_number,
        "gender": person.get_gender_display(),
        "ethnicity": person.ethnicity,
        "education": person.education,
        "occupation": person.occupation,
        "org": person.org.code,
        "org_name": person.org.name,
        "work_unit": unit_position_cell(person.work_unit, person.position),
        "native_place": person.native_place,
        "work_started_on": person.work_started_on,
        "note": case.get_exit_reason_display() if case.closed_on else "",
    }
    for step in DATE_STEPS:
        record = first.get(step)
        row[step] = record.date if record is not None and not record.date_inferred else None
    for key, step, _follows in NAMED_STEPS:
        value = first[step].details.get(key) if step in first else None
        if isinstance(value, list):
            value = "、".join(f"{names.get(p, '')}（{p}）" if names.get(p) else p for p in value)
        row[key] = value or ""
    return [row.get(c.what) for c in COLUMNS]


def ledger_table(*, root: Org | None = None, mask: Callable[[Person], bool] | None = None) -> Table:
    """The ledger of `root`'s subtree (everything when None) as a table whose rows are read as written."""
    title = f"{root.name}{TITLE}" if root is not None else TITLE
    return Table(title, HEADERS, ledger_rows(root, mask=mask), sheet=TITLE)


def ledger_export_write(
    out: str | Path | BinaryIO, *, root: Org | None = None, mask: Callable[[Person], bool] | None = None
) -> None:
    """The ledger written to `out` as it is read (core/excel.py workbook_write): constant memory."""
    workbook_write([ledger_table(root=root, mask=mask)], out)


def ledger_export_bytes(*, root: Org | None = None, mask: Callable[[Person], bool] | None = None) -> bytes:
    out = io.BytesIO()
    ledger_export_write(out, root=root, mask=mask)
    return out.getvalue()


def _instructions(branches: list[Org]) -> list[str]:
    dates = [HEADER_OF[s] for s in DATE_STEPS]
    lines = [
        "一、每人一行，从第3行起填写；第1行为标题，第2行为表头，请勿删改表头（列的先后可以调整，"
        "不用的列可以删去，本系统按列名读取）。",
        "二、必填：姓名、身份证号（18位，末位校验码须正确），以及所在党支部——填写“所在党支部(代码)”"
        "或“所在党支部名称”其中之一即可。",
        f"三、性别、民族、学历、职业请从下拉列表中选择。学历可选：{allowed_text('education')}；"
        f"职业可选：{allowed_text('occupation')}。",
        f"四、日期列（{'、'.join(dates)}）可以写成 2018-03-01、2018/3/1、2018.3.1 或 2018年3月1日，"
        "也可以是 Excel 的日期单元格；未发生的步骤留空。",
        "五、培养联系人、入党介绍人写姓名（本支部内同名时写“姓名（人员编号）”），多人用顿号分隔。"
        "未填写“指定培养联系人日期”“确定入党介绍人日期”“填写志愿书日期”时，"
        "该步骤取其前一步骤（确定积极分子、确定发展对象、预审）的日期，并标为推定日期。",
        "六、导入时整个文件全部导入或全部不导入：有问题的行会按“行号：列名：原因”列出，更正后重新导入即可；"
        "导入前可先预览将要发生的变化。已登记人员的姓名、身份证号和所在党组织不会因导入而改变。",
        "七、本系统也能读取 .xls、WPS 表格（.et）和 .ods 文件，以及另有标题行、两行表头的台账。",
    ]
    if branches:
        lines.append("八、本模板可填写的党支部（代码 — 名称）：")
        lines += [f"    {o.code} — {o.name}" for o in branches]
    return lines


def ledger_template_bytes(branches: list[Org] | None = None) -> bytes:
    """The empty ledger: dropdowns on every coded column (and on the branch columns, with the `branches` the
    user may fill in) and a sheet of instructions (填表说明)."""
    branches = list(branches or [])
    choices: dict[str, list[str]] = {
        HEADER_OF[k]: list(ALLOWED[k]) for k in ("gender", "ethnicity", "education", "occupation")
    }
    if branches:
        choices[HEADER_OF["org"]] = [o.code for o in branches]
        choices[HEADER_OF["org_name"]] = [o.name for o in branches]
    table = Table(TITLE, HEADERS, [], sheet=TITLE, choices=choices)
    return workbook_bytes([table], notes=("填表说明", _instructions(branches)))


# The rosters (花名册) of the pools: who is an applicant, an activist, a target now.
ROSTERS = {
    "applicants": (_("入党申请人花名册"), CaseStage.APPLICANT, ("S01", "S02")),
    "activists": (_("入党积极分子花名册"), CaseStage.ACTIVIST, ("S01", "S03", "contacts", "S05")),
    "targets": (_("发展对象花名册"), CaseStage.TARGET, ("S01", "S03", "S07", "introducers", "S09")),
}


def roster_table(kind: str, *, root: Org | None, mask: Callable[[Person], bool] | None = None) -> Table:
    """A roster of `root`'s subtree as a table whose rows are read as written."""
    title, stage, extra = ROSTERS[kind]
    wanted = ["seq", "name", "gender", "id_number", "ethnicity", "education", "occupation", "org", "org_name"]
    wanted += extra
    index = {c.what: i for i, c in enumerate(COLUMNS)}
    rows = ledger_rows(root, mask=mask, stages=(stage,))
    return Table(
        f"{root.name}{title}" if root is not None else str(title),
        [HEADER_OF[w] for w in wanted],
        ([row[index[w]] for w in wanted] for row in rows),
        sheet=str(title),
    )


def roster_bytes(kind: str, *, root: Org | None, mask: Callable[[Person], bool] | None = None) -> bytes:
    out = io.BytesIO()
    workbook_write([roster_table(kind, root=root, mask=mask)], out)
    return out.getvalue()
