"""docs/ui.md describes each page and its screenshots exist, small enough for the repo."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_screenshot_in_the_ui_doc_exists_and_is_small() -> None:
    text = (DOCS / "ui.md").read_text()
    images = re.findall(r"\]\((screenshots/[^)]+\.png)\)", text)
    assert {"screenshots/experiments.png", "screenshots/runs.png", "screenshots/run.png",
            "screenshots/compare.png"} <= set(images)  # fmt: skip
    for image in images:
        path = DOCS / image
        assert path.is_file(), image
        assert path.stat().st_size < 300_000, image
