"""The experiments page: every experiment with its run count and last activity, plus
create, rename, delete and restore."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trackdeck.auth.identity import caller_of
from trackdeck.auth.resources import EXPERIMENT
from trackdeck.errors import InvalidParameterValue
from trackdeck.store.browse import Activity
from trackdeck.store.experiments import ACTIVE, DELETED
from trackdeck.ui.handlers import browse, form_action, form_text, page, tracking
from trackdeck.ui.rendering import render

PAGE_SIZE = 200


def _name_filter(text: str) -> str | None:
    if not text:
        return None
    escaped = text.replace("'", "''")
    return f"name ILIKE '%{escaped}%'"


def experiments_page(request: Request) -> Response:
    query = request.query_params
    view = "deleted" if query.get("view") == "deleted" else "active"
    text = query.get("q", "").strip()
    store = tracking(request)
    found = store.experiments.search(
        "DELETED_ONLY" if view == "deleted" else "ACTIVE_ONLY",
        PAGE_SIZE,
        _name_filter(text),
        ["last_update_time DESC"],
        query.get("page_token") or None,
        caller_of(request.scope).visible(EXPERIMENT),
    )
    activity = browse(request).activity([e.experiment_id for e in found.items])
    rows = []
    for experiment in found.items:
        runs = activity.get(experiment.experiment_id, Activity())
        last = max(experiment.last_update_time or 0, runs.last_activity or 0)
        rows.append((experiment, runs, last))
    rows.sort(key=lambda row: row[2], reverse=True)
    params = {k: v for k, v in (("view", view if view != "active" else ""), ("q", text)) if v}
    return render(
        request,
        "experiments.html",
        {
            "title": "Experiments",
            "rows": rows,
            "view": view,
            "q": text,
            "params": params,
            "next_page_token": found.next_page_token,
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        },
    )


def create_experiment(request: Request, form: FormData) -> tuple[str, str]:
    name = form_text(form, "name")
    if not name:
        raise InvalidParameterValue("Give the new experiment a name.")
    experiment_id = tracking(request).experiments.create(name, None, [])
    return f"/experiments/{experiment_id}", f"Created experiment '{name}'."


def rename_experiment(request: Request, form: FormData) -> tuple[str, str]:
    experiment_id = request.path_params["experiment_id"]
    name = form_text(form, "name")
    tracking(request).experiments.rename(experiment_id, name)
    return "", f"Renamed experiment {experiment_id} to '{name}'."


def delete_experiment(request: Request, form: FormData) -> tuple[str, str]:
    experiment_id = request.path_params["experiment_id"]
    tracking(request).experiments.set_lifecycle(experiment_id, DELETED)
    return "", f"Deleted experiment {experiment_id}. Restore it from the Deleted tab."


def restore_experiment(request: Request, form: FormData) -> tuple[str, str]:
    experiment_id = request.path_params["experiment_id"]
    tracking(request).experiments.set_lifecycle(experiment_id, ACTIVE)
    return "", f"Restored experiment {experiment_id}."


ROUTES = [
    Route("/", page(experiments_page), methods=["GET"]),
    Route("/experiments/create", form_action(create_experiment), methods=["POST"]),
    Route("/experiments/{experiment_id}/rename", form_action(rename_experiment), methods=["POST"]),
    Route("/experiments/{experiment_id}/delete", form_action(delete_experiment), methods=["POST"]),
    Route(
        "/experiments/{experiment_id}/restore", form_action(restore_experiment), methods=["POST"]
    ),
]
