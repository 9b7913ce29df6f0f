"""Opaque page tokens: base64 of a small JSON object, checked when they come back."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import msgspec
from sqlalchemy import Connection, Row, Select

from trackdeck.entities import Page
from trackdeck.errors import InvalidParameterValue

T = TypeVar("T")


def encode_token(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(state)).decode()


def decode_token(token: str | None) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        state = msgspec.json.decode(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, msgspec.DecodeError, ValueError) as exc:
        raise InvalidParameterValue(f"Invalid page token '{token[:100]}'.") from exc
    if not isinstance(state, dict):
        raise InvalidParameterValue(f"Invalid page token '{token[:100]}'.")
    return state


def decode_offset(token: str | None) -> int:
    state = decode_token(token)
    if state is None:
        return 0
    offset = state.get("offset")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidParameterValue(f"Invalid page token '{token}': bad offset.")
    return offset


def offset_token(offset: int) -> str:
    return encode_token({"offset": offset})


def read_page(
    connection: Connection,
    query: Select[Any],
    limit: int,
    offset: int,
    load: Callable[[Connection, Sequence[Row[Any]]], list[T]],
) -> Page[T]:
    """One page of `query`'s rows from `offset`, turned into records by `load`; fetching one
    row more than the page tells whether a next page exists."""
    rows = connection.execute(query.limit(limit + 1).offset(offset)).all()
    items = load(connection, rows[:limit])
    return Page(items, offset_token(offset + limit) if len(rows) > limit else None)
