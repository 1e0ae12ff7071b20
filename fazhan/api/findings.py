"""The place for the inspection's findings in the API — not mounted yet.

The inspection (fazhan.inspection) is being built on another branch; this API does not depend on it. When it
lands, add here a router over its scoped selector of findings and mount it in fazhan/api/api.py with
`api.add_router("/findings", findings.router)`. The shape to serve is the one `fazhan inspect --format json`
prints (interchange.md), filtered to the user's subtrees like every other read:

    GET /api/v1/findings?org=SZQ-LH&rule=APP-TALK&severity=ERROR&person=P0001&limit=50&offset=0
    → {"count": n, "items": [{"rule", "severity", "org", "person", "message", "evidence"}]}

Until then the findings made when a step is entered (ERROR and WARN, procedure.StepFinding) are already served
with each step record (`findings` of GET /api/v1/steps/{id} and of a case's steps).
"""

from datetime import date
from typing import Any

from ninja import Schema


class FindingOut(Schema):
    """One finding, as `fazhan inspect --format json` prints it."""

    rule: str
    severity: str
    org: str
    person: str | None
    message: str
    evidence: dict[str, Any]
    as_of: date | None = None
