"""The authorization table: every route of a tracking server and what it takes to use it.

`guard.protect` looks each route of the app up here when the app is built and refuses to
start if one is missing, so a route cannot ship without a decision. The `/ajax-api/`
twin of an `/api/` route shares its rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import Any

from trackdeck.auth import resources as r
from trackdeck.store.permissions import Level


class Access(Enum):
    PUBLIC = "anyone, signed in or not"
    SIGNED_IN = "any signed-in user (results are filtered to what they may read)"
    ADMIN = "admins only"
    RESOURCE = "a permission on the resource the request names"


Prepare = Callable[[Any, Any, dict[str, Any]], Callable[[], None] | None]


@dataclass(frozen=True)
class Effect:
    """Keeps grants in step with what a request creates, renames or deletes: `prepare`
    looks at the request (store, caller, fields) before it runs and returns what to do
    once it succeeded, or None."""

    fields: tuple[str, ...]
    prepare: Prepare


@dataclass(frozen=True)
class Rule:
    access: Access
    locator: r.Locator | None = None
    level: Level = Level.READ
    effect: Effect | None = None

    @cached_property
    def fields(self) -> tuple[str, ...]:
        """The request fields the locator and the effect read."""
        own = self.locator.fields if self.locator else ()
        return own + (self.effect.fields if self.effect else ())


PUBLIC = Rule(Access.PUBLIC)
SIGNED_IN = Rule(Access.SIGNED_IN)
ADMIN = Rule(Access.ADMIN)


def needs(level: Level, locator: r.Locator, effect: Effect | None = None) -> Rule:
    return Rule(Access.RESOURCE, locator, level, effect)


def signed_in(effect: Effect) -> Rule:
    return Rule(Access.SIGNED_IN, effect=effect)


# -- effects: keep grants in step with what the request created, renamed or deleted -----
def _own_new_experiment(
    store: Any, caller: Any, fields: dict[str, Any]
) -> Callable[[], None] | None:
    find = r.by_experiment_name("name").find
    if find(store, fields):
        return None  # the name is taken: the request fails and nobody gains anything

    def after() -> None:
        for experiment_id in find(store, fields):
            caller.own(r.EXPERIMENT, experiment_id)

    return after


own_new_experiment = Effect(("name",), _own_new_experiment)


def owns_new_model(field: str) -> Effect:
    """The caller manages the registered model named by `field` if this request creates it."""

    def own(store: Any, caller: Any, fields: dict[str, Any]) -> Callable[[], None] | None:
        name = fields.get(field)
        if not isinstance(name, str) or r.by_model_name(field).find(store, fields):
            return None
        return lambda: caller.own(r.REGISTERED_MODEL, name)

    return Effect((field,), own)


def _forget_model(_store: Any, caller: Any, fields: dict[str, Any]) -> Callable[[], None] | None:
    name = fields.get("name")
    if not isinstance(name, str) or caller.permissions is None:
        return None
    return lambda: caller.permissions.forget(r.REGISTERED_MODEL, name)


def _rename_model(_store: Any, caller: Any, fields: dict[str, Any]) -> Callable[[], None] | None:
    old, new = fields.get("name"), fields.get("new_name")
    if not (isinstance(old, str) and isinstance(new, str)) or caller.permissions is None:
        return None
    return lambda: caller.permissions.rename(r.REGISTERED_MODEL, old, new)


forget_model = Effect(("name",), _forget_model)
rename_model = Effect(("name", "new_name"), _rename_model)


READ, EDIT, MANAGE = Level.READ, Level.EDIT, Level.MANAGE
EXPERIMENT_ID = r.by_experiment_id("experiment_id")
RUN = r.by_run("run_id", "run_uuid")
MODEL = r.by_model_name("name")
LOGGED_MODEL = r.by_logged_model("model_id")

_MLFLOW = "/api/2.0/mlflow"
_MODELS = f"{_MLFLOW}/registered-models"
_VERSIONS = f"{_MLFLOW}/model-versions"
_ARTIFACTS = "/api/2.0/mlflow-artifacts"
_AUTH3 = "/api/3.0/mlflow"

TRACKING_RULES: dict[str, Rule] = {
    # Server facts and the login page.
    "GET /health": PUBLIC,
    "GET /version": PUBLIC,
    "GET /api/3.0/mlflow/server-info": PUBLIC,
    "GET /api/trackdeck/v1/openapi.json": PUBLIC,
    "GET /login": PUBLIC,
    "POST /login": PUBLIC,
    "POST /logout": PUBLIC,
    "GET /static/vendor/plotly.min.js": PUBLIC,
    "MOUNT /static": PUBLIC,
    # Experiments.
    f"POST {_MLFLOW}/experiments/create": signed_in(own_new_experiment),
    f"GET {_MLFLOW}/experiments/get": needs(READ, EXPERIMENT_ID),
    f"GET {_MLFLOW}/experiments/get-by-name": needs(READ, r.by_experiment_name("experiment_name")),
    f"POST {_MLFLOW}/experiments/search": SIGNED_IN,
    f"GET {_MLFLOW}/experiments/search": SIGNED_IN,
    f"POST {_MLFLOW}/experiments/update": needs(EDIT, EXPERIMENT_ID),
    f"POST {_MLFLOW}/experiments/delete": needs(MANAGE, EXPERIMENT_ID),
    f"POST {_MLFLOW}/experiments/restore": needs(MANAGE, EXPERIMENT_ID),
    f"POST {_MLFLOW}/experiments/set-experiment-tag": needs(EDIT, EXPERIMENT_ID),
    f"POST {_MLFLOW}/experiments/delete-experiment-tag": needs(EDIT, EXPERIMENT_ID),
    # Runs.
    f"POST {_MLFLOW}/runs/create": needs(EDIT, EXPERIMENT_ID),
    f"GET {_MLFLOW}/runs/get": needs(READ, RUN),
    f"POST {_MLFLOW}/runs/update": needs(EDIT, RUN),
    f"POST {_MLFLOW}/runs/delete": needs(EDIT, RUN),
    f"POST {_MLFLOW}/runs/restore": needs(EDIT, RUN),
    f"POST {_MLFLOW}/runs/search": SIGNED_IN,
    f"POST {_MLFLOW}/runs/log-metric": needs(EDIT, RUN),
    f"POST {_MLFLOW}/runs/log-parameter": needs(EDIT, RUN),
    f"POST {_MLFLOW}/runs/set-tag": needs(EDIT, RUN),
    f"POST {_MLFLOW}/runs/delete-tag": needs(EDIT, RUN),
    f"POST {_MLFLOW}/runs/log-batch": needs(EDIT, RUN),
    f"POST {_MLFLOW}/runs/log-inputs": needs(EDIT, RUN),
    f"POST {_MLFLOW}/runs/outputs": needs(EDIT, RUN),
    f"GET {_MLFLOW}/metrics/get-history": needs(READ, RUN),
    f"GET {_MLFLOW}/metrics/get-history-bulk-interval": needs(READ, r.by_run("run_ids")),
    # Logged models.
    f"POST {_MLFLOW}/logged-models": needs(EDIT, EXPERIMENT_ID),
    f"POST {_MLFLOW}/logged-models/search": SIGNED_IN,
    f"GET {_MLFLOW}/logged-models/{{model_id}}": needs(READ, LOGGED_MODEL),
    f"PATCH {_MLFLOW}/logged-models/{{model_id}}": needs(EDIT, LOGGED_MODEL),
    f"DELETE {_MLFLOW}/logged-models/{{model_id}}": needs(EDIT, LOGGED_MODEL),
    f"PATCH {_MLFLOW}/logged-models/{{model_id}}/tags": needs(EDIT, LOGGED_MODEL),
    f"DELETE {_MLFLOW}/logged-models/{{model_id}}/tags/{{tag_key:path}}": needs(EDIT, LOGGED_MODEL),
    f"POST {_MLFLOW}/logged-models/{{model_id}}/params": needs(EDIT, LOGGED_MODEL),
    # Registry.
    f"POST {_MODELS}/create": signed_in(owns_new_model("name")),
    f"GET {_MODELS}/get": needs(READ, MODEL),
    f"POST {_MODELS}/rename": needs(MANAGE, MODEL, rename_model),
    f"PATCH {_MODELS}/update": needs(EDIT, MODEL),
    f"DELETE {_MODELS}/delete": needs(MANAGE, MODEL, forget_model),
    f"GET {_MODELS}/search": SIGNED_IN,
    f"POST {_MODELS}/get-latest-versions": needs(READ, MODEL),
    f"GET {_MODELS}/get-latest-versions": needs(READ, MODEL),
    f"POST {_MODELS}/set-tag": needs(EDIT, MODEL),
    f"DELETE {_MODELS}/delete-tag": needs(EDIT, MODEL),
    f"POST {_MODELS}/alias": needs(EDIT, MODEL),
    f"GET {_MODELS}/alias": needs(READ, MODEL),
    f"DELETE {_MODELS}/alias": needs(EDIT, MODEL),
    f"POST {_VERSIONS}/create": needs(EDIT, MODEL),
    f"GET {_VERSIONS}/get": needs(READ, MODEL),
    f"PATCH {_VERSIONS}/update": needs(EDIT, MODEL),
    f"DELETE {_VERSIONS}/delete": needs(MANAGE, MODEL),
    f"GET {_VERSIONS}/search": SIGNED_IN,
    f"POST {_VERSIONS}/transition-stage": needs(EDIT, MODEL),
    f"POST {_VERSIONS}/set-tag": needs(EDIT, MODEL),
    f"DELETE {_VERSIONS}/delete-tag": needs(EDIT, MODEL),
    f"GET {_VERSIONS}/get-download-uri": needs(READ, MODEL),
    # Artifacts, multipart included: the path names the experiment.
    f"PUT {_ARTIFACTS}/artifacts/{{artifact_path:path}}": needs(
        EDIT, r.by_artifact_path("artifact_path")
    ),
    f"GET {_ARTIFACTS}/artifacts/{{artifact_path:path}}": needs(
        READ, r.by_artifact_path("artifact_path")
    ),
    f"DELETE {_ARTIFACTS}/artifacts/{{artifact_path:path}}": needs(
        EDIT, r.by_artifact_path("artifact_path")
    ),
    f"GET {_ARTIFACTS}/artifacts": needs(READ, r.by_artifact_path("path")),
    f"POST {_ARTIFACTS}/mpu/create/{{artifact_path:path}}": needs(
        EDIT, r.by_artifact_path("artifact_path")
    ),
    f"POST {_ARTIFACTS}/mpu/complete/{{artifact_path:path}}": needs(
        EDIT, r.by_artifact_path("artifact_path")
    ),
    f"POST {_ARTIFACTS}/mpu/abort/{{artifact_path:path}}": needs(
        EDIT, r.by_artifact_path("artifact_path")
    ),
    f"GET {_MLFLOW}/artifacts/list": needs(READ, RUN),
    "GET /get-artifact": needs(READ, RUN),
    # Users, roles and grants (MLflow's basic-auth API) and API tokens.
    f"POST {_MLFLOW}/users/create": ADMIN,
    f"GET {_MLFLOW}/users/get": SIGNED_IN,  # yourself, or anyone for an admin
    f"GET {_MLFLOW}/users/current": SIGNED_IN,
    f"GET {_MLFLOW}/users/list": ADMIN,
    f"PATCH {_MLFLOW}/users/update-password": SIGNED_IN,  # yourself, or anyone for an admin
    f"PATCH {_MLFLOW}/users/update-admin": ADMIN,
    f"DELETE {_MLFLOW}/users/delete": ADMIN,
    f"POST {_AUTH3}/users/permissions/grant": SIGNED_IN,  # MANAGE on the resource
    f"POST {_AUTH3}/users/permissions/revoke": SIGNED_IN,  # MANAGE on the resource
    f"GET {_AUTH3}/users/permissions/get": SIGNED_IN,  # yourself, or anyone for MANAGE
    f"POST {_AUTH3}/roles/create": ADMIN,
    f"GET {_AUTH3}/roles/get": ADMIN,
    f"GET {_AUTH3}/roles/list": ADMIN,
    f"PATCH {_AUTH3}/roles/update": ADMIN,
    f"DELETE {_AUTH3}/roles/delete": ADMIN,
    f"POST {_AUTH3}/roles/permissions/add": ADMIN,
    f"DELETE {_AUTH3}/roles/permissions/remove": ADMIN,
    f"GET {_AUTH3}/roles/permissions/list": ADMIN,
    f"PATCH {_AUTH3}/roles/permissions/update": ADMIN,
    f"POST {_AUTH3}/roles/assign": ADMIN,
    f"DELETE {_AUTH3}/roles/unassign": ADMIN,
    f"GET {_AUTH3}/users/roles/list": ADMIN,
    f"GET {_AUTH3}/roles/users/list": ADMIN,
    "POST /api/trackdeck/v1/tokens": SIGNED_IN,
    "GET /api/trackdeck/v1/tokens": SIGNED_IN,
    "DELETE /api/trackdeck/v1/tokens/{token_id}": SIGNED_IN,  # your own, or any for an admin
    # Web UI pages and forms.
    "GET /": SIGNED_IN,
    "POST /experiments/create": signed_in(own_new_experiment),
    "POST /experiments/{experiment_id}/rename": needs(EDIT, EXPERIMENT_ID),
    "POST /experiments/{experiment_id}/delete": needs(MANAGE, EXPERIMENT_ID),
    "POST /experiments/{experiment_id}/restore": needs(MANAGE, EXPERIMENT_ID),
    "GET /experiments/{experiment_id}": needs(READ, EXPERIMENT_ID),
    "GET /runs/{run_id}": needs(READ, RUN),
    "POST /runs/{run_id}/rename": needs(EDIT, RUN),
    "POST /runs/{run_id}/description": needs(EDIT, RUN),
    "POST /runs/{run_id}/tags/set": needs(EDIT, RUN),
    "POST /runs/{run_id}/tags/delete": needs(EDIT, RUN),
    "POST /runs/{run_id}/delete": needs(EDIT, RUN),
    "POST /runs/{run_id}/restore": needs(EDIT, RUN),
    "GET /compare": needs(READ, r.by_run("runs", "run")),
    "GET /models": SIGNED_IN,
    "GET /models/view": needs(READ, MODEL),
    "GET /models/version": needs(READ, MODEL),
    "POST /models/alias": needs(EDIT, MODEL),
    "POST /models/alias/delete": needs(EDIT, MODEL),
    "POST /models/stage": needs(EDIT, MODEL),
    "POST /models/description": needs(EDIT, MODEL),
    "POST /models/tags/set": needs(EDIT, MODEL),
    "POST /models/tags/delete": needs(EDIT, MODEL),
    # Registering a run's model: EDIT on the model if it exists (a new name makes the
    # caller its manager); the source run is checked by the handler's source confinement.
    "POST /models/register": needs(
        EDIT, r.by_model_name("model_name"), owns_new_model("model_name")
    ),
}
