"""The 发展党员工作台账 (interchange.md, Excel ledgers)."""


def ledger_export_bytes(*, root=None) -> bytes:
    raise NotImplementedError


def ledger_sources(content: bytes):
    raise NotImplementedError
