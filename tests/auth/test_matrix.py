"""The authorization matrix, generated from the table: every route of an auth-on server,
called with no credentials, as users with NO_PERMISSIONS, READ, EDIT (through a role)
and MANAGE on the resource the request names, and as an admin. Each gets exactly the
answer the route's rule promises: 401, 403, or through to the handler."""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.routing import Mount

from tests.auth.conftest import PASSWORD, AuthApp, basic
from trackdeck.auth.guard import rule_key
from trackdeck.auth.policy import TRACKING_RULES, Access, Rule
from trackdeck.store.permissions import Level
from trackdeck.ui import csrf

CALLERS = ["anonymous", "none", "reader", "editor", "manager", "admin"]
RANK = {"none": Level.NO_PERMISSIONS, "reader": Level.READ, "editor": Level.EDIT}
RANK |= {"manager": Level.MANAGE}
# SIGNED_IN routes whose handler asks for MANAGE on the resource in the request.
HANDLER_MANAGE = {
    "POST /api/3.0/mlflow/users/permissions/grant",
    "POST /api/3.0/mlflow/users/permissions/revoke",
}
_fresh = itertools.count()


@dataclass
class Resources:
    experiment_id: str
    experiment_name: str
    run_id: str
    model_id: str
    model_name: str


def _users(app: AuthApp) -> int:
    """The matrix's users; the editor's rights come through a role. Returns the role id."""
    for name in ("none", "reader", "editor", "manager", "victim"):
        app.store.users.create(name, PASSWORD)
    role = app.store.permissions.create_role(None, "editors", "EDIT on the matrix resources")
    app.store.permissions.assign(app.store.users.get("editor").id, role.id)
    return role.id


def _resources(app: AuthApp, role_id: int, tmp_path) -> Resources:  # type: ignore[no-untyped-def]
    store = app.store
    n = next(_fresh)
    experiment_id = store.experiments.create(f"exp-{n}", None, [])
    run = store.runs.create(experiment_id, "admin", int(time.time() * 1000), "r", [])
    run_id = run.info.run_id
    model = store.logged_models.create(experiment_id, "lm", None, run_id, [], [])
    model_name = f"model-{n}"
    store.registered_models.create(model_name, [], None)
    artifact = tmp_path / "artifacts" / experiment_id / run_id / "artifacts" / "f.txt"
    artifact.parent.mkdir(parents=True, exist_ok=True)
    artifact.write_text("data")
    permissions = store.permissions
    for kind, resource_id in (("experiment", experiment_id), ("registered_model", model_name)):
        for user, level in (("none", "NO_PERMISSIONS"), ("reader", "READ"), ("manager", "MANAGE")):
            permissions.grant(store.users.get(user).id, kind, resource_id, Level[level])
        permissions.add_role_grant(role_id, kind, resource_id, Level.EDIT)
    return Resources(experiment_id, f"exp-{n}", run_id, model.info.model_id, model_name)


def _field_value(key: str, rule: Rule, field: str, res: Resources, caller: str) -> Any:
    creates = key.endswith(("/experiments/create", "/registered-models/create", "/users/create"))
    values: dict[str, Any] = {
        "experiment_id": res.experiment_id,
        "experiment_name": res.experiment_name,
        "run_id": res.run_id,
        "run_uuid": res.run_id,
        "run_ids": [res.run_id],
        "runs": res.run_id,
        "run": res.run_id,
        "model_id": res.model_id,
        "model_name": res.model_name,
        "name": f"new-{next(_fresh)}" if creates else res.model_name,
        "new_name": f"{res.model_name}-renamed",
        "artifact_path": f"{res.experiment_id}/{res.run_id}/artifacts/f.txt",
        "path": f"{res.experiment_id}/{res.run_id}/artifacts",
    }
    return values[field]


def _request(key: str, rule: Rule, res: Resources, caller: str) -> dict[str, Any]:
    method, path = key.split(" ", 1)
    fields = {f: _field_value(key, rule, f, res, caller) for f in dict.fromkeys(rule.fields)}
    if "/users/" in path or "/roles/" in path or "/tokens" in path:
        fields |= {
            "username": "victim" if rule.access is Access.ADMIN else caller,
            "password": PASSWORD,
            "current_password": PASSWORD,
            "resource_type": "experiment",
            "resource_id": res.experiment_id,
            "permission": "READ",
            "role_id": 999,
            "name": f"thing-{next(_fresh)}",
        }
        if key.endswith("/users/create"):
            fields["username"] = f"user-{next(_fresh)}"

    def fill(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        value = (
            fields.pop(name, None) if name in fields else {"tag_key": "k", "token_id": 999}[name]
        )
        return str(value)

    url = re.sub(r"\{([^}]+)\}", fill, path)
    if method == "MOUNT":
        return {"method": "GET", "url": f"{url}/app.css"}
    request: dict[str, Any] = {"method": method, "url": url}
    ui_form = not path.startswith(("/api/", "/get-artifact", "/login", "/logout"))
    if method in ("GET", "HEAD"):
        request["params"] = fields
    elif key.startswith("PUT "):
        request["content"] = b"new bytes"
    elif path == "/login":
        request["data"] = {"username": "admin", "password": PASSWORD}
        request["data"][csrf.FIELD] = "csrf-token-for-tests-000000"
    elif ui_form or path == "/logout":
        request["data"] = {**fields, csrf.FIELD: "csrf-token-for-tests-000000"}
    else:
        request["json"] = fields
    return request


def _expected(key: str, rule: Rule, caller: str) -> str:
    """'401', '403' or 'through' (anything the handler answers, never 401 or 403)."""
    if rule.access is Access.PUBLIC:
        return "through"
    if caller == "anonymous":
        return "401"
    if caller == "admin":
        return "through"
    if rule.access is Access.ADMIN:
        return "403"
    needed = Level.MANAGE if key in HANDLER_MANAGE else rule.level
    if rule.access is Access.SIGNED_IN and key not in HANDLER_MANAGE:
        return "through"
    return "through" if RANK[caller] >= needed else "403"


def test_every_route_answers_as_its_rule_says(auth_app: AuthApp, tmp_path) -> None:  # type: ignore[no-untyped-def]
    role_id = _users(auth_app)
    client = auth_app.client
    client.cookies.set(csrf.COOKIE, "csrf-token-for-tests-000000")
    served = {
        f"MOUNT {route.path}" if isinstance(route, Mount) else rule_key(method, route.path)
        for route in auth_app.client.app.routes  # type: ignore[attr-defined]
        for method in (getattr(route, "methods", None) or {"MOUNT"}) - {"HEAD"}
    }
    wrong: list[str] = []
    checked = 0
    for key, rule in TRACKING_RULES.items():
        res = _resources(auth_app, role_id, tmp_path)
        for caller in CALLERS:
            request = _request(key, rule, res, caller)
            headers = {} if caller == "anonymous" else basic(caller)
            response = client.request(headers=headers, follow_redirects=False, **request)
            got = str(response.status_code)
            expected = _expected(key, rule, caller)
            ok = got == expected if expected != "through" else got not in ("401", "403")
            checked += 1
            if not ok:
                wrong.append(
                    f"{key} as {caller}: {got} (expected {expected}) {response.text[:160]}"
                )
    assert not wrong, "\n".join(wrong)
    assert checked == len(TRACKING_RULES) * len(CALLERS)
    # The table holds exactly the routes the server serves: none missing, none stale.
    assert served == set(TRACKING_RULES)


@pytest.mark.parametrize("caller", ["none", "reader", "editor", "manager", "admin"])
def test_searches_and_lists_show_only_readable_resources(
    auth_app: AuthApp, tmp_path, caller: str
) -> None:  # type: ignore[no-untyped-def]
    role_id = _users(auth_app)
    res = _resources(auth_app, role_id, tmp_path)
    client, headers = auth_app.client, basic(caller)
    visible = caller != "none"

    experiments = client.post(
        "/api/2.0/mlflow/experiments/search", json={"max_results": 1000}, headers=headers
    ).json()["experiments"]
    assert (res.experiment_id in {e["experiment_id"] for e in experiments}) is visible
    runs = client.post(
        "/api/2.0/mlflow/runs/search",
        json={"experiment_ids": [res.experiment_id, "0"]},
        headers=headers,
    ).json()
    assert (res.run_id in {r["info"]["run_id"] for r in runs.get("runs", [])}) is visible
    models = client.get(
        "/api/2.0/mlflow/registered-models/search", params={"max_results": 1000}, headers=headers
    ).json()
    names = {m["name"] for m in models.get("registered_models", [])}
    assert (res.model_name in names) is visible
    logged = client.post(
        "/api/2.0/mlflow/logged-models/search",
        json={"experiment_ids": [res.experiment_id]},
        headers=headers,
    ).json()
    assert (res.model_id in {m["info"]["model_id"] for m in logged.get("models", [])}) is visible
    assert (res.experiment_name in client.get("/", headers=headers).text) is visible
    assert (res.model_name in client.get("/models", headers=headers).text) is visible


def test_a_route_without_a_rule_stops_the_server_from_starting(auth_app: AuthApp) -> None:
    from starlette.routing import Route

    from trackdeck.auth.guard import AuthContext, protect

    async def forgotten(_request):  # type: ignore[no-untyped-def]
        raise AssertionError("never served")

    with pytest.raises(RuntimeError, match=re.escape("POST /api/2.0/mlflow/forgotten")):
        protect(
            [Route("/api/2.0/mlflow/forgotten", forgotten, methods=["POST"])],
            TRACKING_RULES,
            AuthContext(auth_app.store, None),
        )


# Written out by hand, apart from the table: widening a rule means changing both.
OPEN_TO_ANYONE = {
    "GET /health",
    "GET /version",
    "GET /api/3.0/mlflow/server-info",
    "GET /api/trackdeck/v1/openapi.json",
    "GET /login",
    "POST /login",
    "POST /logout",
    "GET /static/vendor/plotly.min.js",
    "MOUNT /static",
}
OPEN_TO_SIGNED_IN = {
    "POST /api/2.0/mlflow/experiments/create",
    "POST /api/2.0/mlflow/experiments/search",
    "GET /api/2.0/mlflow/experiments/search",
    "POST /api/2.0/mlflow/runs/search",
    "POST /api/2.0/mlflow/logged-models/search",
    "POST /api/2.0/mlflow/registered-models/create",
    "GET /api/2.0/mlflow/registered-models/search",
    "GET /api/2.0/mlflow/model-versions/search",
    "GET /api/2.0/mlflow/users/get",
    "GET /api/2.0/mlflow/users/current",
    "PATCH /api/2.0/mlflow/users/update-password",
    "POST /api/3.0/mlflow/users/permissions/grant",
    "POST /api/3.0/mlflow/users/permissions/revoke",
    "GET /api/3.0/mlflow/users/permissions/get",
    "POST /api/trackdeck/v1/tokens",
    "GET /api/trackdeck/v1/tokens",
    "DELETE /api/trackdeck/v1/tokens/{token_id}",
    "GET /",
    "POST /experiments/create",
    "GET /models",
}


def test_only_the_listed_routes_are_open() -> None:
    public = {k for k, rule in TRACKING_RULES.items() if rule.access is Access.PUBLIC}
    signed_in = {k for k, rule in TRACKING_RULES.items() if rule.access is Access.SIGNED_IN}
    assert public == OPEN_TO_ANYONE
    assert signed_in == OPEN_TO_SIGNED_IN
