class OrgCodeConverter:
    """Org codes as ORG_CODE_VALIDATOR allows; nothing else reaches a query (a NUL 500s on PostgreSQL)."""

    regex = r"[A-Za-z0-9][A-Za-z0-9_-]*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class RecordKeyConverter(OrgCodeConverter):
    """Person ids are kept verbatim from imported files, so any printable text but a slash."""

    regex = r"[^/\x00-\x1f\x7f]+"
