"""`trackdeck endpoints ...` against a live studio, and every command documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from tests.serving.conftest import MODEL, Registry
from trackdeck.cli import main
from trackdeck.serving.cli import endpoints

DOC = Path(__file__).resolve().parents[2] / "docs" / "endpoints.md"


def _run(registry: Registry, *args: str, stdin: str | None = None) -> tuple[int, str]:
    base = [
        "endpoints",
        "--studio-url",
        registry.studio.url,
        "--token",
        registry.studio.token or "",
    ]
    result = CliRunner().invoke(main, [*base, *args], input=stdin)
    return result.exit_code, result.output


def test_endpoints_commands_end_to_end(registry: Registry, tmp_path: Path) -> None:
    rows = registry.features.iloc[:3]
    expected = {"predictions": registry.local[1].predict(rows).tolist()}

    code, out = _run(registry, "create", "cli-one", "--model", f"models:/{MODEL}/1")
    assert code == 0, out
    assert json.loads(out)["state"] == "InService"
    code, out = _run(registry, "list")
    assert code == 0 and re.search(rf"cli-one\s+InService\s+models:/{MODEL}/1\s+1", out), out
    code, out = _run(registry, "describe", "cli-one")
    assert json.loads(out)["invocation_url"].endswith("/endpoints/cli-one/invocations")

    body = json.dumps({"dataframe_split": rows.to_dict(orient="split")})
    code, out = _run(registry, "invoke", "cli-one", "--data", body)
    assert code == 0 and json.loads(out) == expected, out
    code, out = _run(registry, "invoke", "cli-one", "--content-type", "csv",
                     stdin=rows.to_csv(index=False))  # fmt: skip
    assert code == 0 and json.loads(out) == expected, out
    path = tmp_path / "bad.json"
    path.write_text('{"rows": []}')
    code, out = _run(registry, "invoke", "cli-one", "--input", str(path))
    assert code == 1 and "BAD_REQUEST" in out and "exactly one of" in out

    code, out = _run(registry, "logs", "cli-one", "-n", "5")
    assert code == 0 and "==> instance" in out and f"Serving models:/{MODEL}/1" in out

    code, out = _run(registry, "update", "cli-one", "--model", f"models:/{MODEL}/2")
    assert code == 0 and json.loads(out)["model_version"] == 2, out
    code, out = _run(registry, "update", "cli-one", "--model", "models:/nope/1")
    assert code == 1 and "INVALID_PARAMETER_VALUE" in out

    code, out = _run(registry, "delete", "cli-one")
    assert code == 0 and "Deleted cli-one." in out
    code, out = _run(registry, "describe", "cli-one")
    assert code == 1 and "RESOURCE_DOES_NOT_EXIST" in out


def test_every_command_is_documented() -> None:
    text = DOC.read_text()
    for command in endpoints.commands:
        assert f"trackdeck endpoints {command}" in text, command
