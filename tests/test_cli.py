"""The `trackdeck` command line."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from trackdeck.cli import main


def test_db_upgrade_reports_revisions(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = CliRunner().invoke(main, ["db", "upgrade", uri])
    assert result.exit_code == 0, result.output
    assert "empty ->" in result.output
    again = CliRunner().invoke(main, ["db", "upgrade", uri])
    assert "empty" not in again.output


def test_server_help_names_mlflow_flags() -> None:
    result = CliRunner().invoke(main, ["server", "--help"])
    for flag in ("--backend-store-uri", "--host", "--port", "--workers"):
        assert flag in result.output
