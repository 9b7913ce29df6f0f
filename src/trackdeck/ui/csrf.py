"""CSRF protection for the UI's forms: a double-submit cookie, checked on every POST.

The first page a browser loads sets a random token in the `trackdeck_csrf` cookie
(SameSite=Strict, HttpOnly); every form the page renders carries the same token in a
hidden `csrf_token` field. A POST is accepted only when the field equals the cookie: a
foreign site can make a browser send the cookie but cannot read it to fill the field.
As defence in depth, a POST whose `Origin` header names another host is refused too.
The token needs no server-side secret, so every worker process accepts every token.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "trackdeck_csrf"
FIELD = "csrf_token"
_TOKEN_BYTES = 32


class CsrfError(Exception):
    """A state-changing request without a valid CSRF token."""


def token_for(request: Request) -> str:
    """The request's token: its cookie if well formed, else a new one (set by `remember`)."""
    existing = request.cookies.get(COOKIE, "")
    if 20 <= len(existing) <= 100 and existing.replace("-", "").replace("_", "").isalnum():
        return existing
    token = request.scope.setdefault("trackdeck.csrf", secrets.token_urlsafe(_TOKEN_BYTES))
    return str(token)


def remember(request: Request, response: Response) -> None:
    """Set the cookie on `response` when the request did not already carry this token."""
    token = token_for(request)
    if request.cookies.get(COOKIE) != token:
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def check(request: Request, form: FormData) -> None:
    """Raise `CsrfError` unless the form's token matches the cookie and the origin is ours."""
    cookie = request.cookies.get(COOKIE, "")
    field = form.get(FIELD, "")
    if not isinstance(field, str) or not cookie or not field:
        raise CsrfError("Missing CSRF token: reload the page and submit the form again.")
    if not hmac.compare_digest(cookie.encode(), field.encode()):
        raise CsrfError("Invalid CSRF token: reload the page and submit the form again.")
    if not _same_origin(request):
        raise CsrfError("Cross-origin form submission refused.")
