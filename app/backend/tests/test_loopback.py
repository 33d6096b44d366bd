"""The app behind a real uvicorn on 127.0.0.1: racing writes and oversized bodies over real sockets.

Everything here is bounded: the server listens on a port of 127.0.0.1 that the kernel picks, there is a fixed
number of requests, every request, barrier and socket has a timeout, and the server is stopped (and its thread
joined) at the end of each test. No traffic leaves the loopback interface: the HTTP client ignores proxy
settings from the environment.
"""

from __future__ import annotations

import random
import select
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import httpx
import pytest
import uvicorn

from todo_api.limits import MAX_BODY_BYTES
from todo_api.main import create_app
from todo_api.settings import Settings

LOOPBACK = "127.0.0.1"
REQUEST_TIMEOUT = 15.0  # seconds, for each request and each socket operation
TEST_TIMEOUT = 60.0  # seconds, for all the requests of one test together


class LiveServer:
    def __init__(self, settings: Settings) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind((LOOPBACK, 0))
        self.port = self.socket.getsockname()[1]
        self.url = f"http://{LOOPBACK}:{self.port}"
        # log_config=None leaves the logging setup alone; the app's own logger still reports.
        config = uvicorn.Config(
            create_app(settings), log_config=None, access_log=False, lifespan="on", log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + REQUEST_TIMEOUT
        while not self.server.started:
            assert self.thread.is_alive(), "uvicorn stopped during start-up"
            assert time.monotonic() < deadline, "uvicorn did not start in time"
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(REQUEST_TIMEOUT)
        self.socket.close()
        assert not self.thread.is_alive(), "uvicorn did not stop in time"


@pytest.fixture
def live_server(make_settings: Callable[..., Settings]) -> Iterator[LiveServer]:
    server = LiveServer(make_settings())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def http_client(server: LiveServer) -> httpx.Client:
    # trust_env=False: no HTTP(S)_PROXY or ALL_PROXY from the environment, the requests go to loopback itself.
    return httpx.Client(base_url=server.url, timeout=REQUEST_TIMEOUT, trust_env=False)


Request = Tuple[str, str, Optional[Dict[str, Any]]]


@pytest.fixture
def clients(live_server: LiveServer) -> Iterator[List[httpx.Client]]:
    """One client (so one connection) per concurrent request; made once, as making one takes a while."""
    made = [http_client(live_server) for _ in range(MAX_CONCURRENT)]
    try:
        yield made
    finally:
        for client in made:
            client.close()


def race(clients: List[httpx.Client], requests: List[Request]) -> List[httpx.Response]:
    """Sends `requests` at the same moment, one connection each, and returns the responses in order."""
    assert len(requests) <= len(clients)
    barrier = threading.Barrier(len(requests), timeout=REQUEST_TIMEOUT)

    def send(client: httpx.Client, request: Request) -> httpx.Response:
        method, path, body = request
        client.get("/health")  # (re)connect first, so that the requests below leave together
        barrier.wait()
        return client.request(method, path, json=body)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        futures = [pool.submit(send, client, request) for client, request in zip(clients, requests)]
        done, pending = wait(futures, timeout=TEST_TIMEOUT)
        assert not pending, f"{len(pending)} requests did not finish in {TEST_TIMEOUT}s"
        return [future.result() for future in futures]


MAX_CONCURRENT = 12
TASKS = 20
PATCHES_PER_TASK = 5
DELETES_PER_TASK = 3


def test_racing_patches_and_deletes_never_fail_and_delete_each_task_once(
    live_server: LiveServer, clients: List[httpx.Client]
) -> None:
    shuffle = random.Random(13).shuffle
    client = clients[0]
    ids = [client.post("/api/tasks", json={"title": f"task {n}"}).json()["id"] for n in range(TASKS)]
    for task_id in ids:
        path = f"/api/tasks/{task_id}"
        requests: List[Request] = [
            ("PATCH", path, {"title": f"renamed {n}", "done": n % 2 == 0}) for n in range(PATCHES_PER_TASK)
        ]
        requests += [("DELETE", path, None)] * DELETES_PER_TASK + [("GET", path, None)]
        shuffle(requests)
        responses = race(clients, requests)

        outcomes = [(method, response.status_code) for (method, _, _), response in zip(requests, responses)]
        for (method, status), response in zip(outcomes, responses):
            assert status < 500, f"{method} {path} answered {status}: {response.text}"
            allowed = {"PATCH": {200, 404}, "DELETE": {204, 404}, "GET": {200, 404}}[method]
            assert status in allowed, f"{method} {path} answered {status}: {response.text}"
            if status == 404:
                assert response.json() == {"detail": f"Task {task_id} not found"}
            elif method != "DELETE":
                assert response.json()["id"] == task_id
        assert [status for method, status in outcomes if method == "DELETE"].count(204) == 1, outcomes

    assert client.get("/api/tasks").json() == []


def test_racing_patches_of_one_task_all_succeed_and_one_of_them_wins(clients: List[httpx.Client]) -> None:
    task = clients[0].post("/api/tasks", json={"title": "contested"}).json()
    path = f"/api/tasks/{task['id']}"
    titles = [f"title {n}" for n in range(MAX_CONCURRENT)]
    responses = race(clients, [("PATCH", path, {"title": title}) for title in titles])
    assert [response.status_code for response in responses] == [200] * len(titles), [
        r.text for r in responses
    ]
    final = clients[0].get(path).json()
    assert final["title"] in titles
    assert final == {**task, "title": final["title"]}


def read_status(connection: socket.socket) -> Tuple[int, bytes]:
    """Reads a response head from a raw connection; returns the status and the whole head."""
    head = b""
    while b"\r\n\r\n" not in head:
        data = connection.recv(65536)
        if not data:
            break
        head += data
    status_line = head.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 "), head[:200]
    return int(status_line.split()[1]), head


def test_a_declared_300_mb_body_is_refused_before_a_byte_of_it_is_sent(live_server: LiveServer) -> None:
    with socket.create_connection((LOOPBACK, live_server.port), timeout=REQUEST_TIMEOUT) as connection:
        connection.sendall(
            b"POST /api/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 314572800\r\n\r\n"
        )
        status, head = read_status(connection)
    assert status == 413
    assert b"connection: close" in head.lower()
    with http_client(live_server) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/api/tasks").json() == []


def test_a_chunked_body_is_refused_soon_after_it_passes_the_limit(live_server: LiveServer) -> None:
    # Sends a chunked body of up to 64 MiB, watching for the server's answer before each chunk.
    prefix = b'{"title": "x", "padding": "'
    chunk = b"x" * 65536
    framed = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    cap = 64 * 1024 * 1024
    sent = 0
    with socket.create_connection((LOOPBACK, live_server.port), timeout=REQUEST_TIMEOUT) as connection:
        connection.sendall(
            b"POST /api/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n%s\r\n" % (len(prefix), prefix)
        )
        deadline = time.monotonic() + TEST_TIMEOUT
        while sent < cap and time.monotonic() < deadline:
            readable, writable, _ = select.select([connection], [connection], [], REQUEST_TIMEOUT)
            if readable:
                break
            try:
                connection.sendall(framed)
            except OSError:  # the server answered and closed while we were sending
                break
            sent += len(chunk)
        status, head = read_status(connection)
    assert status == 413, head
    # The server stopped reading at the limit; what was sent beyond it sat in socket buffers.
    assert MAX_BODY_BYTES < sent < cap // 2, sent
    with http_client(live_server) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/api/tasks").json() == []
