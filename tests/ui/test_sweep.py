"""The sweep view of a parent run in Chromium: the trials table, the parallel-coordinates
plot with the best trial highlighted, and registering the best trial's model from it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import pytest

from tests.ui.helpers import XSS, Sweep, screenshot
from trackdeck.jobs.sweep import ERROR_TAG, TAG, TRIAL_TAG


@dataclass
class LoggedSweep:
    parent_id: str
    best_id: str
    failed_id: str
    trial_ids: list[str]


def _log_sweep(url: str) -> LoggedSweep:
    """A parent run and six trials, tagged as `trackdeck sweep` tags them; trial 4 failed."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(url)
    experiment = client.create_experiment(f"ui-sweep-view-{uuid.uuid4().hex[:6]}")
    space = {"learning_rate": "0.001:0.1:log:3", "optimizer": "adam,sgd"}
    parent = client.create_run(experiment, run_name="lr sweep", tags={
        TAG: "true", f"{TAG}.metric": "val_acc", f"{TAG}.goal": "max",
        f"{TAG}.space": json.dumps(space), f"{TAG}.model_path": "model",
    }).info.run_id  # fmt: skip
    trial_ids = []
    grid = [(lr, opt) for lr in ("0.001", "0.01", "0.1") for opt in ("adam", XSS)]
    accuracy = [0.71, 0.69, 0.93, 0.88, None, 0.52]
    for index, ((lr, opt), acc) in enumerate(zip(grid, accuracy, strict=True)):
        run = client.create_run(experiment, run_name=f"trial-{index:03d}", tags={
            "mlflow.parentRunId": parent, TRIAL_TAG: str(index),
        }).info.run_id  # fmt: skip
        client.log_param(run, "learning_rate", lr)
        client.log_param(run, "optimizer", opt)
        if acc is None:
            client.set_tag(run, ERROR_TAG, "ValueError: diverged")
            client.set_terminated(run, "FAILED")
        else:
            client.log_metric(run, "val_acc", acc)
            client.set_terminated(run, "FINISHED")
        trial_ids.append(run)
    client.set_tag(parent, f"{TAG}.best_run_id", trial_ids[2])
    client.log_metric(parent, "best_val_acc", 0.93)
    client.set_terminated(parent)
    return LoggedSweep(parent, trial_ids[2], trial_ids[4], trial_ids)


@pytest.fixture(scope="module")
def logged(sweep: Sweep) -> LoggedSweep:
    return _log_sweep(sweep.url)


def test_sweep_view_shows_trials_plot_and_best(page, logged: LoggedSweep) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(f"/runs/{logged.parent_id}")
    rows = page.locator("#sweep-trials tbody tr")
    expect(rows).to_have_count(6)
    best = page.locator("#sweep-trials tr.sweep-best")
    expect(best).to_have_count(1)
    assert best.get_attribute("data-run-id") == logged.best_id
    expect(best).to_contain_text("trial-002")
    expect(best).to_contain_text("0.93")
    failed = page.locator(f"#sweep-trials tr[data-run-id='{logged.failed_id}']")
    expect(failed).to_contain_text("Failed")
    expect(page.locator("#sweep-trials")).to_contain_text(XSS)  # shown as text, never run
    expect(page.locator("#sweep-best-link")).to_have_attribute("href", f"/runs/{logged.best_id}")

    plot = page.locator("#sweep-plot")
    expect(plot).to_have_attribute("data-ready", "1")
    # Five trials with a value: five lines (plus the colour bar's trace); the best is on top.
    traces = page.evaluate(
        "() => document.getElementById('sweep-plot').data"
        ".filter(t => t.mode === 'lines+markers')"
        ".map(t => ({width: t.line.width, colour: t.line.color, text: t.text[0]}))"
    )
    assert len(traces) == 5
    assert traces[-1]["width"] == 5 and "trial-002" in traces[-1]["text"]
    assert all(t["width"] == 2 for t in traces[:-1])
    axes = page.locator("#sweep-plot .annotation-text").all_text_contents()
    assert {"learning_rate (log)", "optimizer", "val_acc"} <= set(axes)
    screenshot(page, "sweep", full_page=True)

    # Register the best trial's model from the sweep view.
    page.click("#sweep-register summary")
    name = f"sweep-best-{uuid.uuid4().hex[:6]}"
    page.fill("#sweep-register input[name=model_name]", name)
    page.click("#sweep-register button[type=submit]")
    expect(page.locator(".flash")).to_contain_text(f"Registered version 1 of '{name}'")


def test_runs_without_sweep_tags_have_no_sweep_view(page, sweep: Sweep) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/runs/{sweep.parent_id}")  # a parent run logged by hand, not by a sweep
    page.wait_for_selector("#overview")
    assert page.locator("#sweep").count() == 0
