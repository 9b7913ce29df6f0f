"""Signing in to the UI of an auth-on server in the real Chromium: the login redirect,
a wrong password, the session cookie's flags, and CSRF on state changes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.auth.conftest import PASSWORD
from tests.servers import LiveServer
from tests.ui.conftest import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="module")
def tab(auth_server: LiveServer) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=auth_server.url)
        context.set_default_timeout(15000)
        yield context.new_page()
        browser.close()


def test_sign_in_session_cookie_and_csrf(tab, auth_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    tab.goto("/experiments/0")
    assert "/login?next=" in tab.url
    tab.fill("input[name=username]", "admin")
    tab.fill("input[name=password]", "not the password")
    tab.click("button[type=submit]")
    assert "Wrong username or password" in tab.inner_text(".login-card")

    tab.fill("input[name=password]", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_url("**/experiments/0")
    assert "admin" in tab.inner_text(".topbar-user")

    session = next(c for c in tab.context.cookies() if c["name"] == "trackdeck_session")
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"
    assert "trackdeck_session" not in tab.evaluate("document.cookie")

    # The page's own API calls carry its CSRF token; a call without it is refused.
    create = """async (withToken) => {
        const headers = {"Content-Type": "application/json"};
        if (withToken) headers["X-CSRF-Token"] =
            document.querySelector('meta[name="csrf-token"]').content;
        const response = await fetch("/ajax-api/2.0/mlflow/experiments/create", {
            method: "POST", headers, credentials: "same-origin",
            body: JSON.stringify({name: withToken ? "from-the-page" : "forged"}),
        });
        return [response.status, await response.json()];
    }"""
    status, body = tab.evaluate(create, False)
    assert status == 403 and body["error_code"] == "PERMISSION_DENIED"
    status, body = tab.evaluate(create, True)
    assert status == 200 and body["experiment_id"]

    tab.click(".topbar-user button")
    tab.wait_for_url("**/login")
    tab.goto("/")
    assert "/login" in tab.url
