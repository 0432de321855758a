"""{{ value|hours }}: credit hours as people write them — "0.75", "1", "12.5", "0", "-0.5".

Credit hours are quarter hours (0.25, 0.5, 0.75, 1 …), so `floatformat:"-1"` rounds 0.75 away
("0.8") and `floatformat:"-2"` pads 12.5 to "12.50". This filter keeps up to two decimals
(rounding half up only what lies beyond them), drops trailing zeros and never writes an exponent
or a thousands separator. None, "" and what is not a number show as "".
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

_CENT = Decimal("0.01")


def format_hours(value) -> str:
    if value is None or value == "" or isinstance(value, bool):
        return ""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        if not number.is_finite():
            return ""
        text = format(number.quantize(_CENT, rounding=ROUND_HALF_UP), "f")
    except (InvalidOperation, ValueError):  # not a number, or too many digits to hold
        return ""
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


@register.filter(name="hours", is_safe=True)
def hours(value) -> str:
    return format_hours(value)
