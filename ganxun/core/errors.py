"""Errors of the domain, raised by services and selectors, mapped to 4xx by views and the API."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the request; the message is shown to the user (Chinese).

    `field` names the input that caused it when there is one, so forms and the
    API can point at it; `code` is a stable machine-readable reason.
    """

    status = 400

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


class NotFound(DomainError):
    """Missing and not-yours are the same answer, so nobody can probe for ids."""

    status = 404

    def __init__(self, message: str = "未找到该记录。", *, code: str = "not_found"):
        super().__init__(message, code=code)


class Forbidden(DomainError):
    """The actor's active role may not do this at all (not a scope question)."""

    status = 403

    def __init__(self, message: str = "当前角色无权执行此操作。", *, code: str = "forbidden"):
        super().__init__(message, code=code)


class Conflict(DomainError):
    status = 409

    def __init__(self, message: str, *, code: str = "conflict", field: str | None = None):
        super().__init__(message, code=code, field=field)
