"""`trackdeck studio` and `trackdeck servers ...`: run the studio, and drive it over its API."""

from __future__ import annotations

import getpass
import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from trackdeck.studio.config import DEFAULT_DATA_DIR, StudioConfig

SETTLED_WAIT_S = 180


@click.command()
@click.option(
    "--host", "-h", default="127.0.0.1", show_default=True, envvar="TRACKDECK_STUDIO_HOST"
)
@click.option(
    "--port", "-p", default=5000, show_default=True, type=int, envvar="TRACKDECK_STUDIO_PORT"
)
@click.option(
    "--data-dir",
    default=str(DEFAULT_DATA_DIR),
    show_default=True,
    envvar="TRACKDECK_STUDIO_DATA_DIR",
    help="The studio database, its secret, and each server's own folder.",
)
@click.option(
    "--token",
    default=None,
    envvar="TRACKDECK_STUDIO_TOKEN",
    help="Require this token for the API, the UI and the proxy [default: no auth].",
)
@click.option(
    "--public-url",
    default=None,
    envvar="TRACKDECK_STUDIO_PUBLIC_URL",
    help="How users reach the studio, if not http://HOST:PORT.",
)
@click.option(
    "--default-server",
    default=None,
    help="Create and start a server of this name on the studio's first start.",
)
@click.option("--log-level", default="warning", show_default=True)
def studio(
    host: str,
    port: int,
    data_dir: str,
    token: str | None,
    public_url: str | None,
    default_server: str | None,
    log_level: str,
) -> None:
    """Run the studio: the control plane of tracking servers, on HOST:PORT."""
    import logging

    import uvicorn

    from trackdeck import __version__
    from trackdeck.studio.app import create_studio_app

    config = StudioConfig(
        data_dir=Path(data_dir).resolve(),
        host=host,
        port=port,
        token=token or None,
        public_url=public_url,
        default_server=default_server,
    )
    logging.basicConfig(level=log_level.upper())
    app = create_studio_app(config)
    click.echo(f"trackdeck {__version__} studio: {config.url}  (data: {config.data_dir})")
    if default_server:
        click.echo(f"MLFLOW_TRACKING_URI={config.url}/servers/{default_server}")
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        loop="uvloop",
        http="httptools",
    )


# --- the client side ---------------------------------------------------------------------


class Api:
    def __init__(self, studio_url: str, token: str | None) -> None:
        import httpx

        headers = {"X-Trackdeck-User": getpass.getuser(), "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.client = httpx.Client(base_url=studio_url.rstrip("/"), headers=headers, timeout=60)

    def call(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        import httpx

        url = "/api/trackdeck/v1/tracking-servers" + path
        try:
            response = self.client.request(
                method,
                url,
                json=payload if method != "GET" else None,
                params={k: v for k, v in (params or {}).items() if v is not None},
            )
        except httpx.HTTPError as exc:
            raise click.ClickException(
                f"Cannot reach the studio at {self.client.base_url}: {exc}"
            ) from exc
        try:
            data = response.json()
        except ValueError:
            data = {"message": response.text}
        if response.status_code >= 400:
            code = data.get("error_code", response.status_code)
            raise click.ClickException(f"{code}: {data.get('message', '')}")
        return data

    def describe(self, name: str) -> dict[str, Any]:
        return self.call("GET", f"/{name}")["tracking_server"]

    def wait(self, name: str, gone: bool = False) -> dict[str, Any] | None:
        """Poll until the server settles (or is gone after a delete); fail on *Failed."""
        from trackdeck.studio.records import TRANSITIONAL, State

        deadline = time.monotonic() + SETTLED_WAIT_S
        while time.monotonic() < deadline:
            try:
                server = self.describe(name)
            except click.ClickException as exc:
                if gone and "RESOURCE_DOES_NOT_EXIST" in exc.message:
                    return None
                raise
            if State(server["state"]) not in TRANSITIONAL:
                if server["state"].endswith("Failed"):
                    raise click.ClickException(
                        f"{name} is {server['state']}: {server.get('failure_reason')}"
                    )
                return server
            time.sleep(0.3)
        raise click.ClickException(f"{name} did not settle within {SETTLED_WAIT_S} s.")


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True))


def _tags(values: tuple[str, ...]) -> dict[str, str] | None:
    if not values:
        return None
    tags = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r}: expected KEY=VALUE", param_hint="--tag")
        tags[key] = text
    return tags


@click.group()
@click.option(
    "--studio-url",
    default="http://127.0.0.1:5000",
    show_default=True,
    envvar="TRACKDECK_STUDIO_URL",
    help="The studio to talk to.",
)
@click.option("--token", default=None, envvar="TRACKDECK_TOKEN", help="The studio token.")
@click.pass_context
def servers(ctx: click.Context, studio_url: str, token: str | None) -> None:
    """Create, describe, list, update, start, stop and delete tracking servers."""
    ctx.obj = Api(studio_url, token)


wait_option = click.option(
    "--wait/--no-wait",
    default=True,
    show_default=True,
    help="Wait until the server settles in its new state.",
)
size_choice = click.Choice(["Small", "Medium", "Large"], case_sensitive=False)


@servers.command()
@click.argument("name")
@click.option("--size", type=size_choice, default="Small", show_default=True)
@click.option(
    "--artifact-store-uri",
    default=None,
    help="A folder or s3://bucket/prefix [default: the server's own folder].",
)
@click.option(
    "--backend-store-uri",
    default=None,
    help="sqlite:///PATH or postgresql://... [default: its own SQLite file].",
)
@click.option(
    "--auto-register-models/--no-auto-register-models",
    default=False,
    help="Register logged models in the model registry automatically.",
)
@click.option("--tag", "tags", multiple=True, help="KEY=VALUE, repeatable.")
@click.option("--start", is_flag=True, help="Start it once created.")
@wait_option
@click.pass_obj
def create(
    api: Api,
    name: str,
    size: str,
    artifact_store_uri: str | None,
    backend_store_uri: str | None,
    auto_register_models: bool,
    tags: tuple[str, ...],
    start: bool,
    wait: bool,
) -> None:
    """Create tracking server NAME."""
    if artifact_store_uri and "://" not in artifact_store_uri:
        artifact_store_uri = str(Path(artifact_store_uri).resolve())
    payload = {
        "name": name,
        "size": size,
        "artifact_store_uri": artifact_store_uri,
        "backend_store_uri": backend_store_uri,
        "automatic_model_registration": auto_register_models,
        "tags": _tags(tags) or {},
        "start": start,
    }
    server = api.call("POST", "", {k: v for k, v in payload.items() if v is not None})
    _echo_json(api.wait(name) if wait else server["tracking_server"])


@servers.command()
@click.argument("name")
@click.pass_obj
def describe(api: Api, name: str) -> None:
    """Show NAME's state, URL, size, times and creator (JSON)."""
    _echo_json(api.describe(name))


@servers.command("list")
@click.option("--state", default=None, help="Only servers in this state, e.g. Started.")
@click.option(
    "--sort-by",
    type=click.Choice(["name", "creation_time", "state"]),
    default="creation_time",
    show_default=True,
)
@click.option("--sort-order", type=click.Choice(["asc", "desc"]), default="desc", show_default=True)
@click.option("--max-results", type=click.IntRange(1, 100), default=50, show_default=True)
@click.option("--page-token", default=None)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON page.")
@click.pass_obj
def list_servers(
    api: Api,
    state: str | None,
    sort_by: str,
    sort_order: str,
    max_results: int,
    page_token: str | None,
    as_json: bool,
) -> None:
    """List tracking servers."""
    page = api.call(
        "GET",
        "",
        params={
            "state": state,
            "sort_by": sort_by,
            "sort_order": sort_order,
            "max_results": max_results,
            "page_token": page_token,
        },
    )
    if as_json:
        _echo_json(page)
        return
    rows = [("NAME", "STATE", "SIZE", "TRACKING URI")] + [
        (s["name"], s["state"], s["size"], s["tracking_server_url"])
        for s in page["tracking_servers"]
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[3]
        )
    if page.get("next_page_token"):
        click.echo(f"(more: --page-token {page['next_page_token']})")


@servers.command()
@click.argument("name")
@click.option("--size", type=size_choice, default=None)
@click.option("--artifact-store-uri", default=None)
@click.option("--auto-register-models/--no-auto-register-models", default=None)
@click.option("--tag", "tags", multiple=True, help="KEY=VALUE, repeatable (replaces the tags).")
@wait_option
@click.pass_obj
def update(
    api: Api,
    name: str,
    size: str | None,
    artifact_store_uri: str | None,
    auto_register_models: bool | None,
    tags: tuple[str, ...],
    wait: bool,
) -> None:
    """Change NAME's size, artifact store, auto-registration or tags (restarts it if needed)."""
    if artifact_store_uri and "://" not in artifact_store_uri:
        artifact_store_uri = str(Path(artifact_store_uri).resolve())
    payload = {
        "size": size,
        "artifact_store_uri": artifact_store_uri,
        "automatic_model_registration": auto_register_models,
        "tags": _tags(tags),
    }
    server = api.call("PATCH", f"/{name}", {k: v for k, v in payload.items() if v is not None})
    _echo_json(api.wait(name) if wait else server["tracking_server"])


@servers.command()
@click.argument("name")
@wait_option
@click.pass_obj
def start(api: Api, name: str, wait: bool) -> None:
    """Start NAME."""
    server = api.call("POST", f"/{name}/start", {})
    _echo_json(api.wait(name) if wait else server["tracking_server"])


@servers.command()
@click.argument("name")
@wait_option
@click.pass_obj
def stop(api: Api, name: str, wait: bool) -> None:
    """Stop NAME (its data stays)."""
    server = api.call("POST", f"/{name}/stop", {})
    _echo_json(api.wait(name) if wait else server["tracking_server"])


@servers.command()
@click.argument("name")
@click.option("--keep-data", is_flag=True, help="Keep the server's folder under the data dir.")
@wait_option
@click.pass_obj
def delete(api: Api, name: str, keep_data: bool, wait: bool) -> None:
    """Delete NAME: stop it and remove its record and its own folder (see docs/studio.md)."""
    api.call("DELETE", f"/{name}", {"keep_data": keep_data})
    if wait:
        api.wait(name, gone=True)
    click.echo(f"Deleted {name}.", err=True)


@servers.command()
@click.argument("name")
@click.option(
    "--expires-in",
    type=click.IntRange(5, 300),
    default=300,
    show_default=True,
    help="Seconds the URL may be used in (once).",
)
@click.option(
    "--session-seconds",
    type=click.IntRange(300, 43200),
    default=43200,
    show_default=True,
    help="Length of the UI session the URL opens.",
)
@click.pass_obj
def url(api: Api, name: str, expires_in: int, session_seconds: int) -> None:
    """Print a presigned one-time URL that opens NAME's UI."""
    data = api.call(
        "POST",
        f"/{name}/url",
        {"expires_in_seconds": expires_in, "session_expiration_seconds": session_seconds},
    )
    click.echo(data["authorized_url"])


def register(main: click.Group) -> None:
    """Add `studio` and `servers` to the `trackdeck` command line."""
    main.add_command(studio)
    main.add_command(servers)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(servers())
