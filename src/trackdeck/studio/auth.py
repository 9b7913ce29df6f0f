"""Who may use the studio: its token (Bearer or Basic password) or a signed session cookie.

With no token configured (a local studio on 127.0.0.1) everyone who can connect may.
State-changing API calls must be JSON from this origin, so a foreign web page cannot
drive the API through a browser's cookies (a form cannot send application/json).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from urllib.parse import urlsplit

from starlette.requests import Request

from trackdeck.errors import PermissionDenied, Unauthenticated
from trackdeck.studio.config import StudioConfig
from trackdeck.studio.presign import SERVER_COOKIE, STUDIO_COOKIE, InvalidToken, verify

USER_HEADER = "X-Trackdeck-User"


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def credential_user(request: Request, token: str) -> str | None:
    """The user a request's Authorization header proves, if it carries the token."""
    kind, _, value = request.headers.get("authorization", "").partition(" ")
    if kind.lower() == "bearer" and value and _same(value.strip(), token):
        return request.headers.get(USER_HEADER) or "token"
    if kind.lower() == "basic" and value:
        try:
            user, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        if _same(password, token):
            return user or "token"
    return None


def session_ok(request: Request, config: StudioConfig, cookie: str, scope: str) -> bool:
    value = request.cookies.get(cookie)
    if not value:
        return False
    try:
        payload = verify(value, config.secret(), "session")
    except InvalidToken:
        return False
    return payload.get("scope") == scope


def studio_user(request: Request, config: StudioConfig) -> str:
    """The caller of the studio API or UI; raises Unauthenticated."""
    if config.token is None:
        return request.headers.get(USER_HEADER) or "anonymous"
    user = credential_user(request, config.token)
    if user is not None:
        return user
    if session_ok(request, config, STUDIO_COOKIE, ""):
        return "studio-ui"
    raise Unauthenticated(
        "Authentication required: send the studio token as 'Authorization: Bearer <token>' "
        "(TRACKDECK_TOKEN)."
    )


def vouched_user(request: Request, config: StudioConfig, name: str) -> str | None:
    """Who the studio vouches for on a proxied request to server `name`, or None.

    A request that carries credentials of its own (a user's password or API token for that
    server) is the server's to judge, so the studio vouches only for requests it has
    authenticated itself: its token, its UI session, or a presigned URL's session (and,
    with no studio token, every request that carries no credentials).
    """
    if config.token is None:
        return None if request.headers.get("authorization") else "studio"
    user = credential_user(request, config.token)
    if user is not None:
        return user
    if request.headers.get("authorization"):
        return None
    if session_ok(request, config, SERVER_COOKIE, name) or session_ok(
        request, config, STUDIO_COOKIE, ""
    ):
        return "studio-ui"
    raise Unauthenticated(
        f"Authentication required for tracking server '{name}': send the studio token or "
        "your user's credentials for the server (MLFLOW_TRACKING_USERNAME/PASSWORD or "
        f"MLFLOW_TRACKING_TOKEN), or open a presigned URL (`trackdeck servers url {name}`)."
    )


def check_write(request: Request) -> None:
    """Refuse state changes that a foreign page could forge through a browser."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    content_type = request.headers.get("content-type", "")
    if "application/json" not in content_type:
        raise PermissionDenied("State-changing requests must send Content-Type: application/json.")
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise PermissionDenied("Cross-origin request refused.")
