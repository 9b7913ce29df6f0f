"""The SQLite writer: group commits, the one kept write connection, and `not_waiting`."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, text

from trackdeck.errors import InvalidParameterValue
from trackdeck.store.database import WAL_CHECKPOINT_PAGES, Database, WriterBusy, not_waiting


@pytest.fixture
def db(tmp_path) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    database = Database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    database.write(lambda conn: conn.execute(text("CREATE TABLE t (v INTEGER UNIQUE)")))
    yield database
    database.close()


def insert(value: int):  # type: ignore[no-untyped-def]
    def work(conn: Connection) -> int:
        conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": value})
        return value

    return work


def values(db: Database) -> list[int]:
    return db.read(lambda conn: [v for (v,) in conn.execute(text("SELECT v FROM t ORDER BY v"))])


def test_a_refused_write_leaves_nothing_and_the_next_one_lands(db: Database) -> None:
    def refused(conn: Connection) -> None:
        insert(1)(conn)
        raise InvalidParameterValue("no")

    with pytest.raises(InvalidParameterValue):
        db.write(refused)
    assert db.write(insert(2)) == 2
    assert values(db) == [2]


def test_a_failed_commit_reopens_the_write_connection(db: Database) -> None:
    db.write(insert(1))
    with pytest.raises(Exception, match="UNIQUE"):
        db.write(insert(1))
    assert db.write(insert(2)) == 2
    assert values(db) == [1, 2]


def test_concurrent_writes_share_commits_and_keep_their_own_failures(db: Database) -> None:
    errors: list[BaseException] = []

    def writer(start: int) -> None:
        for value in range(start, start + 50):
            try:
                db.write(insert(value))
                if value % 10 == 0:
                    db.write(insert(value))  # a duplicate: fails alone
            except Exception as exc:
                errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i * 50,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert values(db) == list(range(400))
    assert len(errors) == 40 and all("UNIQUE" in str(e) for e in errors)


def test_not_waiting_writes_when_the_writer_is_idle(db: Database) -> None:
    with not_waiting():
        assert db.write(insert(1)) == 1
    assert values(db) == [1]


def test_not_waiting_refuses_to_wait_behind_another_write(db: Database) -> None:
    inside, release = threading.Event(), threading.Event()

    def slow(conn: Connection) -> None:
        inside.set()
        release.wait(10)
        insert(1)(conn)

    holder = threading.Thread(target=db.write, args=(slow,))
    holder.start()
    assert inside.wait(10)
    try:
        with not_waiting(), pytest.raises(WriterBusy):
            db.write(insert(2))
    finally:
        release.set()
        holder.join()
    assert db.write(insert(3)) == 3  # the refusal left nothing queued or locked
    assert values(db) == [1, 3]


def test_the_wal_stays_small_under_a_stream_of_writes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "stream.sqlite"
    db = Database(f"sqlite:///{path}")
    try:
        db.write(lambda conn: conn.execute(text("CREATE TABLE t (v TEXT)")))
        for _ in range(12_000):  # about 48,000 pages, a dozen checkpoints' worth
            db.write(
                lambda conn: conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": "x" * 4000})
            )
        wal_pages = (tmp_path / "stream.sqlite-wal").stat().st_size / 4096
        assert wal_pages < WAL_CHECKPOINT_PAGES + 100
        checkpoint_at = db.read(lambda conn: conn.exec_driver_sql("PRAGMA wal_autocheckpoint"))
        assert checkpoint_at.scalar_one() == WAL_CHECKPOINT_PAGES
    finally:
        db.close()
