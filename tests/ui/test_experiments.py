"""The experiments page: run counts, last activity; create, rename, delete, restore."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.ui.helpers import Sweep, screenshot


def test_lists_experiments_with_run_counts(page, sweep: Sweep) -> None:
    page.goto("/")
    row = page.locator(f"tr[data-experiment-id='{sweep.experiment_id}']")
    expect(row.locator("a")).to_have_text("ui-sweep")
    total = len(sweep.run_ids) + 3  # the children, the parent, the XSS run, the running run
    expect(row.locator(".run-count")).to_have_text(str(total))
    expect(row.locator("time").first).to_have_text(re.compile(r"just now|min ago"))
    expect(
        page.locator(f"tr[data-experiment-id='{sweep.empty_experiment_id}'] .run-count")
    ).to_have_text("0")
    screenshot(page, "experiments")
    row.locator("a").click()
    expect(page).to_have_url(re.compile(f"/experiments/{sweep.experiment_id}$"))


def test_filter_experiments_by_name(page, sweep: Sweep) -> None:
    page.goto("/")
    page.fill("input[name=q]", "empty")
    page.click("form.search-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"\?q=empty"))
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr a").first).to_have_text("ui-empty")


def test_create_rename_delete_restore(page, sweep: Sweep) -> None:
    name = f"ui-created-{uuid.uuid4().hex[:6]}"
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/")
    page.fill("input[name=name]", name)
    page.click("text=Create experiment")
    # Creating leads to the new, empty experiment.
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator(".flash-ok")).to_contain_text("Created experiment")
    expect(page.locator(".empty-state")).to_contain_text("No runs in this experiment yet")
    experiment_id = page.url.rstrip("/").rsplit("/", 1)[1]
    screenshot(page, "runs-empty")

    page.goto("/")
    row = page.locator(f"tr[data-experiment-id='{experiment_id}']")
    row.locator("summary", has_text="Rename").click()
    row.locator("input[name=name]").fill(name + "-renamed")
    row.locator("button", has_text="Save").click()
    expect(page.locator(".flash-ok")).to_contain_text("Renamed")
    expect(row.locator("a").first).to_have_text(name + "-renamed")

    row.locator("button", has_text="Delete").click()
    expect(page.locator(".flash-ok")).to_contain_text("Deleted experiment")
    expect(row).to_have_count(0)

    page.click("nav.tabs >> text=Deleted")
    expect(row).to_have_count(1)
    row.locator("button", has_text="Restore").click()
    expect(page.locator(".flash-ok")).to_contain_text("Restored")
    page.goto("/")
    expect(row).to_have_count(1)


def test_duplicate_name_shows_the_store_error(page, sweep: Sweep) -> None:
    page.goto("/")
    page.fill("input[name=name]", "ui-sweep")
    page.click("text=Create experiment")
    expect(page.locator(".flash-error")).to_contain_text("already exists")
