"""A file to import, read as its name says: the ledger workbook (or a roster) or JSON Lines."""

import io
from dataclasses import dataclass, field
from pathlib import Path

from fazhan.interchange.ledger import ledger_sources
from fazhan.interchange.reader import Problem, Source, jsonl_sources

# Workbooks: Excel's .xlsx and .xls, WPS's .et (an .xls inside), OpenDocument's .ods; read by their content.
WORKBOOKS = (".xlsx", ".xls", ".et", ".ods")
SUFFIXES = (".jsonl", *WORKBOOKS)


@dataclass
class Parsed:
    """The records a file holds, the problems that refuse it, and the notes its preview shows beside them."""

    sources: list[Source]
    problems: list[Problem]
    notes: list[Problem] = field(default_factory=list)


def file_sources(filename: str, content: bytes, *, scope: list[str] | None = None) -> Parsed:
    """`scope` (org paths): where a ledger's org written by its name is looked for (None: everywhere)."""
    if filename.lower().endswith(WORKBOOKS):
        return Parsed(*ledger_sources(content, scope=scope))
    # decoded a chunk at a time as the lines are read (lines end at "\n" only, as a decoded whole's
    # StringIO ends them): the file's text is never held twice, once decoded
    text = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8", errors="replace", newline="\n")
    return Parsed(*jsonl_sources(text))


def path_sources(path: Path) -> Parsed:
    """A file on disk (`fazhan import`): JSON Lines read from it a line at a time, so its bytes are never
    held whole beside its records (a district's file is a few hundred MB); a workbook read as file_sources
    reads it."""
    if path.name.lower().endswith(WORKBOOKS):
        return file_sources(path.name, path.read_bytes())
    with path.open(encoding="utf-8", errors="replace", newline="\n") as text:
        return Parsed(*jsonl_sources(text))
