"""Engines and the two ways to run work on them: `read` and `write`.

Every query function takes a SQLAlchemy `Connection` and runs inside one of these.

SQLite allows one writer at a time. Instead of letting request threads fight for the file
lock ("database is locked"), all writes go to one writer thread that owns the only write
connection. It takes every write waiting in its queue, runs each in its own SAVEPOINT (so
one failing request does not undo the others), and commits them together: concurrent
loggers share one fsync. The caller waits until its write is committed, so an answered
request is durable. Reads use a pool of separate connections, which WAL mode lets run
beside the writer.

PostgreSQL handles concurrency itself: a write is a plain transaction on a pooled
connection, so several server processes can share one database.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from trackdeck.errors import TemporarilyUnavailable, TrackdeckError

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[Connection], T]

_MAX_WRITES_PER_COMMIT = 256


def normalise_uri(uri: str) -> str:
    """Map MLflow-style store URIs to SQLAlchemy URLs (`postgresql://` uses psycopg 3)."""
    if uri.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + uri.split("://", 1)[1]
    return uri


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself, so SAVEPOINTs work (pysqlite's own
        # transaction handling would commit around them).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA case_sensitive_like=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


def create_store_engine(uri: str) -> Engine:
    """An engine for `uri`; SQLite files get their folder created and WAL mode."""
    url = make_url(normalise_uri(uri))
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, pool_size=8, max_overflow=32)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


class _WriteRequest:
    __slots__ = ("future", "work")

    def __init__(self, work: Work[Any]) -> None:
        self.work = work
        self.future: Future[Any] = Future()


class _SqliteWriter:
    """The single writer thread of an SQLite store, committing queued writes in groups."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._queue: queue.SimpleQueue[_WriteRequest | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="sqlite-writer", daemon=True)
        self._thread.start()

    def submit(self, work: Work[T]) -> T:
        request = _WriteRequest(work)
        self._queue.put(request)
        return request.future.result()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        with self._engine.connect() as connection:
            while True:
                first = self._queue.get()
                if first is None:
                    return
                batch = [first]
                while len(batch) < _MAX_WRITES_PER_COMMIT:
                    try:
                        nxt = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if nxt is None:
                        self._commit(connection, batch)
                        return
                    batch.append(nxt)
                self._commit(connection, batch)

    def _commit(self, connection: Connection, batch: list[_WriteRequest]) -> None:
        if len(batch) == 1:
            self._commit_alone(connection, batch[0])
            return
        results: list[tuple[_WriteRequest, Any, BaseException | None]] = []
        try:
            with connection.begin():
                for request in batch:
                    savepoint = connection.begin_nested()
                    try:
                        value = request.work(connection)
                    except BaseException as exc:  # the request's own failure
                        savepoint.rollback()
                        results.append((request, None, exc))
                    else:
                        savepoint.commit()
                        results.append((request, value, None))
        except BaseException as exc:  # the commit failed: nothing of the batch is stored
            log.exception("SQLite commit failed")
            error = TemporarilyUnavailable(f"The store could not commit: {exc}")
            for request in batch:
                request.future.set_exception(error)
            return
        for request, value, error in results:
            if error is None:
                request.future.set_result(value)
            else:
                request.future.set_exception(error)

    def _commit_alone(self, connection: Connection, request: _WriteRequest) -> None:
        """A lone write needs no savepoint: its failure rolls back only itself."""
        try:
            with connection.begin():
                value = request.work(connection)
        except TrackdeckError as exc:
            request.future.set_exception(exc)
        except OperationalError as exc:
            log.exception("SQLite write failed")
            request.future.set_exception(
                TemporarilyUnavailable(f"The store could not commit: {exc}")
            )
        except BaseException as exc:
            log.exception("SQLite write failed")
            request.future.set_exception(exc)
        else:
            request.future.set_result(value)


class Database:
    """One store database: `read(work)` and `write(work)` run a function on a connection."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.engine = create_store_engine(uri)
        self.dialect = self.engine.dialect.name
        self._writer = _SqliteWriter(self.engine) if self.dialect == "sqlite" else None

    def read(self, work: Work[T]) -> T:
        with self.engine.connect() as connection:
            return work(connection)

    def write(self, work: Work[T]) -> T:
        """Run `work` in a transaction; it is committed when this returns."""
        if self._writer is not None:
            return self._writer.submit(work)
        try:
            with self.engine.begin() as connection:
                return work(connection)
        except OperationalError as exc:
            raise TemporarilyUnavailable(f"The store is unavailable: {exc.orig}") from exc

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self.engine.dispose()


__all__ = ["Database", "IntegrityError", "create_store_engine", "normalise_uri"]
