"""The Deploy button of a model version page and the studio's deploy form it fills in."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

import httpx

from tests.serving.conftest import MODEL, SERVER, Registry


def test_model_version_page_links_to_the_filled_in_deploy_form(registry: Registry) -> None:
    query = urlencode({"name": MODEL, "version": "2"})
    page = httpx.get(
        f"{registry.tracking_uri}/models/version?{query}",
        headers=registry.studio.headers(),
        follow_redirects=True,
    )
    assert page.status_code == 200, page.text
    # No Referer: the studio would take a request from a server's page for a misrouted link.
    link = re.search(
        r'<a class="button primary" id="deploy" href="([^"]+)" rel="noreferrer"', page.text
    )
    assert link, "no Deploy button"
    deploy = html.unescape(link.group(1))
    target = urlencode({"deploy_model": f"models:/{MODEL}/2", "deploy_server": SERVER})
    assert deploy == f"{registry.studio.url}/?{target}#endpoints-section"

    form = httpx.get(deploy.split("#")[0], headers=registry.studio.headers())
    assert form.status_code == 200
    assert f'value="models:/{MODEL}/2"' in form.text
    assert f'value="{MODEL}-2"' in form.text
    assert re.search(rf'<option value="{SERVER}"\s+selected>', form.text)
    assert "/studio-static/endpoints.js" in form.text


def test_studio_page_lists_endpoints(registry: Registry) -> None:
    registry.deploy("listed", f"models:/{MODEL}/1")
    page = httpx.get(registry.studio.url + "/", headers=registry.studio.headers())
    assert 'data-name="listed"' in page.text
    assert f"models:/{MODEL}/1" in page.text and "/endpoints/listed/invocations" in page.text
    assert registry.api("DELETE", "/listed", json={}).status_code == 200


def test_deploy_from_the_model_version_page_in_a_browser(registry: Registry) -> None:
    """Sign in, open a version page through the studio, press Deploy, submit the form, and
    watch the endpoint become InService in the table without a reload; then delete it."""
    from playwright.sync_api import expect, sync_playwright

    from tests.ui.helpers import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(60_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(f"{registry.studio.url}/login")
        page.fill("input[name=token]", registry.studio.token or "")
        page.click("button[type=submit]")
        page.goto(f"{registry.tracking_uri}/models/version?name={MODEL}&version=1")
        page.click("#deploy")
        page.wait_for_url(lambda url: url.startswith(f"{registry.studio.url}/?deploy_model="))
        form = page.locator("#deploy-form")
        expect(form.locator("input[name=model_uri]")).to_have_value(f"models:/{MODEL}/1")
        form.locator("input[name=name]").fill("from-the-ui")
        form.locator("button[type=submit]").click()
        row = page.locator("#endpoints tr[data-name=from-the-ui]")
        expect(row.locator(".state")).to_contain_text("InService", timeout=120_000)
        expect(row.locator(".url")).to_have_text(
            f"{registry.studio.url}/endpoints/from-the-ui/invocations"
        )
        page.screenshot(path=str(SCREENSHOTS / "endpoints.png"), full_page=True)
        row.locator("button[data-action=delete]").click()
        expect(row).to_have_count(0, timeout=30_000)
        browser.close()
    assert errors == []
