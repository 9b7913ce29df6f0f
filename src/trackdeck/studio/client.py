"""The studio's REST API from the command line: one client behind `trackdeck servers`,
`trackdeck endpoints` and `trackdeck jobs`, and the options and helpers they share."""

from __future__ import annotations

import getpass
import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

import click
import httpx

API = "/api/trackdeck/v1"
F = TypeVar("F", bound=Callable[..., Any])


class StudioClient:
    """Calls `<studio>/api/trackdeck/v1/...` as this user; an error becomes a ClickException."""

    def __init__(self, studio_url: str, token: str | None) -> None:
        headers = {"X-Trackdeck-User": getpass.getuser(), "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.client = httpx.Client(base_url=studio_url.rstrip("/"), headers=headers, timeout=60)

    def call(
        self,
        method: str,
        path: str,
        payload: Any = None,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        try:
            response = self.client.request(
                method,
                API + path,
                json=payload if method != "GET" else None,
                params={k: v for k, v in (params or {}).items() if v is not None},
            )
        except httpx.HTTPError as exc:
            raise click.ClickException(
                f"Cannot reach the studio at {self.client.base_url}: {exc}"
            ) from exc
        return answer(response)

    def wait_settled(
        self,
        describe: Callable[[], dict[str, Any]],
        name: str,
        settled: Callable[[str], bool],
        timeout_s: float,
        gone: bool = False,
        interval_s: float = 0.3,
    ) -> dict[str, Any] | None:
        """Poll `describe()` until its state settles (or the thing is gone, after a delete);
        a state ending in "Failed" fails the command with its reason."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                record = describe()
            except click.ClickException as exc:
                if gone and "RESOURCE_DOES_NOT_EXIST" in exc.message:
                    return None
                raise
            if settled(record["state"]):
                if record["state"].endswith("Failed"):
                    raise click.ClickException(
                        f"{name} is {record['state']}: {record.get('failure_reason')}"
                    )
                return record
            time.sleep(interval_s)
        raise click.ClickException(f"{name} did not settle within {timeout_s:.0f} s.")


def answer(response: httpx.Response) -> dict[str, Any]:
    """The JSON of a studio answer; an MLflow error JSON fails the command with its code."""
    try:
        data = response.json()
    except ValueError:
        data = {"message": response.text}
    if response.status_code >= 400:
        code = data.get("error_code", response.status_code)
        raise click.ClickException(f"{code}: {data.get('message', '')}")
    return data  # type: ignore[no-any-return]


def studio_options(command: F) -> F:
    """--studio-url and --token, as every studio command takes them."""
    command = click.option(
        "--token", default=None, envvar="TRACKDECK_TOKEN", help="The studio token."
    )(command)
    return click.option(
        "--studio-url",
        default="http://127.0.0.1:5000",
        show_default=True,
        envvar="TRACKDECK_STUDIO_URL",
        help="The studio to talk to.",
    )(command)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True))


def parse_pairs(values: tuple[str, ...], hint: str) -> dict[str, str]:
    """NAME=VALUE options (`--tag`, `-P`) as a dict."""
    pairs = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r}: expected NAME=VALUE", param_hint=hint)
        pairs[key] = text
    return pairs
