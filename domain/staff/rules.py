"""Pure rules of staff administration: link tokens, whether a link still works, emails."""

from __future__ import annotations

import datetime
import enum
import hashlib
import re
import secrets

from domain.errors import Invalid

INVITE_DAYS_DEFAULT = 7
INVITE_DAYS_MAX = 30
RESET_HOURS = 24
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


def new_token() -> tuple[str, str]:
    """A link's secret (shown once) and the digest kept in the database."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def plausible_token(token: str) -> bool:
    """Shaped like one of ours: anything else is not looked up at all."""
    return bool(_TOKEN.match(token))


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise Invalid("enter a valid email address")
    return email


class LinkState(enum.StrEnum):
    PENDING = "pending"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"


def link_state(
    *,
    expires_at: datetime.datetime,
    used_at: datetime.datetime | None,
    revoked_at: datetime.datetime | None,
    now: datetime.datetime,
) -> LinkState:
    """Used or revoked says so even once it has also expired: the most telling reason first."""
    if used_at is not None:
        return LinkState.USED
    if revoked_at is not None:
        return LinkState.REVOKED
    if now >= expires_at:
        return LinkState.EXPIRED
    return LinkState.PENDING


def invite_days(value: str | int | None) -> int:
    if value in (None, ""):
        return INVITE_DAYS_DEFAULT
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise Invalid("the invite's lifetime must be a number of days") from None
    if not 1 <= days <= INVITE_DAYS_MAX:
        raise Invalid(f"an invite lasts between 1 and {INVITE_DAYS_MAX} days")
    return days
