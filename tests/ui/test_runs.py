"""The runs page: filter, bad filter, sort, columns, paging, nesting, best run, selection,
live refresh of running runs."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.ui.helpers import Sweep, screenshot


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def _column_values(page, column: str) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator(f"#runs-table tbody td[data-col='{column}']").all_inner_texts()


def test_search_with_a_filter(page, sweep: Sweep) -> None:
    page.goto(f"/experiments/{sweep.experiment_id}")
    page.fill("#filter-input", "params.optimizer = 'adam' and metrics.accuracy > 0.9")
    page.click("#search-form button[type=submit]")
    expected = {
        run_id
        for run_id, opt in sweep.optimizer.items()
        if opt == "adam" and sweep.accuracy[run_id] > 0.9
    }
    assert expected, "the sweep should have adam runs above 0.9"
    rows = page.locator("#runs-table tbody tr")
    expect(rows).to_have_count(len(expected))
    assert set(rows.evaluate_all("rows => rows.map(r => r.dataset.runId)")) == expected
    expect(page.locator("#result-count")).to_have_text(re.compile(rf"^{len(expected)} runs? match"))
    assert _query(page.url)["q"] == ["params.optimizer = 'adam' and metrics.accuracy > 0.9"]
    screenshot(page, "runs-filtered")


def test_bad_filter_shows_the_server_message(page, sweep: Sweep) -> None:
    response = page.goto(f"/experiments/{sweep.experiment_id}?q=metrics.loss+%3E%3E+1")
    assert response is not None and response.status == 400
    error = page.locator("#filter-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("INVALID_PARAMETER_VALUE")
    expect(page.locator("#filter-input")).to_have_value("metrics.loss >> 1")
    screenshot(page, "runs-bad-filter")


def test_sort_by_a_metric_column(page, sweep: Sweep) -> None:
    page.goto(f"/experiments/{sweep.experiment_id}?q=params.layers+%3D+%274%27&size=100")
    page.click("#runs-table th[data-column='metrics.accuracy'] a")
    expect(page).to_have_url(re.compile(r"sort=metrics.accuracy"))
    values = [float(v) for v in _column_values(page, "metrics.accuracy")]
    assert values == sorted(values, reverse=True)
    page.click("#runs-table th[data-column='metrics.accuracy'] a")
    expect(page).to_have_url(re.compile(r"dir=asc"))
    values = [float(v) for v in _column_values(page, "metrics.accuracy")]
    assert values == sorted(values)
    # Params sort too (as text, the way MLflow sorts params).
    page.click("#runs-table th[data-column='params.optimizer'] a")
    optimizers = _column_values(page, "params.optimizer")
    assert optimizers == sorted(optimizers, reverse=True)


def test_pick_columns(page, sweep: Sweep) -> None:
    page.goto(f"/experiments/{sweep.experiment_id}")
    headers = page.locator("#runs-table thead th[data-column]")
    expect(headers.filter(has_text="accuracy")).to_have_count(1)
    page.click("#column-picker summary")
    picker = page.locator("#column-picker")
    for box in picker.locator("input[type=checkbox]").all():
        box.set_checked(False)
    picker.locator(".picker-filter").fill("team")
    expect(picker.locator(".picker-item:not(.hidden)")).to_have_count(1)
    picker.locator("input[value='tags.team']").check()
    picker.locator(".picker-filter").fill("")
    picker.locator("input[value='params.lr']").check()
    screenshot(page, "runs-column-picker")
    picker.locator("button", has_text="Apply").click()
    expect(page).to_have_url(re.compile(r"cols=params.lr%2Ctags.team"))
    columns = headers.evaluate_all("hs => hs.map(h => h.dataset.column)")
    extra = [c for c in columns if c.split(".")[0] in ("metrics", "params", "tags")]
    assert extra[1:] == ["params.lr", "tags.team"]  # after the fixed Source column
    expect(headers.filter(has_text="accuracy")).to_have_count(0)
    # The choice survives a reload: it is in the URL.
    page.reload()
    expect(page.locator("#runs-table thead th[data-column='tags.team']")).to_have_count(1)


def test_paging_and_nesting(page, sweep: Sweep) -> None:
    page.goto(f"/experiments/{sweep.experiment_id}?size=25")
    total = len(sweep.run_ids) + 3
    expect(page.locator("#runs-table tbody tr")).to_have_count(25)
    expect(page.locator("#pager")).to_contain_text(f"Showing 1\N{EN DASH}25 of {total}")
    page.click("#pager a[rel=next]")
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator("#runs-table tbody tr")).to_have_count(total - 25)
    # The parent is on this page; its children here are nested under it and can be hidden.
    parent = page.locator(f"tr[data-run-id='{sweep.parent_id}']")
    expect(parent).to_have_count(1)
    children = page.locator(f"tr[data-parent='{sweep.parent_id}']")
    count = children.count()
    assert count >= 1
    parent.locator(".nest-toggle").click()
    expect(page.locator(f"tr.collapsed[data-parent='{sweep.parent_id}']")).to_have_count(count)
    # Filtering by the parent tag finds all of its children.
    page.goto(
        f"/experiments/{sweep.experiment_id}?q=tags.mlflow.parentRunId+%3D+%27{sweep.parent_id}%27"
    )
    expect(page.locator("#result-count")).to_have_text(re.compile(rf"^{len(sweep.run_ids)} runs"))


def test_best_run(page, sweep: Sweep) -> None:
    page.goto(f"/experiments/{sweep.experiment_id}")
    page.select_option("#best-metric", "metrics.accuracy")
    page.select_option("select[name=best_dir]", "max")
    page.click("#best-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"best=metrics.accuracy"))
    best_id = max(sweep.accuracy, key=sweep.accuracy.__getitem__)
    best_row = page.locator("#runs-table tr.best-row")
    expect(best_row).to_have_count(1)
    assert best_row.get_attribute("data-run-id") == best_id
    # It sorts: the best run is the first row.
    first = page.locator("#runs-table tbody tr").first
    assert first.get_attribute("data-run-id") == best_id
    expect(page.locator("#best-banner")).to_contain_text(sweep.names[best_id])
    screenshot(page, "runs")
    # Lowest loss is another question with its own answer.
    page.select_option("#best-metric", "metrics.loss")
    page.select_option("select[name=best_dir]", "min")
    page.click("#best-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"best_dir=min"))
    values = [float(v) for v in _column_values(page, "metrics.loss") if v]
    assert values == sorted(values)
    lowest = page.locator("#runs-table tr.best-row td[data-col='metrics.loss']")
    assert float(lowest.inner_text()) == values[0]


def test_select_runs_and_compare(page, sweep: Sweep) -> None:
    page.goto(f"/experiments/{sweep.experiment_id}?size=100")
    picked = sweep.run_ids[:3]
    for run_id in picked:
        page.check(f"tr[data-run-id='{run_id}'] input.run-select")
    expect(page.locator("#selected-count")).to_have_text("3 selected")
    assert set(_query(page.url)["sel"][0].split(",")) == set(picked)
    # The selection survives a reload (it lives in the URL).
    page.reload()
    expect(page.locator("#selected-count")).to_have_text("3 selected")
    page.click("#compare-button")
    expect(page).to_have_url(re.compile(r"/compare\?runs="))
    assert set(_query(page.url)["runs"][0].split(",")) == set(picked)
    expect(page.locator("#run-legend li")).to_have_count(3)


def test_running_run_updates_without_reload(page, sweep: Sweep) -> None:
    from mlflow.tracking import MlflowClient

    page.goto(
        f"/experiments/{sweep.experiment_id}?cols=metrics.loss&q=attributes.status+%3D+%27RUNNING%27"
    )
    row = page.locator(f"tr[data-run-id='{sweep.running_run_id}']")
    expect(row.locator("td[data-col='metrics.loss']")).to_have_text("0.9")
    client = MlflowClient(tracking_uri=sweep.url)
    client.log_metric(sweep.running_run_id, "loss", 0.4321, step=1)
    expect(row.locator("td[data-col='metrics.loss']")).to_have_text("0.4321", timeout=15000)
    expect(row.locator(".status")).to_have_text("Running")
