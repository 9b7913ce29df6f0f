"""The studio's web page: the list of tracking servers with their actions, and a login form.

Pages are Jinja2 templates with autoescaping and a strict Content-Security-Policy (only
this server's own script and stylesheet). The page's script talks to the REST API and
polls it, so state changes show without a reload.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from trackdeck import __version__
from trackdeck.auth.throttle import Throttle
from trackdeck.errors import TrackdeckError
from trackdeck.serving.links import endpoints_context
from trackdeck.studio import auth, presign, proxy
from trackdeck.studio.records import SIZES, State

HERE = Path(__file__).parent
CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
LOGIN_THROTTLE = Throttle()  # wrong tokens per client address
LOGIN_SESSION_S = 12 * 3600

ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
ENV.globals.update(app_version=__version__)


def render(template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    html = ENV.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


async def home(request: Request) -> Response:
    if proxy.referred_server(request) is not None:  # a server UI's link to its own "/"
        return await proxy.misrouted(request)
    studio = request.app.state.studio
    try:
        user = auth.studio_user(request, studio.config)
    except TrackdeckError:
        return RedirectResponse("/login", status_code=303)
    servers, _ = studio.store.list(sort_by="name", ascending=True, max_results=100)
    return render(
        "home.html",
        {
            "servers": servers,
            "sizes": SIZES,
            "states": [s.value for s in State],
            "studio_url": studio.config.url,
            "user": user,
            "auth_on": studio.config.token is not None,
            **endpoints_context(request),
        },
    )


async def login_page(request: Request) -> Response:
    return render("login.html", {"error": None})


async def login(request: Request) -> Response:
    studio = request.app.state.studio
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host"):
        return render("login.html", {"error": "Cross-origin login refused."}, status=403)
    form = await request.form()
    token = form.get("token", "")
    expected = studio.config.token
    if expected is None:
        return RedirectResponse("/", status_code=303)
    client = request.client.host if request.client else "unknown"
    try:
        LOGIN_THROTTLE.check(client)
    except TrackdeckError as error:
        return render("login.html", {"error": error.message}, status=error.http_status)
    if not isinstance(token, str) or not auth._same(token, expected):
        LOGIN_THROTTLE.failed(client)
        return render("login.html", {"error": "Wrong token."}, status=401)
    LOGIN_THROTTLE.succeeded(client)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        presign.STUDIO_COOKIE,
        presign.session_token("", studio.config.secret(), LOGIN_SESSION_S),
        max_age=LOGIN_SESSION_S,
        path="/",
        httponly=True,
        samesite="strict",
    )
    return response


class _Static(StaticFiles):
    async def get_response(self, path: str, scope):  # type: ignore[no-untyped-def]
        response = await super().get_response(path, scope)
        response.headers.update({"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})
        return response


ROUTES: list[BaseRoute] = [
    Route("/", home, methods=["GET"]),
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Mount("/studio-static", _Static(directory=HERE / "static"), name="studio-static"),
]
