"""The studio page in a real browser (Debian's Chromium driven by Playwright): sign in,
create a server with the form, watch its state change without a reload, stop, open, delete."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.studio.conftest import LiveStudio
from tests.ui.helpers import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, XSS


@pytest.fixture(scope="module")
def page(studio: LiveStudio) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=studio.url)
        context.set_default_timeout(60_000)
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.errors = errors  # type: ignore[attr-defined]
        yield tab
        browser.close()


def test_studio_page(studio: LiveStudio, page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    # A server whose tag holds markup: shown as text, never run.
    studio.create("tagged", tags={"note": XSS})
    page.goto("/")
    assert page.url.endswith("/login")
    page.fill("input[name=token]", studio.token)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Tracking servers")
    expect(page.locator("tr[data-name=tagged] .state")).to_contain_text("Created")
    expect(page.locator("tr[data-name=tagged] .tags")).to_have_text(f"note={XSS}")

    # Create one with the form; it appears and reaches Started without a reload.
    page.fill("#create-form input[name=name]", "from-ui")
    page.select_option("#create-form select[name=size]", "Small")
    page.click("#create-form button[type=submit]")
    row = page.locator("tr[data-name=from-ui]")
    expect(row).to_be_visible()
    expect(row.locator(".state")).to_contain_text("Started", timeout=90_000)
    expect(row.locator(".url")).to_have_text(f"{studio.url}/servers/from-ui")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "studio-home.png"), full_page=True)

    # Open: a presigned URL opens the server's UI in a new tab with its own session.
    with page.context.expect_page() as opened:
        row.locator("button[data-action=open]").click()
    server_tab = opened.value
    server_tab.wait_for_load_state()
    assert "/servers/from-ui/" in server_tab.url
    assert server_tab.locator("body").inner_text() != ""
    # The server UI's links carry the server's prefix and stay on that server.
    assert server_tab.locator("a.brand").get_attribute("href") == "/servers/from-ui/"
    server_tab.locator("a[href='/servers/from-ui/models']").first.click()
    server_tab.wait_for_url("**/servers/from-ui/models")
    server_tab.locator("a.brand").click()
    server_tab.wait_for_url("**/servers/from-ui/")
    # Its forms work through the proxy too (CSRF origin check, POST, redirect).
    create = "form[action='/servers/from-ui/experiments/create']"
    server_tab.fill(f"{create} input[name=name]", "made-in-ui")
    server_tab.locator(f"{create} button[type=submit]").click()
    server_tab.wait_for_url("**/servers/from-ui/experiments/*")
    experiments = httpx.post(
        f"{studio.url}/servers/from-ui/api/2.0/mlflow/experiments/search",
        json={"max_results": 10},
        headers=studio.headers(),
    ).json()["experiments"]
    assert "made-in-ui" in {e["name"] for e in experiments}
    server_tab.close()

    # Stop, then start again, each shown as it happens.
    row.locator("button[data-action=stop]").click()
    expect(row.locator(".state")).to_contain_text("Stopped")
    expect(row.locator("button[data-action=start]")).to_be_enabled()
    expect(row.locator("button[data-action=open]")).to_be_disabled()

    # A state change made elsewhere (the API) shows up by polling.
    studio.api("POST", "/tagged/start", json={})
    expect(page.locator("tr[data-name=tagged] .state")).to_contain_text("Started", timeout=90_000)

    # Delete, after confirming.
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button[data-action=delete]").click()
    expect(row).to_have_count(0)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("tr[data-name=tagged] button[data-action=delete]").click()
    expect(page.locator("tr[data-name=tagged]")).to_have_count(0)

    # Errors from the API are shown, not thrown.
    page.fill("#create-form input[name=name]", "bad_name")
    page.evaluate(
        "document.querySelector('#create-form input[name=name]').removeAttribute('pattern')"
    )
    page.click("#create-form button[type=submit]")
    expect(page.locator("#notice")).to_contain_text("Invalid tracking server name")
    # No script errors, no CSP violations (the refused create's 400 is the one expected).
    assert [e for e in page.errors if "status of 400" not in e] == []
