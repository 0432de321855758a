"""Resident identity card numbers, GB 11643-1999.

An 18-character number is 6 digits of region, 8 of birth date, 3 of sequence
(odd = male, even = female) and an ISO 7064 MOD 11-2 check character. Old
15-digit numbers (2-digit year, no check) are upgraded to 18.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ganxun.core.text import clean_code

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# Province-level codes of GB/T 2260 (with 71 Taiwan, 81 Hong Kong, 82 Macao).
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82".split()
)


class InvalidIdNumber(ValueError):
    """The reason is a Chinese sentence fit to show the user."""


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: dt.date
    gender: str  # "M" or "F"

    @property
    def region_code(self) -> str:
        return self.number[:6]


def check_char(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS)) % 11]


def id_from_cell(value: object) -> str:
    """Text of an ID number as a spreadsheet holds it, numbers included (3.301e+17 → digits)."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return clean_code(value)


def parse_id_number(raw: object, *, today: dt.date | None = None) -> IdNumber:
    """Validate and normalise an ID number; raise InvalidIdNumber with the reason."""
    number = id_from_cell(raw)
    if not number:
        raise InvalidIdNumber("身份证号为空")
    if len(number) == 15 and number.isdigit():
        body = number[:6] + "19" + number[6:]
        number = body + check_char(body)
    if len(number) != 18:
        raise InvalidIdNumber(f"身份证号应为18位，实际为{len(number)}位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdNumber("身份证号只能由数字组成，末位可为X")
    if number[:2] not in PROVINCE_CODES:
        raise InvalidIdNumber("身份证号前两位不是有效的省级行政区划代码")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber("身份证号中的出生日期无效") from None
    today = today or dt.date.today()
    if birth > today or birth.year < 1900:
        raise InvalidIdNumber("身份证号中的出生日期不合理")
    if check_char(number[:17]) != number[17]:
        hint = "（若该列以数值格式保存，末几位可能已被表格软件截断，请改为文本格式）" if isinstance(raw, float) else ""
        raise InvalidIdNumber("身份证号校验位错误" + hint)
    gender = "M" if int(number[16]) % 2 == 1 else "F"
    return IdNumber(number=number, birth_date=birth, gender=gender)


def make_id_number(region_code: str, birth_date: dt.date, sequence: int, gender: str) -> str:
    """Build a valid number (demo data, tests): sequence 0–499, parity set by gender."""
    seq = sequence * 2 + (1 if gender == "M" else 0)
    seq = seq % 1000
    if (seq % 2 == 1) != (gender == "M"):
        seq = (seq + 1) % 1000
    body = f"{region_code}{birth_date:%Y%m%d}{seq:03d}"
    return body + check_char(body)
