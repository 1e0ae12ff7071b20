"""What a page shows its users, for tests that hold it to Chinese: no rule id, severity value or article
code standing bare. An id may stand beside its Chinese name in small type (class rule-id): left out here."""

import re

from fazhan.procedure.definition import RULES_BY_ID
from fazhan.selfcheck.checks import CHK_REPORT
from fazhan.talents.rules import RULES as TALENT_RULES

RULE_IDS = {*RULES_BY_ID, *TALENT_RULES, CHK_REPORT.id}
_SMALL_ID = re.compile(r'<(small|span)[^>]*class="[^"]*\brule-id\b[^"]*"[^>]*>.*?</\1>', re.S)
_HIDDEN = re.compile(r"<(script|style)\b.*?</\1>", re.S)
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+|\bBLOCK\b|\bERROR\b|\bWARN\b|Art\.")


def shown_text(html: str) -> str:
    """The page's text as read, without its tags and attributes and without the ids in small type."""
    return _TAG.sub(" ", _SMALL_ID.sub(" ", _HIDDEN.sub(" ", html)))


def bare_codes(html: str) -> list[str]:
    """The rule ids, severity values and article codes the page shows bare."""
    return [
        w
        for w in _WORD.findall(shown_text(html))
        if w in RULE_IDS or w in ("BLOCK", "ERROR", "WARN") or w == "Art."
    ]
