"""One typed settings object, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache

# What a Settings object built in-process gets (unit tests); ``serve``, ``worker`` and the commands
# that store secrets refuse it (``secret_key_problem``): the demo and the tests give a real key.
_DEV_SECRET = "dev-only-secret-key-change-me"  # noqa: S105
MIN_SECRET_KEY_LENGTH = 16


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = ""
    redis_url: str = ""
    secret_key: str = _DEV_SECRET
    secret_key_fallbacks: tuple[str, ...] = ()
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
    trusted_proxies: tuple[str, ...] = ()
    session_idle_seconds: int = 12 * 3600
    metrics_token: str = ""
    extra: dict[str, str] = field(default_factory=dict)

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
        url = self.database_url
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        return url

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)

        def get(name: str, default: str) -> str:
            return env.get(name, default) or default

        return cls(
            database_url=get("DATABASE_URL", ""),
            redis_url=get("REDIS_URL", ""),
            secret_key=get("SECRET_KEY", _DEV_SECRET),
            secret_key_fallbacks=_split(env.get("SECRET_KEY_FALLBACKS", "")),
            public_base_url=get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            green_api_url=get("GREEN_API_URL", "https://api.green-api.com").rstrip("/"),
            deepseek_api_url=get("DEEPSEEK_API_URL", "https://api.deepseek.com").rstrip("/"),
            deepseek_api_key=get("DEEPSEEK_API_KEY", ""),
            deepseek_model=get("DEEPSEEK_MODEL", "deepseek-flash"),
            oidc_issuer=get("OIDC_ISSUER", ""),
            oidc_client_id=get("OIDC_CLIENT_ID", ""),
            oidc_client_secret=get("OIDC_CLIENT_SECRET", ""),
            log_level=get("LOG_LEVEL", "INFO").upper(),
            log_format=get("LOG_FORMAT", "console"),
            ai_debounce_seconds=float(get("AI_DEBOUNCE_SECONDS", "3")),
            ai_history_messages=int(get("AI_HISTORY_MESSAGES", "20")),
            knowledge_token_budget=int(get("KNOWLEDGE_TOKEN_BUDGET", "6000")),
            sweep_interval_seconds=int(get("SWEEP_INTERVAL_SECONDS", "10")),
            worker_poll_delay=float(get("WORKER_POLL_DELAY", "0.05")),
            redis_prefix=get("REDIS_PREFIX", ""),
            retry_base_seconds=float(get("RETRY_BASE_SECONDS", "2")),
            send_timeout_seconds=int(get("SEND_TIMEOUT_SECONDS", "30")),
            ai_timeout_seconds=int(get("AI_TIMEOUT_SECONDS", "150")),
            worker_metrics_port=int(get("WORKER_METRICS_PORT", "9100")),
            trusted_proxies=_split(env.get("TRUSTED_PROXIES", "")),
            session_idle_seconds=int(get("SESSION_IDLE_SECONDS", str(12 * 3600))),
            metrics_token=get("METRICS_TOKEN", ""),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
