"""One typed settings object, read once from the environment.

Each setting is one field with its one default; its environment variable is the field's name in
capitals (``session_idle_seconds`` is ``SESSION_IDLE_SECONDS``), and an empty variable counts as
unset. ``Settings(database_url=...)`` (tests, a command given its own database) gives those keywords
and the defaults, never the shell's environment; ``Settings.from_env()`` reads the environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Annotated, Any

from pydantic import ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

# What a Settings object built in-process gets (unit tests); ``serve``, ``worker`` and the commands
# that store secrets refuse it (``secret_key_problem``): the demo and the tests give a real key.
_DEV_SECRET = "dev-only-secret-key-change-me"  # noqa: S105
MIN_SECRET_KEY_LENGTH = 16

# Comma-separated in the environment (``TRUSTED_PROXIES=10.0.0.1,10.0.0.0/8``), not JSON.
CommaList = Annotated[tuple[str, ...], NoDecode]


class SettingsError(ValueError):
    """A variable in the environment that the product cannot start with; says which and why."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, env_ignore_empty=True, extra="forbid")

    database_url: str = ""
    redis_url: str = ""
    secret_key: str = _DEV_SECRET
    secret_key_fallbacks: CommaList = ()
    public_base_url: str = "http://127.0.0.1:8000"
    green_api_url: str = "https://api.green-api.com"
    deepseek_api_url: str = "https://api.deepseek.com"
    deepseek_api_key: str = ""
    deepseek_model: str = "deepseek-flash"
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    log_level: str = "INFO"
    log_format: str = "console"
    # Tuning, with the defaults production wants.
    ai_debounce_seconds: float = 3.0
    ai_history_messages: int = 20
    knowledge_token_budget: int = 6000
    sweep_interval_seconds: int = 10
    worker_poll_delay: float = 0.05
    redis_prefix: str = ""
    retry_base_seconds: float = 2.0
    send_timeout_seconds: int = 30
    ai_timeout_seconds: int = 150
    worker_metrics_port: int = 9100
    # Security: the proxies whose X-Forwarded-For hop is believed (IPs or CIDRs; none by default),
    # how long a session may sit unused, and the bearer token /metrics asks for (none: open).
    trusted_proxies: CommaList = ()
    session_idle_seconds: int = 12 * 3600
    metrics_token: str = ""
    # What the LLM costs, per million tokens, for the AI cost in /analytics. The defaults are
    # DeepSeek's published list prices for deepseek-flash at peak hours, in US dollars; off-peak
    # hours cost half, so the figure is an upper bound (docs/analytics.md, "AI cost").
    llm_price_input_cache_hit_per_mtok: float = 0.006
    llm_price_input_cache_miss_per_mtok: float = 0.30
    llm_price_output_per_mtok: float = 1.20
    llm_price_currency: str = "USD"

    @field_validator("secret_key_fallbacks", "trusted_proxies", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("public_base_url", "green_api_url", "deepseek_api_url")
    @classmethod
    def _without_trailing_slash(cls, value: str) -> str:
        # Paths are appended with a leading slash: "https://host/" + "/v1" would double it.
        return value.rstrip("/")

    @field_validator(
        "llm_price_input_cache_hit_per_mtok",
        "llm_price_input_cache_miss_per_mtok",
        "llm_price_output_per_mtok",
    )
    @classmethod
    def _not_negative(cls, value: float) -> float:
        if value < 0:
            raise ValueError("a price cannot be negative")
        return value

    @field_validator("log_level")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Keywords and defaults only: a test's settings must not change with the shell it runs in.
        # ``from_env`` is the one reader of the environment.
        return (init_settings,)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings the environment (or the given mapping) says; SettingsError naming the
        variable when one has a value of the wrong kind (``SESSION_IDLE_SECONDS=abc``)."""
        values = _Environment(cls, os.environ if environ is None else environ)()
        try:
            return cls(**values)
        except ValidationError as error:
            problems = "; ".join(
                f"{str(problem['loc'][0]).upper()}={problem['input']!r}: {problem['msg']}"
                for problem in error.errors()
            )
            raise SettingsError(f"invalid setting in the environment: {problems}") from None

    def secret_key_problem(self) -> str | None:
        """Why SECRET_KEY cannot protect production data, or None when it can."""
        if not self.secret_key or self.secret_key == _DEV_SECRET:
            return (
                "SECRET_KEY is not set: it encrypts the hotels' provider tokens and signs sessions. "
                "Set it to a long random value, the same in every web and worker process "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')."
            )
        if len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
            return f"SECRET_KEY is too short: use at least {MIN_SECRET_KEY_LENGTH} random characters."
        return None

    @property
    def asyncpg_dsn(self) -> str:
        """The DATABASE_URL as plain asyncpg expects it."""
        return self.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)

    @property
    def sqlalchemy_url(self) -> str:
        """The DATABASE_URL with SQLAlchemy's asyncpg driver named (``postgres://`` as well)."""
        return re.sub(r"^postgres(ql)?://", "postgresql+asyncpg://", self.database_url)


class _Environment(EnvSettingsSource):
    """pydantic-settings' environment reader (names, empty values, comma lists), over a given
    mapping: the tests read a dict, the product reads ``os.environ``."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
