"""Password hashing with argon2 (argon2-cffi) and API token digests."""

from __future__ import annotations

import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
TOKEN_PREFIX = "bt_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def dummy_hash() -> str:
    """A hash of a random password, made once per process (create_app makes it at start-up):
    a login for an unknown e-mail verifies against it, so it costs what a real one does."""
    return hash_password(secrets.token_urlsafe(16))


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Tokens are random and long, so a plain SHA-256 digest is enough to store."""
    return hashlib.sha256(token.encode()).hexdigest()
