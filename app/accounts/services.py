"""Accounts: creating users, logging in with lock-out, API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import ApiToken, User
from app.accounts.passwords import hash_password, new_token, token_digest, verify_password
from app.accounts.principal import Principal
from app.accounts.roles import Role
from app.catalogue.models import Organisation, Vendor
from app.errors import ValidationFailed

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10


def principal_of(user: User) -> Principal:
    return Principal(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        organisation_id=user.organisation_id,
        vendor_id=user.vendor_id,
    )


def _password_problem(password: str) -> str | None:
    return f"must be at least {MIN_PASSWORD_LENGTH} characters" if len(password) < MIN_PASSWORD_LENGTH else None


def _check_user_fields(session: Session, email: str, role: str, password: str,
                       organisation_ref: str | None, vendor_name: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if "@" not in email:
        errors["email"] = "not an e-mail address"
    elif session.scalar(select(User.id).where(User.email == email)) is not None:
        errors["email"] = "a user with this e-mail already exists"
    if role not in {r.value for r in Role}:
        errors["role"] = f"unknown role; one of {', '.join(r.value for r in Role)}"
    if (problem := _password_problem(password)) is not None:
        errors["password"] = problem
    if role == Role.ORG_REPORTER and not organisation_ref:
        errors["organisation"] = "an org_reporter needs an organisation (kind:code)"
    if role == Role.VENDOR and not vendor_name:
        errors["vendor"] = "a vendor user needs a vendor"
    return errors


def create_user(session: Session, *, email: str, name: str, role: str, password: str,
                organisation_ref: str | None = None, vendor_name: str | None = None) -> User:
    email = email.strip().lower()
    errors = _check_user_fields(session, email, role, password, organisation_ref, vendor_name)
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
    if errors:
        raise ValidationFailed(errors)
    user = User(email=email, name=name, role=role, password_hash=hash_password(password),
                organisation=organisation, vendor=vendor)
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    """A new password; it also lifts a lock-out."""
    if (problem := _password_problem(password)) is not None:
        raise ValidationFailed({"password": problem})
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None


def authenticate(session: Session, email: str, password: str,
                 now: datetime | None = None) -> User | None:
    """Check a password; after MAX_FAILED_LOGINS failures the account is locked for a while."""
    now = now or datetime.now(UTC)
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active:
        verify_password(hash_password("timing-equaliser"), password)
        return None
    if user.locked_until is not None and user.locked_until > now:
        return None
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        return None
    user.failed_logins = 0
    user.locked_until = None
    return user


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
