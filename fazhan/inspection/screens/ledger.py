"""Screens of the rules in procedure/rules/ledger.py (see screens/__init__.py for the contract)."""

import polars as pl

from fazhan.inspection.frames import Frames
from fazhan.inspection.screens import screen


@screen("LEDGER-GAP")
def ledger_gap(f: Frames) -> pl.Series:
    """Every case with a record an Excel ledger created (the rule lists what the ledger could not hold)."""
    return f.recs.filter(pl.col("from_ledger"))["case"]
