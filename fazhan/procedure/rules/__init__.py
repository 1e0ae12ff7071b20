"""The rule checks of procedure.md, one module per part of the procedure; importing registers them."""

from fazhan.procedure.rules import (  # noqa: F401
    activists,
    admission,
    application,
    feedback,
    forms,
    general,
    ledger,
    ledger_gap,
    notice2018,
    order,
    outcome,
    probation,
    staff,
    targets,
    violations,
)
