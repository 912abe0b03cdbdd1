"""Accounts: users and their roles, logging in with lock-out, browser sessions, API tokens."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.accounts.models import ApiToken, User, UserSession
from app.accounts.passwords import dummy_hash, hash_password, new_token, token_digest, verify_password
from app.catalogue.models import Organisation, Vendor
from app.core.principal import Principal
from app.core.roles import Role
from app.errors import ValidationFailed

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
SESSION_LIFETIME = timedelta(hours=8)  # from login; not extended by use


def principal_of(user: User) -> Principal:
    return Principal(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        organisation_id=user.organisation_id,
        vendor_id=user.vendor_id,
    )


def _password_errors(password: str) -> dict[str, str]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return {"password": f"must be at least {MIN_PASSWORD_LENGTH} characters"}
    return {}


def _role_errors(role: str, organisation_ref: str | None, vendor_name: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if role not in {r.value for r in Role}:
        errors["role"] = f"unknown role; one of {', '.join(r.value for r in Role)}"
    if role == Role.ORG_REPORTER and not organisation_ref:
        errors["organisation"] = "an org_reporter needs an organisation (kind:code)"
    if role == Role.VENDOR and not vendor_name:
        errors["vendor"] = "a vendor user needs a vendor"
    return errors


def _affiliation(session: Session, organisation_ref: str | None, vendor_name: str | None,
                 errors: dict[str, str]) -> tuple[Organisation | None, Vendor | None]:
    """The organisation and vendor named; a name that matches nothing is added to errors."""
    organisation = vendor = None
    if organisation_ref and "organisation" not in errors:
        kind, _, code = organisation_ref.partition(":")
        organisation = session.scalar(
            select(Organisation).where(Organisation.kind == kind, Organisation.code == code))
        if organisation is None:
            errors["organisation"] = f"no organisation {organisation_ref}"
    if vendor_name and "vendor" not in errors:
        vendor = session.scalar(select(Vendor).where(Vendor.name == vendor_name))
        if vendor is None:
            errors["vendor"] = f"no vendor named {vendor_name!r}"
    return organisation, vendor


def create_user(session: Session, *, email: str, name: str, role: str, password: str,
                organisation_ref: str | None = None, vendor_name: str | None = None) -> User:
    email = email.strip().lower()
    errors: dict[str, str] = {}
    if "@" not in email:
        errors["email"] = "not an e-mail address"
    elif session.scalar(select(User.id).where(User.email == email)) is not None:
        errors["email"] = "a user with this e-mail already exists"
    errors |= _role_errors(role, organisation_ref, vendor_name) | _password_errors(password)
    organisation, vendor = _affiliation(session, organisation_ref, vendor_name, errors)
    if errors:
        raise ValidationFailed(errors)
    user = User(email=email, name=name, role=role, password_hash=hash_password(password),
                organisation=organisation, vendor=vendor)
    session.add(user)
    session.flush()
    return user


# ---- changes that reach every session of the user on its next request ----------------------
# A session's principal is read from the user row on every request (principal_for_session),
# so a new role or affiliation applies at once; deactivation and a new password end the
# sessions, since whoever held them may be the reason for the change.


def change_role(session: Session, user: User, role: str, organisation_ref: str | None = None,
                vendor_name: str | None = None) -> User:
    errors = _role_errors(role, organisation_ref, vendor_name)
    organisation, vendor = _affiliation(session, organisation_ref, vendor_name, errors)
    if errors:
        raise ValidationFailed(errors)
    user.role, user.organisation, user.vendor = role, organisation, vendor
    session.flush()
    return user


def set_active(session: Session, user: User, active: bool) -> User:
    """Deactivate or reactivate. A deactivated user's sessions end, and its API tokens stop
    working (user_for_token checks the user on every request)."""
    user.is_active = active
    if not active:
        end_all_sessions(session, user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> User:
    """A new password ends every session of the user and lifts a lock-out."""
    errors = _password_errors(password)
    if errors:
        raise ValidationFailed(errors)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    end_all_sessions(session, user)
    session.flush()
    return user


# ---- logging in ---------------------------------------------------------------------------


def _locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def authenticate(session: Session, email: str, password: str, now: datetime | None = None,
                 known_user_ids: Collection[int] = ()) -> User | None:
    """The user if the password is right and the account may log in, else None.

    Every attempt costs exactly one argon2 verification -- against the user's hash, or a
    dummy hash for an unknown e-mail -- whether the account is unknown, deactivated or
    locked, so the answer's timing tells nothing about the account.

    Lock-out: after MAX_FAILED_LOGINS wrong passwords from browsers the account has never
    logged in from, such browsers are refused for LOCKOUT, even with the right password.
    A browser the account has logged in from before (`known_user_ids`, from its signed
    known-browser cookie) is not locked out, and its failures do not count towards the
    lock (the caller limits them per browser), so knowing someone's e-mail is not enough
    to lock them out.
    """
    now = now or datetime.now(UTC)
    user = user_by_email(session, email)
    if user is None:
        verify_password(dummy_hash(), password)
        return None
    password_ok = verify_password(user.password_hash, password)
    known_browser = user.id in known_user_ids
    if not user.is_active or (_locked(user, now) and not known_browser):
        return None
    if not password_ok:
        if not known_browser:
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = now + LOCKOUT
                user.failed_logins = 0
        return None
    if not _locked(user, now):  # a known browser getting in does not lift a lock on the others
        user.failed_logins = 0
        user.locked_until = None
    return user


def start_session(session: Session, user: User, now: datetime | None = None) -> str:
    """A new browser session for the user; returns its token (for the cookie, shown once).
    Expired sessions of everyone are cleared on the way."""
    now = now or datetime.now(UTC)
    session.execute(delete(UserSession).where(UserSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user.id, token_hash=token_digest(token), expires_at=now + SESSION_LIFETIME))
    session.flush()
    return token


def end_session(session: Session, token: str) -> None:
    session.execute(delete(UserSession).where(UserSession.token_hash == token_digest(token)))


def end_all_sessions(session: Session, user: User) -> None:
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def principal_for_session(session: Session, token: str, now: datetime | None = None) -> Principal | None:
    """Who holds this session token now: one indexed look-up of the session and its user's
    current role, organisation and vendor; None when it is unknown, expired or ended, or
    the user is deactivated."""
    now = now or datetime.now(UTC)
    row = session.execute(
        select(User.id, User.email, User.name, User.role, User.organisation_id, User.vendor_id)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == token_digest(token), UserSession.expires_at > now,
               User.is_active.is_(True))).one_or_none()
    return Principal(**row._mapping) if row else None


def create_token(session: Session, user: User, name: str = "cli",
                 valid_days: int | None = 365) -> str:
    token = new_token()
    expires = datetime.now(UTC) + timedelta(days=valid_days) if valid_days else None
    session.add(ApiToken(user=user, name=name, token_hash=token_digest(token), expires_at=expires))
    session.flush()
    return token


def user_for_token(session: Session, token: str, now: datetime | None = None) -> User | None:
    now = now or datetime.now(UTC)
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if row is None or row.revoked or not row.user.is_active:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    return row.user


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))
