"""Every route of the web UI: the pages, their form actions, our static files, and
Plotly's JS served from the installed `plotly` package (never copied into the repo)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from trackdeck.ui import compare, experiments, registry, run, runs

STATIC = Path(__file__).parent / "static"
STATIC_CACHE = {"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"}


@cache
def plotly_js() -> Path | None:
    """The plotly package's bundled, minified plotly.js, if the package is installed."""
    try:
        path = Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))
    except ModuleNotFoundError:
        return None
    return path if path.is_file() else None


async def plotly(_request: Request) -> Response:
    path = plotly_js()
    if path is None:
        return PlainTextResponse("plotly is not installed", status_code=404)
    headers = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
    return FileResponse(path, media_type="text/javascript", headers=headers)


class _Static(StaticFiles):
    async def get_response(self, path: str, scope):  # type: ignore[no-untyped-def]
        response = await super().get_response(path, scope)
        response.headers.update(STATIC_CACHE)
        return response


ROUTES: list[BaseRoute] = [
    *experiments.ROUTES,
    *runs.ROUTES,
    *run.ROUTES,
    *compare.ROUTES,
    *registry.ROUTES,
    Route("/static/vendor/plotly.min.js", plotly, methods=["GET"]),
    Mount("/static", _Static(directory=STATIC), name="static"),
]
