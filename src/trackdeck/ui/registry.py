"""The model registry pages: registered models, one model (versions, aliases, tags,
description), one version (source run, stage, aliases), and the forms that change them;
plus registering a run's model from the run page.

Model names may contain any character, `/` included, so they travel in the query string
(`/models/view?name=...`, `/models/version?name=...&version=3`) rather than in the path.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from trackdeck.auth.identity import caller_of
from trackdeck.auth.resources import REGISTERED_MODEL
from trackdeck.errors import InvalidParameterValue, ResourceDoesNotExist
from trackdeck.serving.links import deploy_url
from trackdeck.store.model_versions import STAGES
from trackdeck.ui.handlers import form_action, form_text, page, tracking
from trackdeck.ui.rendering import render

PAGE_SIZE = 100
VERSIONS_SHOWN = 500


def model_url(name: str) -> str:
    return "/models/view?" + urlencode({"name": name})


def version_url(name: str, version: str | int) -> str:
    return "/models/version?" + urlencode({"name": name, "version": str(version)})


def _required(request: Request, name: str) -> str:
    value = request.query_params.get(name, "")
    if not value:
        raise InvalidParameterValue(f"Missing '{name}' in the address.")
    return value


def _quoted(text: str) -> str:
    return text.replace("'", "''")


def models_page(request: Request) -> Response:
    text = request.query_params.get("q", "").strip()
    found = tracking(request).registered_models.search(
        f"name ILIKE '%{_quoted(text)}%'" if text else None,
        PAGE_SIZE,
        ["name ASC"],
        request.query_params.get("page_token") or None,
        caller_of(request.scope).visible(REGISTERED_MODEL),
    )
    return render(
        request,
        "models.html",
        {
            "title": "Models",
            "models": found.items,
            "q": text,
            "params": {"q": text} if text else {},
            "next_page_token": found.next_page_token,
            "model_url": model_url,
            "version_url": version_url,
        },
    )


def _versions(request: Request, name: str) -> list:  # type: ignore[type-arg]
    found = tracking(request).model_versions.search(
        f"name = '{_quoted(name)}'", VERSIONS_SHOWN, None, None
    )
    return found.items


def model_page(request: Request) -> Response:
    name = _required(request, "name")
    model = tracking(request).registered_models.get(name)
    versions = _versions(request, name)
    return render(
        request,
        "model.html",
        {
            "title": model.name,
            "model": model,
            "versions": versions,
            "model_url": model_url,
            "version_url": version_url,
            "here": model_url(name),
        },
    )


def version_page(request: Request) -> Response:
    name = _required(request, "name")
    version = tracking(request).model_versions.get(name, _required(request, "version"))
    run = None
    if version.run_id:
        try:
            run = tracking(request).runs.get(version.run_id)
        except ResourceDoesNotExist:
            run = None
    return render(
        request,
        "model_version.html",
        {
            "title": f"{name} v{version.version}",
            "version": version,
            "deploy_url": deploy_url(request, name, version.version),
            "run": run,
            "stages": STAGES,
            "model_url": model_url,
            "version_url": version_url,
            "here": version_url(name, version.version),
        },
    )


def set_alias(request: Request, form: FormData) -> tuple[str, str]:
    name, alias, version = (
        form_text(form, "name"),
        form_text(form, "alias"),
        form_text(form, "version"),
    )
    tracking(request).registered_models.set_alias(name, alias, version)
    return "", f"Alias '@{alias}' now points to version {version}."


def delete_alias(request: Request, form: FormData) -> tuple[str, str]:
    name, alias = form_text(form, "name"), form_text(form, "alias")
    tracking(request).registered_models.delete_alias(name, alias)
    return "", f"Removed alias '@{alias}'."


def transition_stage(request: Request, form: FormData) -> tuple[str, str]:
    name, version, stage = (
        form_text(form, "name"),
        form_text(form, "version"),
        form_text(form, "stage"),
    )
    archive = form.get("archive_existing") == "1"
    tracking(request).model_versions.transition_stage(name, version, stage, archive)
    return "", f"Version {version} moved to {stage}."


def describe(request: Request, form: FormData) -> tuple[str, str]:
    name, version = form_text(form, "name"), form_text(form, "version")
    text = form.get("description", "")
    text = text.replace("\r\n", "\n") if isinstance(text, str) else ""
    if version:
        tracking(request).model_versions.update(name, version, text)
    else:
        tracking(request).registered_models.update(name, text)
    return "", "Saved the description."


def set_tag(request: Request, form: FormData) -> tuple[str, str]:
    name, version, key = form_text(form, "name"), form_text(form, "version"), form_text(form, "key")
    value = form.get("value", "")
    value = value if isinstance(value, str) else ""
    if not key:
        raise InvalidParameterValue("A tag needs a key.")
    if version:
        tracking(request).model_versions.set_tag(name, version, key, value)
    else:
        tracking(request).registered_models.set_tag(name, key, value)
    return "", f"Set tag '{key}'."


def delete_tag(request: Request, form: FormData) -> tuple[str, str]:
    name, version, key = form_text(form, "name"), form_text(form, "version"), form_text(form, "key")
    if version:
        tracking(request).model_versions.delete_tag(name, version, key)
    else:
        tracking(request).registered_models.delete_tag(name, key)
    return "", f"Deleted tag '{key}'."


def register_run_model(request: Request, form: FormData) -> tuple[str, str]:
    """Register `runs:/<run>/<path>` as a new version of a (new or existing) model."""
    run_id, name = form_text(form, "run_id"), form_text(form, "model_name")
    path = form_text(form, "path").strip("/") or "model"
    if not name:
        raise InvalidParameterValue("Name the registered model.")
    store = tracking(request)
    try:
        store.registered_models.get(name)
    except ResourceDoesNotExist:
        store.registered_models.create(name, [], None)
    version = store.model_versions.create(name, f"runs:/{run_id}/{path}", run_id, [], None, None)
    return version_url(name, version.version), f"Registered version {version.version} of '{name}'."


def _post(path: str, action):  # type: ignore[no-untyped-def]
    return Route(f"/models/{path}", form_action(action, "/models"), methods=["POST"])


ROUTES = [
    Route("/models", page(models_page), methods=["GET"]),
    Route("/models/view", page(model_page), methods=["GET"]),
    Route("/models/version", page(version_page), methods=["GET"]),
    _post("alias", set_alias),
    _post("alias/delete", delete_alias),
    _post("stage", transition_stage),
    _post("description", describe),
    _post("tags/set", set_tag),
    _post("tags/delete", delete_tag),
    _post("register", register_run_model),
]
