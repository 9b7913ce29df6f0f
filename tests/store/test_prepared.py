"""Prepared statements give the same rows and writes as Core, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select

from trackdeck.store.prepared import Prepared
from trackdeck.store.runs import RUN_NAME_TAG
from trackdeck.store.sql import in_list, insert_for, insert_ignore_for, list_value
from trackdeck.store.tables import experiments, tags
from trackdeck.store.tracking import TrackingStore

TAG_BY_KEY = Prepared(
    select(tags.c.key, tags.c.value).where(
        tags.c.run_uuid == bindparam("run_id"), tags.c.key >= bindparam("from_key")
    )
)
# Keys in another order than the table's columns: rows follow `keys`, not the table.
INSERT_TAGS = Prepared(tags.insert(), keys=("value", "key", "run_uuid"))
UPSERT_TAG = Prepared(
    lambda dialect: (statement := insert_for(dialect)(tags)).on_conflict_do_update(
        index_elements=["run_uuid", "key"], set_={"value": statement.excluded.value}
    ),
    keys=("run_uuid", "key", "value"),
)
# Three rows per statement, keys again out of table order; conflicts are skipped.
INSERT_TAGS_BY_THREE = Prepared(
    lambda dialect: insert_ignore_for(dialect, tags),
    keys=("key", "run_uuid", "value"),
    rows_per_statement=3,
)
DELETE_TAG = Prepared(tags.delete().where(tags.c.key == bindparam("key")))
ONE_COLUMN = Prepared(select(experiments.c.name).where(experiments.c.experiment_id == 0))


@pytest.fixture
def run_id(store: TrackingStore) -> str:
    return store.runs.create("0", "u", 1, "r", []).info.run_id


def test_rows_are_named_tuples_of_the_selected_columns(store: TrackingStore, run_id: str) -> None:
    def work(conn):  # type: ignore[no-untyped-def]
        INSERT_TAGS.execute_many(conn, [("1", "a", run_id), ("2", "b", run_id)])
        return TAG_BY_KEY.all(conn, {"run_id": run_id, "from_key": "a"})

    rows = store.db.write(work)
    by_key = {row.key: row.value for row in rows}
    assert by_key == {"a": "1", "b": "2", "mlflow.runName": "r"}
    first = store.db.read(lambda conn: TAG_BY_KEY.first(conn, {"run_id": run_id, "from_key": "b"}))
    assert (first.key, first.value) == ("b", "2")
    missing = {"run_id": "x", "from_key": ""}
    assert store.db.read(lambda conn: TAG_BY_KEY.first(conn, missing)) is None
    assert store.db.read(lambda conn: ONE_COLUMN.first(conn, {})).name == "Default"


def test_dialect_specific_statements_and_row_counts(store: TrackingStore, run_id: str) -> None:
    def work(conn):  # type: ignore[no-untyped-def]
        UPSERT_TAG.execute_many(conn, [(run_id, "a", "1"), (run_id, "b", "2")])
        UPSERT_TAG.execute_many(conn, [(run_id, "a", "3")])
        deleted = DELETE_TAG.execute(conn, {"key": "b"})
        return deleted, TAG_BY_KEY.all(conn, {"run_id": run_id, "from_key": "a"})

    deleted, rows = store.db.write(work)
    assert deleted == 1
    assert {row.key: row.value for row in rows} == {"a": "3", "mlflow.runName": "r"}


def test_rows_of_values_need_keys(store: TrackingStore) -> None:
    with pytest.raises(TypeError, match="keys"):
        store.db.read(lambda conn: TAG_BY_KEY.execute_many(conn, [("x", "y")]))


def test_nothing_to_insert_is_a_no_op(store: TrackingStore, run_id: str) -> None:
    def tags_after_inserting_nothing(conn):  # type: ignore[no-untyped-def]
        INSERT_TAGS.execute_many(conn, [])
        return TAG_BY_KEY.all(conn, {"run_id": run_id, "from_key": ""})

    assert [row.key for row in store.db.write(tags_after_inserting_nothing)] == ["mlflow.runName"]


TAGS_OF_RUNS = Prepared(
    lambda dialect: select(tags.c.run_uuid, tags.c.value).where(
        in_list(dialect, tags.c.run_uuid, "ids"), tags.c.key == "mlflow.runName"
    )
)


def test_one_bound_list_of_any_length(store: TrackingStore) -> None:
    names = {store.runs.create("0", "u", i, f"r{i}", []).info.run_id: f"r{i}" for i in range(3)}
    wanted = [*names, *(f"{n:032x}" for n in range(3000))]  # beyond any parameter limit

    def found(ids: list[str]) -> dict[str, str]:
        bound = {"ids": list_value(store.db.dialect, ids)}
        return dict(store.db.read(lambda conn: TAGS_OF_RUNS.tuples(conn, bound)))

    assert found(wanted) == names
    assert found([]) == {}


@pytest.mark.parametrize("count", [0, 2, 3, 7])
def test_many_rows_per_statement(store: TrackingStore, run_id: str, count: int) -> None:
    rows = [(f"k{i}", run_id, f"v{i}") for i in range(count)]

    def work(conn):  # type: ignore[no-untyped-def]
        INSERT_TAGS_BY_THREE.execute_many(conn, rows)
        INSERT_TAGS_BY_THREE.execute_many(conn, [("k0", run_id, "changed"), *rows[:4]])
        return TAG_BY_KEY.all(conn, {"run_id": run_id, "from_key": "k"})

    stored = {row.key: row.value for row in store.db.write(work) if row.key != RUN_NAME_TAG}
    expected = {f"k{i}": f"v{i}" for i in range(count)}
    assert stored == (expected if count else {"k0": "changed"})


def test_many_rows_per_statement_needs_keys() -> None:
    with pytest.raises(ValueError, match="keys"):
        Prepared(tags.insert(), rows_per_statement=10)


def test_whole_chunks_go_as_one_statement_each(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Seven rows, three to a statement: two three-row INSERTs, then one row on its own."""
    store = TrackingStore(f"sqlite:///{tmp_path / 'chunks.db'}")
    run_id = store.runs.create("0", "u", 1, "r", []).info.run_id
    statements: list[str] = []

    def work(conn):  # type: ignore[no-untyped-def]
        driver = conn.connection.driver_connection
        driver.set_trace_callback(statements.append)
        try:
            INSERT_TAGS_BY_THREE.execute_many(conn, [(f"k{i}", run_id, "v") for i in range(7)])
        finally:
            driver.set_trace_callback(None)

    try:
        store.db.write(work)
    finally:
        store.close()
    # The trace shows each statement with its values in place: one "'v')" ends each row.
    inserts = [sql for sql in statements if sql.startswith("INSERT INTO tags")]
    assert [sql.count("'v')") for sql in inserts] == [3, 3, 1]
