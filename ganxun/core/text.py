"""Cleaning of text as it arrives from spreadsheets and forms.

Real hand-kept data has full-width letters and digits (ＡＢＣ１２３), ideographic
spaces, non-breaking spaces and stray blanks around and inside names.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Middle dots used in names of some ethnic groups and foreign names; NFKC
# leaves them as different code points, so they are unified here.
_DOTS = str.maketrans({"・": "·", "•": "·", "‧": "·", "∙": "·", ".": "·"})


def clean(value: object) -> str:
    """NFKC-normalise (full-width → half-width), trim, and fold runs of blanks to one space."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    text = text.replace("\u200b", "").replace("\ufeff", "")
    # Control characters (NUL above all: PostgreSQL cannot store it) are never data.
    text = _CONTROL.sub("", text)
    return _SPACES.sub(" ", text).strip()


def clean_name(value: object) -> str:
    """A person's name: blanks inside a Chinese name are typing noise ("张 三" → "张三")."""
    text = clean(value)
    if _CJK.search(text):
        text = text.replace(" ", "").translate(_DOTS)
    return text


def clean_code(value: object) -> str:
    """A code (ID number, unit code): no blanks at all, upper-case letters."""
    return clean(value).replace(" ", "").upper()


def clean_phone(value: object) -> str:
    """Digits of a phone number, keeping a leading + and the dash of landlines."""
    text = clean(value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    text = re.sub(r"[\s()（）]", "", text)
    if text.startswith("+86"):
        text = text[3:]
    return text


PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def is_valid_phone(text: str) -> bool:
    """A mainland mobile number (11 digits) or a landline with area code."""
    return bool(PHONE_RE.match(text))
