"""Prepared statements: built once, compiled once per dialect, run on the DBAPI cursor.

SQLAlchemy Core spends tens of microseconds on every execution (cache key, execution
context, result metadata) and about 13 us on every row of an executemany, more than SQLite
takes to run a one-row statement or store a row. The statements on the hot paths (create a
run, find a run, log to it) are built once and run here with plain values, at the cost of
the driver call alone.

Values pass through unprocessed both ways, so a prepared statement may only touch columns
whose Python values the drivers take and give back as they are: str, int, float, bool and
None. Every bound value must be given, or be a literal of the statement: column defaults
are not applied.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Dialect, bindparam
from sqlalchemy.sql.expression import Executable

Params = Mapping[str, Any]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    named: Callable[[Params], Any]
    """The driver's parameters from a mapping of named values."""
    ordered: Callable[[Sequence[Any]], Any]
    """The driver's parameters from values in the order of the statement's `keys`."""
    row_type: Callable[..., tuple[Any, ...]] | None
    """The result row type of a query: a named tuple of its columns."""


def _as_given(values: Any) -> Any:
    return values


def _no_keys(values: Sequence[Any]) -> Any:
    raise TypeError("rows of values need the statement's `keys`")


def _compile(statement: Any, dialect: Dialect, keys: tuple[str, ...] | None) -> _Compiled:
    compiled = statement.compile(
        dialect=dialect, column_keys=list(keys) if keys is not None else None
    )
    names = tuple(compiled.positiontup or ())
    literals = {name: value for name, value in compiled.params.items() if value is not None}
    named: Callable[[Params], Any] = _as_given
    ordered: Callable[[Sequence[Any]], Any] = _no_keys
    if compiled.positional:
        named = lambda params: tuple([params[name] for name in names])  # noqa: E731
    if literals:  # values written into the statement (`column == 0`) are bound too
        given = named
        named = lambda params: given({**literals, **params})  # noqa: E731
    if keys is not None and not compiled.positional:
        ordered = lambda values: dict(zip(keys, values, strict=True))  # noqa: E731
    elif keys is not None and names == keys:
        ordered = _as_given
    elif keys is not None:
        at = {key: index for index, key in enumerate(keys)}
        pick = itemgetter(*(at[name] for name in names))
        ordered = (lambda values: (pick(values),)) if len(names) == 1 else pick
    row_type = None
    if statement.is_select:
        columns = [column.key for column in statement.selected_columns]
        row_type = namedtuple("Row", columns, rename=True)._make
    return _Compiled(compiled.string, named, ordered, row_type)


def _compile_rows(statement: Any, dialect: Dialect, keys: tuple[str, ...], rows: int) -> _Compiled:
    """An INSERT of `rows` rows in one VALUES list, its parameters from those rows' values
    (each row in `keys` order) one after the other."""
    names = [f"{key}_{row}" for row in range(rows) for key in keys]
    values = [{key: bindparam(f"{key}_{row}") for key in keys} for row in range(rows)]
    compiled = statement.values(values).compile(dialect=dialect)
    if not compiled.positional:
        flat: Callable[[Sequence[Any]], Any] = lambda chunk: dict(  # noqa: E731
            zip(names, chain.from_iterable(chunk), strict=True)
        )
    elif tuple(compiled.positiontup or ()) == tuple(names):
        flat = lambda chunk: list(chain.from_iterable(chunk))  # noqa: E731
    else:  # the VALUES lists follow the table's column order, not that of `keys`
        at = {name: index for index, name in enumerate(names)}
        pick = itemgetter(*(at[name] for name in compiled.positiontup or ()))
        flat = lambda chunk: pick(list(chain.from_iterable(chunk)))  # noqa: E731
    return _Compiled(compiled.string, _no_names, flat, None)


def _no_names(params: Params) -> Any:
    raise TypeError("a many-row INSERT takes rows of values")


class Prepared:
    """One statement, or a function building it for a dialect name (for dialect-specific
    forms such as ON CONFLICT), with named bind parameters: `bindparam("run_id")`, or an
    INSERT's column names given as `keys`.

    An INSERT may also be given `rows_per_statement`: `execute_many` then sends its rows in
    statements of that many rows each (one VALUES list), which SQLite stores a quarter
    faster than the same rows one statement execution each.
    """

    def __init__(
        self,
        statement: Executable | Callable[[str], Executable],
        keys: Sequence[str] | None = None,
        rows_per_statement: int = 1,
    ) -> None:
        self._build = statement if callable(statement) else lambda _dialect: statement
        self.keys = tuple(keys) if keys is not None else None
        if rows_per_statement > 1 and self.keys is None:
            raise ValueError("rows_per_statement needs the INSERT's keys")
        self.rows_per_statement = rows_per_statement
        self._by_dialect: dict[str, _Compiled] = {}
        self._many_by_dialect: dict[str, _Compiled] = {}

    def _compiled(self, connection: Connection) -> _Compiled:
        dialect = connection.dialect
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:  # a race compiles twice, to the same result
            statement = self._build(dialect.name)
            compiled = self._by_dialect[dialect.name] = _compile(statement, dialect, self.keys)
        return compiled

    def _compiled_rows(self, connection: Connection) -> _Compiled:
        dialect = connection.dialect
        compiled = self._many_by_dialect.get(dialect.name)
        if compiled is None:
            assert self.keys is not None
            statement = self._build(dialect.name)
            compiled = _compile_rows(statement, dialect, self.keys, self.rows_per_statement)
            self._many_by_dialect[dialect.name] = compiled
        return compiled

    def execute(self, connection: Connection, params: Params) -> int:
        """Run it once; the number of rows it changed."""
        compiled = self._compiled(connection)
        cursor = connection.connection.cursor()
        try:
            cursor.execute(compiled.sql, compiled.named(params))
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def execute_many(self, connection: Connection, rows: Sequence[Sequence[Any]]) -> None:
        """Run it once per row, in one driver call; each row holds the values of `keys`,
        in that order. With `rows_per_statement`, whole chunks of rows go as one statement
        each, and only the rest one by one."""
        size = self.rows_per_statement
        whole = len(rows) - len(rows) % size if size > 1 else 0
        if whole:
            compiled = self._compiled_rows(connection)
            cursor = connection.connection.cursor()
            try:
                for start in range(0, whole, size):
                    cursor.execute(compiled.sql, compiled.ordered(rows[start : start + size]))
            finally:
                cursor.close()
            rows = rows[whole:]
        if not rows:
            return
        compiled = self._compiled(connection)
        ordered = compiled.ordered
        parameters = rows if ordered is _as_given else [ordered(row) for row in rows]
        cursor = connection.connection.cursor()
        try:
            cursor.executemany(compiled.sql, parameters)
        finally:
            cursor.close()

    def all(self, connection: Connection, params: Params) -> list[Any]:
        """The rows of a query, as named tuples of its columns."""
        compiled = self._compiled(connection)
        assert compiled.row_type is not None, "only a query has rows"
        cursor = connection.connection.cursor()
        try:
            cursor.execute(compiled.sql, compiled.named(params))
            return list(map(compiled.row_type, cursor.fetchall()))
        finally:
            cursor.close()

    def tuples(self, connection: Connection, params: Params) -> list[tuple[Any, ...]]:
        """The rows of a query as the driver gives them, for bulk reads unpacked in order."""
        compiled = self._compiled(connection)
        cursor = connection.connection.cursor()
        try:
            cursor.execute(compiled.sql, compiled.named(params))
            return cursor.fetchall()
        finally:
            cursor.close()

    def first(self, connection: Connection, params: Params) -> Any | None:
        """The first row of a query, or None."""
        compiled = self._compiled(connection)
        assert compiled.row_type is not None, "only a query has rows"
        cursor = connection.connection.cursor()
        try:
            cursor.execute(compiled.sql, compiled.named(params))
            row = cursor.fetchone()
            return None if row is None else compiled.row_type(row)
        finally:
            cursor.close()
