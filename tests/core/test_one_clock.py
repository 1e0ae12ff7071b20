"""One clock: every "today" the product works with is the district's calendar day, `timezone.localdate()` in
Asia/Shanghai, never the process's own idea of the date (`date.today()`, a naive `datetime.now()`), which a
server left in UTC would have one day behind from midnight to 08:00."""

import ast
import pathlib

SOURCE = pathlib.Path(__file__).resolve().parents[2] / "fazhan"


def _clock_calls(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, owner = node.func.attr, node.func.value
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        reads_day = name == "today" and owner_name in {"date", "datetime"}
        naive = not (node.args or node.keywords)
        naive_now = name in {"now", "utcnow"} and owner_name == "datetime" and naive
        if reads_day or naive_now:
            lines.append(node.lineno)
    return lines


def test_no_module_reads_the_process_clock_for_a_date():
    offenders = []
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for line in _clock_calls(ast.parse(path.read_text(encoding="utf-8"))):
            offenders.append(f"{path.relative_to(SOURCE.parent)}:{line}")
    assert offenders == [], "use timezone.localdate() / timezone.now(): " + ", ".join(offenders)


def test_the_scan_sees_what_it_forbids():
    source = "import datetime\na = datetime.date.today()\nb = datetime.datetime.now()\nc = date.today()"
    tree = ast.parse(source)
    assert _clock_calls(tree) == [2, 3, 4]
    assert _clock_calls(ast.parse("d = datetime.datetime.now(tz=UTC)\ne = timezone.localdate()\n")) == []
