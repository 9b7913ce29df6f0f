"""State changes need POST with the CSRF token of the page's cookie."""

from __future__ import annotations

import httpx

from tests.ui.helpers import Sweep


def _experiment_names(url: str) -> set[str]:
    response = httpx.get(f"{url}/api/2.0/mlflow/experiments/search", params={"max_results": 1000})
    return {e["name"] for e in response.json()["experiments"]}


def test_post_without_token_is_refused(sweep: Sweep) -> None:
    response = httpx.post(f"{sweep.url}/experiments/create", data={"name": "csrf-no-token"})
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert "csrf-no-token" not in _experiment_names(sweep.url)


def test_post_with_a_token_that_does_not_match_the_cookie_is_refused(sweep: Sweep) -> None:
    with httpx.Client(base_url=sweep.url) as client:
        client.get("/")  # sets the cookie
        assert client.cookies.get("trackdeck_csrf")
        response = client.post(
            "/experiments/create", data={"name": "csrf-forged", "csrf_token": "x" * 43}
        )
    assert response.status_code == 403
    assert "csrf-forged" not in _experiment_names(sweep.url)


def test_cross_origin_post_is_refused_even_with_the_token(sweep: Sweep) -> None:
    with httpx.Client(base_url=sweep.url) as client:
        client.get("/")
        token = client.cookies["trackdeck_csrf"]
        response = client.post(
            "/experiments/create",
            data={"name": "csrf-cross-origin", "csrf_token": token},
            headers={"Origin": "http://evil.example"},
        )
    assert response.status_code == 403
    assert "csrf-cross-origin" not in _experiment_names(sweep.url)


def test_post_with_the_token_is_accepted(sweep: Sweep) -> None:
    with httpx.Client(base_url=sweep.url) as client:
        client.get("/")
        token = client.cookies["trackdeck_csrf"]
        response = client.post("/experiments/create", data={"name": "csrf-ok", "csrf_token": token})
    assert response.status_code == 303
    assert "csrf-ok" in _experiment_names(sweep.url)


def test_pages_do_not_accept_get_for_changes(sweep: Sweep) -> None:
    response = httpx.get(f"{sweep.url}/experiments/{sweep.empty_experiment_id}/delete")
    assert response.status_code in (404, 405)
