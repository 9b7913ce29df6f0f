"""What every UI handler shares: reaching the stores, error pages, and POST forms.

Page handlers are plain functions of the request that return a response; `page` runs
them in a worker thread (the store is synchronous) and turns a store error into an
error page with the error's status. Form handlers go through `form_action`, which
checks the CSRF token before anything changes and redirects back with a flash message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from trackdeck.errors import TrackdeckError
from trackdeck.store.browse import BrowseStore
from trackdeck.store.tracking import TrackingStore
from trackdeck.ui import csrf
from trackdeck.ui.rendering import redirect, render, safe_next

PageFunction = Callable[[Request], Response]
# An action changes state from the form and returns (where to go, what to say).
Action = Callable[[Request, FormData], tuple[str, str]]


def tracking(request: Request) -> TrackingStore:
    return request.app.state.store  # type: ignore[no-any-return]


def browse(request: Request) -> BrowseStore:
    state = request.app.state
    if getattr(state, "browse_store", None) is None:
        state.browse_store = BrowseStore(tracking(request).db)
    return state.browse_store  # type: ignore[no-any-return]


def error_page(request: Request, error: TrackdeckError) -> Response:
    return render(
        request,
        "error.html",
        {"title": error.error_code.replace("_", " ").capitalize(), "error": error},
        status=error.http_status,
    )


def page(function: PageFunction) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint running the page function in a thread, with error pages."""

    async def endpoint(request: Request) -> Response:
        try:
            return await run_in_threadpool(function, request)
        except TrackdeckError as error:
            return error_page(request, error)

    endpoint.__name__ = function.__name__
    return endpoint


def form_action(action: Action, fallback: str = "/") -> Callable[[Request], Awaitable[Response]]:
    """A POST endpoint: check CSRF, run `action`, redirect to `next` with a flash message."""

    async def endpoint(request: Request) -> Response:
        form = await request.form()
        try:
            csrf.check(request, form)
        except csrf.CsrfError as error:
            refused = TrackdeckError(str(error), "PERMISSION_DENIED")
            return error_page(request, refused)
        back = safe_next(form.get("next"), _referring_page(request) or fallback)
        try:
            target, message = await run_in_threadpool(action, request, form)
        except TrackdeckError as error:
            return redirect(back, error.message, kind="error")
        return redirect(safe_next(target, back) if target else back, message)

    endpoint.__name__ = action.__name__
    return endpoint


def _referring_page(request: Request) -> str:
    """The same-origin page the form was posted from (pages send `Referer` to themselves)."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.headers.get("host") or not referer.path.startswith("/"):
        return ""
    return referer.path + (f"?{referer.query}" if referer.query else "")


def form_text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""
