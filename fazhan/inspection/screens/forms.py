"""Screens of the rules in procedure/rules/forms.py (see screens/__init__.py for the contract).

The form register is per case (`Frames.register("forms", …)`): the person's own forms and any other form a
step names. Details are read as JSON tokens (screens/admission.py): a form number matches a register row only
where it is a plain JSON string, as the rule's `==` against the register's text; where the token is not sure
(details not flat, an escape in the number) the record is flagged.
"""

import datetime

import polars as pl

from fazhan.inspection.frames import Frames
from fazhan.inspection.screens import screen
from fazhan.inspection.screens.admission import escaped, plain_string, prereviews, with_tokens
from fazhan.procedure.definition import RULES_BY_ID, Anchor
from fazhan.procedure.rules.forms import ACTIVE

FORM_COLUMNS = {"number": pl.String, "issued_to": pl.String, "issued_on": pl.String, "status": pl.String}
IDENTITY_COLUMNS = {"record": pl.Int64, "name": pl.String, "id_key": pl.String}


def since(rule_id: str) -> datetime.date:
    """The rule's `since` (engine.in_force), or the earliest date there is."""
    text = RULES_BY_ID[rule_id].since
    return datetime.date.fromisoformat(text) if text else datetime.date.min


def forms_used(f: Frames, rule_id: str) -> pl.DataFrame:
    """Every S14 the rule judges (in force on its date), with the form number it names where that is surely a
    plain JSON string (`number`), and `unsure` where the details are not flat or the number has an escape."""

    def build() -> pl.DataFrame:
        t = pl.col("t_form_number")
        return with_tokens(f.step(Anchor.FORM), "form_number").select(
            "case",
            "id",
            "date",
            pl.when(plain_string("t_form_number"))
            .then(t.str.slice(1, t.str.len_chars() - 2))
            .alias("number"),
            (~pl.col("flat") | escaped("t_form_number")).alias("unsure"),
        )

    return f.shared((__name__, "forms_used"), build).filter(pl.col("date") >= since(rule_id))


def register(f: Frames) -> pl.DataFrame:
    """The forms register beside each case's pid, with whether the form is the person's and standing."""
    pid = f.cases.select("case", "pid")
    own = pl.col("issued_to").eq_missing(pl.col("pid"))
    return (
        f.register("forms", FORM_COLUMNS)
        .join(pid, on="case")
        .with_columns(own.alias("own"), (own & pl.col("status").is_in(list(ACTIVE))).alias("good"))
    )


@screen("FORM-MATCH")
def form_match(f: Frames) -> pl.Series:
    """FORM-MATCH, exact on flat details: an S14 in force whose number the case's register does not hold
    (a missing or non-text number included), or holds as someone else's, voided or lost; and, over-flagging,
    every case whose records kept more than one identity (a name or ID number changed between the pass, the
    form and the branch meeting)."""
    used = forms_used(f, "FORM-MATCH")
    forms = register(f).select("case", "number", "good")
    fine = (
        used.join(forms, on=["case", "number"])
        .group_by("case", "id")
        .agg(pl.col("good").all())
        .filter(pl.col("good"))
    )
    unmatched = used.join(fine, on=["case", "id"], how="anti")["case"]  # unsure ones have no match
    changed = (
        f.register("identities", IDENTITY_COLUMNS)
        .group_by("case")
        .agg(pl.struct("name", "id_key").n_unique().alias("n"))
        .filter(pl.col("n") > 1)["case"]
    )
    return pl.concat([unmatched, changed]).unique()


@screen("PRE-DISTRICT")
def pre_district(f: Frames) -> pl.Series:
    """PRE-DISTRICT, exact on flat details: an S14 in force whose own, dated form was issued (in force) with
    no district pass on or before (a reviewer the rule's `str()` would turn into a district code, e.g. a
    number, counts as none: flagged). An issue date it cannot read is flagged."""
    if not f.limits.district_prereview:
        return pl.Series("case", [], dtype=pl.UInt32)
    passes = (
        prereviews(f).filter(pl.col("district")).group_by("case").agg(pl.col("date").min().alias("passed_on"))
    )
    forms = (
        register(f)
        .filter(pl.col("own") & pl.col("issued_on").is_not_null())
        .select("case", "number", "issued_on")
        .with_columns(pl.col("issued_on").str.to_date("%Y-%m-%d", strict=False).alias("issued"))
    )
    used = forms_used(f, "PRE-DISTRICT")
    judged = used.join(forms, on=["case", "number"]).join(passes, on="case", how="left")
    unreadable = pl.col("issued").is_null()
    bare = (pl.col("issued") >= since("PRE-DISTRICT")) & (
        pl.col("passed_on").is_null() | (pl.col("passed_on") > pl.col("issued"))
    )
    return pl.concat([judged.filter(unreadable | bare)["case"], used.filter("unsure")["case"]]).unique()


@screen("FORM-ONE")
def form_one(f: Frames) -> pl.Series:
    """FORM-ONE, exact: two or more of the person's own forms standing at once."""
    standing = register(f).filter(pl.col("good")).group_by("case").len()
    return standing.filter(pl.col("len") >= 2)["case"]
