"""The local launcher's command line follows the flags `trackdeck server` has."""

from __future__ import annotations

import itertools
from pathlib import Path

from trackdeck.studio.launcher.base import LaunchSpec
from trackdeck.studio.launcher.local import server_command, server_flags
from trackdeck.studio.records import SIZES, Size


def _spec(tmp_path: Path, auto: bool) -> LaunchSpec:
    return LaunchSpec(
        name="alpha",
        port=5123,
        backend_store_uri="sqlite:///x.db",
        artifact_store_uri="s3://bucket/alpha",
        size=SIZES[Size.LARGE],
        root_path="/servers/alpha",
        automatic_model_registration=auto,
        workdir=tmp_path,
    )


def test_command_carries_size_store_and_prefix(tmp_path: Path) -> None:
    command = server_command(_spec(tmp_path, auto=False))
    pairs = dict(itertools.pairwise(command))
    assert pairs["--workers"] == "4" and pairs["--port"] == "5123"
    assert pairs["--host"] == "127.0.0.1" and pairs["--backend-store-uri"] == "sqlite:///x.db"
    assert pairs["--artifacts-destination"] == "s3://bucket/alpha"
    assert pairs["--root-path"] == "/servers/alpha"
    assert "--auto-register-models" not in command


def test_auto_registration_only_when_the_server_has_the_flag(tmp_path: Path) -> None:
    command = server_command(_spec(tmp_path, auto=True))
    assert ("--auto-register-models" in command) == ("--auto-register-models" in server_flags())
