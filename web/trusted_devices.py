"""Device cookies: a browser that has signed in to an account before is recognised at sign-in.

OWASP's "Slow Down Online Guessing Attacks with Device Cookies": after a successful sign-in the
browser gets a cookie naming the account (``nonce.signature``, HMAC-SHA256 with SECRET_KEY over
the account and the nonce). The throttle then counts that browser's failures on their own, so an
attacker guessing an account's password from elsewhere can lock out unknown clients, never the
staff member's own browser. One cookie per account (a front-desk tablet serves several people).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence

DEVICE_COOKIE_MAX_AGE = 180 * 24 * 3600
MAX_TOKEN_LENGTH = 100


def account_key(email: str) -> str:
    """The account as the throttle and the device cookies name it (no email in keys or cookies)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def cookie_name(email: str, *, secure: bool) -> str:
    return f"{'__Secure-' if secure else ''}hb_device_{account_key(email)[:16]}"


def _signature(key: str, account: str, nonce: str) -> str:
    digest = hmac.new(key.encode(), f"device-cookie|{account}|{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue(email: str, secret_key: str) -> str:
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_signature(secret_key, account_key(email), nonce)}"


def recognised(token: str | None, email: str, keys: Sequence[str]) -> str | None:
    """The cookie's nonce if it was signed by us for this account (any current or fallback key)."""
    if not token or len(token) > MAX_TOKEN_LENGTH or "." not in token:
        return None
    nonce, signature = token.split(".", 1)
    account = account_key(email)
    for key in keys:
        if hmac.compare_digest(signature.encode(), _signature(key, account, nonce).encode()):
            return nonce
    return None


def device_of(cookies: Mapping[str, str], email: str, keys: Sequence[str], *, secure: bool) -> str | None:
    return recognised(cookies.get(cookie_name(email, secure=secure)), email, keys)
