"""A file to import, read as its name says: the ledger workbook (or a roster) or JSON Lines."""

import io
from dataclasses import dataclass, field

from fazhan.interchange.ledger import ledger_sources
from fazhan.interchange.reader import Problem, Source, jsonl_sources

SUFFIXES = (".jsonl", ".xlsx")


@dataclass
class Parsed:
    """The records a file holds, the problems that refuse it, and the notes its preview shows beside them."""

    sources: list[Source]
    problems: list[Problem]
    notes: list[Problem] = field(default_factory=list)


def file_sources(filename: str, content: bytes) -> Parsed:
    if filename.lower().endswith(".xlsx"):
        return Parsed(*ledger_sources(content))
    return Parsed(*jsonl_sources(io.StringIO(content.decode("utf-8", errors="replace"))))
