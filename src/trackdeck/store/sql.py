"""Small SQL helpers shared by the query modules."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Executable,
    Table,
    Text,
    bindparam,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

T = TypeVar("T")

# Bound-parameter lists stay below every backend's limit.
IN_CHUNK = 500


def now_ms() -> int:
    return int(time.time() * 1000)


def insert_for(dialect: str) -> Any:
    """The INSERT construct of `dialect`, the one that supports ON CONFLICT."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def dialect_insert(connection: Connection, table: Table) -> Any:
    return insert_for(connection.dialect.name)(table)


# Hot-path statements are built once per dialect: building and cache-keying an
# ON CONFLICT statement on every call costs more than executing it.
@cache
def insert_ignore_for(dialect: str, table: Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING on `table`, for `dialect`."""
    return insert_for(dialect)(table).on_conflict_do_nothing()


def upsert_for(dialect: str, table: Table, *update: str) -> Any:
    """INSERT ... ON CONFLICT (primary key) DO UPDATE SET `update` columns, for `dialect`."""
    return _upsert(dialect, table, update)


@cache
def _upsert(dialect: str, table: Table, update: tuple[str, ...]) -> Any:
    statement = insert_for(dialect)(table)
    return statement.on_conflict_do_update(
        index_elements=[column.name for column in table.primary_key],
        set_={name: statement.excluded[name] for name in update},
    )


def insert_ignore(connection: Connection, table: Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING; run it with a list of rows."""
    return insert_ignore_for(connection.dialect.name, table)


def upsert(connection: Connection, table: Table, *update: str) -> Any:
    """INSERT ... ON CONFLICT (primary key) DO UPDATE SET `update` columns."""
    return _upsert(connection.dialect.name, table, update)


def json_pairs(dialect: str, key: ColumnElement[Any], value: ColumnElement[Any]) -> Any:
    """An aggregate giving a group's `{"key", "value"}` objects as one JSON array text.

    The database builds the array in C and msgspec decodes it straight into records: for the
    tens of thousands of params and tags of a search page, a Python loop over one row per
    pair costs twice as much. Only for text values: JSON numbers would lose float digits.
    """
    if dialect == "postgresql":
        pairs = func.json_agg(func.json_build_object("key", key, "value", value))
        return cast(pairs, Text)
    return func.json_group_array(func.json_object("key", key, "value", value))


def json_array(dialect: str, column: ColumnElement[Any]) -> Any:
    """An aggregate giving a group's values of `column` as one JSON array text, in no set
    order. For integers and text: JSON numbers would lose float digits (see `json_pairs`).
    A million integers arrive in a fifth of the time they take as rows."""
    if dialect == "postgresql":
        return cast(func.json_agg(column), Text)
    return func.json_group_array(column)


def in_list(dialect: str, column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """`column` IN the list bound as `name`, passed as one value (`list_value`).

    Unlike `column.in_([...])`, whose statement grows a parameter per value and must be
    built and compiled again on each call, this statement is the same for any list (of any
    length: no chunking), so it can be prepared once (`store.prepared`).
    """
    if dialect == "postgresql":
        return column == func.any(bindparam(name))
    items = select(literal_column("value")).select_from(func.json_each(bindparam(name)))
    return column.in_(items.scalar_subquery())


def list_value(dialect: str, values: Iterable[str] | Iterable[int]) -> Any:
    """The bound value of a list for `in_list`: an array on PostgreSQL, JSON text on SQLite."""
    return list(values) if dialect == "postgresql" else json.dumps(list(values))


def chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def fetch_raw(connection: Connection, query: Executable) -> list[tuple[Any, ...]]:
    """All rows of `query` as plain DBAPI tuples, skipping SQLAlchemy's per-row result
    processing. Only for bulk reads of simple columns (metric history): it costs Core
    about a second per million rows, more than the database takes to read them."""
    compiled = query.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    parameters: Any = compiled.params  # a property that builds the dict: read it once
    if compiled.positional:
        parameters = tuple([parameters[name] for name in compiled.positiontup or ()])
    cursor = connection.connection.cursor()
    try:
        cursor.execute(compiled.string, parameters)
        return cursor.fetchall()
    finally:
        cursor.close()
