"""The task endpoints, as the frontend uses them."""

from __future__ import annotations

import re
from typing import Callable

import pytest
from fastapi.testclient import TestClient

from todo_api.main import create_app
from todo_api.settings import Settings

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


def add(client: TestClient, title: str) -> dict:
    response = client.post("/api/tasks", json={"title": title})
    assert response.status_code == 201, response.text
    return response.json()


def test_a_new_database_has_no_tasks(client: TestClient) -> None:
    response = client.get("/api/tasks")
    assert response.status_code == 200
    assert response.json() == []


def test_creating_a_task_returns_it_not_done_with_an_id_and_utc_timestamp(client: TestClient) -> None:
    task = add(client, "Buy milk")
    assert set(task) == {"id", "title", "done", "created_at"}
    assert isinstance(task["id"], int)
    assert task["title"] == "Buy milk"
    assert task["done"] is False
    assert ISO_UTC.match(task["created_at"]), task["created_at"]


def test_task_titles_are_trimmed(client: TestClient) -> None:
    assert add(client, "  Walk the dog \n")["title"] == "Walk the dog"


def test_tasks_are_listed_oldest_first(client: TestClient) -> None:
    titles = ["first", "second", "third"]
    created = [add(client, title) for title in titles]
    listed = client.get("/api/tasks").json()
    assert [task["title"] for task in listed] == titles
    assert listed == created


def test_a_title_of_exactly_200_characters_is_accepted(client: TestClient) -> None:
    assert add(client, "x" * 200)["title"] == "x" * 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 201},
        {"title": None},
        {"title": 42},
        {"title": ["a list"]},
    ],
    ids=["missing", "empty", "blank", "too-long", "null", "number", "list"],
)
def test_creating_a_task_with_an_invalid_title_is_rejected(client: TestClient, body: dict) -> None:
    response = client.post("/api/tasks", json=body)
    assert response.status_code == 422
    assert client.get("/api/tasks").json() == []


def test_creating_a_task_without_a_json_body_is_rejected(client: TestClient) -> None:
    response = client.post("/api/tasks", content=b"not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_marking_a_task_done_and_undone(client: TestClient) -> None:
    task = add(client, "Write report")
    done = client.patch(f"/api/tasks/{task['id']}", json={"done": True})
    assert done.status_code == 200
    assert done.json() == {**task, "done": True}
    undone = client.patch(f"/api/tasks/{task['id']}", json={"done": False})
    assert undone.json() == task
    assert client.get("/api/tasks").json() == [task]


def test_renaming_a_task_keeps_its_done_state(client: TestClient) -> None:
    task = add(client, "Old title")
    client.patch(f"/api/tasks/{task['id']}", json={"done": True})
    renamed = client.patch(f"/api/tasks/{task['id']}", json={"title": "  New title  "})
    assert renamed.status_code == 200
    assert renamed.json() == {**task, "title": "New title", "done": True}


def test_a_patch_with_no_fields_changes_nothing(client: TestClient) -> None:
    task = add(client, "Stay the same")
    response = client.patch(f"/api/tasks/{task['id']}", json={})
    assert response.status_code == 200
    assert response.json() == task


@pytest.mark.parametrize(
    "body",
    [
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 201},
        {"title": 7},
        {"title": None},
        {"done": None},
        {"done": "yes"},
        {"done": 1},
    ],
    ids=[
        "empty",
        "blank",
        "too-long",
        "number-title",
        "null-title",
        "null-done",
        "string-done",
        "number-done",
    ],
)
def test_an_invalid_patch_is_rejected_and_leaves_the_task_unchanged(client: TestClient, body: dict) -> None:
    task = add(client, "Unchanged")
    response = client.patch(f"/api/tasks/{task['id']}", json=body)
    assert response.status_code == 422
    assert client.get("/api/tasks").json() == [task]


def test_patching_a_missing_task_is_not_found(client: TestClient) -> None:
    response = client.patch("/api/tasks/999", json={"done": True})
    assert response.status_code == 404
    assert response.json() == {"detail": "Task 999 not found"}


def test_a_task_id_that_is_not_a_number_is_rejected(client: TestClient) -> None:
    assert client.patch("/api/tasks/abc", json={"done": True}).status_code == 422
    assert client.delete("/api/tasks/abc").status_code == 422


def test_deleting_a_task_removes_only_that_task(client: TestClient) -> None:
    keep = add(client, "Keep me")
    drop = add(client, "Drop me")
    response = client.delete(f"/api/tasks/{drop['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert client.get("/api/tasks").json() == [keep]


def test_deleting_a_task_twice_is_not_found_the_second_time(client: TestClient) -> None:
    task = add(client, "Once")
    assert client.delete(f"/api/tasks/{task['id']}").status_code == 204
    second = client.delete(f"/api/tasks/{task['id']}")
    assert second.status_code == 404
    assert second.json() == {"detail": f"Task {task['id']} not found"}


def test_tasks_survive_a_restart_of_the_service(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    with TestClient(create_app(settings)) as first:
        task = add(first, "Persisted")
        first.patch(f"/api/tasks/{task['id']}", json={"done": True})
    with TestClient(create_app(settings)) as second:
        assert second.get("/api/tasks").json() == [{**task, "done": True}]


def test_the_openapi_document_lists_every_endpoint(make_settings: Callable[..., Settings]) -> None:
    # The document is served only at LOG_LEVEL=debug (see test_hardening.py).
    with TestClient(create_app(make_settings(log_level="debug"))) as client:
        paths = client.get("/openapi.json").json()["paths"]
    assert set(paths) == {"/health", "/ready", "/api/info", "/api/tasks", "/api/tasks/{task_id}"}
    assert set(paths["/api/tasks"]) == {"get", "post"}
    assert set(paths["/api/tasks/{task_id}"]) == {"get", "patch", "delete"}
