"""Reading and validating the environment, and naming the database safely."""

from __future__ import annotations

import pytest

from todo_api.db import Database, describe_database, normalise_database_url, redact
from todo_api.settings import DEFAULT_DATABASE_URL, Settings, SettingsError


def test_an_empty_environment_gives_a_local_sqlite_database_under_tmp_and_info_logging() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == DEFAULT_DATABASE_URL == "sqlite:////tmp/todo.db"
    assert settings.database_url_is_default is True
    assert settings.log_level == "info"
    assert settings.ai_enabled is False


def test_blank_values_count_as_unset() -> None:
    settings = Settings.from_env({"DATABASE_URL": "  ", "LOG_LEVEL": "", "COHERE_API_KEY": " \n"})
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.log_level == "info"
    assert settings.ai_enabled is False


def test_the_environment_is_read_into_settings() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://todo:pw@db:5432/todo",
            "LOG_LEVEL": "WARNING",
            "COHERE_API_KEY": "co-key",
            "BETTER_AUTH_SECRET": "auth-secret",
        }
    )
    assert settings.database_url == "postgresql://todo:pw@db:5432/todo"
    assert settings.database_url_is_default is False
    assert settings.log_level == "warning"
    assert settings.ai_enabled is True
    assert settings.better_auth_secret == "auth-secret"


@pytest.mark.parametrize("level", ["debug", "info", "warning", "error", "Debug", " ERROR "])
def test_every_documented_log_level_is_accepted_in_any_case(level: str) -> None:
    assert Settings.from_env({"LOG_LEVEL": level}).log_level == level.strip().lower()


@pytest.mark.parametrize("level", ["verbose", "trace", "critical", "10"])
def test_an_unknown_log_level_is_refused_with_the_accepted_values(level: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"LOG_LEVEL": level})
    assert str(raised.value) == (
        f'LOG_LEVEL is "{level}", which is not a log level; accepted: debug, info, warning, error'
    )


def test_printing_the_settings_shows_no_secret() -> None:
    settings = Settings(
        database_url="postgresql://todo:db-password@db/todo",
        cohere_api_key="co-key-value",
        better_auth_secret="auth-secret-value",
    )
    text = repr(settings) + str(settings)
    for secret in ("db-password", "co-key-value", "auth-secret-value"):
        assert secret not in text


@pytest.mark.parametrize(
    "given, expected",
    [
        ("postgres://u:p@h:5432/d", "postgresql+psycopg2://u:p@h:5432/d"),
        ("postgresql://u:p@h/d?sslmode=require", "postgresql+psycopg2://u:p@h/d?sslmode=require"),
        ("postgresql+psycopg2://u:p@h/d", "postgresql+psycopg2://u:p@h/d"),
        ("sqlite:////tmp/todo.db", "sqlite:////tmp/todo.db"),
    ],
)
def test_postgres_urls_of_either_scheme_use_the_psycopg2_driver(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_the_database_is_described_by_scheme_and_host_only() -> None:
    assert (
        describe_database("postgres://todo:pw@db.internal:5432/todo") == "postgresql+psycopg2 at db.internal"
    )
    assert describe_database("sqlite:////tmp/todo.db") == "sqlite (local file)"


def test_a_malformed_database_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(SettingsError) as raised:
        Database("not a url, but it holds hunter2")
    message = str(raised.value)
    assert message.startswith("DATABASE_URL is not a usable database URL")
    assert "hunter2" not in message
    # The original error is suppressed, so a traceback cannot print the URL either.
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_an_unsupported_database_scheme_is_refused() -> None:
    with pytest.raises(SettingsError):
        Database("nosuchdb://user:hunter2@host/db")


def test_redaction_replaces_every_secret() -> None:
    assert redact("user pw and key in pw", ["pw", "", "key"]) == "user *** and *** in ***"
