"""How personal data looks on screen and in API responses unless fully revealed."""

from __future__ import annotations


def mask_id_number(number: str | None) -> str:
    """330***********123X: birth date and sequence hidden, last four kept for recognition."""
    if not number:
        return ""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_phone(phone: str | None) -> str:
    """138****5678."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return phone[:2] + "*" * (len(phone) - 2)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
