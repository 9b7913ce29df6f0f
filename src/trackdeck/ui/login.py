"""Signing in to the web UI: a password form that opens a server-side session.

The session cookie is HttpOnly (scripts cannot read it), SameSite=Lax (other sites'
forms and scripts do not carry it), and Secure when the page came over HTTPS. Wrong
passwords count towards the same per-client limit as wrong Basic credentials.
"""

from __future__ import annotations

import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from trackdeck.auth.identity import SESSION_COOKIE, Authenticator
from trackdeck.errors import TrackdeckError
from trackdeck.ui import csrf
from trackdeck.ui.handlers import form_text
from trackdeck.ui.rendering import redirect, render, safe_next


def _authenticator(request: Request) -> Authenticator | None:
    return getattr(request.app.state, "authenticator", None)


def _next(request: Request, form_value: object = None) -> str:
    return safe_next(form_value or request.query_params.get("next"), "/")


async def login_page(request: Request) -> Response:
    if _authenticator(request) is None:
        return RedirectResponse("/", status_code=303)
    return render(request, "login.html", {"title": "Sign in", "next": _next(request)})


async def login(request: Request) -> Response:
    authenticator = _authenticator(request)
    if authenticator is None:
        return RedirectResponse("/", status_code=303)
    form = await request.form()
    target = _next(request, form.get("next"))
    try:
        csrf.check(request, form)
    except csrf.CsrfError as error:
        return redirect(f"/login?next={target}", str(error), kind="error")
    client = request.client.host if request.client else "unknown"
    username = form_text(form, "username")
    try:
        user = await run_in_threadpool(
            authenticator.check_password, username, form_text(form, "password"), client
        )
    except TrackdeckError as error:
        return render(
            request,
            "login.html",
            {"title": "Sign in", "next": target, "username": username, "error": error.message},
            status=error.http_status,
        )
    secret, session = await run_in_threadpool(authenticator.users.open_session, user)
    response = redirect(target)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=max(0, session.expiry_time // 1000 - int(time.time())),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


async def logout(request: Request) -> Response:
    authenticator = _authenticator(request)
    form = await request.form()
    try:
        csrf.check(request, form)
    except csrf.CsrfError as error:
        return redirect("/", str(error), kind="error")
    secret = request.cookies.get(SESSION_COOKIE)
    if authenticator is not None and secret:
        await run_in_threadpool(authenticator.users.close_session, secret)
    response = redirect("/login" if authenticator is not None else "/", "Signed out.")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


ROUTES = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
