"""The compare page: overlaid curves, parallel coordinates, scatter, diff table."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.ui.helpers import Sweep, screenshot, wait_for_charts


def test_compare_draws_every_chart(page, sweep: Sweep) -> None:
    picked = sweep.run_ids[::4]  # one seed of each learning rate: 8 runs
    page.goto(f"/compare?runs={','.join(picked)}")
    wait_for_charts(page)
    expect(page.locator("#run-legend li")).to_have_count(len(picked))
    traces = page.evaluate("document.querySelector(`.chart[data-metric='loss']`).data.length")
    assert traces == len(picked)
    # Parallel coordinates: one line per run (plus the colour-bar trace).
    assert page.evaluate("document.getElementById('parallel-chart').data.length") == len(picked) + 1
    assert page.evaluate("document.getElementById('scatter-chart').data.length") == len(picked)
    screenshot(page, "compare", full_page=True)


def test_diff_table_shows_only_differences(page, sweep: Sweep) -> None:
    picked = sweep.run_ids[:2]  # same lr, seeds 0 and 1: optimizer differs, layers does not
    page.goto(f"/compare?runs={','.join(picked)}")
    table = page.locator("#diff-table")
    expect(table.locator("tr[data-key='params.optimizer']")).to_have_count(1)
    expect(table.locator("tr[data-key='params.seed']")).to_have_count(1)
    expect(table.locator("tr[data-key='params.layers']")).to_have_count(0)
    expect(table.locator("tr[data-key='params.lr']")).to_have_count(0)
    page.click("#diff-toggle")
    expect(page).to_have_url(re.compile(r"all=1"))
    expect(table.locator("tr[data-key='params.layers']")).to_have_count(1)
    expect(table.locator("tr[data-key='params.layers'].same")).to_have_count(1)


def test_scatter_axes_are_in_the_url(page, sweep: Sweep) -> None:
    picked = sweep.run_ids[:8]
    page.goto(f"/compare?runs={','.join(picked)}")
    wait_for_charts(page)
    page.select_option("#sx-select", "params.seed")
    page.select_option("#sy-select", "metrics.loss")
    expect(page).to_have_url(re.compile(r"sx=params.seed"))
    expect(page).to_have_url(re.compile(r"sy=metrics.loss"))
    xs = page.evaluate("document.getElementById('scatter-chart').data.map(t => t.x[0])")
    assert sorted(set(xs)) == [0, 1, 2, 3]
    page.reload()
    wait_for_charts(page)
    expect(page.locator("#sx-select")).to_have_value("params.seed")


def test_compare_without_runs_explains_itself(page, sweep: Sweep) -> None:
    response = page.goto("/compare")
    assert response is not None and response.status == 400
    expect(page.locator(".error-state")).to_contain_text("Choose the runs to compare")
