"""Every page escapes what users logged and sets a strict Content-Security-Policy."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.ui.helpers import XSS, Sweep, screenshot, wait_for_charts


def _pages(sweep: Sweep) -> list[str]:
    return [
        "/",
        f"/experiments/{sweep.experiment_id}?cols=params.payload,tags.note,metrics.loss",
        f"/runs/{sweep.xss_run_id}",
        f"/compare?runs={sweep.xss_run_id},{sweep.run_ids[0]}",
    ]


def test_script_in_a_param_value_is_shown_as_text(page, sweep: Sweep) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"/runs/{sweep.xss_run_id}")
    wait_for_charts(page)
    expect(page.locator("#params tr", has_text="payload").locator("td").nth(1)).to_have_text(XSS)
    expect(page.locator("#run-name")).to_have_text(f"xss {XSS}")
    expect(page.locator("#tags tr", has_text="note").locator("td").nth(1)).to_have_text(XSS)
    page.goto(f"/experiments/{sweep.experiment_id}?cols=params.payload,tags.note")
    cell = page.locator(f"tr[data-run-id='{sweep.xss_run_id}'] td[data-col='params.payload']")
    expect(cell).to_have_text(XSS)
    page.goto(f"/compare?runs={sweep.xss_run_id},{sweep.run_ids[0]}")
    wait_for_charts(page)
    expect(page.locator("#diff-table tr[data-key='params.payload'] td").first).to_have_text(XSS)
    screenshot(page, "xss-as-text")
    # No script ran: no dialog, and no <script> element carries the payload.
    assert dialogs == []
    scripts = page.evaluate("Array.from(document.scripts).map(s => s.textContent)")
    assert not any("alert(1)" in s and "\\u003c" not in s for s in scripts)


@pytest.mark.parametrize("index", range(4))
def test_pages_set_a_strict_csp(sweep: Sweep, index: int) -> None:
    response = httpx.get(sweep.url + _pages(sweep)[index])
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-eval" not in csp and "script-src 'self' 'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert XSS not in response.text  # escaped wherever it appears
    assert "<script>" not in response.text.replace(
        '<script type="application/json" id="page-data">', ""
    )


def test_plotly_is_served_from_the_installed_package(sweep: Sweep) -> None:
    response = httpx.get(f"{sweep.url}/static/vendor/plotly.min.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert len(response.content) > 1_000_000
    assert httpx.get(f"{sweep.url}/static/app.js").status_code == 200
