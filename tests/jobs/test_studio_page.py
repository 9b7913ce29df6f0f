"""The jobs section of the studio page in Chromium: submit with the form, watch the state
change without a reload, follow the output, open the run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.jobs.conftest import PROJECT
from tests.studio.conftest import LiveStudio
from tests.ui.helpers import CHROMIUM, CHROMIUM_ARGS, screenshot


@pytest.fixture
def page(studio: LiveStudio) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=studio.url)
        context.set_default_timeout(90_000)
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        yield tab
        browser.close()
        assert not errors, errors


def test_jobs_section(studio: LiveStudio, page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto("/login")
    page.fill("input[name=token]", studio.token)
    page.click("button[type=submit]")
    page.fill("#job-form input[name=project_uri]", str(PROJECT))
    page.fill("#job-form input[name=parameters]", "learning_rate=0.05 epochs=2")
    page.fill("#job-form input[name=experiment_name]", "from-the-page")
    page.click("#job-form button[type=submit]")
    expect(page.locator("#job-notice")).to_contain_text("Submitted job")
    row = page.locator("#jobs tbody tr").filter(has_text="learning_rate=0.05 epochs=2")
    expect(row.locator(".state")).to_have_text("Succeeded", timeout=90_000)  # polled
    row.locator("button[data-action=logs]").click()
    expect(page.locator("#job-log-text")).to_contain_text("epoch 1: val_acc=")
    expect(page.locator("#job-log-state")).to_have_text("Succeeded")
    expect(row.locator("button[data-action=cancel]")).to_be_disabled()
    screenshot(page, "studio-jobs", full_page=True)
    link = row.locator("a")
    href = link.get_attribute("href")
    assert href is not None and href.startswith(f"{studio.url}/servers/default/runs/")
    page.goto(href)
    expect(page.locator("#run-status")).to_contain_text("Finished")
    expect(page.locator("#params")).to_contain_text("learning_rate")
