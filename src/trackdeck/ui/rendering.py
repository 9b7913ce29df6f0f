"""Rendering pages: the Jinja2 environment, value formatting, security headers, flashes.

Every page goes through `render`, which autoescapes all values, sets a strict
Content-Security-Policy (scripts and styles only from this server, no inline scripts)
and makes sure the browser holds a CSRF token for the page's forms.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from trackdeck import __version__
from trackdeck.auth.identity import caller_of
from trackdeck.ui import csrf

TEMPLATES = Path(__file__).parent / "templates"
FLASH_COOKIE = "trackdeck_flash"

# Plotly sets inline style attributes on the elements it draws, hence 'unsafe-inline'
# for styles only; scripts stay strictly same-origin files.
CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self' data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def format_time(ms: int | None) -> str:
    """Milliseconds since the epoch as `YYYY-MM-DD HH:MM:SS` UTC (the page localises it)."""
    if not ms:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def format_age(ms: int | None, now_ms: float | None = None) -> str:
    """How long ago `ms` was, roughly: `just now`, `5 min ago`, `3 h ago`, `2 d ago`."""
    if not ms:
        return "never"
    seconds = ((now_ms if now_ms is not None else time.time() * 1000) - ms) / 1000
    if seconds < 60:
        return "just now"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return "just now"


def format_duration(start: int | None, end: int | None, running: bool = False) -> str:
    """A run's duration: `850ms`, `12.3s`, `4m 05s`, `2h 03m`, `3d 4h`."""
    if not start:
        return ""
    if end is None:
        if not running:
            return ""
        end = int(time.time() * 1000)
    ms = max(0, end - start)
    if ms < 1000:
        return f"{ms}ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def format_value(value: Any) -> str:
    """A metric value for a table cell: up to 5 significant digits, NaN and inf spelled."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.5g}"


def query_link(params: dict[str, str], **changes: Any) -> str:
    """`?query` from `params` with `changes` applied; None or "" removes a parameter."""
    merged = dict(params)
    for key, value in changes.items():
        if value is None or value == "":
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    return "?" + urlencode(merged) if merged else "?"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        time=format_time, age=format_age, duration=format_duration, value=format_value
    )
    env.globals.update(app_version=__version__, query_link=query_link)
    return env


ENV = _environment()


def root_path(request: Request) -> str:
    """The prefix a proxy serves this server under (`/servers/NAME` behind the studio),
    which every link of a page starts with."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def route_path(request: Request) -> str:
    """The request's path without that prefix: what the routes match."""
    path, root = request.url.path, root_path(request)
    return (path[len(root) :] or "/") if root and path.startswith(root) else path


def render(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """The page `template` rendered with `context`, the flash message and security headers."""
    flash = request.cookies.get(FLASH_COOKIE)
    kind, _, message = unquote(flash or "").partition(":")
    html = ENV.get_template(template).render(
        request=request,
        csrf_field=csrf.FIELD,
        csrf_token=csrf.token_for(request),
        signed_in_as=caller_of(request.scope).username,
        root=root_path(request),
        route_path=route_path(request),
        flash={"kind": kind, "message": message} if flash else None,
        **context,
    )
    response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    csrf.remember(request, response)
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def redirect(url: str, message: str = "", kind: str = "ok") -> Response:
    """303 to `url` (after a POST), carrying a one-time flash message for the next page."""
    response = RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})
    if message:
        response.set_cookie(
            FLASH_COOKIE, quote(f"{kind}:{message}"[:500]), httponly=True, samesite="strict"
        )
    return response


def safe_next(target: object, fallback: str) -> str:
    """A form's `next` path if it is local to this server, else `fallback`."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return fallback
    return fallback if any(c in target for c in "\\\r\n") else target
