"""Screen of TRN-STAFF (procedure/rules/staff.py; see screens/__init__.py for the contract)."""

import polars as pl

from fazhan.inspection.frames import Frames
from fazhan.inspection.screens import screen
from fazhan.procedure.definition import STAFF_DETAILS, STEPS

# The steps whose details name contacts or introducers (S05, S09), from the declared details.
STAFF_STEPS = tuple(s.code for s in STEPS if any(key in s.details for key in STAFF_DETAILS))


@screen("TRN-STAFF")
def staff_training(f: Frames) -> pl.Series:
    """Every case with a record naming a contact or an introducer: only such a record can name someone
    untrained. The trainings attended are not in the frames, so it over-flags the trained ones."""
    return pl.concat([f.step(code)["case"] for code in STAFF_STEPS])
