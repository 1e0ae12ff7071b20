"""The README's table of 等保 L3 controls names a real test for each control: every row names at least one,
and every test it names exists (a function of that name in that file), so the table cannot rot."""

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEADING = "### 等保 L3 controls"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _table_rows() -> list[str]:
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(HEADING))
    rows = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("|") and not line.startswith("|---") and not line.startswith("| control"):
            rows.append(line)
    return rows


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")
    }


def test_every_control_names_a_test_and_every_test_named_exists():
    rows = _table_rows()
    assert len(rows) >= 15  # the level's controls, each a row
    missing = []
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 3, row
        references = REFERENCE.findall(cells[2])
        assert references, f"no test named for: {cells[0]}"
        for file, name in references:
            path = REPO / file
            if not path.is_file() or name not in _tests_in(path):
                missing.append(f"{file}::{name}")
    assert not missing, missing


def test_the_check_catches_a_test_that_does_not_exist(tmp_path):
    """The reference pattern and the lookup see a misspelt name as missing (the check above can fail)."""
    (found,) = REFERENCE.findall("`tests/trust/test_sessions.py::test_no_such_test_anywhere`")
    assert found[1] not in _tests_in(REPO / found[0])
    assert "test_argon2_hashes_and_an_older_hash_is_upgraded_at_login" in _tests_in(REPO / found[0])
