"""`trackdeck studio` and `trackdeck servers ...`: run the studio, and drive it over its API."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from trackdeck.studio.client import StudioClient, echo_json, parse_pairs, studio_options
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


SERVERS = "/tracking-servers"


class Api(StudioClient):
    """The studio client, with what `trackdeck servers` asks of tracking servers."""

    def describe(self, name: str) -> dict[str, Any]:
        return self.call("GET", f"{SERVERS}/{name}")["tracking_server"]

    def wait(self, name: str, gone: bool = False) -> dict[str, Any] | None:
        """Poll until the server settles (or is gone after a delete); fail on *Failed."""
        from trackdeck.studio.records import TRANSITIONAL, State

        return self.wait_settled(
            lambda: self.describe(name),
            name,
            lambda state: State(state) not in TRANSITIONAL,
            SETTLED_WAIT_S,
            gone=gone,
        )


@click.group()
@studio_options
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
        "tags": parse_pairs(tags, "--tag"),
        "start": start,
    }
    server = api.call("POST", SERVERS, {k: v for k, v in payload.items() if v is not None})
    echo_json(api.wait(name) if wait else server["tracking_server"])


@servers.command()
@click.argument("name")
@click.pass_obj
def describe(api: Api, name: str) -> None:
    """Show NAME's state, URL, size, times and creator (JSON)."""
    echo_json(api.describe(name))


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
        SERVERS,
        params={
            "state": state,
            "sort_by": sort_by,
            "sort_order": sort_order,
            "max_results": max_results,
            "page_token": page_token,
        },
    )
    if as_json:
        echo_json(page)
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
        "tags": parse_pairs(tags, "--tag") or None,
    }
    server = api.call(
        "PATCH", f"{SERVERS}/{name}", {k: v for k, v in payload.items() if v is not None}
    )
    echo_json(api.wait(name) if wait else server["tracking_server"])


@servers.command()
@click.argument("name")
@wait_option
@click.pass_obj
def start(api: Api, name: str, wait: bool) -> None:
    """Start NAME."""
    server = api.call("POST", f"{SERVERS}/{name}/start", {})
    echo_json(api.wait(name) if wait else server["tracking_server"])


@servers.command()
@click.argument("name")
@wait_option
@click.pass_obj
def stop(api: Api, name: str, wait: bool) -> None:
    """Stop NAME (its data stays)."""
    server = api.call("POST", f"{SERVERS}/{name}/stop", {})
    echo_json(api.wait(name) if wait else server["tracking_server"])


@servers.command()
@click.argument("name")
@click.option("--keep-data", is_flag=True, help="Keep the server's folder under the data dir.")
@wait_option
@click.pass_obj
def delete(api: Api, name: str, keep_data: bool, wait: bool) -> None:
    """Delete NAME: stop it and remove its record and its own folder (see docs/studio.md)."""
    api.call("DELETE", f"{SERVERS}/{name}", {"keep_data": keep_data})
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
        f"{SERVERS}/{name}/url",
        {"expires_in_seconds": expires_in, "session_expiration_seconds": session_seconds},
    )
    click.echo(data["authorized_url"])


def register(main: click.Group) -> None:
    """Add `studio` and `servers` to the `trackdeck` command line."""
    main.add_command(studio)
    main.add_command(servers)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(servers())
