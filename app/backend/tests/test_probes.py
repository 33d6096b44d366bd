"""Liveness, readiness and the public info endpoint, including how they behave while the database is down."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from todo_api import __version__
from todo_api.main import app as module_app
from todo_api.main import create_app
from todo_api.settings import Settings

from conftest import sqlite_url

# Port 1 on loopback is never a PostgreSQL server, so connecting is refused at once.
REFUSED_POSTGRES_URL = "postgresql://todo:pw@127.0.0.1:1/todo"


class NoDatabase:
    """Stands in for the database and fails the test if anything touches it."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the endpoint touched the database ({name})")


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A loopback port that accepts TCP connections and then never says a word, like a hung database."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


def test_the_asgi_entry_point_is_a_ready_built_app() -> None:
    assert module_app.title == "Todo API"
    assert module_app.version == __version__


def test_health_reports_healthy_and_the_app_version(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "healthy", "version": __version__}


def test_health_never_touches_the_database(make_settings: Callable[..., Settings]) -> None:
    app = create_app(make_settings())
    app.state.db = NoDatabase()
    # Not entering the client skips the lifespan, so nothing but /health itself can reach the database.
    client = TestClient(app)
    assert client.get("/health").json() == {"status": "healthy", "version": __version__}


def test_health_stays_green_while_the_database_is_unreachable() -> None:
    with TestClient(create_app(Settings(database_url=REFUSED_POSTGRES_URL))) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/ready").status_code == 503


def test_ready_while_the_database_answers(client: TestClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_ready_is_unavailable_when_postgres_refuses_connections() -> None:
    with TestClient(create_app(Settings(database_url=REFUSED_POSTGRES_URL))) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_ready_answers_within_a_few_seconds_when_the_database_hangs(silent_listener: int) -> None:
    url = f"postgres://todo:pw@127.0.0.1:{silent_listener}/todo"
    client = TestClient(create_app(Settings(database_url=url)))
    started = time.monotonic()
    response = client.get("/ready")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    # The connect timeout is 2 s and a probe times out after a few, so the probe must hear from us first.
    assert elapsed < 4.5, f"/ready took {elapsed:.1f}s"


def test_ready_is_unavailable_when_the_check_itself_fails(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_ping() -> None:
        raise RuntimeError("connection reset by peer")

    monkeypatch.setattr(client.app.state.db, "ping", broken_ping)
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_the_service_recovers_once_the_database_appears_without_a_restart(tmp_path: Path) -> None:
    # A SQLite file in a directory that does not exist yet cannot be opened, like a database still starting.
    database_dir = tmp_path / "not-yet"
    settings = Settings(database_url=sqlite_url(database_dir / "todo.db"))
    with TestClient(create_app(settings)) as client:
        assert client.get("/ready").status_code == 503
        unavailable = client.get("/api/tasks")
        assert unavailable.status_code == 503
        assert unavailable.json() == {"detail": "database unavailable"}

        database_dir.mkdir()
        assert client.get("/ready").json() == {"status": "ready"}
        assert client.post("/api/tasks", json={"title": "after recovery"}).status_code == 201
        assert [task["title"] for task in client.get("/api/tasks").json()] == ["after recovery"]


@pytest.mark.parametrize("method, path", [("get", "/api/tasks"), ("post", "/api/tasks")])
def test_task_endpoints_answer_503_while_the_database_is_down(method: str, path: str) -> None:
    with TestClient(create_app(Settings(database_url=REFUSED_POSTGRES_URL))) as client:
        response = client.request(method, path, json={"title": "x"})
    assert response.status_code == 503
    assert response.json() == {"detail": "database unavailable"}


def test_info_reports_ai_disabled_without_a_cohere_key(make_settings: Callable[..., Settings]) -> None:
    with TestClient(create_app(make_settings())) as client:
        response = client.get("/api/info")
    assert response.status_code == 200
    assert response.json() == {"version": __version__, "ai_enabled": False}


def test_info_reports_ai_enabled_without_revealing_the_key(make_settings: Callable[..., Settings]) -> None:
    key = "co-test-key-0123456789"
    with TestClient(create_app(make_settings(cohere_api_key=key))) as client:
        response = client.get("/api/info")
    assert response.json() == {"version": __version__, "ai_enabled": True}
    assert key not in response.text
