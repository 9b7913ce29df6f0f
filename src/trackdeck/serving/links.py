"""Links between the UIs: a tracking server's "Deploy" button and the studio's deploy form.

A tracking server launched by the studio gets TRACKDECK_STUDIO_URL and runs under the
root path `/servers/<name>`; its model-version page links to the studio's page with the
deploy form filled in (`?deploy_model=models:/NAME/N&deploy_server=<name>`).
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

STUDIO_URL_VARIABLE = "TRACKDECK_STUDIO_URL"


def deploy_url(request: Request, model_name: str, version: str | int) -> str | None:
    """Where the Deploy button of a model version leads; None outside a studio."""
    studio = os.environ.get(STUDIO_URL_VARIABLE)
    parts = request.scope.get("root_path", "").strip("/").split("/")
    if not studio or len(parts) != 2 or parts[0] != "servers":
        return None
    query = urlencode(
        {"deploy_model": f"models:/{model_name}/{version}", "deploy_server": parts[1]}
    )
    return f"{studio.rstrip('/')}/?{query}#endpoints-section"


def _endpoint_name(model_uri: str) -> str:
    """A valid endpoint name suggested by a model URI (`models:/Iris Model/3` -> iris-model-3)."""
    name = re.sub(r"[^a-zA-Z0-9]+", "-", model_uri.removeprefix("models:/")).strip("-").lower()
    return name[:63].rstrip("-")


def endpoints_context(request: Request) -> dict[str, Any]:
    """The studio page's endpoint list and its deploy form's initial values."""
    endpoints, _ = request.app.state.endpoints.store.list(
        sort_by="name", ascending=True, max_results=100
    )
    model_uri = request.query_params.get("deploy_model", "")
    return {
        "endpoints": endpoints,
        "deploy": {
            "name": _endpoint_name(model_uri) if model_uri else "",
            "model_uri": model_uri,
            "server": request.query_params.get("deploy_server", "default"),
        },
    }
