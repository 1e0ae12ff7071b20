"""Masking of personal data for lists, exports and logs (product.md: masked unless the role needs it)."""


def mask_id_number(value: str) -> str:
    """`511002199803041215` → `5110**********1215`: the province/city and the tail people search by."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """`13800001234` → `138****1234`."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
