"""Shared fixtures: every test gets its own SQLite file under pytest's tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from todo_api.main import create_app
from todo_api.settings import Settings


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        overrides.setdefault("database_url", sqlite_url(tmp_path / "todo.db"))
        return Settings(**overrides)

    return make


@pytest.fixture
def client(make_settings: Callable[..., Settings]) -> Iterator[TestClient]:
    # Entering the client runs the app's lifespan, as uvicorn would, so the schema is created at start-up.
    with TestClient(create_app(make_settings())) as test_client:
        yield test_client
