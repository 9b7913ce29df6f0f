"""The registry pages: models list, model page (aliases, versions), version page (stage,
alias, source run), and registering a run's model from its run page."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.ui.helpers import Sweep, screenshot


def _registered(sweep: Sweep, versions: int = 2) -> tuple[str, list[str]]:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=sweep.url, registry_uri=sweep.url)
    name = f"ui-model-{uuid.uuid4().hex[:6]}"
    client.create_registered_model(name, description="Classifies <b>images</b>.")
    run_ids = sweep.run_ids[-versions:]
    for run_id in run_ids:
        client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id)
    return name, run_ids


def test_models_list_and_model_page(page, sweep: Sweep) -> None:
    name, _ = _registered(sweep)
    page.goto("/models")
    row = page.locator(f"tr[data-model='{name}']")
    expect(row).to_contain_text("v2")
    expect(row).to_contain_text("Classifies <b>images</b>.")  # shown as text
    screenshot(page, "models")
    row.locator("a", has_text=name).click()
    expect(page.locator("#model-name")).to_have_text(name)
    expect(page.locator(".versions-table tbody tr")).to_have_count(2)


def test_set_an_alias_and_transition_a_stage(page, sweep: Sweep) -> None:
    from mlflow.tracking import MlflowClient

    name, run_ids = _registered(sweep)
    client = MlflowClient(tracking_uri=sweep.url, registry_uri=sweep.url)
    page.goto(f"/models/view?name={name}")
    form = page.locator("#alias-form")
    form.locator("input[name=alias]").fill("champion")
    form.locator("select[name=version]").select_option("1")
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash-ok")).to_contain_text("champion")
    expect(page.locator("#aliases tr[data-alias='champion']")).to_contain_text("Version 1")
    assert client.get_model_version_by_alias(name, "champion").version == "1"
    screenshot(page, "model")

    page.click("#aliases tr[data-alias='champion'] a")
    expect(page).to_have_url(re.compile(r"/models/version\?name=.*&version=1"))
    expect(page.locator("#source-run")).to_have_text(sweep.names[run_ids[0]])
    page.select_option("#stage-form select[name=stage]", "Staging")
    page.click("#stage-form button[type=submit]")
    expect(page.locator("#stage")).to_have_text("Staging")
    assert client.get_model_version(name, "1").current_stage == "Staging"
    # Point another alias at this version from its own page.
    page.fill("#alias-form input[name=alias]", "candidate")
    page.click("#alias-form button[type=submit]")
    expect(page.locator(".version-alias", has_text="@candidate")).to_have_count(1)
    screenshot(page, "model-version")


def test_register_a_run_model_from_the_run_page(page, sweep: Sweep) -> None:
    best = max(sweep.accuracy, key=sweep.accuracy.__getitem__)
    name = f"ui-best-{uuid.uuid4().hex[:6]}"
    page.goto(f"/runs/{best}")
    page.click("#register-popover summary")
    page.fill("#register-popover input[name=model_name]", name)
    page.click("#register-popover button[type=submit]")
    expect(page.locator(".flash-ok")).to_contain_text(f"Registered version 1 of '{name}'")
    expect(page.locator("#source-run")).to_have_text(sweep.names[best])


def test_missing_model_is_a_404_page(page, sweep: Sweep) -> None:
    response = page.goto("/models/view?name=no-such-model")
    assert response is not None and response.status == 404
