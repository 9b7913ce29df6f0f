"""The run page: overview, params, metrics (with charts), tags, datasets, artifacts, and
editing the run's name, description and tags.

Chart choices live in the query string: `x` (step | time | relative), `logy` (1),
`smooth` (0 to 0.99, exponential moving average weight).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trackdeck.errors import InvalidParameterValue, TrackdeckError
from trackdeck.store.experiments import ACTIVE, DELETED
from trackdeck.ui.handlers import form_action, form_text, page, tracking
from trackdeck.ui.rendering import render
from trackdeck.ui.sweep import sweep_view
from trackdeck.ui.values import NOTE_TAG, json_number, run_view

X_AXES = ("step", "time", "relative")


def chart_options(query: Mapping[str, str]) -> dict[str, object]:
    """The chart controls' state from the query string, with safe defaults."""
    get = query.get
    try:
        smooth = min(0.99, max(0.0, float(get("smooth", "0"))))
    except ValueError:
        smooth = 0.0
    return {
        "x": get("x") if get("x") in X_AXES else "step",
        "logy": get("logy") == "1",
        "smooth": round(smooth, 2),
    }


def run_page(request: Request) -> Response:
    store = tracking(request)
    run = store.runs.get(request.path_params["run_id"])
    view = run_view(run)
    experiment = store.experiments.get(view.experiment_id)
    parent = None
    if view.parent_id:
        try:
            parent = run_view(store.runs.get(view.parent_id))
        except TrackdeckError:  # a dangling parent tag: the page shows the id only
            parent = None
    children = store.run_search.search(
        [view.experiment_id],
        f"tags.`mlflow.parentRunId` = '{view.id}'",
        "ALL",
        100,
        None,
        None,
    ).items
    options = chart_options(request.query_params)
    metric_keys = sorted(view.metrics)
    sweep = sweep_view(store, view)
    return render(
        request,
        "run.html",
        {
            "title": view.name,
            "run": view,
            "raw": run,
            "experiment": experiment,
            "parent": parent,
            "children": [run_view(c) for c in children],
            "sweep": sweep,
            "metric_keys": metric_keys,
            "options": options,
            "params": dict(request.query_params),
            "page_data": {
                "run_id": view.id,
                "experiment_id": view.experiment_id,
                "run_name": view.name,
                "metric_keys": metric_keys,
                "status": view.status,
                "latest": {k: json_number(v) for k, v in view.metrics.items()},
                "options": options,
                "artifact_uri": view.artifact_uri,
                "sweep": sweep.page_data() if sweep else None,
            },
        },
    )


def rename_run(request: Request, form: FormData) -> tuple[str, str]:
    name = form_text(form, "name")
    if not name:
        raise InvalidParameterValue("A run name cannot be empty.")
    tracking(request).runs.update(request.path_params["run_id"], None, None, name)
    return "", f"Renamed the run to '{name}'."


def describe_run(request: Request, form: FormData) -> tuple[str, str]:
    text = form.get("description", "")
    text = text.replace("\r\n", "\n") if isinstance(text, str) else ""
    tracking(request).logging.set_tag(request.path_params["run_id"], NOTE_TAG, text)
    return "", "Saved the description."


def set_run_tag(request: Request, form: FormData) -> tuple[str, str]:
    key = form_text(form, "key")
    value = form.get("value", "")
    if not key:
        raise InvalidParameterValue("A tag needs a key.")
    tracking(request).logging.set_tag(
        request.path_params["run_id"], key, value if isinstance(value, str) else ""
    )
    return "", f"Set tag '{key}'."


def delete_run_tag(request: Request, form: FormData) -> tuple[str, str]:
    key = form_text(form, "key")
    tracking(request).logging.delete_tag(request.path_params["run_id"], key)
    return "", f"Deleted tag '{key}'."


def delete_run(request: Request, form: FormData) -> tuple[str, str]:
    tracking(request).runs.set_lifecycle(request.path_params["run_id"], DELETED)
    return "", "Deleted the run. It can be restored from this page."


def restore_run(request: Request, form: FormData) -> tuple[str, str]:
    tracking(request).runs.set_lifecycle(request.path_params["run_id"], ACTIVE)
    return "", "Restored the run."


def _post(path: str, action):  # type: ignore[no-untyped-def]
    return Route(f"/runs/{{run_id}}/{path}", form_action(action), methods=["POST"])


ROUTES = [
    Route("/runs/{run_id}", page(run_page), methods=["GET"]),
    _post("rename", rename_run),
    _post("description", describe_run),
    _post("tags/set", set_run_tag),
    _post("tags/delete", delete_run_tag),
    _post("delete", delete_run),
    _post("restore", restore_run),
]
