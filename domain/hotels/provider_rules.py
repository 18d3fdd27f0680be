"""The hotel's providers as an admin sets them (the WhatsApp gateway, the LLM), checked without I/O.

A secret field left empty keeps the stored secret (the pages never show one); ``None`` in a change
means "keep". A URL or model left empty means "the installation's default".
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from urllib.parse import urlsplit

from domain.hotels.rules import SettingsRefused

MAX_INSTANCE_DIGITS = 10  # idInstance: an integer of up to 10 digits (docs/external-apis.md §A2)
MAX_URL = 300
MAX_SECRET = 200
MIN_API_TOKEN = 8
MIN_WEBHOOK_TOKEN = 16
MAX_MODEL = 100
MODEL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]*")
SECRET_CHARACTERS = frozenset(string.ascii_letters + string.digits + string.punctuation)


@dataclass(frozen=True, slots=True)
class ConnectionForm:
    instance_id: str = ""
    api_token: str = ""
    webhook_token: str = ""
    api_url: str = ""


@dataclass(frozen=True, slots=True)
class ConnectionChange:
    instance_id: int
    api_token: str | None  # None: keep the stored one
    webhook_token: str | None
    api_url: str | None  # None: the installation's GREEN_API_URL


@dataclass(frozen=True, slots=True)
class ProviderForm:
    base_url: str = ""
    model: str = ""
    api_key: str = ""
    forget_key: bool = False


@dataclass(frozen=True, slots=True)
class ProviderChange:
    base_url: str | None  # None: the installation's default provider
    model: str | None
    api_key: str | None  # None: keep the stored one (see ``forget_key``)
    forget_key: bool


def check_base_url(url: str) -> str | None:
    """Why ``url`` cannot be a provider's base URL (http or https, a host, no query), or None."""
    if len(url) > MAX_URL:
        return f"at most {MAX_URL} characters"
    if any(character.isspace() for character in url):
        return "a URL has no spaces"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return "not a URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "a URL starting with https:// (or http://) and a host"
    if parts.username or parts.password or parts.query or parts.fragment:
        return "a base URL without user, password, query or fragment"
    return None


def _secret(errors: dict[str, str], name: str, value: str, minimum: int) -> str | None:
    value = value.strip()
    if not value:
        return None
    if len(value) > MAX_SECRET:
        errors[name] = f"at most {MAX_SECRET} characters"
    elif not set(value) <= SECRET_CHARACTERS:
        errors[name] = "letters, digits and punctuation only, no spaces"
    elif len(value) < minimum:
        errors[name] = f"at least {minimum} characters"
    return value


def _url(errors: dict[str, str], name: str, value: str) -> str | None:
    value = value.strip().rstrip("/")
    if not value:
        return None
    if (problem := check_base_url(value)) is not None:
        errors[name] = problem
    return value


def check_connection(
    form: ConnectionForm, *, has_api_token: bool, has_webhook_token: bool
) -> ConnectionChange:
    """The WhatsApp connection to store, or ``SettingsRefused`` with a reason per field."""
    errors: dict[str, str] = {}
    digits = form.instance_id.strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits) > MAX_INSTANCE_DIGITS or int(digits) == 0:
        errors["instance_id"] = f"the idInstance of the console: {MAX_INSTANCE_DIGITS} digits at most"
    api_token = _secret(errors, "api_token", form.api_token, MIN_API_TOKEN)
    webhook_token = _secret(errors, "webhook_token", form.webhook_token, MIN_WEBHOOK_TOKEN)
    if api_token is None and not has_api_token and "api_token" not in errors:
        errors["api_token"] = "required: the apiTokenInstance from the Green API console"  # noqa: S105
    if webhook_token is None and not has_webhook_token and "webhook_token" not in errors:
        errors["webhook_token"] = "required"  # noqa: S105
    api_url = _url(errors, "api_url", form.api_url)
    if errors:
        raise SettingsRefused(errors)
    return ConnectionChange(int(digits), api_token, webhook_token, api_url)


def check_provider(form: ProviderForm) -> ProviderChange:
    """The LLM provider to store, or ``SettingsRefused`` with a reason per field."""
    errors: dict[str, str] = {}
    base_url = _url(errors, "base_url", form.base_url)
    model = form.model.strip() or None
    if model is not None and (len(model) > MAX_MODEL or not MODEL_RE.fullmatch(model)):
        errors["model"] = f"a model name like deepseek-flash (at most {MAX_MODEL} characters, no spaces)"
    api_key = None if form.forget_key else _secret(errors, "api_key", form.api_key, 1)
    if errors:
        raise SettingsRefused(errors)
    return ProviderChange(base_url, model, api_key, form.forget_key)
