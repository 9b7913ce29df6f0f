"""Small SQL helpers shared by the query modules."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Executable, Table
from sqlalchemy.dialects import postgresql, sqlite

T = TypeVar("T")

# Bound-parameter lists stay below every backend's limit.
IN_CHUNK = 500


def now_ms() -> int:
    return int(time.time() * 1000)


def dialect_insert(connection: Connection, table: Table) -> Any:
    """An INSERT that supports ON CONFLICT on both SQLite and PostgreSQL."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


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
    if compiled.positional:
        parameters: Any = tuple(compiled.params[name] for name in compiled.positiontup or ())
    else:
        parameters = compiled.params
    cursor = connection.connection.cursor()
    try:
        cursor.execute(compiled.string, parameters)
        return cursor.fetchall()
    finally:
        cursor.close()
