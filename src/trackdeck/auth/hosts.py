"""Host-header allowlist and CORS, in front of every route (auth on or off).

DNS rebinding: a page on evil.example can have its name resolve to 127.0.0.1 and then
call a local server from the victim's browser as a "same-origin" page. The browser still
sends `Host: evil.example`, so serving only known host names stops it. By default those
are localhost, the address the server is bound to, and IP literals in loopback or
private ranges; `--allowed-hosts` names others ("*" allows any).

CORS: browsers on other origins get no CORS headers, so they cannot read answers, and
their state-changing requests are refused outright, unless `--cors-allowed-origins`
names them.
"""

from __future__ import annotations

import ipaddress
from fnmatch import fnmatch
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from trackdeck.api.protocol import error_response
from trackdeck.errors import PermissionDenied

LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CORS_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
CORS_HEADERS = "Authorization, Content-Type, X-CSRF-Token, X-MLflow-Client-Version"


def split_list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def host_name(host_header: str) -> str:
    """The host of a Host header, without port or IPv6 brackets, lower case."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _private_ip(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


class HostAndOriginGuard:
    def __init__(
        self, app: ASGIApp, allowed_hosts: list[str], allowed_origins: list[str], bind_host: str
    ) -> None:
        self.app = app
        self.any_host = "*" in allowed_hosts
        self.hosts = [h.lower() for h in allowed_hosts]
        self.bind_host = host_name(bind_host)
        self.origins = allowed_origins

    def host_allowed(self, host_header: str | None) -> bool:
        if self.any_host:
            return True
        if not host_header:
            return False
        host = host_name(host_header)
        if host in LOCAL_NAMES or host == self.bind_host or _private_ip(host):
            return True
        return any(fnmatch(host, pattern) for pattern in self.hosts)

    def origin_allowed(self, origin: str) -> bool:
        return "*" in self.origins or origin in self.origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not self.host_allowed(headers.get("host")):
            refused = PermissionDenied(
                f"Host '{headers.get('host', '')}' is not served here; start the server with "
                "--allowed-hosts to add it."
            )
            await error_response(refused)(scope, receive, send)
            return
        origin = headers.get("origin")
        cross_origin = bool(origin) and urlsplit(origin).netloc != headers.get("host")
        if not cross_origin or origin is None:
            await self.app(scope, receive, send)
            return
        allowed = self.origin_allowed(origin)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(origin, allowed)(scope, receive, send)
            return
        if not allowed and scope["method"] not in SAFE_METHODS:
            refused = PermissionDenied(f"Cross-origin request from '{origin}' refused.")
            await error_response(refused)(scope, receive, send)
            return
        if not allowed:
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: dict) -> None:  # type: ignore[type-arg]
            if message["type"] == "http.response.start":
                extra = [
                    (b"access-control-allow-origin", origin.encode("latin-1")),
                    (b"access-control-allow-credentials", b"true"),
                    (b"vary", b"Origin"),
                ]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_cors)

    @staticmethod
    def _preflight(origin: str, allowed: bool) -> Response:
        if not allowed:
            return Response(status_code=403)
        return Response(
            status_code=204,
            headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Credentials": "true",
                "Access-Control-Allow-Methods": CORS_METHODS,
                "Access-Control-Allow-Headers": CORS_HEADERS,
                "Access-Control-Max-Age": "600",
                "Vary": "Origin",
            },
        )
