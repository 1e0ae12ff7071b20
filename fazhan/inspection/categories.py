"""How the self-inspection report (自查报告) speaks of the rules: every rule in one of the notice's categories
of problems, and the findings' severities in Chinese — in one place, so the report, its page and its tests
read the same table.

The notice (../seed, 七) asks the 自查 to look at 执行发展党员计划、坚持发展党员标准、
履行发展党员程序 and 按期转正, and at the four violations it names, 弄虚作假、带病入党、近亲繁殖、
人情党员; the 细则 (Art.3) adds 突击发展."""

from fazhan.procedure.definition import BLOCK, ERROR, WARN

SEVERITY_LABELS = {BLOCK: "严重", ERROR: "一般", WARN: "提示"}
SEVERITY_ORDER = (BLOCK, ERROR, WARN)

PLAN, STANDARD, PROCEDURE, ON_TIME = "plan", "standard", "procedure", "on_time"
FALSIFIED, TAINTED, KIN, FAVOUR, RUSH = "falsified", "tainted", "kin", "favour", "rush"

CATEGORIES: tuple[tuple[str, str], ...] = (
    (PLAN, "执行发展党员计划"),
    (STANDARD, "坚持发展党员标准"),
    (PROCEDURE, "履行发展党员程序"),
    (ON_TIME, "预备党员按期转正"),
    (FALSIFIED, "弄虚作假"),
    (TAINTED, "“带病入党”"),
    (KIN, "“近亲繁殖”"),
    (FAVOUR, "“人情党员”"),
    (RUSH, "突击发展"),
)
CATEGORY_LABELS = dict(CATEGORIES)

_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    PLAN: ("PLAN-QUOTA", "PLAN-GROUPS", "POOL-RATIO", "RES-VILLAGE", "RES-YOUNG-FARMER"),
    STANDARD: ("ELIG-AGE", "ELIG-NAT", "POL-DONE", "NEG-LIST", "TRN-MIN", "PRE-LEAVE", "GEN-INVALID"),
    PROCEDURE: (
        "SEQ-ORDER",
        "LEDGER-GAP",
        "APP-WRITTEN",
        "APP-ORG",
        "APP-TALK",
        "ACT-PRE",
        "ACT-GAP",
        "ACT-FILE",
        "ACT-CONTACT",
        "ACT-HALFYEAR",
        "ACT-REPORT",
        "TGT-1YEAR",
        "TGT-OPINION",
        "TGT-NOTICE",
        "PUB-OBJECTION",
        "TRN-STAFF",
        "INTRO-2",
        "PRE-REVIEW",
        "PRE-DISTRICT",
        "FORM-ONE",
        "FORM-MATCH",
        "ACC-AFTER-PRE",
        "ACC-PRE-PASS",
        "ACC-QUORUM",
        "ACC-MAJORITY",
        "ACC-ONEBYONE",
        "ACC-RESOLUTION",
        "APV-AUTH",
        "APV-TALK",
        "APV-TIME",
        "APV-FILE",
        "PRB-EXAM",
        "PRB-DATES",
        "PRB-OATH",
        "CNV-APPLY",
        "CNV-OUTCOME",
        "CNV-APV-TIME",
        "CNV-TRANSFER",
        "ARC-FILE",
        "ARC-REVIEW",
    ),
    ON_TIME: ("CNV-ONTIME", "CNV-MEETING"),
    FALSIFIED: ("VIO-BACKDATE", "VIO-DATE-ORDER", "VIO-VOTES"),
    TAINTED: ("VIO-DISCIPLINE",),
    KIN: ("VIO-KIN-ROLE", "VIO-KIN-SHARE"),
    FAVOUR: ("VIO-FAVOUR",),
    RUSH: ("VIO-RUSH", "GEN-INDIV"),
}
RULE_CATEGORY: dict[str, str] = {rule: cat for cat, rules in _BY_CATEGORY.items() for rule in rules}


def severity_label(severity: str) -> str:
    return SEVERITY_LABELS.get(severity, "提示")


def rule_category(rule: str) -> str:
    """The category of a rule; a rule missing from the table reads as a matter of procedure (a test holds
    the table complete)."""
    return RULE_CATEGORY.get(rule, PROCEDURE)
