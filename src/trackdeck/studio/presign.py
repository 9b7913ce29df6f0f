"""Presigned URLs and sessions: HMAC-signed, expiring tokens.

A presigned URL `<studio>/servers/<name>/_presigned?token=T` works once, within 5-300 s
of its creation: the studio records the token's id when it is exchanged, then answers
with a session cookie scoped to `/servers/<name>/` (valid `session_seconds`) and a
redirect to the server's UI. A token is `base64url(json payload).base64url(hmac-sha256)`
over the studio's secret (`<data dir>/secret.key` or TRACKDECK_STUDIO_SECRET).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from trackdeck.errors import InvalidParameterValue, TrackdeckError

EXPIRES_RANGE = (5, 300)
SESSION_RANGE = (300, 43_200)
DEFAULT_EXPIRES = 300
DEFAULT_SESSION = 43_200
SERVER_COOKIE = "trackdeck_server_session"
STUDIO_COOKIE = "trackdeck_studio_session"


class InvalidToken(TrackdeckError):
    error_code = "PERMISSION_DENIED"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(payload: dict[str, Any], secret: bytes) -> str:
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(secret, body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def verify(token: str, secret: bytes, kind: str, now: float | None = None) -> dict[str, Any]:
    """The payload of a genuine, unexpired token of `kind`; InvalidToken otherwise."""
    body, _, mac = token.partition(".")
    try:
        expected = hmac.new(secret, body.encode(), hashlib.sha256).digest()
        genuine = hmac.compare_digest(expected, _unb64(mac))
        payload = json.loads(_unb64(body)) if genuine else None
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or payload.get("kind") != kind:
        raise InvalidToken("Invalid or tampered token.")
    if (now if now is not None else time.time()) >= payload.get("exp", 0):
        raise InvalidToken("The token has expired.")
    return payload


def _check_range(name: str, value: int, bounds: tuple[int, int]) -> int:
    if not bounds[0] <= value <= bounds[1]:
        raise InvalidParameterValue(f"{name} must be between {bounds[0]} and {bounds[1]} seconds.")
    return value


def presigned_token(
    server: str,
    secret: bytes,
    expires_in: int = DEFAULT_EXPIRES,
    session_seconds: int = DEFAULT_SESSION,
) -> str:
    _check_range("expires_in_seconds", expires_in, EXPIRES_RANGE)
    _check_range("session_expiration_seconds", session_seconds, SESSION_RANGE)
    payload = {
        "kind": "presigned",
        "server": server,
        "exp": int(time.time()) + expires_in,
        "jti": secrets.token_hex(16),
        "session": session_seconds,
    }
    return sign(payload, secret)


def session_token(scope: str, secret: bytes, seconds: int) -> str:
    """A session for one server (`scope` = its name) or the studio (`scope` = "")."""
    return sign({"kind": "session", "scope": scope, "exp": int(time.time()) + seconds}, secret)
