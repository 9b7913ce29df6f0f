"""The studio REST API without running servers: validation, listing, paging, auth, conflicts."""

from __future__ import annotations

import httpx
import pytest

from tests.studio.conftest import LiveStudio


@pytest.mark.parametrize(
    "name",
    ["", "-lead", "trail-", "under_score", "dot.ted", "spa ce", "a" * 257, "ü"],
)
def test_invalid_names_are_refused(studio: LiveStudio, name: str) -> None:
    response = studio.api("POST", json={"name": name})
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_create_describe_and_duplicate(studio: LiveStudio) -> None:
    server = studio.create(
        "a" * 256, size="large", tags=[{"key": "k", "value": "v"}],
        automatic_model_registration=True,
    )  # fmt: skip
    assert server["state"] == "Created" and server["size"] == "Large"
    assert server["workers"] == 4 and server["tags"] == {"k": "v"}
    assert server["automatic_model_registration"] is True
    assert server["backend_store_uri"].startswith("sqlite:///")
    assert server["creation_time"] > 0 and server["created_by"] == "token"
    again = studio.api("POST", json={"name": "a" * 256})
    assert again.status_code == 400 and again.json()["error_code"] == "RESOURCE_ALREADY_EXISTS"
    assert studio.api("GET", "/nope").status_code == 404
    assert studio.api("POST", json={"name": "x1", "size": "Huge"}).status_code == 400


def test_operations_check_the_state(studio: LiveStudio) -> None:
    studio.create("idle-1")
    stop = studio.api("POST", "/idle-1/stop", json={})
    assert stop.status_code == 409 and "Created" in stop.json()["message"]
    # An update of a server that is not running needs no restart.
    update = studio.api("PATCH", "/idle-1", json={"size": "Medium", "tags": {"a": "b"}})
    assert update.status_code == 200
    assert update.json()["tracking_server"]["state"] == "Created"
    assert update.json()["tracking_server"]["size"] == "Medium"
    bad = studio.api("PATCH", "/idle-1", json={"artifact_store_uri": "ftp://x/y"})
    assert bad.status_code == 400


def test_list_filters_sorts_and_pages(studio: LiveStudio) -> None:
    for index in range(5):
        studio.create(f"page-{index}", tags={"i": str(index)})
    names: list[str] = []
    token = None
    while True:
        params = {"sort_by": "name", "sort_order": "asc", "max_results": 2}
        if token:
            params["page_token"] = token
        page = studio.api("GET", **params).json()
        assert len(page["tracking_servers"]) <= 2
        names += [s["name"] for s in page["tracking_servers"]]
        token = page.get("next_page_token")
        if not token:
            break
    assert names == sorted(names) and {f"page-{i}" for i in range(5)} <= set(names)
    newest = studio.api("GET", sort_by="creation_time", sort_order="desc").json()
    assert newest["tracking_servers"][0]["name"] == "page-4"
    created = studio.api("GET", state="Created").json()["tracking_servers"]
    assert created and all(s["state"] == "Created" for s in created)
    assert studio.api("GET", state="Started").json()["tracking_servers"] == []
    assert studio.api("GET", state="Sleeping").status_code == 400
    assert studio.api("GET", sort_by="port").status_code == 400
    assert studio.api("GET", max_results=101).status_code == 400


def test_auth_and_forgery_rules(studio: LiveStudio) -> None:
    base = f"{studio.url}/api/trackdeck/v1/tracking-servers"
    anonymous = httpx.get(base)
    assert anonymous.status_code == 401 and anonymous.json()["error_code"] == "UNAUTHENTICATED"
    wrong = httpx.get(base, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    basic = httpx.get(base, auth=("ana", studio.token or ""))
    assert basic.status_code == 200
    # A form post (which any web page can make a browser send) is refused.
    form = httpx.post(base, data={"name": "forged"}, headers=studio.headers())
    assert form.status_code == 403
    foreign = httpx.post(
        base, json={"name": "forged"}, headers={**studio.headers(), "Origin": "http://evil.test"}
    )
    assert foreign.status_code == 403
    assert studio.api("GET", "/forged").status_code == 404
    # The studio page asks for a login; the login form opens a session.
    with httpx.Client(base_url=studio.url) as browser:
        assert browser.get("/").headers["location"] == "/login"
        assert browser.post("/login", data={"token": "nope"}).status_code == 401
        assert browser.post("/login", data={"token": studio.token}).status_code == 303
        assert browser.get("/").status_code == 200
        assert browser.get("/api/trackdeck/v1/tracking-servers").status_code == 200


def test_unknown_server_on_the_proxy(studio: LiveStudio) -> None:
    response = httpx.get(f"{studio.url}/servers/ghost/health", headers=studio.headers())
    assert response.status_code == 404
    assert response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
