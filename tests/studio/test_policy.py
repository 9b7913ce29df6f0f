"""The studio's authorization table, called route by route: without credentials and with
the studio token, each studio route answers as its rule says."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from trackdeck.studio.app import create_studio_app
from trackdeck.studio.config import StudioConfig
from trackdeck.studio.policy import PROXIED, PUBLIC, STUDIO, STUDIO_RULES, guard_studio_routes

TOKEN = "studio-policy-token"
GUARD_SAYS = "send the studio token"
# Public routes whose handler judges a credential of its own (a login form's token, a
# presigned URL): a made-up one is refused there, not by the guard.
OWN_CREDENTIAL = {"POST /login", "GET /servers/{name}/_presigned"}


@pytest.fixture
def client(tmp_path) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    app = create_studio_app(StudioConfig(data_dir=tmp_path / "studio", token=TOKEN))
    with TestClient(app, base_url="http://localhost") as test_client:
        yield test_client


def _request(key: str) -> dict[str, object]:
    method, path = key.split(" ", 1)
    url = re.sub(r"\{path:path\}", "api/2.0/mlflow/experiments/search", path)
    url = re.sub(r"\{[^}]+\}", "missing", url)
    if method == "MOUNT":
        return {"method": "GET", "url": f"{url}/studio.css"}
    request: dict[str, object] = {"method": method, "url": url}
    if method not in ("GET", "OPTIONS"):
        request["json"] = {}
    return request


@pytest.mark.parametrize("key", sorted(STUDIO_RULES))
def test_each_studio_route_answers_as_its_rule_says(client: TestClient, key: str) -> None:
    rule = STUDIO_RULES[key]
    anonymous = client.request(follow_redirects=False, **_request(key))  # type: ignore[arg-type]
    with_token = client.request(
        headers={"Authorization": f"Bearer {TOKEN}"},
        follow_redirects=False,
        **_request(key),  # type: ignore[arg-type]
    )
    if rule is STUDIO:
        assert anonymous.status_code == 401, anonymous.text
        assert anonymous.json()["error_code"] == "UNAUTHENTICATED"
    elif rule is PUBLIC:
        assert GUARD_SAYS not in anonymous.text
    else:
        assert rule is PROXIED
        assert anonymous.status_code in (401, 404)  # the proxy: no such server, or no creds
    if key not in OWN_CREDENTIAL:
        assert with_token.status_code not in (401, 403), with_token.text


def test_a_studio_route_without_a_rule_stops_the_studio(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async def forgotten(_request):  # type: ignore[no-untyped-def]
        raise AssertionError("never served")

    with pytest.raises(RuntimeError, match="POST /api/trackdeck/v1/forgotten"):
        guard_studio_routes([Route("/api/trackdeck/v1/forgotten", forgotten, methods=["POST"])])


def test_state_changes_must_be_json_from_this_origin(client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    form = client.post("/api/trackdeck/v1/tracking-servers", data={"name": "x"}, headers=headers)
    assert form.status_code == 403
    rebound = client.get("/health", headers={"Host": "attacker.example"})
    assert rebound.status_code == 403


def test_the_table_holds_exactly_the_studio_routes(client: TestClient) -> None:
    served = {
        f"MOUNT {route.path}" if isinstance(route, Mount) else f"{method} {route.path}"
        for route in client.app.routes  # type: ignore[attr-defined]
        for method in (getattr(route, "methods", None) or {"MOUNT"}) - {"HEAD"}
    }
    assert served == set(STUDIO_RULES)
