"""Domain errors raised by services and translated to HTTP by the app."""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    status_code = 400


class ValidationFailed(DomainError):
    """One or more fields are invalid: {field: reason}."""

    status_code = 400

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


class NotFound(DomainError):
    status_code = 404


class Unauthenticated(DomainError):
    """The action needs a logged-in user (or a bearer token)."""

    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    """The record changed since it was read (version mismatch) or a uniqueness clash."""

    status_code = 409


class TryLater(DomainError):
    """Refused for now, not for good: the answer says when to try again (Retry-After)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(TryLater):
    """Too many requests of this kind from this user or address within a window."""

    status_code = 429


class Overloaded(TryLater):
    """The server has no room for more of this work now (a full queue)."""

    status_code = 503
