"""Every `trackdeck jobs` command and every `trackdeck sweep` flag is documented, and the
summary table of a sweep puts the best first and failures last."""

from __future__ import annotations

from pathlib import Path

from trackdeck.jobs.cli import jobs
from trackdeck.jobs.sweep import SweepResult, Trial
from trackdeck.jobs.sweep_cli import summary, sweep

DOC = Path(__file__).resolve().parents[2] / "docs" / "jobs.md"


def test_every_command_and_flag_is_documented() -> None:
    text = DOC.read_text()
    for command in jobs.commands:
        assert f"trackdeck jobs {command}" in text, command
    for param in sweep.params:
        for flag in getattr(param, "opts", ()):
            if flag.startswith("--"):
                assert flag in text, flag
    for image in ("screenshots/sweep.png", "screenshots/studio-jobs.png"):
        assert image in text and (DOC.parent / image).is_file()


def test_summary_table() -> None:
    trials = [
        Trial(0, {"lr": "0"}, "FAILED", "a" * 32),
        Trial(1, {"lr": "0.1"}, "FINISHED", "b" * 32, 0.5),
        Trial(2, {"lr": "0.01"}, "FINISHED", "c" * 32, 0.9),
    ]
    result = SweepResult("p", "0", trials, best=trials[2])
    lines = summary(result, "val_acc", "max")
    assert lines[0].split() == ["TRIAL", "STATUS", "VAL_ACC", "lr", "RUN"]
    assert lines[1].startswith("*  trial-002  FINISHED  0.9 ")
    assert [line.split()[0] for line in lines[2:]] == ["trial-001", "trial-000"]
    assert summary(result, "loss", "min")[1].split()[0] == "trial-001"  # lowest first
