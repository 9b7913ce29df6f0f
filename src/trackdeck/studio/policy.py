"""The studio's authorization table: every studio route and who may call it.

Like a tracking server's table (trackdeck.auth.policy), it is checked when the app is
built: a route missing from it stops the studio from starting. The studio has one kind
of user, whoever holds its token (or a session from its login form); with no token
configured, everyone who can connect. Proxied tracking-server routes are `PROXIED`: the
proxy vouches for studio users and hands every other request to the server to judge.
"""

from __future__ import annotations

from enum import Enum

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from trackdeck.api.protocol import error_response
from trackdeck.auth.guard import guard_routes
from trackdeck.errors import TrackdeckError
from trackdeck.studio import auth

USER = "trackdeck.studio_user"


class StudioAccess(Enum):
    PUBLIC = "anyone"
    STUDIO = "the studio's users (its token or a login session)"
    PROXIED = "decided by the proxy and the tracking server behind it"


PUBLIC, STUDIO, PROXIED = StudioAccess.PUBLIC, StudioAccess.STUDIO, StudioAccess.PROXIED
_V1 = "/api/trackdeck/v1"
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

STUDIO_RULES: dict[str, StudioAccess] = {
    "GET /health": PUBLIC,
    "GET /login": PUBLIC,
    "POST /login": PUBLIC,
    "MOUNT /studio-static": PUBLIC,
    # The page checks the user itself, after sending a proxied page's link to "/" on to
    # its server (whose presigned session the studio does not know as a studio login).
    "GET /": PUBLIC,
    # Tracking servers.
    f"POST {_V1}/tracking-servers": STUDIO,
    f"GET {_V1}/tracking-servers": STUDIO,
    f"GET {_V1}/tracking-servers/{{name}}": STUDIO,
    f"PATCH {_V1}/tracking-servers/{{name}}": STUDIO,
    f"DELETE {_V1}/tracking-servers/{{name}}": STUDIO,
    f"POST {_V1}/tracking-servers/{{name}}/start": STUDIO,
    f"POST {_V1}/tracking-servers/{{name}}/stop": STUDIO,
    f"POST {_V1}/tracking-servers/{{name}}/url": STUDIO,
    # The proxy: a presigned URL is its own credential; the rest the proxy decides.
    "GET /servers/{name}": PUBLIC,
    "GET /servers/{name}/_presigned": PUBLIC,
    **{f"{m} /servers/{{name}}/{{path:path}}": PROXIED for m in _METHODS},
    # Jobs.
    f"POST {_V1}/jobs": STUDIO,
    f"GET {_V1}/jobs": STUDIO,
    f"GET {_V1}/jobs/{{job_id}}": STUDIO,
    f"GET {_V1}/jobs/{{job_id}}/logs": STUDIO,
    f"POST {_V1}/jobs/{{job_id}}/cancel": STUDIO,
    # Model endpoints; their invocations go through the endpoint proxy, which wants the
    # studio's token itself (a CSV body is not JSON, so the studio's JSON-only rule for
    # state changes cannot apply there).
    f"POST {_V1}/endpoints": STUDIO,
    f"GET {_V1}/endpoints": STUDIO,
    f"GET {_V1}/endpoints/{{name}}": STUDIO,
    f"PATCH {_V1}/endpoints/{{name}}": STUDIO,
    f"DELETE {_V1}/endpoints/{{name}}": STUDIO,
    f"GET {_V1}/endpoints/{{name}}/logs": STUDIO,
    # Invocations take CSV as well as JSON, so not STUDIO's JSON-only write check: the
    # endpoint proxy authenticates the studio user itself (serving/proxy.py).
    "POST /endpoints/{name}/invocations": PROXIED,
    "GET /endpoints/{name}/ping": PROXIED,
    # Absolute links of a proxied server's pages: only ever redirected to that server.
    **{f"{m} /{{path:path}}": PUBLIC for m in _METHODS},
}


def guard_studio_routes(routes: list[BaseRoute]) -> list[BaseRoute]:
    """Copies of `routes` behind their rules; raise if a route has none."""
    return guard_routes(
        routes,
        STUDIO_RULES,
        lambda _route, app, rules: StudioGuard(app, rules),
        "trackdeck.studio.policy",
    )


class StudioGuard:
    def __init__(self, app: ASGIApp, rules: dict[str, StudioAccess | None]) -> None:
        self.app = app
        self.rules = rules

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self.rules.get(scope.get("method", ""), self.rules.get("*"))
        if scope["type"] != "http" or rule in (PUBLIC, PROXIED, None):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        config = scope["app"].state.studio.config
        try:
            scope[USER] = auth.studio_user(request, config)
            auth.check_write(request)
        except TrackdeckError as error:
            wants_page = request.method == "GET" and "text/html" in request.headers.get(
                "accept", ""
            )
            if error.error_code == "UNAUTHENTICATED" and wants_page:
                await RedirectResponse("/login", status_code=303)(scope, receive, send)
            else:
                await error_response(error)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def studio_user_of(request: Request) -> str:
    """The studio user the guard let in."""
    return str(request.scope.get(USER, "anonymous"))
