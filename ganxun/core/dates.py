"""Loose dates as cadre records hold them: 1975.03, 1975年3月, 1975-03-01, Excel serials."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ganxun.core.text import clean

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_PATTERNS = [
    # 1975-03-01, 1975/3/1, 1975.3.1, 1975年3月1日, 1975 年 3 月 1 日
    re.compile(r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?$"),
    # 1975-03, 1975.03, 1975/3, 1975年3月
    re.compile(r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*月?$"),
    # 19750301
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
    # 197503
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})$"),
    # 1975-03-01 00:00:00 (a datetime written as text)
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})[ T]\d{2}:\d{2}(:\d{2})?$"),
]


class InvalidDate(ValueError):
    pass


@dataclass(frozen=True)
class LooseDate:
    """A date and whether its day was given (month precision is common: 1975.03)."""

    date: dt.date
    has_day: bool

    def agrees_with(self, other: dt.date) -> bool:
        if self.has_day:
            return self.date == other
        return (self.date.year, self.date.month) == (other.year, other.month)


def parse_loose_date(value: object) -> LooseDate | None:
    """Parse a cell or form value; None for empty, InvalidDate for nonsense."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return LooseDate(value.date(), True)
    if isinstance(value, dt.date):
        return LooseDate(value, True)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        # A year-month typed as a number: 1975.03 (a float) or 197503.
        if 1900 <= number < 2100 and not number.is_integer():
            text = f"{number:.2f}"
        elif 1 <= number < 80000 and number.is_integer() and not 1900 <= number < 2100:
            return LooseDate(_EXCEL_EPOCH + dt.timedelta(days=int(number)), True)
        else:
            text = str(int(number)) if number.is_integer() else str(number)
    else:
        text = clean(value)
    if not text:
        return None
    for pattern in _PATTERNS:
        match = pattern.match(text)
        if match:
            parts = match.groupdict()
            year, month = int(parts["y"]), int(parts["m"])
            day = int(parts["d"]) if parts.get("d") else None
            try:
                return LooseDate(dt.date(year, month, day or 1), day is not None)
            except ValueError:
                raise InvalidDate(f"日期“{text}”不存在") from None
    raise InvalidDate(f"无法识别的日期“{text}”，请使用如 1975-03-01 或 1975.03 的格式")
