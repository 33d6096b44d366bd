"""No secret ever reaches the logs, whatever happens."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from todo_api.main import create_app
from todo_api.settings import Settings

from conftest import sqlite_url

DB_PASSWORD = "db-Pa55word-f00"
COHERE_KEY = "co-SECRET-key-4242"
AUTH_SECRET = "better-auth-SECRET-9999"
SECRETS = (DB_PASSWORD, COHERE_KEY, AUTH_SECRET)


def exercise(client: TestClient) -> str:
    """Calls every endpoint, returns everything the client was sent."""
    bodies = [
        client.get("/health"),
        client.get("/ready"),
        client.get("/api/info"),
        client.get("/api/tasks"),
        client.post("/api/tasks", json={"title": "t"}),
        client.patch("/api/tasks/1", json={"done": True}),
        client.delete("/api/tasks/1"),
        client.get("/openapi.json"),
    ]
    return "\n".join(response.text for response in bodies)


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_no_secret_is_logged_or_returned_while_postgres_is_unreachable(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = Settings.from_env(
        {
            "DATABASE_URL": f"postgres://todo:{DB_PASSWORD}@127.0.0.1:1/todo",
            "COHERE_API_KEY": COHERE_KEY,
            "BETTER_AUTH_SECRET": AUTH_SECRET,
            "LOG_LEVEL": "debug",
        }
    )
    with TestClient(create_app(settings)) as client:
        responses = exercise(client)
    messages = caplog.text
    assert "starting" in messages and "readiness check failed" in messages and "127.0.0.1" in messages
    assert_no_secret(messages)
    assert_no_secret(responses)


def test_no_secret_is_logged_during_normal_operation(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = Settings(
        database_url=sqlite_url(tmp_path / "todo.db"),
        cohere_api_key=COHERE_KEY,
        better_auth_secret=AUTH_SECRET,
        log_level="debug",
    )
    with TestClient(create_app(settings)) as client:
        responses = exercise(client)
    assert "created task" in caplog.text
    assert_no_secret(caplog.text)
    assert_no_secret(responses)


def test_log_level_is_applied_to_the_app_logger(make_settings) -> None:  # type: ignore[no-untyped-def]
    create_app(make_settings(log_level="error"))
    assert logging.getLogger("todo_api").level == logging.ERROR
    create_app(make_settings(log_level="debug"))
    assert logging.getLogger("todo_api").level == logging.DEBUG
