"""Engines and the two ways to run work on them: `read` and `write`.

Every query function takes a SQLAlchemy `Connection` and runs inside one of these.

SQLite allows one writer at a time. Instead of letting request threads fight for the file
lock ("database is locked"), writes queue up and one thread at a time commits every write
waiting in the queue, each in its own SAVEPOINT (so one failing request does not undo the
others): concurrent loggers share one commit. The caller returns once its write is
committed, so an answered request is durable. Reads use a pool of separate connections,
which WAL mode lets run beside the writer.

PostgreSQL handles concurrency itself: a write is a plain transaction on a pooled
connection, so several server processes can share one database.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextvars import ContextVar
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

_MUST_NOT_WAIT: ContextVar[bool] = ContextVar("trackdeck_must_not_wait", default=False)


class WriterBusy(Exception):
    """A write made under `not_waiting()` found another write being committed."""


@contextlib.contextmanager
def not_waiting() -> Iterator[None]:
    """SQLite writes in this block raise WriterBusy rather than wait for the writer.

    The server's event loop runs quick requests itself (a thread hop costs more than
    their work) and must never stall behind another request's commit: on WriterBusy it
    hands the request to a worker thread instead.
    """
    token = _MUST_NOT_WAIT.set(True)
    try:
        yield
    finally:
        _MUST_NOT_WAIT.reset(token)


def normalise_uri(uri: str) -> str:
    """Map MLflow-style store URIs to SQLAlchemy URLs (`postgresql://` uses psycopg 3)."""
    if uri.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + uri.split("://", 1)[1]
    return uri


# The commit that takes the WAL past this many pages copies them into the database file and
# syncs it. SQLite's default, 1,000 pages (4 MiB), made that every ~200 run creations, a
# quarter of their cost; with 4,000, pages written again and again (an index's last leaf)
# are copied once for many commits, and the WAL stays under about 16 MiB.
WAL_CHECKPOINT_PAGES = 4000


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself, so SAVEPOINTs work (pysqlite's own
        # transaction handling would commit around them).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA case_sensitive_like=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.connection.driver_connection.execute("BEGIN")


def create_store_engine(uri: str) -> Engine:
    """An engine for `uri`; SQLite files get their folder created and WAL mode."""
    url = make_url(normalise_uri(uri))
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # LIFO: the most recently used connections serve the reads, their page caches warm.
        engine = create_engine(url, pool_size=8, max_overflow=32, pool_use_lifo=True)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


class _WriteRequest:
    __slots__ = ("future", "work")

    def __init__(self, work: Work[Any]) -> None:
        self.work = work
        self.future: Future[Any] = Future()


def _as_store_error(exc: BaseException) -> BaseException:
    """What the caller of a failed write sees: its own error, or a retryable 503."""
    if isinstance(exc, TrackdeckError):
        return exc
    log.error("SQLite write failed", exc_info=exc)
    if isinstance(exc, OperationalError):
        return TemporarilyUnavailable(f"The store could not commit: {exc.orig}")
    return exc


class _GroupCommitter:
    """Serialises an SQLite store's writes and commits the ones that queue up together.

    Each writing thread queues its work, then takes the commit lock. Whoever holds it
    commits everything queued so far, its own work and that of the threads waiting behind
    it; those find their work done when their turn comes. There is no writer thread to hand
    work to, so an uncontended write runs on the caller's thread at no extra cost.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._pending: deque[_WriteRequest] = deque()
        self._pending_lock = threading.Lock()
        self._commit_lock = threading.Lock()
        self._connection: Connection | None = None
        """The one write connection, kept open: only the commit lock's holder uses it."""

    def submit(self, work: Work[T]) -> T:
        request = _WriteRequest(work)
        if _MUST_NOT_WAIT.get():
            # Only an idle writer will do: one with writes queued would commit them too.
            if not self._commit_lock.acquire(blocking=False):
                raise WriterBusy
            with self._pending_lock:
                idle = not self._pending
                if idle:
                    self._pending.append(request)
            if not idle:
                self._commit_lock.release()
                raise WriterBusy
        else:
            self._queue(request)  # before waiting, for the lock's holder to commit it too
            self._commit_lock.acquire()
        try:
            while not request.future.done():
                with self._pending_lock:
                    count = min(len(self._pending), _MAX_WRITES_PER_COMMIT)
                    batch = [self._pending.popleft() for _ in range(count)]
                if self._connection is None:
                    self._connection = self._engine.connect()
                if not self._commit(self._connection, batch):
                    self._close_connection()  # start the next batch on a fresh connection
        finally:
            self._commit_lock.release()
        return request.future.result()

    def _queue(self, request: _WriteRequest) -> None:
        with self._pending_lock:
            self._pending.append(request)

    def close(self) -> None:
        with self._commit_lock:
            self._close_connection()

    def _close_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    @staticmethod
    def _commit(connection: Connection, batch: list[_WriteRequest]) -> bool:
        """Run and commit `batch`; False if the transaction itself failed."""
        if len(batch) == 1:  # a lone write needs no savepoint
            request = batch[0]
            try:
                with connection.begin():
                    value = request.work(connection)
            except BaseException as exc:
                request.future.set_exception(_as_store_error(exc))
                return isinstance(exc, TrackdeckError)  # the request's own refusal
            request.future.set_result(value)
            return True
        outcomes: list[tuple[_WriteRequest, Any, BaseException | None]] = []
        try:
            with connection.begin():
                for request in batch:
                    savepoint = connection.begin_nested()
                    try:
                        value = request.work(connection)
                    except BaseException as exc:  # the request's own failure
                        savepoint.rollback()
                        outcomes.append((request, None, _as_store_error(exc)))
                    else:
                        savepoint.commit()
                        outcomes.append((request, value, None))
        except BaseException as exc:  # the commit failed: nothing of the batch is stored
            error = _as_store_error(exc)
            for request in batch:
                request.future.set_exception(error)
            return False
        for request, value, error in outcomes:
            if error is None:
                request.future.set_result(value)
            else:
                request.future.set_exception(error)
        return True


class Database:
    """One store database: `read(work)` and `write(work)` run a function on a connection."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.engine = create_store_engine(uri)
        self.dialect = self.engine.dialect.name
        self._writer = _GroupCommitter(self.engine) if self.dialect == "sqlite" else None

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
