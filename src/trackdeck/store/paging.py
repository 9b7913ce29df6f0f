"""Opaque page tokens: base64 of a small JSON object, checked when they come back."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import msgspec

from trackdeck.errors import InvalidParameterValue


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
