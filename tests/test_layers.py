"""The house in layers (../shared/docs/architecture.md), held against the code.

Every module under fazhan/ is parsed (ast, never imported) and each of its imports, at module level or inside
a function, is checked: no import from a higher layer, no loop between apps, no private name (`_x`) taken from
another module, and no import hidden inside a function (except in an AppConfig, where Django wants models
imported only once the apps are ready).
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "fazhan"

# The layers from the bottom up, as architecture.md draws them. A module belongs to the longest prefix that
# names it: `fazhan.procedure.rules.x` is in the rules, `fazhan.procedure.services` in the procedure.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "ground",
        (
            "core",
            "organizations",
            "auditlog",
            "accounts",
            "holidays",
            "jobs",
            "backup",
            "formats",
            "settings",
        ),
    ),
    ("people", ("people",)),
    ("rules", ("procedure.definition", "procedure.engine", "procedure.editions", "procedure.rules")),
    ("procedure", ("procedure",)),
    (
        "wings",
        (
            "prereview",
            "notices",
            "plans",
            "archive",
            "paperwork",
            "applicants",
            "floating",
            "talents",
            "training",
        ),
    ),
    ("inspection", ("inspection", "selfcheck")),
    ("exchange", ("interchange", "api")),
    # The top of the product (architecture.md): the composite pages, and the reminders that carry the
    # to-do list to people (reminders reads desk.todo; desk imports nothing of it: the no-loop test holds it).
    ("desk", ("desk", "reminders")),
    # Generated worlds and the project's own wiring: nothing in production imports them.
    ("top", ("demo", "cli", "urls", "wsgi", "")),
)


# The ground's own order, from the bottom up: an app imports only from a tier below its own (never from its
# tier's other apps), so the ground, like the house, has no loop. The role vocabulary and who holds which role
# where are core's (core/roles.py, answered from the query accounts registers); 换届 ends the officers' roles
# through a hook accounts registers with organizations; a calendar load is holidays/, the ground's top.
GROUND_ORDER: tuple[tuple[str, ...], ...] = (
    ("core", "formats"),
    ("auditlog",),
    ("organizations",),
    ("accounts",),
    ("holidays", "backup", "jobs", "settings"),
)


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the module imported from
    name: str | None  # the name taken (`from target import name`), None for `import target`
    line: int
    in_function: bool

    def where(self) -> str:
        what = f"{self.target}.{self.name}" if self.name else self.target
        inside = " (inside a function)" if self.in_function else ""
        return f"{self.module}:{self.line} imports {what}{inside}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_imports() -> list[Import]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = module_name(path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        in_function = {
            id(node)
            for func in ast.walk(tree)
            if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef)
            for node in ast.walk(func)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    found.append(Import(module, alias.name, None, node.lineno, id(node) in in_function))
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    found.append(Import(module, target, alias.name, node.lineno, id(node) in in_function))
    return [i for i in found if i.target == "fazhan" or i.target.startswith("fazhan.")]


IMPORTS = read_imports()
MODULES = {module_name(p) for p in ROOT.rglob("*.py") if "migrations" not in p.parts}


def resolved(imp: Import) -> str:
    """The module an import reaches: `from fazhan.procedure import rules` reaches fazhan.procedure.rules."""
    if imp.name and f"{imp.target}.{imp.name}" in MODULES:
        return f"{imp.target}.{imp.name}"
    return imp.target


def layer_of(module: str) -> int:
    rest = module.removeprefix("fazhan").removeprefix(".")
    best, best_len = None, -1
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (rest == prefix or rest.startswith(prefix + ".") or prefix == "") and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    assert best is not None, module
    return best


def app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "fazhan"


def test_every_app_has_a_layer():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    named = {prefix.split(".")[0] for _n, prefixes in LAYERS for prefix in prefixes}
    assert apps <= named, f"apps with no layer in architecture.md's order: {sorted(apps - named)}"


def test_no_import_from_a_higher_layer():
    upward = [
        f"{imp.where()}: {LAYERS[layer_of(imp.module)][0]} → {LAYERS[layer_of(resolved(imp))][0]}"
        for imp in IMPORTS
        if layer_of(resolved(imp)) > layer_of(imp.module)
    ]
    assert not upward, "imports that run back up:\n" + "\n".join(upward)


def app_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for imp in IMPORTS:
        a, b = app_of(imp.module), app_of(resolved(imp))
        graph.setdefault(a, set())
        if a != b:
            graph[a].add(b)
    return graph


def loops(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one app (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_loop_finder_finds_a_loop():
    assert loops({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert loops({"a": {"b"}, "b": set()}) == []


def test_no_import_loop_between_apps():
    graph = app_graph()
    found = loops(graph)
    detail = []
    for component in found:
        for imp in IMPORTS:
            a, b = app_of(imp.module), app_of(resolved(imp))
            if a != b and a in component and b in component:
                detail.append(imp.where())
    assert not found, f"apps that import each other in a loop: {found}\n" + "\n".join(detail)


def private_use(imp: Import) -> bool:
    """A private name taken from another module, or a private module reached from outside its package."""
    if imp.name and imp.name.startswith("_") and resolved(imp) == imp.target:
        return True
    reached = resolved(imp).split(".")
    for depth, part in enumerate(reached):
        if part.startswith("_") and not part.startswith("__"):
            owner = ".".join(reached[:depth])
            if not (imp.module == owner or imp.module.startswith(owner + ".")):
                return True
    return False


def test_no_private_name_used_outside_its_module():
    found = [imp.where() for imp in IMPORTS if private_use(imp)]
    assert not found, "private names taken from another module:\n" + "\n".join(found)


def test_no_import_hides_inside_a_function():
    # An AppConfig imports its models and hooks in ready(), once Django's apps are loaded: the one place.
    found = [imp.where() for imp in IMPORTS if imp.in_function and not imp.module.endswith(".apps")]
    assert not found, "imports inside a function:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("module", "layer"),
    [
        ("fazhan.core.calendar", "ground"),
        ("fazhan.people.models", "people"),
        ("fazhan.procedure.rules.targets", "rules"),
        ("fazhan.procedure.definition", "rules"),
        ("fazhan.procedure.services", "procedure"),
        ("fazhan.notices.services", "wings"),
        ("fazhan.interchange.services", "exchange"),
        ("fazhan.desk.views", "desk"),
        ("fazhan.demo.world", "top"),
        ("fazhan.urls", "top"),
    ],
)
def test_layer_of(module, layer):
    assert LAYERS[layer_of(module)][0] == layer


def ground_tier(app: str) -> int | None:
    return next((n for n, tier in enumerate(GROUND_ORDER) if app in tier), None)


def test_the_ground_order_names_the_ground():
    assert {app for tier in GROUND_ORDER for app in tier} == set(LAYERS[0][1])


def against_the_ground_order(imports: list["Import"]) -> list[str]:
    found = []
    for imp in imports:
        a, b = app_of(imp.module), app_of(resolved(imp))
        ta, tb = ground_tier(a), ground_tier(b)
        if a != b and ta is not None and tb is not None and tb >= ta:
            found.append(f"{imp.where()}: {a} (tier {ta}) → {b} (tier {tb})")
    return found


def test_the_ground_has_no_loop_and_its_order_is_strict():
    """Inside the ground an app imports only from a lower tier of GROUND_ORDER: no loop, and the drawing's
    order (architecture.md) is the code's."""
    against = against_the_ground_order(IMPORTS)
    assert not against, "the ground's imports against its order:\n" + "\n".join(against)
    ground = set(LAYERS[0][1])
    assert loops({a: bs & ground for a, bs in app_graph().items() if a in ground}) == []


def test_the_ground_order_check_can_fail():
    """The arrows this branch removed would be refused, and so would one between two apps of a tier."""
    up = Import("fazhan.core.admin_site", "fazhan.accounts.selectors", "user_admin_roles", 1, False)
    sideways = Import("fazhan.backup.services", "fazhan.jobs.services", "job_enqueue", 1, False)
    down = Import("fazhan.accounts.services", "fazhan.auditlog.services", "audit_record", 1, False)
    outside = Import("fazhan.people.models", "fazhan.core.models", "CalendarDay", 1, False)
    assert len(against_the_ground_order([up, sideways, down, outside])) == 2


def test_the_rules_read_facts_never_the_database():
    """architecture.md: the rules read no database and no app's models; they read facts."""
    found, checked = [], 0
    for path in sorted(ROOT.rglob("*.py")):
        module = module_name(path)
        if LAYERS[layer_of(module)][0] != "rules":
            continue
        checked += 1
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            for name in names:
                last = name.split(".")[-1]
                if name.startswith("django.db") or (
                    name.startswith("fazhan.") and last in ("models", "selectors", "services")
                ):
                    found.append(f"{module}:{node.lineno} imports {name}")
    assert checked > 10  # definition, engine, editions and the modules of rules/
    assert not found, "rules that reach the database:\n" + "\n".join(found)
