"""Password policy: at least 8 characters (Django's validator), 3 of 4 character classes,
and not the username or the person's ID number."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError

_CLASSES = (
    ("小写字母", re.compile(r"[a-z]")),
    ("大写字母", re.compile(r"[A-Z]")),
    ("数字", re.compile(r"\d")),
    ("符号", re.compile(r"[^A-Za-z0-9]")),
)


class CharacterClassValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        present = sum(1 for _, pattern in _CLASSES if pattern.search(password))
        if present < self.min_classes:
            raise ValidationError(
                f"密码须至少包含大写字母、小写字母、数字、符号中的 {self.min_classes} 类。",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return f"至少包含大写字母、小写字母、数字、符号中的 {self.min_classes} 类。"


# Higher apps (people) tell which other identifiers an account has, e.g. the
# person's ID number, without access importing them.
_identity_sources: list[Callable[[object], Iterable[str]]] = []


def register_identity_source(source: Callable[[object], Iterable[str]]) -> None:
    if source not in _identity_sources:
        _identity_sources.append(source)


class NotIdentityValidator:
    """The password may not be the username or the person's ID number (in any letter case)."""

    def validate(self, password: str, user=None) -> None:
        if user is None:
            return
        lowered = password.lower()
        forbidden = {getattr(user, "username", "") or ""}
        if getattr(user, "pk", None):
            for source in _identity_sources:
                forbidden.update(source(user))
        if any(value and lowered == value.lower() for value in forbidden):
            raise ValidationError("密码不能与用户名或身份证号相同。", code="password_is_identity")

    def get_help_text(self) -> str:
        return "不能与用户名或身份证号相同。"


class MinimumLengthValidator:
    """Django's own validator has no Simplified Chinese text for this message, so it is here."""

    def __init__(self, min_length: int = 8):
        self.min_length = min_length

    def validate(self, password: str, user=None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(f"密码太短，至少需要 {self.min_length} 个字符。", code="password_too_short")

    def get_help_text(self) -> str:
        return f"至少 {self.min_length} 个字符。"
