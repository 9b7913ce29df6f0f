"""What the UI browser tests share: the logged sweep's facts and screenshot helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "ui"
XSS = "<script>alert(1)</script>"
LEARNING_RATES = [0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.5]
SEEDS = 4  # runs per learning rate: 32 sweep runs, two pages of 25


@dataclass
class Sweep:
    """What the fixture logged, for tests to check the pages against."""

    server: LiveServer
    experiment_id: str
    parent_id: str
    run_ids: list[str]
    accuracy: dict[str, float]
    lr: dict[str, float]
    optimizer: dict[str, str]
    names: dict[str, str]
    xss_run_id: str
    running_run_id: str
    empty_experiment_id: str
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url


def screenshot(page, name: str, full_page: bool = False) -> Path:  # type: ignore[no-untyped-def]
    """Save a screenshot under test-artifacts/ui/ (outside git)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def wait_for_charts(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector("body[data-charts-ready]")
