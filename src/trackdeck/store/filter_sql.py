"""Turns parsed filter comparisons and order keys into SQLAlchemy expressions.

The grammar (`filter_grammar`) says what a filter means; this module says how one
comparison or sort key reads in SQL, shared by every searchable resource.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, true


def compare(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    """`column <op> value` for one filter comparison; LIKE is case-sensitive, ILIKE is not."""
    match op:
        case "=":
            return column == value
        case "!=":
            return column != value
        case ">":
            return column > value
        case ">=":
            return column >= value
        case "<":
            return column < value
        case "<=":
            return column <= value
        case "LIKE":
            return column.like(value)
        case "ILIKE":
            return column.ilike(value)
        case "IN":
            return column.in_(value) if value else false()
        case "NOT IN":
            return column.not_in(value) if value else true()
    raise ValueError(f"unsupported comparator {op}")


def order_column(column: Any, ascending: bool, nullable: bool = True) -> list[Any]:
    """Sort keys for `column` that put missing values last in either direction. A column
    that cannot be NULL sorts by itself alone, so the database may follow an index on it."""
    direction = column.asc() if ascending else column.desc()
    return [column.is_(None), direction] if nullable else [direction]
