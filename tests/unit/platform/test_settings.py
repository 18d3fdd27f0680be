"""Settings: one typed field each, read from the environment by its name in capitals."""

from __future__ import annotations

import pytest

from domain.settings import Settings, SettingsError


def test_every_variable_has_its_default_when_unset_or_empty() -> None:
    assert Settings.from_env({}) == Settings()
    assert Settings.from_env({"AI_DEBOUNCE_SECONDS": "", "SECRET_KEY": ""}) == Settings()


def test_variables_are_typed_and_comma_lists_split() -> None:
    settings = Settings.from_env(
        {
            "AI_DEBOUNCE_SECONDS": "0.5",
            "WORKER_METRICS_PORT": "9200",
            "TRUSTED_PROXIES": "10.0.0.1, 10.0.0.0/8,",
            "SECRET_KEY_FALLBACKS": "old-key-0000000000",
            "PUBLIC_BASE_URL": "https://hotel-bot.example.com/",
            "LOG_LEVEL": "debug",
        }
    )
    assert settings.ai_debounce_seconds == 0.5
    assert settings.worker_metrics_port == 9200
    assert settings.trusted_proxies == ("10.0.0.1", "10.0.0.0/8")
    assert settings.secret_key_fallbacks == ("old-key-0000000000",)
    assert settings.public_base_url == "https://hotel-bot.example.com"
    assert settings.log_level == "DEBUG"


def test_a_value_of_the_wrong_kind_names_the_variable() -> None:
    with pytest.raises(SettingsError, match=r"SESSION_IDLE_SECONDS='abc'.*valid integer"):
        Settings.from_env({"SESSION_IDLE_SECONDS": "abc"})


def test_settings_built_with_keywords_ignore_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # A test's settings are what it says, whatever the shell running it has set.
    monkeypatch.setenv("REDIS_PREFIX", "from-the-shell:")
    assert Settings(database_url="postgresql://db/hotel").redis_prefix == ""
    assert Settings.from_env().redis_prefix == "from-the-shell:"
