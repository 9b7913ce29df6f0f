"""`trackdeck servers ...` against a live studio, and every command documented."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from click.testing import CliRunner

from tests.studio.conftest import LiveStudio
from trackdeck.cli import main
from trackdeck.studio.cli import servers

DOC = Path(__file__).resolve().parents[2] / "docs" / "studio.md"


def _run(studio: LiveStudio, *args: str) -> tuple[int, str]:
    base = ["servers", "--studio-url", studio.url, "--token", studio.token or ""]
    result = CliRunner().invoke(main, [*base, *args])
    return result.exit_code, result.output


def test_servers_commands_end_to_end(studio: LiveStudio) -> None:
    code, out = _run(studio, "create", "cli-one", "--tag", "team=nlp", "--start")
    assert code == 0, out
    server = json.loads(out)
    assert server["state"] == "Started" and server["tags"] == {"team": "nlp"}
    assert httpx.get(f"{server['direct_url']}/health").status_code == 200

    code, out = _run(studio, "list", "--state", "Started")
    assert code == 0 and "cli-one" in out and "Started" in out
    code, out = _run(studio, "describe", "cli-one")
    assert json.loads(out)["tracking_server_url"] == f"{studio.url}/servers/cli-one"

    code, out = _run(studio, "url", "cli-one", "--expires-in", "30")
    assert code == 0 and out.startswith(f"{studio.url}/servers/cli-one/_presigned?token=")

    code, out = _run(studio, "stop", "cli-one")
    assert code == 0 and json.loads(out)["state"] == "Stopped"
    code, out = _run(studio, "stop", "cli-one")
    assert code != 0 and "RESOURCE_CONFLICT" in out
    code, out = _run(studio, "update", "cli-one", "--size", "Large")
    assert code == 0 and json.loads(out)["size"] == "Large"
    code, out = _run(studio, "delete", "cli-one")
    assert code == 0
    code, out = _run(studio, "describe", "cli-one")
    assert code != 0 and "RESOURCE_DOES_NOT_EXIST" in out

    code, out = _run(studio, "create", "bad_name")
    assert code != 0 and "INVALID_PARAMETER_VALUE" in out
    result = CliRunner().invoke(main, ["servers", "--studio-url", studio.url, "list"])
    assert result.exit_code != 0 and "UNAUTHENTICATED" in result.output


def test_every_servers_command_is_documented() -> None:
    text = DOC.read_text()
    for command in servers.commands:
        assert f"trackdeck servers {command}" in text, command
    for flag in ("--default-server", "--data-dir", "--token"):
        assert flag in text
    assert (DOC.parent / "screenshots" / "studio.png").is_file()
