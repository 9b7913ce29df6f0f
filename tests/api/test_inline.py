"""Quick RPCs run on the event loop, and move to a worker thread rather than wait there."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, request_response
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from trackdeck.api.protocol import Message, Rpc, endpoint
from trackdeck.auth.identity import CHECK
from trackdeck.store.database import Database


class Store:
    """What the test RPC writes to, and the threads its handler ran on."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.threads: list[int] = []


def write_one(store: Store, _request: Message) -> dict[str, Any]:
    store.db.write(lambda conn: conn.execute(text("INSERT INTO t VALUES (1)")))
    store.threads.append(threading.get_ident())
    return {}


class WithCheck:
    """Stands in for the auth guard: hands the endpoint a check to run."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[CHECK] = lambda: None
        await self.app(scope, receive, send)


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    db.write(lambda conn: conn.execute(text("CREATE TABLE t (v INTEGER)")))
    yield Store(db)
    db.close()


@pytest.fixture
def client(store: Store) -> Iterator[Callable[[str], tuple[int, int]]]:
    """POST to a route; (the handler's thread, the event loop's thread)."""
    loop_thread: list[int] = []

    async def where_is_the_loop(_request: Request) -> JSONResponse:
        loop_thread.append(threading.get_ident())
        return JSONResponse({})

    def rpc(quick: bool) -> Rpc:
        return Rpc("POST", "/x", Message, write_one, quick=quick)

    app = Starlette(
        routes=[
            Route("/loop", where_is_the_loop, methods=["GET"]),
            Route("/quick", endpoint(rpc(quick=True), store, inline=True), methods=["POST"]),
            Route("/slow", endpoint(rpc(quick=False), store, inline=True), methods=["POST"]),
            Route("/off", endpoint(rpc(quick=True), store, inline=False), methods=["POST"]),
            Route(
                "/checked",
                WithCheck(request_response(endpoint(rpc(quick=True), store, inline=True))),
                methods=["POST"],
            ),
        ]
    )
    with TestClient(app) as test_client:

        def post(path: str) -> tuple[int, int]:
            assert test_client.get("/loop").status_code == 200
            assert test_client.post(path, json={}).status_code == 200
            return store.threads[-1], loop_thread[-1]

        yield post


def test_a_quick_rpc_runs_on_the_event_loop(client: Callable[[str], tuple[int, int]]) -> None:
    handler, loop = client("/quick")
    assert handler == loop


@pytest.mark.parametrize("path", ["/slow", "/off", "/checked"])
def test_other_rpcs_run_in_a_worker_thread(
    client: Callable[[str], tuple[int, int]], path: str
) -> None:
    handler, loop = client(path)
    assert handler != loop


def test_a_quick_rpc_moves_to_a_thread_when_the_writer_is_busy(
    client: Callable[[str], tuple[int, int]], store: Store
) -> None:
    inside, release = threading.Event(), threading.Event()

    def slow(conn: Connection) -> None:
        inside.set()
        release.wait(10)
        conn.execute(text("INSERT INTO t VALUES (0)"))

    holder = threading.Thread(target=store.db.write, args=(slow,))
    holder.start()
    assert inside.wait(10)
    threading.Timer(0.3, release.set).start()
    try:
        handler, loop = client("/quick")  # answered once the holder commits
    finally:
        release.set()
        holder.join()
    assert handler != loop
    rows = store.db.read(lambda conn: conn.execute(text("SELECT v FROM t ORDER BY v")).all())
    assert [v for (v,) in rows] == [0, 1]
