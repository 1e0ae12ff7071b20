"""Screens of the rules in procedure/rules/admission.py (see screens/__init__.py for the contract).

The rules read details with Python's types (`isinstance(value, int)`, `is False`, an org code that is a
`str`), which json_path_match blurs (`"5"` and `5` both read 5) and which costs a JSON parse per key. The
screens read a key's raw JSON token from the text instead, on records whose details are one flat object (as
S13, S14, S15, S17 and S23 are entered); a record of any other shape is flagged, or counted the way that
flags. The frames these screens share are built once per run (`Frames.shared`).
"""

import polars as pl

from fazhan.inspection.frames import Frames, count_of, months, overdue
from fazhan.inspection.screens import screen
from fazhan.inspection.screens._common import skipped
from fazhan.procedure.definition import Anchor, limit_months
from fazhan.procedure.rules.admission import COMMITTEE, VOTE_KEYS
from fazhan.procedure.rules.forms import DISTRICT

FLAT = r"^\s*\{[^{\[]*\}\s*$"  # one object, no nested object or list (a brace in a text value: not flat)
TOKEN = r'"(?:[^"\\]|\\.)*"|[^,}\s]*'  # a JSON string, or a literal up to the next comma or brace
INT = r"^-?[0-9]{1,12}$"  # an int the screens compare; a longer one (Python's ints are unbounded) flags


def flat() -> pl.Expr:
    return pl.col("details").str.contains(FLAT)


def token(key: str) -> pl.Expr:
    """The key's JSON token as written (`"LH"`, `5`, `false`, `null`), null where the key is absent. Exact
    on flat details only: combine with `flat()`."""
    return pl.col("details").str.extract(rf'[{{,]\s*"{key}"\s*:\s*({TOKEN})', 1)


def raw(key: str) -> pl.Expr:
    """A details key as json_path_match gives it (a list as its JSON text): for the shapes tokens miss."""
    return pl.col("details").str.json_path_match(f"$.{key}")


def quoted(values: list[str]) -> list[str]:
    """Codes as the tokens of JSON strings that hold them (org codes need no escapes)."""
    return [f'"{v}"' for v in values]


def escaped(column: str) -> pl.Expr:
    return pl.col(column).str.contains("\\", literal=True).fill_null(False)


def plain_string(column: str) -> pl.Expr:
    """The token column (of a `with_tokens` frame) is a JSON string without escapes: its text is the value."""
    return (pl.col("flat") & pl.col(column).str.starts_with('"') & ~escaped(column)).fill_null(False)


def kind_codes(f: Frames, kind: str) -> list[str]:
    return f.orgs.filter(pl.col("kind") == kind)["code"].to_list()


def with_tokens(frame: pl.DataFrame, *keys: str) -> pl.DataFrame:
    """`frame` with `flat` and each key's token as `t_<key>` (each regex run once, not once per use)."""
    return frame.with_columns(flat().alias("flat"), *[token(k).alias(f"t_{k}") for k in keys])


def prereviews(f: Frames) -> pl.DataFrame:
    """The passing S13 of every case: `date`, `pos`, and whether the reviewer is surely (`strict`) or possibly
    (`loose`) the township committee (`_is_committee`), or surely the district committee (`district`:
    PRE-DISTRICT, screens/forms.py)."""

    def build() -> pl.DataFrame:
        committee = quoted(kind_codes(f, COMMITTEE))
        district = quoted(kind_codes(f, DISTRICT))
        reviewer = pl.col("t_reviewer")
        sure = pl.col("flat") & ~escaped("t_reviewer")
        return with_tokens(f.step(Anchor.PREREVIEW).filter(pl.col("passed")), "reviewer").select(
            "case",
            "date",
            "pos",
            (pl.col("flat") & reviewer.is_in(committee)).fill_null(False).alias("strict"),
            (~sure | reviewer.is_in(committee)).fill_null(False).alias("loose"),
            (pl.col("flat") & reviewer.is_in(district)).fill_null(False).alias("district"),
        )

    return f.shared((__name__, "passes"), build)


def _cases(frame: pl.DataFrame) -> pl.Series:
    return frame["case"].unique()


@screen("PRE-REVIEW")
def pre_review(f: Frames) -> pl.Series:
    """PRE-REVIEW, exact on flat details (elsewhere a reviewer counts as not the committee's) but for ledger
    gaps: an S14 with a passing pre-review on or before it but none of the township committee's; an S14 with
    no passing pre-review at all (a skip)."""
    firsts = (
        prereviews(f)
        .group_by("case")
        .agg(
            pl.col("date").min().alias("any_on"),
            pl.col("date").filter(pl.col("strict")).min().alias("committee_on"),
        )
    )
    forms = f.step(Anchor.FORM).select("case", "date").join(firsts, on="case")
    judged = forms.filter(
        (pl.col("any_on") <= pl.col("date"))
        & (pl.col("committee_on").is_null() | (pl.col("committee_on") > pl.col("date")))
    )
    return pl.concat([_cases(judged), skipped(f, Anchor.PREREVIEW)])


@screen("PRE-LEAVE")
def pre_leave(f: Frames) -> pl.Series:
    """PRE-LEAVE: a planned departure within the months after a committee pass. Over-flags where a later
    committee pass (not the first, which the rule reads) is the one the departure falls after, and counts a
    reviewer it cannot read surely (details not flat, escapes) as the committee's."""
    leaving = f.cases.filter(pl.col("planned_departure").is_not_null()).select("case", "planned_departure")
    passes = prereviews(f).filter(pl.col("loose")).join(leaving, on="case")
    limit = months(pl.col("date"), limit_months("PRE-LEAVE", f.limits))
    return _cases(
        passes.filter(
            (pl.col("date") <= pl.col("planned_departure")) & (pl.col("planned_departure") <= limit)
        )
    )


@screen("ACC-AFTER-PRE")
def acc_after_pre(f: Frames) -> pl.Series:
    """ACC-AFTER-PRE, exact: the latest (in record order) pass on or before the first meeting (or as_of), and
    the meeting after its month, or none and the month passed while open."""
    wide = f.wide.select("case", "as_of", "exited_on", pl.col(Anchor.BRANCH_MEETING).alias("meeting"))
    cutoff = pl.coalesce("meeting", "as_of")
    review = (
        prereviews(f)
        .join(wide, on="case")
        .filter(pl.col("date") <= cutoff)
        .group_by("case")
        .agg(
            pl.col("date").sort_by("pos").last().alias("review"),
            pl.col("meeting", "as_of", "exited_on").first(),
        )
    )
    deadline = months(pl.col("review"), f.limits.meeting_after_prereview_months)
    late = pl.col("meeting").is_not_null() & (pl.col("meeting") > deadline)
    return _cases(review.filter(late | (pl.col("meeting").is_null() & overdue(deadline))))


@screen("ACC-PRE-PASS")
def acc_pre_pass(f: Frames) -> pl.Series:
    """ACC-PRE-PASS, exact: an S15 with an S14 on or before it and no passing S13 on or before it; an S15 with
    no S14 at all (a skip)."""
    passed_on = prereviews(f).group_by("case").agg(pl.col("date").min().alias("passed_on"))
    form_on = f.step(Anchor.FORM).group_by("case").agg(pl.col("date").min().alias("form_on"))
    meetings = (
        f.step(Anchor.BRANCH_MEETING)
        .select("case", "date")
        .join(form_on, on="case")
        .join(passed_on, on="case", how="left")
    )
    judged = meetings.filter(
        (pl.col("form_on") <= pl.col("date"))
        & (pl.col("passed_on").is_null() | (pl.col("passed_on") > pl.col("date")))
    )
    return pl.concat([_cases(judged), skipped(f, Anchor.FORM)])


MEETING_KEYS = (*VOTE_KEYS, "written_for")


def meetings(f: Frames) -> pl.DataFrame:
    """Every S15 and S23 record (`_meetings`): its vote keys as integers (null where the rule's `_int` gives
    None), `open` (secret_ballot false), `not_one_by_one` (one_by_one false) and `unsure`: the details are
    not flat, or a vote key is an integer too long to compare."""

    def build() -> pl.DataFrame:
        frame = with_tokens(
            pl.concat([f.step(Anchor.BRANCH_MEETING), f.step(Anchor.CONVERSION_MEETING)]),
            *MEETING_KEYS,
            "secret_ballot",
            "one_by_one",
        )
        too_long = [pl.col(f"t_{k}").str.contains(r"^-?[0-9]{13}").fill_null(False) for k in MEETING_KEYS]
        ints = [
            pl.when(pl.col(f"t_{k}").str.contains(INT))
            .then(pl.col(f"t_{k}").cast(pl.Int64, strict=False))
            .alias(k)
            for k in MEETING_KEYS
        ]
        return frame.select(
            "case",
            "step",
            (~pl.col("flat") | pl.any_horizontal(too_long)).alias("unsure"),
            (pl.col("t_secret_ballot") == "false").fill_null(False).alias("open"),
            (pl.col("t_one_by_one") == "false").fill_null(False).alias("not_one_by_one"),
            *ints,
        )

    return f.shared((__name__, "meetings"), build)


@screen("ACC-QUORUM")
def acc_quorum(f: Frames) -> pl.Series:
    """ACC-QUORUM, exact on flat details: both counts integers and 2 × present ≤ entitled."""
    short = 2 * pl.col("present") <= pl.col("entitled")
    return _cases(meetings(f).filter(pl.col("unsure") | short))


@screen("ACC-MAJORITY")
def acc_majority(f: Frames) -> pl.Series:
    """ACC-MAJORITY, exact on flat details: `secret_ballot` false, or 2 × (for + written_for) ≤ entitled, a
    written_for that is not an integer counting 0 as in the rule."""
    short = 2 * (pl.col("for") + pl.col("written_for").fill_null(0)) <= pl.col("entitled")
    return _cases(meetings(f).filter(pl.col("unsure") | pl.col("open") | short))


@screen("ACC-ONEBYONE")
def acc_one_by_one(f: Frames) -> pl.Series:
    """ACC-ONEBYONE, exact on flat details: an S15 whose one_by_one is false."""
    return _cases(
        meetings(f).filter(
            (pl.col("step") == Anchor.BRANCH_MEETING) & (pl.col("unsure") | pl.col("not_one_by_one"))
        )
    )


@screen("ACC-RESOLUTION")
def acc_resolution(f: Frames) -> pl.Series:
    """ACC-RESOLUTION, exact on flat details but for ledger gaps: an S15 lacking an integer for one of the
    vote keys; an S16 with no S15 at all (a skip)."""
    complete = pl.all_horizontal([pl.col(k).is_not_null() for k in VOTE_KEYS])
    judged = meetings(f).filter((pl.col("step") == Anchor.BRANCH_MEETING) & (pl.col("unsure") | ~complete))
    return pl.concat([_cases(judged), skipped(f, Anchor.BRANCH_MEETING)])


def approvals(f: Frames) -> pl.DataFrame:
    """Every S17 with `flat`, `passed` and the tokens of approver and special_reason."""
    return f.shared(
        (__name__, "approvals"), lambda: with_tokens(f.step(Anchor.APPROVAL), "approver", "special_reason")
    )


@screen("APV-AUTH")
def apv_auth(f: Frames) -> pl.Series:
    """APV-AUTH, exact on flat details but for falsy approvers other than null, false and "" (flagged): an S17
    or S24 naming an approver that is not surely the township committee's code; a step of probation with no
    S17 at all (a skip)."""
    approver = pl.col("t_approver")
    unnamed = pl.col("flat") & (approver.is_null() | approver.is_in(["null", "false", '""']))
    committee = pl.col("flat") & approver.is_in(quoted(kind_codes(f, COMMITTEE)))
    conversions = with_tokens(f.step(Anchor.CONVERSION_APPROVAL), "approver")
    decisions = pl.concat(
        [approvals(f).select("case", "flat", "t_approver"), conversions.select("case", "flat", "t_approver")]
    )
    judged = decisions.filter(~unnamed.fill_null(False) & ~committee.fill_null(False))
    return pl.concat([_cases(judged), skipped(f, Anchor.APPROVAL)])


@screen("APV-TALK")
def apv_talk(f: Frames) -> pl.Series:
    """APV-TALK, exact for a list of plain pids: an S16 none of whose talkers is a member of a
    committee-kind org, or an S17 with no S16 at all (a skip). Talkers given any other way (text, an object,
    escapes) are flagged; the rule decides.
    Read with json_path_match: S16's details hold a list, so tokens do not serve."""
    committee = kind_codes(f, COMMITTEE)
    of_committee = f.members.filter(pl.col("org").is_in(committee)).select("pid").unique()
    talks = f.step(Anchor.COMMITTEE_TALK).select("case", "id", raw("talkers").alias("talkers"))
    plain_list = pl.col("talkers").str.starts_with("[") & ~pl.col("talkers").str.contains("\\", literal=True)
    named = (
        talks.filter(plain_list)
        .select("case", "id", pl.col("talkers").str.extract_all(r'"[^"]*"').alias("pid"))
        .explode("pid")
        .with_columns(pl.col("pid").str.strip_chars('"'))
        .join(of_committee, on="pid")
    )
    return pl.concat(
        [_cases(talks.join(named, on=["case", "id"], how="anti")), skipped(f, Anchor.COMMITTEE_TALK)]
    )


def reason_given() -> pl.Expr:
    """Surely a special reason that is not blank once stripped: a plain JSON string (no escapes) with a
    letter or digit in it."""
    letters = pl.col("t_special_reason").str.contains(r"[\p{L}\p{N}]")
    return (plain_string("t_special_reason") & letters).fill_null(False)


@screen("APV-TIME")
def apv_time(f: Frames) -> pl.Series:
    """APV-TIME: the first approval after the special limit, or after the normal one with no surely-given
    special reason; no S17 at all and the normal limit passed while open. Exact but for reasons that carry no
    letter or digit (flagged)."""
    first = (
        approvals(f)
        .filter(pl.col("passed"))
        .group_by("case")
        .agg(pl.col("date").first().alias("approval"), reason_given().first().alias("reason"))
    )
    wide = f.wide.filter(pl.col(Anchor.BRANCH_MEETING).is_not_null()).join(first, on="case", how="left")
    normal = months(pl.col(Anchor.BRANCH_MEETING), f.limits.approval_months)
    special = months(pl.col(Anchor.BRANCH_MEETING), f.limits.approval_special_months)
    late = (pl.col("approval") > special) | ((pl.col("approval") > normal) & ~pl.col("reason"))
    waiting = (count_of(Anchor.APPROVAL) == 0) & overdue(normal)
    return _cases(wide.filter(late.fill_null(False) | waiting))


@screen("APV-FILE")
def apv_file(f: Frames) -> pl.Series:
    """APV-FILE, exact: the first S18 after the month from the first approval, or none and the month passed
    while open."""
    wide = f.wide.filter(pl.col(Anchor.APPROVAL).is_not_null())
    deadline = months(pl.col(Anchor.APPROVAL), f.limits.promptly_months)
    late = pl.col(Anchor.APPROVAL_FILING).is_not_null() & (pl.col(Anchor.APPROVAL_FILING) > deadline)
    return _cases(wide.filter(late | (pl.col(Anchor.APPROVAL_FILING).is_null() & overdue(deadline))))
